"""One answer to "how many places are left, can this slot be booked now, and if not why not,
is there a waiting list, is it nearly full": for the public pages, the API and the staff pages
alike (as pretix's quota availability). The refusals are the engine's own (ensure_open), not
a copy of its rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from .engine import ensure_open, sweep_expired_holds
from .errors import BookingError, SlotCancelled, SlotFull
from .models import Slot, WaitlistMode


class SlotOver(BookingError):
    code = "slot_over"
    message = _l("This date has already taken place.")


@dataclass(frozen=True)
class Availability:
    capacity: int
    taken: int
    places_left: int  # never below 0
    has_waitlist: bool  # the programme keeps a waiting list for full dates
    refusal: BookingError | None  # why a request cannot be taken now; None: it can
    nearly_full: bool  # few places left (the programme says how few)

    @property
    def bookable(self) -> bool:
        """A request can be taken now: places are held, or it joins the waiting list."""
        return self.refusal is None

    @property
    def joins_waitlist(self) -> bool:
        """Full, and a request now joins the waiting list."""
        return self.bookable and self.places_left == 0

    @property
    def over(self) -> bool:
        return isinstance(self.refusal, SlotOver)

    @property
    def cancelled(self) -> bool:
        return isinstance(self.refusal, SlotCancelled)


def availability(slot: Slot, *, now: datetime, fresh: bool = False) -> Availability:
    """What `slot` offers at `now`. fresh=True first gives back the places of lapsed holds
    and offers (a write only when there are some), so that the figure is the real one."""
    if fresh and slot.cancelled_at is None and slot.ends_at > now:
        sweep_expired_holds(slot, now=now)
    programme = slot.programme
    places_left = max(slot.capacity - slot.taken, 0)
    has_waitlist = programme.waitlist_mode is not WaitlistMode.none
    refusal = _refusal(slot, now, places_left, has_waitlist)
    few = programme.few_places
    return Availability(
        capacity=slot.capacity,
        taken=slot.taken,
        places_left=places_left,
        has_waitlist=has_waitlist,
        refusal=refusal,
        nearly_full=refusal is None and 0 < places_left <= few,
    )


def has_places_left():
    """The same answer as a filter for a query of slots: not cancelled, places left."""
    return Slot.cancelled_at.is_(None) & (Slot.taken < Slot.capacity)


def open_with_places_left(now: datetime):
    """The filter of the slots that can be booked now, with places left: open (not before
    their opening, not after their closing) and not full."""
    return (
        has_places_left()
        & (Slot.opens_at.is_(None) | (Slot.opens_at <= now))
        & ((Slot.closes_at.is_(None) & (Slot.starts_at > now)) | (Slot.closes_at > now))
    )


def _refusal(slot: Slot, now: datetime, places_left: int, has_waitlist: bool):
    if slot.cancelled_at is not None:
        return SlotCancelled()
    if now >= slot.ends_at:
        return SlotOver()
    try:
        ensure_open(slot, 1, now)
    except BookingError as refused:
        return refused
    if places_left == 0 and not has_waitlist:
        return SlotFull()
    return None
