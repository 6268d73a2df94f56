"""The education staff's changes to one slot of an activity: its date and time, its room, its
capacity in classes, or its cancellation. The classes booked are told of each change that
concerns them (an email each, in its own language, with the new PDF and calendar file), or
of the cancellation; every change is audited. Plain functions over db.session, the staff user
and the time passed in; the caller commits (inside `transaction()`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..admin.audit import record
from ..auth.models import StaffUser
from ..booking.changes import cancel_slot, change_capacity, live_bookings, tell_slot_changed
from ..booking.models import Booking, Slot
from ..clock import local
from ..extensions import db
from .models import Activity, SchoolYear, school_year_of
from .rules import OtherSchoolYear


@dataclass(frozen=True)
class SlotChange:
    """What the staff's form asks of a slot."""

    starts_at: datetime
    room: str
    capacity: int


def slots_of(activity: Activity, *, since: datetime) -> list[Slot]:
    """The activity's slots starting from `since`, cancelled ones included, soonest first."""
    return list(
        db.session.scalars(
            select(Slot)
            .where(Slot.programme_id == activity.id, Slot.starts_at >= since)
            .order_by(Slot.starts_at, Slot.id)
        )
    )


def classes_booked(slot: Slot) -> list[Booking]:
    """The classes that count on the slot (confirmed, or held until the teacher confirms):
    those told of a change or a cancellation."""
    return live_bookings(slot)


def _moves(slot: Slot, change: SlotChange) -> bool:
    return change.starts_at != slot.starts_at


def _new_room(slot: Slot, change: SlotChange) -> bool:
    return change.room.strip() != slot.programme.room_of(slot).strip()


def classes_to_tell(slot: Slot, change: SlotChange) -> list[Booking]:
    """The classes the change would email, before it is saved: those booked, when the date,
    the time or the room changes; none for a change of capacity alone."""
    if slot.cancelled_at is not None or not (_moves(slot, change) or _new_room(slot, change)):
        return []
    return classes_booked(slot)


def change_slot(slot: Slot, change: SlotChange, *, by: StaffUser, now: datetime) -> dict:
    """Apply the staff's form to the slot; return what changed (also in the audit log), with
    "told": the references of the classes emailed. The slot keeps its length, and its booking
    closes as long before its start as it did. Raises CapacityBelowTaken (fewer classes than
    are booked) or OtherSchoolYear; the caller's transaction then rolls everything back."""
    activity = slot.programme
    was_starts_at, was_ends_at, was_room = slot.starts_at, slot.ends_at, activity.room_of(slot)
    changes: dict[str, list] = {}
    if change.capacity != slot.capacity:
        changes["capacity"] = [slot.capacity, change.capacity]
        change_capacity(slot, change.capacity, now=now)
    moved, new_room = _moves(slot, change), _new_room(slot, change)
    if moved:
        _move(slot, change.starts_at)
        changes["starts_at"] = [was_starts_at.isoformat(), slot.starts_at.isoformat()]
    if new_room:
        slot.room = change.room.strip()
        changes["room"] = [was_room, slot.room]
    if (moved or new_room) and slot.cancelled_at is None:
        told = tell_slot_changed(
            slot, was_starts_at=was_starts_at, was_ends_at=was_ends_at, place_changed=new_room
        )
        if told:
            changes["told"] = [booking.reference for booking in told]
    if changes:
        record(by, "schools.slot_changed", activity, slot=slot.id, changes=changes)
    return changes


def _move(slot: Slot, starts_at: datetime) -> None:
    was_year = school_year_of(local(slot.starts_at).date())
    year = school_year_of(local(starts_at).date())
    if year != was_year:
        if classes_booked(slot):
            raise OtherSchoolYear(was_year)
        # The new year's booking window, where it is set: the slot opens with its year's.
        if (school_year := db.session.get(SchoolYear, year)) is not None:
            slot.opens_at = school_year.booking_opens_at
    shift = starts_at - slot.starts_at
    slot.starts_at, slot.ends_at = starts_at, slot.ends_at + shift
    if slot.closes_at is not None:
        slot.closes_at += shift


def cancel_activity_slot(
    slot: Slot, reason: dict[str, str], *, by: StaffUser, now: datetime
) -> list[Booking]:
    """Cancel the slot: every class booked is cancelled by the engine (its place and its
    school's yearly booking given back, nobody moved up to a cancelled slot) and emailed,
    with the reason ({language: text}) when there is one. Returns the bookings cancelled."""
    cancelled = cancel_slot(slot, now=now, reason=reason)
    record(
        by,
        "schools.slot_cancelled",
        slot.programme,
        slot=slot.id,
        starts_at=slot.starts_at.isoformat(),
        reason=reason,
        references=[booking.reference for booking in cancelled],
    )
    return cancelled
