"""The manage link and the ticket page, through HTTP as a visitor uses them."""

import re
from datetime import timedelta

import pytest

from centrale_booking.booking.engine import request_booking
from centrale_booking.booking.models import Booking, CheckIn, Direction, WaitlistMode
from centrale_booking.booking.states import BookingStatus
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import manage_path, manage_url, ticket_url
from tests.factories import a_contact, make_activity, make_event, make_slot
from tests.helpers import EN, email_kinds, refreshed

S = BookingStatus


def book(slot, quantity=1, **contact):
    with transaction():
        return request_booking(slot, quantity, a_contact(**contact), now=utcnow())


def future_slot(capacity=10, **fields):
    return make_slot(capacity=capacity, starts_at=utcnow() + timedelta(days=10), **fields)


def test_the_manage_url_opens_the_booking(client, app):
    booking = book(future_slot(), 2, name="Giulia Bianchi")
    assert manage_url(booking) == "http://booking.test" + manage_path(booking)
    page = client.get(manage_path(booking))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert booking.reference in html and "Giulia Bianchi" in html
    assert "<svg" in html  # the ticket's QR code
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in page.headers["Cache-Control"]


@pytest.mark.parametrize("mangle", ["wrong", "short", "other"])
def test_a_wrong_token_is_a_plain_404(client, app, mangle):
    booking, other = book(future_slot()), book(future_slot())
    token = {
        "wrong": booking.manage_token[:-1] + ("A" if booking.manage_token[-1] != "A" else "B"),
        "short": booking.manage_token[:10],
        "other": other.manage_token,
    }[mangle]
    assert client.get(f"/prenotazione/{booking.reference}/{token}").status_code == 404
    assert client.get(f"/prenotazione/EV-NOSUCH/{booking.manage_token}").status_code == 404
    assert client.post(f"/prenotazione/{booking.reference}/{token}/annulla").status_code == 404


def test_cancelling_takes_a_confirmation_step_then_frees_the_places(client, app):
    slot = future_slot(capacity=2)
    booking = book(slot, 2)
    waiting = book(slot, 1)
    step = client.get(manage_path(booking) + "/annulla")
    assert step.status_code == 200 and refreshed(booking).status is S.confirmed
    done = client.post(manage_path(booking) + "/annulla", follow_redirects=True)
    assert done.status_code == 200
    assert refreshed(booking).status is S.cancelled
    assert refreshed(waiting).status is S.confirmed  # promoted in the same transaction
    assert refreshed(slot).taken == 1
    assert email_kinds(booking) == ["confirmation", "cancellation"]
    again = client.post(manage_path(booking) + "/annulla", follow_redirects=True)
    assert again.status_code == 200 and refreshed(slot).taken == 1


def test_cancelling_needs_the_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    booking = book(future_slot())
    response = client.post(manage_path(booking) + "/annulla")
    assert response.status_code == 400
    assert refreshed(booking).status is S.confirmed
    form = client.get(manage_path(booking) + "/annulla").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(manage_path(booking) + "/annulla", data={"csrf_token": csrf})
    assert response.status_code == 303 and refreshed(booking).status is S.cancelled


def test_cancelling_after_the_deadline_is_refused_with_a_clear_message(client, app):
    programme = make_event(cancel_deadline_hours=48)
    slot = make_slot(capacity=5, programme=programme, starts_at=utcnow() + timedelta(hours=24))
    booking = book(slot)
    page = client.post(manage_path(booking) + "/annulla", follow_redirects=True)
    assert page.status_code == 200
    assert "non si può più annullare online" in page.get_data(as_text=True)
    assert refreshed(booking).status is S.confirmed and refreshed(slot).taken == 1


def test_changing_the_number_of_places(client, app):
    slot = future_slot(capacity=4)
    booking = book(slot, 2)
    book(slot, 1)
    waiting = book(slot, 2)  # 1 seat left: waitlisted
    book(slot, 1)  # takes the last seat
    assert client.post(manage_path(booking) + "/posti", data={"quantity": 3}).status_code == 409
    assert refreshed(booking).quantity == 2 and refreshed(slot).taken == 4  # unchanged
    assert client.post(manage_path(booking) + "/posti", data={"quantity": 1}).status_code == 303
    assert refreshed(booking).quantity == 1 and booking.tickets[0].admits == 1
    assert refreshed(waiting).status is S.waitlisted  # 2 do not fit in the 1 freed place
    assert refreshed(slot).taken == 3
    assert email_kinds(booking) == ["confirmation", "confirmation"]


@pytest.mark.parametrize("bad", ["", "0", "-1", "abc", "99"])
def test_a_bad_number_of_places_is_shown_next_to_the_field_and_changes_nothing(client, app, bad):
    slot = future_slot(capacity=50)
    booking = book(slot, 2)
    response = client.post(manage_path(booking) + "/posti", data={"quantity": bad})
    assert response.status_code in (409, 422)
    assert 'id="quantity-error"' in response.get_data(as_text=True)
    assert refreshed(booking).quantity == 2 and refreshed(slot).taken == 2


def test_a_school_booking_cannot_change_its_places(client, app):
    activity = make_activity(slug="visita", title_it="Visita", title_en="Visit", max_per_booking=1)
    booking = book(future_slot(capacity=2, programme=activity), 1)
    page = client.get(manage_path(booking)).get_data(as_text=True)
    assert "/posti" not in page
    assert client.post(manage_path(booking) + "/posti", data={"quantity": 1}).status_code == 409


