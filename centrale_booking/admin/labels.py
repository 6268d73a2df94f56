"""How the back office names categories, formats and booking statuses, in either language."""

from flask_babel import lazy_gettext as _l

from ..booking.states import BookingStatus
from ..events.models import Category, EventFormat

CATEGORY_LABELS = {
    Category.talk: _l("Talk"),
    Category.concert: _l("Concert"),
    Category.screening: _l("Screening"),
    Category.workshop: _l("Workshop"),
}
FORMAT_LABELS = {
    EventFormat.in_person: _l("In person"),
    EventFormat.streaming: _l("Streaming only"),
    EventFormat.both: _l("In person and streaming"),
}
STATUS_LABELS = {  # in the order the attendee page counts them
    BookingStatus.confirmed: _l("Confirmed"),
    BookingStatus.pending: _l("Not confirmed yet"),
    BookingStatus.offered: _l("Offered seats"),
    BookingStatus.waitlisted: _l("Waiting list"),
    BookingStatus.cancelled: _l("Cancelled"),
    BookingStatus.expired: _l("Expired"),
}
