"""The enrolment form: a parent, one or more children, the people who may collect them, an
emergency contact, the consents and the weeks. The page and the JSON API use this very form
(the API through api.forms.FormInput, nested fields as `children-0-birth_date`), so both
check the same rules and give the same messages, each naming the child and the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import DeliverableEmail, PersonName, TextRuleForm
from .models import SCHOOL_CLASSES, Audience, Campus
from .rules import age_problem, class_problem, compact_tax_code, tax_code_problem, week_label

MAX_CHILDREN = 4
MAX_DELEGATES = 5
NOTE = 1000  # characters of a health note

_PHONE = Regexp(r"^\+?[0-9 ./-]{6,20}$", message=_l("Please give a phone number (digits only)."))


def _tax_code(form, field) -> None:
    if field.data:
        field.data = compact_tax_code(field.data)
        if problem := tax_code_problem(field.data):
            raise ValidationError(problem)


class ParentForm(Form):
    name = StringField(
        _l("Name and surname"),
        validators=[
            InputRequired(_l("Please tell us your name.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters, please.")),
            PersonName(),
        ],
        render_kw={"autocomplete": "name"},
    )
    tax_code = StringField(
        _l("Codice fiscale"),
        validators=[InputRequired(_l("Please give your codice fiscale.")), _tax_code],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
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
    phone = TelField(
        _l("Phone"),
        validators=[InputRequired(_l("Please give a phone number we can call.")), _PHONE],
        render_kw={"autocomplete": "tel"},
    )


class ChildForm(Form):
    first_name = StringField(
        _l("First name"),
        validators=[
            InputRequired(_l("Please give the first name.")),
            Length(max=80),
            PersonName(),
        ],
    )
    last_name = StringField(
        _l("Surname"),
        validators=[InputRequired(_l("Please give the surname.")), Length(max=80), PersonName()],
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(_l("Please give the date of birth."))],
        description=_l("As on the child's documents."),
    )
    tax_code = StringField(
        _l("Codice fiscale (optional)"),
        validators=[Optional(), _tax_code],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    school_class = SelectField(
        _l("School class"),
        choices=[("", "—"), *SCHOOL_CLASSES.items()],
        validators=[Optional()],
    )
    allergies = TextAreaField(
        _l("Allergies and intolerances"),
        validators=[Optional(), Length(max=NOTE)],
        description=_l("Food and anything else. Leave empty if none."),
    )
    medicines = TextAreaField(_l("Medicines"), validators=[Optional(), Length(max=NOTE)])
    medical_notes = TextAreaField(_l("Medical notes"), validators=[Optional(), Length(max=NOTE)])
    support_needs = TextAreaField(
        _l("Support needs"),
        validators=[Optional(), Length(max=NOTE)],
        description=_l("Anything that helps us welcome the child well."),
    )
    leave_alone = BooleanField(
        _l("This child may go home alone at the end of the day."), validators=[Optional()]
    )

    @property
    def label_name(self) -> str:
        return (self.first_name.data or "").strip()


class DelegateForm(Form):
    name = StringField(
        _l("Name and surname"),
        validators=[InputRequired(_l("Please give the name.")), Length(max=120), PersonName()],
    )
    relationship = StringField(
        _l("Relationship to the children"),
        validators=[
            InputRequired(_l("Please say who they are (e.g. grandmother).")),
            Length(max=60),
        ],
    )
    document = StringField(
        _l("Identity document number"),
        validators=[
            InputRequired(_l("Please give the number of their identity document.")),
            Length(min=4, max=40, message=_l("Between 4 and 40 characters, please.")),
        ],
        description=_l("The desk checks it at pick-up."),
    )


class EmergencyForm(Form):
    name = StringField(
        _l("Name and surname"),
        validators=[InputRequired(_l("Please give the name.")), Length(max=120), PersonName()],
    )
    phone = TelField(
        _l("Phone"), validators=[InputRequired(_l("Please give a phone number.")), _PHONE]
    )


class ConsentsForm(Form):
    privacy = BooleanField(
        _l("I have read the privacy notice and agree to our data being used for this enrolment."),
        validators=[DataRequired(_l("We can only take the enrolment with your consent."))],
    )
    health_data = BooleanField(
        _l("I agree to the museum processing my children's health information given here."),
        validators=[Optional()],
    )
    photos = BooleanField(
        _l("Photos and videos of the activities may show my children (optional)."),
        validators=[Optional()],
    )
    leave_alone = BooleanField(
        _l("My children marked so may go home alone at the end of the day (optional)."),
        validators=[Optional()],
    )


class CampusEnrolmentForm(TextRuleForm):
    week_ids = SelectMultipleField(
        _l("Weeks"),
        coerce=int,
        validators=[DataRequired(_l("Please choose at least one week."))],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    parent = FormField(ParentForm, label=_l("Parent or guardian"))
    children = FieldList(FormField(ChildForm), min_entries=1, max_entries=MAX_CHILDREN)
    delegates = FieldList(FormField(DelegateForm), min_entries=1, max_entries=MAX_DELEGATES)
    emergency_contact = FormField(EmergencyForm, label=_l("Emergency contact"))
    consents = FormField(ConsentsForm, label=_l("Consents"))
    # How the error summary (_form.html) names each entry of a list: a child's messages
    # name the child and the field already (_name_children_in_errors), as the API's do.
    error_sections = {"children": None, "delegates": _l("Person %(n)s")}
    siblings_together = BooleanField(
        _l("If a week has room for only some of my children, we all wait together."),
        default=True,
        description=_l("Untick to enrol those who fit now and put the others on the waiting list."),
        validators=[Optional()],
    )

    def for_campus(self, campus: Campus, weeks, labels=None) -> CampusEnrolmentForm:
        """The edition's weeks as the choices (`labels`: their week_label, when the caller
        has them); its rules checked in validate."""
        self.campus = campus
        self.weeks = {slot.id: slot for slot in weeks}
        labels = labels or [week_label(slot) for slot in weeks]
        self.week_ids.choices = list(zip([slot.id for slot in weeks], labels, strict=True))
        return self

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_campus() and valid

    def _check_campus(self) -> bool:
        campus = getattr(self, "campus", None)
        if campus is None:
            return True
        ok = True
        chosen = [self.weeks[i] for i in (self.week_ids.data or []) if i in self.weeks]
        for entry in self.children:
            child = entry.form
            name = child.label_name or "?"
            if campus.audience is Audience.classes:
                if (
                    problem := class_problem(campus, name, child.school_class.data or "")
                ) is not None:
                    child.school_class.errors = [*child.school_class.errors, problem]
                    ok = False
            elif child.birth_date.data:
                for slot in chosen:
                    if (
                        problem := age_problem(campus, slot, name, child.birth_date.data)
                    ) is not None:
                        child.birth_date.errors = [*child.birth_date.errors, problem]
                        ok = False
            if child.leave_alone.data and not self.consents.form.leave_alone.data:
                child.leave_alone.errors = [
                    *child.leave_alone.errors,
                    _l("Please also tick the consent below for going home alone."),
                ]
                ok = False
        if self._health_given() and not self.consents.form.health_data.data:
            self.consents.form.health_data.errors = [
                *self.consents.form.health_data.errors,
                _l("You have written health notes: we need this consent to keep them."),
            ]
            ok = False
        parent = (self.parent.form.name.data or "").strip().casefold()
        names = {(d.form.name.data or "").strip().casefold() for d in self.delegates}
        if parent and parent not in names and self.delegates.entries:
            first = self.delegates.entries[0].form.name
            first.errors = [
                *first.errors,
                _l("Please list yourself too among the people who may collect the children."),
            ]
            ok = False
        self._name_children_in_errors()
        return ok

    def _health_given(self) -> bool:
        return any(
            (getattr(entry.form, name).data or "").strip()
            for entry in self.children
            for name in ("allergies", "medicines", "medical_notes", "support_needs")
        )

    def _name_children_in_errors(self) -> None:
        # "Giulia: date of birth …": a message names the child and the field, on the page
        # and in the API alike.
        for n, entry in enumerate(self.children, start=1):
            who = entry.form.label_name or str(_l("Child %(n)s", n=n))
            for field in entry.form:
                field.errors = [
                    m if str(m).startswith(f"{who}:") else f"{who}: {field.label.text}: {m}"
                    for m in field.errors
                ]


class OneOffForm(TextRuleForm):
    """Someone who may collect the children on one day only."""

    day = SelectField(_l("Day"), validators=[InputRequired(_l("Please choose the day."))])
    name = DelegateForm.name
    relationship = DelegateForm.relationship
    document = DelegateForm.document

    def for_family(self, family, bookings=None) -> OneOffForm:
        from babel.dates import format_date

        from .models import reading_language
        from .service import family_days

        language = reading_language()
        self.day.choices = [
            (d.isoformat(), format_date(d, "EEEE d MMMM", locale=language))
            for d in family_days(family, bookings)
        ]
        return self


class HealthForm(TextRuleForm):
    """A child's allergies and medical notes, updated from the family's page."""

    allergies = ChildForm.allergies
    medicines = ChildForm.medicines
    medical_notes = ChildForm.medical_notes
    support_needs = ChildForm.support_needs
    health_data = BooleanField(
        _l("I agree to the museum processing my children's health information given here."),
        validators=[Optional()],
    )
    child_id = None

    @classmethod
    def of(cls, child) -> HealthForm:
        form = cls(prefix=f"health{child.id}", formdata=None, obj=child)
        form.child_id = child.id
        if child.family.health_consent_at is not None:
            form.health_data.data = True  # given at enrolment
        return form

    def notes(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in HEALTH_FIELDS}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if any(v.strip() for v in self.notes().values()) and not self.health_data.data:
            self.health_data.errors = [
                *self.health_data.errors,
                _l("You have written health notes: we need this consent to keep them."),
            ]
            return False
        return valid


HEALTH_FIELDS = ("allergies", "medicines", "medical_notes", "support_needs")
