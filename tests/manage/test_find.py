"""A lost link found again ("Ritrova la tua prenotazione"), a cut link led there, and the
online cancellation deadline said before it bites."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from centrale_booking.booking.engine import Contact, cancel_booking, request_booking
from centrale_booking.documents.emails import build_email
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import manage_path, manage_url
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import a_contact, make_event, make_slot
from tests.helpers import count
from tests.manage.test_manage import future_slot

FIND = "/prenotazione/ritrova"


def book(slot, *, email=None, language="it"):
    contact = a_contact(language=language)
    if email:
        contact = Contact(name=contact.name, email=email, language=language)
    with transaction():
        return request_booking(slot, 1, contact, now=utcnow())


def links_messages():
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "booking_links")
    ).all()


def answer(client, email):
    response = client.post(FIND, data={"email": email})
    return response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, app):
    book(future_slot())  # someone else's
    known = book(future_slot())
    assert answer(client, known.contact_email) == answer(client, "nobody@example.org")
    assert answer(client, "nobody@example.org")[0] == 200
    (message,) = links_messages()
    assert message.to_address == known.contact_email


def test_one_email_lists_every_live_booking_of_the_address(client, app):
    first = book(future_slot(), email="Anna@Example.org")
    other_event = make_event(title_it="Concerto d'acqua")
    second = book(future_slot(programme=other_event), email="anna@example.org")
    gone = book(future_slot(), email="anna@example.org")
    with transaction():
        cancel_booking(gone, now=utcnow())
    past = book(future_slot(), email="anna@example.org")
    with transaction():
        past.slot.starts_at = utcnow() - timedelta(days=2)
        past.slot.ends_at = utcnow() - timedelta(days=2, hours=-2)
    client.post(FIND, data={"email": " ANNA@example.org "})
    (message,) = links_messages()
    email = build_email(message)
    text = email.get_body(("plain",)).get_content()
    assert manage_url(first) in text and manage_url(second) in text
    assert manage_url(gone) not in text and manage_url(past) not in text
    assert "Concerto d'acqua" in text and "Le tue 2 prenotazioni" in email["Subject"]
    assert manage_url(first) in email.get_body(("html",)).get_content()


def test_the_email_speaks_the_language_the_person_asked_in(client, app):
    booking = book(future_slot(), language="it")
    sent = client.post(
        FIND, data={"email": booking.contact_email}, headers={"Accept-Language": "en"}
    )
    assert sent.status_code == 200, sent.status_code
    email = build_email(links_messages()[0])
    assert email["Content-Language"] == "en" and "Your booking" in email["Subject"]


@pytest.mark.parametrize("email", ["", "not-an-address", "a@" + "b" * 260 + ".org"])
def test_a_wrong_address_is_said_beside_the_field_and_nothing_sent(client, app, email):
    response = client.post(FIND, data={"email": email})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="email-error"' in html
    assert count(OutboxMessage) == 0


def test_asking_is_rate_limited(client, app):
    app.config["FIND_BOOKINGS_RATE_LIMIT"] = "2 per minute"
    statuses = [client.post(FIND, data={"email": "a@example.org"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_page_is_linked_from_the_footer_and_the_manage_page(client, app):
    booking = book(future_slot())
    assert FIND in client.get("/").get_data(as_text=True)
    assert FIND in client.get(manage_path(booking)).get_data(as_text=True)
    assert client.get(FIND).status_code == 200


@pytest.mark.parametrize("cut", ["wrong", "short", "bare", "bare/"])
def test_a_wrong_or_cut_link_leads_to_the_form_with_a_404(client, app, cut):
    booking = book(future_slot())
    path = {
        "wrong": f"/prenotazione/{booking.reference}/{booking.manage_token[:-2]}xx",
        "short": f"/prenotazione/{booking.reference}/{booking.manage_token[:12]}",
        "bare": f"/prenotazione/{booking.reference}",
        "bare/": "/prenotazione/",
    }[cut]
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "incompleto" in html and f'action="{FIND}"' in html
    assert booking.contact_name not in html  # nothing of the booking shown


# The cancellation deadline --------------------------------------------------------------


def deadline_slot(hours_to_start: int, deadline_hours: int = 24):
    event = make_event(cancel_deadline_hours=deadline_hours)
    return make_slot(programme=event, starts_at=utcnow() + timedelta(hours=hours_to_start))


def test_the_manage_page_says_until_when_it_can_be_cancelled(client, app):
    booking = book(deadline_slot(hours_to_start=72))
    html = client.get(manage_path(booking)).get_data(as_text=True)
    assert "online fino a" in html and manage_path(booking) + "/annulla" in html


def test_after_the_deadline_the_page_says_how_to_reach_the_museum(client, app):
    booking = book(deadline_slot(hours_to_start=10))
    html = client.get(manage_path(booking)).get_data(as_text=True)
    assert manage_path(booking) + "/annulla" not in html  # no button that would refuse
    assert "Non è più possibile annullare online" in html
    assert app.config["MUSEUM_PHONE"] in html and f"mailto:{app.config['MUSEUM_EMAIL']}" in html
    step = client.get(manage_path(booking) + "/annulla")
    assert step.status_code == 303 and step.location == manage_path(booking)


def test_the_confirmation_email_says_the_deadline_and_how_to_reach_the_museum(client, app):
    booking = book(deadline_slot(hours_to_start=72))
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.booking_id == booking.id)
    ).one()
    text = build_email(message).get_body(("plain",)).get_content()
    assert re.search(r"online fino a \w+ \d+ \w+ \d{4}, \d\d:\d\d", text)
    assert app.config["MUSEUM_PHONE"] in text


def test_booking_not_open_yet_says_when_it_opens(client, app):
    slot = future_slot()
    with transaction():
        slot.opens_at = utcnow() + timedelta(days=2)
    html = client.get(f"/eventi/{slot.programme_id}").get_data(as_text=True)
    assert re.search(r"Le prenotazioni aprono \w+ \d+ \w+ \d{4}, \d\d:\d\d", html)


def test_only_with_free_seats_lists_only_events_bookable_now(client, app):
    open_now = make_event(title_it="Aperto ora")
    future_slot(programme=open_now)
    later = make_event(title_it="Apre dopo")
    slot = future_slot(programme=later)
    full = make_event(title_it="Tutto pieno")
    book(future_slot(capacity=1, programme=full))
    with transaction():
        slot.opens_at = utcnow() + timedelta(days=2)
    listed = client.get("/eventi/?posti=1").get_data(as_text=True)
    assert "Aperto ora" in listed and "Apre dopo" not in listed and "Tutto pieno" not in listed
    assert "Apre dopo" in client.get("/eventi/").get_data(as_text=True)


def test_every_page_and_every_email_say_how_to_reach_the_museum(client, app):
    booking = book(future_slot())
    with transaction():
        cancel_booking(booking, now=utcnow())
    for path in ("/", "/eventi/", FIND, manage_path(booking)):
        html = client.get(path).get_data(as_text=True)
        assert app.config["MUSEUM_PHONE"] in html and app.config["MUSEUM_EMAIL"] in html, path
        assert "lunedì–venerdì" in html, path
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.booking_id == booking.id)
    ):
        email = build_email(message)
        for part in ("plain", "html"):
            body = email.get_body((part,)).get_content()
            assert app.config["MUSEUM_PHONE"] in body and "lunedì–venerdì" in body
