"""The links that leave the site in emails, PDFs and calendar files: built from BASE_URL, since
they are made outside any request (by the outbox worker). The routes in views.py match them."""

from flask import current_app


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def manage_path(booking) -> str:
    return f"/prenotazione/{booking.reference}/{booking.manage_token}"


def manage_url(booking) -> str:
    return _base() + manage_path(booking)


def cancel_url(booking) -> str:
    """The one-click "I can't come" of the reminder: it opens the cancellation's confirm step."""
    return manage_url(booking) + "/annulla"


def ticket_url(ticket) -> str:
    return f"{_base()}/t/{ticket.code}"
