"""A lost link found again: every live booking of an email address, its manage link sent to
that address in one email. Whoever types the address learns nothing: only its owner reads
the answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..booking.models import Booking, Slot
from ..booking.states import LIVE
from ..extensions import db
from ..outbox.models import EmailKind, OutboxMessage


def live_bookings_of(email: str, now: datetime) -> list[Booking]:
    """The bookings of `email` still to come and not cancelled, soonest first."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(
                func.lower(Booking.contact_email) == email.strip().lower(),
                Booking.status.in_(LIVE),
                Slot.ends_at > now,
                Slot.cancelled_at.is_(None),
            )
            .order_by(Slot.starts_at, Booking.id)
        )
    )


def send_booking_links(email: str, language: str, *, now: datetime) -> int:
    """Queue one email to `email` listing the manage links of its live bookings, in the
    caller's transaction; none when there are none. Returns how many bookings it lists."""
    bookings = live_bookings_of(email, now)
    if bookings:
        db.session.add(
            OutboxMessage(
                kind=EmailKind.booking_links.value,
                booking_id=bookings[0].id,  # whose name the greeting uses
                to_address=bookings[0].contact_email,
                language=language,  # the language the person asked in
                payload={"bookings": [booking.id for booking in bookings]},
            )
        )
    return len(bookings)
