"""What the API answers: plain dicts for jsonify. Times carry Milan's offset (+01:00 in winter,
+02:00 in summer); links are absolute, built from BASE_URL like those in emails."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from ..booking.engine import ensure_open
from ..booking.errors import BookingError
from ..booking.models import Booking, Slot, WaitlistMode
from ..bookings.links import manage_url, ticket_url
from ..events.models import Event


def local_iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def event_item(event: Event, slot: Slot, *, language: str, now: datetime) -> dict:
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.text("title", language),
        "title_it": event.title_it,
        "title_en": event.title_en,
        "category": event.category.value,
        "format": event.format.value,
        "starts_at": local_iso(slot.starts_at, zone),
        "ends_at": local_iso(slot.ends_at, zone),
        "room": event.room,
        "partners": event.partners,
        "stream_url": event.stream_url,
        "seats_left": max(slot.places_left, 0),
        "max_per_booking": slot.booking_limit,
        "waiting_list": event.waitlist_mode is not WaitlistMode.none,
        "booking_open": _booking_open(slot, now),
        "cancelled": slot.cancelled_at is not None,
        "url": f"{current_app.config['BASE_URL'].rstrip('/')}/eventi/{event.id}",
    }


def _booking_open(slot: Slot, now: datetime) -> bool:
    # The engine's own rule (published, not cancelled, within the window), not a copy of it.
    try:
        ensure_open(slot, 1, now)
    except BookingError:
        return False
    return True


def booking_created(booking: Booking, tickets) -> dict:
    """`tickets`: rows or objects with .code and .admits."""
    manage = manage_url(booking)
    return {
        "reference": booking.reference,
        "status": booking.status.value,
        "seats": booking.quantity,
        "tickets": [{"code": t.code, "url": ticket_url(t), "admits": t.admits} for t in tickets],
        "manage_url": manage,
        "pdf_url": manage + "/conferma.pdf",
        "ics_url": manage + "/prenotazione.ics",
    }
