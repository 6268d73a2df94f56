"""One slot of an activity: its own room (the activity's unless set; set by the slot helper and
per slot), shown wherever the slot's place is; the staff change its date, time, room or
capacity (the classes booked told, their documents made again) or cancel it (the classes
told, their places and school's yearly bookings given back), every refusal next to its field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from html import unescape
from zoneinfo import ZoneInfo

import holidays
import pytest
from icalendar import Calendar
from sqlalchemy import create_engine, select, text

from centrale_booking import create_app
from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.models import Booking, Slot
from centrale_booking.booking.states import BookingStatus
from centrale_booking.clock import local, museum_time
from centrale_booking.documents.calendar import booking_ics
from centrale_booking.documents.emails import build_email
from centrale_booking.documents.pdf import confirmation_pdf
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import manage_path
from centrale_booking.outbox.models import OutboxMessage
from centrale_booking.schools.models import SchoolClosure, SchoolYear, school_year_of
from tests.factories import make_event, make_school_slot, make_slot
from tests.helpers import EN, Page, pdf_text, refreshed, run, sign_in
from tests.schools.test_pages import class_form

S = BookingStatus
ROME = ZoneInfo("Europe/Rome")
MUSEUM_ROOM, OWN_ROOM = "Sala delle pompe", "Aula delle bolle"


def a_slot(days=20, capacity=1, room=None) -> Slot:
    """A slot of an activity held in MUSEUM_ROOM, at 10:00 in Milan `days` from today."""
    day = local(utcnow()).date() + timedelta(days=days)
    slot = make_school_slot(
        starts_at=museum_time(day, time(10)),
        capacity=capacity,
        room=room,
        closes_at=museum_time(day, time(10)) - timedelta(days=3),
    )
    with transaction():
        slot.programme.room = MUSEUM_ROOM
        slot.ends_at = slot.starts_at + timedelta(minutes=90)
    return refreshed(slot)


def a_school_day_after(day: date) -> date:
    """The next day after `day` a slot may move to: Monday to Friday, no public holiday."""
    public = holidays.Italy(subdiv="MI", years=range(day.year, day.year + 2))
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in public:
        day += timedelta(days=1)
    return day


def booked_class(client, slot, class_name="3B", language="it", confirm=True) -> Booking:
    client.post(
        f"/scuole/turni/{slot.id}/prenota?classe=primaria-3",
        data=class_form(class_name=class_name, email=f"{class_name.lower()}@scuola.example"),
        headers=EN if language == "en" else {},
    )
    booking = db.session.scalars(select(Booking).order_by(Booking.id.desc())).first()
    if confirm:
        client.post(f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/conferma")
    return refreshed(booking)


def queued(kind: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def email_of(message: OutboxMessage):
    """The email as the worker sends it, parsed back as a mail reader does."""
    db.session.expire_all()
    return message_from_bytes(bytes(build_email(message)), policy=policy.default)


def text_of(email) -> str:
    return email.get_body(("plain",)).get_content()


def attachment(email, content_type):
    found = [p for p in email.iter_attachments() if p.get_content_type() == content_type]
    return found[0].get_content() if found else None


def words_of(pdf: bytes) -> str:
    """A PDF's words in reading order, a table cell's lines joined."""
    return " ".join(run("pdftotext", "-raw", "-", "-", input=pdf).split())


def location(ics: bytes | str) -> str:
    raw = ics.encode() if isinstance(ics, str) else ics
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    return str(event["location"])


def slot_form(slot, **changes) -> dict:
    """The change form as it comes for the slot, with changes."""
    starts = local(slot.starts_at)
    form = {
        "day": starts.date().isoformat(),
        "start": f"{starts:%H:%M}",
        "room": slot.programme.room_of(slot),
        "capacity": str(slot.capacity),
    }
    return {**form, **changes}


def change(client, slot, **changes):
    return client.post(
        f"/staff/scuole/turni/{slot.id}", data=slot_form(slot, **changes), headers=EN
    )


def errors_of(reply) -> dict[str, str]:
    """Each field's message, as the page shows it next to the field."""
    page = Page(reply.get_data(as_text=True))
    return {
        key.removesuffix("-error"): value["text"]
        for key, value in page.by_id.items()
        if key.endswith("-error")
    }


