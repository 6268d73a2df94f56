"""Walk-ins at the door, and the seats nobody claimed: through HTTP as the desk page sends
them, and through the engine for what two desks do at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from centrale_booking.auth.models import Role
from centrale_booking.booking.door import admitted, door_seats
from centrale_booking.booking.engine import Contact, book_walk_in
from centrale_booking.booking.errors import NoSeatsAtDoor
from centrale_booking.booking.models import Booking, CheckIn, Slot
from centrale_booking.booking.states import BookingStatus
from centrale_booking.extensions import db, transaction, utcnow
from tests.desk.programmes import book, class_visit, day_camp, today_slot
from tests.factories import make_event
from tests.helpers import EN, sign_in

WALK_INS = "/api/v1/desk/walk-ins"
SCANS = "/api/v1/desk/scans"
TODAY = "/api/v1/desk/today"


@pytest.fixture
def desk(client):
    sign_in(client, Role.desk)
    return client


def started_slot(capacity=4, *, minutes_ago=60, programme=None) -> Slot:
    """A slot that began `minutes_ago` and goes on for two hours more."""
    now = utcnow()
    with transaction():
        slot = Slot(
            programme=programme or make_event(),
            starts_at=now - timedelta(minutes=minutes_ago),
            ends_at=now + timedelta(hours=2),
            capacity=capacity,
        )
        db.session.add(slot)
    return slot


def walk_in(client, slot, seats):
    return client.post(
        WALK_INS, json={"slot_id": slot.id, "seats": seats, "device": "Desk 1"}, headers=EN
    )


def scan(client, code, **fields):
    response = client.post(SCANS, json={"code": code, "device": "Desk 2", **fields}, headers=EN)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def seats_for_walk_ins(client, slot) -> int | None:
    [item] = [s for s in client.get(TODAY).get_json()["items"] if s["slot_id"] == slot.id]
    return item["walk_in_seats"]


def test_a_walk_in_books_free_seats_and_is_let_in_at_once(desk):
    slot = started_slot(capacity=4)
    book(slot, 1)
    response = walk_in(desk, slot, 2)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["result"] == "ok" and answer["message"] == "2 places"
    assert answer["seats_left"] == 2  # 4 seats, 2 people in: the unclaimed booking's seat too
    booking = db.session.scalar(select(Booking).where(Booking.reference == answer["reference"]))
    assert booking.status is BookingStatus.confirmed and booking.quantity == 2
    assert [s["result"] for s in answer["scans"]] == ["ok"] * len(booking.tickets)
    assert admitted(slot) == 2 and seats_for_walk_ins(desk, slot) == 2
    again = walk_in(desk, slot, 1)  # walk-ins have no name: never "the same person"
    assert again.status_code == 200 and seats_for_walk_ins(desk, slot) == 1


@pytest.mark.parametrize("app_config", [{"DESK_WALK_IN_AFTER_MINUTES": 120}])
def test_before_the_release_a_walk_in_gets_only_seats_nobody_booked(desk, app_config):
    slot = started_slot(capacity=4)
    book(slot, 3)
    assert seats_for_walk_ins(desk, slot) == 1
    refused = walk_in(desk, slot, 2)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "no_seats_left"
    assert refused.get_json()["detail"] == "Only 1 place is left for walk-ins."
    assert walk_in(desk, slot, 1).status_code == 200
    refused = walk_in(desk, slot, 1)
    assert refused.get_json()["detail"] == "No places are left for walk-ins."
    assert seats_for_walk_ins(desk, slot) == 0
    assert db.session.scalar(select(func.count(Booking.id))) == 2  # nothing more stored


def test_after_the_release_unclaimed_seats_go_to_walk_ins_and_a_latecomer_waits_for_one(desk):
    slot = started_slot(capacity=3)  # began an hour ago: the 10 minutes have passed
    on_time, late = book(slot, 1), book(slot, 2)
    assert scan(desk, on_time.tickets[0].code)["result"] == "ok"
    assert seats_for_walk_ins(desk, slot) == 2  # the latecomers' two seats are unclaimed
    assert walk_in(desk, slot, 1).status_code == 200
    refused = scan(desk, late.tickets[0].code)
    assert refused["result"] == "no_seats_left" and refused["headline"] == "No places left"
    assert "none remain" in refused["message"]
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).taken <= 3  # never past the capacity
    assert seats_for_walk_ins(desk, slot) == 1
    assert walk_in(desk, slot, 2).get_json()["detail"] == "Only 1 place is left for walk-ins."


def test_a_latecomer_is_let_in_while_seats_remain(desk):
    slot = started_slot(capacity=3)
    late = book(slot, 2)
    assert walk_in(desk, slot, 1).status_code == 200
    assert scan(desk, late.tickets[0].code)["result"] == "ok"
    assert seats_for_walk_ins(desk, slot) == 0
    assert walk_in(desk, slot, 1).get_json()["code"] == "no_seats_left"


def test_two_desks_giving_the_last_seat_give_it_once(app, desk):
    slot = started_slot(capacity=1)
    now = utcnow()
    with transaction():
        book_walk_in(slot, 1, Contact("Walk-in", ""), now=now, release_after=timedelta(0))
    with pytest.raises(NoSeatsAtDoor), transaction():
        book_walk_in(slot, 1, Contact("Walk-in", ""), now=now, release_after=timedelta(0))
    assert db.session.scalar(select(func.count(Booking.id))) == 1
    assert door_seats(db.session.get(Slot, slot.id), now, timedelta(0)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seats": 1}, "slot_id"),
        ({"slot_id": "x", "seats": 1}, "slot_id"),
        ({"slot_id": 1}, "seats"),
        ({"slot_id": 1, "seats": 0}, "seats"),
        ({"slot_id": 1, "seats": 100}, "seats"),
    ],
)
def test_bad_walk_in_input_is_a_problem_with_the_field(desk, body, field):
    started_slot()
    response = desk.post(WALK_INS, json=body, headers=EN)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_no_walk_ins_for_another_day_or_a_programme_without_them(desk):
    tomorrow = started_slot(minutes_ago=-(60 * 24 + 60))
    response = walk_in(desk, tomorrow, 1)
    assert response.status_code == 422 and "slot_id" in response.get_json()["errors"]
    camp = started_slot(programme=day_camp())
    refused = walk_in(desk, camp, 1)
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_walk_ins"
    assert seats_for_walk_ins(desk, camp) is None
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_more_than_a_booking_may_have_is_refused(desk):
    slot = started_slot(capacity=50)
    response = walk_in(desk, slot, slot.programme.max_per_booking + 1)
    assert response.status_code == 422 and response.get_json()["code"] == "too_many_places"


def test_only_the_desk_books_walk_ins(client):
    slot = started_slot()
    assert walk_in(client, slot, 1).status_code == 401
    sign_in(client, Role.education)
    assert walk_in(client, slot, 1).status_code == 403


def test_a_scan_sent_to_checkins_with_a_count_records_how_many_of_the_group_came(desk):
    [ticket] = book(today_slot(class_visit())).tickets
    response = desk.post(
        "/api/v1/checkins", json={"code": ticket.code, "count": 25, "scan_id": "c1"}, headers=EN
    )
    assert response.status_code == 200 and response.get_json()["result"] == "ok"
    check_in = db.session.scalar(select(CheckIn))
    assert {c.kind: c.arrived for c in check_in.counts} == {
        "pupils": 22,
        "teachers": 2,
        "support": 1,
    }
    again = desk.post("/api/v1/checkins", json={"code": ticket.code, "scan_id": "c2"}, headers=EN)
    assert again.get_json()["result"] == "already_used"
    bad = desk.post("/api/v1/checkins", json={"code": ticket.code, "count": -1}, headers=EN)
    assert bad.status_code == 422 and "count" in bad.get_json()["errors"]
