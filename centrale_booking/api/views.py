"""The API's URLs. Thin, like the pages: read the input, call the programme's service, answer.
Refusals of the engine (BookingError) become 409/422 problems in errors.py."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from ..booking.engine import sweep_expired_holds
from ..booking.models import Slot, Ticket
from ..errors import problem
from ..events.models import Event
from ..events.service import Registration, register
from ..extensions import csrf, db, limiter, transaction, utcnow
from ..i18n import current_language
from .forms import InvalidInput, RegistrationInput, calendar_query
from .openapi import document
from .serialize import booking_created, event_item

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies authorise anything here: nothing for a forged request to use

MAX_BODY_BYTES = 16 * 1024  # a registration is a few hundred bytes
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; a larger one is no id: 404


@bp.errorhandler(InvalidInput)
def invalid_input(exc: InvalidInput):
    return problem(
        422, "invalid_input", _("Please correct the fields listed in errors."), exc.errors
    )


@bp.get("/events")
def list_events():
    """The published events, with the seats left, in time order."""
    now = utcnow()
    query = calendar_query(request.args, now=now)
    language = query["lang"] or current_language()
    statement = (
        select(Event, Slot)
        .join(Slot, Slot.programme_id == Event.id)
        .where(Event.published.is_(True))
        .order_by(Slot.starts_at, Event.id)
    )
    if query["starts_from"] is not None:
        statement = statement.where(Slot.starts_at >= query["starts_from"])
    if query.get("ends_after") is not None:
        statement = statement.where(Slot.ends_at > query["ends_after"])
    if query["starts_before"] is not None:
        statement = statement.where(Slot.starts_at < query["starts_before"])
    if query["category"] is not None:
        statement = statement.where(Event.category == query["category"])
    rows = db.session.execute(statement).all()
    for _event, slot in rows:
        if slot.cancelled_at is None and slot.ends_at > now:
            sweep_expired_holds(slot, now=now)  # lapsed offers give their seats back first
    items = [event_item(event, slot, language=language, now=now) for event, slot in rows]
    return jsonify(items=items)


# Built once: building a statement costs more Python than running it (as in the engine).
_EVENT_AND_SLOT = (
    select(Event).options(joinedload(Event.slots)).where(Event.id == bindparam("event_id"))
)
_TICKETS = (
    select(Ticket.code, Ticket.admits)
    .where(Ticket.booking_id == bindparam("booking_id"))
    .order_by(Ticket.id)
)


def _booking_rate_limit() -> str:
    return current_app.config["API_BOOKING_RATE_LIMIT"]


@bp.post(f"/events/<int(max={MAX_ID}):event_id>/bookings")
@limiter.limit(_booking_rate_limit)
def create_booking(event_id: int):
    """Register for an event: confirmed with tickets, or on the waiting list."""
    registration = RegistrationInput(_json_body(), language=current_language)
    with transaction():
        # The event and its slot in one query, inside the writing transaction: read before
        # it, they would be read again once it starts (see transaction()).
        event = db.session.scalars(_EVENT_AND_SLOT, {"event_id": event_id}).first()
        if event is None or not event.published or not event.slots:
            raise NotFound()
        form = registration.validated(booking_limit=event.slot.booking_limit)
        booking = register(
            event,
            Registration(
                name=form.name.data,
                email=form.email.data,
                seats=form.seats.data,
                language=form.language.data,
                newsletter_consent=form.newsletter_consent.data,
            ),
            now=utcnow(),
        )
    # Read after the commit, not before it: until then the slot's row stays locked on
    # PostgreSQL (the engine holds the places last) and SQLite's writers wait their turn.
    tickets = db.session.execute(_TICKETS, {"booking_id": booking.id}).all()
    answer = booking_created(booking, tickets)
    response = current_app.response_class(
        json.dumps(answer), status=201, mimetype="application/json"
    )
    response.headers["Location"] = answer["manage_url"]
    return response


def _json_body():
    """The body parsed as JSON whatever its content type, or None when it is not JSON."""
    request.max_content_length = MAX_BODY_BYTES  # 413 beyond, with a length given or not
    data = request.get_data(cache=False)
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond measure
        return None


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app.config["BASE_URL"]))
