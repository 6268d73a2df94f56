"""What is done with school visits: a teacher books a class (the page and the API both call
`book_class`), confirms it through the emailed link, changes its numbers or cancels; the
catalogue is read by grade level. Plain functions over db.session, the time passed in; the
caller commits (inside `transaction()`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from ..admin.audit import record
from ..auth.models import AuditLog
from ..booking.availability import has_places_left
from ..booking.engine import Contact, confirm_booking, request_booking
from ..booking.errors import CancellationClosed
from ..booking.models import Booking, Slot, Unit, WaitlistMode
from ..booking.states import BookingStatus
from ..clock import midnight, today
from ..extensions import db
from ..outbox import queue_email
from ..slugs import unique_slug
from .models import (
    Activity,
    ActivityGrade,
    ActivityImage,
    GradeLevel,
    School,
    SchoolClosure,
    SchoolVisit,
    SchoolYear,
)
from .rules import ClassDetails, HoldLapsed, check_class, normalised_code

S = BookingStatus


# --- The catalogue, by grade level --------------------------------------------------------


def activities_for(grade: GradeLevel) -> list[Activity]:
    """The published activities meant for `grade`, by title."""
    return list(
        db.session.scalars(
            select(Activity)
            .join(ActivityGrade, ActivityGrade.activity_id == Activity.id)
            .where(Activity.published.is_(True), ActivityGrade.grade == grade)
            .order_by(Activity.title_it)
        )
    )


def _free(activity_id: int, now: datetime) -> tuple:
    """What makes a slot of the activity free for a class: places left, not started, not closed."""
    return (
        Slot.programme_id == activity_id,
        has_places_left(),
        Slot.starts_at > now,
        (Slot.closes_at.is_(None) | (Slot.closes_at > now)),
    )


def free_slots(activity: Activity, now: datetime, *, limit: int | None = None) -> list[Slot]:
    """The activity's dates that can still be booked (or will be, once the window opens),
    soonest first."""
    query = select(Slot).where(*_free(activity.id, now)).order_by(Slot.starts_at)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def free_times(activity: Activity, now: datetime) -> list:
    """As free_slots, only each slot's id, start, opening and room: the calendar of a year's
    dates is read at the rush by every teacher, and needs no more."""
    return list(
        db.session.execute(
            select(Slot.id, Slot.starts_at, Slot.opens_at, Slot.room)
            .where(*_free(activity.id, now))
            .order_by(Slot.starts_at)
        )
    )


def nearest_free_slots(slot: Slot, now: datetime, count: int = 3) -> list[Slot]:
    """The free dates of the same activity nearest to a full one, in date order: at most
    `count` on each side are read, the nearest `count` of those kept."""
    free = _free(slot.programme_id, now)
    before = select(Slot).where(*free, Slot.starts_at <= slot.starts_at, Slot.id != slot.id)
    after = select(Slot).where(*free, Slot.starts_at > slot.starts_at)
    near = [
        *db.session.scalars(before.order_by(Slot.starts_at.desc()).limit(count)),
        *db.session.scalars(after.order_by(Slot.starts_at).limit(count)),
    ]
    near.sort(key=lambda s: abs((s.starts_at - slot.starts_at).total_seconds()))
    return sorted(near[:count], key=lambda s: s.starts_at)


# --- The Ministry's registry -------------------------------------------------------------


def find_school(code: str) -> School | None:
    code = normalised_code(code)
    return db.session.get(School, code) if code else None


def fill_from_registry(form) -> School | None:
    """Where the teacher left the school's name or city empty and the code is in the
    registry, the registry's are taken (a browser without JavaScript gets them this way).
    Before the form validates."""
    school = find_school(form.school_code.data or "")
    if school is None:
        return None
    for field, value in ((form.school_name, school.name), (form.city, school.city)):
        if not (field.data or "").strip():
            field.data = value
            field.raw_data = [value]
    return school


# --- Booking ----------------------------------------------------------------------------


def class_details(form, school: School | None) -> ClassDetails:
    code = form.school_code.data
    return ClassDetails(
        school_code=code,
        school_name=form.school_name.data,
        city=form.city.data,
        school_address=school.address if school else "",
        class_name=form.class_name.data.upper(),
        grade=form.grade_level,
        years=form.year_list,
        pupils=form.pupils.data,
        pupils_with_disabilities=form.pupils_with_disabilities.data or 0,
        support_teachers=form.support_teachers.data or 0,
        adults=form.adults.data,
        needs=form.needs.data or "",
        to_check=school is None,  # a code the registry does not know: the staff look
    )


def book_class(slot: Slot, details: ClassDetails, contact: Contact, *, now: datetime) -> Booking:
    """Hold the slot for the class, pending until the teacher follows the link we email to
    the address typed (within SCHOOL_CONFIRM_MINUTES; else expire_holds gives it back).
    The school's limit of live bookings in the school year is held with the slot."""
    booking = request_booking(slot, 1, contact, now=now, confirm=False, details=details)
    queue_email(booking, "confirm_address")
    return booking


def confirm_class(booking: Booking, *, now: datetime) -> bool:
    """The teacher followed the emailed link: confirmed (False when it already was).
    HoldLapsed when the time to confirm ran out."""
    if booking.status is S.confirmed:
        return False
    if booking.status is not S.pending or (
        booking.hold_expires_at is not None and now >= booking.hold_expires_at
    ):
        raise HoldLapsed()
    confirm_booking(booking, now=now)
    return True


