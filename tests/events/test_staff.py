"""The back office's #InCentrale events: who may use it, creating and editing (with the
museum's clocks and their daylight-saving changes), publishing, a weekly series, cancelling,
and the attendee list with its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.engine import request_booking
from centrale_booking.booking.models import Booking, Programme, Slot
from centrale_booking.booking.states import BookingStatus
from centrale_booking.booking.tickets import TicketStatus, ticket_status
from centrale_booking.events.models import Category, Event, EventFormat
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import a_contact, make_event, make_slot
from tests.helpers import EN, Page, count, sign_in

S = BookingStatus
ROME = ZoneInfo("Europe/Rome")


# --- helpers ------------------------------------------------------------------------------


def field_error(response, field: str) -> str:
    """The message shown next to a field, which points at it."""
    page = Page(response.get_data(as_text=True))
    assert page.by_id[field].get("aria-invalid") == "true", f"{field} is not marked invalid"
    assert f"{field}-error" in page.by_id[field].get("aria-describedby", "").split()
    return " ".join(page.by_id[f"{field}-error"]["text"].split())


def event_form(**changes) -> dict:
    data = {
        "title_it": "Acqua e città: come Milano beve",
        "title_en": "Water and the city: how Milan drinks",
        "summary_it": "Dalle falde ai rubinetti.",
        "summary_en": "From the aquifer to the tap.",
        "description_it": "Un incontro.",
        "description_en": "A talk.",
        "category": "talk",
        "format": "both",
        "room": "Sala delle pompe",
        "speakers": "Docenti del Politecnico",
        "partners": "Politecnico di Milano",
        "stream_url": "https://www.youtube.com/@MMSpAMilano",
        "replay_url": "",
        "image": "",
        "image_alt_it": "",
        "image_alt_en": "",
        "starts_on": "2027-02-11",
        "start_time": "18:30",
        "end_time": "20:00",
        "capacity": "80",
        "max_per_booking": "4",
        "cancel_deadline_hours": "2",
        "opens_at": "",
        "closes_at": "",
    }
    data.update(changes)
    return data


def an_event_with_seats(capacity=10, **fields) -> Event:
    """A published event in two weeks, 18:30 to 20:30 in Milan."""
    event = make_event(**{"room": "Sala delle pompe", **fields})
    day = (utcnow() + timedelta(days=14)).date()
    make_slot(capacity, event, datetime.combine(day, time(18, 30), tzinfo=ROME))
    return event


def form_for(event: Event, **changes) -> dict:
    """The edit form as it comes, with some changes."""
    starts, ends = event.slot.starts_at.astimezone(ROME), event.slot.ends_at.astimezone(ROME)
    values = {
        "title_it": event.title_it,
        "title_en": event.title_en,
        "room": event.room,  # the same place: nobody to tell
        "starts_on": starts.date().isoformat(),
        "start_time": starts.strftime("%H:%M"),
        "end_time": ends.strftime("%H:%M"),
        "capacity": str(event.slot.capacity),
    }
    return event_form(**{**values, **changes})


def book(event: Event, seats: int = 1, **contact) -> Booking:
    with transaction():
        return request_booking(event.slot, seats, a_contact(**contact), now=utcnow())


def audit_actions(event: Event) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.target == f"event:{event.id}")
            .order_by(AuditLog.id)
        )
    )


# --- who may use it -------------------------------------------------------------------------


def _pages(event_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/staff/eventi/"),
        ("GET", "/staff/eventi/nuovo"),
        ("GET", "/staff/eventi/serie"),
        ("GET", f"/staff/eventi/{event_id}"),
        ("GET", f"/staff/eventi/{event_id}/modifica"),
        ("GET", f"/staff/eventi/{event_id}/annulla"),
        ("GET", f"/staff/eventi/{event_id}/iscritti.csv"),
        ("POST", f"/staff/eventi/{event_id}/pubblica"),
        ("POST", f"/staff/eventi/{event_id}/ritira"),
        ("POST", f"/staff/eventi/{event_id}/annulla"),
        ("POST", "/staff/eventi/nuovo"),
        ("POST", "/staff/eventi/serie"),
    ]


@pytest.mark.parametrize("role", [Role.admin, Role.education])
def test_education_and_admin_may_use_every_page(client, role):
    event = an_event_with_seats()
    sign_in(client, role)
    for method, url in _pages(event.id):
        if method == "POST" and url.endswith("/annulla"):
            continue  # it would cancel the event: see the cancel tests
        response = client.open(url, method=method)
        assert response.status_code in (200, 303, 422), (method, url, response.status_code)


def test_the_desk_gets_403_everywhere_and_changes_nothing(client):
    event = an_event_with_seats()
    sign_in(client, Role.desk)
    for method, url in _pages(event.id):
        assert client.open(url, method=method).status_code == 403, (method, url)
    db.session.expire_all()
    assert event.slot.cancelled_at is None and event.published
    assert count(AuditLog) == 0


@pytest.mark.parametrize(("role", "shown"), [(Role.education, True), (Role.desk, False)])
def test_the_main_menu_leads_the_education_staff_to_the_events(client, role, shown):
    sign_in(client, role)
    html = client.get("/", headers=EN).get_data(as_text=True)
    assert ('href="/staff/eventi/">Manage events</a>' in html) is shown


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    event = an_event_with_seats()
    for method, url in _pages(event.id):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/staff/login"), (method, url)
    assert count(AuditLog) == 0


# --- creating an event ---------------------------------------------------------------------


def test_a_new_event_is_stored_in_utc_with_a_slug_and_an_audit_row(client):
    staff = sign_in(client, Role.education)
    response = client.post("/staff/eventi/nuovo", data=event_form(publish="y"), headers=EN)
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert response.headers["Location"] == f"/staff/eventi/{event.id}"
    assert event.slug == "acqua-e-citta-come-milano-beve-2027-02-11"
    assert event.title_en == "Water and the city: how Milan drinks"
    assert event.category is Category.talk and event.format is EventFormat.both
    assert event.published and event.max_per_booking == 4 and event.cancel_deadline_hours == 2
    slot = event.slot
    # 18:30 in Milan in February (CET, UTC+1)
    assert slot.starts_at == datetime(2027, 2, 11, 17, 30, tzinfo=UTC)
    assert slot.ends_at == datetime(2027, 2, 11, 19, 0, tzinfo=UTC)
    assert (slot.capacity, slot.taken, slot.opens_at, slot.closes_at) == (80, 0, None, None)
    entry = db.session.scalar(select(AuditLog))
    assert (entry.staff_user_id, entry.action, entry.target) == (
        staff.id,
        "event.created",
        f"event:{event.id}",
    )


def test_a_new_event_is_a_draft_unless_published_at_once(client):
    sign_in(client, Role.admin)
    client.post("/staff/eventi/nuovo", data=event_form())
    assert not db.session.scalar(select(Event)).published


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-03-27", datetime(2027, 3, 27, 17, 30, tzinfo=UTC)),  # the day before: UTC+1
        ("2027-03-28", datetime(2027, 3, 28, 16, 30, tzinfo=UTC)),  # clocks went forward
        ("2027-10-30", datetime(2027, 10, 30, 16, 30, tzinfo=UTC)),  # summer time: UTC+2
        ("2027-10-31", datetime(2027, 10, 31, 17, 30, tzinfo=UTC)),  # clocks went back
    ],
)
def test_the_time_is_read_on_the_clocks_of_milan_across_daylight_saving(client, day, expected):
    sign_in(client, Role.education)
    client.post("/staff/eventi/nuovo", data=event_form(starts_on=day))
    assert db.session.scalar(select(Slot.starts_at)) == expected


@pytest.mark.parametrize(
    ("day", "words"),
    [("2027-03-28", "go forward and 02:30 does not exist"), ("2026-10-25", "happens twice")],
)
def test_a_time_the_clocks_skip_or_repeat_is_refused(client, day, words):
    sign_in(client, Role.education)
    response = client.post(
        "/staff/eventi/nuovo",
        data=event_form(starts_on=day, start_time="02:30", end_time="04:00"),
        headers=EN,
    )
    assert response.status_code == 422
    assert words in field_error(response, "start_time")
    assert count(Programme) == 0


BAD_INPUT = [
    ({"title_it": ""}, "title_it", "Please give the event a title in Italian."),
    ({"title_en": "  "}, "title_en", "Please give the event a title in English."),
    ({"category": ""}, "category", "Please choose a category."),
    ({"format": "in_person", "room": ""}, "room", "Please say in which room"),
    ({"stream_url": "http://example.org/live"}, "stream_url", "starts with https://"),
    ({"replay_url": "javascript:alert(1)"}, "replay_url", "starts with https://"),
    ({"image": "../secrets.png"}, "image_file", "under static/"),
    ({"image": "img/eventi/a.jpg"}, "image_alt_it", "Please describe the image"),
    ({"starts_on": ""}, "starts_on", "On which day?"),
    ({"starts_on": "31 febbraio"}, "starts_on", "Please enter a date such as 31/12/2027."),
    ({"end_time": "18:00"}, "end_time", "The event must end after it starts."),
    ({"capacity": "0"}, "capacity", "Between 1 and 5000 seats."),
    ({"capacity": "molti"}, "capacity", "Please enter a whole number."),
    (
        {"capacity": "3", "max_per_booking": "4"},
        "max_per_booking",
        "At most the seats of the event (3).",
    ),
    ({"cancel_deadline_hours": "-1"}, "cancel_deadline_hours", "Between 0 and 720 hours."),
    ({"opens_at": "2027-02-12T10:00"}, "opens_at", "Booking must open before the event starts."),
    ({"closes_at": "2027-02-11T21:00"}, "closes_at", "Booking must close by the end of the event."),
    (
        {"opens_at": "2027-02-01T10:00", "closes_at": "2027-01-20T10:00"},
        "closes_at",
        "Booking must close after it opens.",
    ),
]


def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(client, subtests):
    sign_in(client, Role.education)
    for changes, field, message in BAD_INPUT:
        with subtests.test(field=field, changes=changes):
            response = client.post("/staff/eventi/nuovo", data=event_form(**changes), headers=EN)
            assert response.status_code == 422
            assert message in field_error(response, field)
    assert count(Programme) == 0 and count(Slot) == 0 and count(AuditLog) == 0


def test_messages_are_in_italian_by_default(client):
    sign_in(client, Role.education)
    response = client.post("/staff/eventi/nuovo", data=event_form(title_it=""))
    assert field_error(response, "title_it") == "Scrivi il titolo in italiano."


def test_links_and_image_are_kept_and_the_image_path_tidied(client):
    sign_in(client, Role.education)
    client.post(
        "/staff/eventi/nuovo",
        data=event_form(
            replay_url="https://www.youtube.com/watch?v=abc",
            image="/static/img/eventi/concerto.jpg",
            image_alt_it="L'ensemble tra le pompe storiche",
            image_alt_en="The ensemble among the historic pumps",
            opens_at="2027-01-11T09:00",
            closes_at="2027-02-11T12:00",
        ),
    )
    event = db.session.scalar(select(Event))
    assert event.replay_url == "https://www.youtube.com/watch?v=abc"
    assert event.image == "img/eventi/concerto.jpg"
    assert event.image_alt_en == "The ensemble among the historic pumps"
    assert event.slot.opens_at == datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
    assert event.slot.closes_at == datetime(2027, 2, 11, 11, 0, tzinfo=UTC)


def test_the_slug_is_unique_for_the_same_title_and_day(client):
    sign_in(client, Role.education)
    for _ in range(3):
        assert client.post("/staff/eventi/nuovo", data=event_form()).status_code == 303
    assert list(db.session.scalars(select(Programme.slug).order_by(Programme.id))) == [
        "acqua-e-citta-come-milano-beve-2027-02-11",
        "acqua-e-citta-come-milano-beve-2027-02-11-2",
        "acqua-e-citta-come-milano-beve-2027-02-11-3",
    ]


# --- editing ---------------------------------------------------------------------------------


def _created(client) -> Event:
    client.post("/staff/eventi/nuovo", data=event_form())
    return db.session.scalar(select(Event))


def test_the_edit_form_shows_the_event_as_stored(client):
    sign_in(client, Role.education)
    event = _created(client)
    page = Page(client.get(f"/staff/eventi/{event.id}/modifica").get_data(as_text=True))
    assert page.by_id["starts_on"]["value"] == "2027-02-11"
    assert page.by_id["start_time"]["value"] == "18:30"  # in Milan, not in UTC
    assert page.by_id["capacity"]["value"] == "80"
    assert page.by_id["title_en"]["value"] == "Water and the city: how Milan drinks"


def test_editing_saves_the_changes_and_records_them(client):
    staff = sign_in(client, Role.education)
    event = _created(client)
    response = client.post(
        f"/staff/eventi/{event.id}/modifica",
        data=event_form(title_en="Water and the city", capacity="120", start_time="19:00"),
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert event.title_en == "Water and the city"
    assert event.slug == "acqua-e-citta-come-milano-beve-2027-02-11"  # links keep working
    assert event.slot.capacity == 120
    assert event.slot.starts_at == datetime(2027, 2, 11, 18, 0, tzinfo=UTC)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "event.updated"))
    assert entry.staff_user_id == staff.id and entry.target == f"event:{event.id}"
    assert set(entry.details["changes"]) == {"title_en", "capacity", "starts_at"}
    assert entry.details["changes"]["capacity"] == [80, 120]


def test_capacity_below_the_seats_taken_is_refused_and_nothing_changes(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(capacity=10)
    book(event, 4)
    book(event, 3)
    title = event.title_en
    form = form_for(event, capacity="6", title_en="Changed")
    response = client.post(f"/staff/eventi/{event.id}/modifica", data=form, headers=EN)
    assert response.status_code == 422
    assert field_error(response, "capacity") == (
        "7 seats are already booked: the event cannot have fewer."
    )
    db.session.expire_all()
    assert (event.slot.capacity, event.slot.taken, event.title_en) == (10, 7, title)
    assert "event.updated" not in audit_actions(event)


def test_capacity_equal_to_the_seats_taken_is_fine(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(capacity=10)
    book(event, 4)
    response = client.post(f"/staff/eventi/{event.id}/modifica", data=form_for(event, capacity="4"))
    assert response.status_code == 303
    db.session.expire_all()
    assert (event.slot.capacity, event.slot.taken) == (4, 4)


def test_more_seats_move_the_waiting_list_up(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(capacity=2)
    book(event, 2)
    waiting = book(event, 2)
    assert waiting.status is S.waitlisted
    form = form_for(event, capacity="4")
    assert client.post(f"/staff/eventi/{event.id}/modifica", data=form).status_code == 303
    db.session.expire_all()
    assert waiting.status is S.confirmed and event.slot.taken == 4
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.booking_id == waiting.id)
    ).all()
    assert kinds == ["waitlisted", "promoted"]


# --- publishing --------------------------------------------------------------------------------


def test_publish_and_unpublish_are_buttons_that_leave_a_record(client):
    staff = sign_in(client, Role.education)
    event = an_event_with_seats(published=False)
    assert client.post(f"/staff/eventi/{event.id}/pubblica").status_code == 303
    db.session.expire_all()
    assert event.published
    response = client.post(f"/staff/eventi/{event.id}/ritira", data={"back": "list"})
    assert response.headers["Location"] == f"/staff/eventi/#event-{event.id}"
    db.session.expire_all()
    assert not event.published
    assert audit_actions(event) == ["event.published", "event.unpublished"]
    assert {entry.staff_user_id for entry in db.session.scalars(select(AuditLog))} == {staff.id}


def test_publishing_twice_records_once(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(published=False)
    client.post(f"/staff/eventi/{event.id}/pubblica")
    client.post(f"/staff/eventi/{event.id}/pubblica")
    assert audit_actions(event) == ["event.published"]


def test_publishing_by_a_link_is_not_possible(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(published=False)
    assert client.get(f"/staff/eventi/{event.id}/pubblica").status_code == 405


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_upcoming_and_past_events_with_seats_and_waiting_list(client):
    sign_in(client, Role.education)
    soon = an_event_with_seats(capacity=3, title_en="Soon")
    book(soon, 3)
    book(soon, 2)  # waiting
    past = make_event(title_en="Long ago", published=False)
    make_slot(50, past, utcnow() - timedelta(days=30))
    html = client.get("/staff/eventi/", headers=EN).get_data(as_text=True)
    upcoming_part, past_part = html.split('id="past-title"')
    assert "Soon" in upcoming_part and "3 of 3" in upcoming_part and "2 seats" in upcoming_part
    assert "Published" in upcoming_part
    assert "Long ago" in past_part and "0 of 50" in past_part and "Draft" in past_part


# --- a weekly series -----------------------------------------------------------------------------


def series_form(**changes) -> dict:
    data = event_form()
    for name in ("starts_on", "opens_at", "closes_at"):
        data.pop(name)
    data.update(
        weekday="3",  # Thursday
        first_day="2027-03-01",
        last_day="2027-04-15",
        skip="01/04/2027",  # Thursday before Easter
    )
    data.update(changes)
    return data


SERIES_DATES = ["2027-03-04", "2027-03-11", "2027-03-18", "2027-03-25", "2027-04-08", "2027-04-15"]


def test_the_series_preview_shows_the_dates_and_creates_nothing(client):
    sign_in(client, Role.education)
    response = client.post("/staff/eventi/serie", data=series_form(action="preview"), headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "6 dates" in html
    assert "Thursday, March 4, 2027" in html or "Thursday 4 March 2027" in html
    assert "Skipped:" in html and "April 1, 2027" in html or "1 April 2027" in html
    page = Page(html)
    assert page.by_id["planned"]["value"] == ",".join(SERIES_DATES)
    assert count(Programme) == 0


def test_a_series_creates_one_event_per_date_across_the_change_of_time(client):
    staff = sign_in(client, Role.education)
    data = series_form(action="create", planned=",".join(SERIES_DATES), publish="y")
    response = client.post("/staff/eventi/serie", data=data)
    assert response.status_code == 303
    events = db.session.scalars(select(Event).join(Slot).order_by(Slot.starts_at)).all()
    assert [e.slot.starts_at.astimezone(ROME).date().isoformat() for e in events] == SERIES_DATES
    # 18:30 in Milan each time: 17:30 UTC before 28 March 2027, 16:30 UTC after
    assert [e.slot.starts_at.astimezone(UTC).strftime("%H:%M") for e in events] == [
        "17:30",
        "17:30",
        "17:30",
        "17:30",
        "16:30",
        "16:30",
    ]
    assert all(e.slot.starts_at.astimezone(ROME).strftime("%H:%M") == "18:30" for e in events)
    assert all(e.title_it == "Acqua e città: come Milano beve" and e.published for e in events)
    assert all(e.slot.capacity == 80 and e.max_per_booking == 4 for e in events)
    assert len({e.slug for e in events}) == 6
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(x.action, x.staff_user_id) for x in entries] == [("event.created", staff.id)] * 6
    assert {x.target for x in entries} == {f"event:{e.id}" for e in events}
    assert entries[0].details["series"]["skipped"] == ["2027-04-01"]


def test_a_series_keeps_its_hour_when_the_clocks_go_back_in_october(client):
    sign_in(client, Role.education)
    dates = "2027-10-21,2027-10-28,2027-11-04,2027-11-11"
    data = series_form(
        action="create", planned=dates, first_day="2027-10-18", last_day="2027-11-14", skip=""
    )
    assert client.post("/staff/eventi/serie", data=data).status_code == 303
    starts = db.session.scalars(select(Slot.starts_at).order_by(Slot.starts_at)).all()
    # 18:30 in Milan: 16:30 UTC in summer time, 17:30 UTC after 31 October 2027
    assert [s.astimezone(UTC).strftime("%m-%d %H:%M") for s in starts] == [
        "10-21 16:30",
        "10-28 16:30",
        "11-04 17:30",
        "11-11 17:30",
    ]


def test_a_series_whose_dates_changed_since_the_preview_is_shown_again(client):
    sign_in(client, Role.education)
    data = series_form(action="create", planned=",".join(SERIES_DATES), last_day="2027-04-22")
    response = client.post("/staff/eventi/serie", data=data, headers=EN)
    assert response.status_code == 200
    assert "The dates changed since the preview" in response.get_data(as_text=True)
    assert "7 dates" in response.get_data(as_text=True)
    assert count(Programme) == 0


def test_a_series_is_refused_beyond_sixty_dates(client):
    sign_in(client, Role.education)
    data = series_form(action="preview", first_day="2027-01-01", last_day="2028-06-30")
    response = client.post("/staff/eventi/serie", data=data, headers=EN)
    assert response.status_code == 422
    assert "At most 60 dates in one series; this one has 77." in field_error(response, "last_day")
    assert count(Programme) == 0


SERIES_BAD_INPUT = [
    ({"skip": "1 aprile"}, "skip", "These are not dates: 1, aprile."),
    ({"last_day": "2027-02-01"}, "last_day", "The last day must come after the first."),
    ({"first_day": "2027-03-01", "last_day": "2027-03-02"}, "weekday", "There is no such day"),
    (
        {"weekday": "6", "start_time": "02:30", "end_time": "04:00"},  # Sundays, at night
        "start_time",
        "On 28/03/2027 the clocks go forward and 02:30 does not exist.",
    ),
    ({"title_it": ""}, "title_it", "Please give the event a title in Italian."),
]


def test_a_series_with_bad_input_is_refused_next_to_the_field(client, subtests):
    sign_in(client, Role.education)
    for changes, field, message in SERIES_BAD_INPUT:
        with subtests.test(field=field, changes=changes):
            data = series_form(action="create", planned=",".join(SERIES_DATES), **changes)
            response = client.post("/staff/eventi/serie", data=data, headers=EN)
            assert response.status_code == 422
            assert message in field_error(response, field)
    assert count(Programme) == 0


# --- cancelling ---------------------------------------------------------------------------


def test_cancelling_asks_first(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(capacity=4)
    book(event, 3)
    book(event, 2)  # waiting
    html = client.get(f"/staff/eventi/{event.id}/annulla", headers=EN).get_data(as_text=True)
    assert "2 bookings will be cancelled" in html and "5 seats" in html
    db.session.expire_all()
    assert event.slot.cancelled_at is None


def test_cancelling_cancels_every_booking_queues_the_emails_and_voids_the_tickets(client):
    staff = sign_in(client, Role.education)
    event = an_event_with_seats(capacity=4)
    confirmed = [book(event, 2), book(event, 2)]
    waiting = book(event, 1)
    tickets = [ticket for booking in confirmed for ticket in booking.tickets]
    assert tickets and all(ticket_status(t) is TicketStatus.valid for t in tickets)

    response = client.post(
        f"/staff/eventi/{event.id}/annulla", data={"reason_it": "Relatore malato."}, headers=EN
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert event.slot.cancelled_at is not None and event.slot.taken == 0
    assert all(b.status is S.cancelled for b in [*confirmed, waiting])
    assert all(ticket_status(t) is TicketStatus.cancelled for t in tickets)
    queued = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "slot_cancelled")
    ).all()
    assert sorted(m.booking_id for m in queued) == sorted(b.id for b in [*confirmed, waiting])
    assert {m.to_address for m in queued} == {b.contact_email for b in [*confirmed, waiting]}
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "event.cancelled"))
    assert entry.staff_user_id == staff.id and entry.details["bookings"] == 3
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "3 bookings were cancelled" in page


def test_cancelling_twice_does_nothing_more(client):
    sign_in(client, Role.education)
    event = an_event_with_seats()
    book(event, 1)
    client.post(f"/staff/eventi/{event.id}/annulla", data={"reason_it": "Sciopero."})
    client.post(f"/staff/eventi/{event.id}/annulla", data={"reason_it": "Sciopero."})
    assert count(OutboxMessage) == 2  # the confirmation, and one cancellation
    assert audit_actions(event) == ["event.cancelled"]


# --- attendees ----------------------------------------------------------------------------


def test_the_attendee_list_shows_every_booking(client):
    sign_in(client, Role.education)
    event = an_event_with_seats(capacity=2)
    first = book(event, 2, name="Giulia Rossi")
    book(event, 1, name="Marco Bianchi")  # waiting
    html = client.get(f"/staff/eventi/{event.id}", headers=EN).get_data(as_text=True)
    assert "Giulia Rossi" in html and first.contact_email in html and first.reference in html
    assert "Marco Bianchi" in html and "Waiting list" in html
    assert client.get(f"/staff/eventi/{event.id}").headers["Cache-Control"] == "private, no-store"


def test_the_csv_export_opens_in_excel_and_holds_every_attendee(client):
    staff = sign_in(client, Role.education)
    event = an_event_with_seats(capacity=3)
    giulia = book(event, 2, name="Giulia Rossi Niccolò")
    with transaction():
        db.session.get(Booking, giulia.id).newsletter_consent = True
        db.session.get(Booking, giulia.id).newsletter_confirmed_at = utcnow()
    tricky = book(event, 1, name='=HYPERLINK("http://evil.example")')
    waiting = book(event, 2, name="Marco Bianchi")

    response = client.get(f"/staff/eventi/{event.id}/iscritti.csv", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="attendees-{event.slug}.csv"'
    )
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Name", "Email", "Seats", "Status", "Reference", "Booked at", "Newsletter"]
    by_reference = {row[4]: row for row in rows[1:]}
    assert len(rows) == 4
    row = by_reference[giulia.reference]
    assert row[:4] == ["Giulia Rossi Niccolò", giulia.contact_email, "2", "Confirmed"]
    assert row[6] == "yes"
    booked = giulia.created_at.astimezone(ROME).strftime("%Y-%m-%d %H:%M")
    assert row[5] == booked
    assert by_reference[tricky.reference][0] == '\'=HYPERLINK("http://evil.example")'
    assert by_reference[tricky.reference][6] == "no"
    assert by_reference[waiting.reference][3] == "Waiting list"
    entry = db.session.scalar(select(AuditLog))
    assert (entry.action, entry.staff_user_id) == ("event.attendees_exported", staff.id)


def test_the_csv_speaks_italian_by_default(client):
    sign_in(client, Role.admin)
    event = an_event_with_seats()
    book(event, 1)
    response = client.get(f"/staff/eventi/{event.id}/iscritti.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="iscritti-')
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Nome e cognome" and rows[1][3] == "Confermata"


def test_an_unknown_event_is_404(client):
    sign_in(client, Role.education)
    assert client.get("/staff/eventi/999").status_code == 404
    assert client.get("/staff/eventi/999/iscritti.csv").status_code == 404