# --- A room per slot ---------------------------------------------------------------------------


def test_the_slot_helper_gives_each_slot_the_activitys_room_or_the_one_typed(client, app):
    slot = a_slot()
    activity = slot.programme
    sign_in(client, Role.education)
    page = client.get(f"/staff/scuole/turni?attivita={activity.id}", headers=EN).text
    assert f'value="{MUSEUM_ROOM}"' in page  # the activity's room, ready to be kept or changed
    form = {
        "activity": activity.id,
        "first_day": "2027-01-11",
        "last_day": "2027-01-12",
        "weekdays": ["0", "1"],
        "times": "9:30",
        "capacity": "1",
    }
    preview = client.post("/staff/scuole/turni", data={**form, "room": OWN_ROOM}, headers=EN).text
    assert f"Room: {OWN_ROOM}" in preview
    client.post("/staff/scuole/turni", data={**form, "room": OWN_ROOM, "create": "1"})
    client.post(
        "/staff/scuole/turni", data={**form, "first_day": "2027-01-18", "last_day": "2027-01-18"}
    )
    client.post(
        "/staff/scuole/turni",
        data={**form, "first_day": "2027-01-18", "last_day": "2027-01-18", "create": "1"},
    )
    made = db.session.scalars(
        select(Slot).where(Slot.programme_id == activity.id, Slot.id != slot.id)
    ).all()
    rooms = {local(s.starts_at).date(): s.room for s in made}
    assert rooms == {
        date(2027, 1, 11): OWN_ROOM,
        date(2027, 1, 12): OWN_ROOM,
        date(2027, 1, 18): MUSEUM_ROOM,  # left empty: the activity's
    }


def test_a_slots_own_room_is_what_the_teacher_and_every_document_say(client, app):
    slot = a_slot(room=OWN_ROOM)
    activity = slot.programme
    calendar = client.get(f"/scuole/attivita/{activity.id}?classe=primaria-3").text
    assert OWN_ROOM in calendar  # on its time, as it is not the activity's room
    assert OWN_ROOM in client.get(f"/scuole/turni/{slot.id}/prenota?classe=primaria-3").text
    booking = booked_class(client, slot)
    assert OWN_ROOM in client.get(manage_path(booking)).text
    [confirmation] = [m for m in queued("confirmation") if m.booking_id == booking.id]
    email = email_of(confirmation)
    assert OWN_ROOM in text_of(email) and MUSEUM_ROOM not in text_of(email)
    assert OWN_ROOM in pdf_text(attachment(email, "application/pdf"))
    assert location(attachment(email, "text/calendar")).startswith(OWN_ROOM)
    assert OWN_ROOM in pdf_text(confirmation_pdf(booking))
    api = client.get(f"/api/v1/school/slots?activity={activity.id}").json
    assert api["items"] == []  # booked: no class left
    sign_in(client, Role.education)
    day = local(slot.starts_at).date().isoformat()
    assert OWN_ROOM in client.get(f"/staff/scuole/?data={day}").text
    assert OWN_ROOM in words_of(client.get(f"/staff/scuole/giorno.pdf?data={day}").data)
    csv = client.get("/staff/scuole/prenotazioni?formato=csv", headers=EN).data.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert header.split(";")[3] == "Room" and row.split(";")[3] == OWN_ROOM


def test_the_api_gives_each_free_slot_its_room(client, app):
    own = a_slot(room=OWN_ROOM)
    other = make_slot(
        capacity=1, programme=own.programme, starts_at=own.starts_at + timedelta(days=1)
    )
    reply = client.get(f"/api/v1/school/slots?activity={own.programme.id}")
    assert [(i["id"], i["room"]) for i in reply.json["items"]] == [
        (own.id, OWN_ROOM),
        (other.id, MUSEUM_ROOM),  # never given one: the activity's
    ]
    schema = client.get("/api/v1/openapi.json").json
    text_ = str(schema)
    assert "'room'" in text_ and "Where the slot takes place in the museum." in text_


