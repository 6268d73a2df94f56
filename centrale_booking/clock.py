"""The museum's clock: its time zone (TIMEZONE, Europe/Rome), its local times, and dates and
times as people read them, in the reader's language, whatever the server's own zone.
The one module that builds the museum's ZoneInfo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import gettext as _


def museum_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(moment: datetime) -> datetime:
    return moment.astimezone(museum_zone())


def today() -> date:
    return local(datetime.now(UTC)).date()


class LocalTimeError(ValueError):
    """A time the museum's clocks skip (last Sunday of March) or show twice (of October)."""

    def __init__(self, kind: str):
        self.kind = kind  # "skipped" or "repeated"
        super().__init__(kind)


def museum_time(day: date, clock: time) -> datetime:
    """The moment, in UTC, when the clocks in Milan show `clock` on `day`."""
    zone = museum_zone()
    moment = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone)
    # zoneinfo accepts any wall time; one that does not exist comes back shifted by an hour.
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise LocalTimeError("skipped")
    if moment.utcoffset() != moment.replace(fold=1).utcoffset():
        raise LocalTimeError("repeated")
    return moment.astimezone(UTC)


def midnight(day: date) -> datetime:
    """The start of `day` on the museum's clocks, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=museum_zone())


def iso(moment: datetime) -> str:
    """ISO 8601 with Milan's offset (+01:00 in winter, +02:00 in summer), as the API gives."""
    return local(moment).isoformat()


# --- As people read them -------------------------------------------------------------------


# The site's way in every language (pages, emails, PDFs, calendar files alike): the weekday,
# the day, the month in words and the year; times on the 24-hour clock. CLDR's own "full"
# English date is the American one (Thursday, October 1, 2026; 6:30 PM), not the site's.
DAY_PATTERN = "EEEE d MMMM y"
TIME_PATTERN = "HH:mm"


def day(moment: datetime, language: str) -> str:
    """giovedì 1 ottobre 2026 / Thursday 1 October 2026"""
    return format_date(local(moment).date(), DAY_PATTERN, locale=language)


def clock_time(moment: datetime, language: str) -> str:
    """18:30, in every language"""
    return format_time(local(moment), TIME_PATTERN, locale=language)


def moment_text(moment: datetime, language: str) -> str:
    """A point in time: giovedì 1 ottobre 2026, 16:30. Call inside force_locale(language)."""
    return _("%(day)s, %(time)s", day=day(moment, language), time=clock_time(moment, language))


def slot_when(starts_at: datetime, ends_at: datetime, language: str) -> str:
    """When a slot takes place. One day: its date and hours; several days (a campus week):
    the first and last day and the daily hours. Call inside force_locale(language)."""
    start, end = local(starts_at), local(ends_at)
    if start.date() == end.date():
        return _(
            "%(day)s, %(start)s–%(end)s",
            day=day(start, language),
            start=clock_time(start, language),
            end=clock_time(end, language),
        )
    return _(
        "From %(first)s to %(last)s, %(start)s–%(end)s each day",
        first=day(start, language),
        last=day(end, language),
        start=clock_time(start, language),
        end=clock_time(end, language),
    )
