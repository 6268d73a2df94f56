"""The campus's public pages: the editions with their weeks, an edition's enrolment form, and
the family's own page (reached by its manage token): its weeks, tickets, an offer to accept,
a child to withdraw, a one-off person to collect, health notes to update."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from .. import clock
from ..booking.availability import availability
from ..booking.errors import BookingError
from ..booking.models import Slot
from ..booking.states import BookingStatus
from ..extensions import db, transaction, utcnow
from ..i18n import current_language
from ..links import absolute, manage_path
from ..programmes import Teaser
from ..ratelimits import hit_booking_limits
from ..rendered import kept_fragment
from .forms import CampusEnrolmentForm, HealthForm, OneOffForm
from .models import Campus, CampusPlace, active_places
from .rules import week_label
from .service import (
    PersonData,
    accept_week,
    add_one_off_collector,
    enrol,
    enrolment_from_form,
    family_bookings,
    family_by_token,
    update_health,
    withdraw_child,
)

S = BookingStatus


def campus_family_of(booking):
    """The family of a campus booking (for its panels on the shared pages), or None."""
    place = db.session.scalar(select(CampusPlace).where(CampusPlace.booking_id == booking.id))
    return None if place is None or place.family.purged_at else place.family


def campus_family_url(booking) -> str:
    """The family page's address for emails, made outside any request (the outbox worker)."""
    family = campus_family_of(booking)
    if family is None:
        return ""
    path = current_app.url_map.bind("", url_scheme="http").build(
        "campus.family", {"token": family.manage_token}
    )
    return absolute(path)


def home_teaser() -> Teaser:
    return Teaser(way="campus/_home_way.html")


def _editions() -> list[Campus]:
    now = utcnow()
    campuses = db.session.scalars(
        select(Campus).where(Campus.published.is_(True)).order_by(Campus.id)
    ).all()
    return [c for c in campuses if any(slot.ends_at > now for slot in c.slots)]


def week_rows(campus: Campus) -> list[tuple[Slot, object, str]]:
    """Each week still to come with what it offers now and how people say it."""
    now = utcnow()
    return [
        (slot, availability(slot, now=now), week_label(slot))
        for slot in campus.slots
        if slot.ends_at > now
    ]


def index():
    editions = [(campus, week_rows(campus)) for campus in _editions()]
    return render_template("campus/index.html", editions=editions)


def _campus_or_404(campus_id: int) -> Campus:
    campus = db.session.get(Campus, campus_id)
    if campus is None or not campus.published:
        abort(404)
    return campus


def _form(campus: Campus, rows) -> CampusEnrolmentForm:
    open_rows = [(slot, label) for slot, offer, label in rows if offer.bookable]
    return CampusEnrolmentForm().for_campus(
        campus, [slot for slot, _ in open_rows], [label for _, label in open_rows]
    )


def show(campus_id: int):
    campus = _campus_or_404(campus_id)
    rows = week_rows(campus)
    form = _form(campus, rows)
    if request.args.get("figli", "").isdecimal():
        _grow(form.children, int(request.args["figli"]))
    if request.args.get("delegati", "").isdecimal():
        _grow(form.delegates, int(request.args["delegati"]))
    return _page(campus, rows, form)


def _grow(entries, wanted: int) -> None:
    while len(entries) < min(wanted, entries.max_entries):
        entries.append_entry()


def _page(campus: Campus, rows, form, status: int = 200):
    bookable = any(offer.bookable for _slot, offer, _label in rows)
    return (
        render_template(
            "campus/show.html",
            campus=campus,
            rows=rows,
            form=form,
            form_body=_form_body(campus, form) if bookable else "",
            bookable=bookable,
        ),
        status,
    )


def _form_body(campus: Campus, form) -> Markup:
    """The form's fields, rendered. A blank form (a GET) is the same for every family of the
    edition in a language, and rendering its hundred fields is most of the page's cost on the
    morning enrolment opens: it is kept (rendered.py), keyed by everything it shows (the weeks
    open and their labels, the audience, the number of children and people)."""
    if form.is_submitted() or form.errors:
        return _render_fields(campus, form)
    key = (
        campus.id,
        tuple(form.week_ids.choices),
        campus.audience,
        campus.leave_alone_min_age is None,
        len(form.children),
        len(form.delegates),
    )
    return kept_fragment("campus_blank_form", key, lambda: _render_fields(campus, form))


def _render_fields(campus: Campus, form) -> Markup:
    html = render_template("campus/_enrol_form.html", campus=campus, form=form)
    return Markup(html)  # noqa: S704 (rendered by Jinja with autoescape: escaped already)


