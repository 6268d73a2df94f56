"""What the API reads: query parameters and JSON bodies, checked with the same forms and
messages as the pages, plus what only JSON can get wrong (types, a body that is not an object)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import AnyOf, InputRequired

from ..events.forms import EventRegistrationForm
from ..events.models import Category


class InvalidInput(Exception):
    """Input the API refuses, with the messages per field ({"field": ["message", …]})."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid input")
        self.errors = errors


class ApiRegistrationForm(EventRegistrationForm):
    """The page's registration form, plus the language the booking's emails speak (on the
    page, the language of the page)."""

    language = StringField(
        _l("Language"),
        validators=[
            InputRequired(_l('Please choose the language: "it" or "en".')),
            AnyOf(("it", "en"), message=_l('Please choose the language: "it" or "en".')),
        ],
    )


# JSON type of each field the registration form reads; any other key is ignored.
_REGISTRATION_TYPES = {
    "name": str,
    "email": str,
    "seats": int,
    "language": str,
    "privacy_consent": bool,
    "newsletter_consent": bool,
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _type_message(kind: type) -> str:
    if kind is int:
        return _("Please give a whole number.")
    if kind is bool:
        return _("Please give true or false.")
    return _("Please give a text.")


def registration_formdata(
    body: dict, *, language: Callable[[], str]
) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON object as the form data a browser would send, and the type errors found on
    the way. `language()` is used when the body gives none. A value of a wrong type is left
    out of the form data, so the form reports nothing more about it than the type error."""
    formdata: MultiDict = MultiDict()
    type_errors: dict[str, list[str]] = {}
    if body.get("language") is None:
        formdata["language"] = language()
    for key, kind in _REGISTRATION_TYPES.items():
        value = body.get(key)
        if value is None:
            continue  # missing: the form says what is required
        # bool is an int in Python; in JSON, true is not a number
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            type_errors[key] = [_type_message(kind)]
        elif kind is str and _CONTROL.search(value):
            # a NUL cannot even be stored in PostgreSQL; no field here has a use for any
            type_errors[key] = [_("Please leave out control characters (such as line breaks).")]
        elif kind is bool:
            if value:
                formdata[key] = "y"
        else:
            formdata[key] = str(value)
    return formdata, type_errors


class RegistrationInput:
    """A registration sent as JSON, checked in two steps: first all that needs no database
    (before the writing transaction, so that it holds no lock meanwhile), then, once the
    event is loaded, its own maximum of seats. `validated()` gives the form or raises
    InvalidInput with the messages of both steps."""

    def __init__(self, body, *, language: Callable[[], str]):
        self.form: ApiRegistrationForm | None = None
        if not isinstance(body, dict):
            self.type_errors = {"body": [_("The body must be a JSON object.")]}
            return
        formdata, self.type_errors = registration_formdata(body, language=language)
        self.form = ApiRegistrationForm(formdata=formdata, meta={"csrf": False})
        self.form.validate()

    def validated(self, *, booking_limit: int) -> ApiRegistrationForm:
        form = self.form
        if form is None:
            raise InvalidInput(self.type_errors)
        if not form.seats.errors:
            form.limit_seats(booking_limit)
            form.seats.validate(form)
        if not form.errors and not self.type_errors:
            return form
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise InvalidInput(errors | self.type_errors)


# The events calendar's query ---------------------------------------------------------------


def calendar_query(args: MultiDict, *, now: datetime) -> dict:
    """from, to (a date or a date and time, in Milan's time unless an offset is given),
    category and lang, checked. `from` is inclusive; a date as `to` includes its whole day."""
    errors: dict[str, list[str]] = {}
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    query: dict = {"starts_from": None, "starts_before": None, "category": None, "lang": None}
    for name, key, end_of_day in (("from", "starts_from", False), ("to", "starts_before", True)):
        raw = args.get(name)
        if raw is None or raw == "":
            continue
        moment = _moment(raw, zone, end_of_day)
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
    if category := args.get("category"):
        if category not in {c.value for c in Category}:
            choices = ", ".join(c.value for c in Category)
            errors["category"] = [_("One of: %(choices)s.", choices=choices)]
        else:
            query["category"] = Category(category)
    if lang := args.get("lang"):
        if lang not in current_app.config["LANGUAGES"]:
            errors["lang"] = [_('Please choose the language: "it" or "en".')]
        else:
            query["lang"] = lang
    if errors:
        raise InvalidInput(errors)
    if query["starts_from"] is None:
        query["ends_after"] = now  # without `from`: what has not ended yet
    return query


def _moment(raw: str, zone: ZoneInfo, end_of_day: bool) -> datetime | None:
    # An offset's "+" left unescaped in a query string arrives as a space.
    raw = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw.strip())
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            if end_of_day:
                day += timedelta(days=1)
            moment = datetime.combine(day, time(0), tzinfo=zone)
        else:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
        moment.astimezone(UTC)  # as it is stored: 9999-12-31T23:00-01:00 does not fit
    except (ValueError, OverflowError):
        return None
    return moment
