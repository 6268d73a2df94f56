"""How fast the desk's API lets people in: POST /api/v1/checkins from 8 scanners at once,
served by gunicorn as deployed.

    .venv/bin/python bench/checkin.py                    # SQLite and PostgreSQL, 3 rounds
    .venv/bin/python bench/checkin.py --smoke            # that it runs, in seconds (make test)
    .venv/bin/python bench/checkin.py --engines sqlite --rounds 5 --tickets 2000 --scanners 8

For each database engine: a fresh database built by the migrations (bench/api.py's fresh_site),
a device token (desk/tokens.py, sent as `Authorization: Bearer`), gunicorn as `make run`
starts it (2 workers x 4 threads). Each round is a day of --tickets valid tickets (one event
today, one seat each, booked through the engine beforehand). The scanners (separate processes,
one keep-alive connection each) share the day's codes and redeem them as fast as answers come,
each scan with its own scan_id; besides, 10% of the scans are a ticket scanned again (a new
scan_id: must be already_used) and 2% a code no ticket has (must be unknown).

Before the first round, a warm-up of unknown codes (nothing written) lets each worker load
what a first request loads. The baseline, measured in the same round by the same scanners:
GET /healthz (one query, no write) for as many requests, the floor any answer from this
server pays. The table gives,
over the rounds, the median of each round's scans per second and of its p50 / p95 / p99, the
ratio of the scan's p50 to the bare request's; then the check that every ticket of every round
was admitted exactly once (one `ok` row each in check_in), every repeat answered already_used
and every unknown code unknown, with no 5xx.

The peer (../shared/peers/pretix/RESULTS.md, a machine of this kind): pretix 2026.8 redeemed
49-61 scans/s with 8 scanners, p99 230-240 ms. Targets: p99 under 25 ms with 8 scanners and at
least 10 x pretix's rate, on SQLite and on PostgreSQL.

Each engine is measured twice in the same run, by two gunicorns alternating round by round: the
hot path as deployed (booking/fastscan.py) and the full path it falls back to
(CENTRALE_DESK_FAST_SCANS=false), the baseline; the table gives both, the server's CPU per
scan (its workers' user + system time over the round) and the ratios.

What it showed (2026-12-02, 17:15-17:25, quiet machine, load average under 2.5; `--rounds 3
--tickets 2000`, 8 scanners, gunicorn 2x4), medians of rounds, two runs: SQLite 765 scans/s,
p50 9.6 ms, p99 19.5 ms (rounds 20.8, 19.5, 18.2; the other run's 23.2, 20.0, 22.2), 1.4 ms of
server CPU per scan; PostgreSQL 697-737/s, p99 22.5-22.8 ms (rounds 19.0-26.3), 1.5 ms. The
full path in the same run: 220/s (SQLite) and 294/s (PostgreSQL), p99 64 and 48 ms, 4.3-4.6
ms a scan. Every ticket admitted exactly once, no 5xx. pretix in the same session
(../shared/peers/pretix/setup_and_bench.sh, twice): 46.8 and 39.8 redeems/s at 8 clients, p99
269 and 332 ms, so the hot path is 15-19x its rate. Two changes had made the difference:
gunicorn no longer writes an access log (it formatted each line for /dev/null: about 0.9 ms
a request), and the question "was anyone booked at the door?" is a seek down the index on
booking (slot_id, created_at) instead of a pass over the slot's bookings.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import (  # noqa: E402 (the sibling's)
    HOST,
    _postgres_problem,
    add_gunicorn_arguments,
    cpu_seconds,
    fresh_site,
    gunicorn,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRETIX_8_SCANNERS = (49, 61)  # scans/s, ../shared/peers/pretix/RESULTS.md
TARGET_P99_MS = 25.0
REPEATED, UNKNOWN = 0.10, 0.02


def seed(url: str, instance: str, rounds: int, tickets: int) -> tuple[str, list[list[str]]]:
    """A device token and, per round, an event today with `tickets` one-seat tickets."""
    os.environ["CENTRALE_INSTANCE_PATH"] = instance
    from centrale_booking import clock, create_app
    from centrale_booking.auth.models import Role
    from centrale_booking.booking.engine import Contact, request_booking
    from centrale_booking.booking.models import Slot
    from centrale_booking.desk.tokens import create_token
    from centrale_booking.events.models import Category, Event
    from centrale_booking.extensions import db, transaction

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_REQUESTS": False})
    days = []
    with app.app_context():
        token = create_token("Bench scanners", Role.desk)
        start = clock.midnight(clock.today()) + timedelta(minutes=1)
        for r in range(rounds):
            with transaction():
                event = Event(
                    slug=f"bench-checkin-{r}",
                    title_it="Concerto",
                    title_en="Concert",
                    category=Category.concert,
                    published=True,
                    max_per_booking=1,
                )
                event.slots = [
                    Slot(starts_at=start, ends_at=start + timedelta(hours=23), capacity=tickets)
                ]
                db.session.add(event)
            codes = []
            for n in range(tickets):
                with transaction():
                    booking = request_booking(
                        event.slots[0],
                        1,
                        Contact(name=f"Persona {n}", email=f"p{r}-{n}@example.org"),
                        now=start - timedelta(days=1),
                    )
                codes.append(booking.tickets[0].code)
            days.append(codes)
        db.engine.dispose()
    return token, days


def plan(codes: list[str], seed_value: int) -> list[tuple[str, str]]:
    """The round's scans in order: (code, what it must be answered)."""
    rng = random.Random(seed_value)
    scans = [(code, "ok") for code in codes]
    for _ in range(int(len(codes) * REPEATED)):  # scanned again, later than the first time
        i = rng.randrange(len(scans))
        code, _expected = scans[rng.randrange(max(1, i))] if i else scans[0]
        scans.insert(i + 1, (code, "again"))
    for _ in range(int(len(codes) * UNKNOWN)):
        scans.insert(rng.randrange(len(scans)), (uuid.uuid4().hex[:22], "unknown"))
    return scans


