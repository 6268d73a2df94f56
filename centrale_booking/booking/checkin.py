"""Check-in at the desk: every scan recorded, accepted or refused, once.

A desk that loses the network keeps scanning and sends its scans again when it is back, maybe
twice (a retry whose answer was lost). Each scan carries the device's own id for it: the pair
(device, scan id) is unique in the table, so a replay returns the scan recorded the first time
and never adds a second row, even when two copies arrive at once (the constraint decides).

A ticket is good on the days of its slot only (a campus week: each day of it); another day is
WRONG_DAY. A programme that `checks_out` (a campus child) goes in and out each day: in when
outside today, out when inside, whatever happened on the days before."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..extensions import db
from .door import NO_SEATS_LEFT, latecomer_refused
from .models import CheckIn, CheckInCount, Direction, Programme, Slot, Ticket
from .tickets import ACCEPTED, TicketStatus, ticket_status

WRONG_DAY = "wrong_day"  # a good ticket, for another day
LEFT_ALONE = "(alone)"  # CheckIn.collected_by of a child who left on their own

# What a scan is answered, by the ticket's status and the direction; ACCEPTED lets them pass.
RESULTS = {
    Direction.inward: {
        TicketStatus.valid: ACCEPTED,
        TicketStatus.used: "already_used",
        TicketStatus.cancelled: "cancelled",
    },
    Direction.outward: {
        TicketStatus.used: ACCEPTED,  # in before, now out
        TicketStatus.valid: "not_checked_in",
        TicketStatus.cancelled: "cancelled",
    },
}

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def record_scan(
    ticket: Ticket,
    *,
    direction: Direction,
    staff,
    scan_id: str | None,
    device: str = "",
    now: datetime,
    collected_by: str = "",
    release_after: timedelta | None = None,
) -> CheckIn:
    """Record one scan of `ticket` and return it; its `result` says whether they pass ("ok")
    or why not. A scan already recorded from `device` with `scan_id` is returned as it was
    recorded, nothing written. scan_id None: a scan that is never replayed, always recorded.
    `release_after`: from then after the start, the seats nobody claimed may have gone to
    walk-ins (booking/door.py), and a latecomer is let in only while a seat remains."""
    if scan_id is not None and (earlier := _recorded(device, scan_id)) is not None:
        return earlier
    # The ticket's row locked first (PostgreSQL; SQLite's writer holds the whole database):
    # two desks scanning the same ticket at once let it in once.
    db.session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    result = scan_result(ticket, direction, now)
    inward = result == ACCEPTED and direction is Direction.inward
    if inward and latecomer_refused(ticket, now, release_after):  # its seat went to a walk-in
        result = NO_SEATS_LEFT
    insert = _INSERTS[db.session.get_bind().dialect.name](CheckIn).values(
        client_scan_id=scan_id,
        device_name=device,
        ticket_id=ticket.id,
        scanned_at=now,
        direction=direction,
        staff_user_id=None if staff is None else staff.id,
        result=result,
        collected_by=collected_by if result == ACCEPTED else "",
    )
    recorded = db.session.scalar(
        insert.on_conflict_do_nothing(index_elements=["device_name", "client_scan_id"]).returning(
            CheckIn
        )
    )
    if recorded is None:  # the same scan, recorded meanwhile by a copy that came at once
        recorded = _recorded(device, scan_id)
    return recorded


def ticket_for_code(code: str, day: date, *, options=()) -> Ticket | None:
    """The ticket a scanned code stands for on `day`: the one with that code, else the one
    a kind of programme resolves it to (Programme.resolve_code: a campus child's pass). The
    fallback runs only for a code that is no ticket's own, so a plain ticket costs one
    lookup. `options`: loader options for the ticket's own lookup."""
    found = db.session.scalar(select(Ticket).where(Ticket.code == code).options(*options))
    if found is not None:
        return found
    kinds = dict.fromkeys(m.class_ for m in inspect(Programme).polymorphic_map.values())
    for kind in kinds:  # every mapped kind, none named: the engine knows no programme
        if (resolved := kind.resolve_code(code, day)) is not None:
            return resolved
    return None


def _recorded(device: str, scan_id: str) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn).where(CheckIn.device_name == device, CheckIn.client_scan_id == scan_id)
    )


def scan_result(ticket: Ticket, direction: Direction, now: datetime) -> str:
    """What a scan of `ticket` at `now` would be answered ("ok" or why not), nothing written."""
    status = ticket_status(ticket)
    if status is TicketStatus.cancelled:
        return RESULTS[direction][status]
    if not valid_on(ticket.booking.slot, clock.local(now).date()):
        return WRONG_DAY
    if ticket.booking.slot.programme.checks_out:
        inside = is_inside(ticket, clock.local(now).date())
        status = TicketStatus.used if inside else TicketStatus.valid
    return RESULTS[direction][status]


def valid_days(slot: Slot) -> tuple[date, date]:
    """The first and last day, on the museum's calendar, a ticket of `slot` is good on."""
    return days_between(slot.starts_at, slot.ends_at)


def days_between(starts_at: datetime, ends_at: datetime) -> tuple[date, date]:
    """The first and last day, on the museum's calendar, from `starts_at` to `ends_at`."""
    return clock.local(starts_at).date(), clock.local(ends_at).date()


def valid_on(slot: Slot, day: date) -> bool:
    return valid_between(slot.starts_at, slot.ends_at, day)


def valid_between(starts_at: datetime, ends_at: datetime, day: date) -> bool:
    """Whether a ticket of a slot from `starts_at` to `ends_at` is good on `day`."""
    first, last = days_between(starts_at, ends_at)
    return first <= day <= last


def is_inside(ticket: Ticket, day: date) -> bool:
    """Whether the holder was let in on `day` and has not gone out since (checks_out)."""
    last = db.session.scalar(
        select(CheckIn.direction)
        .where(
            CheckIn.ticket_id == ticket.id,
            CheckIn.result == ACCEPTED,
            CheckIn.scanned_at >= clock.midnight(day),
            CheckIn.scanned_at < clock.midnight(day + timedelta(days=1)),
        )
        .order_by(CheckIn.scanned_at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    return last is Direction.inward


def admission(ticket: Ticket, day: date | None = None) -> CheckIn | None:
    """The scan that let the holder in (on `day`, for a programme that checks out), for an
    ALREADY USED answer: when, at which desk, by whom."""
    statement = select(CheckIn).where(
        CheckIn.ticket_id == ticket.id,
        CheckIn.direction == Direction.inward,
        CheckIn.result == ACCEPTED,
    )
    if day is not None:
        statement = statement.where(
            CheckIn.scanned_at >= clock.midnight(day),
            CheckIn.scanned_at < clock.midnight(day + timedelta(days=1)),
        )
    return db.session.scalar(statement.order_by(CheckIn.scanned_at, CheckIn.id).limit(1))


def record_counts(check_in: CheckIn, expected: dict[str, int], arrived: dict[str, int]) -> None:
    """How many of each kind actually came in with a group ticket, as the desk confirmed it.
    Confirmed again (a correction), the new figures replace the old ones."""
    check_in.counts.clear()
    db.session.flush()  # the old rows go before the new ones meet the unique constraint
    for kind, number in expected.items():
        check_in.counts.append(
            CheckInCount(kind=kind, expected=number, arrived=arrived.get(kind, number))
        )
