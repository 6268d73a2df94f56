"""The staff pages of #InCentrale events, for the education staff and administrators: list,
create (one or a weekly series), edit, publish, cancel, attendees and their export.
Every view parses a form, calls the events service inside a transaction, and renders."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.audit import record
from ..admin.exports import bookings_csv
from ..booking.availability import availability
from ..booking.changes import CapacityBelowTaken
from ..booking.errors import BookingError
from ..booking.labels import NEWSLETTER_LABELS, STATUS_LABELS
from ..booking.states import LIVE, BookingStatus
from ..clock import local
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm
from .exports import export_columns
from .labels import CATEGORY_LABELS, FORMAT_LABELS
from .models import Event, EventSeries
from .service import (
    MAX_SERIES,
    PhoneBooking,
    attendee_list,
    attendees,
    book_by_phone,
    booking_counts,
    booking_of,
    cancel_attendee,
    cancel_event,
    change_attendee_seats,
    create_event,
    create_series,
    event_rows,
    future_dates,
    live_counts,
    message_attendees,
    people_to_tell,
    resend_confirmation,
    sent_messages,
    set_published,
    update_event,
    update_series,
)
from .staff_forms import (
    CancelEventForm,
    EventForm,
    MessageForm,
    NewEventForm,
    PhoneBookingForm,
    SeatsForm,
    SeriesEditForm,
    SeriesForm,
)


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
    return _event_page(event)


def _event_page(event: Event, *, seats_form=None, seats_for: int | None = None, status=200):
    places = availability(event.slot, now=utcnow(), fresh=True)
    bookings = attendees(event)
    standing, ended = attendee_list(bookings)
    return (
        render_template(
            "events/staff/event.html",
            event=event,
            slot=event.slot,
            places=places,
            bookings=bookings,
            standing=standing,
            ended=ended,
            counts=booking_counts(bookings),
            button=ConfirmForm(),
            seats_form=seats_form,
            seats_for=seats_for,
            sent=sent_messages(event),
        ),
        status,
    )


# --- One booking of the attendee list -----------------------------------------------------


def _booking_or_404(event: Event, booking_id: int):
    booking = booking_of(event, booking_id)
    if booking is None:
        abort(404)
    return booking


def _to_list(event: Event, booking=None):
    anchor = f"booking-{booking.id}" if booking is not None else "attendees-title"
    return redirect(url_for("events_staff.event", event_id=event.id, _anchor=anchor), 303)


def cancel_attendee_booking(event_id: int, booking_id: int):
    """A confirmation step first: the person is told by email, and it cannot be undone."""
    event = _event_or_404(event_id)
    booking = _booking_or_404(event, booking_id)
    if booking.status not in LIVE:
        flash(_("This booking is already cancelled."), "info")
        return _to_list(event, booking)
    form = ConfirmForm()
    if form.validate_on_submit():
        with transaction():
            cancel_attendee(event, booking, by=current_user, now=utcnow())
        flash(
            _(
                "The booking of %(name)s is cancelled and their email is queued.",
                name=booking.contact_name,
            ),
            "success",
        )
        return _to_list(event, booking)
    return render_template(
        "events/staff/cancel_booking.html", event=event, slot=event.slot, booking=booking, form=form
    )


def resend_attendee_confirmation(event_id: int, booking_id: int):
    event = _event_or_404(event_id)
    booking = _booking_or_404(event, booking_id)
    if ConfirmForm().validate_on_submit():
        with transaction():
            sent = resend_confirmation(event, booking, by=current_user)
        if sent:
            flash(
                _("The confirmation is sent again to %(email)s.", email=booking.contact_email),
                "success",
            )
        else:
            flash(_("Only a confirmed booking has a confirmation to send."), "error")
    return _to_list(event, booking)


def change_attendee_booking_seats(event_id: int, booking_id: int):
    event = _event_or_404(event_id)
    booking = _booking_or_404(event, booking_id)
    form = SeatsForm()
    if not form.validate_on_submit():
        return _event_page(event, seats_form=form, seats_for=booking.id, status=422)
    try:
        with transaction():
            change_attendee_seats(event, booking, form.seats.data, by=current_user, now=utcnow())
    except BookingError as refused:
        form.seats.errors = [str(refused.message)]
        return _event_page(event, seats_form=form, seats_for=booking.id, status=refused.status)
    flash(
        ngettext(
            "%(name)s now has %(num)s seat; the updated confirmation is queued.",
            "%(name)s now has %(num)s seats; the updated confirmation is queued.",
            booking.quantity,
            name=booking.contact_name,
        ),
        "success",
    )
    return _to_list(event, booking)


def phone_booking(event_id: int):
    """A booking taken on the phone, by the same rules and with the same emails as online."""
    event = _event_or_404(event_id)
    form = PhoneBookingForm()
    if event.slot.booking_limit:
        form.seats.render_kw = {"min": 1, "max": event.slot.booking_limit}
    if form.validate_on_submit():
        taken = PhoneBooking(
            name=form.name.data,
            email=form.email.data,
            phone=form.phone.data or "",
            seats=form.seats.data,
            language=form.language.data,
        )
        try:
            with transaction():
                booking = book_by_phone(event, taken, by=current_user, now=utcnow())
        except BookingError as refused:
            form.form_errors.append(str(refused.message))
        else:
            if booking.status is BookingStatus.waitlisted:
                message = _(
                    "%(name)s is on the waiting list (%(reference)s); they get an email.",
                    name=booking.contact_name,
                    reference=booking.reference,
                )
            else:
                message = _(
                    "Booked for %(name)s (%(reference)s); the confirmation is emailed.",
                    name=booking.contact_name,
                    reference=booking.reference,
                )
            flash(message, "success")
            return _to_list(event, booking)
    status = 422 if form.is_submitted() else 200
    return (
        render_template("events/staff/phone_booking.html", event=event, slot=event.slot, form=form),
        status,
    )


def edit_event(event_id: int):
    event = _event_or_404(event_id)
    form = EventForm() if request.method == "POST" else EventForm.for_event(event)
    valid, to_tell = form.validate_on_submit(), None
    if valid:
        to_tell = len(people_to_tell(event, form.settings(), form.slot_values()))
    if valid and not _tell_first(to_tell):
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
                _flash_told_and_promoted(event, changes)
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("events_staff.event", event_id=event.id), 303)
        to_tell = None  # refused: the form's errors first
    status = 422 if form.is_submitted() and to_tell is None else 200
    return (
        render_template("events/staff/event_form.html", form=form, event=event, to_tell=to_tell),
        status,
    )


def _tell_first(to_tell: int | None) -> bool:
    """Whether the change would email people who have not been counted to the staff yet: the
    form comes back with the count and a button that confirms it (its value is the count, so
    that someone who booked meanwhile is counted again before anyone is told)."""
    return bool(to_tell) and request.form.get("tell") != str(to_tell)


def _flash_told_and_promoted(event: Event, changes: dict) -> None:
    if told := changes.get("told"):
        flash(
            ngettext(
                "%(num)s booking is told of the change by email, with its new PDF and "
                "calendar file.",
                "%(num)s bookings are told of the change by email, with their new PDF and "
                "calendar file.",
                len(told),
            ),
            "info",
        )
    if promoted := changes.get("promoted"):
        names = ", ".join(
            f"{booking.contact_name} ({booking.reference})"
            for booking in attendees(event)
            if booking.reference in promoted
        )
        flash(
            ngettext(
                "Moved up from the waiting list: %(names)s.",
                "Moved up from the waiting list (%(num)s bookings): %(names)s.",
                len(promoted),
                names=names,
            ),
            "success",
        )


def publish(event_id: int):
    return _set_published(event_id, True)


def unpublish(event_id: int):
    """With people booked, a confirmation step first: it says what happens to them."""
    event = _event_or_404(event_id)
    live = live_counts(attendees(event))
    asked = request.method == "POST" and (not live.bookings or request.form.get("confirmed"))
    if not asked:  # a GET never changes anything
        form = ConfirmForm()
        return render_template(
            "events/staff/unpublish.html",
            event=event,
            slot=event.slot,
            live=live,
            form=form,
            back=request.form.get("back") or request.args.get("back", ""),
        )
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
    form = CancelEventForm()
    if form.validate_on_submit():
        with transaction():
            cancelled = cancel_event(event, form.reason(), by=current_user, now=utcnow())
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
    status = 422 if form.is_submitted() else 200
    return render_template(
        "events/staff/cancel.html",
        event=event,
        slot=event.slot,
        counts=booking_counts(bookings),
        form=form,
    ), status


def write(event_id: int):
    """Write to the people of an event: the form, then a preview of both languages with the
    number of bookings it goes to, then one email per live booking through the outbox."""
    event = _event_or_404(event_id)
    form = MessageForm()
    recipients = [b for b in attendees(event) if b.status in LIVE]
    valid = form.validate_on_submit()
    preview = valid and request.form.get("action") != "edit"
    if preview and request.form.get("action") == "send":
        if request.form.get("count") == str(len(recipients)):
            with transaction():
                sent = message_attendees(event, form.message(), by=current_user, now=utcnow())
            flash(
                ngettext(
                    "Your message is queued: %(num)s email, in the language of its booking.",
                    "Your message is queued: %(num)s emails, each in the language of its booking.",
                    len(sent),
                ),
                "success",
            )
            return redirect(
                url_for("events_staff.event", event_id=event.id, _anchor="messages"), 303
            )
        flash(_("Someone booked or cancelled meanwhile: please check the count again."), "error")
    status = 422 if form.is_submitted() and not valid else 200
    return render_template(
        "events/staff/write.html",
        event=event,
        slot=event.slot,
        form=form,
        preview=preview,
        recipients=recipients,
        languages={b.language for b in recipients},
        sent=sent_messages(event),
    ), status


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
            window=form.window,
        )
    flash(
        ngettext("%(num)s event is created.", "%(num)s events are created.", len(created)),
        "success",
    )
    return redirect(url_for("events_staff.events"), 303)


def edit_series(series_id: int):
    """Every date still to come of a weekly series, changed at once."""
    linked = db.get_or_404(EventSeries, series_id)
    now = utcnow()
    dates = future_dates(linked, now)
    if not dates:
        flash(_("This series has no dates still to come."), "info")
        return redirect(url_for("events_staff.events"), 303)
    form = SeriesEditForm() if request.method == "POST" else SeriesEditForm.for_event(dates[0])
    if form.validate_on_submit():
        try:
            with transaction():
                changed = update_series(
                    linked,
                    form.start_time.data,
                    form.end_time.data,
                    form.room.data,
                    form.capacity.data,
                    by=current_user,
                    now=now,
                )
        except CapacityBelowTaken as refused:
            form.capacity.errors.append(
                ngettext(
                    "On %(day)s %(num)s seat is already booked: no date can have fewer.",
                    "On %(day)s %(num)s seats are already booked: no date can have fewer.",
                    refused.taken,
                    day=format_date(local(refused.event.slot.starts_at).date(), "full"),
                )
            )
        else:
            flash(
                ngettext("%(num)s date is changed.", "%(num)s dates are changed.", len(changed))
                if changed
                else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("events_staff.edit_series", series_id=linked.id), 303)
    status = 422 if form.is_submitted() else 200
    return (
        render_template("events/staff/series_edit.html", series=linked, dates=dates, form=form),
        status,
    )