def test_the_migration_gives_each_school_slot_its_activitys_room(engine_name, tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import PG_ADMIN_URL, _test_config

    url, name = f"sqlite:///{tmp_path / 'migrated.db'}", None
    if engine_name == "postgresql":
        name = f"centrale_migrated_{tmp_path.name[-20:]}".lower().replace("-", "_")
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        app = create_app(_test_config(url))
        with app.app_context():
            upgrade()
            school_slot = a_slot()
            event_slot = make_slot(programme=make_event(room="Auditorium"))
            ids = school_slot.id, event_slot.id
            db.session.remove()
            downgrade(revision="d4e6f8a0b2c3")  # before slots had rooms
            upgrade()
            rooms = dict(db.session.execute(text("SELECT id, room FROM slot")).all())
            db.session.remove()
            db.engine.dispose()
        assert rooms == {ids[0]: MUSEUM_ROOM, ids[1]: None}  # an event's place is its own
    finally:
        if name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


# --- The activity's slots -------------------------------------------------------------------


def test_the_activitys_slots_are_listed_with_their_rooms_classes_and_actions(client, app):
    slot = a_slot(capacity=2)
    later = make_slot(
        capacity=1, programme=slot.programme, starts_at=slot.starts_at + timedelta(days=7)
    )
    with transaction():
        later.room = OWN_ROOM
    past = make_slot(capacity=1, programme=slot.programme, starts_at=utcnow() - timedelta(days=3))
    booked_class(client, slot, "3B")
    booked_class(client, slot, "4A", confirm=False)
    sign_in(client, Role.education)
    activities = client.get("/staff/scuole/attivita", headers=EN).text
    assert f"/staff/scuole/attivita/{slot.programme.id}/turni" in activities
    page = client.get(f"/staff/scuole/attivita/{slot.programme.id}/turni", headers=EN)
    parsed = Page(page.get_data(as_text=True))
    row = parsed.by_id[f"slot-{slot.id}"]["text"]
    assert MUSEUM_ROOM in row and "2 of 2" in row
    assert "3B · IC Via Rossi" in row and "4A · IC Via Rossi Not confirmed yet" in row
    assert OWN_ROOM in parsed.by_id[f"slot-{later.id}"]["text"]
    assert f"slot-{past.id}" not in parsed.by_id  # gone by: not to change
    assert f"/staff/scuole/turni/{slot.id}/annulla" in page.get_data(as_text=True)


def test_the_slot_pages_are_for_the_education_staff(client, app):
    slot = a_slot()
    for url in (
        f"/staff/scuole/attivita/{slot.programme.id}/turni",
        f"/staff/scuole/turni/{slot.id}",
        f"/staff/scuole/turni/{slot.id}/annulla",
    ):
        assert client.get(url).status_code in (302, 303), url
    sign_in(client, Role.desk)
    assert client.get(f"/staff/scuole/turni/{slot.id}").status_code == 403
    assert client.post(f"/staff/scuole/turni/{slot.id}/annulla").status_code == 403
    assert refreshed(slot).cancelled_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_ids_beyond_any_row_or_of_another_programme_are_not_found(client, app, method):
    event_slot = make_slot(programme=make_event())
    sign_in(client, Role.education)
    call = getattr(client, method)
    for slot_id in (2**31 - 1, 2**31, 2**70, event_slot.id):
        assert call(f"/staff/scuole/turni/{slot_id}").status_code == 404, slot_id
        assert call(f"/staff/scuole/turni/{slot_id}/annulla").status_code == 404, slot_id
    assert client.get(f"/staff/scuole/attivita/{2**31 - 1}/turni").status_code == 404
    assert client.get(f"/staff/scuole/attivita/{2**40}/turni").status_code == 404
    assert refreshed(event_slot).cancelled_at is None


# --- Changing a slot ----------------------------------------------------------------------------


def test_a_new_room_with_classes_booked_asks_first_then_emails_each_teacher(client, app):
    slot = a_slot(capacity=2)
    italian = booked_class(client, slot, "3B")
    english = booked_class(client, slot, "4A", language="en")
    version = italian.version
    sign_in(client, Role.education)

    step = change(client, slot, room=OWN_ROOM)
    assert step.status_code == 200
    tell = Page(step.get_data(as_text=True)).by_id["tell-first"]["text"]
    assert "2 teachers will get an email" in tell
    assert refreshed(slot).room is None and not queued("slot_changed")  # nothing saved yet

    done = change(client, slot, room=OWN_ROOM, tell="2")
    assert done.status_code == 303
    assert refreshed(slot).room == OWN_ROOM
    told = queued("slot_changed")
    assert sorted(m.booking_id for m in told) == sorted([italian.id, english.id])
    assert refreshed(italian).version > version  # its kept PDF is made again
    emails = {m.language: email_of(m) for m in told}
    assert "ha dovuto cambiare il luogo" in text_of(emails["it"])
    assert OWN_ROOM in text_of(emails["it"])
    assert "change where this date takes place" in text_of(emails["en"])
    assert OWN_ROOM in pdf_text(attachment(emails["it"], "application/pdf"))
    assert location(attachment(emails["en"], "text/calendar")).startswith(OWN_ROOM)
    flashed = client.get(done.headers["Location"], headers=EN).text
    assert "2 teachers are told of the change by email" in flashed
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "schools.slot_changed"))
    assert entry.details["changes"]["room"] == [MUSEUM_ROOM, OWN_ROOM]
    assert sorted(entry.details["changes"]["told"]) == sorted(
        [italian.reference, english.reference]
    )


