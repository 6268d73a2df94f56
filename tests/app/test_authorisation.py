"""Who may do what: every route of the app, read from its URL map, asked by an anonymous visitor,
a desk, an education and an admin staff member, each answer checked against MATRIX below.

A route that is not in MATRIX fails test_every_route_is_in_the_matrix, and so does a row of
MATRIX that no route answers any more: a route added later (a programme's page, the desk's
API) cannot be forgotten.

To add a route: add a row `(method, endpoint): answers`, where the answers are one of the
shapes below (`public(200)`, `staff(Role.education, 200)` …) or a tuple of four answers, for
anonymous, desk, education and admin in that order. An answer is a status code, or LOGIN
(redirected to the login page). If the route has a URL argument that ARGUMENTS does not know
yet, add it there (what a real request would carry: an existing id, a valid token); if the
request needs a body, add it to BODIES. Give the answer the route should give, not the one it
happens to give: a wrong role must never see a staff page (403), an anonymous visitor must
be sent to sign in (LOGIN), and a public page must answer everyone alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from werkzeug.routing import Rule

from centrale_booking.auth.models import Role
from centrale_booking.booking.engine import request_booking
from centrale_booking.events.models import EventSeries
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import newsletter_token
from centrale_booking.pictures import store
from tests.factories import a_contact, make_event, make_school_slot, make_slot
from tests.helpers import sign_in

LOGIN = "redirected to the login page"
ROLES = (None, Role.desk, Role.education, Role.admin)  # None: an anonymous visitor
Answers = tuple[int | str, int | str, int | str, int | str]

# Role.admin is always allowed; each staff role sees its own pages and those of no other.
RANK = {Role.desk: (Role.desk,), Role.education: (Role.education,), Role.admin: ()}


def public(answer: int | str) -> Answers:
    """The same answer for everyone, signed in or not."""
    return (answer,) * 4


def staff(role: Role, answer: int | str, *, others: int | str = 403) -> Answers:
    """For `role` and admin: `answer`; other staff: 403; anonymous visitors: the login page."""
    return tuple(
        LOGIN if r is None else answer if r in (role, Role.admin) else others for r in ROLES
    )


def signed_in(answer: int | str) -> Answers:
    """Any staff member: `answer`; anonymous visitors: the login page."""
    return (LOGIN, answer, answer, answer)


MATRIX: dict[tuple[str, str], Answers] = {
    # Public pages
    ("GET", "public.home"): public(200),
    ("GET", "public.privacy"): public(200),
    ("GET", "public.set_language"): public(303),
    ("GET", "public.healthz"): public(200),
    ("GET", "static"): public(200),
    ("GET", "events.index"): public(200),
    ("GET", "events.show"): public(200),
    ("GET", "events.book"): public(303),  # to the form on the event's page
    ("POST", "events.book"): public(303),  # booked: to the manage page
    ("GET", "events.event_file"): public(200),
    ("GET", "events.image"): public(200),  # an uploaded picture
    ("GET", "events_feed.feed"): public(200),
    # The manage link and the ticket: the token is the authorisation, whoever is signed in
    ("GET", "manage.manage"): public(200),
    ("GET", "manage.cancel"): public(200),  # the confirmation step
    ("POST", "manage.cancel"): public(303),
    ("POST", "manage.accept_offer"): public(303),  # nothing offered: back, with a message
    ("POST", "manage.change_places"): public(303),
    ("GET", "manage.confirmation_pdf"): public(200),
    ("GET", "manage.calendar_file"): public(200),
    ("GET", "manage.ticket"): public(200),
    # A lost link: sent again by email; a cut one leads there (404, with the form)
    ("GET", "manage.find_bookings"): public(200),
    ("POST", "manage.find_bookings"): public(200),  # the same answer, known or not
    ("GET", "manage.link_cut"): public(404),
    # The newsletter's confirmation: the signed link emailed to the address is the authorisation
    ("GET", "manage.newsletter"): public(200),
    ("POST", "manage.newsletter"): public(200),
    # The JSON API: no cookie authorises anything there
    ("GET", "api.openapi"): public(200),
    ("GET", "events_api.list_events"): public(200),
    ("POST", "events_api.create_booking"): public(201),
    # Staff login
    ("GET", "auth.login"): (200, 303, 303, 303),  # signed in already: on to the staff area
    ("POST", "auth.login"): (200, 303, 303, 303),  # an empty form: its errors
    ("POST", "auth.logout"): public(303),
    ("GET", "auth.welcome"): signed_in(200),
    # Events' back office: education staff and admins
    ("GET", "events_staff.events"): staff(Role.education, 200),
    ("GET", "events_staff.new_event"): staff(Role.education, 200),
    ("POST", "events_staff.new_event"): staff(Role.education, 422),  # an empty form
    ("GET", "events_staff.series"): staff(Role.education, 200),
    ("POST", "events_staff.series"): staff(Role.education, 422),  # an empty form
    ("GET", "events_staff.event"): staff(Role.education, 200),
    ("GET", "events_staff.edit_event"): staff(Role.education, 200),
    ("POST", "events_staff.edit_event"): staff(Role.education, 422),  # an empty form
    ("POST", "events_staff.publish"): staff(Role.education, 303),
    ("GET", "events_staff.unpublish"): staff(Role.education, 200),  # asks, changes nothing
    ("POST", "events_staff.unpublish"): staff(Role.education, 200),  # people booked: asks first
    ("GET", "events_staff.edit_series"): staff(Role.education, 200),
    ("POST", "events_staff.edit_series"): staff(Role.education, 422),  # an empty form
    ("GET", "events_staff.phone_booking"): staff(Role.education, 200),
    ("POST", "events_staff.phone_booking"): staff(Role.education, 422),  # an empty form
    ("GET", "events_staff.cancel_booking"): staff(Role.education, 200),  # the confirmation step
    ("POST", "events_staff.cancel_booking"): staff(Role.education, 303),
    ("POST", "events_staff.resend_confirmation"): staff(Role.education, 303),
    ("POST", "events_staff.change_seats"): staff(Role.education, 303),
    ("GET", "events_staff.write"): staff(Role.education, 200),  # the message's form
    ("POST", "events_staff.write"): staff(Role.education, 422),  # an empty form
    ("GET", "events_staff.cancel"): staff(Role.education, 200),  # the confirmation step
    ("POST", "events_staff.cancel"): staff(Role.education, 303),  # confirmed: cancelled
    ("GET", "events_staff.attendees_export"): staff(Role.education, 200),
    # The emails that did not leave: administrators only
    ("GET", "emails_staff.emails"): staff(Role.admin, 200),
    ("POST", "emails_staff.send_again"): staff(Role.admin, 404),  # no such email
    # The front desk: the desk and admins; its API answers problems, never the login page
    ("GET", "desk.scanner"): staff(Role.desk, 200),
    ("GET", "desk.board"): staff(Role.desk, 200),
    ("GET", "desk.service_worker"): staff(Role.desk, 200),
    ("POST", "desk.details"): staff(Role.desk, 200),  # opened on purpose (audited)
    ("GET", "desk_devices.devices"): staff(Role.admin, 200),
    ("POST", "desk_devices.devices"): staff(Role.admin, 422),  # an empty form
    ("POST", "desk_devices.revoke_device"): staff(Role.admin, 404),  # no such device
    ("POST", "desk_api.scans"): (401, 422, 403, 422),  # an empty body
    ("POST", "desk_api.counts"): (401, 422, 403, 422),  # an empty body
    ("POST", "desk_api.walk_ins"): (401, 422, 403, 422),  # an empty body
    ("POST", "checkins_api.checkins"): (401, 422, 403, 422),  # an empty body
    ("GET", "desk_api.today"): (401, 200, 403, 200),
    ("GET", "desk_figures.figures"): staff(Role.education, 200),
    ("GET", "desk_api.search"): (401, 200, 403, 200),
    # School visits: the teachers' pages (a booking's own answers: tests/schools/)
    ("GET", "schools.index"): public(200),
    ("GET", "schools.activities"): public(303),  # no class chosen: back to the first step
    ("GET", "schools.activity"): public(303),  # no class chosen: back to the first step
    ("GET", "schools.book"): public(200),
    ("POST", "schools.book"): public(422),  # an empty form
    ("GET", "schools.pending"): public(404),  # the reference of an event's booking
    ("POST", "schools.confirm"): public(404),  # the token of an event's booking
    ("GET", "schools.reconfirm"): public(404),
    ("POST", "schools.reconfirm"): public(404),
    ("GET", "schools.numbers"): public(404),
    ("POST", "schools.numbers"): public(404),
    ("GET", "schools.school_lookup"): public(404),  # a code not in the registry
    ("GET", "schools.image"): public(404),  # an event's picture, not an activity's
    ("GET", "schools_api.list_activities"): public(422),  # no grade asked
    ("GET", "schools_api.list_slots"): public(422),  # no activity asked
    ("POST", "schools_api.create_booking"): public(422),  # an empty body
    # Schools' back office: education staff and admins
    ("GET", "schools_staff.schedule"): staff(Role.education, 200),
    ("GET", "schools_staff.schedule_pdf"): staff(Role.education, 200),
    ("GET", "schools_staff.bookings"): staff(Role.education, 200),
    ("GET", "schools_staff.slot_helper"): staff(Role.education, 200),
    ("POST", "schools_staff.slot_helper"): staff(Role.education, 200),  # the form, its errors
    ("GET", "schools_staff.activity_slots"): staff(Role.education, 200),
    ("GET", "schools_staff.edit_slot"): staff(Role.education, 200),
    ("POST", "schools_staff.edit_slot"): staff(Role.education, 422),  # an empty form
    ("GET", "schools_staff.cancel_slot"): staff(Role.education, 200),
    # no count of the classes shown: asked again, nothing cancelled
    ("POST", "schools_staff.cancel_slot"): staff(Role.education, 422),
    ("POST", "schools_staff.no_show"): staff(Role.education, 404),  # an event's booking
    ("GET", "schools_staff.activities"): staff(Role.education, 200),
    ("GET", "schools_staff.new_activity"): staff(Role.education, 200),
    ("POST", "schools_staff.new_activity"): staff(Role.education, 422),  # an empty form
    ("GET", "schools_staff.edit_activity"): staff(Role.education, 200),
    ("POST", "schools_staff.edit_activity"): staff(Role.education, 422),  # an empty form
    ("GET", "schools_staff.school_years"): staff(Role.education, 200),
    ("POST", "schools_staff.school_years"): staff(Role.education, 422),  # an empty form
    # The family campus: the families' pages (an enrolment's own answers: tests/campus/)
    ("GET", "campus.index"): public(200),
    ("GET", "campus.show"): public(404),  # no such edition
    ("GET", "campus.enrol"): public(404),
    ("POST", "campus.enrol"): public(404),
    ("GET", "campus.family"): public(404),  # the token of an event's booking
    ("POST", "campus.accept"): public(404),
    ("POST", "campus.health"): public(404),
    ("POST", "campus.one_off"): public(404),
    ("POST", "campus.withdraw"): public(404),
    ("GET", "campus_api.list_weeks"): public(200),
    ("POST", "campus_api.create_enrolment"): public(422),  # an empty body
    # The campus at the desk (desk and admins) and in the back office (education and admins)
    ("GET", "campus_desk.still_here"): staff(Role.desk, 404),  # a school's slot, not a week
    ("POST", "campus_desk.health_detail"): staff(Role.desk, 404),
    ("GET", "campus_staff.weeks"): staff(Role.education, 200),
    ("GET", "campus_staff.new_edition"): staff(Role.education, 200),
    ("POST", "campus_staff.new_edition"): staff(Role.education, 422),  # an empty form
    ("GET", "campus_staff.edit_edition"): staff(Role.education, 404),  # an event, not a campus
    ("POST", "campus_staff.edit_edition"): staff(Role.education, 404),
    ("POST", "campus_staff.publish_edition"): staff(Role.education, 404),
    ("POST", "campus_staff.unpublish_edition"): staff(Role.education, 404),
    ("GET", "campus_staff.unpublish_edition"): staff(Role.education, 404),
    ("GET", "campus.withdraw"): public(404),
    ("GET", "campus_staff.register"): staff(Role.education, 404),  # a school's slot
    ("GET", "campus_staff.register_pdf"): staff(Role.education, 404),
}


@dataclass
class World:
    """What the URL arguments point at: made anew for each request, so that no request
    changes what the next one finds."""

    event_id: int
    activity_id: int
    school_slot_id: int
    booking_id: int
    reference: str
    token: str
    code: str
    series_id: int
    image: str
    newsletter: str  # the signed link of the newsletter confirmation


def a_world() -> World:
    event = make_event(max_per_booking=4)
    slot = make_slot(capacity=20, programme=event, starts_at=utcnow() + timedelta(days=10))
    with transaction():
        booking = request_booking(slot, 2, a_contact(), now=utcnow())
        series = EventSeries(events=[db.session.merge(event)])  # a weekly series of one date
        db.session.add(series)
    image = store(b"\xff\xd8 a stored picture")  # what store() keeps: its random name
    school_slot = make_school_slot(starts_at=utcnow() + timedelta(days=10))
    return World(
        event_id=event.id,
        activity_id=school_slot.programme_id,
        school_slot_id=school_slot.id,
        booking_id=booking.id,
        reference=booking.reference,
        token=booking.manage_token,
        code=booking.tickets[0].code,
        series_id=series.id,
        image=image.removeprefix("uploads/"),
        newsletter=newsletter_token(booking),
    )


ARGUMENTS = {
    "event_id": lambda world: world.event_id,
    "activity_id": lambda world: world.activity_id,
    "slot_id": lambda world: world.school_slot_id,
    "booking_id": lambda world: world.booking_id,
    "reference": lambda world: world.reference,
    "token": lambda world: world.token,
    "code": lambda world: world.code,
    "signed": lambda world: world.newsletter,
    "language": lambda world: "en",
    "filename": lambda world: "css/centrale.css",
    "device_id": lambda world: 2**31 - 1,  # no such device token
    "message_id": lambda world: 2**31 - 1,  # no such email
    "scan_id": lambda world: 2**31 - 1,  # no such scan
    "series_id": lambda world: world.series_id,
    "name": lambda world: world.image,
    "campus_id": lambda world: world.event_id,  # an event, not a campus edition
    "child_id": lambda world: 2**31 - 1,
    "place_id": lambda world: 2**31 - 1,
}

BODIES = {
    ("POST", "events.book"): {
        "data": {"name": "Anna Rossi", "email": "anna@example.org", "seats": "1"}
        | {"privacy_consent": "y"}
    },
    ("POST", "manage.change_places"): {"data": {"quantity": "1"}},
    ("POST", "manage.cancel"): {"data": {"confirm": "y"}},
    ("POST", "manage.accept_offer"): {"data": {"confirm": "y"}},
    ("POST", "manage.find_bookings"): {"data": {"email": "anna@example.org"}},
    ("POST", "events_staff.change_seats"): {"data": {"seats": "2"}},
    ("POST", "events_staff.cancel"): {"data": {"reason_it": "Il relatore è malato."}},
    ("POST", "schools_api.create_booking"): {"json": {}},  # JSON, else 415 before any check
    ("POST", "campus_api.create_enrolment"): {"json": {}},
    ("POST", "desk_api.scans"): {"json": {}},
    ("POST", "desk_api.counts"): {"json": {}},
    ("POST", "desk_api.walk_ins"): {"json": {}},
    ("POST", "checkins_api.checkins"): {"json": {}},
    ("POST", "events_api.create_booking"): {
        "json": {
            "name": "Giulia Bianchi",
            "email": "giulia@example.org",
            "seats": 1,
            "privacy_consent": True,
        }
    },
}


def routes(app) -> dict[tuple[str, str], Rule]:
    return {
        (method, rule.endpoint): rule
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }


def path_of(app, rule: Rule, world: World) -> str:
    unknown = rule.arguments - ARGUMENTS.keys()
    assert not unknown, f"{rule.rule}: add {sorted(unknown)} to ARGUMENTS"
    values = {name: ARGUMENTS[name](world) for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def missing_from_matrix(app) -> list[tuple[str, str]]:
    return sorted(routes(app).keys() - MATRIX.keys())


def test_every_route_is_in_the_matrix(app):
    assert missing_from_matrix(app) == [], "routes missing from MATRIX (see its docstring)"
    stale = sorted(MATRIX.keys() - routes(app).keys())
    assert stale == [], "rows of MATRIX that no route answers any more"


def test_a_route_added_later_is_seen_missing(app):
    app.add_url_rule("/staff/scuole/", "schools_staff.slots", lambda: "", methods=["GET", "POST"])
    assert missing_from_matrix(app) == [
        ("GET", "schools_staff.slots"),
        ("POST", "schools_staff.slots"),
    ]


def answer_of(response) -> int | str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/staff/login?next="):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("who", ROLES, ids=["anonymous", "desk", "education", "admin"])
def test_each_route_answers_each_role_as_the_matrix_says(client, app, who):
    if who is not None:
        sign_in(client, who)
    column = ROLES.index(who)
    # Signing out last: after it, the client would be anonymous.
    order = sorted(routes(app).items(), key=lambda item: item[0] == ("POST", "auth.logout"))
    wrong = []
    for (method, endpoint), rule in order:
        path = path_of(app, rule, a_world())
        response = client.open(path, method=method, **BODIES.get((method, endpoint), {}))
        expected, got = MATRIX[method, endpoint][column], answer_of(response)
        if got != expected:
            wrong.append(f"{method} {path} ({endpoint}): expected {expected}, got {got}")
    assert wrong == []


def test_the_shapes_say_what_they_mean():
    assert staff(Role.education, 200) == (LOGIN, 403, 200, 200)
    assert staff(Role.desk, 200) == (LOGIN, 200, 403, 200)
    assert staff(Role.admin, 200) == (LOGIN, 403, 403, 200)
    assert signed_in(200) == (LOGIN, 200, 200, 200)
