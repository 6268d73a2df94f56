"""Booking lists as a CSV file that Excel, set up for Italy, opens right: UTF-8 with a byte
order mark (or accents come out garbled) and `;` between fields (Italian Excel reads `,` as
the decimal mark). The columns are each programme's own (ExportColumn, in its registry
entry); the format is handled here, once."""

from __future__ import annotations

import csv
import io

from ..booking.models import Booking
from ..programmes import ExportColumn

# Excel runs a cell that starts with one of these as a formula: names come from the public
# booking forms, so they are written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(value) -> object:
    return as_text(value) if isinstance(value, str) else value


def bookings_csv(bookings: list[Booking], columns: list[ExportColumn]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(column.header) for column in columns])
    for booking in bookings:
        writer.writerow([_cell(column.value(booking)) for column in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
