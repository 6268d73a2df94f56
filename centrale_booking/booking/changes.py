"""Changes after booking: the number of places (from the manage link), and a date's capacity
or its cancellation (from the back office)."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from ..extensions import db
from ..outbox import queue_email
from .engine import (
    changeable,
    give_back,
    hold_places,
    move,
    offer_freed_places,
    quantity_bounds,
    release_places,
)
from .errors import (  # the refusals were defined here before: still importable from here
    CapacityBelowTaken,
    FewerPlacesClosed,
    InvalidQuantity,
    NotEnoughPlaces,
    QuantityUnchangeable,
    TooManyPlaces,
)
from .models import Booking, Slot
from .reminders import forget_reminders
from .states import LIVE, BookingStatus

__all__ = [
    "CapacityBelowTaken",
    "NotEnoughPlaces",
    "QuantityUnchangeable",
    "cancel_slot",
    "change_capacity",
    "change_quantity",
    "live_bookings",
    "tell_slot_changed",
]

S = BookingStatus


def change_quantity(booking, quantity: int, *, now: datetime) -> None:
    """Fewer places: the rest go back and the waiting list moves up. More places: held by the
    same conditional UPDATE as a new booking, or refused, the booking left as it was."""
    slot = booking.slot
    if not changeable(booking, now):
        raise QuantityUnchangeable()
    fewest, most = quantity_bounds(slot)
    if quantity < fewest:
        raise InvalidQuantity()
    if quantity > most:
        raise TooManyPlaces(most)
    difference = quantity - booking.quantity
    if difference == 0:
        return
    if difference < 0 and booking.status is S.confirmed and now >= slot.cancellation_deadline:
        raise FewerPlacesClosed()  # the places given back would be a late cancellation
    if booking.status is S.confirmed:
        if difference > 0 and not hold_places(slot, difference):
            raise NotEnoughPlaces(max(slot.places_left, 0))
        if difference < 0:
            release_places(slot, -difference)
        for ticket in booking.tickets:  # a one-ticket plan: the ticket admits them all
            ticket.admits = quantity
    booking.quantity = quantity
    if booking.status is S.confirmed:
        queue_email(booking, "confirmation")  # the updated confirmation, with its new PDF
        if difference < 0:
            offer_freed_places(slot, now=now)


def cancel_slot(slot: Slot, *, now: datetime, reason: dict | None = None) -> list[Booking]:
    """The museum cancels a date: every live booking is cancelled and told (with the reason,
    {language: text}, when there is one), its tickets stop being valid (they are derived from
    the booking), and nobody is promoted."""
    slot.cancelled_at = now
    live = live_bookings(slot)
    for booking in live:
        held = booking.holds_places
        move(booking, S.cancelled, now=now)
        if held:
            give_back(booking)  # its places and its counters (a school's yearly bookings)
        queue_email(booking, "slot_cancelled", reason=reason or {})
    return live


def live_bookings(slot: Slot) -> list[Booking]:
    """The bookings that still count for the slot (booked, held, offered or waiting): the
    people to tell when the slot changes."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.slot_id == slot.id, Booking.status.in_(LIVE))
            .order_by(Booking.created_at, Booking.id)
        )
    )


def tell_slot_changed(
    slot: Slot, *, was_starts_at: datetime, was_ends_at: datetime, place_changed: bool = False
) -> list[Booking]:
    """The date, the time or the place of a slot changed: everyone booked or waiting is told,
    in this transaction, and their documents are made again. Each booking's version is
    bumped, so that its kept PDF is rendered anew and its calendar file, with the same UID,
    has a higher SEQUENCE and replaces the old entry in the person's calendar. A new time
    gets its reminders again: those sent spoke of the old one."""
    told = live_bookings(slot)
    was = {
        "starts_at": was_starts_at.isoformat(),
        "ends_at": was_ends_at.isoformat(),
        "place_changed": place_changed,
    }
    for booking in told:
        flag_modified(booking, "quantity")  # nothing else changes: the version goes up
        queue_email(booking, "slot_changed", was=was)
    if slot.starts_at != was_starts_at:
        forget_reminders(told)
    db.session.flush()  # the version check now, before anything else is written
    return told


def change_capacity(slot: Slot, capacity: int, *, now: datetime) -> list[Booking]:
    """Change the places of a slot, never below those held: the WHERE clause is the check, as
    for a booking, so no booking made meanwhile can end up beyond the capacity. More places
    move the waiting list up at once: returns the bookings it offered places to or confirmed."""
    taken = db.session.scalar(
        update(Slot)
        .where(Slot.id == slot.id, Slot.taken <= capacity)
        .values(capacity=capacity)
        .returning(Slot.taken)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        db.session.refresh(slot, ["taken", "capacity"])
        raise CapacityBelowTaken(slot.taken)
    grew = capacity > slot.capacity
    set_committed_value(slot, "capacity", capacity)
    set_committed_value(slot, "taken", taken)
    if grew and slot.cancelled_at is None:
        return offer_freed_places(slot, now=now)  # who was offered or confirmed
    return []
