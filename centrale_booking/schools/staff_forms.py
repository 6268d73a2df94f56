"""The education staff's forms of the catalogue: an activity (its texts, grade levels with a
text for each, duration, most pupils, room, pictures with their descriptions) and a school
year (when its booking window opens, its school closures). Every message is next to its field."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..clock import LocalTimeError, local, museum_time
from ..forms import TextRuleForm
from ..pictures import ImageRefused, reencoded, store
from .forms import GRADE_CHOICES, CheckboxesField
from .labels import GRADE_LABELS
from .models import API_NAMES, BY_API_NAME, Activity, GradeLevel, SchoolYear


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _at_most(maximum: int) -> Length:
    return Length(max=maximum, message=_l("At most %(max)d characters, please."))


def room_field(**options) -> StringField:
    """An activity's room, or one slot's: the same rule in both forms."""
    return StringField(
        _l("Room"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please say in which room the activity takes place.")),
            _at_most(120),
        ],
        **options,
    )


def _level_fields(level: GradeLevel) -> tuple[TextAreaField, TextAreaField]:
    name = GRADE_LABELS[level]
    return (
        TextAreaField(
            _l("%(level)s: text in Italian", level=name),
            filters=[_strip],
            render_kw={"rows": 4},
        ),
        TextAreaField(
            _l("%(level)s: text in English", level=name),
            filters=[_strip],
            render_kw={"rows": 4},
        ),
    )


class ActivityForm(TextRuleForm):
    title_it = StringField(
        _l("Title in Italian"),
        filters=[_strip],
        validators=[DataRequired(_l("Please give the title in Italian.")), _at_most(200)],
    )
    title_en = StringField(
        _l("Title in English"),
        filters=[_strip],
        validators=[_at_most(200)],
        description=_l("Left empty, the English pages show the Italian title."),
    )
    summary_it = TextAreaField(_l("Summary in Italian"), filters=[_strip], render_kw={"rows": 3})
    summary_en = TextAreaField(_l("Summary in English"), filters=[_strip], render_kw={"rows": 3})
    grades = CheckboxesField(
        _l("Grade levels"),
        choices=GRADE_CHOICES,
        validators=[InputRequired(_l("Please tick at least one grade level."))],
        description=_l("Teachers of these levels see the activity, with the text for their level."),
    )
    infanzia_it, infanzia_en = _level_fields(GradeLevel.infanzia)
    primaria_it, primaria_en = _level_fields(GradeLevel.primaria)
    secondaria_primo_it, secondaria_primo_en = _level_fields(GradeLevel.secondaria_primo)
    secondaria_secondo_it, secondaria_secondo_en = _level_fields(GradeLevel.secondaria_secondo)
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        default=90,
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How long does the activity last?")),
            NumberRange(15, 480, _l("Between %(min)s and %(max)s minutes.")),
        ],
    )
    max_pupils = IntegerField(
        _l("Most pupils"),
        default=28,
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How many pupils can take part at most?")),
            NumberRange(1, 60, _l("Between %(min)s and %(max)s pupils.")),
        ],
    )
    room = room_field(
        description=_l(
            "The slots made from now on take this room; those made before keep theirs "
            "(each can be changed from the activity's slots)."
        ),
    )
    published = BooleanField(_l("Published: teachers can see it and book it"))
    image_file = FileField(
        _l("Picture"),
        description=_l("JPEG, PNG or WebP, at most 5 MB. It is resized and saved again."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    image_alt_it = StringField(
        _l("Image description in Italian"),
        filters=[_strip],
        validators=[_at_most(300)],
        description=_l("What the picture shows, for people who cannot see it."),
    )
    image_alt_en = StringField(
        _l("Image description in English"), filters=[_strip], validators=[_at_most(300)]
    )

    new_image: str | None = None  # the stored upload's path, once validated

    @classmethod
    def for_activity(cls, activity: Activity) -> ActivityForm:
        form = cls(obj=activity)
        form.grades.data = [API_NAMES[g] for g in API_NAMES if g in activity.grades]
        for row in activity.grade_rows:
            form[f"{row.grade.value}_it"].data = row.text_it
            form[f"{row.grade.value}_en"].data = row.text_en
        return form

    def level_field(self, level: GradeLevel, language: str):
        return self[f"{level.value}_{language}"]

    @property
    def levels(self) -> list[GradeLevel]:
        return [BY_API_NAME[name] for name in self.grades.data or () if name in BY_API_NAME]

    def validate_image_file(self, field):
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            return
        try:
            self.new_image = store(reencoded(upload.stream), "schools")
        except ImageRefused as refused:
            raise ValidationError(str(refused.message)) from None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_together() and valid

    def _check_together(self) -> bool:
        ok = True
        for level in self.levels:  # the same activity told to a 5-year-old and a 16-year-old
            text = self.level_field(level, "it")
            if not text.data:
                text.errors.append(_("Please tell the activity for this grade level."))
                ok = False
        if self.new_image and not self.image_alt_it.data:
            self.image_alt_it.errors.append(
                _("Please describe the image for people who cannot see it.")
            )
            ok = False
        return ok

    def values(self) -> dict:
        """What the service writes: the activity's own fields, and a text per level."""
        return {
            "title_it": self.title_it.data,
            "title_en": self.title_en.data or "",
            "summary_it": self.summary_it.data or "",
            "summary_en": self.summary_en.data or "",
            "duration_minutes": self.duration_minutes.data,
            "max_pupils": self.max_pupils.data,
            "room": self.room.data,
            "published": bool(self.published.data),
            "texts": {
                level: (
                    self.level_field(level, "it").data,
                    self.level_field(level, "en").data or "",
                )
                for level in self.levels
            },
        }


