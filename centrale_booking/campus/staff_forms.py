"""The back office's edition form: an edition of the campus (its texts, the schools' closure,
who it is for, the fee, what to bring, the booking window and its settings) with its weeks
(days, daily hours, places). Times are typed as the museum's clocks show them (Europe/Rome)
and become aware datetimes here, where a time the clocks skip or show twice is refused next to
its field. A week families are enrolled in keeps its days and hours, and never has fewer
places than it has given."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from ..clock import LocalTimeError, local, museum_time
from ..forms import TextRuleForm
from .models import CLASS_ORDER, SCHOOL_CLASSES, Audience, Campus, Season
from .rules import week_label

MAX_WEEKS = 12  # an edition's weeks: a summer has at most a dozen
MAX_PLACES = 500
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

# The edition's own fields the form shows as they are stored.
EDITION_FIELDS = (
    "title_it",
    "title_en",
    "summary_it",
    "summary_en",
    "closure_starts",
    "closure_ends",
    "min_age",
    "max_age",
    "min_class",
    "max_class",
    "fee_it",
    "fee_en",
    "bring_it",
    "bring_en",
    "leave_alone_min_age",
    "offer_hours",
    "max_per_booking",
)

SEASON_LABELS = {
    Season.christmas: _l("Christmas"),
    Season.easter: _l("Easter"),
    Season.summer: _l("Summer"),
}


class Years:
    """A date (or moment) within the years the museum can mean; far ones do not even fit the
    clocks' arithmetic."""

    def __init__(self, first: int = 2020, last: int = 2100):
        self.first, self.last = first, last

    def __call__(self, form, field) -> None:
        if field.data is not None and not self.first <= field.data.year <= self.last:
            raise StopValidation(
                _(
                    "Please give a date between %(first)s and %(last)s.",
                    first=self.first,
                    last=self.last,
                )
            )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, maximum: int, required: str | None = None, area: bool = False, **kw):
    validators = [InputRequired(required)] if required else [Optional()]
    validators.append(Length(max=maximum, message=_l("At most %(max)d characters, please.")))
    kind = TextAreaField if area else StringField
    return kind(label, validators=validators, filters=[_strip], **kw)


class WeekForm(Form):
    """One week: its first and last day, the daily hours, the places."""

    slot_id = HiddenField()
    first_day = DateField(
        _l("First day"),
        validators=[InputRequired(_l("Please give the week's first day.")), Years()],
    )
    last_day = DateField(
        _l("Last day"), validators=[InputRequired(_l("Please give the week's last day.")), Years()]
    )
    starts = TimeField(
        _l("Every day from"),
        default=time(8, 30),
        validators=[InputRequired(_l("Please give the time the day starts."))],
    )
    ends = TimeField(
        _l("to"),
        default=time(16, 30),
        validators=[InputRequired(_l("Please give the time the day ends."))],
    )
    capacity = IntegerField(
        _l("Places (children)"),
        default=40,
        validators=[
            InputRequired(_l("How many children can the week take?")),
            NumberRange(1, MAX_PLACES, _l("Between %(min)s and %(max)s children.")),
        ],
    )
    remove = BooleanField(_l("Remove this week"), validators=[Optional()])


