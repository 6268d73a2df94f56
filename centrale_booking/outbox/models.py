"""An email to send, written in the same transaction as the change that causes it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..booking.models import Booking
from ..extensions import db, utcnow


class EmailKind(StrEnum):
    """What an email is about. Each kind has one spec (documents/emails.py: its templates,
    whether it carries the QR codes or the PDF), so a new kind touches these two places."""

    confirmation = "confirmation"
    waitlisted = "waitlisted"
    offer = "offer"  # places freed up and held for the person until a deadline
    reminder = "reminder"
    cancellation = "cancellation"
    slot_cancelled = "slot_cancelled"  # the museum cancelled the date
    expired = "expired"
    booking_links = "booking_links"  # asked for again: every live booking's link, in one email
    link_again = "link_again"  # asked to book again: the link of the booking already made
    newsletter_confirm = "newsletter_confirm"  # the link that confirms the newsletter asked for
    slot_changed = "slot_changed"  # the museum moved the date, the time or the place
    promoted = "promoted"  # confirmed from the waiting list: a place freed up
    waitlist_skipped = "waitlist_skipped"  # freed places went to a smaller request behind
    staff_message = "staff_message"  # the staff wrote to the people of a date
    confirm_address = "confirm_address"  # a pending booking's link to confirm (school visits)
    reminder_week = "reminder_week"  # a week before, to reconfirm or change (school visits)


class OutboxStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # gave up after the last retry, or refused for good by the server
    skipped = "skipped"  # out of date before it could be sent (an offer that has lapsed)


class OutboxMessage(db.Model):
    """An email about a booking: its kind names the templates, the booking gives the content
    at the time it is sent, and the row records each delivery attempt."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))  # an EmailKind's value
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="it")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=8), default=OutboxStatus.queued, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The lease of the worker sending it (see worker.py): no other worker takes the message
    # before claimed_until; a worker that died mid-send gives it up when the lease runs out.
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    claimed_until: Mapped[datetime | None]

    booking: Mapped[Booking | None] = relationship()
