"""The morning campus enrolment opens: families through the real pages, served by gunicorn as
deployed (`make run`: 2 workers, 4 threads), on SQLite and on PostgreSQL.

    .venv/bin/python bench/campus_rush.py                 # 400 families, both engines
    .venv/bin/python bench/campus_rush.py --engines sqlite --families 200
    .venv/bin/python bench/campus_rush.py --smoke         # that it runs, in seconds (make test)

Each family (1 to 3 children, 1 to 3 of the 6 weeks of 40 places, two in three together) does
what a parent's browser does: GET the edition's page (its form and CSRF token), POST the
enrolment, GET the family page it is sent to.

  burst      every family starts at once (a pool of --clients connections): the time until
             every family has its answer, p50/p95/p99 per page, 5xx.
  sustained  open loop: families arrive at a fixed rate, stepped up (--rates), each step on a
             fresh edition; the highest rate whose p99 (every page) stays under 500 ms.

The checks, at the end of each run: no week above capacity (taken = the places the bookings
hold), no family split against its choice (together: each week one request of all its
children), every waiting request came after the week's first confirmed one (the waiting list is
offered by arrival, created_at). Medians and p99 over
the pages of a run; the figures are only comparable between runs on a quiet machine.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import secrets
import sys
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api import HOST, _postgres_problem, fresh_site, gunicorn  # noqa: E402

WEEKS, PLACES = 6, 40
TARGET_P99_MS = 500.0
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def make_edition(url: str, label: str) -> tuple[int, list[int]]:
    """A published edition with WEEKS weeks of PLACES children, open now; (id, week ids)."""
    from centrale_booking import create_app
    from centrale_booking.booking.models import Slot, Unit, WaitlistMode
    from centrale_booking.campus.models import Campus, Season
    from centrale_booking.clock import museum_time
    from centrale_booking.extensions import db, transaction

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_REQUESTS": False})
    with app.app_context():
        first = date.today() + timedelta(days=60 - date.today().weekday())
        with transaction():
            campus = Campus(
                slug=f"bench-campus-{label}-{secrets.token_hex(3)}",
                title_it=f"Campus {label}",
                title_en=f"Campus {label}",
                season=Season.summer,
                published=True,
                unit=Unit.children,
                max_per_booking=4,
                waitlist_mode=WaitlistMode.offer,
                offer_hours=48,
                cancel_deadline_hours=7 * 24,
            )
            campus.slots = [
                Slot(
                    starts_at=museum_time(first + timedelta(weeks=n), clock_time(8, 30)),
                    ends_at=museum_time(first + timedelta(weeks=n, days=4), clock_time(16, 30)),
                    capacity=PLACES,
                )
                for n in range(WEEKS)
            ]
            db.session.add(campus)
        ids = campus.id, [s.id for s in campus.slots]
        db.session.remove()
        db.engine.dispose()
    return ids


def family_form(n: int, weeks: list[int], rng: random.Random, csrf: str) -> dict:
    children = rng.randint(1, 3)
    data = {
        "csrf_token": csrf,
        "week_ids": rng.sample(weeks, rng.randint(1, 3)),
        "parent-name": f"Genitore {n}",
        "parent-tax_code": "RSSMRA80A01F205X",
        "parent-email": f"famiglia{n}@example.org",
        "parent-phone": "+39 333 1234567",
        "delegates-0-name": f"Genitore {n}",
        "delegates-0-relationship": "genitore",
        "delegates-0-document": "CA12345AB",
        "emergency_contact-name": "Nonna",
        "emergency_contact-phone": "02 123456",
        "consents-privacy": "y",
        "consents-health_data": "y",
    }
    if rng.random() < 2 / 3:
        data["siblings_together"] = "y"
    for c in range(children):
        data |= {
            f"children-{c}-first_name": f"Figlio{c}",
            f"children-{c}-last_name": f"Famiglia{n}",
            f"children-{c}-birth_date": f"{rng.randint(2016, 2019)}-0{rng.randint(1, 9)}-15",
            f"children-{c}-allergies": "Arachidi" if c == 0 else "",
        }
    return data


class Family:
    """One parent's browser: its own connection and cookie."""

    def __init__(self, port: int, campus_id: int, weeks: list[int], n: int, seed: int):
        self.port, self.campus_id, self.weeks, self.n = port, campus_id, weeks, n
        self.rng = random.Random(seed * 100_003 + n)
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.statuses: list[int] = []
        self.cookie = ""

    def _request(self, conn, page: str, method: str, path: str, body: bytes | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.timings[page].append((time.perf_counter() - started) * 1000)
        self.statuses.append(response.status)
        if cookie := response.getheader("Set-Cookie"):
            self.cookie = cookie.split(";", 1)[0]
        return response, data

    def run(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            _, page = self._request(conn, "form", "GET", f"/campus/{self.campus_id}")
            found = CSRF.search(page.decode())
            csrf = next(g for g in found.groups() if g) if found else ""
            form = family_form(self.n, self.weeks, self.rng, csrf)
            body = urlencode(form, doseq=True).encode()
            response, _ = self._request(
                conn, "enrol", "POST", f"/campus/{self.campus_id}/iscrivi", body
            )
            if response.status == 303:
                self._request(conn, "family", "GET", response.getheader("Location"))
        finally:
            conn.close()


def run_families(families: list[Family], clients: int, rate: float | None) -> float:
    """Run the families: all at once through `clients` connections (rate None), or arriving
    at `rate` per second (open loop, one thread each). Returns the seconds until the last."""
    started = time.perf_counter()
    if rate is None:
        queue = list(reversed(families))
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    if not queue:
                        return
                    family = queue.pop()
                family.run()

        threads = [threading.Thread(target=worker) for _ in range(clients)]
    else:

        def arrive(family, at):
            time.sleep(max(0.0, at - (time.perf_counter() - started)))
            family.run()

        threads = [
            threading.Thread(target=arrive, args=(f, i / rate)) for i, f in enumerate(families)
        ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def check(url: str, campus_id: int) -> list[str]:
    """What must hold whatever the interleaving; the problems found."""
    from sqlalchemy import select

    from centrale_booking import create_app
    from centrale_booking.booking.engine import places_held
    from centrale_booking.booking.models import Booking
    from centrale_booking.booking.states import BookingStatus
    from centrale_booking.campus.models import Campus, CampusFamily, CampusPlace
    from centrale_booking.extensions import db

    problems = []
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_REQUESTS": False})
    with app.app_context():
        campus = db.session.get(Campus, campus_id)
        for slot in campus.slots:
            if not (slot.taken == places_held(slot) <= slot.capacity):
                problems.append(f"week {slot.id}: taken {slot.taken}, capacity {slot.capacity}")
            # The engine offers freed places by arrival (created_at, the moment the request
            # came in), not by the order the writers got their turn: every waiting request
            # must have arrived after the week's first refusal could happen, i.e. no request
            # waits that arrived before every confirmed one of the same week.
            waiting = db.session.scalars(
                select(Booking.created_at).where(
                    Booking.slot_id == slot.id, Booking.status == BookingStatus.waitlisted
                )
            ).all()
            first_confirmed = db.session.scalar(
                select(db.func.min(Booking.created_at)).where(
                    Booking.slot_id == slot.id, Booking.status == BookingStatus.confirmed
                )
            )
            if waiting and (first_confirmed is None or min(waiting) < first_confirmed):
                problems.append(f"week {slot.id}: a request waits ahead of every confirmed one")
        families = db.session.scalars(
            select(CampusFamily).where(CampusFamily.campus_id == campus_id)
        ).all()
        for family in families:
            if not family.siblings_together:
                continue
            per_week = defaultdict(set)
            for place in db.session.scalars(
                select(CampusPlace).where(CampusPlace.family_id == family.id)
            ):
                per_week[place.booking.slot_id].add(place.booking_id)
            if any(len(bookings) > 1 for bookings in per_week.values()):
                problems.append(f"family {family.id} split against its choice")
        db.session.remove()
        db.engine.dispose()
    return problems


def report(name: str, families: list[Family], seconds: float) -> tuple[float, int]:
    pages = defaultdict(list)
    for f in families:
        for page, values in f.timings.items():
            pages[page] += values
    errors = sum(1 for f in families for s in f.statuses if s >= 500)
    print(f"  {name}: {len(families)} families in {seconds:.2f} s, 5xx: {errors}")
    for page in ("form", "enrol", "family"):
        v = pages[page]
        print(
            f"    {page:<7} n={len(v):<4} p50 {pct(v, 0.5):7.1f} ms  p95 {pct(v, 0.95):7.1f} ms"
            f"  p99 {pct(v, 0.99):7.1f} ms"
        )
    everything = [x for v in pages.values() for x in v]
    return pct(everything, 0.99), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--families", type=int, default=400)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 20, 30, 40])
    parser.add_argument("--step-families", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="a few families, one short step")
    args = parser.parse_args()
    if args.smoke:
        args.engines, args.families, args.clients = ["sqlite"], 12, 4
        args.rates, args.step_families = [5], 8
    failed = False
    for engine_name in args.engines:
        if engine_name == "postgresql" and (problem := _postgres_problem()):
            print(f"{engine_name}: skipped ({problem})")
            continue
        print(f"{engine_name}: fresh database, gunicorn 2 workers x 4 threads", flush=True)
        with fresh_site(engine_name) as (url, instance, env):
            env["CENTRALE_BOOKING_RATE_LIMIT"] = "100000000 per minute"
            env["CENTRALE_BOOKING_RATE_LIMIT_PER_EVENT"] = "100000000 per minute"
            with gunicorn(env, instance, 2, 4) as (port, _workers, _command):
                campus_id, weeks = make_edition(url, "burst")
                families = [
                    Family(port, campus_id, weeks, n, args.seed) for n in range(args.families)
                ]
                seconds = run_families(families, args.clients, None)
                _p99, errors = report("burst", families, seconds)
                problems = check(url, campus_id)
                failed |= bool(errors or problems)
                print(f"    checks: {'ok' if not problems else '; '.join(problems[:5])}")
                sustained = 0.0
                for rate in args.rates:
                    campus_id, weeks = make_edition(url, f"rate{rate:g}")
                    families = [
                        Family(port, campus_id, weeks, n, args.seed)
                        for n in range(args.step_families)
                    ]
                    seconds = run_families(families, args.clients, rate)
                    p99, errors = report(f"open loop at {rate:g} families/s", families, seconds)
                    problems = check(url, campus_id)
                    failed |= bool(errors or problems)
                    print(f"    checks: {'ok' if not problems else '; '.join(problems[:5])}")
                    if p99 < TARGET_P99_MS and not errors:
                        sustained = rate
                    else:
                        break
                print(f"  sustained: {sustained:g} families/s with p99 < {TARGET_P99_MS:g} ms")
    print("families/s: the highest arrival rate with every page's p99 under 500 ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