def enrol_page(campus_id: int):
    campus = _campus_or_404(campus_id)
    if request.method == "GET":
        return redirect(url_for("campus.show", campus_id=campus.id, _anchor="iscrizione"), 303)
    rows = week_rows(campus)
    form = _form(campus, rows)
    if request.form.get("add") in ("child", "delegate"):
        # "Add a child" / "Add a person": the same form again, one more entry, nothing sent.
        entries = form.children if request.form["add"] == "child" else form.delegates
        _grow(entries, len(entries) + 1)
        return _page(campus, rows, form)
    if not form.validate_on_submit():
        return _page(campus, rows, form, 422)
    hit_booking_limits(campus.id, form.parent.form.email.data)  # with the API's: one count
    try:
        with transaction():
            family = enrol(campus, enrolment_from_form(form, current_language()), now=utcnow())
    except BookingError as refused:
        form.form_errors.append(str(refused.message))
        return _page(campus, rows, form, refused.status)
    statuses = {b.status for b in family_bookings(family)}
    if statuses == {S.confirmed}:
        flash(_("Enrolled! The tickets are below, and we have emailed them to you."), "success")
    elif S.confirmed in statuses:
        flash(_("Enrolled for some weeks; for the others you are on the waiting list."), "info")
    else:
        flash(_("You are on the waiting list. If places free up we email you an offer."), "info")
    return redirect(url_for("campus.family", token=family.manage_token), 303)


# --- The family's page ---------------------------------------------------------------------


def _family_or_404(token: str):
    family = family_by_token(token)
    if family is None or family.purged_at is not None:
        abort(404)
    return family


def keep_family_pages_private(response):
    # The family page's URL is a secret and it shows children's names and health notes:
    # no Referer to other sites, no search engine, no cache.
    if request.endpoint in ("campus.family", "campus.accept", "campus.withdraw"):
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Cache-Control"] = "private, no-store"
    elif request.view_args and "token" in request.view_args:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def family(token: str):
    family = _family_or_404(token)
    return _family_page(family)


def _family_page(family, *, one_off=None, health=None, status: int = 200):
    bookings = family_bookings(family)
    places = {b.id: [p for p in family.places if p.booking_id == b.id] for b in bookings}
    now = utcnow()
    return (
        render_template(
            "campus/family.html",
            family=family,
            campus=family.campus,
            bookings=bookings,
            places=places,
            week_label=week_label,
            now=now,
            manage_path=manage_path,
            one_off=one_off or OneOffForm(prefix="oneoff").for_family(family, bookings),
            health=health,
            health_forms={
                c.id: health if health and health.child_id == c.id else HealthForm.of(c)
                for c in family.children
            },
            today=clock.today(),
        ),
        status,
    )


def _place_of_family(family, place_id: int) -> CampusPlace:
    place = db.session.get(CampusPlace, place_id)
    if place is None or place.family_id != family.id:
        abort(404)
    return place


def accept(token: str, booking_id: int):
    family = _family_or_404(token)
    booking = next((b for b in family_bookings(family) if b.id == booking_id), None)
    if booking is None:
        abort(404)
    chosen = [int(v) for v in request.form.getlist("child") if v.isdecimal()]
    try:
        with transaction():
            accept_week(booking, chosen, now=utcnow())
    except BookingError as refused:
        flash(str(refused.message), "danger")
        return redirect(url_for("campus.family", token=token), 303)
    flash(_("Done: the week is confirmed. The tickets are below."), "success")
    return redirect(url_for("campus.family", token=token), 303)


def withdraw(token: str, place_id: int):
    """GET: what withdrawing the child will do, and the button; POST: done."""
    family = _family_or_404(token)
    place = _place_of_family(family, place_id)
    name = place.child.first_name
    if request.method == "GET":
        if place.withdrawn_at is not None:
            return redirect(url_for("campus.family", token=token), 303)
        booking = place.booking
        return render_template(
            "campus/withdraw.html",
            family=family,
            campus=family.campus,
            place=place,
            booking=booking,
            week=week_label(booking.slot),
            others=[p.child.first_name for p in active_places(booking) if p.id != place.id],
            too_late=utcnow() >= booking.slot.cancellation_deadline,
            form=OneOffForm(prefix="withdraw", formdata=None),  # its CSRF token only
        )
    try:
        with transaction():
            withdraw_child(place, now=utcnow())
    except BookingError as refused:
        flash(str(refused.message), "danger")
    else:
        flash(_("%(name)s has been withdrawn from the week.", name=name), "success")
    return redirect(url_for("campus.family", token=token), 303)


def one_off(token: str):
    family = _family_or_404(token)
    form = OneOffForm(prefix="oneoff").for_family(family)
    if not form.validate_on_submit():
        return _family_page(family, one_off=form, status=422)
    with transaction():
        add_one_off_collector(
            family,
            PersonData(form.name.data, form.relationship.data, form.document.data),
            date.fromisoformat(form.day.data),
        )
    flash(
        _(
            "%(name)s may collect the children on %(day)s: the desk will see it that day.",
            name=form.name.data,
            day=clock.day(clock.midnight(date.fromisoformat(form.day.data)), current_language()),
        ),
        "success",
    )
    return redirect(url_for("campus.family", token=token), 303)


def health(token: str, child_id: int):
    family = _family_or_404(token)
    child = next((c for c in family.children if c.id == child_id), None)
    if child is None:
        abort(404)
    form = HealthForm(prefix=f"health{child.id}")
    form.child_id = child.id
    if family.health_consent_at is not None:
        form.health_data.data = True  # given at enrolment: not asked again
    if not form.validate_on_submit():
        return _family_page(family, health=form, status=422)
    with transaction():
        update_health(child, form.notes(), consent=form.health_data.data, now=utcnow())
    flash(_("%(name)s's health notes are updated.", name=child.first_name), "success")
    return redirect(url_for("campus.family", token=token), 303)
