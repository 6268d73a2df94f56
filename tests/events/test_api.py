"""The JSON API v1: the events calendar, registering for an event, and the OpenAPI document,
through HTTP as the museum's website and integrators use them."""

import io
import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import func, select

from centrale_booking.booking.engine import cancel_booking
from centrale_booking.booking.models import Booking, Slot, Ticket, WaitlistMode
from centrale_booking.booking.states import BookingStatus
from centrale_booking.events.models import Category, EventFormat
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import make_activity, make_event, make_slot

S = BookingStatus
PROBLEM = "application/problem+json"


def an_event(capacity=10, *, starts_in=timedelta(days=10), **fields):
    slot_fields = {
        k: fields.pop(k) for k in ("opens_at", "closes_at", "cancelled_at") if k in fields
    }
    event = make_event(**fields)
    make_slot(capacity=capacity, programme=event, starts_at=utcnow() + starts_in, **slot_fields)
    return event


_people = itertools.count(1)


def registration(**fields):
    return {
        "name": "Giulia Bianchi",
        "email": f"giulia{next(_people)}@example.org",  # one booking per address and date
        "seats": 1,
        "language": "it",
        "privacy_consent": True,
        **fields,
    }


def book(client, event, headers=None, environ_base=None, **fields):
    return client.post(
        f"/api/v1/events/{event.id}/bookings",
        json=registration(**fields),
        headers=headers,
        environ_base=environ_base or {},
    )


def stored_bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def stored_messages() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def taken(event) -> int:
    return db.session.scalar(select(Slot.taken).where(Slot.programme_id == event.id))


def booking_of(reply) -> Booking:
    booking = db.session.scalar(select(Booking).where(Booking.reference == reply.json["reference"]))
    db.session.refresh(booking)
    return booking


def assert_problem(reply, status, code):
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert reply.mimetype == PROBLEM
    body = reply.json
    assert body["status"] == status and body["code"] == code
    assert body["title"] and body["detail"] and body["type"]
    return body


# The calendar --------------------------------------------------------------------------------


def test_the_calendar_lists_published_events_with_the_seats_left(client, app):
    event = an_event(
        capacity=30,
        title_it="Acqua e città",
        title_en="Water and the city",
        category=Category.concert,
        format=EventFormat.both,
        room="Sala delle pompe",
        partners="Politecnico di Milano",
        stream_url="https://example.org/live",
        max_per_booking=6,
    )
    an_event(published=False)
    assert book(client, event, seats=4).status_code == 201

    reply = client.get("/api/v1/events")
    assert reply.status_code == 200 and reply.mimetype == "application/json"
    (item,) = reply.json["items"]
    assert item["id"] == event.id and item["slug"] == event.slug
    assert item["seats_left"] == 26 and item["max_per_booking"] == 6
    assert item["title"] == "Acqua e città"  # Italian by default
    assert (item["title_it"], item["title_en"]) == ("Acqua e città", "Water and the city")
    assert (item["category"], item["format"]) == ("concert", "both")
    assert (item["room"], item["partners"]) == ("Sala delle pompe", "Politecnico di Milano")
    assert item["stream_url"] == "https://example.org/live"
    assert item["booking_open"] is True and item["cancelled"] is False
    assert item["waiting_list"] is True
    assert item["url"] == f"http://booking.test/eventi/{event.id}"


