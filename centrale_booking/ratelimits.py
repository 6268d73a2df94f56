"""Rate limits that hold as written for the whole site.

Flask-Limiter counts in the storage RATELIMIT_STORAGE_URI names: Redis (redis://…) where the
site runs on several machines; by default, on one machine, `sqlitefile://<path>`, a small
SQLite file in instance/ that every gunicorn worker (and thread) of the machine shares, so
that a limit of 20 per minute is 20 per minute, not 20 per worker. The counters are fixed
windows, each one atomic statement (an upsert), safe across processes.

The booking limits: one count per client address for the page form and the API together,
and one per email address and per event whoever sends them (`hit_booking_limits`)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import Storage
from werkzeug.exceptions import TooManyRequests

_SCHEMA = "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, count INTEGER, expires REAL)"
_INCR = (
    "INSERT INTO counter (key, count, expires) VALUES (?1, ?2, ?3 + ?4)"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN expires <= ?3 THEN ?2 ELSE count + ?2 END,"
    " expires = CASE WHEN expires <= ?3 THEN ?3 + ?4 ELSE expires END"
    " RETURNING count"
)


class SQLiteFileStorage(Storage):
    """limits' storage in one SQLite file, for the fixed-window strategy: shared by every
    process of the machine that opens the same file."""

    STORAGE_SCHEME = ["sqlitefile"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        self.path = Path(uri.removeprefix("sqlitefile://"))
        self._local = threading.local()  # one connection per thread
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            new = not self.path.exists()
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            if new:
                self.path.chmod(0o600)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # counters, not bookings
            connection.execute(_SCHEMA)
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        [count] = self._connection().execute(_INCR, (key, amount, time.time(), expiry)).fetchone()
        return count

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT count FROM counter WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires FROM counter WHERE key = ?", (key,))
            .fetchone()
        )
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))


def default_storage_uri(instance_path: str) -> str:
    return f"sqlitefile://{Path(instance_path) / 'ratelimits.db'}"


def say_where_counted(app) -> None:
    """At start-up, say plainly what a limit means with the storage configured."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    scheme = uri.partition("://")[0]
    if scheme == "memory":
        app.logger.warning(
            "Rate limits are counted in memory, per process: with N workers each limit is "
            "N times what is written. Set RATELIMIT_STORAGE_URI (sqlitefile:// or redis://)."
        )
    elif scheme == "sqlitefile":
        app.logger.info(
            "Rate limits are counted in %s, shared by the workers of this machine only; "
            "several machines need RATELIMIT_STORAGE_URI=redis://…",
            uri.removeprefix("sqlitefile://"),
        )


def _too_many(item, key) -> TooManyRequests:
    from .extensions import limiter

    reset_at, _remaining = limiter.limiter.get_window_stats(item, *key)
    return TooManyRequests(retry_after=max(1, int(reset_at - time.time()) + 1))


def refuse_beyond(limit: str, *key: str) -> None:
    """429 if `key` has used up `limit` already (counts nothing)."""
    from .extensions import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = parse(limit)
    if not limiter.limiter.test(item, *key):
        raise _too_many(item, key)


def count(limit: str, *key: str) -> None:
    """Count one against `limit` for `key`, refusing nothing (until refuse_beyond)."""
    from .extensions import limiter

    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter.limiter.hit(parse(limit), *key)


def hit(limit: str, *key: str) -> None:
    """Count one more against `limit` ("5 per hour") for `key`; 429 once it is exceeded."""
    from .extensions import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = parse(limit)
    if not limiter.limiter.hit(item, *key):
        raise _too_many(item, key)


def hit_booking_limits(event_id: int, email: str | None) -> None:
    """The limits of a booking request, the same for the page form and the API: per client
    address, per email address, per event."""
    config = current_app.config
    hit(config["BOOKING_RATE_LIMIT"], "booking-address", get_remote_address())
    if email := (email or "").strip().lower():
        hit(config["BOOKING_RATE_LIMIT_PER_EMAIL"], "booking-email", email)
    hit(config["BOOKING_RATE_LIMIT_PER_EVENT"], "booking-event", str(event_id))
