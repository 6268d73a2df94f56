"""The booking engine's hot path: its few statements compiled once and run through the driver.

A booking is a few short statements: read the slot and its programme again (transaction()
expired them), hold the places, write the booking, its ticket, its outbox row. For statements
that short, SQLAlchemy's execute(), the ORM's loading and the unit of work's flush cost several
times the driver's own time in Python, and on SQLite that Python runs while the writers' turn
is held. So these statements are compiled once per dialect by SQLAlchemy (SQL text, parameter
order, each type's bind and result processors) and then run straight through the driver; the
objects are put in the session with SQLAlchemy's public API only (set_committed_value,
make_transient_to_detached, Session.add, session events), as the ORM itself would keep them.

The statements are compiled by hand from what SQLAlchemy's compiler exposes, so pyproject.toml
pins SQLAlchemy below its next minor version: a new one is taken deliberately, with the tests
(tests/booking/test_fastpath.py) and bench/engine.py run on it.

Rules for a table written by PreparedInsert / insert_row / insert_values (checked when the
statement is first used; a model that breaks one is refused with a TypeError, never written
half right):

- One table (no joined inheritance), an integer primary key `id` made by the database.
- Every column of the table is a mapped attribute of one column: a column the mapper does not
  know would be left out of the INSERT without anyone noticing.
- No `server_default` (nor `server_onupdate`): its value would be made by the database and not
  be known to the object, which is kept as loaded. Give a new column a Python `default=`
  (a constant, or a callable that takes no argument), or write that table through the ORM.
- No SQL-expression or Sequence default: the same reason.
- A Python default is applied on the object and in the row alike, as the unit of work does;
  a callable one is called with no insert context.
- Relationships are not followed: set the foreign key columns.

A new column on Booking, Ticket or OutboxMessage that follows these rules needs nothing here:
the statements are built from the mappers at first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.pq import TransactionStatus
from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

PG_IDLE = TransactionStatus.IDLE  # connected, no transaction begun


def _plain(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


@contextmanager
def _cursors(driver, count: int, dialect, sql: str, args) -> Iterator[list]:
    """`count` cursors of the driver's connection, closed afterwards; a driver's error is
    raised as SQLAlchemy would raise it, so that callers catch one kind of error."""
    cursors = [driver.cursor() for _ in range(count)]
    try:
        yield cursors
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
    finally:
        for cursor in cursors:
            cursor.close()


class Prepared:
    """A Core statement compiled once per dialect and run through the driver by run()."""

    def __init__(self, statements, *, column_keys: list[str] | None = None):
        # one statement for every dialect, or {dialect name: statement}
        self.statements = statements if isinstance(statements, dict) else None
        self.statement = None if isinstance(statements, dict) else statements
        self.column_keys = column_keys
        self.compiled: dict[str, tuple] = {}  # dialect name: (sql, positional, binds, ...)

    def compile_for(self, dialect) -> tuple:
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
        self.compiled[dialect.name] = (
            compiled.string,
            compiled.positional,
            binds,
            bool(columns),
            results if any(results) else None,
        )
        return self.compiled[dialect.name]

    def run(self, session: Session | scoped_session, params: dict) -> tuple | None:
        """Run in the session's transaction; the first row returned, or None."""
        connection = session.connection()
        dialect = connection.dialect
        sql, args, returns_rows, results = self._bound(dialect, params)
        driver = connection.connection.driver_connection
        with _cursors(driver, 1, dialect, sql, args) as (cursor,):
            if dialect.name == "postgresql" and driver.info.transaction_status is PG_IDLE:
                # psycopg begins the transaction with a BEGIN of its own, one round trip
                # before the statement's: in pipeline mode both go together.
                with driver.pipeline():
                    cursor.execute(sql, args)
            else:
                cursor.execute(sql, args)
            row = cursor.fetchone() if returns_rows else None
        return self._processed(row, results)

    def run_after_lock(
        self, session: Session | scoped_session, lock: Prepared, params: dict
    ) -> tuple | None:
        """Run `lock` (a SELECT ... FOR UPDATE; its rows are not read), then this statement,
        in the session's transaction; the first row of this one, or None. On PostgreSQL both
        go in one round trip, and this one, a statement of its own, sees what was committed
        before the lock was granted (READ COMMITTED), which a subquery of the locking
        statement would not. Elsewhere only this one runs: SQLite's writer holds the whole
        database already (database.py), and its dialect has no FOR UPDATE."""
        connection = session.connection()
        dialect = connection.dialect
        if dialect.name != "postgresql":
            return self.run(session, params)
        lock_sql, lock_args, _rows, _results = lock._bound(dialect, params)
        sql, args, returns_rows, results = self._bound(dialect, params)
        driver = connection.connection.driver_connection
        with _cursors(driver, 2, dialect, sql, args) as (locking, cursor):
            with driver.pipeline():
                locking.execute(lock_sql, lock_args)
                cursor.execute(sql, args)
            row = cursor.fetchone() if returns_rows else None
        return self._processed(row, results)

    def _bound(self, dialect, params: dict) -> tuple:
        # (SQL, the driver's parameters, whether it returns rows, the result processors)
        sql, positional, binds, returns_rows, results = self.compiled.get(
            dialect.name
        ) or self.compile_for(dialect)
        if positional:
            args = tuple(p(params[n]) if p else params[n] for n, p in binds)
        else:
            args = {n: p(params[n]) if p else params[n] for n, p in binds}
        return sql, args, returns_rows, results

    @staticmethod
    def _processed(row, results) -> tuple | None:
        if row is None or results is None:
            return row
        return tuple(p(value) if p else value for p, value in zip(results, row, strict=True))


