"""When reminders go out is each programme's own (Programme.remind_within)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from centrale_booking.booking.changes import tell_slot_changed
from centrale_booking.booking.engine import request_booking
from centrale_booking.booking.models import Booking
from centrale_booking.booking.reminders import queue_reminders
from centrale_booking.events.models import Category, Event
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import a_contact, make_slot


class QuietEvent(Event):
    """A programme of the tests that sends no reminders (single-table on the event table)."""

    remind_within = None
    __mapper_args__ = {"polymorphic_identity": "test_quiet"}


class EarlyEvent(Event):
    """A programme of the tests reminded a week before."""

    remind_within = timedelta(days=7)
    __mapper_args__ = {"polymorphic_identity": "test_early"}


def booked(model, starts_in: timedelta) -> Booking:
    programme = model(
        slug=f"{model.__name__}-{starts_in}",
        title_it="Prova",
        title_en="Test",
        category=Category.talk,
        published=True,
    )
    with transaction():
        db.session.add(programme)
    slot = make_slot(capacity=5, programme=programme, starts_at=utcnow() + starts_in)
    with transaction():
        return request_booking(slot, 1, a_contact(), now=utcnow())


def reminded(booking: Booking) -> bool:
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.booking_id == booking.id)
    ).all()
    return "reminder" in kinds


def test_each_programme_reminds_at_its_own_lead_time(app):
    tomorrow_event = booked(Event, timedelta(hours=20))
    next_week_event = booked(Event, timedelta(days=5))
    quiet = booked(QuietEvent, timedelta(hours=20))
    early = booked(EarlyEvent, timedelta(days=5))
    with transaction():
        assert queue_reminders(now=utcnow()) == 2
    assert reminded(tomorrow_event) and reminded(early)
    assert not reminded(next_week_event) and not reminded(quiet)
    with transaction():
        assert queue_reminders(now=utcnow()) == 0  # never twice


def _move(booking: Booking, by: timedelta, *, place_changed: bool = False) -> None:
    slot = booking.slot
    with transaction():
        was_starts_at, was_ends_at = slot.starts_at, slot.ends_at
        slot.starts_at, slot.ends_at = was_starts_at + by, was_ends_at + by
        tell_slot_changed(
            slot, was_starts_at=was_starts_at, was_ends_at=was_ends_at, place_changed=place_changed
        )


def reminders_of(booking: Booking) -> int:
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.booking_id == booking.id)
    ).all()
    return kinds.count("reminder")


def test_a_date_moved_after_its_reminder_gets_a_reminder_again_before_the_new_date(app):
    booking = booked(Event, timedelta(hours=20))
    with transaction():
        assert queue_reminders(now=utcnow()) == 1
    _move(booking, timedelta(days=3))
    with transaction():
        assert queue_reminders(now=utcnow()) == 0  # three days off: not yet
    with transaction():
        assert queue_reminders(now=utcnow() + timedelta(days=3)) == 1
        assert queue_reminders(now=utcnow() + timedelta(days=3)) == 0  # once, as always
    assert reminders_of(booking) == 2


def test_a_new_room_alone_sends_no_reminder_again(app):
    booking = booked(Event, timedelta(hours=20))
    with transaction():
        assert queue_reminders(now=utcnow()) == 1
    _move(booking, timedelta(0), place_changed=True)
    with transaction():
        assert queue_reminders(now=utcnow()) == 0
    assert reminders_of(booking) == 1
