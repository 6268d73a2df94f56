"""What the one-time form token costs a registration made on the page, measured in one run.

    .venv/bin/python bench/form_once.py            # 60 rounds
    .venv/bin/python bench/form_once.py --smoke    # 3 rounds: that it runs (make test)

On a fresh SQLite database built by the migrations (in a temporary folder), through the Flask
test client, CSRF off, rate limit off:

  without token   POST /eventi/<id>/prenota with no `once` field: booked as before the token
                  (the baseline).
  with token      the same form with a fresh token: the token's row written first in the
                  booking's transaction, then the booking, then the row pointed at it.
  repeated        the same token sent again: no booking, the first one's page (303).

Rounds interleave the three in a shuffled order. Prints the median and p99 of each (wall
clock) and the ratios against the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    rounds = 3 if args.smoke else args.rounds

    folder = tempfile.mkdtemp(prefix="bench-once-")
    os.environ["CENTRALE_INSTANCE_PATH"] = folder
    from flask_migrate import upgrade

    from centrale_booking import create_app
    from centrale_booking.booking.models import Slot
    from centrale_booking.events.models import Category, Event
    from centrale_booking.extensions import db, transaction, utcnow

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LOG_REQUESTS": False,
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade()
        with transaction():
            starts = utcnow() + timedelta(days=10)
            event = Event(
                slug="bench",
                title_it="Bench",
                title_en="Bench",
                category=Category.talk,
                published=True,
                max_per_booking=4,
            )
            event.slots = [
                Slot(starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=100_000)
            ]
            db.session.add(event)
        event_id = event.id
        db.session.remove()

    client = app.test_client()
    path = f"/eventi/{event_id}/prenota"
    repeated_token = secrets.token_urlsafe(24)

    def form(n: int, once: str | None) -> dict:
        data = {
            "name": f"Persona {n}",
            "email": f"p{n}@example.org",
            "seats": "1",
            "privacy_consent": "y",
        }
        if once:
            data["once"] = once
        return data

    client.post(path, data=form(0, repeated_token))  # the first: the repeats find it
    times: dict[str, list[float]] = {"without token": [], "with token": [], "repeated": []}
    n = 0
    for _ in range(rounds):
        order = list(times)
        random.shuffle(order)
        for name in order:
            n += 1
            once = {"without token": None, "with token": secrets.token_urlsafe(24)}.get(
                name, repeated_token
            )
            started = time.perf_counter()
            response = client.post(path, data=form(n, once))
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 303, response.status_code

    base = statistics.median(times["without token"])
    print(f"{rounds} rounds, SQLite, Flask test client")
    print(f"{'':15} {'median ms':>10} {'p99 ms':>8} {'/ without':>10}")
    for name, values in times.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        median = statistics.median(values)
        print(f"{name:15} {median:10.2f} {p99:8.2f} {median / base:10.2f}")


if __name__ == "__main__":
    main()
