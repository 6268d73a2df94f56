"""The attendee list as a CSV file that Excel, set up for Italy, opens right: UTF-8 with a
byte order mark (or accents come out garbled) and `;` between fields (Italian Excel reads
`,` as the decimal mark)."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from ..booking.models import Booking
from ..clock import local
from .labels import STATUS_LABELS

# Excel runs a cell that starts with one of these as a formula: names come from the public
# booking form, so they are written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def attendees_csv(bookings: list[Booking]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Name"),
            _("Email"),
            _("Seats"),
            _("Status"),
            _("Reference"),
            _("Booked at"),
            _("Newsletter"),
        ]
    )
    for booking in bookings:
        writer.writerow(
            [
                as_text(booking.contact_name),
                as_text(booking.contact_email),
                booking.quantity,
                str(STATUS_LABELS[booking.status]),
                booking.reference,
                local(booking.created_at).strftime("%Y-%m-%d %H:%M"),
                _("yes") if booking.newsletter_consent else _("no"),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
