"""The schools' API routes (registered by schools/__init__.py under /api/v1/school): the
activities for a grade level, the free slots of an activity, and a class's booking. The body
is checked by the page's own form (ApiClassBookingForm: the same rules and messages), a
refusal of the engine is a 409 problem (errors.py), bad input a 422 with per-field errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, ValidationError
from wtforms.validators import AnyOf, InputRequired, NumberRange

from ..api import MAX_ID, json_body
from ..api.forms import FormInput, InvalidInput, parse_moment
from ..booking.engine import Contact, sweep_expired_holds
from ..booking.models import Slot
from ..clock import iso, museum_zone
from ..extensions import db, transaction, utcnow
from ..i18n import current_language
from ..links import manage_url
from ..ratelimits import hit_booking_limits
from .forms import ClassBookingForm
from .models import API_NAMES, BY_API_NAME, GRADE_YEARS, Activity
from .service import activities_for, book_class, class_details, fill_from_registry, free_slots


class ApiClassBookingForm(ClassBookingForm):
    """The page's form, with the slot and one year (the page ticks years: a pluriclasse),
    and the language the emails speak (on the page, the page's)."""

    years = None  # the API names one year
    slot_id = IntegerField(
        _l("Slot"),
        validators=[
            InputRequired(_l("Please give the slot_id.")),
            NumberRange(min=1, max=MAX_ID, message=_l("No such slot.")),
        ],
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Please tick the class's year."))])
    language = StringField(
        _l("Language"),
        validators=[
            InputRequired(_l('Please choose the language: "it" or "en".')),
            AnyOf(("it", "en"), message=_l('Please choose the language: "it" or "en".')),
        ],
    )

    def validate_year(self, field):
        level = self.grade_level
        if level is not None and field.data not in GRADE_YEARS[level]:
            raise ValidationError(
                _l("Please choose the class's years among those of its grade level.")
            )

    @property
    def year_list(self) -> tuple[int, ...]:
        return (self.year.data,)


def list_activities():
    grade = BY_API_NAME.get(request.args.get("grade", ""))
    if grade is None:
        choices = ", ".join(API_NAMES.values())
        raise InvalidInput({"grade": [_("One of: %(choices)s.", choices=choices)]})
    language = current_language()
    return jsonify(
        items=[
            {
                "id": activity.id,
                "title": activity.text("title", language),
                "grades": [API_NAMES[g] for g in API_NAMES if g in activity.grades],
                "text": activity.grade_text(grade, language),
                "duration_minutes": activity.duration_minutes,
                "max_pupils": activity.max_pupils,
                "room": activity.room,
            }
            for activity in activities_for(grade)
        ]
    )


def list_slots():
    errors: dict[str, list[str]] = {}
    raw = request.args.get("activity", "").strip()
    activity = None
    if not raw.isdecimal():  # a number, or no activity named: the request is wrong
        errors["activity"] = [_("No such activity.")]
    elif int(raw) <= MAX_ID:
        activity = db.session.get(Activity, int(raw))
    moments = {}
    for name, end_of_day in (("from", False), ("to", True)):
        value = request.args.get(name)
        if value:
            moments[name] = _bound(value, end_of_day=end_of_day)
            if moments[name] is None:
                errors[name] = [
                    _(
                        "Please give a date (2026-12-01) or a date and time "
                        "(2026-12-01T18:00+01:00)."
                    )
                ]
    if errors:
        raise InvalidInput(errors)
    if activity is None or not activity.published:  # a well-formed id that names none
        abort(404)
    now = utcnow()
    items = []
    for slot in free_slots(activity, now):
        if moments.get("from") and slot.starts_at < moments["from"]:
            continue
        if moments.get("to") and slot.starts_at >= moments["to"]:
            continue
        items.append(
            {
                "id": slot.id,
                "starts_at": iso(slot.starts_at),
                "ends_at": iso(slot.ends_at),
                "classes_left": slot.places_left,
                "room": activity.room_of(slot),
                "opens_at": iso(slot.opens_at) if slot.opens_at else None,
            }
        )
    return jsonify(items=items)


EARLIEST, LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def _bound(value: str, *, end_of_day: bool) -> datetime | None:
    """The moment a `from` or `to` names; None when it names none. A well-formed date beyond
    what a stored time can be (0001-01-01 in Milan falls before UTC's year 1) is a bound
    before, or after, every slot: the document's `format: date` promises it is accepted."""
    moment = parse_moment(value, museum_zone(), end_of_day=end_of_day)
    if moment is not None:
        return moment
    raw = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())  # as parse_moment reads it
    try:
        year = date.fromisoformat(raw).year if len(raw) == 10 else datetime.fromisoformat(raw).year
    except ValueError:
        return None
    return EARLIEST if year < 5000 else LATEST


def create_booking():
    """Book a class: held as pending; the teacher confirms through the emailed link."""
    given = FormInput(ApiClassBookingForm, json_body(), defaults={"language": current_language})
    form = given.form
    slot = None
    if form is not None and not form.slot_id.errors and form.slot_id.data:
        slot = db.session.get(Slot, form.slot_id.data)
        if slot is None or not isinstance(slot.programme, Activity):
            form.slot_id.errors = [_("No such slot.")]
            slot = None
    school = fill_from_registry(form) if form is not None else None

    def recheck(checked):
        if slot is None:
            return []
        checked.for_activity(slot.programme)  # its grade levels and most pupils
        # Again, with their own rules (validate_<name>): the activity's bounds are known now,
        # and the school's name and city may come from the registry (filled in above).
        for field in (checked.grade, checked.pupils, checked.school_name, checked.city):
            inline = getattr(type(checked), f"validate_{field.name}", None)
            field.validate(checked, [inline] if inline else [])
        checked.adults.validate(checked, [type(checked).validate_adults])
        return []

    checked = given.validated(recheck)
    hit_booking_limits(slot.programme_id, checked.email.data)  # with the page's: one count
    contact = Contact(
        name=checked.teacher_name.data,
        email=checked.email.data,
        phone=checked.phone.data,
        language=checked.language.data,
        privacy_consent=True,
    )
    now = utcnow()
    sweep_expired_holds(slot, now=now)
    with transaction():
        booking = book_class(slot, class_details(checked, school), contact, now=now)
    answer = {
        "reference": booking.reference,
        "status": booking.status.value,
        "manage_url": manage_url(booking),
    }
    response = current_app.response_class(json.dumps(answer), 201, mimetype="application/json")
    response.headers["Location"] = answer["manage_url"]
    return response
