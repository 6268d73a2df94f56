"""The transactional email outbox: rows written beside the booking change, delivered later."""

from ..extensions import db
from .models import OutboxMessage


def queue_email(booking, kind: str, **payload) -> OutboxMessage:
    """Queue an email about a booking, in the caller's transaction: it is sent if, and only
    if, the change that caused it commits."""
    message = OutboxMessage(
        kind=kind,
        booking=booking,
        to_address=booking.contact_email,
        language=booking.language,
        payload=payload,
    )
    db.session.add(message)
    return message