def test_a_new_date_keeps_the_slots_length_and_deadline_and_its_documents_follow(client, app):
    slot = a_slot()
    booking = booked_class(client, slot)
    was_closes = slot.closes_at
    sign_in(client, Role.education)
    new_day = a_school_day_after(local(slot.starts_at).date())
    shift = new_day - local(slot.starts_at).date()
    done = change(client, slot, day=new_day.isoformat(), start="11:15", tell="1")
    assert done.status_code == 303
    slot = refreshed(slot)
    assert slot.starts_at == museum_time(new_day, time(11, 15))
    assert slot.ends_at - slot.starts_at == timedelta(minutes=90)
    assert slot.closes_at - was_closes == shift + timedelta(hours=1, minutes=15)
    [moved] = queued("slot_changed")
    email = email_of(moved)
    body = text_of(email)
    assert "Nuova data e ora" in body and "11:15" in body and "10:00" in body  # new, and was
    assert "il codice QR della classe: è nel PDF allegato" in body  # the new one, attached
    ics = Calendar.from_ical(attachment(email, "text/calendar"))
    [event] = ics.walk("VEVENT")
    assert event.decoded("dtstart").astimezone(ROME).time() == time(11, 15)
    assert "11:15" in pdf_text(confirmation_pdf(refreshed(booking)))
    assert location(booking_ics(booking)).startswith(MUSEUM_ROOM)  # the room did not change


def test_a_change_with_nobody_booked_is_saved_at_once_and_tells_nobody(client, app):
    slot = a_slot()
    sign_in(client, Role.education)
    done = change(client, slot, room=OWN_ROOM, start="14:00", capacity="2")
    assert done.status_code == 303
    slot = refreshed(slot)
    assert (slot.room, local(slot.starts_at).time(), slot.capacity) == (OWN_ROOM, time(14), 2)
    assert not queued("slot_changed")
    assert (
        "Nothing was changed."
        in client.get(
            client.post(f"/staff/scuole/turni/{slot.id}", data=slot_form(slot), headers=EN).headers[
                "Location"
            ],
            headers=EN,
        ).text
    )


