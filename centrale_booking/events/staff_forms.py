"""The back office's event forms: one event, a weekly series, and the buttons that only say
yes. Times are typed as the museum's clocks show them (Europe/Rome) and become aware datetimes
here, where a time the clocks skip or show twice can still be refused next to its field."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..clock import LocalTimeError, local, museum_time
from ..extensions import utcnow
from ..forms import DeliverableEmail, PersonName, TextRuleForm
from ..pictures import ImageRefused, reencoded, store
from .labels import CATEGORY_LABELS, FORMAT_LABELS
from .models import Category, Event, EventFormat
from .service import EVENT_FIELDS, MAX_SERIES, Message, SeriesPlan, plan_series

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
IMAGE_PATH = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._/-]*\.(jpe?g|png|webp|avif|svg)$", re.I)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def image_path(value):
    """What people paste: /static/img/a.jpg, static/img/a.jpg or img/a.jpg mean the same."""
    value = strip(value) or ""
    value = value.lstrip("/")
    return value.removeprefix("static/")


def at_most(maximum: int) -> Length:
    return Length(max=maximum, message=_l("At most %(max)d characters, please."))


class HttpsLink:
    """A full https:// link, or nothing (the field is optional)."""

    def __init__(self, message=None):
        self.message = message or _l("Please enter a full link that starts with https://.")

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            parts = urlsplit(field.data)
        except ValueError:
            raise ValidationError(self.message) from None
        if parts.scheme != "https" or not parts.hostname or re.search(r"\s", field.data):
            raise ValidationError(self.message)


def image_under_static(form, field):
    if field.data and (not IMAGE_PATH.match(field.data) or ".." in field.data.split("/")):
        raise ValidationError(
            _l("A jpg, png, webp, avif or svg picture under static/, such as img/eventi/a.jpg.")
        )


# Fields that an event's form and a series' form both have: made by a function, so that each
# form gets its own field in its own place (WTForms orders fields by when they were made).


def start_time_field() -> TimeField:
    return TimeField(
        _l("Starts at"),
        format=TIME_FORMATS,
        invalid_value_message=_l("Please enter a time such as 18:30."),
        validators=[InputRequired(_l("At what time does it start?"))],
    )


def end_time_field() -> TimeField:
    return TimeField(
        _l("Ends at"),
        format=TIME_FORMATS,
        invalid_value_message=_l("Please enter a time such as 20:00."),
        validators=[InputRequired(_l("At what time does it end?"))],
    )


def room_field() -> StringField:
    return StringField(
        _l("Room"),
        filters=[strip],
        validators=[at_most(120)],
        description=_l("Such as Sala delle pompe. Not needed for a streaming-only event."),
    )


def capacity_field() -> IntegerField:
    return IntegerField(
        _l("Seats"),
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How many seats are there?")),
            NumberRange(1, 5000, _l("Between %(min)s and %(max)s seats.")),
        ],
    )


