from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from ..forms import DeliverableEmail


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Please enter your email address.")),
            DeliverableEmail(_l("Please enter a valid email address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Please enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
