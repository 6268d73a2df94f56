from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        _l("Places"),
        validators=[
            InputRequired(_l("How many places do you need?")),
            NumberRange(min=1, message=_l("At least one place.")),
        ],
    )
