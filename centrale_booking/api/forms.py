"""What the API reads: JSON bodies checked with the very forms the pages use (their fields,
rules and messages), plus what only JSON can get wrong (types, a body that is not an object).
The JSON type of each field and the OpenAPI schema of a body are derived from the form's own
fields, never written out a second time."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, Form, IntegerField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange

from ..text import text_problem


class InvalidInput(Exception):
    """Input the API refuses, with the messages per field ({"field": ["message", …]})."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid input")
        self.errors = errors


def _fields(form_class: type[Form]) -> list[Field]:
    # The form's fields, in their declared order, from an empty form (no data, no CSRF).
    return list(form_class(formdata=None, meta={"csrf": False}))


def json_type(field: Field) -> type:
    if isinstance(field, BooleanField):
        return bool
    if isinstance(field, IntegerField):
        return int
    return str


def _type_message(kind: type) -> str:
    if kind is int:
        return _("Please give a whole number.")
    if kind is bool:
        return _("Please give true or false.")
    return _("Please give a text.")


def json_formdata(
    body: dict, form_class: type[Form], *, defaults: dict[str, Callable[[], str]] | None = None
) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON object as the form data a browser would send, and the type errors found on
    the way. `defaults` give a value for a field the body leaves out. A value of a wrong type
    is left out of the form data, so the form reports nothing more about it than the type
    error. Keys that are no field of the form are ignored."""
    formdata: MultiDict = MultiDict()
    type_errors: dict[str, list[str]] = {}
    for key, default in (defaults or {}).items():
        if body.get(key) is None:
            formdata[key] = default()
    for field in _fields(form_class):
        key, kind = field.name, json_type(field)
        value = body.get(key)
        if value is None:
            continue  # missing: the form says what is required
        # bool is an int in Python; in JSON, true is not a number
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            type_errors[key] = [_type_message(kind)]
        elif kind is str and (refused := text_problem(value)):
            # the text rule, as the form applies it; a body's fields are all single-line
            type_errors[key] = [str(refused)]
        elif kind is bool:
            if value:
                formdata[key] = "y"
        else:
            formdata[key] = str(value)
    return formdata, type_errors


class FormInput:
    """A JSON body checked by a form in two steps: first all that needs no database (before
    the writing transaction, so that it holds no lock meanwhile), then, in `validated()`,
    what the caller adds once it has loaded what the rules depend on (an event's maximum of
    seats). `validated()` gives the form or raises InvalidInput with the messages of both."""

    def __init__(self, form_class: type[Form], body, *, defaults=None):
        self.form = None
        if not isinstance(body, dict):
            self.type_errors = {"body": [_("The body must be a JSON object.")]}
            return
        formdata, self.type_errors = json_formdata(body, form_class, defaults=defaults)
        self.form = form_class(formdata=formdata, meta={"csrf": False})
        self.form.validate()

    def validated(self, recheck: Callable[[Form], Iterable[Field]] | None = None):
        """`recheck(form)` adjusts the form and returns the fields to validate again."""
        form = self.form
        if form is None:
            raise InvalidInput(self.type_errors)
        if recheck is not None:
            for field in recheck(form):
                field.validate(form)
        if not form.errors and not self.type_errors:
            return form
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise InvalidInput(errors | self.type_errors)


# --- The OpenAPI schema of a form -------------------------------------------------------


def form_schema(form_class: type[Form], *, notes: dict[str, str] | None = None) -> dict:
    """The JSON schema of a body for `form_class`, from its fields and validators: types,
    required fields, lengths, bounds, choices. `notes` add a description to a field."""
    properties, required = {}, []
    with force_locale("en"):  # the document is written in English
        for field in _fields(form_class):
            name, kind = field.name, json_type(field)
            schema: dict = {"type": {str: "string", int: "integer", bool: "boolean"}[kind]}
            if field.label.text:
                schema["title"] = str(field.label.text)
            for validator in field.validators:
                if isinstance(validator, InputRequired | DataRequired):
                    required.append(name)
                    if kind is bool:
                        schema["const"] = True  # a required box is one that is ticked
                        schema["description"] = "Must be true."
                elif isinstance(validator, Length):
                    if validator.min > 0:
                        schema["minLength"] = validator.min
                    if validator.max > 0:
                        schema["maxLength"] = validator.max
                elif isinstance(validator, NumberRange):
                    if validator.min is not None:
                        schema["minimum"] = validator.min
                    if validator.max is not None:
                        schema["maximum"] = validator.max
                elif isinstance(validator, AnyOf):
                    schema["enum"] = list(validator.values)
                elif isinstance(validator, Email):
                    schema["format"] = "email"
            if kind is bool and name not in required:
                schema["default"] = False
            if name not in required:
                # null is read as left out (json_formdata), so the document says it is allowed
                schema["type"] = [schema["type"], "null"]
            if notes and name in notes:
                schema["description"] = notes[name]
            properties[name] = schema
    return {"type": "object", "required": required, "properties": properties}


# --- Moments in a query string ------------------------------------------------------------


def parse_moment(raw: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime | None:
    """A date (2026-12-01, the museum's midnight; with end_of_day, the next one) or a date
    and time (with an offset, or the museum's time); None when it is neither."""
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
