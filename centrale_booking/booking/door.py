"""Seats at the door: walk-ins, and the seats of bookings nobody has claimed.

Before `release_after` from the start (a setting, the desk's DESK_WALK_IN_AFTER_MINUTES,
default 10) every booked seat waits for its holder: a walk-in gets only the seats nobody
booked. From then on, what counts is who is in the room: a walk-in gets any seat not taken by
someone checked in, and a latecomer is still let in while one remains for them; the screen
says plainly when none do. Only a programme that `takes_walk_ins` (an event's free seats)
has this rule.

Every decision reads and writes under the slot's row lock (PostgreSQL; SQLite's writer
holds the whole database), so two desks cannot give the last seat twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select

from ..extensions import db
from .models import Booking, CheckIn, Direction, Slot, Ticket
from .states import BookingStatus
from .tickets import ACCEPTED

NO_SEATS_LEFT = "no_seats_left"  # a latecomer's scan once the seats went to walk-ins


def unclaimed_seats_released(slot: Slot, now: datetime, release_after: timedelta) -> bool:
    """Whether the seats of bookings nobody has checked in may go to walk-ins now."""
    return now >= slot.starts_at + release_after


def admitted(slot: Slot) -> int:
    """The seats claimed: what the tickets of `slot` admit once checked in, and those of
    bookings made at the door (from the start on: they are there)."""
    checked_in = exists().where(
        CheckIn.ticket_id == Ticket.id,
        CheckIn.direction == Direction.inward,
        CheckIn.result == ACCEPTED,
    )
    total = db.session.scalar(
        select(func.coalesce(func.sum(Ticket.admits), 0))
        .join(Booking)
        .where(
            Booking.slot_id == slot.id,
            Booking.status == BookingStatus.confirmed,
            or_(checked_in, Booking.created_at >= slot.starts_at),
        )
    )
    return int(total)


def door_seats(slot: Slot, now: datetime, release_after: timedelta) -> int:
    """The seats a walk-in may have now (0 when none remain)."""
    if not unclaimed_seats_released(slot, now, release_after):
        return max(0, slot.capacity - slot.taken)
    return max(0, slot.capacity - admitted(slot))


def lock_slot(slot: Slot) -> None:
    """The slot's row locked until the commit, its `taken` read again under the lock."""
    db.session.execute(select(Slot.id).where(Slot.id == slot.id).with_for_update())
    db.session.refresh(slot, ["taken"])


def latecomer_refused(ticket: Ticket, now: datetime, release_after: timedelta | None) -> bool:
    """Whether a good ticket must be refused at the door because its seat went to a walk-in
    and none remains (NO_SEATS_LEFT). Takes the slot's lock when it has to count."""
    slot = ticket.booking.slot
    if release_after is None or not slot.programme.takes_walk_ins:
        return False
    if not unclaimed_seats_released(slot, now, release_after):
        return False
    # Without a walk-in every booked seat is still its holder's (taken <= capacity): nothing
    # to count, no lock, and the evening's scans do not wait for each other.
    if not has_walk_ins(slot):
        return False
    lock_slot(slot)
    return admitted(slot) + ticket.admits > slot.capacity


def has_walk_ins(slot: Slot) -> bool:
    """Whether someone was booked at the door (a booking made from the start on)."""
    made_at_the_door = select(Booking.id).where(
        Booking.slot_id == slot.id,
        Booking.created_at >= slot.starts_at,
        Booking.status == BookingStatus.confirmed,
    )
    return db.session.scalar(made_at_the_door.limit(1)) is not None
