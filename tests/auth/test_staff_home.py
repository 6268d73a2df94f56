"""The staff home page says what there is to do today, for each role."""

from datetime import timedelta

from centrale_booking.auth.models import Role
from centrale_booking.booking.engine import request_booking
from centrale_booking.clock import midnight, today
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage, OutboxStatus
from tests.factories import a_contact, make_event, make_slot
from tests.helpers import sign_in


def today_event(title="Concerto di oggi", capacity=10, published=True):
    """At 10:00 today in Milan, whatever the time the test runs."""
    event = make_event(title_it=title, published=published)
    make_slot(capacity, event, midnight(today()) + timedelta(hours=10))
    return event


def booked(event, name, seats=1):
    with transaction():  # booked the day before, while booking was open
        now = min(utcnow(), event.slot.starts_at - timedelta(days=1))
        return request_booking(event.slot, seats, a_contact(name=name), now=now)


def test_the_desk_sees_todays_events_and_who_is_coming(client):
    event = today_event()
    booked(event, "Zeno Verdi", 2)
    booked(event, "Anna Rossi")
    later = make_event(title_it="Domani")
    make_slot(10, later, utcnow() + timedelta(days=2))
    sign_in(client, Role.desk)
    html = client.get("/staff/").get_data(as_text=True)
    assert "Concerto di oggi" in html and "Domani" not in html
    assert html.index("Anna Rossi") < html.index("Zeno Verdi")  # by name, as at the door
    assert "3 posti" in html
    assert "Da guardare" not in html  # the office's list is not the desk's
    assert f"/staff/eventi/{event.id}" not in html  # a page the desk may not open


def test_education_sees_today_and_what_needs_a_look(client):
    event = today_event()
    full = make_event(title_it="Pieno")
    make_slot(1, full, utcnow() + timedelta(days=3))
    booked(full, "Primo")
    booked(full, "In attesa")
    draft = make_event(title_it="Bozza con data", published=False)
    make_slot(10, draft, utcnow() + timedelta(days=5))
    sign_in(client, Role.education)
    html = client.get("/staff/").get_data(as_text=True)
    assert f'href="/staff/eventi/{event.id}"' in html
    assert "Bozza con data" in html and "Non ancora pubblicato" in html
    assert "1 persona in attesa per" in html and "Pieno" in html
    assert "email non" not in html  # failed emails: the administrator's
    assert 'href="/staff/arrivi-gruppi/"' in html and 'href="/staff/email/"' not in html


def test_the_administrator_is_told_of_emails_that_could_not_be_sent(client):
    event = today_event()
    booking = booked(event, "Anna Rossi")
    with transaction():
        for message in db.session.query(OutboxMessage).filter_by(booking_id=booking.id):
            message.status = OutboxStatus.failed
    sign_in(client, Role.admin)
    html = client.get("/staff/").get_data(as_text=True)
    assert "1 email non è stata inviata." in html and 'href="/staff/email/"' in html


def test_a_quiet_day_says_so(client):
    sign_in(client, Role.desk)
    assert "nulla in programma." in client.get("/staff/").get_data(as_text=True)
