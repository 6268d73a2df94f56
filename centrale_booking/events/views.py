"""The public #InCentrale pages: the list (with filters and a month view), an event's page and
its registration form."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from babel.dates import get_day_names
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..booking.availability import open_with_places_left
from ..booking.errors import BookingError
from ..booking.models import Booking, Slot
from ..clock import local, midnight
from ..extensions import db, utcnow
from ..forms import book_once, remember_submission, submitted_before
from ..i18n import current_language
from ..links import manage_path
from ..pictures import UPLOADED, image_folder
from ..programmes import Teaser
from ..ratelimits import hit_booking_limits
from .forms import EventRegistrationForm
from .labels import CATEGORY_LABELS, FORMAT_LABELS
from .models import Category, Event, EventFormat
from .rules import registration_state
from .service import Registration, register


def event_labels() -> dict:
    # Any page may show an event card (the home page does): an app-wide context processor.
    return {
        "category_labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
        "format_labels": {f.value: label for f, label in FORMAT_LABELS.items()},
    }


def event_image_url(image: str) -> str:
    """Where an Event.image is served: an upload by the events' route, else from static/."""
    if image.startswith(UPLOADED):
        return url_for("events.image", name=image.removeprefix(UPLOADED))
    return url_for("static", filename=image)


def image(name: str):
    """An uploaded picture: its random name never changes, so it may be kept for a year."""
    response = send_from_directory(image_folder(), name, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _published_events():
    return (
        select(Event)
        .join(Event.slots)
        .options(contains_eager(Event.slots))
        .where(Event.published.is_(True))
        .order_by(Slot.starts_at)
    )


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return midnight(month.replace(day=1)), midnight(following)


def _parse_month(value: str | None) -> date | None:
    try:
        month = datetime.strptime(value, "%Y-%m").date() if value else None
    except ValueError:
        return None
    # A month the calendar can hold, with its next one (9999-12 has none): else ignored.
    return month if month is None or 2000 <= month.year <= 2999 else None


def index():
    now = utcnow()
    filters = {
        "mese": request.args.get("mese", ""),
        "categoria": request.args.get("categoria", ""),
        "formato": request.args.get("formato", ""),
        "posti": request.args.get("posti", ""),
    }
    month = _parse_month(filters["mese"])
    query = _published_events()
    if month:
        start, end = _month_bounds(month)
        query = query.where(Slot.starts_at >= start, Slot.starts_at < end)
    else:
        query = query.where(Slot.ends_at > now)
    if filters["categoria"] in Category.__members__:
        query = query.where(Event.category == Category(filters["categoria"]))
    if filters["formato"] in EventFormat.__members__:
        query = query.where(Event.format == EventFormat(filters["formato"]))
    if filters["posti"]:
        query = query.where(open_with_places_left(now))
    events = db.session.scalars(query).unique().all()
    listed = [(event, registration_state(event, now)) for event in events]
    view = "mese" if request.args.get("vista") == "mese" else "elenco"
    shown_month = month or local(now).date().replace(day=1)
    return render_template(
        "events/index.html",
        listed=listed,
        filters=filters,
        view=view,
        weeks=_month_grid(shown_month, listed) if view == "mese" else None,
        weekday_names=[get_day_names("abbreviated", locale=get_locale())[d] for d in range(7)],
        shown_month=shown_month,
        previous_month=(shown_month - timedelta(days=1)).replace(day=1),
        next_month=(shown_month + timedelta(days=32)).replace(day=1),
        months=_upcoming_months(now),
        categories=list(Category),
        formats=list(EventFormat),
    )


def next_events(limit: int) -> list:
    """The next events still to come, with what a visitor can do."""
    now = utcnow()
    query = _published_events().where(Slot.ends_at > now, Slot.cancelled_at.is_(None))
    events = db.session.scalars(query.limit(limit)).unique().all()
    return [(event, registration_state(event, now)) for event in events]


def home_teaser() -> Teaser:
    """The events' block on the home page: the next three."""
    return Teaser(
        way="events/_home_way.html",
        block="events/_home_next.html",
        context={"next_events": next_events(limit=3)},
    )


def _month_grid(month: date, listed):
    """Weeks of the month, Monday first, each day with its events (None outside the month)."""
    by_day: dict[date, list] = {}
    for event, state in listed:
        day = local(event.slot.starts_at).date()
        by_day.setdefault(day, []).append((event, state))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return [
        [(day, by_day.get(day, [])) if day.month == month.month else (None, []) for day in week]
        for week in weeks
    ]


def _upcoming_months(now: datetime) -> list[date]:
    first = local(now).date().replace(day=1)
    months = [first]
    for _n in range(8):
        months.append((months[-1] + timedelta(days=32)).replace(day=1))
    return months


def _event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not event.published or not event.slots:
        abort(404)
    return event


def show(event_id: int):
    event = _event_or_404(event_id)
    form = _registration_form(event)
    # Booked from this browser already: the page says so, and its form is that same form
    # (Back, then Book again, lands on that booking); "for someone else" gives a new one.
    earlier = None if request.args.get("altro") else submitted_before(form, _form_scope(event))
    return _event_page(event, form, earlier=earlier)


def _form_scope(event: Event) -> str:
    return f"event-{event.id}"


def _registration_form(event: Event) -> EventRegistrationForm:
    form = EventRegistrationForm()
    if event.streaming_only:
        del form.seats  # a reminder is for one person: nothing to choose
    else:
        form.limit_seats(event.slot.booking_limit)
    return form


def _event_page(
    event: Event, form: EventRegistrationForm, status: int = 200, *, earlier: Booking | None = None
):
    return (
        render_template(
            "events/show.html",
            event=event,
            slot=event.slot,
            state=registration_state(event, utcnow()),
            form=form,
            earlier=earlier,
            earlier_path=manage_path(earlier) if earlier else None,
        ),
        status,
    )


def book(event_id: int):
    event = _event_or_404(event_id)
    if request.method == "GET":
        return redirect(url_for("events.show", event_id=event.id, _anchor="prenota"), 303)
    form = _registration_form(event)
    if not form.validate_on_submit():
        return _event_page(event, form, 422)
    hit_booking_limits(event.id, form.email.data)  # with the API's: one count
    registration = Registration(
        name=form.name.data,
        email=form.email.data,
        seats=1 if event.streaming_only else form.seats.data,
        language=current_language(),
        newsletter_consent=form.newsletter_consent.data,
    )
    try:
        booking, made_now = book_once(
            form.once.data, lambda: register(event, registration, now=utcnow())
        )
    except BookingError as refused:
        form.form_errors.append(str(refused.message))
        return _event_page(event, form, refused.status)
    if form.once.data:
        remember_submission(_form_scope(event), form.once.data)
    if not made_now:
        flash(_("We received this form twice and booked it once: here is your booking."), "info")
    elif event.streaming_only:
        flash(_("Done: we will email you the live stream link before the start."), "success")
    elif booking.status.value == "waitlisted":
        flash(
            _("You are on the waiting list. If places free up we confirm them and email you."),
            "info",
        )
    else:
        flash(_("Booked! Your ticket is below, and we have emailed it to you."), "success")
    return redirect(manage_path(booking), 303)
