"""What a ticket is worth right now: valid, used or cancelled. Derived, never stored, so a
cancelled booking or a cancelled date makes its tickets invalid with nothing else to update."""

from enum import StrEnum

from sqlalchemy import exists, select

from ..extensions import db
from .models import CheckIn, Direction, Ticket
from .states import BookingStatus


class TicketStatus(StrEnum):
    valid = "valid"
    used = "used"
    cancelled = "cancelled"  # the booking or the date was cancelled, or is not confirmed


ACCEPTED = "ok"  # CheckIn.result of a scan that let someone in


def ticket_status(ticket: Ticket) -> TicketStatus:
    booking = ticket.booking
    if booking.status is not BookingStatus.confirmed or booking.slot.cancelled_at is not None:
        return TicketStatus.cancelled
    used = db.session.scalar(
        select(
            exists().where(
                CheckIn.ticket_id == ticket.id,
                CheckIn.direction == Direction.inward,
                CheckIn.result == ACCEPTED,
            )
        )
    )
    return TicketStatus.used if used else TicketStatus.valid
