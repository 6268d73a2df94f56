"""The text rule (text.py) as visitors meet it: the page's form and the API refuse the same
text with the same message next to the same field, and store nothing."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from centrale_booking.booking.models import Booking
from centrale_booking.events.staff_forms import EventFieldsForm
from centrale_booking.extensions import db, utcnow
from tests.factories import make_event, make_slot
from tests.helpers import EN, Page


@pytest.fixture
def event(app):
    event = make_event()
    make_slot(capacity=10, programme=event, starts_at=utcnow() + timedelta(days=10))
    return event


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Anna\u2028Rossi", "Scrivi tutto su una sola riga, senza andare a capo."),
        ("Anna\x1bRossi", "Togli i caratteri di controllo (come gli a capo)."),
    ],
)
def test_the_page_refuses_a_name_that_breaks_the_rule_next_to_the_field(
    client, event, name, message
):
    form = {"name": name, "email": "anna@example.org", "seats": "1", "privacy_consent": "y"}
    reply = client.post(f"/eventi/{event.id}/prenota", data=form)
    assert reply.status_code == 422
    page = Page(reply.get_data(as_text=True))
    assert page.by_id["name-error"]["text"].strip() == message
    assert page.first("input", id="name")["aria-invalid"] == "true"
    assert stored() == 0


@pytest.mark.parametrize(
    ("raw_name", "message"),
    [
        ('"Anna\\u2028Rossi"', "Please write this on one line."),
        ('"Anna\\nRossi"', "Please write this on one line."),
        ('"Anna\\ud800"', "Please leave out characters that are not text."),
        ('"Anna\\u0000"', "Please leave out control characters (such as line breaks)."),
    ],
)
def test_the_api_refuses_the_same_text_with_a_422_per_field(client, event, raw_name, message):
    body = '{"name": %s, "email": "anna@example.org", "seats": 1, "privacy_consent": true}'
    reply = client.post(
        f"/api/v1/events/{event.id}/bookings",
        data=body % raw_name,
        headers={**EN, "Content-Type": "application/json"},
    )
    assert reply.status_code == 422, reply.get_data(as_text=True)
    assert json.loads(reply.get_data())["errors"] == {"name": [message]}
    assert stored() == 0


def test_a_textarea_keeps_its_line_breaks_and_a_title_may_not(app):
    data = {"title_it": "Acqua\u2028e città", "description_it": "Prima riga\r\nSeconda riga"}
    with app.test_request_context(method="POST", data=data):
        form = EventFieldsForm(meta={"csrf": False})
        form.validate()
    assert form.errors["title_it"] == ["Scrivi tutto su una sola riga, senza andare a capo."]
    assert "description_it" not in form.errors
