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

The second half of this module is the booking engine's hot path: its few statements compiled
once and run through the driver (see "The booking engine's hot path" below)."""

from __future__ import annotations

import fcntl
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.pq import TransactionStatus
from sqlalchemy import bindparam, create_engine, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.util import identity_key


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
_PG_IDLE = TransactionStatus.IDLE  # connected, no transaction begun


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


# The booking engine's hot path -------------------------------------------------------------------
#
# A booking is a few short statements: read the slot and its programme again (transaction()
# expired them), hold the places, write the booking, its ticket, its outbox row. For statements
# that short, SQLAlchemy's execute(), the ORM's loading and the unit of work's flush cost several
# times the driver's own time in Python, and on SQLite that Python runs while the writers' turn
# is held. So these statements are compiled once per dialect by SQLAlchemy (SQL text, parameter
# order, each type's bind and result processors) and then run straight through the driver; the
# objects are kept in the session as the ORM itself would keep them.


class Prepared:
    """A Core statement compiled once per dialect and run through the driver by run()."""

    def __init__(self, statements, *, column_keys: list[str] | None = None):
        # one statement for every dialect, or {dialect name: statement}
        self.statements = statements if isinstance(statements, dict) else None
        self.statement = None if isinstance(statements, dict) else statements
        self.column_keys = column_keys
        self._compiled: dict[str, tuple] = {}  # dialect name: (sql, positional, binds, results)

    def _compile(self, dialect) -> tuple:
        statement = self.statement if self.statements is None else self.statements[dialect.name]
        compiled = statement.compile(dialect=dialect, column_keys=self.column_keys)
        names = compiled.positiontup if compiled.positional else list(compiled.binds)
        binds = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        )
        columns = statement.exported_columns  # what it returns: a SELECT's, RETURNING's
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        self._compiled[dialect.name] = (
            compiled.string,
            compiled.positional,
            binds,
            bool(columns),
            results if any(results) else None,
        )
        return self._compiled[dialect.name]

    def run(self, session: Session | scoped_session, params: dict) -> tuple | None:
        """Run in the session's transaction; the first row returned, or None."""
        connection = session.connection()
        dialect = connection.dialect
        sql, positional, binds, returns_rows, results = self._compiled.get(
            dialect.name
        ) or self._compile(dialect)
        if positional:
            args = tuple(p(params[n]) if p else params[n] for n, p in binds)
        else:
            args = {n: p(params[n]) if p else params[n] for n, p in binds}
        driver = connection.connection.driver_connection
        cursor = driver.cursor()
        try:
            if dialect.name == "postgresql" and driver.info.transaction_status is _PG_IDLE:
                # psycopg begins the transaction with a BEGIN of its own, one round trip
                # before the statement's: in pipeline mode both go together.
                with driver.pipeline():
                    cursor.execute(sql, args)
            else:
                cursor.execute(sql, args)
            row = cursor.fetchone() if returns_rows else None
        except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy would raise it
            raise DBAPIError.instance(
                sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        finally:
            cursor.close()
        if row is None or results is None:
            return row
        return tuple(p(value) if p else value for p, value in zip(results, row, strict=True))


@contextmanager
def one_round_trip(session: Session | scoped_session) -> Iterator[None]:
    """On PostgreSQL, send the Prepared statements run in the block together (psycopg's
    pipeline mode): one round trip, when a result is first read or at the end, instead of one
    each. Only Prepared statements may run inside: SQLAlchemy reads a statement's result as
    soon as it has sent it. Elsewhere (SQLite, in process) the block runs as it is."""
    if isinstance(session, scoped_session):
        session = session()
    session.flush()  # nothing of the unit of work's inside the block
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    dialect = connection.dialect
    try:
        with connection.connection.driver_connection.pipeline():
            yield
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy would raise it
        raise DBAPIError.instance(
            "(pipeline)", None, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc


class PreparedLoad:
    """SELECT a mapped object's columns by primary key and, in the same SELECT, those of the
    object a many-to-one relationship of it leads to (`related`), whichever class of the
    target's hierarchy that one is (its subclass tables are outer-joined). Built at first use,
    when the mappers are configured."""

    def __init__(self, model, *, related: str):
        self.model, self.related = model, related
        self._built = None

    def build(self):
        if self._built is None:
            mapper = inspect(self.model)
            target = mapper.relationships[self.related].mapper
            columns = [prop.columns[0] for prop in mapper.column_attrs]
            own = [(prop.key, i) for i, prop in enumerate(mapper.column_attrs)]
            joined = mapper.local_table.join(
                target.local_table, mapper.relationships[self.related].primaryjoin
            )
            tables = [target.local_table]
            for sub in target.self_and_descendants:
                if sub.local_table not in tables:
                    tables.append(sub.local_table)
                    joined = joined.outerjoin(sub.local_table, sub.inherit_condition)
            for table in tables:
                columns.extend(table.columns)
            index = {column: i for i, column in enumerate(columns)}
            theirs = {  # each class of the hierarchy: its attributes and where they are
                sub: [
                    (prop.key, min(index[c] for c in prop.columns if c in index))
                    for prop in sub.column_attrs
                ]
                for sub in target.self_and_descendants
            }
            [key_column] = mapper.primary_key
            [target_key] = target.primary_key
            statement = select(*columns).select_from(joined).where(key_column == bindparam("key"))
            self._built = (
                Prepared(statement),
                own,
                theirs,
                target,
                index[target_key],
                index[target.polymorphic_on] if target.polymorphic_on is not None else None,
            )
        return self._built


def load_expired(session: Session | scoped_session, obj, prepared: PreparedLoad) -> None:
    """Read again the expired attributes of `obj` and of the object its `related`
    relationship leads to (transaction() expires every object in the session; it keeps them
    in the identity map while its block runs), as the ORM does on first access, in one
    prepared SELECT instead of the ORM's two loads, which cost several times more Python.
    Loaded (or changed) attributes are left as they are; a related object not yet in the
    session is made from the row; an object whose row is gone is left expired."""
    state = inspect(obj)
    if state.key is None or not state.expired_attributes:
        return
    select_row, own, theirs, target, target_key, discriminator = prepared.build()
    [key] = state.key[1]
    row = select_row.run(session, {"key": key})
    if row is None:
        return
    _set_loaded(state, {attribute: row[i] for attribute, i in own})
    if isinstance(session, scoped_session):
        session = session()
    mapper = target if discriminator is None else target.polymorphic_map[row[discriminator]]
    values = {attribute: row[i] for attribute, i in theirs[mapper]}
    related = session.identity_map.get(identity_key(target.class_, row[target_key]))
    if related is None:  # made from the row, as the ORM's loading makes it
        related = mapper.class_manager.new_instance()
        inspect(related).dict.update(values)
        make_transient_to_detached(related)
        session.add(related)
    elif inspect(related).mapper is mapper:
        _set_loaded(inspect(related), values)
    else:
        return  # not what it was: left to the ORM
    if prepared.related in state.expired_attributes:
        _set_loaded(state, {prepared.related: related})


def _set_loaded(state, values: dict) -> None:
    # What set_committed_value does, for every expired attribute given at once.
    fresh = {k: v for k, v in values.items() if k in state.expired_attributes}
    state.dict.update(fresh)
    state._commit(state.dict, fresh)


class PreparedInsert(Prepared):
    """INSERT for a model's table, every column but the id; RETURNING the id unless
    returning=False (then nothing is waited for: see one_round_trip). With
    `unless_conflict_on` (a unique column): ON CONFLICT (that column) DO NOTHING."""

    def __init__(self, model, *, unless_conflict_on: str | None = None, returning: bool = True):
        table = model.__table__
        statements = {}
        for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert)):
            statement = dialect_insert(table)
            if unless_conflict_on is not None:
                statement = statement.on_conflict_do_nothing(index_elements=[unless_conflict_on])
            statements[name] = statement.returning(table.c.id) if returning else statement
        self.model = model
        self._columns = None  # (attribute, column, default), at first use: mappers are ready
        super().__init__(statements)

    def columns(self) -> list[tuple[str, str, object]]:
        if self._columns is None:
            mapper = inspect(self.model)
            self._columns = [
                (prop.key, prop.columns[0].key, prop.columns[0].default)
                for prop in mapper.column_attrs
                if not prop.columns[0].primary_key and prop.columns[0].server_default is None
            ]
            self.column_keys = [column for _, column, _ in self._columns]
        return self._columns

    def _compile(self, dialect) -> tuple:
        self.columns()  # the columns to compile for
        return super()._compile(dialect)


