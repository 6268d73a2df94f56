"""How people are told a booking's status, in either language (back office, manage page)."""

from flask_babel import lazy_gettext as _l

from .states import BookingStatus

STATUS_LABELS = {  # in the order the attendee pages count them
    BookingStatus.confirmed: _l("Confirmed"),
    BookingStatus.pending: _l("Not confirmed yet"),
    BookingStatus.offered: _l("Places offered"),
    BookingStatus.waitlisted: _l("Waiting list"),
    BookingStatus.cancelled: _l("Cancelled"),
    BookingStatus.expired: _l("Expired"),
}

# Booking.newsletter: asked for and confirmed from the address, asked for only, or not.
NEWSLETTER_LABELS = {
    "yes": _l("yes"),
    "pending": _l("asked, not confirmed yet"),
    "no": _l("no"),
}