class EventFieldsForm(TextRuleForm):
    """What every event has, whether made alone or in a series: texts, format, place, hours,
    seats and rules. The day (or days) and the booking window are the subclasses'."""

    title_it = StringField(
        _l("Title in Italian"),
        filters=[strip],
        validators=[DataRequired(_l("Please give the event a title in Italian.")), at_most(200)],
    )
    title_en = StringField(
        _l("Title in English"),
        filters=[strip],
        validators=[DataRequired(_l("Please give the event a title in English.")), at_most(200)],
    )
    summary_it = TextAreaField(
        _l("Summary in Italian"),
        filters=[strip],
        validators=[at_most(500)],
        description=_l("One or two sentences, shown in the calendar."),
        render_kw={"rows": 2},
    )
    summary_en = TextAreaField(
        _l("Summary in English"),
        filters=[strip],
        validators=[at_most(500)],
        description=_l("If empty, the Italian summary is shown."),
        render_kw={"rows": 2},
    )
    description_it = TextAreaField(
        _l("Description in Italian"),
        filters=[strip],
        validators=[at_most(10000)],
        description=_l("Shown on the event's page."),
        render_kw={"rows": 6},
    )
    description_en = TextAreaField(
        _l("Description in English"),
        filters=[strip],
        validators=[at_most(10000)],
        description=_l("If empty, the Italian description is shown."),
        render_kw={"rows": 6},
    )
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice("", _l("Choose a category"))]
        + [SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category],
        validators=[InputRequired(_l("Please choose a category."))],
    )
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice("", _l("Choose how people take part"))]
        + [SelectChoice(f.value, FORMAT_LABELS[f]) for f in EventFormat],
        validators=[InputRequired(_l("Please choose how people take part."))],
    )
    room = room_field()
    speakers = TextAreaField(
        _l("Speakers"), filters=[strip], validators=[at_most(2000)], render_kw={"rows": 2}
    )
    partners = TextAreaField(
        _l("Partners"), filters=[strip], validators=[at_most(2000)], render_kw={"rows": 2}
    )
    stream_url = URLField(
        _l("Live stream link"),
        filters=[strip],
        validators=[at_most(500), HttpsLink()],
        description=_l("Starts with https://. It can be added later."),
    )
    replay_url = URLField(
        _l("Replay link"),
        filters=[strip],
        validators=[at_most(500), HttpsLink()],
        description=_l("The recording, once it is online. Starts with https://."),
    )
    # The picture the event has (an upload's "uploads/<random>.jpg", or a path under static/
    # of the demo's), kept as it is unless a new one is uploaded or it is removed.
    image = HiddenField(filters=[image_path], validators=[at_most(300), image_under_static])
    image_file = FileField(
        _l("Picture"),
        description=_l("JPEG, PNG or WebP, at most 5 MB. It is resized and saved again."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    remove_image = BooleanField(_l("Remove the picture"))
    image_alt_it = StringField(
        _l("Image description in Italian"),
        filters=[strip],
        validators=[at_most(300)],
        description=_l("What the picture shows, for people who cannot see it."),
    )
    image_alt_en = StringField(
        _l("Image description in English"), filters=[strip], validators=[at_most(300)]
    )
    start_time = start_time_field()
    end_time = end_time_field()
    capacity = capacity_field()
    max_per_booking = IntegerField(
        _l("Most seats in one booking"),
        default=4,
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How many seats may one person book?")),
            NumberRange(1, 50, _l("Between %(min)s and %(max)s seats.")),
        ],
    )
    cancel_deadline_hours = IntegerField(
        _l("Online cancellation closes"),
        default=2,
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How many hours before the start?")),
            NumberRange(0, 720, _l("Between %(min)s and %(max)s hours.")),
        ],
        description=_l("Hours before the start; 0: until it starts. Staff can always cancel."),
    )

    def validate_image_file(self, field):
        # Stored at once, and kept by the hidden field: a form refused for another field, or
        # a series' preview, does not ask for the picture again.
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            return
        try:
            self.image.data = store(reencoded(upload.stream))
        except ImageRefused as refused:
            raise ValidationError(str(refused.message)) from None
        self.remove_image.data = False

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_together() and valid

    def _check_together(self) -> bool:
        """The rules between fields, each message next to the field to change."""
        ok = True
        if self.format.data in (EventFormat.in_person, EventFormat.both) and not self.room.data:
            self.room.errors.append(_("Please say in which room the event takes place."))
            ok = False
        if self.image.errors:  # the hidden field's own: said where the picture is chosen
            self.image_file.errors = [*self.image_file.errors, *self.image.errors]
            self.image.errors = []
            ok = False
        if self.remove_image.data:
            self.image.data = ""
        if self.image.data and not self.image_alt_it.data:
            self.image_alt_it.errors.append(
                _("Please describe the image for people who cannot see it.")
            )
            ok = False
        seats, most = self.capacity.data, self.max_per_booking.data
        if seats and most and not self.capacity.errors and most > seats:
            self.max_per_booking.errors.append(
                _("At most the seats of the event (%(seats)s).", seats=seats)
            )
            ok = False
        return ok

    def _local_time(self, field, day: date, clock) -> datetime | None:
        """The moment the museum's clocks show `clock` on `day`, or None with the reason
        next to the field."""
        try:
            return museum_time(day, clock)
        except LocalTimeError as exc:
            when = day.strftime("%d/%m/%Y")
            if exc.kind == "skipped":
                message = _(
                    "On %(day)s the clocks go forward and %(time)s does not exist. "
                    "Please choose another time.",
                    day=when,
                    time=clock.strftime("%H:%M"),
                )
            else:
                message = _(
                    "On %(day)s the clocks go back and %(time)s happens twice. "
                    "Please choose another time.",
                    day=when,
                    time=clock.strftime("%H:%M"),
                )
            field.errors.append(message)
            return None

    def _hours_on(self, day: date) -> tuple[datetime, datetime] | None:
        if self.start_time.data is None or self.end_time.data is None:
            return None
        starts = self._local_time(self.start_time, day, self.start_time.data)
        ends = self._local_time(self.end_time, day, self.end_time.data)
        if starts is None or ends is None:
            return None
        if ends <= starts:
            self.end_time.errors.append(_("The event must end after it starts."))
            return None
        return starts, ends

    def settings(self) -> dict:
        """The fields of the Event itself, as the service takes them."""
        values = {name: self[name].data for name in EVENT_FIELDS}
        values["category"] = Category(values["category"])
        values["format"] = EventFormat(values["format"])
        return values