def _day_or_none(word: str) -> date | None:
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


def _closure_lines(text: str) -> list[tuple[date, date, str]]:
    """One closure a line: `2026-12-23 2027-01-06 Christmas holidays`, or one day alone."""
    closures = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        first = _day_or_none(words[0])
        if first is None:
            raise ValidationError(
                _("Line %(num)s: start with a date such as 2026-12-23.", num=number)
            )
        last = _day_or_none(words[1]) if len(words) > 1 else None
        label = words[2:] if last else words[1:]
        last = last or first
        if last < first:
            raise ValidationError(
                _("Line %(num)s: the last day comes before the first.", num=number)
            )
        closures.append((first, last, " ".join(label)[:120]))
    return closures


class SchoolYearForm(TextRuleForm):
    start = IntegerField(
        _l("School year, by its first calendar year"),
        description=_l("2026 for the school year 2026/27."),
        invalid_value_message=_l("Please enter a year such as 2026."),
        validators=[
            InputRequired(_l("Which school year? e.g. 2026 for 2026/27.")),
            NumberRange(2020, 2100, _l("A year between %(min)s and %(max)s.")),
        ],
    )
    opens_on = DateField(
        _l("Booking opens on"),
        validators=[InputRequired(_l("On which day does booking open?"))],
    )
    opens_at = TimeField(
        _l("At"),
        default=time(9, 0),
        invalid_value_message=_l("Please enter a time such as 9:00."),
        validators=[InputRequired(_l("At what time does booking open?"))],
    )
    closures = TextAreaField(
        _l("School closures of the regional calendar"),
        description=_l(
            "One a line: first day, last day (for more than one), what it is. "
            "E.g. 2026-12-23 2027-01-06 Christmas holidays. Public holidays are skipped anyway."
        ),
        render_kw={"rows": 6},
        validators=[Optional()],
    )

    @classmethod
    def for_year(cls, year: SchoolYear, opens: datetime) -> SchoolYearForm:
        form = cls(start=year.start, opens_on=opens.date(), opens_at=opens.time())
        form.closures.data = "\n".join(
            " ".join(
                part
                for part in (
                    c.first_day.isoformat(),
                    c.last_day.isoformat() if c.last_day != c.first_day else "",
                    c.label,
                )
                if part
            )
            for c in year.closures
        )
        return form

    def validate_closures(self, field):
        self.closure_list = _closure_lines(field.data)
        start = self.start.data
        if start is None:
            return
        for first, last, _label in self.closure_list:
            if first < date(start, 9, 1) or last > date(start + 1, 8, 31):
                raise ValidationError(
                    _(
                        "Every closure falls between 1 September %(first)s and 31 August %(last)s.",
                        first=start,
                        last=start + 1,
                    )
                )

    closure_list: list[tuple[date, date, str]] = []