def reconfirm_visit(booking: Booking, *, now: datetime) -> None:
    """The class is coming, as the teacher says from the week-before reminder (once)."""
    visit = visit_of(booking)
    if visit is not None and visit.reconfirmed_at is None:
        visit.reconfirmed_at = now


def visit_of(booking: Booking) -> SchoolVisit | None:
    return db.session.get(SchoolVisit, booking.id)


def numbers_changeable(booking: Booking, now: datetime) -> bool:
    """Numbers may be changed online until the cancellation deadline, while the booking is
    live (pending or confirmed)."""
    return booking.status in (S.pending, S.confirmed) and now < booking.slot.cancellation_deadline


def change_numbers(
    booking: Booking,
    *,
    pupils: int,
    pupils_with_disabilities: int,
    support_teachers: int,
    adults: int,
    now: datetime,
) -> None:
    """New numbers for the class, by the same rules as the booking; the confirmation is sent
    again with its new PDF."""
    if not numbers_changeable(booking, now):
        raise CancellationClosed()
    visit = visit_of(booking)
    activity = booking.slot.programme
    check_class(
        activity,
        ClassDetails(
            school_code=visit.school_code,
            school_name=visit.school_name,
            city=visit.city,
            class_name=visit.class_name,
            grade=visit.grade,
            years=tuple(visit.year_list),
            pupils=pupils,
            pupils_with_disabilities=pupils_with_disabilities,
            support_teachers=support_teachers,
            adults=adults,
        ),
    )
    visit.pupils = pupils
    visit.pupils_with_disabilities = pupils_with_disabilities
    visit.support_teachers = support_teachers
    visit.adults = adults
    flag_modified(booking, "quantity")  # a new version: its PDF is made again
    if booking.status is S.confirmed:
        queue_email(booking, "confirmation")


# --- The catalogue, by the education staff --------------------------------------------------

ACTIVITY_FIELDS = (
    "title_it",
    "title_en",
    "summary_it",
    "summary_en",
    "duration_minutes",
    "max_pupils",
    "room",
    "published",
)


@dataclass(frozen=True)
class NewImage:
    path: str  # what images.store returned
    alt_it: str
    alt_en: str


def create_activity(values: dict, *, by, image: NewImage | None = None) -> Activity:
    """A new activity: one class per slot, no waiting list (a full slot shows the nearest free
    ones), changes online up to SCHOOL_CANCEL_DAYS before; audited."""
    activity = Activity(
        slug=unique_slug(values["title_it"], today(), fallback="attivita"),
        unit=Unit.classes,
        max_per_booking=1,
        waitlist_mode=WaitlistMode.none,
        cancel_deadline_hours=current_app.config["SCHOOL_CANCEL_DAYS"] * 24,
    )
    _write_activity(activity, values, image)
    db.session.add(activity)
    record(by, "schools.activity_created", activity, title=activity.title_it)
    return activity


def update_activity(
    activity: Activity,
    values: dict,
    *,
    by,
    image: NewImage | None = None,
    removed_images: frozenset[int] = frozenset(),
) -> list[str]:
    """The activity as given, pictures removed or added; returns the names of what changed
    (in the audit entry too)."""
    before = _snapshot(activity)
    activity.images = [i for i in activity.images if i.id not in removed_images]
    _write_activity(activity, values, image)
    after = _snapshot(activity)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:
        record(by, "schools.activity_changed", activity, changed=changed)
    return changed


def _snapshot(activity: Activity) -> dict:
    return {name: getattr(activity, name) for name in ACTIVITY_FIELDS} | {
        "grade_texts": sorted((r.grade.value, r.text_it, r.text_en) for r in activity.grade_rows),
        "images": sorted((i.path, i.alt_it, i.alt_en) for i in activity.images),
    }


def _write_activity(activity: Activity, values: dict, image: NewImage | None) -> None:
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, values[name])
    texts = values["texts"]  # {GradeLevel: (Italian, English)}
    activity.grades = list(texts)
    for row in activity.grade_rows:
        row.text_it, row.text_en = texts[row.grade]
    if image:
        position = max((i.position for i in activity.images), default=-1) + 1
        activity.images.append(
            ActivityImage(
                path=image.path, alt_it=image.alt_it, alt_en=image.alt_en, position=position
            )
        )


def save_school_year(start: int, opens_at: datetime, closures: list, *, by) -> SchoolYear:
    """The school year's booking window and its closures (replacing those before). The year's
    slots that opened with the window before (or had none) open with the new one."""
    year = db.session.get(SchoolYear, start) or SchoolYear(start=start)
    before = year.booking_opens_at
    year.booking_opens_at = opens_at
    year.closures = [
        SchoolClosure(first_day=first, last_day=last, label=label)
        for first, last, label in closures
    ]
    db.session.add(year)
    slots = db.session.scalars(
        select(Slot)
        .join(Activity, Activity.id == Slot.programme_id)
        .where(
            Slot.starts_at >= midnight(date(start, 9, 1)),
            Slot.starts_at < midnight(date(start + 1, 9, 1)),
        )
    )
    for slot in slots:
        if slot.opens_at is None or slot.opens_at == before:
            slot.opens_at = opens_at
    db.session.add(
        AuditLog(
            staff_user_id=by.id,
            action="schools.school_year_saved",
            target=f"school_year:{start}",
            details={
                "opens_at": opens_at.isoformat(),
                "closures": [[f.isoformat(), la.isoformat(), lb] for f, la, lb in closures],
            },
        )
    )
    return year
