"""Booking statuses and the one table of the moves between them."""

from enum import StrEnum


class BookingStatus(StrEnum):  # name == stored value == API value
    pending = "pending"  # places held for a short time, waiting to be confirmed
    waitlisted = "waitlisted"  # no places held; waiting for some to free up
    offered = "offered"  # places freed up and held for this booking until a deadline
    confirmed = "confirmed"
    cancelled = "cancelled"
    expired = "expired"  # a hold or an offer that ran out


S = BookingStatus

INITIAL = frozenset({S.pending, S.waitlisted})

TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.pending: frozenset({S.confirmed, S.cancelled, S.expired}),
    S.waitlisted: frozenset({S.offered, S.confirmed, S.cancelled}),
    S.offered: frozenset({S.confirmed, S.cancelled, S.expired}),
    S.confirmed: frozenset({S.cancelled}),
    S.cancelled: frozenset(),
    S.expired: frozenset(),
}

# The statuses in which a booking counts in the slot's `taken`.
HOLDS_PLACES = frozenset({S.pending, S.offered, S.confirmed})

# A live booking still counts for its slot (holds places or waits for them); an ended one
# is over for good (no move leaves these).
LIVE = frozenset({S.pending, S.waitlisted, S.offered, S.confirmed})
ENDED = frozenset({S.cancelled, S.expired})
