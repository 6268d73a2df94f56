"""One pass per child: the QR printed for a child is good on every day of all the weeks the
child is enrolled in. The engine keeps a ticket per week (check-ins recorded per ticket and
day); the desk resolves a scanned pass to the ticket of the week covering the scan's day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from centrale_booking import clock, links
from centrale_booking.auth.models import Role
from centrale_booking.booking.checkin import WRONG_DAY, scan_result, ticket_for_code
from centrale_booking.booking.models import Booking, CheckIn, Direction, Slot
from centrale_booking.booking.states import BookingStatus
from centrale_booking.booking.tickets import TicketStatus, ticket_status
from centrale_booking.campus.models import CampusChild, CampusPlace
from centrale_booking.campus.service import accept_week, enrol, withdraw_child
from centrale_booking.clock import museum_time
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import FIRST_MONDAY, NOW, a_child, an_enrolment, make_edition
from tests.factories import make_campus
from tests.helpers import EN, sign_in

S = BookingStatus
SCANS = "/api/v1/desk/scans"
SECOND_MONDAY = FIRST_MONDAY + timedelta(weeks=1)


def _siblings(campus, weeks=None):
    children = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    with transaction():
        return enrol(campus, an_enrolment(weeks or campus.slots, children), now=NOW)


def _child(family, name) -> CampusChild:
    return next(c for c in family.children if c.first_name == name)


def _ticket_of(family, name, slot):
    return next(
        p.ticket
        for p in family.places
        if p.child.first_name == name and p.booking.slot_id == slot.id
    )


# --- The engine's answer: which ticket a pass stands for on a day ----------------------------


def test_a_pass_stands_for_the_ticket_of_the_week_covering_the_day(app):
    campus = make_edition(weeks=2)
    family = _siblings(campus)
    first, second = campus.slots
    giulia = _child(family, "Giulia")
    assert ticket_for_code(giulia.pass_code, FIRST_MONDAY) == _ticket_of(family, "Giulia", first)
    on_friday = SECOND_MONDAY + timedelta(days=4)
    assert ticket_for_code(giulia.pass_code, on_friday) == _ticket_of(family, "Giulia", second)
    # each child has a pass of their own, and a ticket keeps its own code too
    marco = _child(family, "Marco")
    assert marco.pass_code != giulia.pass_code
    assert ticket_for_code(marco.pass_code, FIRST_MONDAY) == _ticket_of(family, "Marco", first)
    own = _ticket_of(family, "Giulia", second)
    assert ticket_for_code(own.code, FIRST_MONDAY) == own
    assert ticket_for_code("NoSuchCodeAnywhere1234", FIRST_MONDAY) is None


def test_a_pass_on_a_day_of_no_week_is_wrong_day_and_gives_every_week_it_is_good_in(app):
    campus = make_edition(weeks=2)
    family = _siblings(campus)
    giulia = _child(family, "Giulia")
    before = FIRST_MONDAY - timedelta(days=3)
    ticket = ticket_for_code(giulia.pass_code, before)
    assert ticket is not None
    assert scan_result(ticket, Direction.inward, museum_time(before, time(9))) == WRONG_DAY
    assert campus.pass_periods(ticket) == [
        (FIRST_MONDAY, FIRST_MONDAY + timedelta(days=4)),
        (SECOND_MONDAY, SECOND_MONDAY + timedelta(days=4)),
    ]


def test_a_child_withdrawn_from_a_week_has_a_cancelled_pass_that_week_only(app):
    campus = make_edition(weeks=2)
    family = _siblings(campus)
    first, second = campus.slots
    giulia = _child(family, "Giulia")
    place = next(
        p for p in family.places if p.child_id == giulia.id and p.booking.slot_id == first.id
    )
    with transaction():
        withdraw_child(place, now=NOW)
    that_week = ticket_for_code(giulia.pass_code, FIRST_MONDAY)
    assert ticket_status(that_week) is TicketStatus.cancelled
    # Marco still goes that week, and Giulia the next one, on the same pass
    assert ticket_status(_ticket_of(family, "Marco", first)) is TicketStatus.valid
    assert ticket_for_code(giulia.pass_code, SECOND_MONDAY) == _ticket_of(family, "Giulia", second)
    # the week's live tickets are the children still in it
    live = db.session.scalars(
        select(Booking).where(Booking.slot_id == first.id, Booking.status == S.confirmed)
    ).all()
    assert [t.holder_label for b in live for t in b.tickets] == ["Marco R."]
    # the family's PDF now lists Giulia's pass with the second week only
    assert campus.ticket_caption(that_week).startswith("Giulia R. · ")
    assert campus.pass_periods(_ticket_of(family, "Giulia", second)) == [
        (SECOND_MONDAY, SECOND_MONDAY + timedelta(days=4))
    ]


def test_a_week_accepted_from_the_waiting_list_needs_no_new_pass(app):
    campus = make_edition(weeks=2, capacity=2)
    first, second = campus.slots
    with transaction():
        other = enrol(campus, an_enrolment([second], [a_child("Anna"), a_child("Luca")]), now=NOW)
    family = _siblings(campus)  # second week full: waiting together
    giulia = _child(family, "Giulia")
    code = giulia.pass_code
    assert ticket_for_code(code, SECOND_MONDAY).booking.slot_id == first.id  # wrong day
    luca = next(p for p in other.places if p.child.first_name == "Luca")
    with transaction():
        withdraw_child(luca, now=NOW)
    anna = next(p for p in other.places if p.child.first_name == "Anna")
    with transaction():
        withdraw_child(anna, now=NOW)  # two places free: offered to the family
    waiting = next(b for b in {p.booking for p in family.places} if b.slot_id == second.id)
    db.session.refresh(waiting)
    assert waiting.status is S.offered
    with transaction():
        accept_week(waiting, [giulia.id, _child(family, "Marco").id], now=NOW)
    db.session.refresh(giulia)
    assert giulia.pass_code == code
    assert ticket_for_code(code, SECOND_MONDAY) == _ticket_of(family, "Giulia", second)


# --- At the desk, through HTTP ---------------------------------------------------------------


@pytest.fixture
def desk(client):
    sign_in(client, Role.desk)
    return client


def scan(client, code, **fields):
    response = client.post(SCANS, json={"code": code, "device": "Desk 1", **fields}, headers=EN)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _yesterday_and_today():
    """An edition of two weeks: one whose last day was yesterday, one running from today."""
    today = clock.today()
    campus = make_campus(min_age=6, max_age=11, max_per_booking=4)
    with transaction():
        for first, last in (
            (today - timedelta(days=4), today - timedelta(days=1)),
            (today, today + timedelta(days=4)),
        ):
            db.session.add(
                Slot(
                    programme_id=campus.id,
                    starts_at=museum_time(first, time(0, 0)),
                    ends_at=museum_time(last, time(23, 59, 59)),
                    capacity=10,
                )
            )
    db.session.refresh(campus)
    earlier = campus.slots[0].starts_at - timedelta(days=10)
    with transaction():
        family = enrol(campus, an_enrolment(campus.slots, [a_child("Giulia")]), now=earlier)
    return campus, family


def test_the_desk_scans_one_pass_on_two_different_weeks(desk):
    campus, family = _yesterday_and_today()
    last_week, this_week = campus.slots
    giulia = family.children[0]
    qr = f"http://booking.test/t/{giulia.pass_code}"
    # yesterday's scan, sent by a desk that was offline (the last minute of yesterday)
    yesterday = clock.midnight(clock.today()) - timedelta(minutes=1)
    then = scan(desk, qr, scan_id="y-1", scanned_at=clock.iso(yesterday), direction="in")
    assert then["result"] == "ok" and then["ticket"]["name"] == "Giulia R."
    now = scan(desk, giulia.pass_code, scan_id="t-1")
    assert now["result"] == "ok" and now["direction"] == "in"
    scans = db.session.scalars(select(CheckIn).order_by(CheckIn.scanned_at)).all()
    assert [s.ticket_id for s in scans] == [
        _ticket_of(family, "Giulia", last_week).id,
        _ticket_of(family, "Giulia", this_week).id,
    ]
    assert then["ticket"]["code"] != now["ticket"]["code"]  # one pass, two weeks' tickets
    assert now["ticket"]["pass"] == then["ticket"]["pass"] == giulia.pass_code


def test_a_pass_on_a_day_of_no_week_is_wrong_day_with_its_weeks(desk):
    campus = make_edition(weeks=2)  # both weeks still to come
    family = _siblings(campus)
    answer = scan(desk, _child(family, "Giulia").pass_code)
    assert answer["result"] == "wrong_day" and answer["headline"] == "Wrong day"
    assert answer["message"] == (
        "Valid on these days: Monday 28 December 2026 – Friday 1 January 2027; "
        "Monday 4 January 2027 – Friday 8 January 2027."
    )
    assert db.session.scalar(select(CheckIn.result)) == "wrong_day"  # recorded, refused


def test_a_pass_of_a_child_withdrawn_from_this_week_is_cancelled(desk):
    campus, family = _yesterday_and_today()
    with transaction():
        second = enrol(
            campus,
            an_enrolment(campus.slots, [a_child("Marco", born=date(2017, 3, 3))]),
            now=campus.slots[0].starts_at - timedelta(days=10),
        )
    # Giulia withdrawn from this week (her family's only child); Marco, of another family, stays
    this_week = campus.slots[1]
    giulia = family.children[0]
    place = next(p for p in family.places if p.booking.slot_id == this_week.id)
    with transaction():
        withdraw_child(place, now=this_week.starts_at - timedelta(days=10))
    answer = scan(desk, giulia.pass_code)
    assert answer["result"] == "cancelled" and answer["headline"] == "Cancelled"
    assert answer["ticket"]["name"] == "Giulia R."
    assert scan(desk, second.children[0].pass_code)["result"] == "ok"


def test_the_days_list_carries_the_pass_so_that_a_desk_offline_answers_it(desk):
    campus, family = _yesterday_and_today()
    giulia = family.children[0]
    items = desk.get("/api/v1/desk/today", headers=EN).get_json()["items"]
    [ticket] = [t for item in items if item["kind"] == "campus" for t in item["tickets"]]
    assert ticket["pass"] == giulia.pass_code
    assert ticket["code"] == _ticket_of(family, "Giulia", campus.slots[1]).code


def test_the_qr_of_a_pass_opens_the_ticket_page(client):
    campus, family = _yesterday_and_today()
    giulia = family.children[0]
    assert links.ticket_url(_ticket_of(family, "Giulia", campus.slots[0])).endswith(
        f"/t/{giulia.pass_code}"
    )
    page = client.get(f"/t/{giulia.pass_code}", headers=EN)
    assert page.status_code == 200 and "Giulia R." in page.get_data(as_text=True)
    assert client.get("/t/NoSuchCodeAnywhere1234").status_code == 404


def test_every_weeks_ticket_of_a_child_prints_the_childs_pass(app):
    campus = make_edition(weeks=2)
    family = _siblings(campus)
    tickets = db.session.scalars(select(CampusPlace)).all()
    passes = {links.ticket_url(p.ticket) for p in tickets}
    assert passes == {f"http://booking.test/t/{c.pass_code}" for c in family.children}


# --- The family's calendar file ----------------------------------------------------------------


def test_the_familys_calendar_file_holds_every_confirmed_week_on_milans_clocks(app, client):
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    from centrale_booking.links import ics_url

    campus = make_edition(weeks=3, capacity=2, closed_days=["2027-01-01"])
    first, second, third = campus.slots
    with transaction():
        enrol(campus, an_enrolment([third], [a_child("Anna"), a_child("Luca")]), now=NOW)
    family = _siblings(campus)  # the third week is full: waiting, not in the calendar
    booking = next(p.booking for p in family.places if p.booking.slot_id == second.id)
    response = client.get(ics_url(booking).removeprefix("http://booking.test"))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    rome = ZoneInfo("Europe/Rome")
    assert [e.decoded("dtstart") for e in events] == [
        datetime(2026, 12, 28, 8, 30, tzinfo=rome),
        datetime(2027, 1, 4, 8, 30, tzinfo=rome),
    ]
    assert [e.decoded("dtend") for e in events] == [
        datetime(2026, 12, 28, 16, 30, tzinfo=rome),
        datetime(2027, 1, 4, 16, 30, tzinfo=rome),
    ]
    assert all(str(e["dtstart"].params["TZID"]) == "Europe/Rome" for e in events)
    assert [e["rrule"]["FREQ"] for e in events] == [["DAILY"], ["DAILY"]]
    # 1 January is closed: not a campus day in the calendar
    [exdate] = events[0]["exdate"].dts
    assert exdate.dt == datetime(2027, 1, 1, 8, 30, tzinfo=rome)
    assert "exdate" not in events[1]
    assert len({str(e["uid"]) for e in events}) == 2
    assert calendar.walk("VTIMEZONE")  # the zone goes with the file


def test_a_change_to_any_week_is_a_new_sequence_of_the_familys_calendar(app, client):
    from icalendar import Calendar

    from centrale_booking.links import ics_url

    campus = make_edition(weeks=2)
    family = _siblings(campus)
    first, second = campus.slots
    booking = next(p.booking for p in family.places if p.booking.slot_id == first.id)
    url = ics_url(booking).removeprefix("http://booking.test")

    def sequences():
        events = Calendar.from_ical(client.get(url).data).walk("VEVENT")
        return sorted(int(e["sequence"]) for e in events)

    before = sequences()
    marco = next(
        p for p in family.places if p.child.first_name == "Marco" and p.booking.slot_id == second.id
    )
    with transaction():
        withdraw_child(marco, now=NOW)
    after = sequences()
    assert len(after) == 2 and min(after) > max(before)