def test_accepting_an_offer_confirms_it(client, app):
    slot = future_slot(capacity=1, programme=make_event(waitlist_mode=WaitlistMode.offer))
    first, offered = book(slot), book(slot)
    client.post(manage_path(first) + "/annulla")
    assert refreshed(offered).status is S.offered
    page = client.get(manage_path(offered)).get_data(as_text=True)
    assert "/accetta" in page
    client.post(manage_path(offered) + "/accetta")
    assert refreshed(offered).status is S.confirmed and len(offered.tickets) == 1


def test_the_ticket_page_shows_the_ticket_and_no_personal_data(client, app):
    booking = book(future_slot(), 3, name="Marco Verdi")
    ticket = booking.tickets[0]
    assert ticket_url(ticket) == f"http://booking.test/t/{ticket.code}"
    page = client.get(f"/t/{ticket.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Marco Verdi" in html and booking.slot.programme.title_it in html
    assert booking.contact_email not in html and booking.reference not in html
    assert booking.manage_token not in html
    assert "ticket-status-valid" in html


def test_the_ticket_page_says_used_then_cancelled(client, app):
    booking = book(future_slot(), 1)
    ticket = booking.tickets[0]
    with transaction():
        db.session.add(CheckIn(ticket_id=ticket.id, direction=Direction.inward, result="ok"))
    assert "ticket-status-used" in client.get(f"/t/{ticket.code}").get_data(as_text=True)
    client.post(manage_path(booking) + "/annulla")
    assert "ticket-status-cancelled" in client.get(f"/t/{ticket.code}").get_data(as_text=True)


def test_an_unknown_ticket_is_a_plain_404(client, app):
    booking = book(future_slot(), 1)
    near = booking.tickets[0].code[:-1] + ("x" if booking.tickets[0].code[-1] != "x" else "y")
    codes = (near, "no-such-ticket-code", booking.reference)
    answers = [client.get(f"/t/{code}") for code in codes]
    assert [a.status_code for a in answers] == [404, 404, 404]
    bodies = {
        a.get_data(as_text=True).replace(code, "") for a, code in zip(answers, codes, strict=True)
    }
    assert len(bodies) == 1  # nothing tells a near miss apart


def test_an_expired_offer_is_shown_as_expired_when_the_page_is_opened(client, app):
    slot = future_slot(capacity=1, programme=make_event(waitlist_mode=WaitlistMode.offer))
    first, offered = book(slot), book(slot)
    client.post(manage_path(first) + "/annulla")
    with transaction():
        late = db.session.get(Booking, offered.id)
        late.offer_expires_at = utcnow() - timedelta(minutes=1)
    client.get(manage_path(offered))
    assert refreshed(offered).status is S.expired and refreshed(slot).taken == 0


def test_fewer_places_after_the_cancellation_deadline_are_refused_like_a_cancellation(client, app):
    programme = make_event(cancel_deadline_hours=48)
    slot = make_slot(capacity=5, programme=programme, starts_at=utcnow() + timedelta(hours=24))
    booking = book(slot, 3)
    response = client.post(manage_path(booking) + "/posti", data={"quantity": 1})
    assert response.status_code == 409
    assert "non si possono più ridurre online" in response.get_data(as_text=True)
    assert refreshed(booking).quantity == 3 and refreshed(slot).taken == 3
    assert booking.tickets[0].admits == 3
    more = client.post(manage_path(booking) + "/posti", data={"quantity": 4})
    assert more.status_code == 303 and refreshed(booking).quantity == 4  # more is still fine


# --- a request on the waiting list -------------------------------------------------------------


def test_a_waiting_request_speaks_of_a_request_its_place_in_the_queue_and_no_calendar(client):
    slot = make_slot(capacity=1)
    with transaction():
        request_booking(slot, 1, a_contact(), now=utcnow())
        first = request_booking(slot, 1, a_contact(language="en"), now=utcnow())
        second = request_booking(slot, 1, a_contact(language="en"), now=utcnow())
    html = client.get(manage_path(second), headers=EN).get_data(as_text=True)
    assert "Your request" in html and "number 2 in the queue" in html
    assert ".ics" not in html and "No ticket and no calendar file yet" in html
    assert "Leave the waiting list" in html
    client.post(manage_path(first) + "/annulla")
    after = client.get(manage_path(first), headers=EN).get_data(as_text=True)
    assert "This request was cancelled" in after
    assert "tickets are no longer valid" not in after and ".ics" not in after
    assert "number 1 in the queue" in client.get(manage_path(second), headers=EN).get_data(
        as_text=True
    )


def test_the_cancel_step_says_what_is_given_up(client):
    slot = make_slot(capacity=2)
    with transaction():
        held = request_booking(slot, 2, a_contact(language="en"), now=utcnow())
        waiting = request_booking(slot, 1, a_contact(language="en"), now=utcnow())
    step = client.get(manage_path(held) + "/annulla", headers=EN).get_data(as_text=True)
    assert "Cancel your booking?" in step and "Given back to others at once: 2 places." in step
    step = client.get(manage_path(waiting) + "/annulla", headers=EN).get_data(as_text=True)
    assert "Leave the waiting list?" in step and "Your request for 1 place is withdrawn" in step
    assert "Yes, leave the waiting list" in step and "given back" not in step
    assert "Asked for" in step and "Booked" not in step  # a request, not a booking
    italian = client.get(manage_path(waiting) + "/annulla").get_data(as_text=True)
    assert "Vuoi uscire dalla lista d" in italian and "1 posto" in italian


def test_a_cancelled_booking_offers_to_remove_it_from_the_calendar(client):
    with transaction():
        booking = request_booking(make_slot(), 1, a_contact(), now=utcnow())
    client.post(manage_path(booking) + "/annulla")
    html = client.get(manage_path(booking), headers=EN).get_data(as_text=True)
    assert "Remove it from your calendar (.ics)" in html
    assert "Add to your calendar" not in html
