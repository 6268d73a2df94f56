"""Counters beside a slot's places: a limit that several slots share (at most 3 live bookings
per school per school year), held in the same transaction as the places and by the same kind
of conditional UPDATE, so that no race can take a counter beyond its limit on either database.

A programme names the counters a request takes (Programme.counter_holds); the engine holds
them after the slot's places, all the request's (or requests') counters together in ascending
key order, so that two transactions always lock the rows in the same order and cannot
deadlock; it gives them back with the places (cancel, expiry)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import CheckConstraint, String, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Counter(db.Model):
    """How much of a shared limit is taken: one row per key, made on first use."""

    __tablename__ = "counter"
    __table_args__ = (CheckConstraint("taken >= 0", name="taken_not_negative"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    # Changed only by hold_counters and release_counters.
    taken: Mapped[int] = mapped_column(default=0)
    limit: Mapped[int]  # the limit of the last hold (the programme's setting of the moment)


class CounterHold(NamedTuple):
    """`amount` more on counter `key`, refused beyond `limit`; `refusal` is the BookingError
    class raised then (the programme's words: "This school already has 3 bookings")."""

    key: str
    amount: int
    limit: int
    refusal: type


def merged(holds: list[CounterHold]) -> list[CounterHold]:
    """The holds on each key added up into one, in ascending key order."""
    by_key: dict[str, CounterHold] = {}
    for hold in holds:
        if hold.key in by_key:
            hold = hold._replace(amount=by_key[hold.key].amount + hold.amount)
        by_key[hold.key] = hold
    return [by_key[key] for key in sorted(by_key)]


def hold_counters(holds: list[CounterHold]) -> None:
    """Hold each counter, in ascending key order; raise the first refusal met (the caller's
    transaction then rolls back what was held before it, places included)."""
    session = db.session
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Counter.__table__
    for hold in merged(holds):
        # The row exists first (its creation is itself safe under races), then one
        # conditional UPDATE: its WHERE clause is the limit check.
        session.execute(
            insert(table)
            .values(key=hold.key, taken=0, limit=hold.limit)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        held = session.execute(
            update(table)
            .where(table.c.key == hold.key, table.c.taken + hold.amount <= hold.limit)
            .values(taken=table.c.taken + hold.amount, limit=hold.limit)
        )
        if held.rowcount != 1:
            raise hold.refusal()


def release_counters(holds: list[CounterHold]) -> None:
    """Give back what `holds` took (a cancelled or expired booking), in ascending key order."""
    table = Counter.__table__
    for hold in merged(holds):
        db.session.execute(
            update(table).where(table.c.key == hold.key).values(taken=table.c.taken - hold.amount)
        )


def counter_taken(key: str) -> int:
    """How much of counter `key` is taken (0 before its first use): for pages and checks."""
    counter = db.session.get(Counter, key, populate_existing=True)
    return 0 if counter is None else counter.taken
