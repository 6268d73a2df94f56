"""How the app talks to its database: durable commits on both engines and, on SQLite, writers
that queue for the write lock instead of starving.

SQLite lets one writer at a time in, and its own busy handler makes the others sleep and poll:
under load some writers lose every race and end with "database is locked". Here a writing
transaction (see `transaction()` in extensions.py) first takes an exclusive flock on a file
beside the database, so writers wait their turn in the kernel, then BEGIN IMMEDIATE takes
SQLite's write lock at the start, before any read. The busy timeout and a bounded retry cover
writers that do not take the flock (another tool on the same file)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError


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
        return {
            "connect_args": {"options": "-c synchronous_commit=on"},
            "pool_pre_ping": True,
        }
    return {}


def install(engine: Engine, config) -> None:
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

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        dbapi_connection = conn.connection.dbapi_connection
        if not conn.get_execution_options().get("centrale_write"):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection.take_write_turn()
        for attempt in range(retries + 1):
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                    dbapi_connection.end_write_turn()
                    raise
                if attempt == retries:
                    dbapi_connection.end_write_turn()
                    raise ServiceBusy() from exc
                time.sleep(0.01 * 2**attempt)


class _LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the writers' turn (an flock on a file beside the
    database) from the start of a writing transaction until its COMMIT or ROLLBACK is done."""

    _turn_file: int | None = None  # opened once per connection; None: in memory
    _has_turn = False

    def take_write_turn(self) -> None:
        if self._turn_file is None:
            database_file = self.execute("PRAGMA database_list").fetchone()[2]
            if not database_file:
                return
            self._turn_file = os.open(f"{database_file}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._turn_file, fcntl.LOCK_EX)
        self._has_turn = True

    def end_write_turn(self) -> None:
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
