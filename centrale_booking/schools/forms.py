"""The class booking form: used by the page and, without CSRF, by the JSON API, so both check
the same rules and give the same per-field messages. The activity's own bounds (its most
pupils, its grade levels) are set on the form by `for_activity` before it validates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import DeliverableEmail, PersonName, TextRuleForm
from .labels import GRADE_LABELS
from .models import API_NAMES, BY_API_NAME, GRADE_YEARS, GradeLevel
from .rules import SCHOOL_CODE, adults_needed, normalised_code, pupils_per_adult

GRADE_CHOICES = [(API_NAMES[level], label) for level, label in GRADE_LABELS.items()]
ALL_YEARS = sorted({year for years in GRADE_YEARS.values() for year in years})


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (a pluriclasse's years), usable by keyboard and without
    JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _code_filter(value):
    return normalised_code(value) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NumbersForm(TextRuleForm):
    """The class's numbers: on the booking form, and alone on the page that changes them."""

    pupils = IntegerField(
        _l("Pupils"),
        description=_l("Every pupil who comes, those with disabilities included."),
        validators=[
            InputRequired(_l("How many pupils are coming?")),
            NumberRange(min=1, message=_l("At least one pupil, please.")),
        ],
    )
    pupils_with_disabilities = IntegerField(
        _l("Of whom pupils with disabilities"),
        default=0,
        validators=[
            InputRequired(_l("How many pupils with disabilities are coming? 0 if none.")),
            NumberRange(min=0, message=_l("0 or more, please.")),
        ],
    )
    support_teachers = IntegerField(
        _l("Support teachers"),
        description=_l("They come with the pupils with disabilities, on top of the adults below."),
        default=0,
        validators=[
            InputRequired(_l("How many support teachers are coming? 0 if none.")),
            NumberRange(min=0, max=30, message=_l("Between 0 and 30, please.")),
        ],
    )
    adults = IntegerField(
        _l("Accompanying adults"),
        description=_l("Teachers and other adults, support teachers apart."),
        validators=[
            InputRequired(_l("How many accompanying adults are coming?")),
            NumberRange(min=1, max=30, message=_l("Between 1 and 30 adults, please.")),
        ],
    )
    max_pupils = 30  # the activity's, set by limit_pupils
    level: GradeLevel | None = None  # for the ratio of adults (the booking form: its field)

    def limit_pupils(self, activity) -> None:
        """The activity's most pupils, shown in the field and checked."""
        self.max_pupils = activity.max_pupils
        self.pupils.validators = [
            self.pupils.validators[0],
            NumberRange(
                min=1,
                max=activity.max_pupils,
                message=_l("Between 1 and %(max)s pupils.", max=activity.max_pupils),
            ),
        ]
        self.pupils.render_kw = {"min": 1, "max": activity.max_pupils}

    def bounds(self, activity, level: GradeLevel) -> NumbersForm:
        self.limit_pupils(activity)
        self.level = level
        return self

    @property
    def grade_level(self) -> GradeLevel | None:
        return self.level

    def validate_pupils_with_disabilities(self, field):
        if (
            self.pupils.data is not None
            and field.data is not None
            and field.data > self.pupils.data
        ):
            raise ValidationError(_l("They are counted among the pupils: at most as many."))

    def validate_adults(self, field):
        level = self.grade_level
        if level is None or self.pupils.errors or self.pupils.data is None or field.data is None:
            return
        needed = adults_needed(level, self.pupils.data, self.pupils_with_disabilities.data or 0)
        if field.data < needed:
            raise ValidationError(
                _l(
                    "For %(pupils)s pupils at least %(needed)s accompanying adults are needed "
                    "(one for every %(ratio)s pupils, support teachers apart).",
                    pupils=self.pupils.data,
                    needed=needed,
                    ratio=pupils_per_adult(level),
                )
            )