def insert_values(
    session: Session | scoped_session, prepared: PreparedInsert, **values
) -> int | None:
    """Write one row now with its prepared INSERT, columns left out taking their Python
    defaults; its id when the INSERT returns it (None when an ON CONFLICT clause skipped the
    row). No object is made: for rows nobody reads back in this transaction (a ticket, an
    outbox message)."""
    if isinstance(session, scoped_session):
        session = session()
    if session.new:
        session.flush()  # rows added the usual way first: this one may refer to them
    for _attribute, column, default in prepared.columns():
        if column not in values:
            values[column] = _python_default(default)
    row = prepared.run(session, values)
    return None if row is None else row[0]


def insert_row(session: Session | scoped_session, obj, prepared: PreparedInsert) -> bool:
    """Write a new object's row now, with its prepared INSERT ... RETURNING id, and set its id.
    The object stays out of the session until add_written(). For the booking engine's hot
    path, not a general replacement for session.add().

    For a single-table class with an integer `id` made by the database. Relationships are not
    followed: set the foreign key columns. Every column left unset gets its Python default (or
    None), on the object as in the row. Returns False, writing nothing, when the statement's
    ON CONFLICT clause skipped the row.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.new:
        session.flush()  # rows added the usual way first: this one may refer to them
    # The object is transient: its defaults go straight into its __dict__, without attribute
    # events, as the values add_written() records as loaded.
    state = obj.__dict__
    values = {}
    for attribute, column, default in prepared.columns():
        if attribute not in state:
            state[attribute] = _python_default(default)
        values[column] = state[attribute]
    row = prepared.run(session, values)
    if row is None:
        return False
    state["id"] = row[0]
    return True


def add_written(session: Session | scoped_session, obj) -> None:
    """Put an object written by insert_row in the session as the unit of work does after its
    own INSERT: persistent, its values loaded, and new in this transaction, so that a rollback
    takes it out of the session again (a row that is gone must not stay in the identity map,
    where its id, reused by SQLite, would clash with the next new row's)."""
    if isinstance(session, scoped_session):
        session = session()
    session.add(obj)
    session._register_persistent({inspect(obj)})  # SQLAlchemy's own step after an INSERT


def _python_default(default):
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)  # a callable without arguments, wrapped by SQLAlchemy
    raise ValueError(f"insert_row cannot compute the default {default!r}")


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
