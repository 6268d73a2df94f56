"""The public #InCentrale calendar files: the feed to subscribe to, and one file per event."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, make_response
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Event as CalendarEvent
from sqlalchemy import select

from ..booking.models import Slot
from ..documents.calendar import calendar_bytes, host, new_calendar, slot_component
from ..extensions import db, utcnow
from ..i18n import current_language
from ..links import programme_url
from .models import Event

FEED_PAST_DAYS = 30  # the feed keeps the events of the last 30 days, then drops them
FEED_REFRESH = timedelta(hours=6)  # how often a subscribed calendar asks again


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


def event_ics(event: Event, language: str | None = None) -> bytes:
    """One #InCentrale event (every date of it) as a calendar file anyone can import."""
    calendar = new_calendar(method="PUBLISH")
    for component in _public_events(event, language or _default_language()):
        calendar.add_component(component)
    return calendar_bytes(calendar)


def events_feed(events, now: datetime, language: str | None = None) -> bytes:
    """The public #InCentrale calendar: the published events' dates from FEED_PAST_DAYS ago
    on, upcoming ones included. Cancelled dates stay in it, marked CANCELLED, so subscribed
    calendars remove them."""
    language = language or _default_language()
    calendar = new_calendar(method="PUBLISH")
    with force_locale(language):
        name = _("#InCentrale at the %(museum)s", museum=current_app.config["MUSEUM_NAME"])
        calendar.add("name", name)  # RFC 7986
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", FEED_REFRESH)
    since = now - timedelta(days=FEED_PAST_DAYS)
    for event in events:
        for component in _public_events(event, language, since=since):
            calendar.add_component(component)
    return calendar_bytes(calendar)


def _public_events(event: Event, language: str, since=None) -> list[CalendarEvent]:
    if not event.published:
        return []
    components = []
    with force_locale(language):
        for slot in event.slots:
            if since is not None and slot.ends_at < since:
                continue
            component = slot_component(slot, language, uid=f"slot-{slot.id}@{host()}")
            component.add("status", "CANCELLED" if slot.cancelled_at else "CONFIRMED")
            lines = [event.text("summary", language)]
            if event.speakers:
                lines.append(event.speakers)
            if event.streamed:
                lines.append(_("Live stream: %(url)s", url=event.stream_url))
            component.add("description", "\n\n".join(line for line in lines if line))
            component.add("url", programme_url(event))  # the event's page, where it is booked
            components.append(component)
    return components


def _default_language() -> str:
    return current_app.config["LANGUAGES"][0]
