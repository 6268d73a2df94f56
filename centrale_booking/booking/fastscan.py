"""The check-in's hot path: a plain ticket scanned in, in as few statements as the database
allows.

Most scans at the door are of an event's ticket: a code, let in once. For those, the full path
(record_scan and the desk's questions to the programme) loads four objects through the ORM and
asks eight statements, which costs many times the database's own work. scan_in answers them
from one SELECT of what the screen needs and records the scan with one INSERT, both compiled
once and run through the driver (fastpath.py). The rules are record_scan's, over the same rows:

- the ticket's row is locked first (PostgreSQL, in the same round trip; SQLite's writer holds
  the whole database), so two desks scanning it at once let it in once;
- a scan already recorded from the device with the same scan id writes nothing (the unique
  constraint decides, ON CONFLICT DO NOTHING);
- the result is RESULTS' for the ticket's status (cancelled, used, valid) or WRONG_DAY off the
  slot's days, and the refused scans are recorded as the accepted ones are.

Anything else returns None with nothing written, and the caller takes the full path:
- no ticket has the code (unknown, or a code that a programme resolves itself);
- the ticket's kind is not plain at the door (Programme.plain_at_the_door: a class's
  headcount, a child's check-out, brothers and sisters);
- its seats may have gone to walk-ins: someone was booked from the slot's start on, once the
  seats nobody claimed may be given (booking/door.py: the full path counts under the slot's
  lock);
- the same scan was recorded before (a retry): the full path answers it as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, func, inspect, literal_column, select

from .. import clock
from ..extensions import db
from .checkin import RESULTS, WRONG_DAY, valid_between
from .fastpath import Prepared, PreparedInsert, insert_values
from .models import Booking, CheckIn, Direction, Programme, Slot, Ticket, Unit
from .states import BookingStatus
from .tickets import ACCEPTED, TicketStatus


@dataclass(frozen=True)
class EarlierScan:
    """The scan that let the holder in, for an ALREADY USED answer."""

    id: int
    scanned_at: datetime
    device_name: str
    staff: str  # the staff member's name, else email; "" for a device


@dataclass(frozen=True)
class PlainScan:
    """A scan recorded by the hot path, with what the desk's screen shows of it."""

    id: int
    result: str  # ACCEPTED or why not: already_used, wrong_day, cancelled
    scanned_at: datetime
    device_name: str
    code: str
    holder_label: str
    admits: int
    reference: str
    unit: Unit
    titles: dict[str, str]  # the programme's title by language, as stored
    starts_at: datetime
    ends_at: datetime
    previous: EarlierScan | None  # the admission of a used ticket


def scan_in(
    code: str,
    *,
    staff_id: int | None,
    scan_id: str | None,
    device: str,
    now: datetime,
    release_after: timedelta,
) -> PlainScan | None:
    """Record a scan in of the ticket whose own code is `code`, as record_scan would, and
    return it; None, nothing written, for whatever the full path must answer (see above).
    In the caller's transaction, which commits."""
    read, lock, insert = _statements()
    day = clock.local(now).date()
    params = {"code": code, "released_before": now - release_after, **_CONSTANTS}
    row = read.run_after_lock(db.session, lock, params)
    if row is None:
        return None
    (
        ticket_id,
        holder_label,
        admits,
        reference,
        status,
        starts_at,
        ends_at,
        cancelled_at,
        kind,
        unit,
        title_it,
        title_en,
        walk_ins,
        first_id,
        first_at,
        first_device,
        staff_name,
        staff_email,
    ) = row
    mapper = inspect(Programme).polymorphic_map.get(kind)
    if mapper is None or not mapper.class_.plain_at_the_door() or walk_ins:
        return None
    if status != BookingStatus.confirmed or cancelled_at is not None:
        result = RESULTS[Direction.inward][TicketStatus.cancelled]
    elif not valid_between(starts_at, ends_at, day):
        result = WRONG_DAY
    elif first_id is not None:
        result = RESULTS[Direction.inward][TicketStatus.used]
    else:
        result = ACCEPTED
    recorded = insert_values(
        db.session,
        insert,
        client_scan_id=scan_id,
        device_name=device,
        ticket_id=ticket_id,
        scanned_at=now,
        direction=Direction.inward,
        staff_user_id=staff_id,
        result=result,
        collected_by="",
    )
    if recorded is None:  # recorded before from this device: answered as it was
        return None
    previous = None
    if result == RESULTS[Direction.inward][TicketStatus.used]:
        previous = EarlierScan(first_id, first_at, first_device, staff_name or staff_email or "")
    return PlainScan(
        id=recorded,
        result=result,
        scanned_at=now,
        device_name=device,
        code=code,
        holder_label=holder_label,
        admits=admits,
        reference=reference,
        unit=unit,
        titles={"it": title_it, "en": title_en},
        starts_at=starts_at,
        ends_at=ends_at,
        previous=previous,
    )


