"""The columns of an event's attendee export (admin/exports.py writes the file)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..booking.labels import NEWSLETTER_LABELS, STATUS_LABELS
from ..clock import local
from ..programmes import ExportColumn


def export_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_l("Name"), lambda b: b.contact_name),
        ExportColumn(_l("Email"), lambda b: b.contact_email),
        ExportColumn(_l("Seats"), lambda b: b.quantity),
        ExportColumn(_l("Status"), lambda b: str(STATUS_LABELS[b.status])),
        ExportColumn(_l("Reference"), lambda b: b.reference),
        ExportColumn(_l("Booked at"), lambda b: local(b.created_at).strftime("%Y-%m-%d %H:%M")),
        ExportColumn(_l("Newsletter"), lambda b: str(NEWSLETTER_LABELS[b.newsletter])),
    ]
