"""The desk's API under /api/v1/desk: a scan, a group's count, today's list, a search.

Two ways in. The scanner page: the staff session of the person signed in (desk or admin),
every POST with the page's CSRF token in an X-CSRFToken header, since a cookie authorises it
and a forged cross-site request must not. A device nobody signs in on: a device token in an
`Authorization: Bearer` header (desk/tokens.py); no cookie, so no CSRF to check."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from .. import clock
from ..api import MAX_ID, json_body, problem
from ..api.forms import FormInput, InvalidInput, parse_moment
from ..auth.models import Role
from ..booking import fastscan
from ..booking.models import CheckIn, Direction, Slot
from ..booking.tickets import ACCEPTED
from ..extensions import csrf, db, transaction, utcnow
from ..i18n import current_language
from ..text import text_problem
from . import service, tokens
from .forms import ScanForm, WalkInForm
from .serialize import (
    day_items,
    plain_scan_answer,
    scan_answer,
    ticket_summary,
    walk_in_answer,
)

DESK_ROLES = {Role.admin, Role.desk}


def staff_only():
    """Before every request of the desk API: a device token, or a signed-in member of the desk
    (with the page's CSRF token for a POST), else a problem."""
    g.desk_device = None
    if (token := tokens.bearer()) is not None:
        g.desk_device = tokens.device_of(token)
        if g.desk_device is None:
            return problem(401, "bad_token", _("This device token is unknown or revoked."))
        return None
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    if not current_user.is_authenticated:
        return problem(401, "not_signed_in", _("Please sign in to the staff area."))
    if current_user.role not in DESK_ROLES:
        return problem(403, "http_403", _("You do not have permission to see this page."))
    return None


def scans():
    """One scan at the door: the answer, in colour and words on the desk's screen."""
    body = json_body()
    if (answer := _scan_plain(body)) is not None:
        return answer
    scan_input = FormInput(ScanForm, body)
    now = utcnow()
    with transaction():
        form = scan_input.validated()
        scanned_at = _scanned_at(form.scanned_at.data, now) if form.scanned_at.data else now
        collector = form.collector.data or None
        if collector is not None:
            ticket = service.find_ticket(form.code.data, clock.local(scanned_at).date())
            if ticket is not None and collector not in service.allowed_collectors(ticket):
                raise InvalidInput({"collector": [_("This person may not collect this child.")]})
        answer = service.scan(
            form.code.data,
            direction=Direction(form.direction.data) if form.direction.data else None,
            staff=None if g.desk_device else current_user,
            scan_id=form.scan_id.data or None,
            device=g.desk_device.name if g.desk_device else form.device.data or "",
            now=scanned_at,
            collector=collector,
        )
        recorded = answer.check_in
        if form.count.data is not None and recorded is not None and _admitted(recorded):
            service.confirm_total(recorded, form.count.data)
    return jsonify(scan_answer(answer, current_language(), now=now))


# What a scan in of a code asks, nothing more: the hot path's (booking/fastscan.py).
_PLAIN_KEYS = frozenset(("code", "scan_id", "device", "direction"))
_SCAN_ID = re.compile(r"[!-~]{1,64}")  # printable ASCII, no space: a uuid, "retry-1"


def _plain_request(body) -> tuple[str, str | None, str] | None:
    """(ticket code, scan id, desk name) of a body that asks only a scan in of a code and that
    ScanForm would take as it is (nothing to trim, no rule broken); None for any other body,
    which the form reads, with its messages."""
    if not isinstance(body, dict) or not body.keys() <= _PLAIN_KEYS:
        return None
    scanned, scan_id, device = body.get("code"), body.get("scan_id"), body.get("device", "")
    if body.get("direction") not in (None, "in"):
        return None
    if not isinstance(scanned, str) or len(scanned) > 300 or scanned != scanned.strip():
        return None
    if scan_id is not None and not (isinstance(scan_id, str) and _SCAN_ID.fullmatch(scan_id)):
        return None
    if not isinstance(device, str) or len(device) > 80 or device != device.strip():
        return None
    if text_problem(scanned) or text_problem(device):
        return None
    code = service.ticket_code(scanned)
    return None if code is None else (code, scan_id, device)


def _scan_plain(body):
    """The hot path's answer to a plain scan, or None when the full path must give it
    (nothing was written)."""
    if not current_app.config["DESK_FAST_SCANS"] or (plain := _plain_request(body)) is None:
        return None
    code, scan_id, device = plain
    staff = None if g.desk_device else current_user
    now = utcnow()
    with transaction():
        recorded = fastscan.scan_in(
            code,
            staff_id=None if staff is None else staff.id,
            scan_id=scan_id,
            device=g.desk_device.name if g.desk_device else device,
            now=now,
            release_after=service.walk_in_after(),
        )
    if recorded is None:
        return None
    who = "" if staff is None else (staff.name or staff.email)
    return jsonify(plain_scan_answer(recorded, current_language(), who))


def _admitted(check_in: CheckIn) -> bool:
    return check_in.result == ACCEPTED and check_in.direction is Direction.inward


def walk_ins():
    """Seats booked at the door and the people let in: the answer the scanner shows."""
    walk_in_input = FormInput(WalkInForm, json_body())
    now = utcnow()
    language = current_language()
    with transaction():
        form = walk_in_input.validated()
        slot = db.session.get(Slot, form.slot_id.data)
        if slot is None or slot not in service.slots_of(clock.local(now).date()):
            raise InvalidInput({"slot_id": [_("No such date today.")]})
        booking, admissions = service.walk_in(
            slot,
            form.seats.data,
            name=_("Walk-in"),
            language=language,
            staff=None if g.desk_device else current_user,
            device=g.desk_device.name if g.desk_device else form.device.data or "",
            now=now,
        )
        left = service.walk_in_seats(slot, now)
    return jsonify(walk_in_answer(booking, admissions, left, language))


# A queued scan is sent with its own time; within a day back, and not ahead of the server's
# clock by more than a tablet's clock may drift.
_QUEUED_AT_MOST = timedelta(hours=24)
_CLOCK_DRIFT = timedelta(minutes=2)


def _scanned_at(raw: str, now: datetime) -> datetime:
    moment = parse_moment(raw, clock.museum_zone(), end_of_day=False)
    if moment is None or len(raw) == 10:
        raise InvalidInput({"scanned_at": [_("Please give a date and time (ISO 8601).")]})
    moment = moment.astimezone(UTC)
    if moment > now + _CLOCK_DRIFT or moment < now - _QUEUED_AT_MOST:
        raise InvalidInput({"scanned_at": [_("A scan of the last 24 hours, please.")]})
    return moment


def counts(scan_id: int):
    """How many of a group came in: {"arrived": {"pupils": 23, "teachers": 2}}."""
    body = json_body()
    arrived = body.get("arrived") if isinstance(body, dict) else None
    if not isinstance(arrived, dict):
        raise InvalidInput({"arrived": [_("Please give how many came in, by kind.")]})
    with transaction():
        check_in = db.session.get(CheckIn, scan_id)
        if check_in is None or not _admitted(check_in):
            raise NotFound()
        expected = service.expected_counts(check_in)
        errors = {}
        for kind, number in arrived.items():
            if kind not in expected:
                errors[f"arrived.{kind}"] = [_("This ticket expects no one of this kind.")]
            elif isinstance(number, bool) or not isinstance(number, int):
                errors[f"arrived.{kind}"] = [_("Please give a whole number.")]
            elif not 0 <= number <= 999:
                errors[f"arrived.{kind}"] = [_("Between 0 and 999, please.")]
        if errors:
            raise InvalidInput(errors)
        service.confirm_counts(check_in, arrived)
    return jsonify(
        counts=[
            {"kind": c.kind, "expected": c.expected, "arrived": c.arrived} for c in check_in.counts
        ]
    )


def today():
    """Every ticket expected today, by slot, with who has arrived: the board's figures and
    the list the page answers from when the network is down."""
    language = _language()
    now = utcnow()
    day = clock.local(now).date()
    return jsonify(day=day.isoformat(), items=day_items(service.today(day), language, now))


def _language() -> str:
    """`lang` of the query string (it or en), else the request's language."""
    lang = request.args.get("lang")
    if lang is None:
        return current_language()
    if lang not in current_app.config["LANGUAGES"]:
        raise InvalidInput({"lang": [_('Please choose the language: "it" or "en".')]})
    return lang


def search():
    language = _language()
    found = service.search(request.args.get("q", ""), clock.local(utcnow()).date())
    return jsonify(items=[ticket_summary(t, language) for t in found])


__all__ = ["MAX_ID", "counts", "scans", "search", "staff_only", "today", "walk_ins"]
