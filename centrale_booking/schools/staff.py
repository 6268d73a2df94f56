"""The education staff's pages of the school visits: the day's schedule (and its PDF), the
bookings with filters and their CSV export, a class marked as no-show, and the slot helper
(dates over a range on given weekdays and times, skipping Italian public holidays, Milan's
7 December and the school year's closures). Every view parses, calls, renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import holidays
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..admin.audit import record
from ..admin.exports import bookings_csv
from ..auth.models import AuditLog
from ..booking.changes import CapacityBelowTaken
from ..booking.labels import STATUS_LABELS
from ..booking.models import Booking, Slot
from ..booking.reminders import reminded
from ..booking.states import LIVE, BookingStatus
from ..clock import LocalTimeError, local, midnight, museum_time, today
from ..converters import MAX_ID
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm, TextRuleForm
from ..i18n import current_language
from ..programmes import ExportColumn
from .labels import GRADE_LABELS, grade_label, years_text
from .models import BY_API_NAME, Activity, GradeLevel, SchoolVisit, SchoolYear, school_year_of
from .rules import OtherSchoolYear
from .service import NewImage, create_activity, save_school_year, update_activity
from .slots import (
    SlotChange,
    cancel_activity_slot,
    change_slot,
    classes_booked,
    classes_to_tell,
    slots_of,
)
from .staff_forms import ActivityForm, CancelSlotForm, SchoolYearForm, SlotForm

S = BookingStatus
RECONFIRM_BY = timedelta(days=3)  # not reconfirmed this close to the visit: flagged


@dataclass(frozen=True)
class Row:
    booking: Booking
    visit: SchoolVisit
    not_reconfirmed: bool


def _rows(query) -> list[Row]:
    now = utcnow()
    rows = []
    for booking, visit in db.session.execute(query).all():
        late = (
            booking.status is S.confirmed
            and visit.reconfirmed_at is None
            and booking.slot.starts_at - now <= RECONFIRM_BY
            and reminded(booking, "reminder_week")
        )
        rows.append(Row(booking, visit, late))
    return rows


def _visits():
    return (
        select(Booking, SchoolVisit)
        .join(SchoolVisit, SchoolVisit.booking_id == Booking.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .order_by(Slot.starts_at, Booking.id)
    )


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else today()
    except ValueError:
        return today()


def schedule():
    day = _day(request.args.get("data"))
    rows = _day_rows(day)
    return render_template(
        "schools/staff/schedule.html",
        day=day,
        rows=rows,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        button=ConfirmForm(),
    )


def _day_rows(day: date) -> list[Row]:
    start, end = midnight(day), midnight(day + timedelta(days=1))
    return _rows(
        _visits().where(
            Slot.starts_at >= start, Slot.starts_at < end, Booking.status == S.confirmed
        )
    )


def schedule_pdf():
    from ..documents.pdf import renderer

    day = _day(request.args.get("data"))
    html = render_template("pdf/schools_day.html", day=day, rows=_day_rows(day))
    response = make_response(renderer().render(html))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="scuole-{day.isoformat()}.pdf"'
    return response


def bookings():
    args = request.args
    query = _visits()
    first, last = _day(args.get("dal")) if args.get("dal") else None, None
    if args.get("al"):
        last = _day(args.get("al"))
    if first:
        query = query.where(Slot.starts_at >= midnight(first))
    if last:
        query = query.where(Slot.starts_at < midnight(last + timedelta(days=1)))
    if args.get("attivita", "").isdecimal() and int(args["attivita"]) <= MAX_ID:
        query = query.where(Slot.programme_id == int(args["attivita"]))
    if level := BY_API_NAME.get(args.get("livello", "")):
        query = query.where(SchoolVisit.grade == level)
    if school := args.get("scuola", "").strip():
        like = f"%{school.upper()}%"
        query = query.where(
            SchoolVisit.school_code.like(like) | db.func.upper(SchoolVisit.school_name).like(like)
        )
    if args.get("stato") in S.__members__:
        query = query.where(Booking.status == S(args["stato"]))
    if args.get("da_verificare"):
        query = query.where(SchoolVisit.to_check.is_(True))
    rows = _rows(query)
    if args.get("formato") == "csv":
        with transaction():  # who took the personal data out, and when
            db.session.add(
                AuditLog(
                    staff_user_id=current_user.id,
                    action="schools.bookings_exported",
                    target="activity:*",
                    details={"bookings": len(rows), "filters": dict(args)},
                )
            )
        response = make_response(bookings_csv([r.booking for r in rows], export_columns()))
        response.mimetype = "text/csv"
        response.charset = "utf-8"
        response.headers["Content-Disposition"] = 'attachment; filename="visite-scolastiche.csv"'
        return response
    activities = db.session.scalars(select(Activity).order_by(Activity.title_it)).all()
    return render_template(
        "schools/staff/bookings.html",
        rows=rows,
        args=args,
        activities=activities,
        levels=GRADE_LABELS,
        statuses=STATUS_LABELS,
        button=ConfirmForm(),
    )


def no_show(booking_id: int):
    booking = db.get_or_404(Booking, booking_id)
    visit = db.get_or_404(SchoolVisit, booking_id)
    if ConfirmForm().validate_on_submit():
        with transaction():
            visit.no_show_at = None if visit.no_show_at else utcnow()
            record(
                current_user,
                "schools.no_show",
                booking.slot.programme,
                reference=booking.reference,
                no_show=bool(visit.no_show_at),
            )
        flash(
            _("Marked as not come.") if visit.no_show_at else _("No longer marked as not come."),
            "success",
        )
    day = local(booking.slot.starts_at).date().isoformat()
    return redirect(request.form.get("back") or url_for(".schedule", data=day), 303)


def export_columns() -> list[ExportColumn]:
    def visit(booking):
        return db.session.get(SchoolVisit, booking.id)

    return [
        ExportColumn(_l("Reference"), lambda b: b.reference),
        ExportColumn(_l("Date"), lambda b: local(b.slot.starts_at).strftime("%Y-%m-%d %H:%M")),
        ExportColumn(_l("Activity"), lambda b: b.slot.programme.title_it),
        ExportColumn(_l("Room"), lambda b: b.slot.programme.room_of(b.slot)),
        ExportColumn(_l("Status"), lambda b: str(STATUS_LABELS[b.status])),
        ExportColumn(_l("School code"), lambda b: visit(b).school_code),
        ExportColumn(_l("School name"), lambda b: visit(b).school_name),
        ExportColumn(_l("City"), lambda b: visit(b).city),
        ExportColumn(_l("Class"), lambda b: visit(b).class_name),
        ExportColumn(_l("Grade level"), lambda b: grade_label(visit(b).grade)),
        ExportColumn(_l("Year"), lambda b: years_text(visit(b).grade, visit(b).year_list)),
        ExportColumn(_l("Pupils"), lambda b: visit(b).pupils),
        ExportColumn(
            _l("Of whom pupils with disabilities"), lambda b: visit(b).pupils_with_disabilities
        ),
        ExportColumn(_l("Support teachers"), lambda b: visit(b).support_teachers),
        ExportColumn(_l("Accompanying adults"), lambda b: visit(b).adults),
        ExportColumn(_l("Teacher"), lambda b: b.contact_name),
        ExportColumn(_l("Email"), lambda b: b.contact_email),
        ExportColumn(_l("Phone"), lambda b: b.contact_phone),
        ExportColumn(_l("Needs"), lambda b: visit(b).needs),
        ExportColumn(_l("To check"), lambda b: _("yes") if visit(b).to_check else _("no")),
        ExportColumn(_l("No-show"), lambda b: _("yes") if visit(b).no_show_at else _("no")),
    ]


# --- The slot helper ------------------------------------------------------------------------

WEEKDAYS = [
    ("0", _l("Monday")),
    ("1", _l("Tuesday")),
    ("2", _l("Wednesday")),
    ("3", _l("Thursday")),
    ("4", _l("Friday")),
]


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SlotHelperForm(TextRuleForm):
    activity = SelectField(_l("Activity"), coerce=int, validators=[InputRequired()])
    first_day = DateField(_l("From"), validators=[InputRequired(_l("Please give the first day."))])
    last_day = DateField(_l("To"), validators=[InputRequired(_l("Please give the last day."))])
    weekdays = Checkboxes(
        _l("Weekdays"),
        choices=WEEKDAYS,
        validators=[InputRequired(_l("Please tick at least one weekday."))],
    )
    times = StringField(
        _l("Start times"),
        description=_l("Separated by commas, e.g. 9:30, 11:15"),
        validators=[InputRequired(_l("Please give at least one start time."))],
    )
    capacity = IntegerField(
        _l("Classes per slot"), default=1, validators=[NumberRange(1, 10), Optional()]
    )
    room = StringField(
        _l("Room"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("Left empty: the activity's room. Each slot can be given another later."),
        validators=[Optional(), Length(max=120, message=_l("At most %(max)d characters, please."))],
    )

    def start_times(self) -> list[time] | None:
        try:
            return sorted(
                time.fromisoformat(t.strip().zfill(5)) for t in self.times.data.split(",")
            )
        except ValueError:
            return None


def plan_slots(first: date, last: date, weekdays: set[int]) -> tuple[list[date], list[tuple]]:
    """The days from first to last on the weekdays, and those skipped with why: a public
    holiday (with Milan's patron day, 7 December) or a closure of the school year."""
    language = "it_IT" if current_language() == "it" else "en_US"
    public = holidays.Italy(subdiv="MI", years=range(first.year, last.year + 1), language=language)
    years = {y.start: y for y in db.session.scalars(select(SchoolYear))}
    days, skipped = [], []
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            year = years.get(school_year_of(day))
            if day in public:
                skipped.append((day, public.get(day)))
            elif year is not None and year.closed_on(day):
                skipped.append((day, _("school closure")))
            else:
                days.append(day)
        day += timedelta(days=1)
    return days, skipped


def slot_helper():
    form = SlotHelperForm()
    activities = db.session.scalars(select(Activity).order_by(Activity.title_it)).all()
    form.activity.choices = [(a.id, a.title_it) for a in activities]
    if not form.is_submitted() and request.args.get("attivita", "").isdecimal():
        form.activity.data = int(request.args["attivita"])  # from the activity's page
        chosen = next((a for a in activities if a.id == form.activity.data), None)
        form.room.data = chosen.room if chosen else ""
    plan = None
    if form.validate_on_submit():
        times = form.start_times()
        if form.last_day.data < form.first_day.data:
            form.last_day.errors.append(_("The last day must come after the first."))
        elif times is None:
            form.times.errors.append(_("Times as 9:30 or 14:00, separated by commas."))
        elif (form.last_day.data - form.first_day.data).days > 366:
            form.last_day.errors.append(_("At most one school year at a time."))
        else:
            weekdays = {int(d) for d in form.weekdays.data}
            days, skipped = plan_slots(form.first_day.data, form.last_day.data, weekdays)
            activity = db.session.get(Activity, form.activity.data)
            room = form.room.data or activity.room
            plan = (days, skipped, times, room)
            if request.form.get("create"):
                made = _create_slots(activity, days, times, form.capacity.data or 1, room)
                flash(_("%(num)s slots created.", num=made), "success")
                return redirect(url_for(".slot_helper"), 303)
    return render_template("schools/staff/slots.html", form=form, plan=plan)


def _create_slots(
    activity: Activity, days: list[date], times: list[time], capacity: int, room: str
) -> int:
    years = {y.start: y for y in db.session.scalars(select(SchoolYear))}
    made = 0
    with transaction():
        for day in days:
            year = years.get(school_year_of(day))
            for start in times:
                try:
                    starts = museum_time(day, start)
                except LocalTimeError:
                    continue
                db.session.add(
                    Slot(
                        programme_id=activity.id,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=activity.duration_minutes),
                        capacity=capacity,
                        room=room,
                        opens_at=year.booking_opens_at if year else None,
                        closes_at=starts - timedelta(hours=activity.cancel_deadline_hours),
                    )
                )
                made += 1
        record(current_user, "schools.slots_created", activity, slots=made, room=room)
    return made


