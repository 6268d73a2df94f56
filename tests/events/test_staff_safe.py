"""The back office made safe for staff: asked before unpublishing an event with people booked,
a date in the past refused unless said on purpose, the series' booking window."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from centrale_booking.auth.models import Role
from centrale_booking.booking.models import Programme, Slot
from centrale_booking.events.models import Event
from centrale_booking.extensions import db
from tests.events.test_staff import (
    ROME,
    an_event_with_seats,
    audit_actions,
    book,
    event_form,
    field_error,
    series_form,
)
from tests.helpers import count, sign_in


def test_unpublishing_an_event_with_bookings_asks_first(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    book(event, 2)
    asked = client.post(f"/staff/eventi/{event.id}/ritira", data={"back": "list"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Ritirare questo evento dal sito?" in html
    assert "1 prenotazione è ancora valida" in html and "2 posti" in html
    assert "non riceve alcun avviso" in html  # what happens to the people booked
    db.session.expire_all()
    assert event.published and audit_actions(event) == []
    done = client.post(
        f"/staff/eventi/{event.id}/ritira", data={"confirmed": "yes", "back": "list"}
    )
    assert done.status_code == 303 and done.location.endswith(f"#event-{event.id}")
    db.session.expire_all()
    assert not event.published and audit_actions(event) == ["event.unpublished"]


def test_unpublishing_an_event_nobody_booked_asks_nothing(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    assert client.post(f"/staff/eventi/{event.id}/ritira").status_code == 303
    db.session.expire_all()
    assert not event.published


def test_opening_the_unpublish_address_changes_nothing(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    assert client.get(f"/staff/eventi/{event.id}/ritira").status_code == 200
    db.session.expire_all()
    assert event.published


def test_a_new_event_in_the_past_is_refused_unless_said_on_purpose(client):
    sign_in(client, Role.education)
    yesterday = (datetime.now(ROME) - timedelta(days=1)).date().isoformat()
    refused = client.post("/staff/eventi/nuovo", data=event_form(starts_on=yesterday))
    assert refused.status_code == 422 and count(Programme) == 0
    assert "nel passato" in field_error(refused, "starts_on")
    assert 'name="in_the_past"' in refused.get_data(as_text=True)  # the box to say so
    kept = client.post("/staff/eventi/nuovo", data=event_form(starts_on=yesterday, in_the_past="y"))
    assert kept.status_code == 303 and count(Programme) == 1


def test_the_box_for_the_past_is_not_shown_before_it_is_needed(client):
    sign_in(client, Role.education)
    assert 'name="in_the_past"' not in client.get("/staff/eventi/nuovo").get_data(as_text=True)


def test_a_series_starting_in_the_past_is_refused(client):
    sign_in(client, Role.education)
    today = datetime.now(ROME).date()
    data = series_form(
        action="preview",
        first_day=(today - timedelta(days=14)).isoformat(),
        last_day=(today + timedelta(days=14)).isoformat(),
        skip="",
    )
    refused = client.post("/staff/eventi/serie", data=data)
    assert refused.status_code == 422 and "nel passato" in field_error(refused, "first_day")


def test_the_series_sets_the_booking_window_of_each_date(client):
    sign_in(client, Role.education)
    dates = "2027-03-04,2027-03-11"
    data = series_form(
        action="create",
        planned=dates,
        last_day="2027-03-14",
        skip="",
        opens_days_before="7",
        closes_hours_before="2",
    )
    assert client.post("/staff/eventi/serie", data=data).status_code == 303
    slots = db.session.scalars(select(Slot).order_by(Slot.starts_at)).all()
    assert [s.opens_at for s in slots] == [
        datetime(2027, 2, 25, 8, 0, tzinfo=UTC),  # 9:00 in Milan, a week before
        datetime(2027, 3, 4, 8, 0, tzinfo=UTC),
    ]
    assert [s.closes_at for s in slots] == [s.starts_at - timedelta(hours=2) for s in slots]


def test_a_series_window_that_closes_before_it_opens_is_refused(client):
    sign_in(client, Role.education)
    data = series_form(action="preview", opens_days_before="1", closes_hours_before="40")
    refused = client.post("/staff/eventi/serie", data=data)
    assert refused.status_code == 422 and field_error(refused, "closes_hours_before")
    assert count(Event) == 0