@contextmanager
def one_round_trip(session: Session | scoped_session) -> Iterator[None]:
    """On PostgreSQL, send the Prepared statements run in the block together (psycopg's
    pipeline mode): one round trip, when a result is first read or at the end, instead of one
    each. Only Prepared statements may run inside: SQLAlchemy reads a statement's result as
    soon as it has sent it. Elsewhere (SQLite, in process) the block runs as it is."""
    session = _plain(session)
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


# Reading a slot and its programme again -------------------------------------------------------


class PreparedLoad:
    """SELECT a mapped object's columns by primary key and, in the same SELECT, those of the
    object a many-to-one relationship of it leads to (`related`), whichever class of the
    target's hierarchy that one is (its subclass tables are outer-joined). Built at first use,
    when the mappers are configured."""

    def __init__(self, model, *, related: str):
        self.model, self.related = model, related
        self.built = None

    def build(self):
        if self.built is None:
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
            self.built = (
                Prepared(statement),
                own,
                theirs,
                target,
                index[target_key],
                index[target.polymorphic_on] if target.polymorphic_on is not None else None,
            )
        return self.built


def load_expired(session: Session | scoped_session, obj, prepared: PreparedLoad) -> None:
    """Read again the expired attributes of `obj` and of the object its `related`
    relationship leads to (transaction() expires every object in the session; it keeps them
    in the identity map while its block runs), as the ORM does on first access, in one
    prepared SELECT instead of the ORM's two loads, which cost several times more Python.
    Loaded (or changed) attributes are left as they are; a related object not yet in the
    session is made from the row; an object whose row is gone is left expired, and so is a
    related object of a class mapped after the SELECT was built (left to the ORM)."""
    state = inspect(obj)
    if state.key is None or not state.expired_attributes:
        return
    select_row, own, theirs, target, target_key, discriminator = prepared.build()
    [key] = state.key[1]
    row = select_row.run(session, {"key": key})
    if row is None:
        return
    set_loaded(obj, {attribute: row[i] for attribute, i in own})
    session = _plain(session)
    mapper = target if discriminator is None else target.polymorphic_map.get(row[discriminator])
    if mapper not in theirs:
        return
    values = {attribute: row[i] for attribute, i in theirs[mapper]}
    related = session.identity_map.get(identity_key(target.class_, row[target_key]))
    if related is None:  # made from the row, as the ORM's loading makes it
        related = mapper.class_manager.new_instance()
        inspect(related).dict.update(values)
        make_transient_to_detached(related)  # its values as loaded, without SQL
        session.add(related)
    elif inspect(related).mapper is mapper:
        set_loaded(related, values)
    else:
        return  # not what it was: left to the ORM
    if prepared.related in inspect(obj).expired_attributes:
        set_committed_value(obj, prepared.related, related)