# The statements' constants, bound as parameters (Prepared runs only what it is given).
_CONSTANTS = {
    "inward": Direction.inward,
    "accepted": ACCEPTED,
}


@cache  # built at first use: the mappers must be configured
def _statements() -> tuple[Prepared, Prepared, PreparedInsert]:
    t, b, s = Ticket.__table__, Booking.__table__, Slot.__table__
    p, c = Programme.__table__, CheckIn.__table__
    staff = inspect(CheckIn).relationships["staff_user"].mapper.local_table
    walk_in = b.alias("walk_in")
    # booking/door.py's has_walk_ins, or more: someone booked from the start on (a walk-in,
    # or one since cancelled, which the full path then weighs), once the seats nobody
    # claimed may have gone to them. The slot's latest booking is one seek down the index
    # on (slot_id, created_at) on either database, whatever their planners estimate.
    latest_booking = (
        select(func.max(walk_in.c.created_at))
        .where(walk_in.c.slot_id == s.c.id)
        .correlate(s)
        .scalar_subquery()
    )
    walk_ins = and_(
        s.c.starts_at <= bindparam("released_before", type_=s.c.starts_at.type),
        latest_booking >= s.c.starts_at,
    )
    # tickets.py's "used", and the scan that made it so (checkin.admission)
    scans = c.alias("scans")
    first_admission = (
        select(scans.c.id)
        .where(
            scans.c.ticket_id == t.c.id,
            scans.c.direction == bindparam("inward"),
            scans.c.result == bindparam("accepted"),
        )
        .order_by(scans.c.scanned_at, scans.c.id)
        .limit(literal_column("1"))
        .offset(literal_column("0"))  # in the SQL: SQLite's dialect would bind an OFFSET 0
        .correlate(t)
        .scalar_subquery()
    )
    read = Prepared(
        select(
            t.c.id,
            t.c.holder_label,
            t.c.admits,
            b.c.reference,
            b.c.status,
            s.c.starts_at,
            s.c.ends_at,
            s.c.cancelled_at,
            p.c.kind,
            p.c.unit,
            p.c.title_it,
            p.c.title_en,
            walk_ins.label("walk_ins"),
            c.c.id.label("first_id"),
            c.c.scanned_at,
            c.c.device_name,
            staff.c.name,
            staff.c.email,
        )
        .select_from(
            t.join(b, b.c.id == t.c.booking_id)
            .join(s, s.c.id == b.c.slot_id)
            .join(p, p.c.id == s.c.programme_id)
            .outerjoin(c, c.c.id == first_admission)
            .outerjoin(staff, staff.c.id == c.c.staff_user_id)
        )
        .where(t.c.code == bindparam("code"))
    )
    lock = Prepared(select(t.c.id).where(t.c.code == bindparam("code")).with_for_update())
    return read, lock, PreparedInsert(CheckIn, unless_any_conflict=True)
