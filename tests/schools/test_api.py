"""The schools' API: activities by grade level, free slots, a class's booking (pending, the
same rules and messages as the page's form), in the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select

from centrale_booking.booking.models import Booking
from centrale_booking.booking.states import BookingStatus
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.schools.models import GradeLevel, SchoolVisit
from tests.factories import make_school_slot, make_slot
from tests.helpers import EN, count, email_kinds, refreshed

S = BookingStatus


def a_slot(**fields):
    return make_school_slot(starts_at=utcnow() + timedelta(days=20), **fields)


def body(slot, **changes) -> dict:
    data = {
        "slot_id": slot.id,
        "school_code": "miic8ab00c",
        "school_name": "IC Via Rossi",
        "city": "Milano",
        "class_name": "3B",
        "grade": "primaria",
        "year": 3,
        "pupils": 24,
        "pupils_with_disabilities": 1,
        "support_teachers": 1,
        "adults": 2,
        "teacher_name": "Anna Bianchi",
        "email": "anna@scuola.example",
        "phone": "+39 02 1234567",
        "language": "it",
        "privacy_consent": True,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_activities_by_grade_with_the_text_for_that_level(client, app):
    slot = a_slot(grades=("primaria", "secondaria_secondo"))
    activity = slot.programme
    with transaction():
        for row in activity.grade_rows:
            row.text_it = f"per {row.grade.value}"
    a_slot(grades=("infanzia",))
    items = client.get("/api/v1/school/activities?grade=secondaria-2").json["items"]
    assert [(i["id"], i["grades"], i["text"]) for i in items] == [
        (activity.id, ["primaria", "secondaria-2"], "per secondaria_secondo")
    ]
    assert items[0]["title"] == activity.title_it


@pytest.mark.parametrize("query", ["", "?grade=", "?grade=secondaria_primo", "?grade=nido"])
def test_a_missing_or_unknown_grade_is_a_422_problem(client, app, query):
    reply = client.get("/api/v1/school/activities" + query, headers=EN)
    assert reply.status_code == 422 and "secondaria-1" in reply.json["errors"]["grade"][0]


def test_slots_with_the_classes_left(client, app):
    slot = a_slot()
    full = make_slot(
        capacity=1, programme=slot.programme, starts_at=slot.starts_at + timedelta(days=1)
    )
    with transaction():
        full.taken = 1
    later = make_slot(
        capacity=1, programme=slot.programme, starts_at=slot.starts_at + timedelta(days=9)
    )
    reply = client.get(f"/api/v1/school/slots?activity={slot.programme.id}")
    assert [(i["id"], i["classes_left"]) for i in reply.json["items"]] == [
        (slot.id, 1),
        (later.id, 1),
    ]
    assert reply.json["items"][0]["starts_at"].endswith(("+01:00", "+02:00"))
    day = (slot.starts_at + timedelta(days=5)).date().isoformat()
    reply = client.get(f"/api/v1/school/slots?activity={slot.programme.id}&from={day}")
    assert [i["id"] for i in reply.json["items"]] == [later.id]


@pytest.mark.parametrize(
    "query",
    ["activity=x", "", "activity=1&from=nope", "activity=1&to=31/12", "activity=%C2%B2"],  # ²
)
def test_bad_slot_queries_are_a_422_problem(client, app, query):
    a_slot()
    reply = client.get("/api/v1/school/slots?" + query)
    assert reply.status_code == 422 and reply.mimetype == "application/problem+json"


@pytest.mark.parametrize("activity", ["999999", str(2**31), "unpublished"])
def test_an_activity_that_is_not_there_is_a_404_problem(client, app, activity):
    slot = a_slot()
    if activity == "unpublished":
        with transaction():
            slot.programme.published = False
        activity = str(slot.programme.id)
    reply = client.get(f"/api/v1/school/slots?activity={activity}")
    assert reply.status_code == 404 and reply.mimetype == "application/problem+json"


def test_a_booking_is_held_pending_and_the_link_emailed(client, app):
    slot = a_slot()
    reply = client.post("/api/v1/school/bookings", json=body(slot))
    assert reply.status_code == 201, reply.json
    assert reply.json["status"] == "pending" and reply.json["reference"].startswith("SC-")
    assert reply.json["manage_url"].startswith("http://booking.test/prenotazione/")
    booking = db.session.scalars(select(Booking)).one()
    assert email_kinds(booking) == ["confirm_address"] and refreshed(slot).taken == 1
    visit = db.session.get(SchoolVisit, booking.id)
    assert (visit.school_code, visit.grade, visit.years) == ("MIIC8AB00C", GradeLevel.primaria, "3")


def test_a_taken_slot_and_a_school_at_its_limit_are_409_problems(client, app):
    slot = a_slot()
    assert client.post("/api/v1/school/bookings", json=body(slot)).status_code == 201
    taken = client.post(
        "/api/v1/school/bookings", json=body(slot, email="b@scuola.example", class_name="4A")
    )
    assert taken.status_code == 409 and taken.json["code"] == "slot_full"
    app.config["SCHOOL_MAX_BOOKINGS_PER_YEAR"] = 1
    other = make_slot(
        capacity=1, programme=slot.programme, starts_at=slot.starts_at + timedelta(days=1)
    )
    limited = client.post("/api/v1/school/bookings", json=body(other))
    assert limited.status_code == 409 and limited.json["code"] == "school_at_limit"
    assert count(Booking) == 1


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"school_code": "123"}, ["school_code"]),
        ({"grade": "infanzia", "year": 3, "adults": 3}, ["grade"]),
        ({"year": 6}, ["year"]),
        ({"pupils": 29}, ["pupils"]),
        ({"pupils": "24"}, ["pupils"]),
        ({"adults": 1}, ["adults"]),
        ({"privacy_consent": False}, ["privacy_consent"]),
        ({"slot_id": 99999}, ["slot_id"]),
        ({"email": "x", "phone": None}, ["email", "phone"]),
    ],
)
def test_bad_input_is_a_422_problem_per_field_and_nothing_is_stored(client, app, changes, fields):
    slot = a_slot()
    reply = client.post("/api/v1/school/bookings", json=body(slot, **changes))
    assert reply.status_code == 422
    assert sorted(reply.json["errors"]) == sorted(fields)
    assert count(Booking) == 0


def test_the_api_gives_the_same_messages_as_the_page_form(client, app):
    slot = a_slot()
    reply = client.post("/api/v1/school/bookings", json=body(slot, adults=1), headers=EN)
    page = client.post(
        f"/scuole/turni/{slot.id}/prenota?classe=primaria-3",
        data={"pupils": "24", "pupils_with_disabilities": "1", "adults": "1", "grade": "primaria"},
        headers=EN,
    )
    message = reply.json["errors"]["adults"][0]
    assert message.startswith("For 24 pupils at least 2 accompanying adults")
    assert message in page.text


def test_the_openapi_document_has_the_three_routes(client, app):
    document = client.get("/api/v1/openapi.json").json
    validate_openapi(document)
    for path in ("/api/v1/school/activities", "/api/v1/school/slots", "/api/v1/school/bookings"):
        assert path in document["paths"]
    assert document["components"]["schemas"]["GradeLevel"]["enum"] == [
        "infanzia",
        "primaria",
        "secondaria-1",
        "secondaria-2",
    ]
    request = document["components"]["schemas"]["SchoolBookingRequest"]
    assert {"slot_id", "school_code", "year", "pupils", "privacy_consent"} <= set(
        request["required"]
    )
    assert "years" not in request["properties"]


def test_dates_at_the_ends_of_the_calendar_are_bounds_not_errors(client, app):
    slot = a_slot()
    base = f"/api/v1/school/slots?activity={slot.programme.id}"
    # 0001-01-01 in Milan falls before UTC's year 1; 9999-12-31's end after its last day
    assert [i["id"] for i in client.get(base + "&from=0001-01-01").json["items"]] == [slot.id]
    assert client.get(base + "&to=0001-01-01").json["items"] == []
    assert [i["id"] for i in client.get(base + "&to=9999-12-31").json["items"]] == [slot.id]
    assert client.get(base + "&from=9999-12-31T23:00:00-01:00").json["items"] == []


def test_the_document_states_what_a_valid_request_is(client, app):
    document = client.get("/api/v1/openapi.json").json
    slots = document["paths"]["/api/v1/school/slots"]["get"]
    by_name = {p["name"]: p["schema"] for p in slots["parameters"]}
    assert by_name["activity"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert {"type": "string", "format": "date"} in by_name["from"]["anyOf"]
    assert "404" in slots["responses"]
    request = document["components"]["schemas"]["SchoolBookingRequest"]
    assert request["properties"]["privacy_consent"]["const"] is True
    infanzia = next(
        rule
        for rule in request["allOf"]
        if rule["if"]["properties"]["grade"]["const"] == "infanzia"
    )
    assert infanzia["then"]["properties"]["year"]["enum"] == [3, 4, 5]