class EventForm(EventFieldsForm):
    """One event: its day, and when booking opens and closes."""

    starts_on = DateField(
        _l("Date"),
        invalid_value_message=_l("Please enter a date such as 31/12/2027."),
        validators=[InputRequired(_l("On which day?"))],
    )
    opens_at = DateTimeLocalField(
        _l("Booking opens"),
        format=LOCAL_DATETIME_FORMATS,
        invalid_value_message=_l("Please enter a date and a time."),
        validators=[Optional()],
        description=_l("Empty: as soon as the event is published."),
    )
    closes_at = DateTimeLocalField(
        _l("Booking closes"),
        format=LOCAL_DATETIME_FORMATS,
        invalid_value_message=_l("Please enter a date and a time."),
        validators=[Optional()],
        description=_l("Empty: when the event starts."),
    )

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    opens_at_utc: datetime | None = None
    closes_at_utc: datetime | None = None

    @classmethod
    def for_event(cls, event: Event) -> EventForm:
        slot = event.slot
        data = {name: getattr(event, name) for name in EVENT_FIELDS}
        data["category"] = event.category.value
        data["format"] = event.format.value
        starts, ends = local(slot.starts_at), local(slot.ends_at)
        data.update(
            starts_on=starts.date(),
            start_time=starts.time(),
            end_time=ends.time(),
            capacity=slot.capacity,
            opens_at=local(slot.opens_at).replace(tzinfo=None) if slot.opens_at else None,
            closes_at=local(slot.closes_at).replace(tzinfo=None) if slot.closes_at else None,
        )
        return cls(data=data)

    def _check_together(self) -> bool:
        ok = super()._check_together()
        if self.starts_on.data is None:
            return False
        hours = self._hours_on(self.starts_on.data)
        if hours is None:
            return False
        self.starts_at, self.ends_at = hours
        if self.opens_at.data is not None:
            self.opens_at_utc = self._local_time(
                self.opens_at, self.opens_at.data.date(), self.opens_at.data.time()
            )
            ok = ok and self.opens_at_utc is not None
        if self.closes_at.data is not None:
            self.closes_at_utc = self._local_time(
                self.closes_at, self.closes_at.data.date(), self.closes_at.data.time()
            )
            ok = ok and self.closes_at_utc is not None
        opens, closes = self.opens_at_utc, self.closes_at_utc
        if opens and opens >= self.starts_at:
            self.opens_at.errors.append(_("Booking must open before the event starts."))
            ok = False
        if closes and closes > self.ends_at:
            self.closes_at.errors.append(_("Booking must close by the end of the event."))
            ok = False
        if opens and closes and closes <= opens:
            self.closes_at.errors.append(_("Booking must close after it opens."))
            ok = False
        return ok

    def slot_values(self) -> dict:
        return {
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "opens_at": self.opens_at_utc,
            "closes_at": self.closes_at_utc,
        }


PAST_MESSAGE = _l(
    "This date is in the past. If you are recording an event that has already taken place, "
    "tick “Yes, the date is in the past” below."
)


def in_the_past_field():
    return BooleanField(
        _l("Yes, the date is in the past"),
        description=_l("Only to record an event that has already taken place."),
    )


class NewEventForm(EventForm):
    publish = BooleanField(_l("Publish at once"), description=_l("Otherwise it stays a draft."))
    in_the_past = in_the_past_field()
    past_refused = False  # the date was in the past, not yet confirmed: show the box

    def _check_together(self) -> bool:
        ok = super()._check_together()
        if ok and self.starts_at < utcnow() and not self.in_the_past.data:
            self.starts_on.errors.append(str(PAST_MESSAGE))
            self.past_refused = True
            return False
        return ok