class EditionForm(TextRuleForm):
    title_it = _text(_l("Title (Italian)"), 200, _l("Please give the title in Italian."))
    title_en = _text(
        _l("Title (English)"), 200, description=_l("Leave empty to show the Italian one.")
    )
    summary_it = _text(_l("Summary (Italian)"), 2000, area=True)
    summary_en = _text(_l("Summary (English)"), 2000, area=True)
    season = SelectField(
        _l("Season"),
        choices=[(s.value, label) for s, label in SEASON_LABELS.items()],
        validators=[InputRequired(_l("Please choose the season."))],
    )
    closure_starts = DateField(
        _l("Schools closed from"),
        validators=[
            InputRequired(_l("Please give the first day the schools are closed.")),
            Years(),
        ],
    )
    closure_ends = DateField(
        _l("Schools closed until"),
        validators=[
            InputRequired(_l("Please give the last day the schools are closed.")),
            Years(),
        ],
    )
    closed_days = _text(
        _l("Days without campus"),
        400,
        area=True,
        description=_l("Holidays within the weeks, one a line: 01/01/2027."),
    )
    audience = RadioField(
        _l("Who it is for"),
        choices=[
            (Audience.ages.value, _l("An age range, on each week's first day")),
            (Audience.classes.value, _l("School classes, this school year")),
        ],
        default=Audience.ages.value,
        validators=[InputRequired(_l("Please choose who the campus is for."))],
    )
    min_age = IntegerField(
        _l("From the age of"),
        default=6,
        validators=[Optional(), NumberRange(3, 17, _l("Between %(min)s and %(max)s years."))],
    )
    max_age = IntegerField(
        _l("Up to the age of"),
        default=11,
        validators=[Optional(), NumberRange(3, 17, _l("Between %(min)s and %(max)s years."))],
    )
    min_class = SelectField(
        _l("From the class"), choices=list(SCHOOL_CLASSES.items()), default="P1"
    )
    max_class = SelectField(_l("To the class"), choices=list(SCHOOL_CLASSES.items()), default="P5")
    fee_it = _text(
        _l("Fee (Italian)"), 200, description=_l("Shown only: payments are not taken here.")
    )
    fee_en = _text(_l("Fee (English)"), 200)
    bring_it = _text(_l("What to bring (Italian)"), 2000, area=True)
    bring_en = _text(_l("What to bring (English)"), 2000, area=True)
    leave_alone_min_age = IntegerField(
        _l("Children may go home alone from the age of"),
        validators=[Optional(), NumberRange(6, 17, _l("Between %(min)s and %(max)s years."))],
        description=_l("With the parent's consent. Leave empty: never."),
    )
    opens_at = DateTimeLocalField(
        _l("Enrolment opens"),
        format=LOCAL_FORMATS,
        validators=[Optional(), Years()],
        description=_l("In Milan time. Leave empty: as soon as the edition is published."),
    )
    closes_at = DateTimeLocalField(
        _l("Enrolment closes"),
        format=LOCAL_FORMATS,
        validators=[Optional(), Years()],
        description=_l("Leave empty: each week closes when it starts."),
    )
    withdraw_days = IntegerField(
        _l("Days before a week until which families may withdraw a child online"),
        default=7,
        validators=[
            InputRequired(_l("Please give a number of days (0: until the week starts).")),
            NumberRange(0, 60, _l("Between %(min)s and %(max)s days.")),
        ],
    )
    offer_hours = IntegerField(
        _l("Hours a waiting family has to accept freed places"),
        default=48,
        validators=[
            InputRequired(_l("Please give a number of hours.")),
            NumberRange(1, 240, _l("Between %(min)s and %(max)s hours.")),
        ],
    )
    max_per_booking = IntegerField(
        _l("Children one family may enrol"),
        default=4,
        validators=[
            InputRequired(_l("Please give how many children one family may enrol.")),
            NumberRange(1, 4, _l("Between %(min)s and %(max)s children.")),
        ],
    )
    weeks = FieldList(FormField(WeekForm), min_entries=1, max_entries=MAX_WEEKS)
    error_sections = {"weeks": _l("Week %(n)s")}  # how the error summary names each week

    campus: Campus | None = None
    closed: list[date] = []
    slot_values: list[dict] = []

    @classmethod
    def of(cls, campus: Campus) -> EditionForm:
        """The form filled in with the edition as it is."""
        first = campus.slots[0] if campus.slots else None
        own = {name: getattr(campus, name) for name in EDITION_FIELDS}
        own["min_class"], own["max_class"] = campus.min_class or "P1", campus.max_class or "P5"
        form = cls(
            formdata=None,
            **own,
            season=campus.season.value,
            audience=campus.audience.value,
            closed_days="\n".join(
                date.fromisoformat(d).strftime("%d/%m/%Y") for d in campus.closed_days or ()
            ),
            opens_at=_local_naive(first.opens_at) if first and first.opens_at else None,
            closes_at=_local_naive(first.closes_at) if first and first.closes_at else None,
            withdraw_days=campus.cancel_deadline_hours // 24,
            weeks=[
                {
                    "slot_id": str(slot.id),
                    "first_day": local(slot.starts_at).date(),
                    "last_day": local(slot.ends_at).date(),
                    "starts": local(slot.starts_at).time(),
                    "ends": local(slot.ends_at).time(),
                    "capacity": slot.capacity,
                }
                for slot in campus.slots
            ],
        )
        return form.for_campus(campus)

    def for_campus(self, campus: Campus | None) -> EditionForm:
        self.campus = campus
        return self

    def booked_week(self, entry) -> object | None:
        """The week of the edition an entry edits, if families hold places in it."""
        slot = self._slot_of(entry)
        return slot if slot is not None and slot.taken else None

    def _slot_of(self, entry):
        if self.campus is None or not (entry.form.slot_id.data or "").isdigit():
            return None
        wanted = int(entry.form.slot_id.data)
        return next((s for s in self.campus.slots if s.id == wanted), None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_edition() and valid

    def _check_edition(self) -> bool:
        ok = True

        def refuse(field, message) -> None:
            nonlocal ok
            field.errors = [*field.errors, message]
            ok = False

        starts, ends = self.closure_starts.data, self.closure_ends.data
        if starts and ends and ends < starts:
            refuse(self.closure_ends, _("The closure must end on or after its first day."))
        self.closed = []
        for line in (self.closed_days.data or "").splitlines():
            if not line.strip():
                continue
            day = _day(line.strip())
            if day is None:
                refuse(
                    self.closed_days,
                    _("“%(text)s” is not a date: please write it as 01/01/2027.", text=line),
                )
            else:
                self.closed.append(day)
        if self.audience.data == Audience.ages.value:
            if self.min_age.data is None:
                refuse(self.min_age, _("Please give the youngest age."))
            if self.max_age.data is None:
                refuse(self.max_age, _("Please give the oldest age."))
            if (
                self.min_age.data is not None
                and self.max_age.data is not None
                and self.max_age.data < self.min_age.data
            ):
                refuse(self.max_age, _("At least the youngest age, please."))
        elif CLASS_ORDER.index(self.max_class.data) < CLASS_ORDER.index(self.min_class.data):
            refuse(self.max_class, _("Please choose a class from the first one on."))
        opens = self._moment(self.opens_at)
        closes = self._moment(self.closes_at)
        if (opens is None and self.opens_at.data) or (closes is None and self.closes_at.data):
            ok = False  # a time the clocks skip or repeat: said next to its field
        if opens and closes and closes <= opens:
            refuse(self.closes_at, _("Enrolment must close after it opens."))
        self.slot_values = []
        for entry in self.weeks:
            ok = self._check_week(entry, starts, ends, opens, closes) and ok
        if not any(not e.form.remove.data for e in self.weeks):
            refuse(self.weeks.entries[0].form.remove, _("An edition needs at least one week."))
        return ok

    def _check_week(self, entry, closure_starts, closure_ends, opens, closes) -> bool:
        week = entry.form
        booked = self.booked_week(entry)
        ok = True

        def refuse(field, message) -> None:
            nonlocal ok
            field.errors = [*field.errors, message]
            ok = False

        if week.remove.data:
            if booked is not None:
                refuse(
                    week.remove,
                    _("Families are enrolled in this week: it cannot be removed here."),
                )
            return ok
        first, last = week.first_day.data, week.last_day.data
        if first and last:
            if last < first:
                refuse(week.last_day, _("The last day must be on or after the first."))
            elif (last - first).days > 6:
                refuse(week.last_day, _("A week lasts at most 7 days."))
            if closure_starts and closure_ends and (first < closure_starts or last > closure_ends):
                refuse(week.first_day, _("The week must fall within the schools' closure."))
        if week.starts.data and week.ends.data and week.ends.data <= week.starts.data:
            refuse(week.ends, _("The day must end after it starts."))
        if not ok or not (first and last and week.starts.data and week.ends.data):
            return False
        begins = self._at(week.first_day, first, week.starts.data)
        finishes = self._at(week.last_day, last, week.ends.data)
        if begins is None or finishes is None:
            return False
        if opens and opens >= begins:
            refuse(week.first_day, _("Enrolment must open before the week starts."))
        if booked is not None:
            if (begins, finishes) != (booked.starts_at, booked.ends_at):
                refuse(
                    week.first_day,
                    _(
                        "Families are enrolled in the week %(week)s: its days and hours "
                        "cannot change here.",
                        week=week_label(booked),
                    ),
                )
            if week.capacity.data is not None and week.capacity.data < booked.taken:
                refuse(
                    week.capacity,
                    _(
                        "%(num)s places are taken already: the week cannot have fewer.",
                        num=booked.taken,
                    ),
                )
        if ok:
            self.slot_values.append(
                {
                    "slot": self._slot_of(entry),
                    "starts_at": begins,
                    "ends_at": finishes,
                    "capacity": week.capacity.data,
                    "opens_at": opens,
                    # a week that has begun takes no more families
                    "closes_at": min(closes, begins) if closes else None,
                }
            )
        return ok

    def _moment(self, field) -> datetime | None:
        if field.data is None:
            return None
        return self._at(field, field.data.date(), field.data.time())

    def _at(self, field, day: date, clock: time) -> datetime | None:
        if field.errors:  # a date refused already (out of range): nothing to reckon with
            return None
        try:
            return museum_time(day, clock)
        except LocalTimeError:
            field.errors = [
                *field.errors,
                _(
                    "On %(day)s the clocks change and %(time)s does not exist or happens "
                    "twice. Please choose another time.",
                    day=day.strftime("%d/%m/%Y"),
                    time=clock.strftime("%H:%M"),
                ),
            ]
            return None

    def settings(self) -> dict:
        """The edition's own values, as the model names them."""
        ages = self.audience.data == Audience.ages.value
        return {
            "title_it": self.title_it.data,
            "title_en": self.title_en.data or "",
            "summary_it": self.summary_it.data or "",
            "summary_en": self.summary_en.data or "",
            "season": Season(self.season.data),
            "closure_starts": self.closure_starts.data,
            "closure_ends": self.closure_ends.data,
            "closed_days": sorted(d.isoformat() for d in self.closed),
            "audience": Audience(self.audience.data),
            "min_age": self.min_age.data if ages else 6,
            "max_age": self.max_age.data if ages else 11,
            "min_class": None if ages else self.min_class.data,
            "max_class": None if ages else self.max_class.data,
            "fee_it": self.fee_it.data or "",
            "fee_en": self.fee_en.data or "",
            "bring_it": self.bring_it.data or "",
            "bring_en": self.bring_en.data or "",
            "leave_alone_min_age": self.leave_alone_min_age.data,
            "cancel_deadline_hours": self.withdraw_days.data * 24,
            "offer_hours": self.offer_hours.data,
            "max_per_booking": self.max_per_booking.data,
        }


class NewEditionForm(EditionForm):
    publish = BooleanField(
        _l("Publish now (families see it and can enrol once enrolment opens)"),
        validators=[Optional()],
    )


_DAY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _day(text: str) -> date | None:
    """01/01/2027 (or 1.1.2027, 2027-01-01)."""
    try:
        if match := _DAY.match(text):
            d, m, y = (int(g) for g in match.groups())
            return date(y, m, d)
        return date.fromisoformat(text)
    except ValueError:
        return None


def _local_naive(moment: datetime) -> datetime:
    return local(moment).replace(tzinfo=None)