def set_loaded(obj, values: dict) -> None:
    """Record the values of the expired attributes among `values` as loaded from the
    database (no history, nothing to write back); the others are left as they are.

    What set_committed_value does for one attribute, done for them all at once through the
    object's documented InstanceState (`dict`, `expired_attributes`): calling it once per
    attribute costs the booking about a sixth more Python (a programme has some 26 columns;
    measured with callgrind, see bench/engine.py's notes). An object with changes pending is
    left to set_committed_value, attribute by attribute, which knows about history."""
    state = inspect(obj)
    fresh = {key: value for key, value in values.items() if key in state.expired_attributes}
    if state.modified:
        for key, value in fresh.items():
            set_committed_value(obj, key, value)
        return
    state.dict.update(fresh)
    state.expired_attributes.difference_update(fresh)


# Writing rows ---------------------------------------------------------------------------------


class PreparedInsert(Prepared):
    """INSERT for a model's table, every column but the id; RETURNING the id unless
    returning=False (then nothing is waited for: see one_round_trip). With
    `unless_conflict_on` (a unique column): ON CONFLICT (that column) DO NOTHING; with
    `unless_any_conflict`, ON CONFLICT DO NOTHING on any unique constraint or index (partial
    ones included). The model must follow the rules at the top of this module."""

    def __init__(
        self,
        model,
        *,
        unless_conflict_on: str | None = None,
        unless_any_conflict: bool = False,
        returning: bool = True,
    ):
        table = model.__table__
        statements = {}
        for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert)):
            statement = dialect_insert(table)
            if unless_any_conflict:
                statement = statement.on_conflict_do_nothing()
            elif unless_conflict_on is not None:
                statement = statement.on_conflict_do_nothing(index_elements=[unless_conflict_on])
            statements[name] = statement.returning(table.c.id) if returning else statement
        self.model = model
        self.written = None  # [(attribute, column, default)], at first use: mappers are ready
        super().__init__(statements)

    def columns(self) -> list[tuple[str, str, object]]:
        if self.written is None:
            self.written = insertable_columns(self.model)
            self.column_keys = [column for _, column, _ in self.written]
        return self.written

    def compile_for(self, dialect) -> tuple:
        self.columns()  # the columns to compile for
        return super().compile_for(dialect)


def insertable_columns(model) -> list[tuple[str, str, object]]:
    """(attribute, column, Python default) of every column but the id, or TypeError naming
    the rule of this module's docstring that the model breaks."""
    mapper = inspect(model)
    name = model.__name__
    if mapper.inherits is not None or len(mapper.tables) != 1:
        raise TypeError(f"{name}: the hot path writes one table, not an inheritance")
    if [c.key for c in mapper.primary_key] != ["id"]:
        raise TypeError(f"{name}: the hot path needs an integer primary key `id`")
    by_column = {}
    for prop in mapper.column_attrs:
        if len(prop.columns) != 1:
            raise TypeError(f"{name}.{prop.key}: an attribute of several columns")
        by_column[prop.columns[0]] = prop.key
    written = []
    for column in model.__table__.columns:
        if column.primary_key:
            continue
        if column not in by_column:
            raise TypeError(f"{name}: column {column.key} is not mapped, it would be left out")
        if column.server_default is not None or column.server_onupdate is not None:
            raise TypeError(
                f"{name}.{column.key} has a server default, which the object would not know: "
                "give it a Python default (see booking/fastpath.py)"
            )
        default = column.default
        if default is not None and not (default.is_scalar or default.is_callable):
            raise TypeError(f"{name}.{column.key}: a SQL or Sequence default is not supported")
        written.append((by_column[column], column.key, default))
    return written


