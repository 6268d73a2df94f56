"""School visits' reminders: a week before (one click: we are coming / our numbers / we
cannot come) and the day before, each sent once however often send-reminders runs; events
keep theirs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from centrale_booking.booking.models import Booking
from centrale_booking.booking.reminders import queue_reminders
from centrale_booking.documents.emails import build_email
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage
from centrale_booking.schools.models import SchoolVisit
from tests.factories import make_school_slot
from tests.helpers import email_kinds, refreshed
from tests.schools.test_pages import confirmed_booking


def booked_days_before(client, days: float) -> Booking:
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=days))
    return confirmed_booking(client, slot)


def remind(now):
    with transaction():
        return queue_reminders(now=now)


def test_a_week_before_then_the_day_before_each_once(client, app):
    booking = booked_days_before(client, 20)
    starts = booking.slot.starts_at
    assert remind(starts - timedelta(days=8)) == 0
    assert remind(starts - timedelta(days=6, hours=23)) == 1
    assert remind(starts - timedelta(days=6)) == 0  # run again: nothing twice
    assert remind(starts - timedelta(hours=30)) == 1
    assert remind(starts - timedelta(hours=20)) == 0
    kinds = email_kinds(booking)
    assert kinds.count("reminder_week") == 1 and kinds.count("reminder") == 1


def test_a_class_booked_within_the_week_gets_only_the_day_before(client, app):
    booking = booked_days_before(client, 4)
    starts = booking.slot.starts_at
    remind(starts - timedelta(days=3))
    remind(starts - timedelta(hours=20))
    assert "reminder_week" not in email_kinds(booking) and "reminder" in email_kinds(booking)


def test_the_week_email_carries_the_three_one_click_links_and_reconfirms(client, app):
    booking = booked_days_before(client, 20)
    remind(booking.slot.starts_at - timedelta(days=6, hours=12))
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "reminder_week")
    ).one()
    email = build_email(message)
    text = email.get_body(("plain",)).get_content()
    base = f"http://booking.test/scuole/prenotazione/{booking.reference}/{booking.manage_token}"
    assert f"{base}/ci-siamo" in text and f"{base}/numeri" in text
    assert (
        f"http://booking.test/prenotazione/{booking.reference}/{booking.manage_token}/annulla"
        in text
    )
    assert "Veniamo" in email.get_body(("html",)).get_content()
    coming = f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/ci-siamo"
    # Opening the link (as a mail scanner does) only shows the button
    page = client.get(coming, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Yes, we are coming" in page.text
    visit = db.session.get(SchoolVisit, booking.id)
    assert visit.reconfirmed_at is None
    assert client.post(coming).status_code == 303
    db.session.refresh(visit)
    first = visit.reconfirmed_at
    assert first is not None
    client.post(coming)
    db.session.refresh(visit)
    assert visit.reconfirmed_at == first


def test_events_keep_their_day_before_reminder(client, app):
    from centrale_booking.booking.engine import request_booking
    from tests.factories import a_contact, make_event, make_slot

    slot = make_slot(programme=make_event(), starts_at=utcnow() + timedelta(hours=20))
    with transaction():
        booking = request_booking(slot, 1, a_contact(), now=utcnow())
    assert remind(utcnow()) == 1 and remind(utcnow()) == 0
    assert refreshed(booking).reminded_at is not None
    assert email_kinds(booking) == ["confirmation", "reminder"]


def test_a_visit_moved_a_week_later_gets_its_week_reminder_again(client, app):
    from centrale_booking.auth.models import Role
    from centrale_booking.schools.slots import SlotChange, change_slot
    from tests.factories import make_staff

    booking = booked_days_before(client, 10)
    slot = booking.slot
    assert remind(slot.starts_at - timedelta(days=6, hours=23)) == 1  # the week before's
    later = slot.starts_at + timedelta(days=7)
    staff = make_staff(Role.education)
    with transaction():
        change_slot(
            slot,
            SlotChange(starts_at=later, room=slot.programme.room_of(slot), capacity=1),
            by=staff,
            now=utcnow(),
        )
    assert remind(later - timedelta(days=6, hours=23)) == 1  # for the new date, once
    assert remind(later - timedelta(days=6)) == 0
    assert email_kinds(refreshed(booking)).count("reminder_week") == 2
