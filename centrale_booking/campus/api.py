"""The campus's API routes (registered by campus/__init__.py under /api/v1/campus): the weeks
with their places left, and an enrolment in one go, read with the page's own form. Bad input:
a 422 problem with messages by dotted path (`children.1.birth_date`), each naming the child;
a week whose booking window is closed: the engine's 409 problem."""

from __future__ import annotations

import json
import re

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import AnyOf, InputRequired

from .. import clock
from ..api import json_body
from ..api.forms import FormInput, InvalidInput
from ..booking.availability import availability
from ..booking.models import Slot, Ticket
from ..extensions import db, transaction, utcnow
from ..i18n import current_language
from ..links import absolute, pdf_url, ticket_url
from ..ratelimits import hit_booking_limits
from .forms import CampusEnrolmentForm
from .models import SCHOOL_CLASSES, Audience, Campus, CampusPlace
from .service import enrol, enrolment_from_form, family_bookings


class ApiEnrolmentForm(CampusEnrolmentForm):
    """The page's form, plus the language the family's emails speak (on the page, the
    page's)."""

    language = StringField(
        _l("Language"),
        validators=[
            InputRequired(_l('Please choose the language: "it" or "en".')),
            AnyOf(("it", "en"), message=_l('Please choose the language: "it" or "en".')),
        ],
    )


def week_item(campus: Campus, slot: Slot, now) -> dict:
    offer = availability(slot, now=now)
    if campus.audience is Audience.classes:
        audience = {
            "classes": CLASS_KEYS[
                CLASS_KEYS.index(campus.min_class) : CLASS_KEYS.index(campus.max_class) + 1
            ]
        }
    else:
        audience = {"min_age": campus.min_age, "max_age": campus.max_age}
    return {
        "id": slot.id,
        "edition": {"id": campus.id, "title": campus.title, "season": campus.season.value},
        "starts_at": clock.iso(slot.starts_at),
        "ends_at": clock.iso(slot.ends_at),
        "days": [day.isoformat() for day in campus.week_days(slot)],
        "audience": audience,
        "capacity": slot.capacity,
        "places_left": offer.places_left,
        "booking_open": offer.bookable,
        "waiting_list": offer.has_waitlist,
    }


CLASS_KEYS = list(SCHOOL_CLASSES)


# Ids are 32-bit in every database we run on: a bigger number names nothing (and SQLite
# cannot even bind one beyond 64 bits), so it is refused as bad input, never looked up.
MAX_ID = 2**31 - 1
MAX_WEEKS = 20  # weeks asked for in one enrolment; an edition has far fewer
_ID = re.compile(r"[0-9]{1,10}")
# The largest valid enrolment: four children with four health notes of NOTE characters, each
# up to 6 bytes as JSON writes it (\u00e0), with room for the rest: more than the API's
# default limit for a booking.
MAX_BODY_BYTES = 160 * 1024


def list_weeks():
    """The weeks of the published editions not over yet, in time order; `edition` keeps
    one edition's."""
    now = utcnow()
    statement = (
        select(Campus, Slot)
        .join(Slot, Slot.programme_id == Campus.id)
        .where(Campus.published.is_(True), Slot.ends_at > now)
        .order_by(Slot.starts_at, Slot.id)
    )
    if (raw := request.args.get("edition")) is not None:
        if not _ID.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
            raise InvalidInput({"edition": [_("Please give the number of an edition.")]})
        statement = statement.where(Campus.id == int(raw))
    rows = db.session.execute(statement).all()
    return jsonify(items=[week_item(campus, slot, now) for campus, slot in rows])


def create_enrolment():
    """Enrol children into weeks of one edition: each week confirmed or waitlisted."""
    body = json_body(max_bytes=MAX_BODY_BYTES)
    campus = _campus_of(body)
    weeks = list(campus.slots) if campus else []
    form_input = FormInput(
        _bound(campus, weeks),
        body,
        defaults={"language": current_language, "siblings_together": lambda: "y"},
    )
    form = form_input.validated()
    hit_booking_limits(campus.id, form.parent.form.email.data)  # with the page's: one count
    with transaction():
        family = enrol(campus, enrolment_from_form(form, form.language.data), now=utcnow())
    bookings = family_bookings(family)
    places = db.session.scalars(
        select(CampusPlace).where(CampusPlace.family_id == family.id).order_by(CampusPlace.id)
    ).all()
    tickets = {
        t.id: t
        for t in db.session.scalars(
            select(Ticket).where(Ticket.booking_id.in_([b.id for b in bookings]))
        )
    }
    confirmed = [b for b in bookings if b.status.value == "confirmed"]
    answer = {
        "reference": bookings[0].reference,
        "places": [
            {
                "child": p.child.full_name,
                "week_id": p.booking.slot_id,
                "status": p.booking.status.value,
            }
            for p in places
        ],
        "tickets": [
            {
                "child": p.child.full_name,
                "week_id": p.booking.slot_id,
                "code": p.child.pass_code,  # the child's pass, as its QR (url) holds
                "url": ticket_url(tickets[p.ticket_id]),
            }
            for p in places
            if p.ticket_id in tickets
        ],
        "manage_url": absolute(url_for("campus.family", token=family.manage_token)),
        "pdf_url": pdf_url(confirmed[0]) if confirmed else None,
    }
    response = current_app.response_class(
        json.dumps(answer), status=201, mimetype="application/json"
    )
    response.headers["Location"] = answer["manage_url"]
    return response


def _campus_of(body) -> Campus | None:
    # The edition is the one of the weeks asked for; weeks of several editions are refused.
    if not isinstance(body, dict) or not isinstance(body.get("week_ids"), list):
        return None
    ids = [i for i in body["week_ids"] if isinstance(i, int) and not isinstance(i, bool)]
    if not ids:
        return None
    if len(body["week_ids"]) > MAX_WEEKS:
        raise InvalidInput({"week_ids": [_("At most %(num)s, please.", num=MAX_WEEKS)]})
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise InvalidInput({"week_ids": [_("Please choose weeks from the list of weeks.")]})
    campus_ids = set(db.session.scalars(select(Slot.programme_id).where(Slot.id.in_(ids))).all())
    campuses = [db.session.get(Campus, i) for i in campus_ids]
    campuses = [c for c in campuses if c is not None and c.published]
    if len(campuses) != 1:
        raise InvalidInput({"week_ids": [str(_l("Please choose weeks of one campus edition."))]})
    return campuses[0]


def _bound(campus: Campus | None, weeks):
    # The form class with this edition's weeks and rules, as FormInput builds it.
    class Bound(ApiEnrolmentForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if campus is not None:
                self.for_campus(campus, weeks)
            else:
                self.week_ids.choices = []

    return Bound