SKIP_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y")


def _read_day(text: str) -> date | None:
    for pattern in SKIP_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class SeriesForm(EventFieldsForm):
    """The same event every week on one weekday, from a first to a last day, minus the days
    to skip: one event per date, created together after a preview."""

    weekday = SelectField(_l("Every"), coerce=int, default=3)
    first_day = DateField(
        _l("From"),
        invalid_value_message=_l("Please enter a date such as 31/12/2027."),
        validators=[InputRequired(_l("From which day?"))],
    )
    last_day = DateField(
        _l("Until"),
        invalid_value_message=_l("Please enter a date such as 31/12/2027."),
        validators=[InputRequired(_l("Until which day?"))],
    )
    skip = TextAreaField(
        _l("Days to skip"),
        filters=[strip],
        description=_l("Holidays and closures, as 01/04/2027, separated by commas or lines."),
        render_kw={"rows": 3},
    )
    opens_days_before = IntegerField(
        _l("Booking opens, days before each date"),
        invalid_value_message=_l("Please enter a whole number."),
        validators=[Optional(), NumberRange(1, 365, _l("Between %(min)s and %(max)s days."))],
        description=_l("At 9:00 that day. Empty: as soon as the events are published."),
    )
    closes_hours_before = IntegerField(
        _l("Booking closes, hours before the start"),
        invalid_value_message=_l("Please enter a whole number."),
        validators=[Optional(), NumberRange(0, 720, _l("Between %(min)s and %(max)s hours."))],
        description=_l("Empty or 0: when each event starts."),
    )
    publish = BooleanField(
        _l("Publish them at once"), description=_l("Otherwise they stay drafts.")
    )
    in_the_past = in_the_past_field()
    past_refused = False
    planned = HiddenField()  # the dates shown in the preview, checked again on creation

    plan: SeriesPlan | None = None
    skip_days: list[date]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = get_day_names("wide", locale=str(get_locale() or "it"))
        self.weekday.choices = [SelectChoice(n, names[n].capitalize()) for n in range(7)]
        self.skip_days = []

    def validate_skip(self, field):
        unreadable = []
        for text in re.split(r"[\s,;]+", field.data or ""):
            if not text:
                continue
            day = _read_day(text)
            if day is None:
                unreadable.append(text)
            else:
                self.skip_days.append(day)
        if unreadable:
            raise ValidationError(
                _(
                    "These are not dates: %(values)s. Please write them as 01/04/2027.",
                    values=", ".join(unreadable),
                )
            )

    def _check_together(self) -> bool:
        ok = super()._check_together()
        first, last = self.first_day.data, self.last_day.data
        if first is None or last is None or self.weekday.data is None:
            return False
        if last < first:
            self.last_day.errors.append(_("The last day must come after the first."))
            return False
        plan = plan_series(first, last, self.weekday.data, set(self.skip_days))
        if not plan.dates:
            self.weekday.errors.append(
                _("There is no such day between the first and the last day.")
            )
            return False
        if len(plan.dates) > MAX_SERIES:
            self.last_day.errors.append(
                _(
                    "At most %(max)s dates in one series; this one has %(count)s. "
                    "Please choose a shorter period.",
                    max=MAX_SERIES,
                    count=len(plan.dates),
                )
            )
            return False
        for day in plan.dates:  # a time the clocks skip on one of the days is refused
            if self._hours_on(day) is None:
                return False
        first_starts = self._hours_on(plan.dates[0])[0]
        if first_starts < utcnow() and not self.in_the_past.data:
            self.first_day.errors.append(str(PAST_MESSAGE))
            self.past_refused = True
            return False
        window = self.window(first_starts)
        if window["opens_at"] and window["closes_at"] and window["closes_at"] <= window["opens_at"]:
            self.closes_hours_before.errors.append(_("Booking must close after it opens."))
            return False
        self.plan = plan
        return ok

    def window(self, starts_at: datetime) -> dict:
        """When booking opens and closes for the date starting at `starts_at`."""
        opens = closes = None
        if self.opens_days_before.data:
            day = local(starts_at).date() - timedelta(days=self.opens_days_before.data)
            opens = museum_time(day, time(9, 0))
        if self.closes_hours_before.data:
            closes = starts_at - timedelta(hours=self.closes_hours_before.data)
        return {"opens_at": opens, "closes_at": closes}

    @property
    def plan_key(self) -> str:
        return ",".join(day.isoformat() for day in self.plan.dates) if self.plan else ""


