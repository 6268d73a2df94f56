"""The event registration form: used by the page and, without CSRF, by the JSON API, so both
check the same rules and give the same per-field messages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import BooleanField, EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import DeliverableEmail, OnceField, PersonName, TextRuleForm


class EventRegistrationForm(TextRuleForm):
    once = OnceField()  # a second tap, or Back and Book again, finds the first booking
    name = StringField(
        _l("Name and surname"),
        validators=[
            PersonName(),
            InputRequired(_l("Please tell us your name.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters, please.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Please enter your email address: we send the tickets there.")),
            DeliverableEmail(_l("This email address does not look right.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )
    seats = IntegerField(
        _l("Places"),
        default=1,
        validators=[
            InputRequired(_l("How many places do you need?")),
            NumberRange(min=1, message=_l("At least one place, please.")),
        ],
    )
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree to my data being used for this booking."),
        validators=[DataRequired(_l("We can only take the booking with your consent."))],
    )
    newsletter_consent = BooleanField(
        _l("Send me the museum's newsletter (optional)."), validators=[Optional()]
    )

    def limit_seats(self, maximum: int) -> None:
        """The event's own maximum per booking, shown in the field and checked."""
        self.seats.validators = [
            *self.seats.validators[:1],
            NumberRange(
                min=1,
                max=maximum,
                message=_l("Between 1 and %(max)s places.", max=maximum),
            ),
        ]
        self.seats.render_kw = {"min": 1, "max": maximum}
        # Said before it bites: beside the field, not only in the error.
        self.seats.description = lazy_ngettext(
            "At most %(num)s place per booking.", "At most %(num)s places per booking.", maximum
        )
