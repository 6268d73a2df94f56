"""`make run`'s demo gives the desk something to scan today: an evening event, two classes in
the morning, and during a campus week its children; once a day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from centrale_booking.auth.models import Role
from centrale_booking.booking.checkin import record_scan
from centrale_booking.booking.models import Direction, Ticket
from centrale_booking.campus.models import CampusFamily
from centrale_booking.demo import _seed_desk_campus
from centrale_booking.extensions import db, transaction
from tests.helpers import EN, sign_in


@pytest.fixture
def desk(client):
    sign_in(client, Role.desk)
    return client


def test_the_demo_gives_the_desk_two_classes_this_morning_with_their_headcounts(desk, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # the same day: nothing more
    items = desk.get("/api/v1/desk/today", headers=EN).get_json()["items"]
    classes = [i for i in items if i["programme"] == "The travelling drop (front desk demo)"]
    assert [c["time"] for c in classes] == ["09:30", "11:15"]
    [first] = classes[0]["tickets"]
    assert first["label"].startswith("3B") or "3B" in first["label"]
    answer = desk.post(
        "/api/v1/desk/scans", json={"code": first["code"], "device": "Desk 1"}, headers=EN
    ).get_json()
    assert answer["result"] in ("ok", "wrong_day")  # before its day ends: ok
    assert {h["kind"]: h["expected"] for h in answer["headcount"]}["pupils"] == 24


def test_during_a_campus_week_the_demo_enrols_two_families_for_the_day_once(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    christmas_week_day = date(2026, 12, 29)
    assert _seed_desk_campus(christmas_week_day) == 2
    assert _seed_desk_campus(christmas_week_day) == 0
    assert db.session.scalar(select(func.count(CampusFamily.id))) == 2
    labels = [t.holder_label for t in db.session.scalars(select(Ticket))]
    assert {"Giulia B.", "Marco C.", "Sofia C."} <= set(labels)
    assert _seed_desk_campus(date(2026, 12, 2)) == 0  # no campus week that day


def test_demo_children_check_in_through_the_engine(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    _seed_desk_campus(date(2026, 12, 29))
    ticket = db.session.scalars(select(Ticket)).first()
    with transaction():
        scanned = record_scan(
            ticket,
            direction=Direction.inward,
            staff=None,
            scan_id=None,
            now=ticket.booking.slot.starts_at,
        )
    assert scanned.result == "ok"
