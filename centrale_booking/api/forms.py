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
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectMultipleField,
)
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange

from ..text import MULTILINE_PATTERN, ONE_LINE_PATTERN, text_problem


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
    _flatten(_fields(form_class), body, "", "", formdata, type_errors)
    return formdata, type_errors


def _flatten(fields, body: dict, name: str, path: str, formdata, type_errors) -> None:
    # Nested objects and lists (a FormField, a FieldList of them) become the names a browser
    # sends (children-0-birth_date); an error's key is the JSON path (children.0.birth_date).
    for field in fields:
        key = field.short_name
        value = body.get(key)
        if value is None:
            continue  # missing: the form says what is required
        if isinstance(field, FormField):
            if not isinstance(value, dict):
                type_errors[path + key] = [_("Please give an object.")]
            else:
                inner = _fields(field.form_class)
                _flatten(inner, value, f"{name}{key}-", f"{path}{key}.", formdata, type_errors)
        elif isinstance(field, FieldList):
            _flatten_list(field, value, f"{name}{key}", f"{path}{key}", formdata, type_errors)
        elif isinstance(field, SelectMultipleField):
            if not isinstance(value, list) or not all(_scalar(v) for v in value):
                type_errors[path + key] = [_("Please give a list.")]
            else:
                for item in value:
                    formdata.add(name + key, str(item))
        else:
            _put(field, value, name + key, path + key, formdata, type_errors)


def _flatten_list(field: FieldList, value, name: str, path: str, formdata, type_errors) -> None:
    if not isinstance(value, list):
        type_errors[path] = [_("Please give a list.")]
        return
    if field.max_entries and len(value) > field.max_entries:
        type_errors[path] = [_("At most %(num)s, please.", num=field.max_entries)]
        return
    unbound = field.unbound_field
    if unbound.field_class is not FormField:
        for i, item in enumerate(value):
            if not _scalar(item):
                type_errors[f"{path}.{i}"] = [_("Please give a text.")]
            else:
                formdata[f"{name}-{i}"] = str(item)
        return
    inner = _fields(unbound.args[0])
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            type_errors[f"{path}.{i}"] = [_("Please give an object.")]
            formdata[f"{name}-{i}-"] = ""  # the entry is there, empty: its fields say what
        else:
            _flatten(inner, item, f"{name}-{i}-", f"{path}.{i}.", formdata, type_errors)
            if not item:
                formdata[f"{name}-{i}-"] = ""


def _scalar(value) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _put(field: Field, value, name: str, path: str, formdata, type_errors) -> None:
    kind = json_type(field)
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)  # 24.0 is the integer 24 in JSON (and in JSON Schema)
    # bool is an int in Python; in JSON, true is not a number
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        type_errors[path] = [_type_message(kind)]
    elif kind is str and (refused := text_problem(value, multiline=field.type == "TextAreaField")):
        # the text rule, as the form applies it; only a text area keeps its line breaks
        type_errors[path] = [str(refused)]
    elif kind is bool:
        if value:
            formdata[name] = "y"
    else:
        formdata[name] = str(value)


def dotted_errors(form: Form, path: str = "") -> dict[str, list[str]]:
    """The form's messages by JSON path: `email`, `parent.tax_code`, `children.1.birth_date`."""
    errors: dict[str, list[str]] = {}
    for field in form:
        key = path + field.short_name
        if isinstance(field, FormField):
            errors |= dotted_errors(field.form, key + ".")
        elif isinstance(field, FieldList):
            own = [str(m) for m in field.process_errors if m]
            if own:
                errors[key] = own
            for i, entry in enumerate(field.entries):
                if isinstance(entry, FormField):
                    errors |= dotted_errors(entry.form, f"{key}.{i}.")
                elif entry.errors:
                    errors[f"{key}.{i}"] = [str(m) for m in entry.errors]
        elif field.errors:
            errors[key] = [str(m) for m in field.errors]
    if getattr(form, "form_errors", None):
        errors[path.rstrip(".") or "body"] = [str(m) for m in form.form_errors]
    return errors


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
        if not dotted_errors(form) and not self.type_errors:
            return form
        raise InvalidInput(dotted_errors(form) | self.type_errors)


# --- The OpenAPI schema of a form -------------------------------------------------------


def form_schema(form_class: type[Form], *, notes: dict[str, str] | None = None) -> dict:
    """The JSON schema of a body for `form_class`, from its fields and validators: types,
    required fields, lengths, bounds, choices; a FormField as an object, a FieldList as an
    array, a multiple choice as an array. `notes` add a description to a field (dotted paths
    for nested ones)."""
    with force_locale("en"):  # the document is written in English
        return _object_schema(_fields(form_class), notes or {}, "")


def _object_schema(fields, notes: dict[str, str], path: str) -> dict:
    properties, required = {}, []
    for field in fields:
        name = field.short_name
        if isinstance(field, FormField):
            schema = _object_schema(_fields(field.form_class), notes, f"{path}{name}.")
            required.append(name)
        elif isinstance(field, FieldList):
            unbound = field.unbound_field
            items = (
                _object_schema(_fields(unbound.args[0]), notes, f"{path}{name}.")
                if unbound.field_class is FormField
                else {"type": "string"}
            )
            schema = {"type": "array", "items": items}
            if field.min_entries:
                schema["minItems"] = field.min_entries
                required.append(name)
            if field.max_entries:
                schema["maxItems"] = field.max_entries
        elif isinstance(field, SelectMultipleField):
            schema = {"type": "array", "items": {"type": "integer"}, "minItems": 1}
            if any(isinstance(v, InputRequired | DataRequired) for v in field.validators):
                required.append(name)
        else:
            schema, is_required = _field_schema(field)
            if is_required:
                required.append(name)
        if field.label.text and "title" not in schema:
            schema["title"] = str(field.label.text)
        if path + name in notes:
            schema["description"] = notes[path + name]
        properties[name] = schema
    return {"type": "object", "required": required, "properties": properties}


def _field_schema(field: Field) -> tuple[dict, bool]:
    kind = json_type(field)
    schema: dict = {"type": {str: "string", int: "integer", bool: "boolean"}[kind]}
    if field.type == "DateField":
        schema["format"] = "date"
    elif kind is str:  # the text rule (text.py), as the form applies it
        multiline = field.type == "TextAreaField"
        schema["pattern"] = MULTILINE_PATTERN if multiline else ONE_LINE_PATTERN
    required = False
    for validator in field.validators:
        if isinstance(validator, InputRequired | DataRequired):
            required = True
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
    if kind is bool and not required:
        schema["default"] = False
    if not required:
        # null is read as left out (json_formdata), so the document says it is allowed
        schema["type"] = [schema["type"], "null"]
    return schema, required


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
