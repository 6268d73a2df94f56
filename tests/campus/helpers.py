"""The campus tests' own makings: an edition with weeks, a family's enrolment, valid codici
fiscali (the check character computed by python-stdnum, never by hand)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from stdnum.it import codicefiscale

from centrale_booking.booking.models import Slot
from centrale_booking.campus.service import ChildData, Enrolment, PersonData
from centrale_booking.clock import museum_time
from centrale_booking.extensions import db, transaction
from tests.factories import NOON, make_campus

FIRST_MONDAY = date(2026, 12, 28)  # the Christmas week after NOON (1 December 2026)


def with_check(first15: str) -> str:
    return first15 + codicefiscale.calc_check_digit(first15)


PARENT_CF = with_check("RSSMRA80A01F205")  # Mario Rossi, born in Milan on 1 January 1980
# The same code after omocodia: its last digits as letters (0→L, 1→M, 5→R), a new check.
OMOCODE_CF = with_check("RSSMRA80A01F2LR")
CHILD_CF = with_check("RSSGLI18R41F205")


def wrong_check(code: str) -> str:
    last = "A" if code[-1] != "A" else "B"
    return code[:-1] + last


def make_edition(weeks=1, capacity=10, **fields):
    """An edition with `weeks` weeks, Monday to Friday, 8:30-16:30, from FIRST_MONDAY on."""
    campus = make_campus(
        min_age=fields.pop("min_age", 6),
        max_age=fields.pop("max_age", 11),
        max_per_booking=fields.pop("max_per_booking", 4),
        offer_hours=fields.pop("offer_hours", 48),
        **fields,
    )
    with transaction():
        for n in range(weeks):
            monday = FIRST_MONDAY + timedelta(weeks=n)
            db.session.add(
                Slot(
                    programme_id=campus.id,
                    starts_at=museum_time(monday, time(8, 30)),
                    ends_at=museum_time(monday + timedelta(days=4), time(16, 30)),
                    capacity=capacity,
                )
            )
    db.session.refresh(campus)
    return campus


def a_child(first="Giulia", born=date(2018, 10, 1), **fields) -> ChildData:
    return ChildData(first_name=first, last_name="Rossi", birth_date=born, **fields)


def an_enrolment(weeks, children=None, together=True, **fields) -> Enrolment:
    defaults = dict(
        parent_name="Mario Rossi",
        parent_tax_code=PARENT_CF,
        parent_email="mario.rossi@example.org",
        parent_phone="+39 333 1234567",
        children=children or [a_child()],
        delegates=[
            PersonData("Mario Rossi", "padre", "CA12345AB"),
            PersonData("Anna Bianchi", "nonna", "AX9876543"),
        ],
        emergency_name="Luisa Rossi",
        emergency_phone="+39 02 123456",
        health_consent=True,
        photo_consent=False,
        siblings_together=together,
        language="it",
        week_ids=[w.id for w in weeks],
    )
    return Enrolment(**{**defaults, **fields})


NOW = NOON
LATER = NOON + timedelta(hours=1)
__all__ = ["NOW", "LATER", "datetime"]