def test_the_title_follows_accept_language_and_the_lang_parameter(client, app):
    an_event(title_it="Acqua e città", title_en="Water and the city")
    english = client.get("/api/v1/events", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.json["items"][0]["title"] == "Water and the city"
    chosen = client.get("/api/v1/events?lang=it", headers={"Accept-Language": "en"})
    assert chosen.json["items"][0]["title"] == "Acqua e città"
    assert client.get("/api/v1/events?lang=en").json["items"][0]["title"] == "Water and the city"


def test_an_english_title_left_empty_falls_back_to_italian(client, app):
    an_event(title_it="Solo in italiano", title_en="")
    assert client.get("/api/v1/events?lang=en").json["items"][0]["title"] == "Solo in italiano"


@pytest.mark.parametrize(
    ("starts", "local"),
    [
        (datetime(2027, 1, 14, 17, 30, tzinfo=UTC), "2027-01-14T18:30:00+01:00"),  # winter
        (datetime(2027, 7, 14, 16, 30, tzinfo=UTC), "2027-07-14T18:30:00+02:00"),  # summer
    ],
)
def test_times_are_milan_time_with_the_offset_of_the_season(client, app, starts, local):
    event = make_event()
    make_slot(programme=event, starts_at=starts)
    (item,) = client.get("/api/v1/events").json["items"]
    assert item["starts_at"] == local
    assert datetime.fromisoformat(item["ends_at"]) == starts + timedelta(hours=2)


def test_the_calendar_filters_by_dates_and_category(client, app):
    def at(day, hour_utc=17, **fields):
        event = make_event(**fields)
        make_slot(programme=event, starts_at=datetime(*day, hour_utc, tzinfo=UTC))
        return event.id

    march_1 = at((2027, 3, 1))
    march_31_late = at((2027, 3, 31), 21, category=Category.workshop)  # 23:00 in Milan
    april_1_early = at((2027, 3, 31), 22)  # 00:00 on 1 April in Milan (+02:00)

    def ids(query):
        reply = client.get("/api/v1/events" + query)
        assert reply.status_code == 200, reply.json
        return [item["id"] for item in reply.json["items"]]

    assert ids("?from=2027-03-01&to=2027-03-31") == [march_1, march_31_late]
    assert ids("?from=2027-03-02") == [march_31_late, april_1_early]
    assert ids("?from=2027-03-01&category=workshop") == [march_31_late]
    assert ids("?from=2027-03-31T23:00:00%2B02:00") == [march_31_late, april_1_early]
    assert ids("?from=2027-03-31T23:30:00+02:00") == [april_1_early]  # "+" sent unescaped
    assert ids("?from=2027-03-31T22:00:00Z") == [april_1_early]
    assert ids("?to=2030-01-01") == [march_1, march_31_late, april_1_early]


def test_ended_events_are_left_out_unless_asked_for(client, app):
    past = make_event()
    make_slot(programme=past, starts_at=utcnow() - timedelta(days=3))
    coming = an_event()
    assert [i["id"] for i in client.get("/api/v1/events").json["items"]] == [coming.id]
    since = (utcnow() - timedelta(days=5)).date().isoformat()
    listed = client.get(f"/api/v1/events?from={since}").json["items"]
    assert [i["id"] for i in listed] == [past.id, coming.id]
    assert listed[0]["booking_open"] is False


def test_the_calendar_says_when_booking_is_not_open(client, app):
    soon = an_event(opens_at=utcnow() + timedelta(days=1))
    closed = an_event(closes_at=utcnow() - timedelta(hours=1))
    cancelled = an_event(cancelled_at=utcnow())
    no_list = an_event(waitlist_mode=WaitlistMode.none)
    items = {i["id"]: i for i in client.get("/api/v1/events").json["items"]}
    assert items[soon.id]["booking_open"] is False and items[soon.id]["cancelled"] is False
    assert items[closed.id]["booking_open"] is False
    assert items[cancelled.id]["booking_open"] is False and items[cancelled.id]["cancelled"]
    assert items[no_list.id]["waiting_list"] is False


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("?from=yesterday", {"from"}),
        ("?to=2027-02-30", {"to"}),
        ("?from=2027-03-02&to=2027-03-01", {"to"}),
        ("?category=opera", {"category"}),
        ("?lang=de", {"lang"}),
        ("?from=x&to=y&category=z", {"from", "to", "category"}),
        ("?to=9999-12-31", {"to"}),  # beyond the last day there is
        ("?from=0001-01-01T00:00:00%2B14:00", {"from"}),  # before the first instant
    ],
)
def test_bad_calendar_parameters_are_a_422_problem_per_field(client, app, query, fields):
    body = assert_problem(client.get("/api/v1/events" + query), 422, "invalid_input")
    assert set(body["errors"]) == fields
    assert all(isinstance(m, str) and m for ms in body["errors"].values() for m in ms)


# Registering ---------------------------------------------------------------------------------


