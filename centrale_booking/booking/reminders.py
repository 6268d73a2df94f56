"""Reminders before the date: many free seats are lost to people who simply do not come; a
reminder with a one-click "I can't come" gives them back in time. When a programme's reminders
go out is the programme's own (Programme.remind_within; None: it sends none)."""

from datetime import datetime, timedelta

from sqlalchemy import inspect, select, update

from ..extensions import db
from ..outbox import queue_email
from .models import Booking, Programme, Slot
from .states import BookingStatus


def queue_reminders(*, now: datetime) -> int:
    """Queue one reminder per confirmed booking whose date starts within its programme's
    `remind_within`. Safe to run again and from two places at once: each booking is claimed
    by a conditional UPDATE on reminded_at, so it is never reminded twice. Returns how many
    were queued."""
    return sum(_queue(kinds, now=now, within=lead) for lead, kinds in _leads().items() if lead)


def _leads() -> dict[timedelta | None, list[str]]:
    # Each kind of programme (the mapped subclasses: the engine imports no programme) by its
    # lead time.
    leads: dict[timedelta | None, list[str]] = {}
    for identity, mapper in inspect(Programme).polymorphic_map.items():
        leads.setdefault(mapper.class_.remind_within, []).append(identity)
    return leads


def _queue(kinds: list[str], *, now: datetime, within: timedelta) -> int:
    due = (
        select(Booking.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .join(Programme, Programme.id == Slot.programme_id)
        .where(
            Programme.kind.in_(kinds),
            Booking.status == BookingStatus.confirmed,
            Booking.reminded_at.is_(None),
            Slot.cancelled_at.is_(None),
            Slot.starts_at > now,
            Slot.starts_at <= now + within,
        )
    )
    # A Core UPDATE, not the ORM: a reminder is not a change of the booking (its version and
    # so its PDF stay as they are).
    claimed = db.session.scalars(
        update(Booking)
        .where(Booking.id.in_(due), Booking.reminded_at.is_(None))
        .values(reminded_at=now)
        .returning(Booking.id)
        .execution_options(synchronize_session=False)
    ).all()
    for booking in db.session.scalars(select(Booking).where(Booking.id.in_(claimed))):
        queue_email(booking, "reminder")
    return len(claimed)