class ClassBookingForm(NumbersForm):
    school_code = StringField(
        _l("School code (codice meccanografico)"),
        description=_l(
            "10 characters, as on the school's letterhead, e.g. MIIC8AB00C. We fill in "
            "the school's name, city and address from the Ministry's registry."
        ),
        filters=[_code_filter],
        validators=[
            InputRequired(_l("Please enter the school's codice meccanografico.")),
            Regexp(
                SCHOOL_CODE,
                message=_l(
                    "A codice meccanografico has 10 letters and digits, starting with the "
                    "province (e.g. MIIC8AB00C)."
                ),
            ),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    school_name = StringField(
        _l("School name"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Please enter the school's name.")),
            Length(min=2, max=200, message=_l("Between 2 and 200 characters, please.")),
        ],
        render_kw={"autocomplete": "organization"},
    )
    city = StringField(
        _l("City"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Please enter the school's city.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters, please.")),
        ],
    )
    class_name = StringField(
        _l("Class and section"),
        description=_l("For example 3B."),
        filters=[_strip],
        validators=[
            InputRequired(_l("Please enter the class and section, e.g. 3B.")),
            Length(max=20, message=_l("At most 20 characters, please.")),
        ],
    )
    grade = SelectField(
        _l("Grade level"),
        choices=GRADE_CHOICES,
        validate_choice=False,  # validate_grade says it in the words of the activity
        validators=[InputRequired(_l("Please choose the grade level."))],
    )
    years = CheckboxesField(
        _l("Year"),
        description=_l("A mixed class (pluriclasse): tick every year it has."),
        choices=[(str(y), str(y)) for y in ALL_YEARS],
        validate_choice=False,  # validate_years says which years, by the class's level
        validators=[DataRequired(_l("Please tick the class's year."))],
    )
    teacher_name = StringField(
        _l("Teacher's name and surname"),
        filters=[_strip],
        validators=[
            PersonName(),
            InputRequired(_l("Please tell us your name.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters, please.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        description=_l("We send the link to confirm the booking here: check it is right."),
        filters=[_strip],
        validators=[
            InputRequired(_l("Please enter your email address: we send the confirmation there.")),
            DeliverableEmail(_l("This email address does not look right.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        _l("Phone"),
        description=_l("A number where we can reach you on the day."),
        filters=[_strip],
        validators=[
            InputRequired(_l("Please enter a phone number.")),
            Regexp(
                r"^\+?[0-9 ./()-]{6,20}$",
                message=_l("This phone number does not look right."),
            ),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    needs = TextAreaField(
        _l("Needs (optional)"),
        description=_l("Accessibility, allergies for the lab, anything we should prepare."),
        filters=[_strip],
        validators=[Optional(), Length(max=2000, message=_l("At most 2000 characters, please."))],
    )
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree to these data being used for this booking."),
        validators=[DataRequired(_l("We can only take the booking with your consent."))],
    )

    def for_activity(self, activity) -> ClassBookingForm:
        """The activity's own bounds: its most pupils, its grade levels."""
        self.limit_pupils(activity)
        self.grade.choices = [
            (API_NAMES[level], label)
            for level, label in GRADE_LABELS.items()
            if level in activity.grades
        ]
        return self

    def years_of(self, level: GradeLevel | None) -> None:
        """The years to tick: those of the class's level (all of them, before it is known)."""
        from .labels import year_label

        if level is not None:
            self.years.choices = [(str(y), year_label(level, y)) for y in GRADE_YEARS[level]]

    @property
    def grade_level(self) -> GradeLevel | None:
        return BY_API_NAME.get(self.grade.data or "")

    def validate_grade(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("This activity is not meant for this grade level."))

    def validate_years(self, field):
        level = self.grade_level
        if level is None:
            return
        allowed = {str(y) for y in GRADE_YEARS[level]}
        if not set(field.data or []) <= allowed:
            raise ValidationError(
                _l("Please choose the class's years among those of its grade level.")
            )

    @property
    def year_list(self) -> tuple[int, ...]:
        return tuple(sorted(int(y) for y in self.years.data or []))
