"""The scanner's API: every answer at the door, through HTTP as the desk page sends it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from centrale_booking import clock, links
from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.engine import cancel_booking
from centrale_booking.booking.models import CheckIn, CheckInCount
from centrale_booking.extensions import db, transaction, utcnow
from tests.desk.programmes import book, class_visit, day_camp, today_slot, week_slot
from tests.helpers import EN, sign_in

SCANS = "/api/v1/desk/scans"


@pytest.fixture
def desk(client):
    sign_in(client, Role.desk)
    return client


def scan(client, code, **fields):
    response = client.post(SCANS, json={"code": code, "device": "Desk 1", **fields}, headers=EN)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_good_ticket_is_ok_with_what_it_admits_then_already_used_with_when_where_who(desk):
    [ticket] = book(today_slot(), 2).tickets
    first = scan(desk, links.ticket_url(ticket), scan_id="a")
    assert first["result"] == "ok" and first["headline"] == "OK, come in"
    assert first["message"] == "2 places" and first["ticket"]["admits"] == 2
    again = scan(desk, ticket.code, scan_id="b", device="Desk 2")
    assert again["result"] == "already_used" and again["headline"] == "Already used"
    assert (
        again["previous"]["device"] == "Desk 1"
        and again["previous"]["staff"] == "desk@centrale.test"
    )
    assert "at Desk 1 by desk@centrale.test" in again["message"]
    assert count(CheckIn) == 2


def test_the_same_scan_sent_twice_is_recorded_once_and_answered_the_same(desk):
    [ticket] = book(today_slot()).tickets
    first = scan(desk, ticket.code, scan_id="retry-1")
    retried = scan(desk, ticket.code, scan_id="retry-1")
    assert first["result"] == retried["result"] == "ok"
    assert first["scan"]["id"] == retried["scan"]["id"] and count(CheckIn) == 1


def test_a_ticket_of_another_day_is_wrong_day_with_the_day_it_is_valid(desk):
    slot = today_slot(days=2)
    [ticket] = book(slot).tickets
    answer = scan(desk, ticket.code)
    assert answer["result"] == "wrong_day" and answer["headline"] == "Wrong day"
    assert (
        answer["message"].startswith("Valid on ")
        and slot.starts_at.strftime("%Y") in answer["message"]
    )


def test_a_cancelled_booking_is_cancelled_and_an_unknown_code_unknown(desk):
    booking = book(today_slot())
    with transaction():
        cancel_booking(booking, now=utcnow(), by_staff=True)
    assert scan(desk, booking.tickets[0].code)["result"] == "cancelled"
    unknown = scan(desk, "http://elsewhere.test/t/NoSuchTicketCode123")
    assert unknown["result"] == "unknown" and unknown["ticket"] is None
    assert scan(desk, "not a code at all")["result"] == "unknown"
    assert count(CheckIn) == 1  # the cancelled scan recorded; an unknown code has no ticket


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "code"),
        ({"code": "x" * 301}, "code"),
        ({"code": "abc", "direction": "sideways"}, "direction"),
        ({"code": "abc", "scan_id": "s" * 65}, "scan_id"),
        ({"code": 12}, "code"),
        ({"code": "abc", "scanned_at": "yesterday"}, "scanned_at"),
        ({"code": "abc", "scanned_at": "2020-01-01T10:00:00+01:00"}, "scanned_at"),
    ],
)
def test_bad_input_is_a_problem_with_the_field_and_nothing_recorded(desk, body, field):
    response = desk.post(SCANS, json=body, headers=EN)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert count(CheckIn) == 0


def test_a_body_that_is_not_an_object_is_a_problem(desk):
    response = desk.post(SCANS, data="[1]", content_type="application/json")
    assert response.status_code == 422 and "body" in response.get_json()["errors"]


@pytest.mark.parametrize("role, status", [(None, 401), (Role.education, 403)])
def test_only_the_desk_may_scan(client, role, status):
    [ticket] = book(today_slot()).tickets
    if role is not None:
        sign_in(client, role)
    response = client.post(SCANS, json={"code": ticket.code})
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert client.get("/api/v1/desk/today").status_code == status
    assert count(CheckIn) == 0


def test_an_admin_may_scan(client):
    sign_in(client, Role.admin)
    [ticket] = book(today_slot()).tickets
    assert scan(client, ticket.code)["result"] == "ok"


def test_a_queued_scan_is_recorded_with_its_own_time(desk):
    from datetime import timedelta

    at = utcnow().replace(microsecond=0)
    # the slot on the museum's day of the scan (20 minutes ago: maybe yesterday, at midnight)
    days = (clock.local(at - timedelta(minutes=20)).date() - clock.today()).days
    [ticket] = book(today_slot(days=days)).tickets
    earlier = (at - timedelta(minutes=20)).isoformat()
    answer = scan(desk, ticket.code, scan_id="q1", scanned_at=earlier)
    assert answer["result"] == "ok"
    recorded = db.session.get(CheckIn, answer["scan"]["id"])
    assert recorded.scanned_at == at - timedelta(minutes=20)


# Groups --------------------------------------------------------------------------------------


def test_a_class_ticket_admits_the_class_and_the_desk_records_how_many_came(desk):
    [ticket] = book(today_slot(class_visit()), 1).tickets
    answer = scan(desk, ticket.code)
    assert answer["result"] == "ok" and answer["message"].endswith(
        "24 alunni, 2 docenti, 1 sostegno"
    )
    assert [(h["kind"], h["label"], h["expected"]) for h in answer["headcount"]] == [
        ("pupils", "Pupils", 24),
        ("teachers", "Teachers", 2),
        ("support", "Support teachers", 1),
    ]
    url = f"{SCANS}/{answer['scan']['id']}/counts"
    saved = desk.post(url, json={"arrived": {"pupils": 23}}).get_json()["counts"]
    assert {c["kind"]: (c["expected"], c["arrived"]) for c in saved} == {
        "pupils": (24, 23),
        "teachers": (2, 2),
        "support": (1, 1),
    }
    desk.post(url, json={"arrived": {"pupils": 22, "teachers": 1}})  # corrected
    rows = db.session.scalars(select(CheckInCount).order_by(CheckInCount.kind)).all()
    assert [(r.kind, r.arrived) for r in rows] == [("pupils", 22), ("support", 1), ("teachers", 1)]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"arrived": {"dogs": 2}}, "arrived.dogs"),
        ({"arrived": {"pupils": -1}}, "arrived.pupils"),
        ({"arrived": {"pupils": "23"}}, "arrived.pupils"),
        ({"arrived": {"pupils": True}}, "arrived.pupils"),
        ({"arrived": [23]}, "arrived"),
        ({}, "arrived"),
    ],
)
def test_bad_counts_are_refused_per_field_and_nothing_recorded(desk, body, field):
    [ticket] = book(today_slot(class_visit()), 1).tickets
    answer = scan(desk, ticket.code)
    response = desk.post(f"{SCANS}/{answer['scan']['id']}/counts", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert count(CheckInCount) == 0


def test_counts_only_for_an_admission(desk):
    [ticket] = book(today_slot(class_visit()), 1).tickets
    scan(desk, ticket.code)
    refused = scan(desk, ticket.code)  # already used
    response = desk.post(f"{SCANS}/{refused['scan']['id']}/counts", json={"arrived": {}})
    assert response.status_code == 404
    assert desk.post(f"{SCANS}/999999/counts", json={"arrived": {}}).status_code == 404


# Families and the campus ---------------------------------------------------------------------


def family(names=("Giulia Rossi", "Marco Rossi", "Sara Rossi")):
    slot = week_slot(day_camp())
    return book(slot, len(names), details={"children": list(names)}).tickets


def test_scanning_one_child_offers_the_brothers_and_sisters_in_one_step(desk):
    giulia, marco, sara = family()
    answer = scan(desk, giulia.code)
    assert answer["result"] == "ok" and answer["message"] == "Giulia R., 8 anni — allergie: sì"
    assert [(c["name"], c["ready"]) for c in answer["companions"]] == [
        ("Marco R.", True),
        ("Sara R.", True),
    ]
    scan(desk, marco.code, direction="in")
    again = scan(desk, sara.code)
    assert [(c["name"], c["ready"]) for c in again["companions"]] == [
        ("Giulia R.", False),
        ("Marco R.", False),
    ]


def test_a_campus_scan_toggles_in_and_out_and_records_who_collected(desk):
    giulia, _marco, _sara = family()
    assert scan(desk, giulia.code, scan_id="1")["direction"] == "in"
    out = scan(desk, giulia.code, scan_id="2")
    assert out["result"] == "choose_collector" and out["scan"] is None
    assert [c["name"] for c in out["collectors"]] == ["Anna Rossi", "Luca Verdi"]
    assert out["may_leave_alone"] is False
    assert "CA1234567" not in str(out)  # the document opens on purpose only
    done = scan(desk, giulia.code, scan_id="3", direction="out", collector="Luca Verdi")
    assert done["result"] == "ok" and done["headline"] == "Checked out"
    assert done["message"] == "Giulia R. collected by Luca Verdi."
    assert db.session.get(CheckIn, done["scan"]["id"]).collected_by == "Luca Verdi"
    back = scan(desk, giulia.code, scan_id="4")  # the same day, back in
    assert back["direction"] == "in" and back["result"] == "ok"


def test_a_check_out_by_someone_not_listed_is_refused_and_leaving_alone_only_if_allowed(desk):
    giulia, alone = family(("Giulia Rossi", "Teo Alone"))
    scan(desk, giulia.code, scan_id="1")
    scan(desk, alone.code, scan_id="2")
    for collector in ("A Stranger", "(alone)"):
        response = desk.post(
            SCANS, json={"code": giulia.code, "direction": "out", "collector": collector}
        )
        assert response.status_code == 422 and "collector" in response.get_json()["errors"]
    out = scan(desk, alone.code, scan_id="3")
    assert out["may_leave_alone"] is True
    done = scan(desk, alone.code, scan_id="4", direction="out", collector=out["left_alone"])
    assert done["message"] == "Teo A. left on their own."


def test_a_child_not_inside_cannot_be_checked_out(desk):
    giulia, *_ = family()
    answer = scan(desk, giulia.code, direction="out", collector="Anna Rossi")
    assert answer["result"] == "not_checked_in"


# Search, today, details ------------------------------------------------------------------------


def test_search_by_reference_or_name_shows_only_what_the_door_needs(desk):
    booking = book(today_slot(), 2, name="Mario Bianchi")
    by_name = desk.get("/api/v1/desk/search?q=bianchi").get_json()["items"]
    by_reference = desk.get(f"/api/v1/desk/search?q={booking.reference.lower()}").get_json()
    assert (
        [t["name"] for t in by_name] == ["Mario B."] == [t["name"] for t in by_reference["items"]]
    )
    assert "Bianchi" not in str(by_name) and booking.contact_email not in str(by_name)
    assert desk.get("/api/v1/desk/search?q=nobody").get_json()["items"] == []
    assert desk.get("/api/v1/desk/search?q=").get_json()["items"] == []


def test_today_lists_every_ticket_expected_with_live_counts(desk):
    slot = today_slot()
    first = book(slot, 2).tickets[0]
    book(slot, 3)
    book(today_slot(days=1), 1)  # tomorrow: not on today's list
    scan(desk, first.code)
    [item] = desk.get("/api/v1/desk/today").get_json()["items"]
    assert (item["expected"], item["arrived"]) == (5, 2)
    assert sorted(t["state"] for t in item["tickets"]) == ["expected", "inside"]


def test_opening_a_tickets_details_is_on_purpose_and_audited(desk):
    booking = book(today_slot(), 1, name="Mario Bianchi")
    code = booking.tickets[0].code
    assert desk.get(f"/staff/desk/biglietti/{code}").status_code == 405
    page = desk.post(f"/staff/desk/biglietti/{code}", headers=EN)
    assert page.status_code == 200 and booking.contact_email in page.text
    [entry] = db.session.scalars(select(AuditLog)).all()
    assert entry.action == "desk.ticket_details" and entry.details["reference"] == booking.reference
    assert desk.post("/staff/desk/biglietti/nosuchcode123", headers=EN).status_code == 404


def test_the_desk_pages_are_for_the_desk(client):
    assert client.get("/staff/desk/").status_code == 302  # to the login page
    sign_in(client, Role.education)
    assert client.get("/staff/desk/").status_code == 403


def test_the_scanner_and_the_board_open_for_the_desk(desk):
    book(today_slot(), 2, name="Mario Bianchi")
    assert desk.get("/staff/desk/").status_code == 200
    board = desk.get("/staff/desk/oggi", headers=EN)
    assert board.status_code == 200 and "Mario B." in board.text and "Bianchi" not in board.text


def test_the_desk_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/desk/scans", "/api/v1/desk/today", "/api/v1/desk/search"):
        assert path in paths


def test_the_demo_gives_the_desk_something_to_scan_today_once(desk, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # the same day: nothing more
    items = desk.get("/api/v1/desk/today", headers=EN).get_json()["items"]
    [demo] = [i for i in items if i["programme"] == "Water concert (front desk demo)"]
    assert len(demo["tickets"]) == 8 and demo["expected"] == 16
    assert scan(desk, demo["tickets"][0]["code"])["result"] == "ok"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_scan_without_the_pages_csrf_token_is_refused_as_a_problem(desk, app_config):
    [ticket] = book(today_slot()).tickets
    response = desk.post(SCANS, json={"code": ticket.code})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert count(CheckIn) == 0


# Device tokens ---------------------------------------------------------------------------------


def test_a_device_token_made_once_scans_without_a_session_until_revoked(client, runner):
    [ticket] = book(today_slot()).tickets
    made = runner.invoke(args=["tokens", "create", "Tablet ingresso"])
    assert made.exit_code == 0
    token = made.output.strip().splitlines()[-1]
    from centrale_booking.auth.models import DeviceToken

    [device] = db.session.scalars(select(DeviceToken)).all()
    assert token not in device.token_hash and len(device.token_hash) == 64  # stored hashed
    headers = {"Authorization": f"Bearer {token}", **EN}
    answer = client.post(SCANS, json={"code": ticket.code}, headers=headers).get_json()
    assert answer["result"] == "ok" and answer["scan"]["device"] == "Tablet ingresso"
    assert client.get("/api/v1/desk/today", headers=headers).status_code == 200
    assert runner.invoke(args=["tokens", "create", "Tablet ingresso"]).exit_code != 0
    assert runner.invoke(args=["tokens", "revoke", "Tablet ingresso"]).exit_code == 0
    refused = client.post(SCANS, json={"code": ticket.code}, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["code"] == "bad_token"
    wrong = client.post(SCANS, json={"code": ticket.code}, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    assert count(CheckIn) == 1


def test_an_admin_makes_a_device_token_on_the_staff_page_sees_it_once_and_revokes_it(client):
    from centrale_booking.auth.models import DeviceToken

    sign_in(client, Role.admin)
    page = client.post("/staff/desk/dispositivi/", data={"name": "Tablet 2"}, headers=EN)
    assert page.status_code == 200 and "copy it now" in page.text
    [device] = db.session.scalars(select(DeviceToken)).all()
    again = client.post("/staff/desk/dispositivi/", data={"name": "Tablet 2"}, headers=EN)
    assert "already has a token" in again.text and count(DeviceToken) == 1
    empty = client.post("/staff/desk/dispositivi/", data={"name": ""}, headers=EN)
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    assert count(DeviceToken) == 1
    revoked = client.post(f"/staff/desk/dispositivi/{device.id}/revoca")
    assert revoked.status_code == 303
    db.session.refresh(device)
    assert device.revoked_at is not None


def test_only_admins_manage_device_tokens(client):
    sign_in(client, Role.desk)
    assert client.get("/staff/desk/dispositivi/").status_code == 403


def test_today_and_search_take_a_language_and_refuse_an_unknown_one(desk):
    book(today_slot(), 2, name="Mario Bianchi")
    [item] = desk.get("/api/v1/desk/today?lang=it").get_json()["items"]
    assert item["tickets"][0]["label"] == "2 posti"
    for url in ("/api/v1/desk/today?lang=fr", "/api/v1/desk/search?q=mario&lang=fr"):
        response = desk.get(url)
        assert response.status_code == 422 and "lang" in response.get_json()["errors"]
