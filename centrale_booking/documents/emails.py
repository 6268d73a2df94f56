"""The emails about a booking, one per OutboxMessage kind, in the booking's language.

Each kind has a template pair, templates/email/<kind>.txt and <kind>.html (slot_cancelled
shares the cancellation's), on the layouts _layout.txt and _layout.html. The content is taken
from the booking when the message is sent (seconds after it was queued, or later if the mail
server was away), so it is never out of date; `out_of_date` says when the email itself no
longer makes sense (an offer that lapsed).

A confirmation carries the PDF and the .ics; a confirmation and a reminder show each ticket's
QR code as an inline PNG (cid:), never a remote image."""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..booking.models import Booking, Unit, WaitlistMode
from ..booking.states import BookingStatus
from ..clock import day, moment_text, slot_when
from ..extensions import utcnow
from ..links import cancel_url, manage_url, ticket_url
from ..outbox.models import OutboxMessage

S = BookingStatus

KINDS = (
    "confirmation",
    "waitlisted",
    "offer",
    "reminder",
    "cancellation",
    "slot_cancelled",  # the museum cancelled the date (booking/changes.py, cancel_slot)
    "expired",
)
TEMPLATES = {"slot_cancelled": "cancellation"}  # the kinds that share another's templates
WITH_QR = frozenset({"confirmation", "reminder"})  # the emails shown at the entrance
ENDED = frozenset({"cancellation", "slot_cancelled", "expired"})  # nothing left to do


def build_email(message: OutboxMessage) -> EmailMessage:
    """The email for an outbox message, ready for a transport."""
    booking = message.booking
    if booking is None:
        raise ValueError(f"outbox message {message.id} has no booking")
    if message.kind not in KINDS:
        raise ValueError(f"unknown email kind {message.kind!r}")
    config = current_app.config
    with force_locale(booking.language):
        images = _qr_images(booking) if message.kind in WITH_QR else []
        context = _context(message, booking, images)
        subject = _subject(message.kind, context)
        context["subject"] = subject
        template = TEMPLATES.get(message.kind, message.kind)
        text = _render(f"email/{template}.txt", context)
        html = _render(f"email/{template}.html", context)
        attachments = _attachments(booking) if message.kind == "confirmation" else []

    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = config["MAIL_FROM"]
    email["To"] = Address(display_name=booking.contact_name, addr_spec=message.to_address)
    if config["MAIL_REPLY_TO"]:
        email["Reply-To"] = config["MAIL_REPLY_TO"]
    email["Date"] = format_datetime(utcnow())
    # The same id every time the message is built: a copy sent twice (a worker that died
    # between sending and recording it) is recognisable as the same email.
    email["Message-ID"] = f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{_domain()}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    html_part = email.get_payload()[1]
    for cid, png, filename in images:
        html_part.add_related(
            png, "image", "png", cid=f"<{cid}>", disposition="inline", filename=filename
        )
    for content, maintype, subtype, filename in attachments:
        email.add_attachment(content, maintype, subtype, filename=filename)
    email["Content-Language"] = booking.language  # after the body: set_content drops it
    return email


def out_of_date(message: OutboxMessage, now: datetime) -> str | None:
    """Why the email should no longer be sent, or None. Only emails that ask for something
    that has become impossible, or announce a state that is already over, are dropped; news
    of an end (cancelled, expired) is always sent."""
    booking = message.booking
    if booking is None:
        return None
    if message.kind == "confirmation" and booking.status is not S.confirmed:
        return "the booking is no longer confirmed"  # its cancellation email tells the rest
    if message.kind == "offer" and (
        booking.status is not S.offered
        or booking.offer_expires_at is None
        or booking.offer_expires_at <= now
    ):
        return "the offer is no longer open"
    if message.kind == "reminder" and (
        booking.status is not S.confirmed
        or booking.slot.cancelled_at is not None
        or booking.slot.starts_at <= now
    ):
        return "the booking is no longer coming up"
    return None


