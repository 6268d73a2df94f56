"""The desk's pages: the scanner, today's board, and a ticket's details (opened on purpose,
and recorded in the audit log)."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..admin.audit import record
from ..auth.models import DeviceToken, Role
from ..booking.models import CheckIn
from ..booking.tickets import ticket_status
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm
from ..i18n import current_language
from . import service, tokens
from .forms import DeviceForm
from .serialize import HEADCOUNT_KINDS, day_items


def scanner():
    return render_template("desk/scanner.html", texts=_scanner_texts(), form=ConfirmForm())


def service_worker():
    """The desk's service worker, served from under /staff/desk/ so that its scope is the
    desk's pages (a script under /static/ could only serve /static/)."""
    response = send_from_directory(current_app.static_folder, "js/desk-sw.js")
    response.mimetype = "text/javascript"
    return response


def board():
    day = clock.local(utcnow()).date()
    slots = day_items(service.today(day), current_language())
    return render_template("desk/board.html", day=day, slots=slots, texts=_scanner_texts())


def details(code: str):
    """Everything about a ticket, for when the door needs more than the scan says (who the
    parent is, how to call them): opened with a button, never by a link, and audited."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    ticket = service.find_ticket(code)
    if ticket is None:
        abort(404)
    booking = ticket.booking
    programme = booking.slot.programme
    with transaction():
        record(
            current_user,
            "desk.ticket_details",
            programme,
            ticket=ticket.id,
            reference=booking.reference,
        )
    scans = db.session.scalars(
        select(CheckIn).where(CheckIn.ticket_id == ticket.id).order_by(CheckIn.scanned_at)
    ).all()
    language = current_language()
    return render_template(
        "desk/details.html",
        ticket=ticket,
        booking=booking,
        status=ticket_status(ticket),
        facts=programme.facts(booking, language),
        scans=scans,
    )


def _scanner_texts() -> dict:
    """What the page's script says by itself (offline, or before any answer)."""
    return {
        "ready": _("Ready: scan a ticket"),
        "desk": _("Desk"),
        "offline_list": _("Checked in, according to the list kept on this device."),
        "offline_checkout": _(
            "A check-out needs the network: who may collect the child is not kept on this device."
        ),
        "offline": _("Offline"),
        "online": _("Online"),
        "waiting": _("%(num)s scans waiting to be sent"),
        "waiting_one": _("1 scan waiting to be sent"),
        "offline_ok": _("OK (offline)"),
        "offline_note": _("Answered from this device's list: it is sent when the network is back."),
        "offline_unknown": _("Not in today's list"),
        "offline_unknown_note": _(
            "The network is down and this code is not in the list kept on this device."
        ),
        "already_used": _("Already used"),
        "used_here": _("Already scanned on this device at %(when)s."),
        "wrong_day": _("Wrong day"),
        "cancelled": _("Cancelled"),
        "conflict": _("Conflict: scanned here while offline, but already used elsewhere"),
        "conflicts": _("Scans to check"),
        "dismiss": _("Checked"),
        "confirm_count": _("Confirm"),
        "count_saved": _("Recorded: %(arrived)s of %(expected)s."),
        "also": _("Also check in"),
        "also_out": _("Also check out"),
        "companions_done": _("Brothers and sisters recorded too."),
        "leaves_alone": _("Leaves alone"),
        "camera_on": _("Start camera"),
        "camera_off": _("Stop camera"),
        "camera_error": _("The camera could not be started. Use the field or a handheld scanner."),
        "search_none": _("Nothing found for today."),
        "check_in": _("Check in"),
        "details": _("Open the details"),
        "searching": _("Searching…"),
        "of": _("of"),
        "walk_in": _("Walk-in"),
        "walk_in_seat": _("1 place"),
        "walk_in_seats": _("%(num)s places"),
        "walk_in_free": _("%(num)s places free for walk-ins"),
        "walk_in_one": _("1 place free for walk-ins"),
        "walk_in_none": _("No places left for walk-ins"),
        "walk_in_offline": _("A walk-in needs the network: nothing was booked."),
        "no_seats": _("No places left"),
    }


def devices():
    """The devices that scan with a token: make one (shown once), revoke one. Admins only."""
    form = DeviceForm()
    made = None
    if form.validate_on_submit():
        name = form.name.data.strip()
        if not name:
            form.name.errors.append(_("Please name the device (e.g. Tablet ingresso)."))
        elif db.session.scalar(select(DeviceToken.id).where(DeviceToken.name == name)):
            form.name.errors.append(_("A device with this name already has a token."))
        else:
            made = (name, tokens.create_token(name, Role.desk))
    listed = db.session.scalars(select(DeviceToken).order_by(DeviceToken.name)).all()
    page = render_template(
        "desk/devices.html", form=form, made=made, devices=listed, revoke_form=ConfirmForm()
    )
    return page, 422 if form.errors else 200


def revoke_device(device_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction():
        device = db.get_or_404(DeviceToken, device_id)
        if device.revoked_at is None:
            device.revoked_at = utcnow()
    tokens.forget_devices()  # here at once; other processes within the recheck's seconds
    flash(_("The token of %(name)s is revoked.", name=device.name), "success")
    return redirect(url_for("desk_devices.devices"), 303)


def figures():
    """How many came with each group ticket this year (September to August): expected,
    arrived and the difference, by kind, for the staff and the yearly figures."""
    this_year = service.figures_year(clock.local(utcnow()).date())
    year = request.args.get("anno", this_year, type=int)
    if not 2000 <= year <= this_year + 1:
        abort(404)
    arrivals = service.group_arrivals(year)
    return render_template(
        "desk/figures.html",
        year=year,
        this_year=this_year,
        arrivals=arrivals,
        totals=service.totals_by_kind(arrivals),
        kinds=HEADCOUNT_KINDS,
    )
