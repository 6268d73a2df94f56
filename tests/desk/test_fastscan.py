"""The check-in's hot path (booking/fastscan.py): a plain ticket's scan answered from one
SELECT and one INSERT run through the driver, with the very answers and records of the full
path, on both databases; what it does not take goes the full path, unchanged."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from centrale_booking import links
from centrale_booking.auth.models import DeviceToken, Role
from centrale_booking.booking import fastscan
from centrale_booking.booking.engine import Contact, book_walk_in, cancel_booking
from centrale_booking.booking.models import CheckIn
from centrale_booking.desk.tokens import create_token
from centrale_booking.extensions import db, transaction, utcnow
from tests.booking.test_race import race, race_app, unexpected  # noqa: F401 (a fixture)
from tests.desk.programmes import book, class_visit, today_slot
from tests.desk.test_walk_ins import started_slot
from tests.factories import make_event
from tests.helpers import EN, sign_in

CHECKINS = "/api/v1/checkins"


@pytest.fixture
def device(client):
    """A device token's headers (the hot path's usual caller)."""
    token = create_token("Tablet ingresso", Role.desk)
    return {"Authorization": f"Bearer {token}", **EN}


@contextmanager
def through_sqlalchemy():
    """The statements the block sends through SQLAlchemy (the hot path sends none: its own go
    straight to the driver)."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def scan(client, headers, code, **fields):
    response = client.post(CHECKINS, json={"code": code, **fields}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def scans_of(ticket) -> list[CheckIn]:
    return db.session.scalars(
        select(CheckIn).where(CheckIn.ticket_id == ticket.id).order_by(CheckIn.id)
    ).all()


def comparable(answer: dict, ticket) -> dict:
    """The answer without what differs between two tickets of one slot or two scans."""
    text = repr(answer).replace(ticket.code, "<code>").replace(ticket.booking.reference, "<ref>")
    answer = eval(text)  # noqa: S307 (our own repr of JSON values)
    for scan_item in (answer["scan"], answer["previous"]):
        if scan_item:
            scan_item.pop("id"), scan_item.pop("at")
    return answer


def test_a_plain_ticket_is_answered_by_the_hot_path_ok_then_already_used(client, device):
    slot = today_slot()
    [ticket] = book(slot, 2).tickets
    url, code = links.ticket_url(ticket), ticket.code
    scan(client, device, "warm-up-no-such-code")  # the device's token read once
    with through_sqlalchemy() as sent:
        first = scan(client, device, url, scan_id="s-1")
    assert sent == []  # nothing of the full path ran
    assert first["result"] == "ok" and first["message"] == "2 places"
    assert first["ticket"]["code"] == code and first["ticket"]["admits"] == 2
    assert first["scan"]["device"] == "Tablet ingresso" and first["companions"] == []
    with through_sqlalchemy() as sent:
        again = scan(client, device, code, scan_id="s-2")
    assert sent == []
    assert again["result"] == "already_used" and again["headline"] == "Already used"
    assert again["previous"]["id"] == first["scan"]["id"]
    assert again["previous"]["at"] == first["scan"]["at"]
    assert again["message"].endswith("at Tablet ingresso.")
    assert [(c.result, c.client_scan_id) for c in scans_of(ticket)] == [
        ("ok", "s-1"),
        ("already_used", "s-2"),
    ]


def test_the_same_scan_id_twice_is_recorded_once_and_answered_alike(client, device):
    [ticket] = book(today_slot()).tickets
    first = scan(client, device, ticket.code, scan_id="retry-1")
    retried = scan(client, device, ticket.code, scan_id="retry-1")
    assert first["result"] == retried["result"] == "ok"
    assert first["scan"]["id"] == retried["scan"]["id"]
    assert len(scans_of(ticket)) == 1


def answers_of_both_paths(app, client, headers, situation):
    """The answer of each path to the same situation, each on a ticket of its own (of one
    programme, for one name), and the rows each recorded."""
    programme = make_event()
    found = {}
    for fast in (True, False):
        app.config["DESK_FAST_SCANS"] = fast
        ticket, code, fields = situation(programme, "fast" if fast else "full")
        answer = scan(client, headers, code, **fields)
        rows = [(c.result, c.direction, c.device_name, c.staff_user_id) for c in scans_of(ticket)]
        found[fast] = (comparable(answer, ticket), rows)
    app.config["DESK_FAST_SCANS"] = True
    return found[True], found[False]


def _used_ticket(client, headers):
    def situation(programme, path):
        [ticket] = book(today_slot(programme), name="Giulia Maria Rossi").tickets
        scan(client, headers, ticket.code, scan_id=f"{path}-first")
        return ticket, ticket.code, {"scan_id": f"{path}-second"}

    return situation


def _ticket_of(slot_days=0, cancelled=False, seats=1):
    def situation(programme, path):
        slot = today_slot(programme, days=slot_days)
        booking = book(slot, seats, name="Giulia Maria Rossi")
        if cancelled:
            with transaction():
                cancel_booking(booking, now=utcnow(), by_staff=True)
        ticket = booking.tickets[0]
        return ticket, links.ticket_url(ticket), {"scan_id": f"{path}-only"}

    return situation


@pytest.mark.parametrize("signed_in", [False, True], ids=["device", "staff session"])
@pytest.mark.parametrize("case", ["ok", "already_used", "wrong_day", "cancelled"])
def test_the_hot_path_answers_and_records_as_the_full_path_does(app, client, case, signed_in):
    if signed_in:
        sign_in(client, Role.desk)
        headers = EN
    else:
        headers = {"Authorization": f"Bearer {create_token('Desk 1', Role.desk)}", **EN}
    situation = {
        "ok": _ticket_of(seats=3),
        "already_used": _used_ticket(client, headers),
        "wrong_day": _ticket_of(slot_days=2),
        "cancelled": _ticket_of(cancelled=True),
    }[case]
    fast, full = answers_of_both_paths(app, client, headers, situation)
    assert fast == full
    assert fast[0]["result"] == case


def test_the_answer_speaks_the_requests_language(client, device):
    [ticket] = book(today_slot(), 2).tickets
    answer = scan(client, device | {"Accept-Language": "it"}, ticket.code)
    assert answer["headline"] == "OK, può entrare" and answer["message"] == "2 posti"
    assert answer["ticket"]["programme"] == ticket.booking.slot.programme.title_it


def test_what_the_hot_path_does_not_take_goes_the_full_path(client, device):
    code = book(today_slot()).tickets[0].code
    group = book(today_slot(class_visit())).tickets[0].code
    scan(client, device, "warm-up-no-such-code")
    for scanned, fields in [
        ("NoSuchTicketCode12345", {}),  # unknown: a code a programme may resolve itself
        (group, {}),  # a class: its headcount
        (code, {"count": 1}),  # a count
        (code, {"direction": "out"}),  # a check-out
        (f" {code}", {}),  # what the form trims
    ]:
        with through_sqlalchemy() as sent:
            answer = scan(client, device, scanned, **fields)
        assert sent, scanned
    assert answer["result"] == "already_used"  # the trimmed code, by the full path
    assert scan(client, device, group)["headcount"] is not None


def test_bad_input_is_still_the_forms_problem(client, device):
    for body, field in [({"code": ""}, "code"), ({"code": "abc", "scan_id": "s" * 65}, "scan_id")]:
        response = client.post(CHECKINS, json=body, headers=device)
        assert response.status_code == 422 and field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def scan_in_at(code, desk_number, scan_id):
    with transaction():
        recorded = fastscan.scan_in(
            code,
            staff_id=None,
            scan_id=scan_id,
            device=f"Desk {desk_number}",
            now=utcnow(),
            release_after=timedelta(minutes=10),
        )
    return None if recorded is None else recorded.result


def test_two_desks_at_once_one_ok_and_the_others_already_used(app, race_app):  # noqa: F811
    [ticket] = book(today_slot()).tickets
    code = ticket.code

    def scan_at(desk_number):
        return scan_in_at(code, desk_number, f"scan-{desk_number}")

    outcomes = race(race_app, range(4), lambda n: n, scan_at)
    assert unexpected(outcomes) == []
    assert sorted(outcomes.results) == ["already_used"] * 3 + ["ok"]
    assert sorted(c.result for c in scans_of(ticket)) == sorted(outcomes.results)


def test_one_scan_sent_twice_at_once_is_recorded_once(app, race_app):  # noqa: F811
    [ticket] = book(today_slot()).tickets
    code = ticket.code

    def scan_at(_copy):
        return scan_in_at(code, 1, "the-one")

    outcomes = race(race_app, range(2), lambda n: n, scan_at)
    assert unexpected(outcomes) == []
    # One recorded it; the other wrote nothing and leaves the answer to the full path,
    # which answers it as recorded (test_the_same_scan_id_twice_...).
    assert sorted(outcomes.results, key=str) == [None, "ok"]
    assert [c.result for c in scans_of(ticket)] == ["ok"]


@pytest.fixture
def app_config_quick_recheck(app_config):
    app_config["DESK_TOKEN_RECHECK_SECONDS"] = 0.5
    return app_config


def test_a_token_revoked_elsewhere_opens_nothing_within_seconds(
    app_config_quick_recheck, client, device
):
    [ticket] = book(today_slot()).tickets
    assert scan(client, device, ticket.code)["result"] == "ok"
    with transaction():  # revoked by another process: this one has the token in mind
        db.session.execute(update(DeviceToken).values(revoked_at=utcnow()))
    deadline = time.monotonic() + 5
    while (status := client.post(CHECKINS, json={"code": "x"}, headers=device).status_code) == 200:
        assert time.monotonic() < deadline, "the revoked token still opens the API"
        time.sleep(0.1)
    assert status == 401


def test_a_token_revoked_on_the_staff_page_opens_nothing_at_once(client, device):
    [ticket] = book(today_slot()).tickets
    assert scan(client, device, ticket.code)["result"] == "ok"
    sign_in(client, Role.admin)
    [device_id] = db.session.scalars(select(DeviceToken.id)).all()
    client.post(f"/staff/desk/dispositivi/{device_id}/revoca")
    assert client.post(CHECKINS, json={"code": "x"}, headers=device).status_code == 401


def test_walk_ins_on_the_slot_send_its_scans_the_full_path(client, device):
    slot = started_slot(capacity=2)  # an hour ago: the seats nobody claimed may have gone
    [ticket] = book(slot).tickets
    sign_in(client, Role.desk)
    walk_in = client.post("/api/v1/desk/walk-ins", json={"slot_id": slot.id, "seats": 2})
    assert walk_in.status_code == 200, walk_in.get_json()
    with through_sqlalchemy() as sent:
        answer = scan(client, device, ticket.code)
    assert sent and answer["result"] == "no_seats_left"


def test_a_walk_in_since_cancelled_sends_the_scans_the_full_path_which_lets_them_in(client, device):
    # The hot path asks only whether anyone was booked from the start on; whether that
    # booking still holds the seats is the full path's to weigh.
    slot = started_slot(capacity=3)
    [ticket] = book(slot).tickets
    with transaction():
        walk_in = book_walk_in(
            slot, 1, Contact("Walk-in", ""), now=utcnow(), release_after=timedelta(0)
        )
    with transaction():
        cancel_booking(walk_in, now=utcnow(), by_staff=True)
    with through_sqlalchemy() as sent:
        answer = scan(client, device, ticket.code)
    assert sent, "the full path's statements"
    assert answer["result"] == "ok"
    assert [s.result for s in scans_of(ticket)] == ["ok"]
