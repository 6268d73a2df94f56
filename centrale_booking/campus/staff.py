"""The campus's staff pages: the day's register of a week (present, absent, arrived at,
collected by whom and when) as a page and a PDF for the education staff, with the children's
health notes; the "still here" list for the desk near closing time, where health details open
only on purpose. Every showing of health data is written to the audit log."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..booking.changes import CapacityBelowTaken
from ..documents.pdf import renderer
from ..extensions import db, transaction, utcnow
from ..forms import ConfirmForm
from .models import Campus, CampusChild
from .rules import week_label
from .service import (
    create_edition,
    day_register,
    enrolled,
    open_health,
    set_edition_published,
    update_edition,
)
from .staff_forms import EditionForm, NewEditionForm


def _week_and_day(slot_id: int):
    from ..booking.models import Slot

    slot = db.session.get(Slot, slot_id)
    if slot is None or not isinstance(slot.programme, Campus):
        abort(404)
    campus = slot.programme
    days = campus.week_days(slot)
    wanted = request.args.get("giorno", "")
    try:
        day = date.fromisoformat(wanted) if wanted else None
    except ValueError:
        day = None
    if day not in days:
        today = clock.today()
        day = today if today in days else days[0]
    return campus, slot, days, day


def weeks():
    campuses = db.session.scalars(select(Campus).order_by(Campus.id)).all()
    return render_template(
        "campus/staff/weeks.html", campuses=campuses, week_label=week_label, button=ConfirmForm()
    )


# --- Editions and their weeks ------------------------------------------------------------


def _grown(form):
    # "Add a week": the same form again with one more, empty week; nothing saved.
    if request.form.get("add") == "week" and len(form.weeks) < form.weeks.max_entries:
        form.weeks.append_entry()
        return True
    return False


def _edition_page(form, campus, status=200):
    return (
        render_template(
            "campus/staff/edition_form.html", form=form, campus=campus, week_label=week_label
        ),
        status,
    )


def new_edition():
    form = NewEditionForm().for_campus(None)
    if _grown(form):
        return _edition_page(form, None)
    if form.validate_on_submit():
        with transaction():
            campus = create_edition(
                form.settings(), form.slot_values, by=current_user, publish=form.publish.data
            )
        flash(_("The edition “%(title)s” is created.", title=campus.title), "success")
        return redirect(url_for("campus_staff.weeks", _anchor=f"campus-{campus.id}"), 303)
    return _edition_page(form, None, 422 if form.is_submitted() else 200)


def edit_edition(campus_id: int):
    campus = db.get_or_404(Campus, campus_id)
    if request.method == "GET":
        return _edition_page(EditionForm.of(campus), campus)
    form = EditionForm().for_campus(campus)
    if _grown(form):
        return _edition_page(form, campus)
    if form.validate_on_submit():
        try:
            with transaction():
                changes = update_edition(
                    campus, form.settings(), form.slot_values, by=current_user, now=utcnow()
                )
        except CapacityBelowTaken as refused:  # enrolled meanwhile, since the form's check
            db.session.refresh(campus)
            message = _("%(num)s places are taken already: the week cannot have fewer.")
            form.form_errors.append(message % {"num": refused.taken})
        else:
            flash(
                _("Your changes are saved.") if changes else _("Nothing was changed."),
                "success" if changes else "info",
            )
            return redirect(url_for("campus_staff.weeks", _anchor=f"campus-{campus.id}"), 303)
    return _edition_page(form, campus, 422)


def publish_edition(campus_id: int):
    return _set_published(campus_id, True)


def unpublish_edition(campus_id: int):
    """With families enrolled, a confirmation step first: it says what happens to them."""
    campus = db.get_or_404(Campus, campus_id)
    families = enrolled(campus)
    asked = request.method == "POST" and (not families.families or request.form.get("confirmed"))
    if not asked or not campus.published:  # a GET never changes anything
        if not campus.published:
            return redirect(url_for("campus_staff.weeks", _anchor=f"campus-{campus.id}"), 303)
        return render_template(
            "campus/staff/unpublish.html", campus=campus, enrolled=families, form=ConfirmForm()
        )
    return _set_published(campus_id, False)


def _set_published(campus_id: int, published: bool):
    campus = db.get_or_404(Campus, campus_id)
    if ConfirmForm().validate_on_submit():
        with transaction():
            changed = set_edition_published(campus, published, by=current_user)
        if changed and published:
            flash(_("“%(title)s” is published.", title=campus.title), "success")
        elif changed:
            flash(_("“%(title)s” is no longer public.", title=campus.title), "success")
    return redirect(url_for("campus_staff.weeks", _anchor=f"campus-{campus.id}"), 303)


def _register_with_health(slot_id: int, where: str):
    campus, slot, days, day = _week_and_day(slot_id)
    rows = day_register(slot, day)
    now = utcnow()
    health = {}
    with transaction():  # each child's notes shown is an opening, on the record
        for row in rows:
            if row.child.has_health_notes:
                health[row.child.id] = open_health(row.child, by=current_user, now=now, where=where)
    return campus, slot, days, day, rows, health


def register(slot_id: int):
    campus, slot, days, day, rows, health = _register_with_health(slot_id, "register")
    return render_template(
        "campus/staff/register.html",
        campus=campus,
        slot=slot,
        days=days,
        day=day,
        rows=rows,
        health=health,
        week=week_label(slot),
    )


def register_pdf(slot_id: int):
    campus, slot, days, day, rows, health = _register_with_health(slot_id, "register.pdf")
    html = render_template(
        "campus/staff/register_pdf.html",
        campus=campus,
        slot=slot,
        day=day,
        rows=rows,
        health=health,
        week=week_label(slot),
        museum_name=campus.place("it"),
    )
    response = make_response(renderer().render(html))
    response.mimetype = "application/pdf"
    name = f"registro-{day.isoformat()}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def still_here(slot_id: int):
    """For the desk: the children checked in and not collected yet, today; health only as
    "yes/no", the detail on purpose (health_detail)."""
    campus, slot, days, day = _week_and_day(slot_id)
    rows = [row for row in day_register(slot, day) if row.still_here]
    return render_template(
        "campus/staff/still_here.html",
        campus=campus,
        slot=slot,
        day=day,
        rows=rows,
        shown={},
        week=week_label(slot),
    )


def health_detail(slot_id: int, child_id: int):
    campus, slot, days, day = _week_and_day(slot_id)
    child = db.session.get(CampusChild, child_id)
    if child is None:
        abort(404)
    with transaction():
        notes = open_health(child, by=current_user, now=utcnow(), where="desk")
    rows = [row for row in day_register(slot, day) if row.still_here]
    return render_template(
        "campus/staff/still_here.html",
        campus=campus,
        slot=slot,
        day=day,
        rows=rows,
        shown={child.id: notes},
        week=week_label(slot),
    )