# --- One slot: its classes, changed or cancelled ---------------------------------------------


def activity_slots(activity_id: int):
    """The activity's slots from today on, each with its room, its classes and what can be
    done with it."""
    activity = db.get_or_404(Activity, activity_id)
    slots = slots_of(activity, since=midnight(today()))
    classes: dict[int, list[Row]] = {}
    if slots:
        query = _visits().where(
            Booking.slot_id.in_([slot.id for slot in slots]), Booking.status.in_(LIVE)
        )
        for row in _rows(query):
            classes.setdefault(row.booking.slot_id, []).append(row)
    return render_template(
        "schools/staff/activity_slots.html",
        activity=activity,
        slots=slots,
        classes=classes,
        now=utcnow(),
    )


def _school_slot_or_404(slot_id: int) -> tuple[Slot, Activity]:
    slot = db.get_or_404(Slot, slot_id)
    if not isinstance(slot.programme, Activity):  # an event's or a campus week's: not here
        abort(404)
    return slot, slot.programme


def _unchangeable(slot: Slot, activity: Activity):
    """Where a slot can no longer be changed or cancelled: back to the list, saying why."""
    if slot.cancelled_at is not None:
        message = _("This slot is cancelled: it can no longer be changed.")
    elif slot.starts_at <= utcnow():
        message = _("This slot has already started: it can no longer be changed.")
    else:
        return None
    flash(message, "info")
    return redirect(_slots_page(slot, activity), 303)


