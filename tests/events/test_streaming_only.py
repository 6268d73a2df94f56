"""A registration for an event that is only live-streamed is told as what it is, everywhere:
the manage page, the email, the PDF and the .ics say "registered for the live stream", give the
link and the time, offer no seats to change and no QR code to show at the door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from centrale_booking.booking.models import Booking
from centrale_booking.booking.reminders import queue_reminders
from centrale_booking.documents.calendar import booking_ics
from centrale_booking.documents.emails import build_email
from centrale_booking.documents.pdf import render_confirmation
from centrale_booking.events.models import EventFormat
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import manage_path
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import make_event, make_slot
from tests.helpers import needs_poppler, pdf_text

STREAM = "https://stream.example.org/incentrale"
SAID = {
    "it": {
        "registered": "iscrizione alla diretta streaming è confermata",
        "starts": "Inizia alle 18:30",
        "museum_welcome": "Ti aspettiamo",
        "qr": "codice QR",
        "arrive": "10 minuti prima",
        "change": "Cambia il numero di posti",
    },
    "en": {
        "registered": "registered for the live stream",
        "starts": "It starts at 18:30",
        "museum_welcome": "We look forward to seeing you",
        "qr": "QR code",
        "arrive": "10 minutes before",
        "change": "Change the number of places",
    },
}


def streamed_event(**fields):
    event = make_event(format=EventFormat.streaming, stream_url=STREAM, **fields)
    # 18:30 in Milan, in ten days' time (winter: UTC+1)
    starts = (utcnow() + timedelta(days=10)).replace(hour=17, minute=30, second=0, microsecond=0)
    make_slot(capacity=100, programme=event, starts_at=starts)
    db.session.refresh(event)
    return event


def register(client, event, language):
    response = client.post(
        f"/eventi/{event.id}/prenota",
        data={"name": "Anna Rossi", "email": "anna@example.org", "privacy_consent": "y"},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 303
    return db.session.scalar(select(Booking).where(Booking.slot_id == event.slot.id))


def email_of(booking, kind):
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.booking_id == booking.id, OutboxMessage.kind == kind
        )
    )
    return build_email(message)


def plain_and_html(email):
    return email.get_body(("plain",)).get_content(), email.get_body(("html",)).get_content()


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_manage_page_says_live_stream_with_link_and_time_and_no_seats(client, app, language):
    event = streamed_event()
    booking = register(client, event, language)
    html = client.get(manage_path(booking), headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    said = SAID[language]
    assert said["registered"] in html and said["starts"] in html and STREAM in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert said["qr"] not in main, main
    assert said["change"] not in main and "<svg" not in main
    assert booking.quantity == 1 and booking.tickets == []


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_confirmation_email_gives_the_stream_and_attaches_no_ticket(client, app, language):
    event = streamed_event()
    booking = register(client, event, language)
    email = email_of(booking, "confirmation")
    text, html = plain_and_html(email)
    said = SAID[language]
    for body in (text, html):
        assert said["registered"] in body and said["starts"] in body and STREAM in body
        assert said["museum_welcome"] not in body and said["qr"] not in body
    images = [p for p in email.walk() if p.get_content_maintype() == "image"]
    assert images == []  # no QR code


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_reminder_points_to_the_stream_not_to_the_door(client, app, language):
    event = streamed_event()
    booking = register(client, event, language)
    with transaction():
        db.session.get(Booking, booking.id)
        queue_reminders(now=event.slot.starts_at - timedelta(hours=20))
    text, html = plain_and_html(email_of(booking, "reminder"))
    said = SAID[language]
    assert said["registered"] in text and STREAM in text and said["qr"] not in text
    assert "/annulla" not in text and "/annulla" not in html


@needs_poppler
@pytest.mark.parametrize("language", ["it", "en"])
def test_the_pdf_gives_the_stream_and_no_arrival_advice(client, app, language):
    event = streamed_event()
    booking = register(client, event, language)
    content = render_confirmation(booking, language)
    flat = " ".join(pdf_text(content).split())
    said = SAID[language]
    assert said["registered"] in flat and said["starts"] in flat and STREAM in flat
    where = flat.split(" Where " if language == "en" else " Dove ")[1]
    assert where.startswith("Online") and said["arrive"] not in flat


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_ics_has_the_stream_as_its_location(client, app, language):
    event = streamed_event()
    booking = register(client, event, language)
    [component] = Calendar.from_ical(booking_ics(booking)).walk("VEVENT")
    assert str(component["location"]) == STREAM
    assert STREAM in str(component["description"])
    assert "Diocleziano" not in str(component["location"])
