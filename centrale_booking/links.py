"""Every outward URL: the links that leave the site in emails, PDFs, calendar files, QR codes
and API answers. Built from BASE_URL, since many are made outside any request (the outbox
worker), and from the app's own routes, so that a link always matches a route
(tests/app/test_links.py checks each one)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _path(endpoint: str, **values) -> str:
    # The route's own path, without a request: the URL map bound to no particular host.
    return current_app.url_map.bind("", url_scheme="http").build(endpoint, values)


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def site_url() -> str:
    return absolute("/")


# --- A booking's private pages (whoever holds the link manages the booking) ---------------


def manage_path(booking) -> str:
    return _path("manage.manage", reference=booking.reference, token=booking.manage_token)


def manage_url(booking) -> str:
    return absolute(manage_path(booking))


def cancel_url(booking) -> str:
    """The one-click "I can't come" of the reminder: it opens the cancellation's confirm step."""
    return absolute(_path("manage.cancel", reference=booking.reference, token=booking.manage_token))


def pdf_url(booking) -> str:
    return absolute(
        _path("manage.confirmation_pdf", reference=booking.reference, token=booking.manage_token)
    )


def ics_url(booking) -> str:
    return absolute(
        _path("manage.calendar_file", reference=booking.reference, token=booking.manage_token)
    )


def newsletter_token(booking) -> str:
    """Signed, and sent only to the booking's address (never shown on a page nor in the
    API, unlike the manage link): opening it proves the address is the person's."""
    serializer = URLSafeSerializer(current_app.secret_key, salt="newsletter-confirm")
    return serializer.dumps([booking.id, booking.contact_email.lower()])


def newsletter_booking_id(token: str, email_of) -> int | None:
    """The booking id a newsletter token names, if it is genuine and still matches the
    booking's address (`email_of(id)`), else None."""
    serializer = URLSafeSerializer(current_app.secret_key, salt="newsletter-confirm")
    try:
        booking_id, email = serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(booking_id, int) or (email_of(booking_id) or "").lower() != email:
        return None
    return booking_id


def newsletter_url(booking) -> str:
    return absolute(_path("manage.newsletter", signed=newsletter_token(booking)))


def ticket_url(ticket) -> str:
    """What a ticket's QR code holds: the ticket page, /t/<code>, on the public site, with
    the code printed for the ticket (its own, or its programme's pass: a campus child's, the
    same for all the child's weeks). The desk scanner accepts this URL or the bare code."""
    return absolute(_path("manage.ticket", code=printed_code(ticket)))


def printed_code(ticket) -> str:
    """The code a ticket's QR holds and its documents print (Programme.pass_codes). A row
    of a ticket's columns only (code, admits: an event's API answer) prints its own."""
    booking = getattr(ticket, "booking", None)
    if booking is None:
        return ticket.code
    return booking.slot.programme.pass_codes([ticket]).get(ticket.id, ticket.code)


# --- Public pages -------------------------------------------------------------------------


def programme_link(endpoint: str, **values) -> str:
    """A programme's own outward link (a school visit's "we are coming"), from its route."""
    return absolute(_path(endpoint, **values))


def programme_url(programme) -> str:
    """The public page of a programme (an event's page), or the home page for a kind that
    has none."""
    if programme.public_endpoint is None:
        return site_url()
    return absolute(_path(programme.public_endpoint, **programme.public_url_values()))
