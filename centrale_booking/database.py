"""How the app talks to its database: durable commits on both engines and, on SQLite, writers
that queue for the write lock instead of starving.

SQLite lets one writer at a time in, and its own busy handler makes the others sleep and poll:
under load some writers lose every race and end with "database is locked". Here a writing
transaction (see `transaction()` in extensions.py) first takes an exclusive flock on a file
beside the database, so writers wait their turn in the kernel, then BEGIN IMMEDIATE takes
SQLite's write lock at the start, before any read. The busy timeout and a bounded retry cover
writers that do not take the flock (another tool on the same file). Measured with 4 and 16
processes writing at once (bench/engine.py): every process gets its share, no "database is
locked".

The booking engine's hot path (statements compiled once, run through the driver) is in
booking/fastpath.py."""

from __future__ import annotations

import fcntl
import os
import socket
import sqlite3
import time

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError


class ServiceBusy(Exception):
    """The database stayed locked through every retry; the request may be tried again."""


def engine_options(uri: str, config) -> dict:
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        return {
            "connect_args": {
                "timeout": config["SQLITE_BUSY_TIMEOUT_MS"] / 1000,
                "isolation_level": None,  # SQLAlchemy's begin event below issues BEGIN
                "factory": _LockingConnection,
                "check_same_thread": False,
            }
        }
    if url.get_backend_name() == "postgresql":
        # synchronous_commit is PostgreSQL's default; say it, so a server setting cannot
        # quietly make "confirmed" mean "confirmed unless the server crashes".
        # No pool_pre_ping: a round trip before every transaction. install() pings only a
        # connection that sat idle in the pool (see _ping_when_idle).
        return {"connect_args": {"options": "-c synchronous_commit=on"}}
    return {}


PING_AFTER_IDLE_SECONDS = 2.0


def install(engine: Engine, config) -> None:
    if engine.dialect.name == "postgresql":
        _ping_when_idle(engine)
    if engine.dialect.name != "sqlite":
        return
    retries = config["SQLITE_BEGIN_RETRIES"]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before we answer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        dbapi_connection.begin_retries = retries

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight to the driver: BEGIN through SQLAlchemy costs more than the statement.
        dbapi_connection = conn.connection.dbapi_connection
        if conn.get_execution_options().get("centrale_write"):
            dbapi_connection.write_on_first_statement()
        else:
            dbapi_connection.execute("BEGIN")


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle for a while (a server restart,
    an idle timeout on the way), not before every transaction as pool_pre_ping does: under
    load, connections go straight back to work and the ping would be one round trip in five
    of a booking. A dead connection found here is replaced before the request sees it; one
    that dies within the idle threshold fails one statement, after which SQLAlchemy
    invalidates the pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError() from exc  # the pool drops it and connects anew


class _LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the writers' turn (an flock on a file beside the
    database) from the start of a writing transaction until its COMMIT or ROLLBACK is done.

    The turn and BEGIN IMMEDIATE come with the transaction's first statement (the first
    cursor), not with transaction() itself: still before any read, so a writer never has to
    upgrade a read lock, but the Python that runs before the first statement (SQLAlchemy
    beginning, the engine preparing its rows) runs outside the turn, while others write."""

    _turn_file: int | None = None  # opened once per connection; None: in memory
    _has_turn = False
    _write_pending = False
    begin_retries = 5

    def write_on_first_statement(self) -> None:
        self._write_pending = True

    def cursor(self, *args, **kwargs):
        if self._write_pending:
            self._write_pending = False
            self._begin_writing()
        return super().cursor(*args, **kwargs)

    def execute(self, *args):  # sqlite3's shortcut does not go through cursor()
        if self._write_pending:
            return self.cursor().execute(*args)
        return super().execute(*args)

    def _begin_writing(self) -> None:
        self.take_write_turn()
        for attempt in range(self.begin_retries + 1):
            try:
                self.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    self.end_write_turn()
                    raise
                if attempt == self.begin_retries:
                    self.end_write_turn()
                    raise ServiceBusy() from exc
                time.sleep(0.01 * 2**attempt)

    def take_write_turn(self) -> None:
        if self._turn_file is None:
            database_file = self.execute("PRAGMA database_list").fetchone()[2]
            if not database_file:
                return
            self._turn_file = os.open(f"{database_file}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._turn_file, fcntl.LOCK_EX)
        self._has_turn = True

    def end_write_turn(self) -> None:
        self._write_pending = False  # a transaction that ended before its first statement
        if self._has_turn:
            self._has_turn = False
            fcntl.flock(self._turn_file, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_write_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_write_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_write_turn()
            if self._turn_file is not None:
                os.close(self._turn_file)
                self._turn_file = None


def postgres_problem(admin_url: str) -> str | None:
    """Why the PostgreSQL server at `admin_url` cannot be used, or None when it answers.
    For the tests and benchmarks, which run their PostgreSQL half only where one is up."""
    url = make_url(admin_url)
    host, port = url.host or "127.0.0.1", url.port or 5432
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError as exc:
        return f"no PostgreSQL server answers at {host}:{port} ({exc.strerror or exc})"
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to log in is a reason to skip, printed
        return f"PostgreSQL at {host}:{port} refused {url.username}: {str(exc).splitlines()[0]}"
    return None
