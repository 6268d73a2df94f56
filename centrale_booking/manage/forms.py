from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField
from wtforms.validators import InputRequired, Length, NumberRange

from ..forms import DeliverableEmail


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        _l("Places"),
        validators=[
            InputRequired(_l("How many places do you need?")),
            NumberRange(min=1, message=_l("At least one place.")),
        ],
    )


class FindBookingsForm(FlaskForm):
    email = EmailField(
        _l("The email address you booked with"),
        validators=[
            InputRequired(_l("Please enter your email address.")),
            DeliverableEmail(_l("This email address does not look right.")),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email"},
    )