def _slots_page(slot: Slot, activity: Activity) -> str:
    return url_for(".activity_slots", activity_id=activity.id, _anchor=f"slot-{slot.id}")


def edit_slot(slot_id: int):
    """Change the date, the time, the room or the capacity. When classes are booked and the
    date, the time or the room changes, the page says first how many teachers will be
    emailed; the button that confirms it carries that count."""
    slot, activity = _school_slot_or_404(slot_id)
    if refused := _unchangeable(slot, activity):
        return refused
    form = (
        SlotForm() if request.method == "POST" else SlotForm.for_slot(slot, activity.room_of(slot))
    )
    to_tell = None
    starts_at = form.starts_at(utcnow()) if form.validate_on_submit() else None
    if starts_at is not None and (closed := _no_visits_on(form.day.data, slot)):
        form.day.errors.append(closed)
        starts_at = None
    if starts_at is not None:
        change = SlotChange(starts_at, form.room.data, form.capacity.data)
        to_tell = len(classes_to_tell(slot, change))
        if not _tell_first(to_tell):
            try:
                with transaction():
                    changes = change_slot(slot, change, by=current_user, now=utcnow())
            except CapacityBelowTaken as refused:
                form.capacity.errors.append(
                    ngettext(
                        "%(num)s class is already booked: the slot cannot take fewer.",
                        "%(num)s classes are already booked: the slot cannot take fewer.",
                        refused.taken,
                    )
                )
            except OtherSchoolYear as refused:
                form.day.errors.append(str(refused.message))
            else:
                _flash_slot_changed(changes)
                return redirect(_slots_page(slot, activity), 303)
            to_tell = None  # refused: the form's errors first
    status = 422 if form.is_submitted() and to_tell is None else 200
    return (
        render_template(
            "schools/staff/slot_form.html",
            form=form,
            slot=slot,
            activity=activity,
            booked=classes_booked(slot),
            to_tell=to_tell,
        ),
        status,
    )