def test_more_capacity_alone_tells_nobody_and_fewer_than_booked_is_refused(client, app):
    slot = a_slot(capacity=2)
    booked_class(client, slot, "3B")
    booked_class(client, slot, "4A")
    sign_in(client, Role.education)
    refused = change(client, slot, capacity="1")
    assert refused.status_code == 422
    assert errors_of(refused)["capacity"] == (
        "2 classes are already booked: the slot cannot take fewer."
    )
    assert refreshed(slot).capacity == 2
    assert change(client, slot, capacity="3").status_code == 303  # no step: nobody to tell
    assert refreshed(slot).capacity == 3 and not queued("slot_changed")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day": ""}, "day", "On which day is the slot?"),
        ({"day": "31/12/2026"}, "day", "Not a valid date value."),
        ({"start": ""}, "start", "At what time does the slot start?"),
        ({"start": "25:00"}, "start", "Please enter a time such as 9:30."),
        ({"room": "  "}, "room", "Please say in which room the activity takes place."),
        ({"room": "x" * 121}, "room", "At most 120 characters, please."),
        ({"capacity": "0"}, "capacity", "Between 1 and 10 classes."),
        ({"capacity": "11"}, "capacity", "Between 1 and 10 classes."),
        ({"capacity": "due"}, "capacity", "Please enter a whole number."),
        ({"capacity": str(2**70)}, "capacity", "Between 1 and 10 classes."),
    ],
)
def test_bad_values_are_told_next_to_their_field_and_nothing_changes(
    client, app, changes, field, message
):
    slot = a_slot()
    booked_class(client, slot)
    sign_in(client, Role.education)
    reply = change(client, slot, **changes)
    assert reply.status_code == 422
    assert message in errors_of(reply)[field]
    assert refreshed(slot).room is None and refreshed(slot).capacity == 1
    assert not queued("slot_changed")


def test_a_moment_past_or_one_the_clocks_skip_or_repeat_is_refused_next_to_its_field(client, app):
    slot = a_slot()
    sign_in(client, Role.education)
    was = slot.starts_at
    yesterday = (local(utcnow()).date() - timedelta(days=1)).isoformat()
    reply = change(client, slot, day=yesterday)
    assert reply.status_code == 422
    assert errors_of(reply)["day"] == "The slot must start later than now."
    earlier_today = local(utcnow() - timedelta(minutes=1))
    if earlier_today.date() == local(utcnow()).date():  # not just after midnight
        reply = change(client, slot, day=earlier_today.date().isoformat(), start="00:00")
        assert errors_of(reply)["start"] == "The slot must start later than now."
    spring, autumn = _clock_changes_after(local(utcnow()).date())
    reply = change(client, slot, day=spring.isoformat(), start="02:30")
    assert "the clocks go forward and 02:30 does not exist" in errors_of(reply)["start"]
    reply = change(client, slot, day=autumn.isoformat(), start="02:30")
    assert "the clocks go back and 02:30 happens twice" in errors_of(reply)["start"]
    assert refreshed(slot).starts_at == was


def _clock_changes_after(day: date) -> tuple[date, date]:
    """The next last Sunday of March and of October after `day`, when Milan's clocks change."""

    def last_sunday(year, month):
        d = date(year, month, 31)
        return d - timedelta(days=(d.weekday() + 1) % 7)

    spring = last_sunday(day.year, 3)
    spring = spring if spring > day else last_sunday(day.year + 1, 3)
    autumn = last_sunday(day.year, 10)
    autumn = autumn if autumn > day else last_sunday(day.year + 1, 10)
    return spring, autumn


def test_a_booked_slot_moves_only_within_its_school_year(client, app):
    slot = a_slot()
    booked_class(client, slot)
    sign_in(client, Role.education)
    starts = local(slot.starts_at).date()
    year = starts.year if starts.month >= 9 else starts.year - 1
    next_year = a_school_day_after(date(year + 1, 10, 4))
    reply = change(client, slot, day=next_year.isoformat(), tell="1")
    assert reply.status_code == 422
    assert errors_of(reply)["day"] == (
        f"Classes are booked on this slot: it can move only within the school year "
        f"{year}/{(year + 1) % 100:02d}."
    )
    assert refreshed(slot).starts_at == museum_time(starts, time(10)) and not queued("slot_changed")


