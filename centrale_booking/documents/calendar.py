"""Calendar files (RFC 5545, made with icalendar): one per booking, attached to the emails and
offered on the manage page, and the public #InCentrale feed of events.

Times are written in Europe/Rome with its VTIMEZONE, so a calendar shows 18:30 in Milan
whatever the reader's own zone, in winter (+01:00) and in summer (+02:00) alike. A booking's
UID never changes: a later file (changed, or cancelled) replaces the earlier one in the
reader's calendar, its SEQUENCE (the booking's version) saying which is newer."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vRecur

from .. import clock
from ..booking.models import Booking, Slot
from ..booking.states import BookingStatus
from ..extensions import utcnow

PRODID = "-//MM S.p.A.//Centrale Booking//IT"
FEED_PAST_DAYS = 30  # the feed keeps the events of the last 30 days, then drops them
FEED_REFRESH = timedelta(hours=6)  # how often a subscribed calendar asks again


def booking_ics(booking: Booking) -> bytes:
    """The booking as a calendar event, in the booking's language. Cancelled: the same UID
    with STATUS:CANCELLED and METHOD:CANCEL, so calendars that imported it drop it."""
    slot = booking.slot
    programme = slot.programme
    language = booking.language
    cancelled = booking.status in (BookingStatus.cancelled, BookingStatus.expired)
    calendar = _calendar(method="CANCEL" if cancelled else "PUBLISH")
    with force_locale(language):
        event = _slot_event(slot, language, uid=f"booking-{booking.reference}@{_host()}")
        event.add("sequence", booking.version)
        link = _manage_url(booking)
        event.add("url", link)
        lines = [
            _("Booking reference: %(reference)s", reference=booking.reference),
            _("Manage your booking: %(url)s", url=link),
        ]
        if cancelled:
            event.add("status", "CANCELLED")
            lines.insert(0, _("This booking is cancelled."))
        else:
            event.add(
                "status", "CONFIRMED" if booking.status is BookingStatus.confirmed else "TENTATIVE"
            )
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add(
                "description", _("Tomorrow: %(title)s", title=programme.text("title", language))
            )
            alarm.add("trigger", timedelta(days=-1))
            event.add_component(alarm)
        if stream_url := getattr(programme, "stream_url", ""):
            lines.append(_("Live stream: %(url)s", url=stream_url))
        event.add("description", "\n".join(lines))
        if organizer := _organizer():
            event.add("organizer", organizer, parameters={"CN": current_app.config["MUSEUM_NAME"]})
    calendar.add_component(event)
    return _finish(calendar)


def event_ics(event, language: str | None = None) -> bytes:
    """One #InCentrale event (every date of it) as a calendar file anyone can import."""
    calendar = _calendar(method="PUBLISH")
    for component in _public_events(event, language or _default_language()):
        calendar.add_component(component)
    return _finish(calendar)


def events_feed(events, now: datetime, language: str | None = None) -> bytes:
    """The public #InCentrale calendar: the published events' dates from FEED_PAST_DAYS ago
    on, upcoming ones included. Cancelled dates stay in it, marked CANCELLED, so subscribed
    calendars remove them."""
    language = language or _default_language()
    calendar = _calendar(method="PUBLISH")
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
    return _finish(calendar)


def _public_events(event, language: str, since: datetime | None = None) -> list[Event]:
    if not event.published:
        return []
    components = []
    with force_locale(language):
        for slot in event.slots:
            if since is not None and slot.ends_at < since:
                continue
            component = _slot_event(slot, language, uid=f"slot-{slot.id}@{_host()}")
            component.add("status", "CANCELLED" if slot.cancelled_at else "CONFIRMED")
            lines = [event.text("summary", language)]
            if event.speakers:
                lines.append(event.speakers)
            if event.stream_url:
                lines.append(_("Live stream: %(url)s", url=event.stream_url))
            component.add("description", "\n\n".join(line for line in lines if line))
            # the event's page (events blueprint), where it is booked
            component.add("url", f"{current_app.config['BASE_URL'].rstrip('/')}/eventi/{event.id}")
            components.append(component)
    return components


def _slot_event(slot: Slot, language: str, uid: str) -> Event:
    programme = slot.programme
    zone = clock.museum_zone()
    starts, ends = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("summary", programme.text("title", language))
    event.add("dtstart", starts)
    if starts.date() == ends.date():
        event.add("dtend", ends)
    else:
        # Several days (a campus week): the daily hours, repeated each day to the last one,
        # rather than one event running through the nights.
        event.add("dtend", starts.replace(hour=ends.hour, minute=ends.minute))
        event.add("rrule", vRecur(freq="DAILY", until=slot.ends_at))
    event.add("location", _location(programme))
    return event


def _location(programme) -> str:
    place = f"{current_app.config['MUSEUM_NAME']}, {current_app.config['MUSEUM_ADDRESS']}"
    room = getattr(programme, "room", "")
    return f"{room}, {place}" if room else place


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _finish(calendar: Calendar) -> bytes:
    """The VTIMEZONE of Europe/Rome (from tzdata, for the events' TZID), then the bytes. The
    zone's transitions are written for the years of the events only, a year either side:
    a few lines instead of every change since 1970."""
    starts = [event.decoded("dtstart") for event in calendar.walk("VEVENT")]
    if starts:
        calendar.add_missing_timezones(
            first_date=min(starts).date() - timedelta(days=366),
            last_date=max(starts).date() + timedelta(days=366),
        )
    return calendar.to_ical()


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def _organizer() -> str | None:
    address = parseaddr(current_app.config.get("MAIL_FROM", ""))[1]
    return f"mailto:{address}" if "@" in address else None


def _default_language() -> str:
    return current_app.config["LANGUAGES"][0]


def _manage_url(booking: Booking) -> str:
    from .pdf import manage_url

    return manage_url(booking)
