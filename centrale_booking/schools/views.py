"""The teachers' pages: the class's grade level and year, the activities that fit it, the
free dates of one, the booking form, the page that says to check the email, the numbers
changed from the booking page, and the registry lookup the form's script asks.

Every step is a plain link or form: no JavaScript needed, usable by keyboard. The class
travels from page to page in the query string (?classe=primaria-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ..booking.availability import availability
from ..booking.codes import tokens_match
from ..booking.engine import Contact, sweep_expired_holds
from ..booking.errors import BookingError, SlotFull
from ..booking.models import Booking, Slot
from ..booking.states import BookingStatus
from ..clock import local
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm
from ..i18n import current_language
from ..links import manage_path
from ..pictures import UPLOADED, image_folder
from ..programmes import Teaser
from ..ratelimits import hit_booking_limits
from ..rendered import kept_fragment
from .forms import ClassBookingForm, NumbersForm
from .labels import GRADE_LABELS, grade_label, year_label
from .models import API_NAMES, BY_API_NAME, GRADE_YEARS, Activity, GradeLevel, SchoolYear
from .rules import adults_needed, pupils_per_adult
from .service import (
    activities_for,
    book_class,
    change_numbers,
    class_details,
    confirm_class,
    fill_from_registry,
    find_school,
    free_slots,
    free_times,
    nearest_free_slots,
    numbers_changeable,
    reconfirm_visit,
    visit_of,
)

S = BookingStatus


def home_teaser() -> Teaser:
    return Teaser(way="schools/_home_way.html")


def school_labels() -> dict:
    # App-wide: the manage page (shared) shows a school booking's panel with them.
    return {
        "grade_label": grade_label,
        "year_label": year_label,
        "class_numbers_changeable": lambda booking: numbers_changeable(booking, utcnow()),
        "activity_image_url": activity_image_url,
    }


def activity_image_url(path: str) -> str:
    """An uploaded picture by the schools' route; the demo's are under static/."""
    if path.startswith(UPLOADED):
        return url_for("schools.image", name=path.removeprefix(UPLOADED))
    return url_for("static", filename=path)


def image(name: str):
    """An uploaded picture: its random name never changes, so it may be kept for a year."""
    response = send_from_directory(image_folder("schools"), name, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- The class: level and year --------------------------------------------------------------


def parse_class(raw: str | None) -> tuple[GradeLevel, int] | None:
    """ "primaria-3" is (primaria, 3); None for anything else."""
    name, _sep, year = (raw or "").rpartition("-")
    level = BY_API_NAME.get(name)
    if level is None or not year.isdecimal() or int(year) not in GRADE_YEARS[level]:
        return None
    return level, int(year)


def class_value(level: GradeLevel, year: int) -> str:
    return f"{API_NAMES[level]}-{year}"


def _class_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (
            str(GRADE_LABELS[level]),
            [(class_value(level, y), year_label(level, y)) for y in GRADE_YEARS[level]],
        )
        for level in GradeLevel
    ]


def _class_or_redirect():
    chosen = parse_class(request.args.get("classe"))
    if chosen is None:
        flash(_("Please choose the class's grade level and year first."), "info")
    return chosen


def index():
    return render_template(
        "schools/index.html",
        choices=_class_choices(),
        chosen=request.args.get("classe", ""),
        window=(window := _booking_window()),
        window_open=window is not None and window.booking_opens_at <= utcnow(),
    )


def _booking_window() -> SchoolYear | None:
    """The school year whose booking window opens next or is open now."""
    return db.session.scalar(select(SchoolYear).order_by(SchoolYear.start.desc()).limit(1))


def activities():
    chosen = _class_or_redirect()
    if chosen is None:
        return redirect(url_for("schools.index"), 303)
    level, year = chosen
    now = utcnow()
    listed = [(a, free_slots(a, now, limit=1)) for a in activities_for(level)]
    return render_template(
        "schools/activities.html",
        level=level,
        year=year,
        classe=class_value(level, year),
        listed=listed,
        language=current_language(),
    )


def _activity_or_404(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not activity.published:
        abort(404)
    return activity


def activity(activity_id: int):
    activity = _activity_or_404(activity_id)
    chosen = _class_or_redirect()
    if chosen is None:
        return redirect(url_for("schools.index"), 303)
    level, year = chosen
    if level not in activity.grades:
        flash(_("This activity is not meant for this grade level."), "info")
        return redirect(url_for("schools.activities", classe=class_value(level, year)), 303)
    now = utcnow()
    times = free_times(activity, now)
    return render_template(
        "schools/activity.html",
        activity=activity,
        level=level,
        year=year,
        classe=class_value(level, year),
        months=_calendar(times, class_value(level, year)),
        not_open=[opens for _id, _at, opens in times[:1] if opens and now < opens],
        language=current_language(),
    )


@dataclass(frozen=True)
class FreeTime:
    """One free date of the calendar, as the page shows it."""

    href: str
    time: str  # 09:30
    label: str  # "Book Monday 5 October, 09:30", for a screen reader


_NO_SLOT = 2**31 - 1  # an id no slot has, replaced in the one link built per page


def _calendar(times: list, classe: str) -> list[tuple[date, list[tuple[date, list[FreeTime]]]]]:
    """The free dates by month, then by day: a calendar that reads as a list. One link and one
    date wording per day, not per slot: a year of dates is read by every teacher at the rush."""
    link = url_for("schools.book", slot_id=_NO_SLOT, classe=classe)
    book = _("Book %(when)s")  # its placeholder filled in below, once per slot
    months: dict = {}
    day_words: dict = {}
    for slot_id, starts_at, _opens in times:
        start = local(starts_at)
        day = start.date()
        if day not in day_words:
            day_words[day] = format_date(day, "EEEE d MMMM")
        at = f"{start:%H:%M}"
        entry = FreeTime(
            link.replace(str(_NO_SLOT), str(slot_id)),
            at,
            book % {"when": f"{day_words[day]}, {at}"},
        )
        months.setdefault(day.replace(day=1), {}).setdefault(day, []).append(entry)
    return [(month, list(days.items())) for month, days in months.items()]


# --- The booking form -----------------------------------------------------------------------


def _slot_or_404(slot_id: int) -> Slot:
    slot = db.session.get(Slot, slot_id)
    if slot is None or not isinstance(slot.programme, Activity) or not slot.programme.published:
        abort(404)
    return slot


def _booking_form(activity: Activity, level: GradeLevel | None, year: int | None):
    form = ClassBookingForm().for_activity(activity)
    if request.method == "GET" and level is not None:
        form.grade.data = API_NAMES[level]
        form.years.data = [str(year)]
    form.years_of(form.grade_level)
    return form


def _form_page(slot: Slot, form: ClassBookingForm, classe: str, status: int = 200, **extra):
    activity = slot.programme
    now = utcnow()
    state = availability(slot, now=now)
    level = form.grade_level
    return (
        render_template(
            "schools/book.html",
            slot=slot,
            activity=activity,
            form=form,
            form_fields=_form_fields(activity, form, classe, extra.get("school")),
            classe=classe,
            state=state,
            nearest=nearest_free_slots(slot, now) if not state.places_left else [],
            level=level,
            ratios={API_NAMES[g]: pupils_per_adult(g) for g in GradeLevel if g in activity.grades},
            years_by_level={API_NAMES[g]: list(ys) for g, ys in GRADE_YEARS.items()},
            cancel_days=activity.cancel_deadline_hours // 24,
            confirm_minutes=activity.hold_minutes(),
            **extra,
        ),
        status,
    )


def _form_fields(activity: Activity, form: ClassBookingForm, classe: str, school) -> Markup:
    """The form's fields. Blank (a GET), they are the same for every teacher of the class: kept,
    keyed by everything of the activity they show (rendered.py)."""

    def render() -> str:
        return render_template(
            "schools/_class_fields.html", form=form, school=school, adults_hint=_adults_hint(form)
        )

    if form.is_submitted() or form.errors:
        return Markup(render())  # noqa: S704 (rendered by Jinja with autoescape: escaped already)
    key = (activity.id, activity.max_pupils, tuple(sorted(activity.grades)), classe)
    return kept_fragment("school_booking_form", key, render)


def _adults_hint(form: ClassBookingForm) -> str:
    """What the adults' field says before submitting: the rule, and the count for the pupils
    typed (the form's script updates it as the numbers change)."""
    level = form.grade_level
    if level is None:
        return ""
    ratio = pupils_per_adult(level)
    rule = _(
        "At least one adult for every %(ratio)s pupils; support teachers are counted apart.",
        ratio=ratio,
    )
    if isinstance(form.pupils.data, int) and form.pupils.data > 0 and not form.pupils.errors:
        others = form.pupils_with_disabilities.data
        needed = adults_needed(level, form.pupils.data, others if isinstance(others, int) else 0)
        rule += " " + _(
            "For %(pupils)s pupils: at least %(needed)s.", pupils=form.pupils.data, needed=needed
        )
    return rule


def book(slot_id: int):
    slot = _slot_or_404(slot_id)
    activity = slot.programme
    chosen = parse_class(request.args.get("classe"))
    level, year = chosen if chosen else (None, None)
    classe = class_value(level, year) if chosen else ""
    form = _booking_form(activity, level, year)
    if request.method == "GET":
        sweep_expired_holds(slot, now=utcnow())
        return _form_page(slot, form, classe)
    school = fill_from_registry(form)
    if not form.validate_on_submit():
        return _form_page(slot, form, classe, 422, school=school)
    hit_booking_limits(activity.id, form.email.data)  # with the API's and the events': one count
    contact = Contact(
        name=form.teacher_name.data,
        email=form.email.data,
        phone=form.phone.data,
        language=current_language(),
        privacy_consent=True,
    )
    now = utcnow()
    sweep_expired_holds(slot, now=now)
    try:
        with transaction():
            booking = book_class(slot, class_details(form, school), contact, now=now)
    except BookingError as refused:
        form.form_errors.append(str(refused.message))
        status = 409 if isinstance(refused, SlotFull) else refused.status
        return _form_page(slot, form, classe, status, school=school)
    return redirect(url_for("schools.pending", reference=booking.reference), 303)


def pending(reference: str):
    """After submitting: check your email. The reference only, never the manage token: the
    link that confirms is the one we email, so that only the address's owner can confirm."""
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None or not isinstance(booking.slot.programme, Activity):
        abort(404)
    sweep_expired_holds(booking.slot, now=utcnow())
    db.session.refresh(booking)
    return render_template(
        "schools/pending.html",
        booking=booking,
        masked_email=_masked(booking.contact_email),
        minutes_left=max(int((booking.hold_expires_at - utcnow()).total_seconds() // 60), 0)
        if booking.hold_expires_at
        else 0,
    )


def _masked(email: str) -> str:
    """m•••@scuola.it: enough to see a typo, not enough to read someone's address."""
    name, _at, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


# --- From the emailed link ------------------------------------------------------------------


def _booking_or_404(reference: str, token: str) -> Booking:
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None or not tokens_match(token, booking.manage_token):
        abort(404)
    if not isinstance(booking.slot.programme, Activity):
        abort(404)
    return booking


def confirm(reference: str, token: str):
    booking = _booking_or_404(reference, token)
    if ConfirmForm().validate_on_submit():
        now = utcnow()
        sweep_expired_holds(booking.slot, now=now)
        try:
            with transaction():
                confirmed = confirm_class(booking, now=now)
        except BookingError as refused:
            flash(str(refused.message), "error")
        else:
            if confirmed:
                flash(
                    _("Your booking is confirmed. We have emailed you the PDF with the QR code."),
                    "success",
                )
    return redirect(manage_path(booking), 303)


def reconfirm(reference: str, token: str):
    """The week-before reminder's "we are coming": the link opens a page with the button,
    and only the button records it (a mail scanner that opens every link says nothing).
    Recording it twice changes nothing; a booking no longer confirmed is told as it is."""
    booking = _booking_or_404(reference, token)
    form = ConfirmForm()
    if booking.status is not S.confirmed:
        return redirect(manage_path(booking), 303)
    if request.method == "GET":
        return render_template("schools/reconfirm.html", booking=booking, form=form)
    if form.validate_on_submit():
        with transaction():
            reconfirm_visit(booking, now=utcnow())
        flash(_("Thank you: we have noted that your class is coming."), "success")
    return redirect(manage_path(booking), 303)


def numbers(reference: str, token: str):
    booking = _booking_or_404(reference, token)
    visit = visit_of(booking)
    now = utcnow()
    if not numbers_changeable(booking, now):
        flash(
            _("The numbers can no longer be changed online. Please call or write to the museum."),
            "info",
        )
        return redirect(manage_path(booking), 303)
    form = NumbersForm(obj=visit) if request.method == "GET" else NumbersForm()
    form.bounds(booking.slot.programme, visit.grade)
    if request.method == "POST" and form.validate_on_submit():
        try:
            with transaction():
                change_numbers(
                    booking,
                    pupils=form.pupils.data,
                    pupils_with_disabilities=form.pupils_with_disabilities.data,
                    support_teachers=form.support_teachers.data,
                    adults=form.adults.data,
                    now=utcnow(),
                )
        except BookingError as refused:
            form.form_errors.append(str(refused.message))
        else:
            flash(_("The class's numbers are updated. We have emailed you the new PDF."), "success")
            return redirect(manage_path(booking), 303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "schools/numbers.html",
            booking=booking,
            visit=visit,
            form=form,
            ratio=pupils_per_adult(visit.grade),
        ),
        status,
    )


# --- The registry, for the form's script ----------------------------------------------------


def school_lookup(code: str):
    school = find_school(code)
    if school is None:
        return jsonify(found=False), 404
    return jsonify(
        found=True, code=school.code, name=school.name, city=school.city, address=school.address
    )
