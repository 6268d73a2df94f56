"""Dates and times as a document says them: in the museum's time zone (Europe/Rome), in the
reader's language, whatever the request or the server around it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import gettext as _


def museum_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(moment: datetime) -> datetime:
    return moment.astimezone(museum_zone())


def day(moment: datetime, language: str) -> str:
    """giovedì 1 ottobre 2026 / Thursday, October 1, 2026"""
    return format_date(local(moment).date(), "full", locale=language)


def clock(moment: datetime, language: str) -> str:
    """18:30 / 6:30 PM"""
    return format_time(local(moment), "short", locale=language)


def moment_text(moment: datetime, language: str) -> str:
    """A point in time: giovedì 1 ottobre 2026, 16:30. Call inside force_locale(language)."""
    return _("%(day)s, %(time)s", day=day(moment, language), time=clock(moment, language))


def slot_when(starts_at: datetime, ends_at: datetime, language: str) -> str:
    """When a slot takes place. One day: its date and hours; several days (a campus week):
    the first and last day and the daily hours. Call inside force_locale(language)."""
    start, end = local(starts_at), local(ends_at)
    if start.date() == end.date():
        return _(
            "%(day)s, %(start)s–%(end)s",
            day=day(start, language),
            start=clock(start, language),
            end=clock(end, language),
        )
    return _(
        "From %(first)s to %(last)s, %(start)s–%(end)s each day",
        first=day(start, language),
        last=day(end, language),
        start=clock(start, language),
        end=clock(end, language),
    )