def test_a_cancelled_or_started_slot_can_no_longer_be_changed(client, app):
    started = make_school_slot(starts_at=utcnow() - timedelta(minutes=5))
    cancelled = a_slot()
    with transaction():
        cancelled.cancelled_at = utcnow()
    sign_in(client, Role.education)
    for slot, message in (
        (started, "This slot has already started: it can no longer be changed."),
        (cancelled, "This slot is cancelled: it can no longer be changed."),
    ):
        for url in (f"/staff/scuole/turni/{slot.id}", f"/staff/scuole/turni/{slot.id}/annulla"):
            reply = client.post(url, data=slot_form(slot, room=OWN_ROOM), headers=EN)
            assert reply.status_code == 303, url
            assert message in client.get(reply.headers["Location"], headers=EN).text
        assert refreshed(slot).room is None


# --- Cancelling a slot ------------------------------------------------------------------------


def test_cancelling_says_how_many_classes_then_cancels_each_through_the_engine(client, app):
    slot = a_slot(capacity=2)
    italian = booked_class(client, slot, "3B")
    english = booked_class(client, slot, "4A", language="en", confirm=False)
    sign_in(client, Role.education)
    url = f"/staff/scuole/turni/{slot.id}/annulla"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "2 classes are booked on this slot" in page and "each teacher gets an email" in page
    assert italian.reference in page and english.reference in page
    assert Page(page).by_id["booked"]["value"] == "2"  # the count the button confirms
    assert refreshed(slot).cancelled_at is None  # a GET changes nothing

    done = client.post(
        url,
        data={"booked": "2", "reason_it": "La sala è chiusa per lavori.", "reason_en": ""},
        headers=EN,
    )
    assert done.status_code == 303
    slot = refreshed(slot)
    assert slot.cancelled_at is not None and slot.taken == 0
    assert {refreshed(italian).status, refreshed(english).status} == {S.cancelled}
    emails = {m.language: email_of(m) for m in queued("slot_cancelled")}
    assert set(emails) == {"it", "en"}
    assert "La sala è chiusa per lavori." in text_of(emails["it"])
    assert "La sala è chiusa per lavori." in text_of(emails["en"])  # no English given
    flashed = unescape(client.get(done.headers["Location"], headers=EN).text)
    assert "2 class bookings were cancelled and their teachers' emails are queued" in flashed
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "schools.slot_cancelled"))
    assert sorted(entry.details["references"]) == sorted([italian.reference, english.reference])
    # Gone from the teachers' calendar and the API; the same class may book another date
    calendar = client.get(f"/scuole/attivita/{slot.programme.id}?classe=primaria-3").text
    assert f"/scuole/turni/{slot.id}/prenota" not in calendar
    assert client.get(f"/api/v1/school/slots?activity={slot.programme.id}").json["items"] == []
    other = make_slot(capacity=1, programme=slot.programme, starts_at=slot.starts_at)
    assert booked_class(client, other, "3B").status is S.confirmed


def test_the_schools_yearly_bookings_come_back_with_a_cancelled_slot(client, app):
    app.config["SCHOOL_MAX_BOOKINGS_PER_YEAR"] = 1
    slot = a_slot()
    booked_class(client, slot, "3B")
    later = make_slot(
        capacity=1, programme=slot.programme, starts_at=slot.starts_at + timedelta(days=1)
    )
    refused = client.post(
        f"/scuole/turni/{later.id}/prenota?classe=primaria-3",
        data=class_form(class_name="5C", email="5c@scuola.example"),
    )
    assert refused.status_code == 409  # the school is at its limit
    sign_in(client, Role.education)
    client.post(f"/staff/scuole/turni/{slot.id}/annulla", data={"booked": "1"})
    assert booked_class(client, later, "5C").status is S.confirmed


def test_a_class_booked_meanwhile_is_counted_again_before_anyone_is_told(client, app):
    slot = a_slot(capacity=2)
    booked_class(client, slot, "3B")
    sign_in(client, Role.education)
    url = f"/staff/scuole/turni/{slot.id}/annulla"
    client.get(url)  # the staff read "1 class"
    booked_class(client, slot, "4A")  # meanwhile
    reply = client.post(url, data={"booked": "1"}, headers=EN)
    assert reply.status_code == 422
    page = Page(reply.get_data(as_text=True))
    assert "A class booked or cancelled meanwhile" in page.by_id["form-refused"]["text"]
    assert "2 classes are booked on this slot" in reply.get_data(as_text=True)
    assert refreshed(slot).cancelled_at is None and not queued("slot_cancelled")


