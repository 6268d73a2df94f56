"""Form parts every area uses."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that only says yes (cancel, accept an offer, publish): the CSRF token is its
    content."""