def _no_visits_on(day: date, slot: Slot) -> str | None:
    """Why a slot cannot move to `day` (as the slot helper skips it: a weekend, a public
    holiday, a school closure), or None. A slot that stays on its day is not asked again."""
    if day == local(slot.starts_at).date():
        return None
    if day.weekday() not in {int(value) for value, _label in WEEKDAYS}:
        return _("School visits are from Monday to Friday: please choose a weekday.")
    _days, skipped = plan_slots(day, day, {day.weekday()})
    if skipped:
        return _("No visits on that day: %(why)s.", why=skipped[0][1])
    return None


def _tell_first(to_tell: int) -> bool:
    """Whether the change would email teachers not yet counted to the staff: the form comes
    back with the count and a button that confirms it (its value is the count, so that a
    class booked meanwhile is counted again before anyone is told)."""
    return bool(to_tell) and request.form.get("tell") != str(to_tell)


def _flash_slot_changed(changes: dict) -> None:
    if not changes:
        flash(_("Nothing was changed."), "info")
        return
    flash(_("Your changes are saved."), "success")
    if told := changes.get("told"):
        flash(
            ngettext(
                "%(num)s teacher is told of the change by email, with the new PDF and "
                "calendar file.",
                "%(num)s teachers are told of the change by email, each with the new PDF and "
                "calendar file.",
                len(told),
            ),
            "info",
        )