# --- A booking, from the back office ----------------------------------------------------


class SeatsForm(TextRuleForm):
    """Change the seats of one booking in the attendee list."""

    seats = IntegerField(
        _l("Seats"),
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How many seats?")),
            NumberRange(min=1, message=_l("At least one seat, please.")),
        ],
    )


class PhoneBookingForm(TextRuleForm):
    """A booking taken on the phone: who, how many, in which language the emails go."""

    name = StringField(
        _l("Name and surname"),
        filters=[strip],
        validators=[
            PersonName(),
            InputRequired(_l("Please give the person's name.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters, please.")),
        ],
    )
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[
            InputRequired(_l("The confirmation and the tickets are sent there.")),
            DeliverableEmail(_l("This email address does not look right.")),
            Length(max=254),
        ],
    )
    phone = StringField(
        _l("Phone"),
        filters=[strip],
        validators=[Optional(), Length(max=40)],
        description=_l("To call the person if the event changes."),
    )
    seats = IntegerField(
        _l("Seats"),
        default=1,
        invalid_value_message=_l("Please enter a whole number."),
        validators=[
            InputRequired(_l("How many seats?")),
            NumberRange(min=1, message=_l("At least one seat, please.")),
        ],
    )
    language = SelectField(
        _l("Language of the emails"),
        choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")],
        default="it",
    )
    privacy_told = BooleanField(
        _l("The person was told of the privacy notice and agrees"),
        validators=[DataRequired(_l("We can only take the booking with the person's consent."))],
    )


class SeriesEditForm(TextRuleForm):
    """What changes for every date still to come of a weekly series, at once."""

    start_time = start_time_field()
    end_time = end_time_field()
    room = room_field()
    capacity = capacity_field()

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_("The event must end after it starts."))

    @classmethod
    def for_event(cls, event: Event) -> SeriesEditForm:
        slot = event.slot
        return cls(
            data={
                "start_time": local(slot.starts_at).time(),
                "end_time": local(slot.ends_at).time(),
                "room": event.room,
                "capacity": slot.capacity,
            }
        )


# --- Telling the people of an event ----------------------------------------------------------


def paragraphs(value):
    """The text as typed, its line ends made one kind and the blank edges trimmed."""
    return (
        value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value
    )


class CancelEventForm(TextRuleForm):
    """Cancelling a date: why, which every person's email says (in English too, when given)."""

    reason_it = TextAreaField(
        _l("Reason (in Italian)"),
        filters=[paragraphs],
        validators=[
            DataRequired(_l("Please say why the event is cancelled: the email tells everyone.")),
            at_most(500),
        ],
        description=_l("For example: “The speaker is ill.” It is written in each person's email."),
    )
    reason_en = TextAreaField(
        _l("Reason (in English)"),
        filters=[paragraphs],
        validators=[Optional(), at_most(500)],
        description=_l("For the people who booked in English; left empty, they read the Italian."),
    )

    def reason(self) -> dict[str, str]:
        return {"it": self.reason_it.data, "en": self.reason_en.data or self.reason_it.data}


class MessageForm(TextRuleForm):
    """The staff's words to the people of an event, in both languages, previewed first."""

    subject_it = StringField(
        _l("Subject (in Italian)"),
        filters=[strip],
        validators=[DataRequired(_l("Please write the subject in Italian.")), at_most(120)],
    )
    body_it = TextAreaField(
        _l("Message (in Italian)"),
        filters=[paragraphs],
        validators=[DataRequired(_l("Please write the message in Italian.")), at_most(3000)],
    )
    subject_en = StringField(
        _l("Subject (in English)"),
        filters=[strip],
        validators=[DataRequired(_l("Please write the subject in English.")), at_most(120)],
    )
    body_en = TextAreaField(
        _l("Message (in English)"),
        filters=[paragraphs],
        validators=[DataRequired(_l("Please write the message in English.")), at_most(3000)],
    )

    def message(self) -> Message:
        return Message(
            subject={"it": self.subject_it.data, "en": self.subject_en.data},
            body={"it": self.body_it.data, "en": self.body_en.data},
        )
