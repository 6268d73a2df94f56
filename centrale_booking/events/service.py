"""Registering for an event: what the page and the API both call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..booking.engine import Contact, request_booking
from ..booking.models import Booking
from .models import Event


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    seats: int
    language: str
    newsletter_consent: bool = False


def register(event: Event, registration: Registration, *, now: datetime) -> Booking:
    """Book seats for an event (confirmed at once, or on the waiting list). The privacy
    consent has been given: the form refuses the registration without it."""
    contact = Contact(
        name=registration.name.strip(),
        email=registration.email.strip(),
        language=registration.language,
        privacy_consent=True,
        newsletter_consent=registration.newsletter_consent,
    )
    return request_booking(event.slot, registration.seats, contact, now=now)
