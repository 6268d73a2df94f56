"""What the events' API answers: plain dicts for jsonify. Times carry Milan's offset (+01:00 in
winter, +02:00 in summer); links are absolute, built by links.py like those in emails."""

from __future__ import annotations

from datetime import datetime

from ..booking.availability import availability
from ..booking.models import Booking, Slot
from ..clock import iso
from ..links import ics_url, manage_url, pdf_url, programme_url, ticket_url
from .models import Event


def event_item(event: Event, slot: Slot, *, language: str, now: datetime) -> dict:
    places = availability(slot, now=now)
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.text("title", language),
        "title_it": event.title_it,
        "title_en": event.title_en,
        "category": event.category.value,
        "format": event.format.value,
        "starts_at": iso(slot.starts_at),
        "ends_at": iso(slot.ends_at),
        "room": event.room,
        "partners": event.partners,
        "stream_url": event.stream_url,
        "seats_left": places.places_left,
        "max_per_booking": slot.booking_limit,
        "waiting_list": places.has_waitlist,
        "booking_open": places.bookable,
        "cancelled": places.cancelled,
        "url": programme_url(event),
    }


def booking_created(booking: Booking, tickets) -> dict:
    """`tickets`: rows or objects with .code and .admits."""
    return {
        "reference": booking.reference,
        "status": booking.status.value,
        "seats": booking.quantity,
        "tickets": [{"code": t.code, "url": ticket_url(t), "admits": t.admits} for t in tickets],
        "manage_url": manage_url(booking),
        "pdf_url": pdf_url(booking),
        "ics_url": ics_url(booking),
    }