def scanner(port: int, token: str, scans: list, path: str, pipe) -> None:
    """One scanner: its scans one after the other over one connection; (ms, status, result)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    out = []
    for code, _expected in scans:
        body = None
        if path != "/healthz":
            body = json.dumps({"code": code, "scan_id": uuid.uuid4().hex})
        started = time.perf_counter()
        conn.request("POST" if body else "GET", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        ms = (time.perf_counter() - started) * 1000
        result = json.loads(data).get("result", "") if body and response.status == 200 else ""
        out.append((ms, response.status, result))
    conn.close()
    pipe.send(out)
    pipe.close()


def run(port: int, token: str, scans: list, scanners: int, path: str) -> tuple[float, list]:
    """The scans dealt round-robin to the scanners (a repeat may reach another desk, as at a
    real door): the wall time and, in the plan's order per scanner, the answers."""
    shares = [scans[i::scanners] for i in range(scanners)]
    pipes, processes = [], []
    for share in shares:
        mine, theirs = mp.Pipe(duplex=False)
        process = mp.Process(target=scanner, args=(port, token, share, path, theirs))
        pipes.append(mine)
        processes.append(process)
    started = time.perf_counter()
    for process in processes:
        process.start()
    answers = [pipe.recv() for pipe in pipes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join()
    return wall, list(zip(shares, answers, strict=True))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def admitted_once(url: str, instance: str, days: list[list[str]]) -> tuple[int, int]:
    """(tickets admitted exactly once, tickets in all) as the database has them."""
    os.environ["CENTRALE_INSTANCE_PATH"] = instance
    from sqlalchemy import func, select

    from centrale_booking import create_app
    from centrale_booking.booking.models import CheckIn, Ticket
    from centrale_booking.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_REQUESTS": False})
    with app.app_context():
        ok_per_ticket = dict(
            db.session.execute(
                select(Ticket.code, func.count(CheckIn.id))
                .join(CheckIn, CheckIn.ticket_id == Ticket.id)
                .where(CheckIn.result == "ok")
                .group_by(Ticket.code)
            ).all()
        )
        db.engine.dispose()
    codes = [c for day in days for c in day]
    return sum(1 for c in codes if ok_per_ticket.get(c) == 1), len(codes)


# The two ways a scan is answered, each by a gunicorn of its own in the same run: the hot path
# (booking/fastscan.py) as deployed, and the full path it falls back to, as a baseline.
PATHS = {"fast": {}, "full": {"CENTRALE_DESK_FAST_SCANS": "false"}}


def measure(engine_name: str, args) -> list[dict]:
    """One result per path; the rounds alternate between the paths, so that the machine's
    noise falls on both alike."""
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    with fresh_site(engine_name) as (url, instance, env):
        token, days = seed(url, instance, args.rounds * len(paths), args.tickets)
        results = {
            p: {"engine": engine_name, "path": p, "rounds": [], "problems": []} for p in paths
        }
        with ExitStack() as servers:
            ports = {}
            for path in paths:
                server_env = {**env, **PATHS[path]}
                port, pids, _command = servers.enter_context(
                    gunicorn(server_env, instance, args.workers, args.threads)
                )
                ports[path] = (port, pids)
                warm_up = [(uuid.uuid4().hex[:22], "unknown") for _ in range(40 * args.scanners)]
                run(port, token, warm_up, args.scanners, "/api/v1/checkins")  # each worker warm
            for r in range(args.rounds):
                for i, path in enumerate(paths):
                    codes = days[r * len(paths) + i]
                    port, pids = ports[path]
                    result = results[path]
                    result["rounds"].append(
                        one_round(port, pids, token, codes, r, args, result["problems"])
                    )
        for path in paths:
            mine = [
                days[r * len(paths) + i]
                for r in range(args.rounds)
                for i, p in enumerate(paths)
                if p == path
            ]
            once, total = admitted_once(url, instance, mine)
            results[path]["once"] = (once, total)
            if once != total:
                results[path]["problems"].append(
                    f"{total - once} of {total} tickets not admitted exactly once"
                )
    return list(results.values())


def one_round(
    port: int, pids: list[int], token: str, codes: list[str], r: int, args, problems
) -> dict:
    scans = plan(codes, r)
    bare_wall, _bare = run(port, token, scans, args.scanners, "/healthz")
    bare = [ms for _share, answers in _bare for ms, _s, _r in answers]
    cpu_before = cpu_seconds(pids)
    wall, dealt = run(port, token, scans, args.scanners, "/api/v1/checkins")
    server_cpu = cpu_seconds(pids) - cpu_before
    latencies = []
    want = {"ok": ("ok", "already_used"), "again": ("already_used", "ok")}
    for share, answers in dealt:
        for (code, expected), (ms, status, result) in zip(share, answers, strict=True):
            latencies.append(ms)
            if status >= 500:
                problems.append(f"round {r}: {status} for {code}")
            elif expected == "unknown" and result != "unknown":
                problems.append(f"round {r}: unknown code answered {result}")
            elif expected != "unknown" and result not in want[expected]:
                problems.append(f"round {r}: {code} answered {result}")
    oks = sum(1 for _s, a in dealt for _ms, _st, res in a if res == "ok")
    if oks != len(codes):
        problems.append(f"round {r}: {oks} ok answers for {len(codes)} tickets")
    return {
        "rate": len(scans) / wall,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "bare_p50": statistics.median(bare),
        "bare_rate": len(scans) / bare_wall,
        "cpu_ms": server_cpu * 1000 / len(scans),
        "scans": len(scans),
    }


def report(results: list[dict], args) -> bool:
    ok = True
    print(
        f"\ncheck-ins, gunicorn {args.workers}x{args.threads}, {args.scanners} scanners, "
        f"{args.tickets} tickets a round "
        f"(+{REPEATED:.0%} scanned again, +{UNKNOWN:.0%} unknown), medians of {args.rounds} "
        "round(s); fast = the hot path as deployed, full = the full path (baseline, same run)"
    )
    print(
        f"{'engine':12}{'path':6}{'scans/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'bare p50':>10}{'cpu ms':>8}"
    )
    medians = {}
    for result in results:
        rounds = result["rounds"]

        def med(key, rounds=rounds):
            return statistics.median(r[key] for r in rounds)

        medians[(result["engine"], result["path"])] = {k: med(k) for k in ("rate", "p99", "cpu_ms")}
        print(
            f"{result['engine']:12}{result['path']:6}{med('rate'):9.0f}{med('p50'):9.1f}"
            f"{med('p95'):9.1f}{med('p99'):9.1f}{med('bare_p50'):10.1f}{med('cpu_ms'):8.2f}"
        )
        print(
            f"{'':18}rounds' p99: "
            + ", ".join(f"{r['p99']:.1f}" for r in rounds)
            + f"; x pretix's {PRETIX_8_SCANNERS[0]}-{PRETIX_8_SCANNERS[1]}/s: "
            f"{med('rate') / PRETIX_8_SCANNERS[1]:.1f}-{med('rate') / PRETIX_8_SCANNERS[0]:.1f}"
            f"; admitted exactly once: {result['once'][0]} of {result['once'][1]}"
        )
        for problem in result["problems"][:10]:
            ok = False
            print(f"FAIL {result['engine']} {result['path']}: {problem}")
    for engine in dict.fromkeys(r["engine"] for r in results):
        fast, full = medians.get((engine, "fast")), medians.get((engine, "full"))
        if fast and full:
            print(
                f"{engine}: fast / full: {fast['rate'] / full['rate']:.1f}x the rate, "
                f"p99 {full['p99'] / fast['p99']:.1f}x lower, "
                f"server CPU per scan {full['cpu_ms'] / fast['cpu_ms']:.1f}x less"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tickets", type=int, default=2000, help="valid tickets a round")
    parser.add_argument("--scanners", type=int, default=8)
    add_gunicorn_arguments(parser)
    parser.add_argument(
        "--paths", default="fast,full", help="fast (as deployed), full, or fast,full (both)"
    )
    parser.add_argument("--smoke", action="store_true", help="1 round of 60 tickets, SQLite")
    args = parser.parse_args()
    if unknown := {p.strip() for p in args.paths.split(",")} - set(PATHS):
        parser.error(f"--paths: {', '.join(sorted(unknown))}? the paths are fast and full")
    if args.smoke:
        args.rounds, args.tickets, args.scanners, args.engines = 1, 60, 2, "sqlite"
    results = []
    for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if engine_name == "postgresql" and (problem := _postgres_problem()):
            print(f"postgresql SKIPPED: {problem}")
            continue
        print(f"{engine_name}: fresh database, {args.rounds} x {args.tickets} tickets", flush=True)
        results.extend(measure(engine_name, args))
    return 0 if report(results, args) else 1


if __name__ == "__main__":
    sys.exit(main())
