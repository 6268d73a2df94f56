"""The opening of the school booking window: teachers going through the real pages at once,
served by gunicorn as deployed.

    .venv/bin/python bench/rush.py                 # SQLite and PostgreSQL: burst, then rates
    .venv/bin/python bench/rush.py --smoke         # that it runs, in seconds (make test)
    .venv/bin/python bench/rush.py --engines sqlite --teachers 300 --rates 10,20,40,60

For each engine: a fresh database and instance folder and gunicorn as `make run` starts it
(bench/api.py's fresh_site and gunicorn: 2 workers x 4 threads), the booking limits per
address and per activity raised for the run (CENTRALE_BOOKING_RATE_LIMIT, ..._PER_EVENT),
nothing else changed.
One activity for primaria with --slots slots (one class each) and --schools schools in the
Ministry's registry.

Each simulated teacher has its own connection, cookies and CSRF token and goes through the
pages a person does: the class (GET /scuole/), the activities (GET /scuole/attivita), the
activity's free dates, the form (GET), the submit (POST: 303 to the pending page, or the date
taken meanwhile: 409 with the nearest free dates, and the teacher tries one of those, up to 5
times), the pending page, then the link of the confirmation email (the booking page, read
from the booking's row as the email carries it) and the confirmation (POST).

- The burst: --teachers teachers (of --schools schools, so some schools send several) all
  start together. Printed: the time until every teacher has an answer, bookings confirmed per
  second, latency p50/p95/p99 per page, the 5xx count, and the oversell check (no slot above
  its capacity, every slot's taken = its live bookings, no school above its limit).
- The sustained rate: teachers arriving at a fixed rate (open loop: each starts at its time,
  whatever the others are doing), stepped up (--rates), each step on its own activity with
  enough slots and new schools of the registry (one teacher each); printed per step p99 over
  every page and the 5xx, how the teachers ended, and the highest rate at which p99 stays
  under 300 ms with no 5xx. Each step is first run as a baseline: the same clients at the
  same rate, each making as many requests, all to /healthz; the ratio is the teachers' p99
  over the baseline's.
- The server's CPU per teacher (the gunicorn workers' user + system time over the teachers),
  for the burst and for each step and its baseline: what a teacher costs, less disturbed by
  other work on the machine than a latency is.

The clients run on the same 2-core machine as the server, in --processes processes.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import random
import re
import sys
import threading
import time
from collections import defaultdict
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
for path in (str(ROOT), str(ROOT / "bench")):
    if path not in sys.path:
        sys.path.insert(0, path)

from api import (  # noqa: E402  (bench/api.py)
    HOST,
    add_gunicorn_arguments,
    cpu_seconds,
    fresh_site,
    gunicorn,
    percentile,
)

CLASS = "primaria-3"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
SLOT_LINK = re.compile(r"/scuole/turni/(\d+)/prenota")
P99_TARGET_MS = 300.0
AT_LIMIT = "tutte le visite consentite"  # SchoolAtLimit's message, in Italian
PAGES = ("class", "activities", "dates", "form", "submit", "pending", "email link", "confirm")
# (the baseline's requests are named "baseline" and kept out of the teachers' tables)


# The site ------------------------------------------------------------------------------------


def prepare(
    url: str, slots: int, schools: int, label: str, prefix: str = "MIEE8"
) -> tuple[int, list[str]]:
    """An activity for primaria with `slots` slots in three weeks, and `schools` schools in
    the registry (made once per database); returns the activity's id and the school codes."""
    from api import app_for
    from sqlalchemy import select

    from centrale_booking.booking.models import Slot, Unit, WaitlistMode
    from centrale_booking.clock import museum_time
    from centrale_booking.extensions import db, transaction, utcnow
    from centrale_booking.schools.models import Activity, ActivityGrade, GradeLevel, School

    app = app_for(url)
    with app.app_context():
        with transaction():
            activity = Activity(
                slug=f"rush-{label}",
                title_it=f"Corsa {label}",
                title_en=f"Rush {label}",
                published=True,
                unit=Unit.classes,
                max_per_booking=1,
                max_pupils=28,
                waitlist_mode=WaitlistMode.none,
                cancel_deadline_hours=72,
            )
            activity.grade_rows = [ActivityGrade(grade=GradeLevel.primaria, text_it="Per tutti")]
            first = (utcnow() + timedelta(days=21)).date()
            for n in range(slots):
                day = first + timedelta(days=n // 20)
                starts = museum_time(day, clock_time(9 + (n % 20) // 4, (n % 4) * 15))
                activity.slots.append(
                    Slot(starts_at=starts, ends_at=starts + timedelta(minutes=60), capacity=1)
                )
            db.session.add(activity)
            known = set(db.session.scalars(select(School.code)))
            codes = [f"{prefix}{n:04d}{chr(65 + n % 26)}" for n in range(schools)]
            for code in codes:
                if code not in known:
                    db.session.add(School(code=code, name=f"Scuola {code}", city="MILANO"))
        activity_id = activity.id
        db.session.remove()
        db.engine.dispose()
    return activity_id, codes


def manage_link(url: str, reference: str) -> str:
    """The link the confirmation email carries, as the teacher clicks it."""
    from sqlalchemy import create_engine, text

    engine = _engines.get(url) or _engines.setdefault(url, create_engine(url))
    with engine.connect() as conn:
        token = conn.execute(
            text("SELECT manage_token FROM booking WHERE reference = :r"), {"r": reference}
        ).scalar_one()
    return f"/prenotazione/{reference}/{token}"


_engines: dict = {}


def checks(url: str, activity_ids: list[int], limit: int) -> dict:
    """The oversell check, from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    ids = ",".join(str(i) for i in activity_ids)
    with engine.connect() as conn:
        over = conn.execute(
            text(f"SELECT count(*) FROM slot WHERE programme_id IN ({ids}) AND taken > capacity")  # noqa: S608
        ).scalar_one()
        mismatched = conn.execute(
            text(
                f"SELECT count(*) FROM slot s WHERE s.programme_id IN ({ids}) AND s.taken <> "  # noqa: S608
                "(SELECT count(*) FROM booking b WHERE b.slot_id = s.id "
                "AND b.status IN ('pending', 'offered', 'confirmed'))"
            )
        ).scalar_one()
        schools_over = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT v.school_code FROM school_visit v "
                "JOIN booking b ON b.id = v.booking_id "
                "WHERE b.status IN ('pending', 'confirmed') "
                "GROUP BY v.school_code HAVING count(*) > :limit) AS over"
            ),
            {"limit": limit},
        ).scalar_one()
        counters_over = conn.execute(
            text('SELECT count(*) FROM counter WHERE taken > "limit"')
        ).scalar_one()
        confirmed = conn.execute(
            text(
                f"SELECT count(*) FROM booking b JOIN slot s ON s.id = b.slot_id "  # noqa: S608
                f"WHERE s.programme_id IN ({ids}) AND b.status = 'confirmed'"
            )
        ).scalar_one()
    engine.dispose()
    return {
        "slots above capacity": over,
        "slots whose taken differs from their bookings": mismatched,
        "schools above their limit": schools_over,
        "counters above their limit": counters_over,
        "confirmed": confirmed,
    }


# A teacher -----------------------------------------------------------------------------------


class Browser:
    """One teacher's connection and cookies."""

    def __init__(self, port: int, timings: list):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.timings = timings  # (page, seconds, status)

    def request(self, page: str, method: str, path: str, form: dict | None = None):
        headers = {"Accept-Language": "it"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.timings.append((page, time.perf_counter() - started, 599))
            return 599, "", ""
        self.timings.append((page, time.perf_counter() - started, response.status))
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, response.headers.get("Location", "")


def csrf(html: str) -> str:
    found = CSRF.search(html)
    return (found.group(1) or found.group(2)) if found else ""


def teacher(port: int, url: str, activity_id: int, code: str, n: int, timings: list) -> str:
    """One teacher through the pages; returns how it ended."""
    b = Browser(port, timings)
    b.request("class", "GET", "/scuole/")
    b.request("activities", "GET", f"/scuole/attivita?classe={CLASS}")
    status, page, _ = b.request("dates", "GET", f"/scuole/attivita/{activity_id}?classe={CLASS}")
    free = SLOT_LINK.findall(page)
    if not free:
        return "no free date"
    slot = random.choice(free)  # noqa: S311
    for _attempt in range(5):
        status, page, _ = b.request("form", "GET", f"/scuole/turni/{slot}/prenota?classe={CLASS}")
        if not csrf(page):  # taken since the dates were listed: the page offers the nearest
            nearest = [other for other in SLOT_LINK.findall(page) if other != slot]
            if not nearest:
                return "no free date"
            slot = random.choice(nearest)  # noqa: S311
            continue
        form = {
            "csrf_token": csrf(page),
            "school_code": code,
            "school_name": "",
            "city": "",
            "class_name": f"{n % 5 + 1}{chr(65 + n % 6)}",
            "grade": "primaria",
            "years": ["3"],
            "pupils": "22",
            "pupils_with_disabilities": "0",
            "support_teachers": "0",
            "adults": "2",
            "teacher_name": f"Docente {n}",
            "email": f"docente{n}@scuola.example",
            "phone": "+39 02 1234567",
            "privacy_consent": "y",
        }
        status, page, location = b.request(
            "submit", "POST", f"/scuole/turni/{slot}/prenota?classe={CLASS}", form
        )
        if status == 303:
            break
        if status >= 500:
            return f"{status}"
        nearest = [other for other in SLOT_LINK.findall(page) if other != slot]  # not this one
        if AT_LIMIT in page:
            return "school at its limit"
        if status == 409 and nearest:
            slot = random.choice(nearest)  # noqa: S311
            continue
        return "no free date" if status == 409 else f"refused {status}"
    else:
        return "gave up"
    b.request("pending", "GET", location)
    reference = location.rstrip("/").split("/")[-2]
    link = manage_link(url, reference)
    status, page, _ = b.request("email link", "GET", link)
    status, _, _ = b.request(
        "confirm", "POST", f"/scuole{link}/conferma", {"csrf_token": csrf(page)}
    )
    return "confirmed" if status == 303 else f"confirm {status}"


def baseline_teacher(port: int, url: str, activity_id: int, code: str, n: int, timings: list):
    """The baseline of the same run: as many requests as a teacher makes, each to /healthz
    (the app's lightest page, one database read), by the same clients at the same rate: what
    the machine, the server and the clients cost before any page of ours."""
    b = Browser(port, timings)
    for _page in PAGES:
        status, _content, _location = b.request("baseline", "GET", "/healthz")
    return "baseline" if status == 200 else f"baseline {status}"


def _process(port, url, plan, start_at, pipe, who=teacher) -> None:
    # plan: [(delay from start_at, activity_id, code, n)]
    timings: list = []
    outcomes: list = []
    lock = threading.Lock()

    def run(activity_id, code, n):
        mine: list = []
        outcome = who(port, url, activity_id, code, n, mine)
        with lock:
            timings.extend(mine)
            outcomes.append((outcome, time.monotonic()))

    threads = []
    for delay, activity_id, code, n in plan:
        wait = start_at + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        thread = threading.Thread(target=run, args=(activity_id, code, n))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    pipe.send((timings, outcomes))
    pipe.close()


def run_teachers(port, url, arrivals, processes: int, who=teacher) -> tuple[list, list, float]:
    """arrivals: [(delay, activity_id, code, n)]; split over processes; (timings, outcomes,
    time from the start until the last answer)."""
    start_at = time.monotonic() + 1.0
    ctx = mp.get_context("fork")
    pipes, procs = [], []
    for p in range(processes):
        mine, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_process, args=(port, url, arrivals[p::processes], start_at, theirs, who)
        )
        proc.start()
        pipes.append(mine)
        procs.append(proc)
    timings, outcomes = [], []
    for pipe in pipes:
        t, o = pipe.recv()
        timings.extend(t)
        outcomes.extend(o)
    for proc in procs:
        proc.join()
    last = max((at for _, at in outcomes), default=start_at)
    return timings, outcomes, last - start_at


def latency_table(timings: list) -> list[tuple]:
    by_page = defaultdict(list)
    for page, seconds, _status in timings:
        by_page[page].append(seconds * 1000)
    rows = []
    for page in PAGES:
        values = sorted(by_page.get(page, []))
        if values:
            rows.append(
                (
                    page,
                    len(values),
                    percentile(values, 50),
                    percentile(values, 95),
                    percentile(values, 99),
                )
            )
    return rows


# The runs ------------------------------------------------------------------------------------


def burst(engine_name: str, args) -> bool:
    with fresh_site(engine_name) as (url, instance, env):
        env["CENTRALE_BOOKING_RATE_LIMIT"] = "100000000 per minute"
        env["CENTRALE_BOOKING_RATE_LIMIT_PER_EVENT"] = "100000000 per minute"
        activity_id, codes = prepare(url, args.slots, args.schools, "burst")
        with gunicorn(env, instance, args.workers, args.threads) as (port, pids, _command):
            arrivals = [(0.0, activity_id, codes[n % len(codes)], n) for n in range(args.teachers)]
            cpu_before = cpu_seconds(pids)
            timings, outcomes, elapsed = run_teachers(port, url, arrivals, args.processes)
            burst_cpu = (cpu_seconds(pids) - cpu_before) * 1000 / args.teachers
            rates, cpus = [], []  # cpus: the server's CPU ms per teacher, and per baseline
            for step, rate in enumerate(args.rates):
                # Each step its own activity and its own schools of the registry, one teacher
                # each: no step finds the slots or the schools' limits of the one before.
                teachers = int(rate * args.seconds)
                step_id, step_codes = prepare(
                    url, max(teachers, 10), teachers, f"rate-{step}", prefix=f"MI{step:02d}X"
                )
                arrivals = [
                    (n / rate, step_id, step_codes[n], 100000 + step * 10000 + n)
                    for n in range(teachers)
                ]
                cpu_before = cpu_seconds(pids)
                base, _bo, _be = run_teachers(
                    port, url, arrivals, args.processes, who=baseline_teacher
                )
                base_cpu = (cpu_seconds(pids) - cpu_before) * 1000 / teachers
                base_p99 = percentile(sorted(s * 1000 for _p, s, _st in base), 99)
                cpu_before = cpu_seconds(pids)
                t, step_outcomes, _e = run_teachers(port, url, arrivals, args.processes)
                cpus.append(((cpu_seconds(pids) - cpu_before) * 1000 / teachers, base_cpu))
                values = sorted(s * 1000 for _p, s, _st in t)
                errors = sum(1 for _p, _s, st in t if st >= 500)
                ended = defaultdict(int)
                for outcome, _at in step_outcomes:
                    ended[outcome] += 1
                p99 = percentile(values, 99) if values else 0.0
                rates.append((rate, p99, errors, len(t), dict(ended), base_p99))
        found = checks(url, [activity_id], 3)
        _engines.pop(url, None)
    tally = defaultdict(int)
    for outcome, _at in outcomes:
        tally[outcome] += 1
    server_errors = sum(1 for _p, _s, st in timings if st >= 500)
    print(
        f"\n== {engine_name}: the burst, {args.teachers} teachers of {args.schools} schools, "
        f"{args.slots} slots, all at once"
    )
    print(
        f"every teacher answered in {elapsed:.1f} s; "
        f"{found['confirmed'] / elapsed:.1f} bookings confirmed/s; 5xx: {server_errors}"
    )
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    print(f"{'page':<12} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for page, count, p50, p95, p99 in latency_table(timings):
        print(f"{page:<12} {count:>8} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}")
    print("oversell check: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    print(f"the server's CPU per teacher (gunicorn's workers): {burst_cpu:.1f} ms")
    print(f"== {engine_name}: the sustained rate (open loop, {args.seconds:g} s per step)")
    print(
        f"{'teachers/s':>10} {'requests':>9} {'p99 ms':>8} {'5xx':>5} "
        f"{'baseline p99':>12} {'ratio':>6} {'CPU ms/teacher':>14} {'baseline':>8}  outcomes"
    )
    best = None
    for (rate, p99, errors, count, ended, base_p99), (cpu, base_cpu) in zip(
        rates, cpus, strict=True
    ):
        said = ", ".join(f"{k} {v}" for k, v in sorted(ended.items()))
        ratio = p99 / base_p99 if base_p99 else float("nan")
        print(
            f"{rate:>10g} {count:>9} {p99:>8.0f} {errors:>5} {base_p99:>12.0f} {ratio:>6.1f} "
            f"{cpu:>14.1f} {base_cpu:>8.1f}  {said}"
        )
        if p99 < P99_TARGET_MS and errors == 0:
            best = rate
    print(
        f"highest rate with p99 under {P99_TARGET_MS:.0f} ms and no 5xx: "
        f"{best if best is not None else 'none of those tried'} teachers/s"
    )
    clean = (
        server_errors == 0
        and all(errors == 0 for _r, _p, errors, _c, _e, _b in rates)
        and found["slots above capacity"] == 0
        and found["slots whose taken differs from their bookings"] == 0
        and found["schools above their limit"] == 0
        and found["counters above their limit"] == 0
    )
    return clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--teachers", type=int, default=300)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--slots", type=int, default=100)
    parser.add_argument("--rates", default="10,20,30,40,50,60")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2)
    add_gunicorn_arguments(parser)
    parser.add_argument("--smoke", action="store_true", help="a few teachers, one short rate")
    args = parser.parse_args()
    if args.smoke:
        args.engines, args.teachers, args.schools, args.slots = "sqlite", 12, 8, 10
        args.rates, args.seconds = "5", 1.0
    args.rates = [float(r) for r in args.rates.split(",") if r]
    from api import PG_ADMIN_URL

    from centrale_booking.database import postgres_problem

    clean = True
    for engine_name in args.engines.split(","):
        if engine_name == "postgresql" and (problem := postgres_problem(PG_ADMIN_URL)):
            print(f"\n== postgresql skipped: {problem}")
            continue
        clean = burst(engine_name, args) and clean
    print("\nno 5xx, no oversell" if clean else "\nFAILED: 5xx or oversell, see above")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
