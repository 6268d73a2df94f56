"""What a visitor can do with an event right now, and what to tell them. The refusals are the
engine's (ensure_open); this only adds what an event page needs around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..booking.engine import ensure_open
from ..booking.errors import BookingError, SlotCancelled
from ..booking.models import WaitlistMode
from .models import Event

FEW_SEATS = 5  # "ultimi 5 posti"


@dataclass(frozen=True)
class RegistrationState:
    can_register: bool
    seats_left: int
    waitlist: bool  # a registration now joins the waiting list
    few_left: bool
    message: str | None  # why not, or what happens; None when there is nothing to say
    over: bool = False  # the event has taken place
    cancelled: bool = False


def registration_state(event: Event, now: datetime) -> RegistrationState:
    slot = event.slot
    seats_left = max(slot.capacity - slot.taken, 0)
    if slot.cancelled_at is not None:
        return RegistrationState(False, 0, False, False, str(SlotCancelled.message), cancelled=True)
    if now >= slot.ends_at:
        return RegistrationState(
            False, 0, False, False, str(_l("This event has already taken place.")), over=True
        )
    try:
        ensure_open(slot, 1, now)
    except BookingError as refused:
        return RegistrationState(False, seats_left, False, False, str(refused.message))
    if seats_left == 0:
        if event.waitlist_mode is WaitlistMode.none:
            message = _l("This event is full.")
            return RegistrationState(False, 0, False, False, str(message))
        message = _l(
            "This event is full. Register to join the waiting list: if seats free up, "
            "we confirm your booking and email you."
        )
        return RegistrationState(True, 0, True, False, str(message))
    few = seats_left <= FEW_SEATS and not event.streaming_only
    return RegistrationState(True, seats_left, False, few, None)