def _context(message: OutboxMessage, booking: Booking, images: list) -> dict:
    config = current_app.config
    slot = booking.slot
    programme = slot.programme
    language = booking.language
    stream_url = getattr(programme, "stream_url", "") or ""
    in_person_only = str(getattr(programme, "format", "")) == "in_person"
    deadline = None
    if programme.cancel_deadline_hours and booking.status is S.confirmed:
        deadline = slot.cancellation_deadline
    return {
        "kind": message.kind,
        # the booking page still has something to do: see, confirm, change or cancel
        "active": message.kind not in ENDED,
        "language": language,
        "booking": booking,
        "name": booking.contact_name,
        "reference": booking.reference,
        "title": programme.text("title", language),
        "date": day(slot.starts_at, language),
        "when": slot_when(slot.starts_at, slot.ends_at, language),
        "places": _places(programme.unit, booking.quantity),
        "museum": config["MUSEUM_NAME"],
        "address": config["MUSEUM_ADDRESS"],
        "room": getattr(programme, "room", "") or "",
        "stream_url": "" if in_person_only or message.kind in ENDED else stream_url,
        "manage_url": manage_url(booking),
        "cancel_url": cancel_url(booking),
        "streaming_only": getattr(programme, "streaming_only", False),
        "site_url": config["BASE_URL"].rstrip("/") + "/",
        "per_child": programme.unit is Unit.children,
        "waitlist_offers": programme.waitlist_mode is WaitlistMode.offer,
        "offer_hours": programme.offer_hours,
        "offer_deadline": _moment(booking.offer_expires_at, language),
        "offer_lapsed": booking.offer_expires_at is not None,
        "slot_cancelled": slot.cancelled_at is not None,
        "cancel_deadline": _moment(deadline, language),
        "tickets": [
            {"label": ticket.holder_label, "code": ticket.code, "cid": cid}
            for ticket, (cid, _png, _filename) in zip(_tickets(booking), images, strict=False)
        ],
    }


def _subject(kind: str, c: dict) -> str:
    what = {"title": c["title"], "date": c["date"], "reference": c["reference"]}
    if kind == "confirmation":
        return _("Booking confirmed: %(title)s, %(date)s (%(reference)s)", **what)
    if kind == "waitlisted":
        return _("Waiting list: %(title)s, %(date)s (%(reference)s)", **what)
    if kind == "offer":
        return _(
            "Places available for %(title)s: confirm by %(deadline)s (%(reference)s)",
            title=c["title"],
            deadline=c["offer_deadline"],
            reference=c["reference"],
        )
    if kind == "reminder":
        return _("Reminder: %(title)s, %(date)s (%(reference)s)", **what)
    if kind == "cancellation":
        return _("Booking cancelled: %(title)s, %(date)s (%(reference)s)", **what)
    if kind == "slot_cancelled":
        return _("Date cancelled by the museum: %(title)s, %(date)s (%(reference)s)", **what)
    return _("Booking expired: %(title)s, %(date)s (%(reference)s)", **what)


def _render(name: str, context: dict) -> str:
    # Straight from the Jinja environment: no context processors, which may expect a request.
    rendered = current_app.jinja_env.get_template(name).render(context)
    if name.endswith(".txt"):
        # Optional blocks leave blank lines behind: keep at most one between paragraphs.
        rendered = re.sub(r"\n{3,}", "\n\n", rendered.strip() + "\n")
    return rendered


def _moment(at: datetime | None, language: str) -> str:
    return moment_text(at, language) if at else ""


def _places(unit: Unit, quantity: int) -> str:
    if unit is Unit.classes:
        return ngettext("%(num)d class", "%(num)d classes", quantity)
    if unit is Unit.children:
        return ngettext("%(num)d child", "%(num)d children", quantity)
    return ngettext("%(num)d seat", "%(num)d seats", quantity)


def _domain() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "localhost"


def _tickets(booking: Booking) -> list:
    return list(booking.tickets) if booking.status is S.confirmed else []


def _qr_images(booking: Booking) -> list[tuple[str, bytes, str]]:
    """(content id, PNG, file name) of each ticket's QR code."""
    from .qr import qr_png

    return [
        (f"qr-{ticket.id}@{_domain()}", qr_png(ticket_url(ticket)), f"qr-{n}.png")
        for n, ticket in enumerate(_tickets(booking), start=1)
    ]


def _attachments(booking: Booking) -> list[tuple[bytes, str, str, str]]:
    from .calendar import booking_ics
    from .pdf import confirmation_pdf

    return [
        (confirmation_pdf(booking), "application", "pdf", f"{booking.reference}.pdf"),
        (booking_ics(booking), "text", "calendar", f"{booking.reference}.ics"),
    ]
