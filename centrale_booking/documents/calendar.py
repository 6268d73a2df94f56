"""Calendar files (RFC 5545, made with icalendar): one per booking, attached to the emails and
offered on the manage page, and the shared parts of a programme's public calendars (a
programme's feed, such as the #InCentrale one, lives in its folder).

Times are written in Europe/Rome with its VTIMEZONE, so a calendar shows 18:30 in Milan
whatever the reader's own zone, in winter (+01:00) and in summer (+02:00) alike. A booking's
UID never changes: a later file (changed, or cancelled) replaces the earlier one in the
reader's calendar, its SEQUENCE (the booking's version) saying which is newer."""

from __future__ import annotations

from datetime import timedelta
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
from ..links import programme_url

PRODID = "-//MM S.p.A.//Centrale Booking//IT"


def booking_ics(booking: Booking) -> bytes:
    """The booking as a calendar event, in the booking's language: one event per booking its
    programme puts in the file (a campus family's: every week it is confirmed in). Cancelled:
    the same UID with STATUS:CANCELLED and METHOD:CANCEL, so calendars that imported it
    drop it."""
    programme = booking.slot.programme
    cancelled = booking.status in (BookingStatus.cancelled, BookingStatus.expired)
    calendar = new_calendar(method="CANCEL" if cancelled else "PUBLISH")
    bookings = [booking] if cancelled else programme.calendar_bookings(booking) or [booking]
    for each in bookings:
        calendar.add_component(_booking_event(each, booking.language))
    return calendar_bytes(calendar)


def _booking_event(booking: Booking, language: str) -> Event:
    slot = booking.slot
    programme = slot.programme
    cancelled = booking.status in (BookingStatus.cancelled, BookingStatus.expired)
    with force_locale(language):
        event = slot_component(slot, language, uid=f"booking-{booking.reference}@{host()}")
        if not programme.in_person(booking) and programme.online_url(booking):
            event["location"] = programme.online_url(booking)  # a link the calendar opens
        event.add("sequence", programme.document_version(booking))
        # Calendars are shared and synced: the public page, never the secret manage link
        # (whoever holds that one can cancel the booking).
        page = programme_url(programme)
        event.add("url", page)
        lines = [
            _("Booking reference: %(reference)s", reference=booking.reference),
            _("About it: %(url)s", url=page),
            _("To change or cancel it, open the link in the confirmation email."),
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
        if online := programme.online_url(booking):
            lines.insert(0, _("Live stream: %(url)s", url=online))
        event.add("description", "\n".join(lines))
        if organizer := _organizer():
            event.add("organizer", organizer, parameters={"CN": current_app.config["MUSEUM_NAME"]})
    return event


def slot_component(slot: Slot, language: str, uid: str) -> Event:
    """A VEVENT for a slot: its title, its times on Milan's clocks, where it takes place."""
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
        # the days it does not run (a week's weekend, a closed day), at the daily start time
        for day in programme.days_off(slot):
            event.add("exdate", starts.replace(year=day.year, month=day.month, day=day.day))
    event.add("location", programme.slot_place(slot, language))
    return event


def new_calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def calendar_bytes(calendar: Calendar) -> bytes:
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


def host() -> str:
    """The site's host name, for UIDs that stay the same in every file."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def _organizer() -> str | None:
    address = parseaddr(current_app.config.get("MAIL_FROM", ""))[1]
    return f"mailto:{address}" if "@" in address else None
