"""Reminders before the start: many free places are lost to people who simply do not come; a
reminder with a one-click "I can't come" gives them back in time.

Each programme names its reminders (Programme.reminders: an email kind and how long before
the start it goes; by default the day before's, at its Programme.remind_within, none when that
is None; school visits: a week before, to reconfirm, and the day before). `flask
send-reminders` runs daily and queues each kind at most once per booking, however often it
runs and from however many places: each (booking, kind) is claimed by one conditional write
before its email is queued."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..outbox import queue_email
from .models import Booking, Programme, Slot
from .states import BookingStatus

REMIND_WITHIN = timedelta(hours=36)  # run once a day: everything starting by tomorrow night
DAY_BEFORE = "reminder"  # the kind every programme has unless it says otherwise


class Reminder(NamedTuple):
    """An email of `kind` for the confirmed bookings starting within `within`; with
    `not_if_booked_later`, not for a booking made after the reminder's time had come (a
    booking made 2 days before needs no reminder a week before)."""

    kind: str
    within: timedelta
    not_if_booked_later: bool = False


class BookingReminder(db.Model):
    """A reminder of one kind queued for one booking: the row is the claim, made once."""

    __tablename__ = "booking_reminder"

    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    queued_at: Mapped[datetime]


def forget_reminders(bookings: list[Booking]) -> None:
    """Forget the reminders queued for these bookings, whose slot moved: what they said is
    out of date, and each kind goes once more before the new start."""
    if not bookings:
        return
    ids = [booking.id for booking in bookings]
    db.session.execute(delete(BookingReminder).where(BookingReminder.booking_id.in_(ids)))
    for booking in bookings:
        booking.reminded_at = None  # the day before's claim (see _queue)


def queue_reminders(*, now: datetime, within: timedelta | None = None) -> int:
    """Queue every programme's reminders that are due at `now` (`within` overrides the day
    before's lead time). Returns how many were queued."""
    queued = 0
    for kind_name, mapper in Programme.__mapper__.polymorphic_map.items():
        reminders = mapper.class_.reminders()
        for reminder in reminders:
            if within is not None and reminder.kind == DAY_BEFORE:
                reminder = reminder._replace(within=within)
            queued += _queue(kind_name, reminder, now)
    return queued


def _due(programme_kind: str, reminder: Reminder, now: datetime):
    query = (
        select(Booking.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .join(Programme, Programme.id == Slot.programme_id)
        .where(
            Programme.kind == programme_kind,
            Booking.status == BookingStatus.confirmed,
            Slot.cancelled_at.is_(None),
            Slot.starts_at > now,
            Slot.starts_at <= now + reminder.within,
        )
    )
    return query


def _queue(programme_kind: str, reminder: Reminder, now: datetime) -> int:
    due = _due(programme_kind, reminder, now)
    if reminder.kind == DAY_BEFORE:
        # The day before's claim is the booking's reminded_at (as it always was). A Core
        # UPDATE, not the ORM: a reminder is not a change of the booking (its version and so
        # its PDF stay as they are).
        claimed = db.session.scalars(
            update(Booking)
            .where(Booking.id.in_(due.where(Booking.reminded_at.is_(None))))
            .where(Booking.reminded_at.is_(None))
            .values(reminded_at=now)
            .returning(Booking.id)
            .execution_options(synchronize_session=False)
        ).all()
    else:
        rows = db.session.execute(due.add_columns(Booking.created_at, Slot.starts_at)).all()
        if reminder.not_if_booked_later:  # compared here: date arithmetic differs per database
            rows = [r for r in rows if r.created_at <= r.starts_at - reminder.within]
        claimed = _claim([r.id for r in rows], reminder.kind, now)
    for booking in db.session.scalars(select(Booking).where(Booking.id.in_(claimed))):
        queue_email(booking, reminder.kind)
    return len(claimed)


def _claim(booking_ids: list[int], kind: str, now: datetime) -> list[int]:
    # One INSERT per booking, skipped when the row exists: whoever writes it first queues.
    dialect = db.session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = BookingReminder.__table__
    claimed = []
    for booking_id in booking_ids:
        written = db.session.scalar(
            insert(table)
            .values(booking_id=booking_id, kind=kind, queued_at=now)
            .on_conflict_do_nothing(index_elements=["booking_id", "kind"])
            .returning(table.c.booking_id)
        )
        if written is not None:
            claimed.append(booking_id)
    return claimed


def reminded(booking: Booking, kind: str) -> bool:
    """Whether the reminder of `kind` was queued for the booking."""
    if kind == DAY_BEFORE:
        return booking.reminded_at is not None
    return db.session.get(BookingReminder, (booking.id, kind)) is not None
