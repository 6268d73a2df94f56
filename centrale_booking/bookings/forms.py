from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class ConfirmForm(FlaskForm):
    """A button that only says yes (cancel, accept an offer): the CSRF token is its content."""


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        _l("Places"),
        validators=[
            InputRequired(_l("How many places do you need?")),
            NumberRange(min=1, message=_l("At least one place.")),
        ],
    )