def test_a_registration_is_confirmed_with_tickets_and_links(client, app):
    event = an_event(capacity=10)
    reply = book(client, event, seats=3, newsletter_consent=True)
    assert reply.status_code == 201 and reply.mimetype == "application/json"
    body = reply.json
    booking = booking_of(reply)
    manage = f"http://booking.test/prenotazione/{booking.reference}/{booking.manage_token}"
    assert body["reference"] == booking.reference and re.fullmatch(r"EV-\w{6}", body["reference"])
    assert (body["status"], body["seats"]) == ("confirmed", 3)
    assert reply.headers["Location"] == body["manage_url"] == manage
    assert body["pdf_url"] == manage + "/conferma.pdf"
    assert body["ics_url"] == manage + "/prenotazione.ics"
    (ticket,) = body["tickets"]
    assert ticket["admits"] == 3 and ticket["url"] == f"http://booking.test/t/{ticket['code']}"
    assert db.session.scalar(select(Ticket.booking_id).where(Ticket.code == ticket["code"])) == (
        booking.id
    )
    assert booking.status is S.confirmed and booking.quantity == 3 and taken(event) == 3
    assert booking.contact_email.startswith("giulia") and booking.language == "it"
    assert booking.privacy_consent_at is not None and booking.newsletter_consent is True
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.booking_id == booking.id)
    ).all()
    # queued with the booking, sent later by the worker; the newsletter asked, to be confirmed
    assert kinds == ["confirmation", "newsletter_confirm"]


def test_a_streaming_only_registration_has_no_ticket(client, app):
    reply = book(client, an_event(format=EventFormat.streaming))
    assert reply.status_code == 201 and reply.json["tickets"] == []


def test_the_language_comes_from_accept_language_when_not_given(client, app):
    event = an_event()
    body = registration()
    del body["language"]
    reply = client.post(
        f"/api/v1/events/{event.id}/bookings", json=body, headers={"Accept-Language": "en"}
    )
    assert reply.status_code == 201 and booking_of(reply).language == "en"
    reply = client.post(
        f"/api/v1/events/{event.id}/bookings", json=registration() | {"language": None}
    )
    assert booking_of(reply).language == "it"
    english = book(client, event, language="en", headers={"Accept-Language": "it"})
    assert booking_of(english).language == "en"


def test_full_then_waitlisted_then_promoted_when_someone_cancels(client, app):
    event = an_event(capacity=3, waitlist_mode=WaitlistMode.confirm)
    first = book(client, event, seats=2)
    second = book(client, event, seats=1)
    assert [first.json["status"], second.json["status"]] == ["confirmed", "confirmed"]
    assert client.get("/api/v1/events").json["items"][0]["seats_left"] == 0

    late = book(client, event, seats=2)
    assert late.status_code == 201
    assert late.json["status"] == "waitlisted" and late.json["tickets"] == []
    assert taken(event) == 3 and booking_of(late).status is S.waitlisted

    with transaction():
        cancel_booking(booking_of(first), now=utcnow())
    promoted = booking_of(late)
    assert promoted.status is S.confirmed and taken(event) == 3
    assert len(promoted.tickets) == 1 and promoted.tickets[0].admits == 2
    assert client.get("/api/v1/events").json["items"][0]["seats_left"] == 0


def test_a_full_event_without_a_waiting_list_refuses_and_stores_nothing(client, app):
    event = an_event(capacity=2, waitlist_mode=WaitlistMode.none)
    assert book(client, event, seats=2).status_code == 201
    bookings, messages = stored_bookings(), stored_messages()
    assert_problem(book(client, event, seats=1), 409, "slot_full")
    assert (stored_bookings(), stored_messages(), taken(event)) == (bookings, messages, 2)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"closes_at": timedelta(hours=-1)}, "booking_closed"),
        ({"opens_at": timedelta(days=1)}, "booking_not_open"),
        ({"cancelled_at": timedelta(0)}, "slot_cancelled"),
        ({"starts_in": timedelta(hours=-1)}, "booking_closed"),  # started an hour ago
    ],
)
def test_an_event_not_bookable_now_is_a_409_problem_and_nothing_is_stored(
    client, app, fields, code
):
    when = {k: utcnow() + v for k, v in fields.items() if k != "starts_in"}
    event = an_event(starts_in=fields.get("starts_in", timedelta(days=10)), **when)
    body = assert_problem(book(client, event), 409, code)
    assert body["detail"]
    assert (stored_bookings(), stored_messages(), taken(event)) == (0, 0, 0)


def test_refusals_speak_the_language_of_the_request(client, app):
    event = an_event(closes_at=utcnow() - timedelta(hours=1))
    italian = book(client, event).json["detail"]
    english = book(client, event, headers={"Accept-Language": "en"}).json["detail"]
    assert english == "Booking for this date is closed."
    assert italian != english


