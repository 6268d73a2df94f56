"""Test data, made through the models as the app makes it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from centrale_booking.auth.models import Role, StaffUser
from centrale_booking.booking.engine import Contact
from centrale_booking.booking.models import Slot, WaitlistMode
from centrale_booking.events.models import Category, Event
from centrale_booking.extensions import db, transaction

NOON = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 12:00 in Milan
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


def make_staff(role: Role = Role.admin, password: str = "correct horse battery", **fields):
    n = next(_numbers)
    user = StaffUser(email=fields.pop("email", f"staff{n}@centrale.example"), role=role, **fields)
    user.set_password(password)
    with transaction():
        db.session.add(user)
    return user