def insert_values(
    session: Session | scoped_session, prepared: PreparedInsert, **values
) -> int | None:
    """Write one row now with its prepared INSERT, columns left out taking their Python
    defaults; its id when the INSERT returns it (None when an ON CONFLICT clause skipped the
    row). No object is made: for rows nobody reads back in this transaction (a ticket, an
    outbox message)."""
    session = _plain(session)
    if session.new:
        session.flush()  # rows added the usual way first: this one may refer to them
    for _attribute, column, default in prepared.columns():
        if column not in values:
            values[column] = python_default(default)
    row = prepared.run(session, values)
    return None if row is None else row[0]


def insert_row(session: Session | scoped_session, obj, prepared: PreparedInsert) -> bool:
    """Write a new object's row now, with its prepared INSERT ... RETURNING id, and set its id.
    The object stays out of the session until add_written(). For the booking engine's hot
    path, not a general replacement for session.add().

    Every column left unset gets its Python default (or None), on the object as in the row.
    Returns False, writing nothing, when the statement's ON CONFLICT clause skipped the row.
    """
    session = _plain(session)
    if session.new:
        session.flush()  # rows added the usual way first: this one may refer to them
    # The object is transient: its defaults go straight into its dict, without attribute
    # events, as the values add_written() records as loaded.
    state = inspect(obj).dict
    values = {}
    for attribute, column, default in prepared.columns():
        if attribute not in state:
            state[attribute] = python_default(default)
        values[column] = state[attribute]
    row = prepared.run(session, values)
    if row is None:
        return False
    state["id"] = row[0]
    return True


def add_written(session: Session | scoped_session, obj) -> None:
    """Put an object written by insert_row in the session as the unit of work does after its
    own INSERT: persistent, its values as loaded. Remembered with the transaction it was
    written in, so that a rollback of that transaction takes it out of the session again
    (see expunge_rolled_back)."""
    session = _plain(session)
    make_transient_to_detached(obj)
    session.add(obj)
    transaction = session.get_nested_transaction() or session.get_transaction()
    written = session.info.get(WRITTEN)
    if written is None or written[0] is not session.get_transaction():
        # none yet in this session, or left from a transaction ended without a rollback
        # event (session.close()): begun afresh
        written = session.info[WRITTEN] = (session.get_transaction(), [])
    written[1].append((obj, transaction))


WRITTEN = "centrale_booking.fastpath.written"  # session.info: (root transaction, [(obj, tx)])


@event.listens_for(Session, "after_rollback")
def expunge_rolled_back(session: Session) -> None:
    """A row written by insert_row in a transaction that rolled back is gone: its object must
    leave the session, as the ORM's own new objects do, or it would stay in the identity map,
    where its id (reused by SQLite) would clash with the next new row's. Runs before the
    session expires what it keeps, so the object keeps its values, transient again."""
    written = session.info.get(WRITTEN)
    if not written:
        return
    # The transaction being rolled back: the innermost savepoint, else the whole transaction.
    ending = session.get_nested_transaction() or session.get_transaction()
    kept = []
    for obj, transaction in written[1]:
        if _within(transaction, ending):
            make_transient(obj)  # out of the session, its identity forgotten
        else:
            kept.append((obj, transaction))
    written[1][:] = kept


@event.listens_for(Session, "after_commit")
def forget_committed(session: Session) -> None:
    # after_commit is for the outermost transaction: its rows are there to stay.
    session.info.pop(WRITTEN, None)


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def python_default(default):
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    return default.arg(None)  # a callable without arguments, wrapped by SQLAlchemy
