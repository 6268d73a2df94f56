"""The catalogue in the education staff's hands: an activity created and edited (its texts,
grade levels with a text each, duration, most pupils, room, pictures with their descriptions),
each refusal next to its field with nothing stored, an audit entry for each change; a school
year's booking window and closures, which the slot helper and the teachers' pages follow."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.models import Slot
from centrale_booking.clock import local
from centrale_booking.extensions import db, utcnow
from centrale_booking.schools.models import Activity, GradeLevel, SchoolYear, school_year_of
from tests.factories import make_school_slot
from tests.helpers import EN, Page, count, refreshed, sign_in


def activity_form(**changes) -> dict:
    form = {
        "title_it": "Il viaggio dell'acqua",
        "title_en": "The journey of water",
        "summary_it": "Dalla falda al rubinetto.",
        "summary_en": "From the aquifer to the tap.",
        "grades": ["infanzia", "secondaria-2"],
        "infanzia_it": "Una goccia racconta il suo viaggio.",
        "infanzia_en": "A drop tells its journey.",
        "secondaria_secondo_it": "Idrogeologia della pianura padana.",
        "secondaria_secondo_en": "",
        "duration_minutes": "75",
        "max_pupils": "25",
        "room": "Sala pompe",
        "published": "y",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def a_picture(kind: str = "PNG") -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "steelblue").save(out, kind)
    out.seek(0)
    return out


def the_activity() -> Activity:
    return db.session.scalars(select(Activity).order_by(Activity.id.desc())).first()


def test_education_staff_create_an_activity_that_teachers_of_its_levels_see(client, app):
    sign_in(client, Role.education)
    answer = client.post("/staff/scuole/attivita/nuova", data=activity_form(), headers=EN)
    assert answer.status_code == 303
    assert "is created" in client.get(answer.location, headers=EN).text  # the flash, said once
    activity = the_activity()
    assert activity.grades == {GradeLevel.infanzia, GradeLevel.secondaria_secondo}
    assert (activity.duration_minutes, activity.max_pupils, activity.room) == (75, 25, "Sala pompe")
    assert activity.max_per_booking == 1 and activity.cancel_deadline_hours == 3 * 24
    assert activity.grade_text(GradeLevel.infanzia, "en") == "A drop tells its journey."
    # No English text for that level: the Italian one, not nothing
    assert activity.grade_text(GradeLevel.secondaria_secondo, "en").startswith("Idrogeologia")
    entry = db.session.scalars(select(AuditLog)).one()
    assert entry.action == "schools.activity_created" and entry.target == f"activity:{activity.id}"
    # Teachers of a level served see it with their level's text; of another level, not at all
    page = client.get("/scuole/attivita?classe=infanzia-4").text
    assert "Il viaggio dell&#39;acqua" in page and "Una goccia racconta" in page
    assert "Il viaggio" not in client.get("/scuole/attivita?classe=primaria-2").text


def test_an_unpublished_activity_is_not_shown_to_teachers(client, app):
    sign_in(client, Role.education)
    client.post(
        "/staff/scuole/attivita/nuova", data=activity_form(published=None), follow_redirects=True
    )
    assert not the_activity().published
    assert "Il viaggio" not in client.get("/scuole/attivita?classe=infanzia-4").text


def test_each_refusal_is_next_to_its_field_and_nothing_is_stored(client, app):
    sign_in(client, Role.education)
    cases = {
        "title_it": (activity_form(title_it=""), "Please give the title in Italian."),
        "grades": (activity_form(grades=None), "Please tick at least one grade level."),
        "infanzia_it": (
            activity_form(infanzia_it=""),
            "Please tell the activity for this grade level.",
        ),
        "duration_minutes": (
            activity_form(duration_minutes="5"),
            "Between 15 and 480 minutes.",
        ),
        "max_pupils": (activity_form(max_pupils="many"), "Please enter a whole number."),
        "room": (activity_form(room=" "), "Please say in which room the activity takes place."),
        "title_en": (activity_form(title_en="x" * 201), "At most 200 characters, please."),
    }
    for name, (form, message) in cases.items():
        answer = client.post("/staff/scuole/attivita/nuova", data=form, headers=EN)
        assert answer.status_code == 422, name
        assert message in Page(answer.text).by_id[f"{name}-error"]["text"], name
    assert count(Activity) == 0 and count(AuditLog) == 0


def test_a_picture_needs_its_description_and_a_non_picture_is_refused(client, app):
    sign_in(client, Role.education)
    without = activity_form(image_file=(a_picture(), "acqua.png"))
    answer = client.post("/staff/scuole/attivita/nuova", data=without, headers=EN)
    assert answer.status_code == 422
    assert "Please describe the image" in Page(answer.text).by_id["image_alt_it-error"]["text"]
    fake = activity_form(image_file=(io.BytesIO(b"<svg onload=alert(1)>"), "a.png"))
    answer = client.post("/staff/scuole/attivita/nuova", data=fake, headers=EN)
    assert "JPEG, PNG or WebP" in Page(answer.text).by_id["image_file-error"]["text"]
    assert count(Activity) == 0


def test_pictures_are_added_with_their_description_shown_and_removed(client, app):
    sign_in(client, Role.education)
    form = activity_form(
        image_file=(a_picture(), "acqua.png"),
        image_alt_it="Bambini davanti alle pompe",
        image_alt_en="Children in front of the pumps",
    )
    client.post("/staff/scuole/attivita/nuova", data=form)
    activity = the_activity()
    [image] = activity.images
    assert image.path.startswith("uploads/") and image.path.endswith(".jpg")
    page = Page(client.get(f"/scuole/attivita/{activity.id}?classe=infanzia-5", headers=EN).text)
    shown = page.first("img", class_="img-fluid mb-3 school-image")
    assert shown["alt"] == "Children in front of the pumps"
    picture = client.get(shown["src"])
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(picture.data)).format == "JPEG"  # re-encoded
    # Removed from the edit page
    client.post(
        f"/staff/scuole/attivita/{activity.id}",
        data=activity_form(**{f"remove_image_{image.id}": "1"}),
    )
    assert refreshed(activity).images == []


def test_editing_saves_what_changed_and_audits_it(client, app):
    slot = make_school_slot(grades=("primaria",))
    activity = slot.programme
    sign_in(client, Role.education)
    page = Page(client.get(f"/staff/scuole/attivita/{activity.id}").text)
    assert page.by_id["title_it"]["value"] == activity.title_it
    changed = activity_form(grades=["primaria"], primaria_it="Per la primaria.", max_pupils="20")
    assert client.post(f"/staff/scuole/attivita/{activity.id}", data=changed).status_code == 303
    activity = refreshed(activity)
    assert activity.grades == {GradeLevel.primaria} and activity.max_pupils == 20
    assert activity.grade_text(GradeLevel.primaria, "it") == "Per la primaria."
    entry = db.session.scalars(select(AuditLog)).one()
    assert entry.action == "schools.activity_changed"
    assert {"max_pupils", "grade_texts", "title_it"} <= set(entry.details["changed"])
    # The same again: nothing changed, nothing audited
    client.post(f"/staff/scuole/attivita/{activity.id}", data=changed)
    assert count(AuditLog) == 1
    assert client.get("/staff/scuole/attivita/999999").status_code == 404


def test_the_activities_list_shows_each_with_its_slots_to_come(client, app):
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=5))
    sign_in(client, Role.education)
    page = client.get("/staff/scuole/attivita", headers=EN).text
    assert slot.programme.title_en in page and "Primary school" in page
    helper = Page(client.get(f"/staff/scuole/turni?attivita={slot.programme.id}").text)
    chosen = [a["value"] for tag, a in helper.elements if tag == "option" and "selected" in a]
    assert chosen == [str(slot.programme.id)]


def test_a_school_year_is_set_and_its_slots_open_with_it(client, app):
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=30))
    year = local(slot.starts_at).year if local(slot.starts_at).month >= 9 else None
    start = year or local(slot.starts_at).year - 1
    opens = local(utcnow()).date() + timedelta(days=2)
    sign_in(client, Role.education)
    form = {
        "start": str(start),
        "opens_on": opens.isoformat(),
        "opens_at": "09:00",
        "closures": f"{start}-12-23 {start + 1}-01-06 Vacanze di Natale\n{start + 1}-03-02",
    }
    answer = client.post("/staff/scuole/anni-scolastici", data=form)
    assert answer.status_code == 303
    saved = db.session.get(SchoolYear, start)
    assert local(saved.booking_opens_at).date() == opens
    assert local(saved.booking_opens_at).hour == 9
    assert [(c.first_day, c.last_day, c.label) for c in saved.closures] == [
        (date(start, 12, 23), date(start + 1, 1, 6), "Vacanze di Natale"),
        (date(start + 1, 3, 2), date(start + 1, 3, 2), ""),
    ]
    assert refreshed(slot).opens_at == saved.booking_opens_at  # the window holds its slots
    assert db.session.scalars(select(AuditLog)).one().action == "schools.school_year_saved"
    # Read back into the form, and saved again with fewer closures: replaced
    page = Page(client.get(f"/staff/scuole/anni-scolastici?anno={start}").text)
    assert "Vacanze di Natale" in page.by_id["closures"]["text"]
    client.post("/staff/scuole/anni-scolastici", data={**form, "closures": ""})
    assert refreshed(saved).closures == []


def test_a_school_years_refusals_are_next_to_their_fields(client, app):
    sign_in(client, Role.education)
    good = {"start": "2026", "opens_on": "2026-09-01", "opens_at": "09:00", "closures": ""}
    cases = {
        "start": ({"start": "26/27"}, "Please enter a year such as 2026."),
        "opens_on": ({"opens_on": ""}, "On which day does booking open?"),
        "opens_at": ({"opens_at": "nine"}, "Please enter a time such as 9:00."),
        "closures": (
            {"closures": "Christmas 2026-12-23"},
            "Line 1: start with a date such as 2026-12-23.",
        ),
    }
    cases["closures_order"] = (
        {"closures": "2026-12-23 2026-12-20"},
        "Line 1: the last day comes before the first.",
    )
    cases["closures_year"] = (
        {"closures": "2027-10-01"},
        "Every closure falls between 1 September 2026 and 31 August 2027.",
    )
    for name, (change, message) in cases.items():
        answer = client.post("/staff/scuole/anni-scolastici", data={**good, **change}, headers=EN)
        assert answer.status_code == 422, name
        field = name.split("_")[0] if name.startswith("closures") else name
        assert message in Page(answer.text).by_id[f"{field}-error"]["text"], name
    assert count(SchoolYear) == 0 and count(AuditLog) == 0
    assert count(Slot) == 0


def test_the_first_page_says_when_booking_opens_then_that_it_is_open(client, app):
    sign_in(client, Role.education)
    soon = local(utcnow()).date() + timedelta(days=3)
    year = {"start": str(soon.year if soon.month >= 9 else soon.year - 1), "opens_at": "10:00"}
    client.post("/staff/scuole/anni-scolastici", data={**year, "opens_on": soon.isoformat()})
    page = client.get("/scuole/", headers=EN).text
    assert "open on" in page and "10:00" in page and "are open" not in page
    past = local(utcnow()).date() - timedelta(days=1)
    client.post("/staff/scuole/anni-scolastici", data={**year, "opens_on": past.isoformat()})
    page = client.get("/scuole/", headers=EN).text
    assert "are open" in page and "open on" not in page


def test_the_school_years_page_opens_on_this_years_settings(client, app):
    sign_in(client, Role.education)
    this_year = school_year_of(local(utcnow()).date())
    client.post(
        "/staff/scuole/anni-scolastici",
        data={
            "start": str(this_year),
            "opens_on": f"{this_year}-09-01",
            "opens_at": "09:00",
            "closures": f"{this_year}-12-23 {this_year + 1}-01-06 Natale",
        },
    )
    page = Page(client.get("/staff/scuole/anni-scolastici").text)
    assert "Natale" in page.by_id["closures"]["text"]  # not an empty box that would wipe it
    assert page.by_id["start"]["value"] == str(this_year)
