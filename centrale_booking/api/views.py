"""The API's URLs. Thin, like the pages: read the input, call the programme's service, answer.
Refusals of the engine (BookingError) become 409/422 problems in errors.py."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from ..booking.engine import sweep_expired_holds
from ..booking.models import Slot
from ..errors import problem
from ..events.models import Event
from ..events.service import Registration, register
from ..extensions import csrf, db, limiter, transaction, utcnow
from ..i18n import current_language
from .forms import InvalidInput, calendar_query, validated_registration
from .openapi import document
from .serialize import booking_created, event_item

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies authorise anything here: nothing for a forged request to use

MAX_BODY_BYTES = 16 * 1024  # a registration is a few hundred bytes


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


def _booking_rate_limit() -> str:
    return current_app.config["API_BOOKING_RATE_LIMIT"]


@bp.post("/events/<int:event_id>/bookings")
@limiter.limit(_booking_rate_limit)
def create_booking(event_id: int):
    """Register for an event: confirmed with tickets, or on the waiting list."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    body = request.get_json(force=True, silent=True)
    with transaction():
        event = db.session.get(Event, event_id)
        if event is None or not event.published or not event.slots:
            raise NotFound()
        form = validated_registration(
            body, language=current_language(), booking_limit=event.slot.booking_limit
        )
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
    answer = booking_created(booking, booking.tickets)
    response = jsonify(answer)
    response.status_code = 201
    response.headers["Location"] = answer["manage_url"]
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app.config["BASE_URL"]))
