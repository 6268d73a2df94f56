"""The events' API routes (registered by events/__init__.py under /api/v1/events). Thin, like
the pages: read the input, call the events service, answer. Refusals of the engine
(BookingError) become 409/422 problems in errors.py; bad input, InvalidInput, a 422 problem
with per-field messages."""

from __future__ import annotations

import json

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from wtforms import StringField
from wtforms.validators import AnyOf, InputRequired

from ..api import json_body
from ..api.forms import FormInput, InvalidInput, parse_moment
from ..booking.engine import sweep_expired_holds
from ..booking.models import Slot, Ticket
from ..clock import museum_zone
from ..extensions import db, transaction, utcnow
from ..i18n import current_language
from ..ratelimits import hit_booking_limits
from .forms import EventRegistrationForm
from .models import Category, Event
from .serialize import booking_created, event_item
from .service import Registration, register


class ApiRegistrationForm(EventRegistrationForm):
    """The page's registration form, plus the language the booking's emails speak (on the
    page, the language of the page)."""

    once = None  # the page's one-time token: an API client is answered at once, no Back

    language = StringField(
        _l("Language"),
        validators=[
            InputRequired(_l('Please choose the language: "it" or "en".')),
            AnyOf(("it", "en"), message=_l('Please choose the language: "it" or "en".')),
        ],
    )


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


def create_booking(event_id: int):
    """Register for an event: confirmed with tickets, or on the waiting list."""
    registration = FormInput(
        ApiRegistrationForm, json_body(), defaults={"language": current_language}
    )
    email = registration.form.email.data if registration.form else None
    hit_booking_limits(event_id, email if isinstance(email, str) else "")  # the page's too
    with transaction():
        # The event and its slot in one query, inside the writing transaction: read before
        # it, they would be read again once it starts (see transaction()).
        event = db.session.scalars(_EVENT_AND_SLOT, {"event_id": event_id}).first()
        if event is None or not event.published or not event.slots:
            raise NotFound()
        form = registration.validated(recheck=lambda form: _limit_seats(form, event))
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


def _limit_seats(form: ApiRegistrationForm, event: Event):
    if form.seats.errors:
        return []
    form.limit_seats(event.slot.booking_limit)
    return [form.seats]


# --- The events calendar's query ------------------------------------------------------------


def calendar_query(args: MultiDict, *, now) -> dict:
    """from, to (a date or a date and time, in Milan's time unless an offset is given),
    category and lang, checked. `from` is inclusive; a date as `to` includes its whole day."""
    errors: dict[str, list[str]] = {}
    zone = museum_zone()
    query: dict = {"starts_from": None, "starts_before": None, "category": None, "lang": None}
    for name, key, end_of_day in (("from", "starts_from", False), ("to", "starts_before", True)):
        raw = args.get(name)
        if raw is None:
            continue
        moment = parse_moment(raw, zone, end_of_day=end_of_day)
        if moment is None:
            errors[name] = [
                _("Please give a date (2026-12-01) or a date and time (2026-12-01T18:00+01:00).")
            ]
        else:
            query[key] = moment
    if (
        query["starts_from"]
        and query["starts_before"]
        and query["starts_before"] <= query["starts_from"]
    ):
        errors["to"] = [_("The end must come after the start.")]
    if (category := args.get("category")) is not None:
        if category not in {c.value for c in Category}:
            choices = ", ".join(c.value for c in Category)
            errors["category"] = [_("One of: %(choices)s.", choices=choices)]
        else:
            query["category"] = Category(category)
    if (lang := args.get("lang")) is not None:
        if lang not in current_app.config["LANGUAGES"]:
            errors["lang"] = [_('Please choose the language: "it" or "en".')]
        else:
            query["lang"] = lang
    if errors:
        raise InvalidInput(errors)
    if query["starts_from"] is None:
        query["ends_after"] = now  # without `from`: what has not ended yet
    return query
