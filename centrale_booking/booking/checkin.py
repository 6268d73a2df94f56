"""Check-in at the desk: every scan recorded, accepted or refused, once.

A desk that loses the network keeps scanning and sends its scans again when it is back, maybe
twice (a retry whose answer was lost). Each scan carries the device's own id for it: the pair
(device, scan id) is unique in the table, so a replay returns the scan recorded the first time
and never adds a second row, even when two copies arrive at once (the constraint decides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import CheckIn, Direction, Ticket
from .tickets import ACCEPTED, TicketStatus, ticket_status

# What a scan is answered, by the ticket's status and the direction; ACCEPTED lets them pass.
RESULTS = {
    Direction.inward: {
        TicketStatus.valid: ACCEPTED,
        TicketStatus.used: "already_used",
        TicketStatus.cancelled: "cancelled",
    },
    Direction.outward: {
        TicketStatus.used: ACCEPTED,  # in before, now out
        TicketStatus.valid: "not_checked_in",
        TicketStatus.cancelled: "cancelled",
    },
}

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def record_scan(
    ticket: Ticket,
    *,
    direction: Direction,
    staff,
    scan_id: str | None,
    device: str = "",
    now: datetime,
) -> CheckIn:
    """Record one scan of `ticket` and return it; its `result` says whether they pass ("ok")
    or why not. A scan already recorded from `device` with `scan_id` is returned as it was
    recorded, nothing written. scan_id None: a scan that is never replayed, always recorded."""
    if scan_id is not None and (earlier := _recorded(device, scan_id)) is not None:
        return earlier
    # The ticket's row locked first (PostgreSQL; SQLite's writer holds the whole database):
    # two desks scanning the same ticket at once let it in once.
    db.session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    result = RESULTS[direction][ticket_status(ticket)]
    insert = _INSERTS[db.session.get_bind().dialect.name](CheckIn).values(
        client_scan_id=scan_id,
        device_name=device,
        ticket_id=ticket.id,
        scanned_at=now,
        direction=direction,
        staff_user_id=None if staff is None else staff.id,
        result=result,
    )
    recorded = db.session.scalar(
        insert.on_conflict_do_nothing(index_elements=["device_name", "client_scan_id"]).returning(
            CheckIn
        )
    )
    if recorded is None:  # the same scan, recorded meanwhile by a copy that came at once
        recorded = _recorded(device, scan_id)
    return recorded


def _recorded(device: str, scan_id: str) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn).where(CheckIn.device_name == device, CheckIn.client_scan_id == scan_id)
    )
