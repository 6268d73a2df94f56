"""The emails about a booking, one per EmailKind, in the booking's language.

Each kind is one spec (SPECS below): its template folder, templates/email/<folder>/ with
subject.txt, body.txt and body.html (on the layouts email/_layout.txt and _layout.html), and
whether it shows the QR codes or carries the PDF and the .ics. What a booking is comes from
its programme (the protocol's facts, in_person, online_url); a programme's own panel is its
template email/<programme kind>/take_part.txt|html, else email/_take_part.txt|html. The
content is taken from the booking when the message is sent (seconds after it was queued, or
later if the mail server was away), so it is never out of date; `out_of_date` says when the
email itself no longer makes sense (an offer that lapsed).

QR codes are inline PNGs (cid:), never remote images."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from flask_babel import force_locale

from ..booking.models import Booking, WaitlistMode
from ..booking.states import LIVE, BookingStatus
from ..clock import clock_time, day, moment_text, slot_when
from ..extensions import utcnow
from ..links import cancel_url, manage_url, newsletter_url, printed_code, site_url, ticket_url
from ..museum import museum_contact
from ..outbox.models import EmailKind, OutboxMessage

S = BookingStatus
K = EmailKind


@dataclass(frozen=True)
class EmailSpec:
    folder: str  # templates/email/<folder>/: subject.txt, body.txt, body.html
    with_qr: bool = False  # the ticket QR codes, inline: an email shown at the entrance
    with_documents: bool = False  # the PDF and the .ics attached
    ended: bool = False  # nothing left to do on the booking page
    lists_bookings: bool = False  # about several bookings (payload "bookings"), not one


SPECS = {
    K.confirmation: EmailSpec("confirmation", with_qr=True, with_documents=True),
    K.waitlisted: EmailSpec("waitlisted"),
    K.offer: EmailSpec("offer"),
    K.reminder: EmailSpec("reminder", with_qr=True),
    K.cancellation: EmailSpec("cancellation", ended=True),
    K.slot_cancelled: EmailSpec("slot_cancelled", ended=True),
    K.expired: EmailSpec("expired", ended=True),
    K.booking_links: EmailSpec("booking_links", lists_bookings=True),
    K.link_again: EmailSpec("link_again", with_qr=True),
    K.newsletter_confirm: EmailSpec("newsletter_confirm"),
    K.slot_changed: EmailSpec("slot_changed", with_qr=True, with_documents=True),
    K.promoted: EmailSpec("promoted", with_qr=True, with_documents=True),
    K.waitlist_skipped: EmailSpec("waitlist_skipped"),
    K.staff_message: EmailSpec("staff_message"),
    K.confirm_address: EmailSpec("confirm_address"),
    K.reminder_week: EmailSpec("reminder_week", with_qr=True),
}


def build_email(message: OutboxMessage) -> EmailMessage:
    """The email for an outbox message, ready for a transport."""
    booking = message.booking
    if booking is None:
        raise ValueError(f"outbox message {message.id} has no booking")
    try:
        kind = EmailKind(message.kind)
    except ValueError:
        raise ValueError(f"unknown email kind {message.kind!r}") from None
    spec = SPECS[kind]
    config = current_app.config
    with force_locale(message.language):
        images = _qr_images(booking) if spec.with_qr else []
        # A request still waiting holds no place: no ticket, no PDF, no calendar entry.
        documents = spec.with_documents and booking.status is S.confirmed
        context = _context(kind, spec, booking, images, message.language, message.payload or {})
        context["with_pdf"] = documents
        if spec.lists_bookings:
            context["bookings"] = _listed(message.payload.get("bookings", []), message.language)
        subject = " ".join(_render(f"email/{spec.folder}/subject.txt", context).split())
        context["subject"] = subject
        text = _render(f"email/{spec.folder}/body.txt", context)
        html = _render(f"email/{spec.folder}/body.html", context)
        attachments = _attachments(booking) if documents else []

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
    email["Content-Language"] = message.language  # after the body: set_content drops it
    return email


def out_of_date(message: OutboxMessage, now: datetime) -> str | None:
    """Why the email should no longer be sent, or None. Only emails that ask for something
    that has become impossible, or announce a state that is already over, are dropped; news
    of an end (cancelled, expired) is always sent."""
    booking = message.booking
    if booking is None:
        return None
    if message.kind in (K.confirmation, K.promoted) and booking.status is not S.confirmed:
        return "the booking is no longer confirmed"  # its cancellation email tells the rest
    if message.kind == K.newsletter_confirm and booking.newsletter != "pending":
        return "the newsletter is confirmed already"
    if message.kind in (K.slot_changed, K.staff_message) and booking.status not in LIVE:
        return "the booking has ended"
    if message.kind == K.waitlist_skipped and booking.status is not S.waitlisted:
        return "the request is no longer waiting"
    if message.kind == K.offer and (
        booking.status is not S.offered
        or booking.offer_expires_at is None
        or booking.offer_expires_at <= now
    ):
        return "the offer is no longer open"
    if message.kind == K.confirm_address and booking.status is not S.pending:
        return "the booking is no longer waiting to be confirmed"
    if message.kind in (K.reminder, K.reminder_week) and (
        booking.status is not S.confirmed
        or booking.slot.cancelled_at is not None
        or booking.slot.starts_at <= now
    ):
        return "the booking is no longer coming up"
    return None


def _context(
    kind: EmailKind,
    spec: EmailSpec,
    booking: Booking,
    images: list,
    language: str,
    payload: dict,
) -> dict:
    config = current_app.config
    slot = booking.slot
    programme = slot.programme
    deadline = None
    if booking.status is S.confirmed and programme.in_person(booking):
        deadline = slot.cancellation_deadline
    return {
        "kind": kind.value,
        # the booking page still has something to do: see, confirm, change or cancel
        "active": not spec.ended,
        "language": language,
        "booking": booking,
        "programme_kind": programme.kind,
        "name": booking.contact_name,
        "reference": booking.reference,
        "title": programme.text("title", language),
        "date": day(slot.starts_at, language),
        "start_time": clock_time(slot.starts_at, language),
        "when": slot_when(slot.starts_at, slot.ends_at, language),
        "facts": [
            f for f in programme.document_facts(booking, language) if not (spec.ended and f.url)
        ],
        "in_person": programme.in_person(booking),
        "online_url": "" if spec.ended else programme.online_url(booking),
        "museum": config["MUSEUM_NAME"],
        "address": config["MUSEUM_ADDRESS"],
        "contact": museum_contact(language),
        "manage_url": manage_url(booking),
        "newsletter_url": newsletter_url(booking) if kind is K.newsletter_confirm else "",
        "cancel_url": cancel_url(booking),
        "cancel_plea": programme.cancel_plea(),
        "links": programme.email_links(booking),  # the programme's own (a reconfirmation)
        "site_url": site_url(),
        "waitlist_offers": programme.waitlist_mode is WaitlistMode.offer,
        "offer_hours": programme.offer_hours,
        "offer_deadline": _moment(booking.offer_expires_at, language),
        "offer_lapsed": booking.offer_expires_at is not None,
        "slot_cancelled": slot.cancelled_at is not None,
        "cancel_deadline": _moment(deadline, language),
        "tickets": [
            {"label": programme.ticket_caption(ticket), "code": printed_code(ticket), "cid": cid}
            for ticket, (cid, _png, _filename) in zip(_tickets(booking), images, strict=False)
        ],
        "waiting": booking.status is S.waitlisted,
        "confirmed": booking.status is S.confirmed,
        **_told(payload, language),
    }


def _listed(ids: list[int], language: str) -> list[dict]:
    """The bookings an email lists, each with what, when and its link; those gone meanwhile
    are left out."""
    from ..extensions import db

    listed = []
    for booking_id in ids:
        booking = db.session.get(Booking, booking_id)
        if booking is None:
            continue
        slot = booking.slot
        listed.append(
            {
                "title": slot.programme.text("title", language),
                "when": slot_when(slot.starts_at, slot.ends_at, language),
                "reference": booking.reference,
                "manage_url": manage_url(booking),
            }
        )
    return listed


def _told(payload: dict, language: str) -> dict:
    """What the cause of the email wrote in its payload, in the booking's language: the time
    a date had before it moved, the reason it was cancelled, the staff's own words, the place
    in the queue of a request that was passed over."""
    told: dict = {"was_when": "", "place_changed": False, "reason": "", "position": 0}
    if was := payload.get("was"):
        starts, ends = (
            datetime.fromisoformat(was["starts_at"]),
            datetime.fromisoformat(was["ends_at"]),
        )
        told["was_when"] = slot_when(starts, ends, language)
        told["place_changed"] = bool(was.get("place_changed"))
    for key in ("reason", "subject", "body"):
        texts = payload.get(key) or {}
        told[key] = texts.get(language) or texts.get("it", "")
    told["position"] = payload.get("position", 0)
    told["free_places"] = payload.get("free_places", 0)
    return told


def _render(name: str, context: dict) -> str:
    # Straight from the Jinja environment: no context processors, which may expect a request.
    rendered = current_app.jinja_env.get_template(name).render(context)
    if name.endswith(".txt"):
        # Optional blocks leave blank lines behind: keep at most one between paragraphs.
        rendered = re.sub(r"\n{3,}", "\n\n", rendered.strip() + "\n")
    return rendered


def _moment(at: datetime | None, language: str) -> str:
    return moment_text(at, language) if at else ""


def _domain() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "localhost"


def _tickets(booking: Booking) -> list:
    if booking.status is not S.confirmed:
        return []
    return booking.slot.programme.document_tickets(booking)


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