def test_a_slot_nobody_booked_is_cancelled_without_an_email(client, app):
    slot = a_slot()
    sign_in(client, Role.education)
    url = f"/staff/scuole/turni/{slot.id}/annulla"
    assert "No class is booked on this slot: no email will be sent." in client.get(
        url, headers=EN
    ).get_data(as_text=True)
    done = client.post(url, data={"booked": "0"}, headers=EN)
    assert refreshed(slot).cancelled_at is not None and not queued("slot_cancelled")
    flashed = client.get(done.headers["Location"], headers=EN).text
    assert "The slot is cancelled. No class was booked on it." in flashed


def test_a_reason_too_long_is_told_next_to_its_field_and_nothing_is_cancelled(client, app):
    slot = a_slot()
    booked_class(client, slot)
    sign_in(client, Role.education)
    reply = client.post(
        f"/staff/scuole/turni/{slot.id}/annulla",
        data={"booked": "1", "reason_it": "x" * 501},
        headers=EN,
    )
    assert reply.status_code == 422
    assert errors_of(reply)["reason_it"] == "At most 500 characters, please."
    assert refreshed(slot).cancelled_at is None and not queued("slot_cancelled")


def test_a_cancelled_slot_without_a_reason_says_only_that_the_museum_cancelled(client, app):
    slot = a_slot()
    booked_class(client, slot)
    sign_in(client, Role.education)
    client.post(f"/staff/scuole/turni/{slot.id}/annulla", data={"booked": "1"})
    [message] = queued("slot_cancelled")
    body = text_of(email_of(message))
    assert "il museo ha dovuto annullare" in body and "Il motivo" not in body


def test_the_schedule_links_each_class_to_its_slot(client, app):
    slot = a_slot()
    booked_class(client, slot)
    sign_in(client, Role.education)
    day = local(slot.starts_at).date().isoformat()
    assert f"/staff/scuole/turni/{slot.id}" in client.get(f"/staff/scuole/?data={day}").text


def test_a_slot_moved_from_a_date_is_no_longer_there_in_the_teachers_calendar(client, app):
    slot = a_slot()
    sign_in(client, Role.education)
    was_day = local(slot.starts_at).date()
    new_day = a_school_day_after(was_day)
    assert change(client, slot, day=new_day.isoformat()).status_code == 303
    page = client.get(f"/scuole/attivita/{slot.programme.id}?classe=primaria-3", headers=EN).text

    def words(day: date) -> str:
        return datetime.combine(day, time(10)).strftime("%A %-d")

    assert words(new_day) in page and words(was_day) not in page


def test_a_slot_moves_to_no_weekend_holiday_or_school_closure(client, app):
    slot = a_slot()
    starts = local(slot.starts_at).date()
    today = local(utcnow()).date()
    closed = today + timedelta(days=35 - today.weekday())  # a Monday to come
    with transaction():
        school_year = SchoolYear(
            start=school_year_of(closed), booking_opens_at=utcnow() - timedelta(days=1)
        )
        school_year.closures = [SchoolClosure(first_day=closed, last_day=closed, label="")]
        db.session.add(school_year)
    december = today.year if today < date(today.year, 12, 7) else today.year + 1
    saturday = today + timedelta(days=5 - today.weekday() + 7)
    sign_in(client, Role.education)
    cases = [
        (saturday, "School visits are from Monday to Friday: please choose a weekday."),
        (closed, "No visits on that day: school closure."),
        (date(december, 12, 7), "Ambrose"),  # Milan's patron day
        (date(december, 12, 8), "Immaculate Conception"),
    ]
    for day, message in cases:
        if day.weekday() >= 5 and day != saturday:
            continue  # a holiday on a weekend this year: refused as a weekend
        reply = change(client, slot, day=day.isoformat())
        assert reply.status_code == 422, day
        assert message in errors_of(reply)["day"], day
    assert refreshed(slot).starts_at == museum_time(starts, time(10))
    if starts.weekday() < 5:  # its own day is not asked again: a new room alone is saved
        assert change(client, slot, room=OWN_ROOM).status_code == 303
