"""The emails that did not leave, for administrators: those that failed (refused for good by
the server, past their last attempt, or impossible to build) and those stuck in the queue
(tried and still waiting, or due for a while and not sent), each with its reason and a
"send again" button. Sending again puts the message back in the queue as new; the outbox
worker builds it from the booking as it is now."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from ..auth.models import AuditLog, Role
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm
from ..outbox.models import OutboxMessage, OutboxStatus
from . import staff_blueprint

Q = OutboxStatus
STUCK_AFTER = timedelta(minutes=15)  # due this long ago and not sent: something is wrong
LISTED = 200  # the newest; older ones are in the database

STATUS_WORDS = {Q.failed: _l("Failed"), Q.queued: _l("Waiting")}

bp = staff_blueprint("emails_staff", __name__, "/email", role=Role.admin)


def not_sent_rule(now):
    """Failed messages, and queued ones already tried or overdue."""
    stuck = (OutboxMessage.status == Q.queued) & (
        (OutboxMessage.attempts > 0) | (OutboxMessage.next_attempt_at < now - STUCK_AFTER)
    )
    return or_(OutboxMessage.status == Q.failed, stuck)


def not_sent(now) -> list[OutboxMessage]:
    """The messages of not_sent_rule, newest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(not_sent_rule(now))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(LISTED)
        )
    )


@bp.route("/")
def emails():
    return render_template(
        "admin/emails.html",
        messages=not_sent(utcnow()),
        status_words=STATUS_WORDS,
        form=ConfirmForm(),
    )


@bp.route("/<id:message_id>/di-nuovo", methods=["POST"])
def send_again(message_id: int):
    if not ConfirmForm().validate_on_submit():
        flash(_("The page had expired: please try again."), "warning")
        return redirect(url_for(".emails"), 303)
    with transaction():
        message = db.get_or_404(OutboxMessage, message_id)
        if message.status not in (Q.failed, Q.queued):
            flash(_("This email has been sent already."), "info")
            return redirect(url_for(".emails"), 303)
        db.session.add(
            AuditLog(
                staff_user_id=current_user.id,
                action="email_sent_again",
                target=f"email:{message.id}",
                details={"kind": message.kind, "last_error": message.last_error[:500]},
            )
        )
        message.status = Q.queued
        message.attempts = 0
        message.next_attempt_at = utcnow()
        message.last_error = ""
        message.claimed_by, message.claimed_until = "", None
    flash(_("The email to %(address)s is in the queue again.", address=message.to_address))
    return redirect(url_for(".emails"), 303)
