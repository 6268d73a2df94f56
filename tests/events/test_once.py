"""A registration form counts once: a second tap, or Back and Book again, finds the first
booking instead of making a second one (and a second email)."""

import re
from datetime import timedelta

from centrale_booking.booking.engine import cancel_booking
from centrale_booking.booking.models import WaitlistMode
from centrale_booking.extensions import transaction, utcnow
from centrale_booking.forms import FormSubmission
from centrale_booking.links import manage_path
from tests.events.test_pages import an_event, bookings_of, kinds
from tests.helpers import count


def token_of(page) -> str:
    return re.search(r'name="once" type="hidden" value="([^"]+)"', page.get_data(as_text=True))[1]


def send(client, event, once, **data):
    form = {"name": "Anna Rossi", "email": "anna@example.org", "seats": 2, "privacy_consent": "y"}
    form.update(data, once=once)
    return client.post(f"/eventi/{event.id}/prenota", data=form)


def test_each_rendering_of_the_form_has_its_own_token(client, app):
    event = an_event()
    first, second = (
        token_of(client.get(f"/eventi/{event.id}")),
        token_of(client.get(f"/eventi/{event.id}")),
    )
    assert first != second and len(first) >= 32


def test_the_same_form_sent_twice_makes_one_booking_and_lands_on_it(client, app):
    event = an_event()
    once = token_of(client.get(f"/eventi/{event.id}"))
    first = send(client, event, once)
    second = send(client, event, once, seats=4)  # Back, another number, Book again
    (booking,) = bookings_of(event)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location == manage_path(booking)
    assert booking.quantity == 2 and event.slot.taken == 2
    assert kinds(booking) == ["confirmation"]  # one email
    page = client.get(second.location).get_data(as_text=True)
    assert "due volte" in page  # it says why nothing new was booked


def test_two_forms_make_two_bookings(client, app):
    event = an_event()
    for email in ("anna@example.org", "marco@example.org"):  # the second "for someone else"
        once = token_of(client.get(f"/eventi/{event.id}?altro=1"))
        send(client, event, once, seats=1, email=email)
    assert len(bookings_of(event)) == 2


def test_a_refused_form_leaves_its_token_unspent(client, app):
    event = an_event(capacity=1, waitlist_mode=WaitlistMode.none)
    once = token_of(client.get(f"/eventi/{event.id}"))
    invalid = send(client, event, once, privacy_consent=None)
    assert invalid.status_code == 422 and token_of(invalid) == once  # the same form again
    full = send(client, event, once, seats=2, email="anna@example.org")
    assert full.status_code == 409  # two seats of one, no waiting list: refused
    done = send(client, event, once, seats=1)
    assert done.status_code == 303 and len(bookings_of(event)) == 1
    assert count(FormSubmission) == 1


def test_a_form_refused_by_the_engine_can_be_sent_again(client, app):
    event = an_event(capacity=3, waitlist_mode=WaitlistMode.none)
    send(client, event, token_of(client.get(f"/eventi/{event.id}")), seats=2)
    once = token_of(client.get(f"/eventi/{event.id}?altro=1"))
    refused = send(client, event, once, seats=2, email="bea@example.org")
    assert refused.status_code == 409 and count(FormSubmission) == 1  # rolled back with it


def test_a_form_without_token_still_books(client, app):
    event = an_event()
    response = client.post(
        f"/eventi/{event.id}/prenota",
        data={
            "name": "Anna Rossi",
            "email": "anna@example.org",
            "seats": 1,
            "privacy_consent": "y",
        },
    )
    assert response.status_code == 303 and len(bookings_of(event)) == 1


def test_a_malformed_token_is_refused_and_nothing_stored(client, app):
    event = an_event()
    response = send(client, event, "x" * 65)
    assert response.status_code == 422 and bookings_of(event) == []


def test_the_seat_limit_and_the_cancel_deadline_are_said_on_the_form(client, app):
    event = an_event(max_per_booking=3, cancel_deadline_hours=24, starts_in=timedelta(days=3))
    html = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert "Al massimo 3 posti per prenotazione." in html
    assert 'aria-describedby="seats-hint"' in html
    assert "online fino a" in html


def test_after_booking_the_page_shows_the_same_form_and_says_so(client, app):
    event = an_event()
    once = token_of(client.get(f"/eventi/{event.id}"))
    first = send(client, event, once)
    again = client.get(f"/eventi/{event.id}")  # Back: the page is fetched again
    html = again.get_data(as_text=True)
    assert token_of(again) == once and first.location in html
    assert "Hai già prenotato questo evento da questo browser" in html
    other = client.get(f"/eventi/{event.id}?altro=1")  # for someone else: a new form
    assert token_of(other) != once and "da questo browser" not in other.get_data(as_text=True)


def test_a_cancelled_booking_is_not_offered_again(client, app):
    event = an_event()
    once = token_of(client.get(f"/eventi/{event.id}"))
    send(client, event, once)
    (booking,) = bookings_of(event)
    with transaction():
        cancel_booking(booking, now=utcnow())
    page = client.get(f"/eventi/{event.id}")
    assert token_of(page) != once and "da questo browser" not in page.get_data(as_text=True)
