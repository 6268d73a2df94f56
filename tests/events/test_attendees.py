"""The attendee list of an event, for staff: by name, the cancelled apart; each row can be
cancelled, its confirmation sent again, its seats changed; a booking taken by phone."""

from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.engine import cancel_booking
from centrale_booking.booking.models import Booking
from centrale_booking.booking.states import BookingStatus
from centrale_booking.extensions import db, transaction, utcnow
from tests.events.test_staff import an_event_with_seats, book, field_error
from tests.helpers import email_kinds, refreshed, sign_in

S = BookingStatus


def test_the_list_is_by_name_with_the_cancelled_apart(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    book(event, name="zeno Verdi")
    gone = book(event, name="Anna Rossi")
    book(event, name="Bruno Bianchi")
    with transaction():
        cancel_booking(gone, now=utcnow())
    html = client.get(f"/staff/eventi/{event.id}").get_data(as_text=True)
    standing, ended = html.split("Annullate e scadute, per nome")
    assert standing.index("Bruno Bianchi") < standing.index("zeno Verdi")
    assert "Anna Rossi" not in standing and "Anna Rossi" in ended


def test_staff_cancel_a_booking_after_a_confirmation_step(client):
    staff = sign_in(client, Role.education)
    event = an_event_with_seats()
    booking = book(event, 2)
    path = f"/staff/eventi/{event.id}/prenotazioni/{booking.id}/annulla"
    step = client.get(path)
    assert step.status_code == 200 and refreshed(booking).status is S.confirmed
    done = client.post(path)
    assert done.status_code == 303 and done.location.endswith(f"#booking-{booking.id}")
    assert refreshed(booking).status is S.cancelled and refreshed(event.slot).taken == 0
    assert email_kinds(booking) == ["confirmation", "cancellation"]
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "booking.cancelled")).one()
    assert entry.staff_user_id == staff.id and entry.details["reference"] == booking.reference


def test_a_booking_of_another_event_is_not_found(client):
    sign_in(client, Role.education)
    event, other = an_event_with_seats(), an_event_with_seats()
    booking = book(other)
    assert (
        client.post(f"/staff/eventi/{event.id}/prenotazioni/{booking.id}/annulla").status_code
        == 404
    )
    assert refreshed(booking).status is S.confirmed


def test_staff_send_the_confirmation_again(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    booking = book(event)
    assert (
        client.post(f"/staff/eventi/{event.id}/prenotazioni/{booking.id}/reinvia").status_code
        == 303
    )
    assert email_kinds(booking) == ["confirmation", "confirmation"]


def test_staff_change_the_seats_of_a_booking(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(capacity=5)
    booking = book(event, 1)
    path = f"/staff/eventi/{event.id}/prenotazioni/{booking.id}/posti"
    assert client.post(path, data={"seats": "3"}).status_code == 303
    assert refreshed(booking).quantity == 3 and refreshed(event.slot).taken == 3
    refused = client.post(path, data={"seats": "0"})
    assert refused.status_code == 422 and f'id="seats-{booking.id}-error"' in refused.get_data(
        as_text=True
    )
    book(event, 2)
    full = client.post(path, data={"seats": "4"})  # 3 + 2 of 5 taken: one more does not fit
    assert full.status_code == 409 and refreshed(booking).quantity == 3


def test_staff_add_a_booking_taken_by_phone(client):
    staff = sign_in(client, Role.education)
    event = an_event_with_seats()
    path = f"/staff/eventi/{event.id}/prenotazioni/nuova"
    assert client.get(path).status_code == 200
    data = {
        "name": "Carla Neri",
        "email": "carla@example.org",
        "phone": "+39 333 1234567",
        "seats": "2",
        "language": "en",
        "privacy_told": "y",
    }
    done = client.post(path, data=data)
    assert done.status_code == 303
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.contact_name, booking.contact_phone, booking.quantity) == (
        "Carla Neri",
        "+39 333 1234567",
        2,
    )
    assert booking.language == "en" and booking.privacy_consent_at is not None
    assert email_kinds(booking) == ["confirmation"]
    assert (
        db.session.scalars(
            select(AuditLog.staff_user_id).where(AuditLog.action == "booking.by_phone")
        ).one()
        == staff.id
    )


def test_a_phone_booking_without_consent_is_refused_beside_the_field(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    data = {"name": "Carla Neri", "email": "carla@example.org", "seats": "2", "language": "it"}
    refused = client.post(f"/staff/eventi/{event.id}/prenotazioni/nuova", data=data)
    assert refused.status_code == 422 and field_error(refused, "privacy_told")
    assert db.session.scalars(select(Booking)).all() == []


def test_a_phone_booking_over_the_limit_is_refused_by_the_engine(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    data = {
        "name": "Carla Neri",
        "email": "carla@example.org",
        "seats": "9",
        "language": "it",
        "privacy_told": "y",
    }
    refused = client.post(f"/staff/eventi/{event.id}/prenotazioni/nuova", data=data)
    assert refused.status_code == 422 and db.session.scalars(select(Booking)).all() == []


def test_the_desk_role_may_not_touch_the_list(client):
    sign_in(client, Role.desk)
    event = an_event_with_seats()
    booking = book(event)
    assert client.post(
        f"/staff/eventi/{event.id}/prenotazioni/{booking.id}/annulla"
    ).status_code in (403, 404)
    assert refreshed(booking).status is S.confirmed
