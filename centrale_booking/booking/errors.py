"""What the engine refuses, each with a stable code (API) and a message for people.
They become HTTP answers in one place, centrale_booking/errors.py."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext


class BookingError(Exception):
    code = "refused"
    status = 409
    message = _l("This booking is not possible.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.code))


class IllegalTransition(BookingError):
    code = "illegal_transition"
    message = _l("This booking can no longer be changed this way.")

    def __init__(self, current, to):
        self.current, self.to = current, to
        super().__init__()

    def __str__(self) -> str:
        return f"illegal transition {self.current} -> {self.to}"


class BookingChanged(BookingError):
    code = "booking_changed"
    message = _l("This booking was changed meanwhile. Please reload the page and try again.")


class NotBookable(BookingError):
    code = "not_bookable"
    message = _l("This date cannot be booked.")


class SlotCancelled(BookingError):
    code = "slot_cancelled"
    message = _l("This date has been cancelled.")


class BookingNotOpen(BookingError):
    code = "booking_not_open"

    def __init__(self, opens_at=None):
        self.opens_at = opens_at
        super().__init__()

    @property
    def message(self):
        # Said with the moment it opens, in the language of whoever reads it.
        if self.opens_at is None:
            return _l("Booking for this date is not open yet.")
        from flask_babel import get_locale
        from flask_babel import gettext as _

        from ..clock import moment_text

        language = str(get_locale() or "it")
        return _("Booking opens on %(moment)s.", moment=moment_text(self.opens_at, language))


class BookingClosed(BookingError):
    code = "booking_closed"
    message = _l("Booking for this date is closed.")


class InvalidQuantity(BookingError):
    code = "invalid_quantity"
    status = 422
    message = _l("Please ask for at least one place.")


class TooManyPlaces(BookingError):
    code = "too_many_places"
    status = 422

    def __init__(self, maximum: int):
        self.maximum = maximum
        super().__init__(_l("You can book at most %(max)s places at a time.", max=maximum))


class AlreadyBooked(BookingError):
    """The same person (as the programme tells: Programme.person_key) already has a live
    booking for this slot. Its link is emailed to them again once the refusal has rolled
    back (`after_rollback`, run by transaction()); it is never shown to whoever asked."""

    code = "already_booked"
    message = _l(
        "You already have a booking for this date. We have emailed you the link to it again."
    )

    def __init__(self, booking_id: int, after_rollback=None):
        self.booking_id = booking_id
        self.after_rollback = after_rollback
        super().__init__()


class SlotFull(BookingError):
    code = "slot_full"
    message = _l("This date is full and has no waiting list.")


class CancellationClosed(BookingError):
    code = "cancellation_closed"
    message = _l("This booking can no longer be cancelled online. Please contact the museum.")


class FewerPlacesClosed(CancellationClosed):
    """Fewer places after the online cancellation deadline: a cancellation in part, refused
    as a whole one is."""

    code = "cancellation_closed"
    message = _l(
        "The places of this booking can no longer be reduced online. Please contact the museum."
    )


class QuantityUnchangeable(BookingError):
    code = "quantity_unchangeable"
    message = _l("The number of places of this booking cannot be changed online.")


class NotEnoughPlaces(BookingError):
    code = "not_enough_places"

    def __init__(self, available: int):
        self.available = available
        if available:
            message = lazy_ngettext(
                "Only %(num)s more place is free. Your booking is unchanged.",
                "Only %(num)s more places are free. Your booking is unchanged.",
                available,
            )
        else:
            message = _l("No more places are free. Your booking is unchanged.")
        super().__init__(message)


class CapacityBelowTaken(BookingError):
    """Fewer places than those already held by bookings: refused, nothing changed."""

    code = "capacity_below_taken"

    def __init__(self, taken: int):
        self.taken = taken
        super().__init__()

    def __str__(self) -> str:
        return f"capacity below the {self.taken} places taken"


class OfferClosed(BookingError):
    """The booking is not offered any more, or its offer lapsed."""

    code = "offer_closed"
    message = _l("This offer is no longer open.")


class NotAllAvailable(BookingError):
    """Several slots asked for together, all or nothing, and some are full: nothing is kept
    (the caller's transaction rolls back)."""

    code = "not_all_available"

    def __init__(self, full_slot_ids: list[int]):
        self.full_slot_ids = full_slot_ids
        super().__init__()

    def __str__(self) -> str:
        return f"not all available: full slots {self.full_slot_ids}"


class NoSeatsAtDoor(BookingError):
    """A walk-in asking for more seats than the door has now (booking/door.py)."""

    code = "no_seats_left"

    def __init__(self, free: int):
        self.free = free
        if free:
            message = lazy_ngettext(
                "Only %(num)s place is left for walk-ins.",
                "Only %(num)s places are left for walk-ins.",
                free,
            )
        else:
            message = _l("No places are left for walk-ins.")
        super().__init__(message)


class NoWalkIns(BookingError):
    code = "no_walk_ins"
    message = _l("This date takes no walk-ins at the door today.")