def cancel_slot(slot_id: int):
    """A confirmation step first: it says how many classes are booked and that each teacher
    will be emailed; then every booking is cancelled by the engine."""
    slot, activity = _school_slot_or_404(slot_id)
    if refused := _unchangeable(slot, activity):
        return refused
    form = CancelSlotForm()
    rows = _rows(_visits().where(Booking.slot_id == slot.id, Booking.status.in_(LIVE)))
    if form.validate_on_submit():
        if form.booked.data == str(len(rows)):
            with transaction():
                cancelled = cancel_activity_slot(slot, form.reason(), by=current_user, now=utcnow())
            if cancelled:
                message = ngettext(
                    "The slot is cancelled. %(num)s class booking was cancelled and its "
                    "teacher's email is queued.",
                    "The slot is cancelled. %(num)s class bookings were cancelled and their "
                    "teachers' emails are queued.",
                    len(cancelled),
                )
            else:
                message = _("The slot is cancelled. No class was booked on it.")
            flash(message, "success")
            return redirect(_slots_page(slot, activity), 303)
        form.form_errors.append(
            _("A class booked or cancelled meanwhile: please check the classes again.")
        )
    form.booked.data = str(len(rows))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "schools/staff/cancel_slot.html", form=form, slot=slot, activity=activity, rows=rows
        ),
        status,
    )


# --- The catalogue: activities and school years -------------------------------------------


def activities():
    rows = db.session.scalars(select(Activity).order_by(Activity.title_it)).all()
    now = utcnow()
    upcoming = {
        activity_id: count
        for activity_id, count in db.session.execute(
            select(Slot.programme_id, db.func.count())
            .where(Slot.starts_at > now, Slot.cancelled_at.is_(None))
            .group_by(Slot.programme_id)
        )
    }
    return render_template("schools/staff/activities.html", activities=rows, upcoming=upcoming)


def new_activity():
    form = ActivityForm()
    if form.validate_on_submit():
        with transaction():
            activity = create_activity(form.values(), by=current_user, image=_new_image(form))
        flash(_("The activity “%(title)s” is created.", title=activity.title_it), "success")
        return redirect(url_for(".activities"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("schools/staff/activity_form.html", form=form, activity=None), status


def edit_activity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = ActivityForm() if request.method == "POST" else ActivityForm.for_activity(activity)
    if form.validate_on_submit():
        removed = frozenset(
            image.id for image in activity.images if request.form.get(f"remove_image_{image.id}")
        )
        with transaction():
            changed = update_activity(
                activity,
                form.values(),
                by=current_user,
                image=_new_image(form),
                removed_images=removed,
            )
        if changed:
            flash(_("Your changes are saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for(".activities"), 303)
    status = 422 if form.is_submitted() else 200
    return (
        render_template("schools/staff/activity_form.html", form=form, activity=activity),
        status,
    )


def _new_image(form: ActivityForm) -> NewImage | None:
    if not form.new_image:
        return None
    return NewImage(form.new_image, form.image_alt_it.data, form.image_alt_en.data or "")


def school_years():
    years = db.session.scalars(select(SchoolYear).order_by(SchoolYear.start.desc())).all()
    # The year asked for, else this school year's if it is set: a form that starts empty
    # over a year already set would wipe its closures when saved.
    asked = request.args.get("anno") or str(school_year_of(today()))
    chosen = next((y for y in years if str(y.start) == asked), None)
    if request.method == "POST":
        form = SchoolYearForm()
    elif chosen:
        form = SchoolYearForm.for_year(chosen, local(chosen.booking_opens_at))
    else:
        form = SchoolYearForm(start=school_year_of(today()))
    if form.validate_on_submit():
        try:
            opens = museum_time(form.opens_on.data, form.opens_at.data)
        except LocalTimeError:
            form.opens_at.errors.append(_("That time does not exist in Milan on that day."))
        else:
            with transaction():
                year = save_school_year(form.start.data, opens, form.closure_list, by=current_user)
            flash(_("The school year %(year)s is saved.", year=year.name), "success")
            return redirect(url_for(".school_years", anno=year.start), 303)
    status = 422 if form.is_submitted() else 200
    return (
        render_template("schools/staff/years.html", form=form, years=years, chosen=chosen),
        status,
    )


def staff_labels() -> dict:
    return {"grade_label": grade_label, "status_labels": STATUS_LABELS, "GradeLevel": GradeLevel}
