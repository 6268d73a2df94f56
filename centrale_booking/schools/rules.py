"""The rules of a school booking, in one place: the codice meccanografico, the grade years,
the accompanying adults, the limit per school, and the refusals the engine raises for them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..booking.errors import BookingError
from .models import GRADE_YEARS, Activity, GradeLevel, class_label, school_year_text

# Two letters for the province, two for the type, five for a progressive and a check
# character (its algorithm is not published: the pattern is all that is checked).
SCHOOL_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{2}[A-Z0-9]{5}[A-Z0-9]$")


def normalised_code(raw: str | None) -> str:
    """Upper-cased, every space removed: " mi ic 8ab00c " is MIIC8AB00C."""
    return re.sub(r"\s+", "", raw or "").upper()


def valid_code(code: str) -> bool:
    return bool(SCHOOL_CODE.match(code))


def pupils_per_adult(grade: GradeLevel) -> int:
    """How many pupils one accompanying adult may look after, for the level (a setting)."""
    return current_app.config["SCHOOL_PUPILS_PER_ADULT"][grade.value]


def adults_needed(grade: GradeLevel, pupils: int, pupils_with_disabilities: int = 0) -> int:
    """At least one adult for every N pupils (N by level); the pupils with disabilities come
    with their support teachers and are never counted in this ratio."""
    counted = max(pupils - pupils_with_disabilities, 0)
    return max(1, math.ceil(counted / pupils_per_adult(grade)))


@dataclass(frozen=True)
class ClassDetails:
    """A class's request, as the form (page or API) gives it to request_booking."""

    school_code: str
    school_name: str
    city: str
    class_name: str
    grade: GradeLevel
    years: tuple[int, ...]
    pupils: int
    adults: int
    pupils_with_disabilities: int = 0
    support_teachers: int = 0
    needs: str = ""
    school_address: str = ""
    to_check: bool = False  # the code is not in the registry

    @property
    def label(self) -> str:
        return class_label(self.class_name, self.school_name)


class WrongGrade(BookingError):
    code = "wrong_grade"
    status = 422
    message = _l("This activity is not meant for this grade level.")


class WrongYears(BookingError):
    code = "wrong_years"
    status = 422
    message = _l("Please choose the class's years among those of its grade level.")


class TooManyPupils(BookingError):
    code = "too_many_pupils"
    status = 422
    message = _l("This activity takes fewer pupils.")


class TooFewAdults(BookingError):
    code = "too_few_adults"
    status = 422
    message = _l("Too few accompanying adults for the pupils.")


class HoldLapsed(BookingError):
    code = "hold_lapsed"
    message = _l(
        "The time to confirm this booking ran out and its place was given back. Please book again."
    )


class SchoolAtLimit(BookingError):
    code = "school_at_limit"
    message = _l(
        "Your school has already booked as many visits as a school may this school year. "
        "Please contact the museum if you need another."
    )


class OtherSchoolYear(BookingError):
    """A slot with classes booked moves only within its school year: each booking counts
    towards its school's limit of that year (Activity.counter_holds)."""

    code = "other_school_year"
    status = 422

    def __init__(self, year: int):
        self.year = year
        super().__init__()

    @property
    def message(self):
        return _(
            "Classes are booked on this slot: it can move only within the school year %(year)s.",
            year=school_year_text(self.year),
        )


def check_class(activity: Activity, details: ClassDetails) -> None:
    """The engine's check before any place is held: the forms say the same per field, this
    is what holds whoever calls the engine."""
    if details.grade not in activity.grades:
        raise WrongGrade()
    if not details.years or any(y not in GRADE_YEARS[details.grade] for y in details.years):
        raise WrongYears()
    if details.pupils > activity.max_pupils:
        raise TooManyPupils()
    if details.adults < adults_needed(
        details.grade, details.pupils, details.pupils_with_disabilities
    ):
        raise TooFewAdults()
