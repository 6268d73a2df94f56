"""A weekly series stays linked: the time, room or seats of every date still to come changed
at once; the past and the cancelled dates left as they were."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.changes import cancel_slot
from centrale_booking.events.models import Event, EventSeries
from centrale_booking.extensions import db, transaction, utcnow
from tests.events.test_staff import book, field_error, series_form
from tests.helpers import sign_in

DATES = "2027-03-04,2027-03-11,2027-03-18"


def a_series(client) -> EventSeries:
    data = series_form(action="create", planned=DATES, last_day="2027-03-20", skip="", publish="y")
    assert client.post("/staff/eventi/serie", data=data).status_code == 303
    return db.session.scalars(select(EventSeries)).one()


def events_of(series):
    db.session.expire_all()
    return sorted(series.events, key=lambda e: e.slot.starts_at)


def test_a_series_is_created_linked_and_each_date_says_so(client):
    sign_in(client, Role.education)
    series = a_series(client)
    events = events_of(series)
    assert len(events) == 3
    page = client.get(f"/staff/eventi/{events[0].id}").get_data(as_text=True)
    assert f"/staff/eventi/serie/{series.id}" in page and "serie settimanale" in page


def test_every_date_to_come_changes_at_once(client):
    staff = sign_in(client, Role.education)
    series = a_series(client)
    first, second, third = events_of(series)
    with transaction():  # the first has taken place; the third was cancelled
        first.slot.starts_at = utcnow() - timedelta(days=1, hours=2)
        first.slot.ends_at = utcnow() - timedelta(days=1)
        cancel_slot(third.slot, now=utcnow())
    form = client.get(f"/staff/eventi/serie/{series.id}").get_data(as_text=True)
    assert "18:30" in form and "Cambia 1 data" in form
    data = {"start_time": "19:00", "end_time": "20:30", "room": "Sala grande", "capacity": "50"}
    done = client.post(f"/staff/eventi/serie/{series.id}", data=data)
    assert done.status_code == 303
    first, second, third = events_of(series)
    assert second.slot.starts_at == datetime(2027, 3, 11, 18, 0, tzinfo=UTC)  # 19:00 in Milan
    assert second.room == "Sala grande" and second.slot.capacity == 50
    assert first.room == third.room == "Sala delle pompe" and third.slot.capacity == 80
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "event.updated")).all()
    assert [(e.target, e.staff_user_id) for e in entries] == [(f"event:{second.id}", staff.id)]


def test_fewer_seats_than_booked_on_one_date_changes_none(client):
    sign_in(client, Role.education)
    series = a_series(client)
    first, second, third = events_of(series)
    for _ in range(3):
        book(third, 2)
    data = {"start_time": "19:00", "end_time": "20:30", "room": "Sala grande", "capacity": "5"}
    refused = client.post(f"/staff/eventi/serie/{series.id}", data=data)
    assert refused.status_code == 422 and "6 posti" in field_error(refused, "capacity")
    assert "18 marzo 2027" in field_error(refused, "capacity")
    assert all(e.slot.capacity == 80 and e.room == "Sala delle pompe" for e in events_of(series))


def test_hours_that_end_before_they_start_are_refused(client):
    sign_in(client, Role.education)
    series = a_series(client)
    data = {"start_time": "19:00", "end_time": "18:00", "room": "", "capacity": "50"}
    refused = client.post(f"/staff/eventi/serie/{series.id}", data=data)
    assert refused.status_code == 422 and field_error(refused, "end_time")


def test_a_single_event_has_no_series(client):
    sign_in(client, Role.education)
    assert client.get("/staff/eventi/serie/999").status_code == 404
    assert db.session.scalars(select(Event)).all() == []
