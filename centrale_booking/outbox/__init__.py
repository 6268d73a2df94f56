"""The transactional email outbox: rows written beside the booking change, delivered later."""

from ..booking.fastpath import PreparedInsert, insert_values
from ..extensions import db
from .models import EmailKind, OutboxMessage

_INSERT = PreparedInsert(OutboxMessage, returning=False)


def queue_email(booking, kind: EmailKind | str, **payload) -> None:
    """Queue an email about a booking, in the caller's transaction: it is sent if, and only
    if, the change that caused it commits. The row is written at once (insert_values).
    An unknown kind is refused here, not when the worker tries to send it."""
    kind = EmailKind(kind)
    if booking.id is None:
        db.session.flush()  # a booking added but not yet written: write it first
    insert_values(
        db.session,
        _INSERT,
        kind=kind.value,
        booking_id=booking.id,
        to_address=booking.contact_email,
        language=booking.language,
        payload=payload,
    )
