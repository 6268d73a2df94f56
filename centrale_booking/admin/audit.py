"""The back office's record of who changed what: one AuditLog row per change, written in the
transaction of the change itself, so a change that rolls back leaves no record behind."""

from __future__ import annotations

from ..auth.models import AuditLog, StaffUser
from ..booking.models import Programme
from ..extensions import db


def record(by: StaffUser, action: str, programme: Programme, **details) -> AuditLog:
    if programme.id is None:
        db.session.flush()  # a new programme: its id names the target
    entry = AuditLog(
        staff_user_id=by.id,
        action=action,
        target=f"{programme.kind}:{programme.id}",
        details={"slug": programme.slug, **details},
    )
    db.session.add(entry)
    return entry
