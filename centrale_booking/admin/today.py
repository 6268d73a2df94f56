"""What there is to do today, for the staff home page, across programmes (asked through the
Programme protocol only): today's dates and who is coming, for every role; for education staff
and administrators also what needs a look (drafts with dates coming, waiting lists, emails
that could not be sent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..booking.models import Booking, Programme, Slot
from ..booking.states import LIVE, BookingStatus
from ..clock import local, midnight
from ..extensions import db
from ..outbox.models import OutboxMessage
from .emails import not_sent_rule

S = BookingStatus


@dataclass(frozen=True)
class DayEntry:
    slot: Slot
    programme: Programme
    bookings: list[Booking]  # standing, by name: the list at the door
    places: int  # booked and confirmed

    @property
    def waiting(self) -> int:
        return sum(1 for b in self.bookings if b.status is S.waitlisted)


@dataclass(frozen=True)
class ToDo:
    today: list[DayEntry]
    drafts: list[Slot] = field(default_factory=list)  # not published, a date within 30 days
    waiting: list[tuple[Slot, int]] = field(default_factory=list)  # (slot, people waiting)
    failed_emails: int = 0
    week: int = 0  # dates in the next seven days, today's excluded


def todays_work(now: datetime, *, with_office: bool) -> ToDo:
    day = local(now).date()
    start, end = midnight(day), midnight(day + timedelta(days=1))
    slots = db.session.scalars(
        select(Slot)
        .join(Programme, Programme.id == Slot.programme_id)
        .where(Slot.starts_at < end, Slot.ends_at > start, Slot.cancelled_at.is_(None))
        .where(Programme.published.is_(True))
        .order_by(Slot.starts_at, Slot.id)
    ).all()
    today = [_entry(slot) for slot in slots]
    if not with_office:
        return ToDo(today)
    soon = now + timedelta(days=30)
    drafts = db.session.scalars(
        select(Slot)
        .join(Programme, Programme.id == Slot.programme_id)
        .where(Programme.published.is_(False), Slot.starts_at > now, Slot.starts_at < soon)
        .where(Slot.cancelled_at.is_(None))
        .order_by(Slot.starts_at)
    ).all()
    waiting = [
        (db.session.get(Slot, slot_id), n)
        for slot_id, n in db.session.execute(
            select(Booking.slot_id, func.count())
            .join(Slot, Slot.id == Booking.slot_id)
            .where(Booking.status == S.waitlisted, Slot.starts_at > now)
            .group_by(Booking.slot_id)
            .order_by(func.min(Slot.starts_at))
        )
    ]
    failed = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(not_sent_rule(now))
    )
    week = db.session.scalar(
        select(func.count())
        .select_from(Slot)
        .join(Programme, Programme.id == Slot.programme_id)
        .where(Programme.published.is_(True), Slot.cancelled_at.is_(None))
        .where(Slot.starts_at >= end, Slot.starts_at < end + timedelta(days=7))
    )
    return ToDo(today, list(drafts), waiting, failed or 0, week or 0)


def _entry(slot: Slot) -> DayEntry:
    bookings = db.session.scalars(
        select(Booking).where(Booking.slot_id == slot.id, Booking.status.in_(LIVE))
    ).all()
    standing = sorted(bookings, key=lambda b: (b.contact_name.casefold(), b.id))
    places = sum(b.quantity for b in standing if b.status is S.confirmed)
    return DayEntry(slot, slot.programme, standing, places)
