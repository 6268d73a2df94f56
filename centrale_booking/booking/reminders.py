"""Reminders the day before: many free seats are lost to people who simply do not come; a
reminder with a one-click "I can't come" gives them back in time."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..outbox import queue_email
from .models import Booking, Slot
from .states import BookingStatus

REMIND_WITHIN = timedelta(hours=36)  # run once a day: everything starting by tomorrow night


def queue_reminders(*, now: datetime, within: timedelta = REMIND_WITHIN) -> int:
    """Queue one reminder per confirmed booking whose date starts within `within`. Safe to run
    again and from two places at once: each booking is claimed by a conditional UPDATE on
    reminded_at, so it is never reminded twice. Returns how many were queued."""
    due = (
        select(Booking.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
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
