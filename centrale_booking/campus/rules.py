"""The campus's rules, in one place: who a week is for (an age on its first day, or a school
class), the codice fiscale, and what the engine refuses when a child does not fit."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.it import codicefiscale

from .. import clock
from ..booking.errors import AlreadyBooked, BookingError
from ..booking.models import Slot
from .models import CLASS_ORDER, SCHOOL_CLASSES, Audience, Campus, age_on, reading_language


class ChildDoesNotFit(BookingError):
    code = "child_does_not_fit"
    status = 422


def tax_code_problem(value: str) -> str | None:
    """What is wrong with a codice fiscale, or None. python-stdnum checks its format, the date
    and place and the check character, omocodia included."""
    try:
        codicefiscale.validate(value)
    except InvalidChecksum:
        return _("The last character (the check character) does not match: please check it.")
    except InvalidLength:
        return _("A codice fiscale has 16 characters.")
    except ValidationError:
        return _("This is not a valid codice fiscale.")
    return None


def compact_tax_code(value: str) -> str:
    return codicefiscale.compact(value)


def week_label(slot: Slot, language: str | None = None) -> str:
    """28–31 December 2026, as people say a week."""
    first, last = clock.local(slot.starts_at).date(), clock.local(slot.ends_at).date()
    from babel.dates import format_date

    language = language or reading_language()
    if first.month == last.month:
        return f"{first.day}–{format_date(last, 'd MMMM yyyy', locale=language)}"
    # across the new year, each day with its own year: 28 December 2026 – 1 January 2027
    first_format = "d MMMM" if first.year == last.year else "d MMMM yyyy"
    return f"{format_date(first, first_format, locale=language)} – " + format_date(
        last, "d MMMM yyyy", locale=language
    )


def age_problem(campus: Campus, slot: Slot, name: str, birth_date: date) -> LazyString | None:
    """Why a child born on `birth_date` may not join the week `slot`, or None: the age is
    counted on the week's first day. Lazy: said in the language of whoever reads it (a page,
    the API, an engine refusal)."""
    if campus.audience is not Audience.ages:
        return None
    age = age_on(birth_date, clock.local(slot.starts_at).date())
    if campus.min_age <= age <= campus.max_age:
        return None
    return LazyString(
        lambda: _(
            "%(name)s is %(age)s on %(day)s, the first day of the week %(week)s: this campus "
            "is for children aged %(min)s to %(max)s.",
            name=name,
            age=age,
            day=clock.day(slot.starts_at, reading_language()),
            week=week_label(slot),
            min=campus.min_age,
            max=campus.max_age,
        )
    )


def class_problem(campus: Campus, name: str, school_class: str) -> LazyString | None:
    """Why a child in `school_class` may not join this edition, or None."""
    if campus.audience is not Audience.classes:
        return None
    if school_class not in SCHOOL_CLASSES:
        return LazyString(lambda: _("Please choose %(name)s's school class.", name=name))
    low, high = CLASS_ORDER.index(campus.min_class), CLASS_ORDER.index(campus.max_class)
    if low <= CLASS_ORDER.index(school_class) <= high:
        return None
    return LazyString(
        lambda: _(
            "%(name)s is in the %(grade)s: this campus is for children from the %(first)s "
            "to the %(last)s.",
            name=name,
            grade=SCHOOL_CLASSES[school_class],
            first=SCHOOL_CLASSES[campus.min_class],
            last=SCHOOL_CLASSES[campus.max_class],
        )
    )


class ChildAlreadyEnrolled(AlreadyBooked):
    """A child of the request already holds a live place in the week (campus's "the same
    person": the child, by codice fiscale, else by name and date of birth)."""

    def __init__(self, name: str, booking_id: int, after_rollback=None):
        super().__init__(booking_id, after_rollback)
        self.message = _l(
            "%(name)s is already enrolled for this week. We have emailed you the link to "
            "the enrolment again.",
            name=name,
        )


def refuse_children(campus: Campus, slot: Slot, children) -> None:
    """Raise ChildDoesNotFit for the first child the week is not for (the engine's check,
    before any place is held; the form has said it next to the field already)."""
    for child in children:
        problem = None
        if child.birth_date is not None:
            problem = age_problem(campus, slot, child.first_name, child.birth_date)
        if problem is None:
            problem = class_problem(campus, child.first_name, child.school_class)
        if problem is not None:
            raise ChildDoesNotFit(problem)