def test_an_unknown_or_unpublished_event_is_a_404_problem(client, app):
    hidden = an_event(published=False)
    assert_problem(book(client, hidden), 404, "http_404")
    assert_problem(
        client.post("/api/v1/events/999999/bookings", json=registration()), 404, "http_404"
    )
    activity = make_activity(slug="laboratorio", title_it="Laboratorio", title_en="Lab")
    make_slot(programme=activity, starts_at=utcnow() + timedelta(days=5))
    assert_problem(book(client, activity), 404, "http_404")  # not an event
    beyond_any_id = "/api/v1/events/99999999999999999999/bookings"
    assert_problem(client.post(beyond_any_id, json=registration()), 404, "http_404")
    assert stored_bookings() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "email", "seats", "privacy_consent"}),
        (registration(name="A"), {"name"}),
        (registration(email="not-an-address"), {"email"}),
        (registration(seats=0), {"seats"}),
        (registration(seats=5), {"seats"}),  # the event's maximum is 4
        (registration(privacy_consent=False), {"privacy_consent"}),
        (registration(language="de"), {"language"}),
        (registration(seats="2"), {"seats"}),
        (registration(seats=2.5), {"seats"}),
        (registration(seats=True), {"seats"}),
        (registration(name=["Giulia"], email={"a": 1}), {"name", "email"}),
        (registration(privacy_consent="yes"), {"privacy_consent"}),
        (registration(newsletter_consent=1), {"newsletter_consent"}),
        (registration(language=1), {"language"}),
        (registration(name="Giulia\x00Bianchi"), {"name"}),  # PostgreSQL cannot store a NUL
        (registration(name="Giulia \ud800"), {"name"}),  # valid JSON, no character: no 500
        (registration(email="giulia@example.org\n"), {"email"}),
        ([registration()], {"body"}),
        ("a string", {"body"}),
        (None, {"body"}),
    ],
)
def test_bad_input_is_a_422_problem_per_field_and_nothing_is_stored(client, app, body, fields):
    event = an_event()
    reply = client.post(
        f"/api/v1/events/{event.id}/bookings",
        data=json.dumps(body),
        content_type="application/json",
    )
    problem = assert_problem(reply, 422, "invalid_input")
    assert set(problem["errors"]) == fields
    assert all(isinstance(m, str) and m for ms in problem["errors"].values() for m in ms)
    assert (stored_bookings(), stored_messages(), taken(event)) == (0, 0, 0)


def test_an_address_our_mail_cannot_reach_is_refused_with_its_reason(client, app):
    event = an_event()
    reply = book(client, event, headers={"Accept-Language": "en"}, **registration(email="jü@x.it"))
    problem = assert_problem(reply, 422, "invalid_input")
    assert problem["errors"] == {
        "email": [
            "Please write the address without accented or special letters: "
            "our mail cannot reach it."
        ]
    }
    assert (stored_bookings(), stored_messages()) == (0, 0)


def test_the_api_gives_the_same_messages_as_the_page_form(client, app):
    event = an_event(max_per_booking=2)
    bad = registration(name="A", email="nope", seats=3, privacy_consent=False)
    errors = book(client, event, headers={"Accept-Language": "en"}, **bad).json["errors"]
    assert errors == {
        "name": ["Between 2 and 120 characters, please."],
        "email": ["This email address does not look right."],
        "seats": ["Between 1 and 2 places."],
        "privacy_consent": ["We can only take the booking with your consent."],
    }


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"name": "Giulia", ', "application/json"),
        ("", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        ("[" * 10_000 + "]" * 4_000, "application/json"),  # nested too deep to parse
    ],
)
def test_a_body_that_is_not_json_is_a_422_problem(client, app, data, content_type):
    event = an_event()
    reply = client.post(
        f"/api/v1/events/{event.id}/bookings",
        data=data,
        content_type=content_type,
        headers={"Accept-Language": "en"},
    )
    assert assert_problem(reply, 422, "invalid_input")["errors"] == {
        "body": ["The body must be a JSON object."]
    }
    assert stored_bookings() == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",  # what a cross-site <form enctype="text/plain"> sends
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_a_body_not_declared_json_is_refused_415_and_books_nothing(client, app, content_type):
    event = an_event()
    body = json.dumps(registration(newsletter_consent=True))
    headers = {"Accept-Language": "en"}
    if content_type:
        headers["Content-Type"] = content_type
    reply = client.post(f"/api/v1/events/{event.id}/bookings", data=body, headers=headers)
    assert assert_problem(reply, 415, "http_415")["detail"] == (
        "Please send the body as JSON, with the type application/json."
    )
    assert stored_bookings() == 0 and stored_messages() == 0


