"""Form parts every area uses."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from .text import text_problem


class TextRuleForm(FlaskForm):
    """A form whose every text field keeps to the text rule (text.py): a field that breaks
    it gets that one message, and no other (an email address with a line break in it is
    told about the line break, not that it does not look right)."""

    def validate(self, extra_validators=None) -> bool:
        refused = {
            field.name: message
            for field in self
            if isinstance(field.data, str)
            and (message := text_problem(field.data, multiline=isinstance(field, TextAreaField)))
        }
        valid = super().validate(extra_validators)
        for name, message in refused.items():
            self[name].errors = [message]
        return valid and not refused


class ConfirmForm(FlaskForm):
    """A button that only says yes (cancel, accept an offer, publish): the CSRF token is its
    content."""
