"""What a visitor can do with an event right now, and how the event's pages say it. The facts
are the engine's one answer (booking/availability.py); this only words them for an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..booking.availability import Availability, availability
from ..booking.errors import SlotFull
from .models import Event


@dataclass(frozen=True)
class RegistrationState:
    can_register: bool
    seats_left: int
    waitlist: bool  # a registration now joins the waiting list
    few_left: bool
    message: str | None  # why not, or what happens; None when there is nothing to say
    over: bool = False  # the event has taken place
    cancelled: bool = False


def registration_state(event: Event, now: datetime, *, fresh: bool = False) -> RegistrationState:
    return worded(availability(event.slot, now=now, fresh=fresh))


def worded(answer: Availability) -> RegistrationState:
    if answer.over:
        message = _l("This event has already taken place.")
    elif isinstance(answer.refusal, SlotFull):
        message = _l("This event is full.")
    elif answer.refusal is not None:
        message = answer.refusal.message
    elif answer.joins_waitlist:
        message = _l(
            "This event is full. Register to join the waiting list: if seats free up, "
            "we confirm your booking and email you."
        )
    else:
        message = None
    return RegistrationState(
        can_register=answer.bookable,
        seats_left=0 if answer.over or answer.cancelled else answer.places_left,
        waitlist=answer.joins_waitlist,
        few_left=answer.nearly_full,
        message=None if message is None else str(message),
        over=answer.over,
        cancelled=answer.cancelled,
    )
