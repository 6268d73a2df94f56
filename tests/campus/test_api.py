"""The campus API: the weeks, an enrolment in one go, errors by dotted path naming the child,
409 when the booking window is closed, and its place in the OpenAPI document."""

from __future__ import annotations

import json
from datetime import timedelta

from openapi_spec_validator import validate
from sqlalchemy import select

from centrale_booking.booking.models import Booking
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import CHILD_CF, PARENT_CF, make_edition, wrong_check
from tests.factories import NOON
from tests.helpers import EN


def body(week_ids, **changes):
    data = {
        "week_ids": week_ids,
        "parent": {
            "name": "Mario Rossi",
            "tax_code": PARENT_CF,
            "email": "mario.rossi@example.org",
            "phone": "+39 333 1234567",
        },
        "children": [
            {
                "first_name": "Giulia",
                "last_name": "Rossi",
                "birth_date": "2018-10-01",
                "tax_code": CHILD_CF,
                "allergies": "Arachidi\nanche tracce",
            },
            {"first_name": "Marco", "last_name": "Rossi", "birth_date": "2017-03-03"},
        ],
        "delegates": [{"name": "Mario Rossi", "relationship": "padre", "document": "CA12345AB"}],
        "emergency_contact": {"name": "Luisa Rossi", "phone": "02 123456"},
        "consents": {"privacy": True, "health_data": True},
        "language": "en",
    }
    data.update(changes)
    return data


def test_weeks_list_places_left_and_who_they_are_for(app, client):
    campus = make_edition(weeks=2, capacity=12)
    items = client.get("/api/v1/campus/weeks").get_json()["items"]
    assert [i["id"] for i in items] == [s.id for s in campus.slots]
    first = items[0]
    assert first["places_left"] == 12 and first["audience"] == {"min_age": 6, "max_age": 11}
    assert first["days"][0] == "2026-12-28" and len(first["days"]) == 5
    assert first["starts_at"] == "2026-12-28T08:30:00+01:00"


def test_an_enrolment_of_two_siblings_is_created(app, client):
    campus = make_edition(capacity=12)
    response = client.post("/api/v1/campus/enrolments", json=body([campus.slots[0].id]))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert [(p["child"], p["status"]) for p in answer["places"]] == [
        ("Giulia Rossi", "confirmed"),
        ("Marco Rossi", "confirmed"),
    ]
    assert len(answer["tickets"]) == 2 and answer["tickets"][0]["url"].endswith(
        answer["tickets"][0]["code"]
    )
    assert answer["manage_url"].startswith("http://booking.test/campus/famiglia/")
    assert client.get(answer["pdf_url"].removeprefix("http://booking.test")).status_code == 200


def test_errors_name_the_child_by_dotted_path(app, client):
    campus = make_edition()
    data = body([campus.slots[0].id])
    data["children"][1]["birth_date"] = "2022-01-01"
    data["parent"]["tax_code"] = wrong_check(PARENT_CF)
    response = client.post("/api/v1/campus/enrolments", json=data, headers=EN)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["children.1.birth_date"][0].startswith("Marco: Date of birth: Marco is 4")
    assert "check character" in errors["parent.tax_code"][0]
    assert db.session.scalar(select(db.func.count(Booking.id))) == 0


def test_wrong_types_and_missing_parts_are_told_by_path(app, client):
    campus = make_edition()
    data = body([campus.slots[0].id], parent="Mario", children=[{"first_name": 3}])
    errors = client.post("/api/v1/campus/enrolments", json=data, headers=EN).get_json()["errors"]
    assert "parent" in errors and "children.0.first_name" in errors
    assert "children.0.birth_date" in errors
    assert client.post("/api/v1/campus/enrolments", json=[1]).status_code == 422


def test_a_closed_window_is_a_409_problem(app, client):
    campus = make_edition()
    slot = campus.slots[0]
    with transaction():
        slot.closes_at = NOON - timedelta(days=1)
    response = client.post("/api/v1/campus/enrolments", json=body([slot.id]))
    assert response.status_code == 409
    assert response.get_json()["code"] == "booking_closed"


def test_the_campus_paths_are_in_a_valid_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/api/v1/campus/weeks", "/api/v1/campus/enrolments"} <= set(document["paths"])
    schema = document["components"]["schemas"]["CampusEnrolment"]
    child = schema["properties"]["children"]["items"]["properties"]
    assert child["birth_date"]["format"] == "date"


def test_ids_beyond_any_week_are_refused_as_bad_input_not_looked_up(app, client):
    campus = make_edition()
    for week_ids in ([2**64], [0], [-1], [campus.slots[0].id, 2**31]):
        response = client.post("/api/v1/campus/enrolments", json=body(week_ids), headers=EN)
        assert response.status_code == 422, week_ids
        assert response.get_json()["errors"]["week_ids"] == [
            "Please choose weeks from the list of weeks."
        ]
    too_many = body([campus.slots[0].id] * 21)
    response = client.post("/api/v1/campus/enrolments", json=too_many, headers=EN)
    assert response.get_json()["errors"]["week_ids"] == ["At most 20, please."]
    assert db.session.scalar(select(db.func.count(Booking.id))) == 0


def test_the_weeks_of_one_edition_and_a_bad_edition_number(app, client):
    mine, other = make_edition(weeks=2), make_edition(weeks=1)
    items = client.get(f"/api/v1/campus/weeks?edition={other.id}").get_json()["items"]
    assert [i["id"] for i in items] == [other.slots[0].id]
    assert len(client.get("/api/v1/campus/weeks").get_json()["items"]) == 3
    assert mine.slots[0].id not in [i["id"] for i in items]
    for raw in ("abc", "0", "-3", str(2**31), str(2**70), "", "1.5", "²"):
        response = client.get("/api/v1/campus/weeks", query_string={"edition": raw}, headers=EN)
        assert response.status_code == 422, raw
        assert response.get_json()["errors"] == {
            "edition": ["Please give the number of an edition."]
        }


def test_paths_count_children_from_0_and_messages_name_the_child(app, client):
    campus = make_edition()
    data = body([campus.slots[0].id])
    data["children"][1] = {"last_name": "Rossi", "birth_date": "2017-03-03"}
    errors = client.post("/api/v1/campus/enrolments", json=data, headers=EN).get_json()["errors"]
    assert errors["children.1.first_name"] == ["Child 2: First name: Please give the first name."]
    assert not any(key.startswith("children.0") for key in errors)
    document = client.get("/api/v1/openapi.json").get_json()
    told = document["paths"]["/api/v1/campus/enrolments"]["post"]["responses"]["422"]
    assert "counted from 0" in told["description"]


def test_the_largest_valid_enrolment_fits_and_a_bigger_body_is_a_413(app, client):
    campus = make_edition()
    data = body([campus.slots[0].id])
    notes = {n: "à" * 1000 for n in ("allergies", "medicines", "medical_notes", "support_needs")}
    data["children"] = [
        {"first_name": name, "last_name": "Rossi", "birth_date": "2018-10-01", **notes}
        for name in ("Giulia", "Marco", "Pietro", "Anna")
    ]
    raw = json.dumps(data)  # ensure_ascii: each "à" is written as 6 bytes
    assert len(raw) > 96_000
    response = client.post(
        "/api/v1/campus/enrolments", data=raw, content_type="application/json", headers=EN
    )
    assert response.status_code == 201, response.get_json()
    too_big = json.dumps(body([campus.slots[0].id], padding="x" * 170_000))
    response = client.post(
        "/api/v1/campus/enrolments", data=too_big, content_type="application/json"
    )
    assert response.status_code == 413
