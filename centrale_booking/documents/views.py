"""The public calendar files: the #InCentrale feed to subscribe to, and one file per event."""

from datetime import timedelta

from flask import Blueprint, abort, make_response
from sqlalchemy import select

from ..booking.models import Slot
from ..events.models import Event
from ..extensions import db, utcnow
from ..i18n import current_language
from .calendar import FEED_PAST_DAYS, event_ics, events_feed

bp = Blueprint("documents", __name__)


@bp.route("/calendar.ics")
def feed():
    now = utcnow()
    events = db.session.scalars(
        select(Event)
        .where(
            Event.published,
            Event.slots.any(Slot.ends_at >= now - timedelta(days=FEED_PAST_DAYS)),
        )
        .order_by(Event.id)
    ).all()
    return _calendar(events_feed(events, now, current_language()), "incentrale.ics", 3600)


@bp.route("/eventi/<int:event_id>/evento.ics")
def event_file(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None or not event.published:
        abort(404)
    return _calendar(event_ics(event, current_language()), f"evento-{event_id}.ics", 3600)


def _calendar(content: bytes, filename: str, max_age: int):
    response = make_response(content)
    response.mimetype = "text/calendar"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response
