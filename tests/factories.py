"""Test data, made through the models as the app makes it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from centrale_booking.auth.models import Role, StaffUser
from centrale_booking.booking.engine import Contact
from centrale_booking.booking.models import Slot, Unit, WaitlistMode
from centrale_booking.campus.models import Campus, Season
from centrale_booking.events.models import Category, Event
from centrale_booking.extensions import db, transaction
from centrale_booking.schools.models import Activity

NOON = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 12:00 in Milan
STAFF_PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def make_event(**fields) -> Event:
    n = next(_numbers)
    defaults = dict(
        slug=f"event-{n}",
        title_it=f"Incontro {n}",
        title_en=f"Talk {n}",
        category=Category.talk,
        published=True,
        max_per_booking=4,
        waitlist_mode=WaitlistMode.confirm,
    )
    event = Event(**{**defaults, **fields})
    with transaction():
        db.session.add(event)
    return event


def make_campus(**fields) -> Campus:
    """A published Christmas campus, children as the unit, waitlist by offer."""
    n = next(_numbers)
    defaults = dict(
        slug=f"campus-{n}",
        title_it="Campus di Natale",
        title_en="Christmas campus",
        season=Season.christmas,
        published=True,
        unit=Unit.children,
        max_per_booking=3,
        waitlist_mode=WaitlistMode.offer,
        cancel_deadline_hours=7 * 24,
    )
    campus = Campus(**{**defaults, **fields})
    with transaction():
        db.session.add(campus)
    return campus


def make_activity(**fields) -> Activity:
    """A published school activity."""
    n = next(_numbers)
    defaults = dict(
        slug=f"activity-{n}", title_it=f"Visita {n}", title_en=f"Visit {n}", published=True
    )
    activity = Activity(**{**defaults, **fields})
    with transaction():
        db.session.add(activity)
    return activity


def make_slot(capacity: int = 10, programme=None, starts_at=None, **fields) -> Slot:
    programme = programme or make_event()
    starts_at = starts_at or NOON + timedelta(days=7)
    with transaction():
        slot = Slot(
            programme=programme,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            capacity=capacity,
            **fields,
        )
        db.session.add(slot)
    return slot


def a_contact(name: str | None = None, language: str = "it") -> Contact:
    n = next(_numbers)
    return Contact(
        name=name or f"Visitatore {n}", email=f"visitor{n}@example.org", language=language
    )


def make_staff(role: Role = Role.admin, password: str = STAFF_PASSWORD, **fields):
    n = next(_numbers)
    user = StaffUser(email=fields.pop("email", f"staff{n}@centrale.example"), role=role, **fields)
    user.set_password(password)
    with transaction():
        db.session.add(user)
    return user


def make_school_slot(
    grades=("primaria",), max_pupils: int = 28, starts_at=None, capacity: int = 1, **fields
) -> Slot:
    """A published activity for `grades`, and one slot of it for `capacity` classes (one
    unless told; bookable now, starting in a week unless told)."""
    from centrale_booking.schools.models import GradeLevel

    activity = make_activity(
        unit=Unit.classes,
        max_per_booking=1,
        max_pupils=max_pupils,
        waitlist_mode=WaitlistMode.none,
        cancel_deadline_hours=72,
    )
    with transaction():
        activity.grades = [GradeLevel(g) for g in grades]
    return make_slot(capacity=capacity, programme=activity, starts_at=starts_at, **fields)