def test_json_with_a_charset_is_json(client, app):
    event = an_event()
    reply = client.post(
        f"/api/v1/events/{event.id}/bookings",
        data=json.dumps(registration()),
        content_type="application/json; charset=utf-8",
    )
    assert reply.status_code == 201


def chunked_post(client, event, body: bytes):
    # No Content-Length, as with Transfer-Encoding: chunked; the server (gunicorn, werkzeug's)
    # de-chunks and says so with wsgi.input_terminated.
    return client.post(
        f"/api/v1/events/{event.id}/bookings",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413_not_422(client, app):
    event = an_event()
    reply = chunked_post(client, event, json.dumps(registration(name="G" * 20_000)).encode())
    assert_problem(reply, 413, "http_413")
    assert stored_bookings() == 0


def test_a_chunked_body_within_the_limit_books(client, app):
    event = an_event()
    reply = chunked_post(client, event, json.dumps(registration()).encode())
    assert reply.status_code == 201, reply.json


def test_an_oversized_body_is_refused(client, app):
    event = an_event()
    reply = book(client, event, name="G" * 20_000)
    assert_problem(reply, 413, "http_413")
    assert stored_bookings() == 0


def test_other_methods_and_paths_are_problems_too(client, app):
    event = an_event()
    assert_problem(client.get(f"/api/v1/events/{event.id}/bookings"), 405, "http_405")
    assert_problem(client.get("/api/v1/nothing-here"), 404, "http_404")
    assert_problem(client.post("/api/v1/events"), 405, "http_405")


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_no_csrf_token_is_needed(csrf_on, client, app):
    assert app.config["WTF_CSRF_ENABLED"]
    assert book(client, an_event()).status_code == 201


@pytest.fixture
def low_rate_limit(app_config):
    app_config["BOOKING_RATE_LIMIT"] = "2 per minute"


def test_bookings_are_rate_limited_per_address(low_rate_limit, client, app):
    event = an_event()
    assert [book(client, event).status_code for _ in range(2)] == [201, 201]
    body = assert_problem(book(client, event), 429, "http_429")
    assert body["detail"]
    refused = book(client, event)
    assert int(refused.headers["Retry-After"]) > 0
    elsewhere = client.post(
        f"/api/v1/events/{event.id}/bookings",
        json=registration(),
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert elsewhere.status_code == 201  # another address has its own allowance
    assert stored_bookings() == 3
    assert client.get("/api/v1/events").status_code == 200  # reading is not limited


# The OpenAPI document ------------------------------------------------------------------------


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule)


def test_the_openapi_document_is_valid_and_describes_every_route(client, app):
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200
    document = json.loads(reply.get_data(as_text=True))
    validate_openapi(document)  # OpenAPI 3.1, by openapi-spec-validator
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://booking.test"}]
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(routes) >= 3
    for rule in routes:
        path = _openapi_path(rule.rule)
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (method, path)


def _validator(document, name):
    schema = {**document["components"]["schemas"][name], "components": document["components"]}
    return Draft202012Validator(schema)  # its $refs point into the document's components


def test_the_answers_match_the_schemas_of_the_document(client, app):
    document = client.get("/api/v1/openapi.json").json
    event = an_event(capacity=1)
    created = book(client, event)
    waitlisted = book(client, event)
    invalid = book(client, event, seats=0)
    listing = client.get("/api/v1/events")
    _validator(document, "BookingRequest").validate(registration())
    for reply in (created, waitlisted):
        _validator(document, "BookingCreated").validate(reply.json)
    for item in listing.json["items"]:
        _validator(document, "Event").validate(item)
    _validator(document, "Problem").validate(invalid.json)


def test_a_streaming_only_event_takes_one_registration_through_the_api_as_on_the_page(client, app):
    event = an_event(format=EventFormat.streaming, stream_url="https://stream.example.org/x")
    refused = assert_problem(book(client, event, seats=3), 422, "invalid_input")
    assert list(refused["errors"]) == ["seats"] and stored_bookings() == 0
    listed = client.get("/api/v1/events").json["items"]
    assert [item["max_per_booking"] for item in listed] == [1]
    reply = book(client, event, seats=1)
    assert reply.status_code == 201 and reply.json["seats"] == 1 and reply.json["tickets"] == []


def test_booking_twice_with_one_address_is_a_409_and_the_link_goes_by_email(client, app):
    event = an_event(capacity=50)
    first = book(client, event, email="giulia@example.org", seats=4)
    assert first.status_code == 201
    again = book(
        client, event, email="GIULIA@example.org", seats=4, headers={"Accept-Language": "en"}
    )
    body = assert_problem(again, 409, "already_booked")
    assert body["detail"].startswith("You already have a booking for this date.")
    assert first.json["manage_url"] not in again.get_data(as_text=True)
    assert "Location" not in again.headers
    assert (stored_bookings(), taken(event)) == (1, 4)
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["confirmation", "link_again"]


def test_the_form_and_the_api_share_one_limit_per_address(low_rate_limit, client, app):
    event = an_event()
    page = client.post(
        f"/eventi/{event.id}/prenota",
        data={
            "name": "Anna Rossi",
            "email": "anna@example.org",
            "seats": 1,
            "privacy_consent": "y",
        },
    )
    assert page.status_code == 303
    assert book(client, event).status_code == 201
    assert_problem(book(client, event), 429, "http_429")
    refused_page = client.post(
        f"/eventi/{event.id}/prenota",
        data={
            "name": "Anna Rossi",
            "email": "anna2@example.org",
            "seats": 1,
            "privacy_consent": "y",
        },
    )
    assert refused_page.status_code == 429
    assert stored_bookings() == 2


@pytest.mark.parametrize("app_config", [{"BOOKING_RATE_LIMIT_PER_EMAIL": "2 per hour"}])
def test_one_email_address_is_limited_from_any_client(client, app):
    events = [an_event() for _ in range(3)]
    answers = [
        book(
            client, event, email="giulia@example.org", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
        ).status_code
        for n, event in enumerate(events)
    ]
    assert answers == [201, 201, 429]


@pytest.mark.parametrize("app_config", [{"BOOKING_RATE_LIMIT_PER_EVENT": "3 per minute"}])
def test_one_event_is_limited_whoever_asks(client, app):
    event, other = an_event(capacity=50), an_event()
    answers = [
        book(client, event, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
        for n in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    assert book(client, other).status_code == 201


def test_the_limits_are_counted_where_every_worker_counts(app, tmp_path):
    # Two apps on one storage file, as two gunicorn workers of one machine: one count.
    from centrale_booking import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "LOG_REQUESTS": False,
        "BOOKING_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": f"sqlitefile://{tmp_path / 'limits.db'}",
        "WTF_CSRF_ENABLED": False,
    }
    workers = [create_app(config), create_app(config)]
    event = an_event(capacity=50)
    answers = []
    for n in range(4):
        with workers[n % 2].test_client() as worker:
            answers.append(book(worker, event).status_code)
    assert answers == [201, 201, 201, 429]
    assert (tmp_path / "limits.db").stat().st_mode & 0o777 == 0o600


def test_a_201_carries_no_retry_after(client, app):
    reply = book(client, an_event())
    assert reply.status_code == 201 and "Retry-After" not in reply.headers


def _booking_request_schema(client):
    document = client.get("/api/v1/openapi.json").json
    return document, document["components"]["schemas"]["BookingRequest"]


def test_the_document_says_what_the_server_takes_for_a_booking(client, app):
    document, schema = _booking_request_schema(client)
    properties = schema["properties"]
    assert properties["privacy_consent"]["const"] is True
    assert properties["newsletter_consent"]["type"] == ["boolean", "null"]
    validator = Draft202012Validator(schema)
    event = an_event(capacity=50)
    for body, accepted in [
        (registration(newsletter_consent=None), True),  # null: left out, as declared
        (registration(privacy_consent=False), False),
        (registration(privacy_consent=None), False),
    ]:
        assert validator.is_valid(body) is accepted, body
        reply = client.post(f"/api/v1/events/{event.id}/bookings", json=body)
        assert (reply.status_code == 201) is accepted, (body, reply.json)


def test_the_calendar_query_is_described_as_dates_and_an_empty_one_refused(client, app):
    document = client.get("/api/v1/openapi.json").json
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/events"]["get"]["parameters"]}
    for name in ("from", "to"):
        formats = [s.get("format") for s in parameters[name]["schema"]["anyOf"]]
        assert "date" in formats and "date-time" in formats
    for name in ("category", "lang", "from", "to"):
        reply = client.get("/api/v1/events", query_string={name: ""})
        assert set(assert_problem(reply, 422, "invalid_input")["errors"]) == {name}
