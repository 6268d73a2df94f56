"""What the desk sends: a scan (from the page's JavaScript or any device, through the API)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from ..api import MAX_ID
from ..forms import TextRuleForm


class ScanForm(TextRuleForm):
    code = StringField(
        _l("Ticket code or QR link"),
        validators=[
            InputRequired(_l("Scan a ticket or type its code.")),
            Length(max=300, message=_l("At most %(max)d characters, please.")),
        ],
    )
    direction = StringField(
        _l("Direction"),
        validators=[
            Optional(),
            AnyOf(("in", "out"), message=_l('Please choose the direction: "in" or "out".')),
        ],
    )
    scan_id = StringField(
        _l("Scan id"),
        validators=[Optional(), Length(max=64, message=_l("At most %(max)d characters, please."))],
    )
    device = StringField(
        _l("Desk name"),
        validators=[Optional(), Length(max=80, message=_l("At most %(max)d characters, please."))],
    )
    scanned_at = StringField(
        _l("Scanned at"),
        validators=[Optional(), Length(max=40, message=_l("At most %(max)d characters, please."))],
    )
    collector = StringField(
        _l("Collected by"),
        validators=[Optional(), Length(max=160, message=_l("At most %(max)d characters, please."))],
    )
    count = IntegerField(
        _l("How many came"),
        validators=[
            Optional(),
            NumberRange(0, 999, message=_l("Between %(min)s and %(max)s, please.")),
        ],
    )


class WalkInForm(TextRuleForm):
    """Seats booked at the door for people who came without a booking."""

    slot_id = IntegerField(
        _l("Date"),
        validators=[
            InputRequired(_l("Please choose the date.")),
            NumberRange(1, MAX_ID, message=_l("Please choose the date.")),
        ],
    )
    seats = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(_l("How many seats?")),
            NumberRange(1, 99, message=_l("Between %(min)s and %(max)s, please.")),
        ],
    )
    device = StringField(
        _l("Desk name"),
        validators=[Optional(), Length(max=80, message=_l("At most %(max)d characters, please."))],
    )


class DeviceForm(TextRuleForm):
    """A new device token: the device's name, as its scans will show it."""

    name = StringField(
        _l("Device name"),
        validators=[
            InputRequired(_l("Please name the device (e.g. Tablet ingresso).")),
            Length(max=80, message=_l("At most %(max)d characters, please.")),
        ],
    )
