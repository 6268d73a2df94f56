"""Form parts every area uses: the yes-button, and the one-time token that makes a booking
form's submission count once."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask import session
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship
from wtforms import FieldList, FormField, HiddenField, PasswordField, TextAreaField
from wtforms.validators import Email, Length, Optional, Regexp, ValidationError

from .booking.models import Booking
from .booking.states import LIVE
from .extensions import db, transaction, utcnow
from .text import name_problem, text_problem


class DeliverableEmail(Email):
    """An email address the museum's mail can reach: well formed, and in plain letters. A
    letter outside ASCII (an accent before the @, an accented domain) needs the SMTPUTF8
    extension, which the museum's server does not offer: such an address is refused here,
    where the person can still correct it, instead of an email that can never leave."""

    def __init__(self, message=None):
        super().__init__(message, check_deliverability=False, allow_smtputf8=False)

    def __call__(self, form, field):
        if field.data and not field.data.isascii():
            raise ValidationError(NOT_PLAIN_ADDRESS)
        super().__call__(form, field)


class PersonName:
    """A person's name, as the greeting of an email prints it: no link in it (text.py)."""

    def __call__(self, form, field):
        if field.data and (problem := name_problem(field.data)):
            raise ValidationError(problem)


NOT_PLAIN_ADDRESS = _l(
    "Please write the address without accented or special letters: our mail cannot reach it."
)


class TextRuleForm(FlaskForm):
    """A form whose every text field keeps to the text rule (text.py): a field that breaks
    it gets that one message, and no other (an email address with a line break in it is
    told about the line break, not that it does not look right)."""

    def validate(self, extra_validators=None) -> bool:
        for field in _leaf_fields(self):  # trimmed first, then every length counts what is kept
            if isinstance(field.data, str) and not isinstance(field, PasswordField):
                field.data = field.data.strip()
        refused = [
            (field, message)
            for field in _leaf_fields(self)
            if isinstance(field.data, str)
            and (message := text_problem(field.data, multiline=isinstance(field, TextAreaField)))
        ]
        valid = super().validate(extra_validators)
        for field, message in refused:
            field.errors = [message]
        return valid and not refused


def _leaf_fields(form):
    # Every field, those of nested forms (a child, a person who collects) and lists included.
    for field in form:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from _leaf_fields(entry.form) if isinstance(entry, FormField) else [entry]
        else:
            yield field


class ConfirmForm(FlaskForm):
    """A button that only says yes (cancel, accept an offer, publish): the CSRF token is its
    content."""


# --- Submitted once ----------------------------------------------------------------------
# A second tap on a slow connection, or Back and the button again, sends the same form twice.
# Each rendering of a booking form carries a random token; the booking's transaction spends
# it, so a second submission of that rendering finds the first booking instead of making one.


def new_form_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, random: not a counter anyone can guess


class OnceField(HiddenField):
    """The form's one-time token, rendered by form.hidden_tag() with the CSRF token. Optional:
    a submission without one (an old page) is booked as before, with nothing to recognise it
    by."""

    def __init__(self, label="", **kwargs):
        super().__init__(
            label,
            default=new_form_token,
            validators=[Optional(), Length(max=64), Regexp(r"^[A-Za-z0-9_-]+$")],
            **kwargs,
        )


class FormSubmission(db.Model):
    """A spent form token and the booking its submission made."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking: Mapped[Booking | None] = relationship()


def _booking_of(token: str) -> Booking | None:
    submission = db.session.get(FormSubmission, token, populate_existing=True)
    return submission.booking if submission else None


# Back after booking reloads the page (a changed session cookie, no back-forward cache), and a
# reloaded page would carry a new token: the browser's session remembers the token it spent
# on each form, so that the form it shows again is the same one.
_REMEMBERED = "submitted_forms"
_REMEMBER_AT_MOST = 20


def remember_submission(scope: str, token: str) -> None:
    remembered = {k: v for k, v in session.get(_REMEMBERED, {}).items() if k != scope}
    remembered[scope] = token
    session[_REMEMBERED] = dict(list(remembered.items())[-_REMEMBER_AT_MOST:])


def submitted_before(form, scope: str) -> Booking | None:
    """The live booking this browser made with the form of `scope` (an event's), if any; the
    form then carries that submission's token again, and sending it lands on that booking."""
    token = session.get(_REMEMBERED, {}).get(scope)
    booking = _booking_of(token) if token else None
    if booking is None or booking.status not in LIVE:
        return None
    form.once.data = token
    return booking


def book_once(token: str | None, book: Callable[[], Booking]) -> tuple[Booking, bool]:
    """Run `book` in one transaction, once per form token. Returns the booking and whether it
    was made now (False: the same form was submitted before, and this is that booking).

    The token is written before anything else in the transaction: a second submission that
    arrives while the first is still booking waits on it (PostgreSQL: the primary key's row
    lock; SQLite: the write lock), then finds it spent. A refusal (BookingError) rolls the
    token back with the rest: the person may correct the form and send it again."""
    if not token:
        with transaction():
            return book(), True
    if (earlier := _booking_of(token)) is not None:
        return earlier, False
    try:
        with transaction():
            submission = FormSubmission(token=token)
            db.session.add(submission)
            db.session.flush()
            booking = book()
            submission.booking_id = booking.id
    except IntegrityError:
        # The same form, submitted at the same moment by a second tap: the first has won.
        if (earlier := _booking_of(token)) is None:
            raise
        return earlier, False
    return booking, True