class SlotForm(TextRuleForm):
    """One slot of an activity, changed by the staff: its date, start time, room and
    capacity in classes. It keeps its length (the activity's duration when it was made)."""

    day = DateField(_l("Date"), validators=[InputRequired(_l("On which day is the slot?"))])
    start = TimeField(
        _l("Start time"),
        invalid_value_message=_l("Please enter a time such as 9:30."),
        validators=[InputRequired(_l("At what time does the slot start?"))],
    )
    room = room_field()
    capacity = IntegerField(
        _l("Classes"),
        invalid_value_message=_l("Please enter a whole number."),
        description=_l("How many classes the slot takes: usually one."),
        validators=[
            InputRequired(_l("How many classes does the slot take?")),
            NumberRange(1, 10, _l("Between %(min)s and %(max)s classes.")),
        ],
    )

    @classmethod
    def for_slot(cls, slot, room: str) -> SlotForm:
        starts = local(slot.starts_at)
        return cls(day=starts.date(), start=starts.time(), room=room, capacity=slot.capacity)

    def starts_at(self, now: datetime) -> datetime | None:
        """The moment the museum's clocks show the day and time, or None with the reason next
        to its field: a time the clocks skip or show twice, a moment already past."""
        try:
            moment = museum_time(self.day.data, self.start.data)
        except LocalTimeError as exc:
            values = {"day": self.day.data.strftime("%d/%m/%Y"), "time": f"{self.start.data:%H:%M}"}
            if exc.kind == "skipped":
                message = _(
                    "On %(day)s the clocks go forward and %(time)s does not exist. "
                    "Please choose another time.",
                    **values,
                )
            else:
                message = _(
                    "On %(day)s the clocks go back and %(time)s happens twice. "
                    "Please choose another time.",
                    **values,
                )
            self.start.errors.append(message)
            return None
        if moment <= now:
            field = self.start if local(moment).date() == local(now).date() else self.day
            field.errors.append(_("The slot must start later than now."))
            return None
        return moment


def _paragraphs(value):
    # line ends as one kind, outer spaces gone: the reason is written in the teachers' emails
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class CancelSlotForm(TextRuleForm):
    """Cancelling a slot: the reason, if given, is written in each teacher's email (in English
    too, when given). `booked` is the number of classes the staff were shown: if a class
    booked or left meanwhile, the page counts again before anyone is told."""

    reason_it = TextAreaField(
        _l("Reason (in Italian)"),
        filters=[_paragraphs],
        validators=[Optional(), _at_most(500)],
        description=_l(
            "For example: “The room is closed for works.” Written in each teacher's email; "
            "left empty, the email says only that the museum has had to cancel."
        ),
        render_kw={"rows": 3},
    )
    reason_en = TextAreaField(
        _l("Reason (in English)"),
        filters=[_paragraphs],
        validators=[Optional(), _at_most(500)],
        description=_l(
            "For the teachers who booked in English; left empty, they read the Italian."
        ),
        render_kw={"rows": 3},
    )
    booked = HiddenField()

    def reason(self) -> dict[str, str]:
        italian = self.reason_it.data or ""
        return {"it": italian, "en": self.reason_en.data or italian} if italian else {}
