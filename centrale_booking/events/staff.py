"""The staff pages of #InCentrale events, for the education staff and administrators: list,
create (one or a weekly series), edit, publish, cancel, attendees and their export.
Every view parses a form, calls the events service inside a transaction, and renders."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..admin.audit import record
from ..admin.exports import bookings_csv
from ..booking.availability import availability
from ..booking.changes import CapacityBelowTaken
from ..booking.labels import NEWSLETTER_LABELS, STATUS_LABELS
from ..booking.states import LIVE, BookingStatus
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm
from .exports import export_columns
from .labels import CATEGORY_LABELS, FORMAT_LABELS
from .models import Event
from .service import (
    MAX_SERIES,
    attendees,
    booking_counts,
    cancel_event,
    create_event,
    create_series,
    event_rows,
    set_published,
    update_event,
)
from .staff_forms import EventForm, NewEventForm, SeriesForm


def staff_labels() -> dict:
    """What the events' staff templates name."""
    return {
        "category_labels": CATEGORY_LABELS,
        "format_labels": FORMAT_LABELS,
        "status_labels": STATUS_LABELS,
        "newsletter_labels": NEWSLETTER_LABELS,
        "status_enum": BookingStatus,
        "live_statuses": LIVE,  # what cancelling the event cancels
        "max_dates": MAX_SERIES,
    }


def _event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def events():
    upcoming, past = event_rows(utcnow())
    return render_template(
        "events/staff/events.html", upcoming=upcoming, past=past, button=ConfirmForm()
    )


def new_event():
    form = NewEventForm()
    if form.validate_on_submit():
        with transaction():
            event = create_event(
                form.settings(),
                form.slot_values(),
                form.capacity.data,
                by=current_user,
                publish=form.publish.data,
            )
        flash(_("The event “%(title)s” is created.", title=event.title), "success")
        return redirect(url_for("events_staff.event", event_id=event.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("events/staff/event_form.html", form=form, event=None), status


def event(event_id: int):
    event = _event_or_404(event_id)
    places = availability(event.slot, now=utcnow(), fresh=True)
    bookings = attendees(event)
    return render_template(
        "events/staff/event.html",
        event=event,
        slot=event.slot,
        places=places,
        bookings=bookings,
        counts=booking_counts(bookings),
        button=ConfirmForm(),
    )


def edit_event(event_id: int):
    event = _event_or_404(event_id)
    form = EventForm() if request.method == "POST" else EventForm.for_event(event)
    if form.validate_on_submit():
        try:
            with transaction():
                changes = update_event(
                    event,
                    form.settings(),
                    form.slot_values(),
                    form.capacity.data,
                    by=current_user,
                    now=utcnow(),
                )
        except CapacityBelowTaken as refused:
            form.capacity.errors.append(
                ngettext(
                    "%(num)s seat is already booked: the event cannot have fewer.",
                    "%(num)s seats are already booked: the event cannot have fewer.",
                    refused.taken,
                )
            )
        else:
            if changes:
                flash(_("Your changes are saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("events_staff.event", event_id=event.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("events/staff/event_form.html", form=form, event=event), status


def publish(event_id: int):
    return _set_published(event_id, True)


def unpublish(event_id: int):
    return _set_published(event_id, False)


def _set_published(event_id: int, published: bool):
    event = _event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        with transaction():
            changed = set_published(event, published, by=current_user)
        if changed and published:
            flash(_("“%(title)s” is published.", title=event.title), "success")
        elif changed:
            flash(_("“%(title)s” is no longer public.", title=event.title), "success")
    if request.form.get("back") == "list":  # where the button was, in the list
        return redirect(url_for("events_staff.events", _anchor=f"event-{event.id}"), 303)
    return redirect(url_for("events_staff.event", event_id=event.id), 303)


def cancel(event_id: int):
    """A confirmation step first: cancelling tells every attendee and cannot be undone."""
    event = _event_or_404(event_id)
    if event.slot.cancelled_at is not None:
        flash(_("This event is already cancelled."), "info")
        return redirect(url_for("events_staff.event", event_id=event.id), 303)
    form = ConfirmForm()
    if form.validate_on_submit():
        with transaction():
            cancelled = cancel_event(event, by=current_user, now=utcnow())
        flash(
            ngettext(
                "The event is cancelled. %(num)s booking was cancelled and its email is queued.",
                "The event is cancelled. %(num)s bookings were cancelled and their emails are "
                "queued.",
                len(cancelled),
            ),
            "success",
        )
        return redirect(url_for("events_staff.event", event_id=event.id), 303)
    bookings = attendees(event)
    return render_template(
        "events/staff/cancel.html",
        event=event,
        slot=event.slot,
        counts=booking_counts(bookings),
        form=form,
    )


def attendees_export(event_id: int):
    event = _event_or_404(event_id)
    bookings = attendees(event)
    with transaction():  # who took the personal data out, and when
        record(current_user, "event.attendees_exported", event, bookings=len(bookings))
    response = make_response(bookings_csv(bookings, export_columns()))
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    word = _("attendees")  # iscritti
    filename = f"{word}-{event.slug}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def series():
    form = SeriesForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("events/staff/series.html", form=form, plan=None), status
    if request.form.get("action") != "create" or form.planned.data != form.plan_key:
        if request.form.get("action") == "create":
            flash(_("The dates changed since the preview: please check them again."), "error")
        form.planned.data = form.plan_key
        return render_template("events/staff/series.html", form=form, plan=form.plan)
    with transaction():
        created = create_series(
            form.settings(),
            form.plan,
            form.start_time.data,
            form.end_time.data,
            form.capacity.data,
            by=current_user,
            publish=form.publish.data,
        )
    flash(
        ngettext("%(num)s event is created.", "%(num)s events are created.", len(created)),
        "success",
    )
    return redirect(url_for("events_staff.events"), 303)
