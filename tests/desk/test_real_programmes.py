"""The desk with the real programmes, end to end through HTTP as the scanner page sends it: a
school class's ticket admits the class and records how many came; a campus child checks in,
then out to an adult the family authorised."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from centrale_booking import clock
from centrale_booking.auth.models import Role
from centrale_booking.booking.models import CheckIn, CheckInCount, Slot
from centrale_booking.campus.service import enrol
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.schools.service import book_class, confirm_class
from tests.campus.helpers import a_child, an_enrolment
from tests.factories import a_contact, make_campus, make_school_slot
from tests.helpers import EN, sign_in
from tests.schools.test_fair_access import a_class

SCANS = "/api/v1/desk/scans"


@pytest.fixture
def desk(client):
    sign_in(client, Role.desk)
    return client


def scan(client, code, **fields):
    response = client.post(SCANS, json={"code": code, "device": "Desk 1", **fields}, headers=EN)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def this_morning():
    return clock.midnight(clock.today()) + timedelta(minutes=1)


def test_a_school_class_ticket_admits_the_class_and_records_who_came(desk):
    slot = make_school_slot(starts_at=this_morning())
    booked_at = slot.starts_at - timedelta(days=20)
    with transaction():
        booking = book_class(slot, a_class(pupils=22, adults=2), a_contact(), now=booked_at)
    with transaction():
        confirm_class(booking, now=booked_at)
    [ticket] = booking.tickets
    answer = scan(desk, ticket.code)
    assert answer["result"] == "ok"
    assert "3B" in answer["ticket"]["name"] and "IC Via Rossi" in answer["ticket"]["name"]
    expected = {row["kind"]: row["expected"] for row in answer["headcount"]}
    assert sum(expected.values()) == 24 and max(expected.values()) == 22
    pupils = max(expected, key=expected.get)
    counted = desk.post(
        f"/api/v1/desk/scans/{answer['scan']['id']}/counts",
        json={"arrived": {pupils: 21}},
        headers=EN,
    )
    assert counted.status_code == 200, counted.get_json()
    counts = {c.kind: (c.expected, c.arrived) for c in db.session.scalars(select(CheckInCount))}
    assert counts[pupils] == (22, 21)
    assert sum(e for e, _a in counts.values()) == 24
    assert scan(desk, ticket.code)["result"] == "already_used"


def a_campus_week_with_today():
    campus = make_campus(min_age=6, max_age=11, max_per_booking=4, offer_hours=48)
    start = this_morning()
    with transaction():
        slot = Slot(
            programme_id=campus.id,
            starts_at=start,
            ends_at=start + timedelta(days=4, hours=16),
            capacity=10,
        )
        db.session.add(slot)
    db.session.refresh(campus)
    return campus


def test_a_campus_child_checks_in_then_out_to_an_authorised_adult(desk):
    campus = a_campus_week_with_today()
    children = [a_child("Giulia", born=date(2018, 1, 10)), a_child("Marco", born=date(2017, 3, 3))]
    with transaction():
        family = enrol(
            campus,
            an_enrolment(campus.slots, children),
            now=campus.slots[0].starts_at - timedelta(days=10),
        )
    tickets = {place.child.first_name: place.ticket.code for place in family.places}
    came = scan(desk, tickets["Giulia"])
    assert came["result"] == "ok" and came["direction"] == "in"
    assert came["ticket"]["name"] == "Giulia R."
    assert [c["name"] for c in came["companions"]] == ["Marco R."]  # in one step, offered
    asked = scan(desk, tickets["Giulia"])  # the scan toggles: now out, who collects?
    assert asked["result"] == "choose_collector" and asked["direction"] == "out"
    names = [c["name"] for c in asked["collectors"]]
    assert "Anna Bianchi" in names
    stranger = desk.post(
        SCANS, json={"code": tickets["Giulia"], "collector": "Someone Else"}, headers=EN
    )
    assert stranger.status_code == 422 and "collector" in stranger.get_json()["errors"]
    left = scan(desk, tickets["Giulia"], direction="out", collector="Anna Bianchi")
    assert left["result"] == "ok" and left["direction"] == "out"
    assert "Anna Bianchi" in left["message"]
    rows = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert [(r.direction.value, r.result) for r in rows] == [("in", "ok"), ("out", "ok")]
    assert rows[0].scanned_at <= utcnow()
