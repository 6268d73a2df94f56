"""The education staff's pages: the day's schedule and its PDF, bookings with filters and CSV,
no-show, the slot helper skipping holidays and closures; for the education role and above."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from centrale_booking.auth.models import Role
from centrale_booking.booking.models import Slot
from centrale_booking.clock import local, museum_time
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.schools.models import SchoolClosure, SchoolVisit, SchoolYear
from tests.factories import make_school_slot
from tests.helpers import EN, pdf_text, sign_in
from tests.schools.test_pages import book, confirmed_booking, only_booking


def test_the_staff_pages_are_for_the_education_staff(client, app):
    assert client.get("/staff/scuole/").status_code in (302, 303)
    sign_in(client, Role.desk)
    assert client.get("/staff/scuole/").status_code == 403
    sign_in(client, Role.education)
    assert client.get("/staff/scuole/").status_code == 200


def test_the_days_schedule_lists_the_classes_and_prints(client, app):
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=10))
    booking = confirmed_booking(client, slot)
    sign_in(client, Role.education)
    day = local(slot.starts_at).date().isoformat()
    page = client.get(f"/staff/scuole/?data={day}", headers=EN).text
    assert "3B" in page and "IC Via Rossi" in page and "Una carrozzina" in page
    assert "24 pupils (1 with disabilities), 2 adults, 1 support teacher" in page
    pdf = client.get(f"/staff/scuole/giorno.pdf?data={day}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "IC Via Rossi" in pdf_text(pdf.data)
    client.post(f"/staff/scuole/prenotazioni/{booking.id}/assente")
    assert db.session.get(SchoolVisit, booking.id).no_show_at is not None


def test_bookings_filter_and_export(client, app):
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=10))
    book(client, slot)
    sign_in(client, Role.education)
    assert "IC Via Rossi" in client.get("/staff/scuole/prenotazioni?da_verificare=1").text
    assert "IC Via Rossi" not in client.get("/staff/scuole/prenotazioni?livello=infanzia").text
    assert "IC Via Rossi" in client.get("/staff/scuole/prenotazioni?scuola=miic8").text
    csv = client.get("/staff/scuole/prenotazioni?formato=csv&stato=pending")
    text = csv.data.decode("utf-8-sig")
    assert csv.mimetype == "text/csv" and "MIIC8AB00C" in text and only_booking().reference in text


def test_the_slot_helper_skips_holidays_milans_patron_day_and_closures(client, app):
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=10))
    with transaction():
        year = SchoolYear(
            start=2026, booking_opens_at=museum_time(date(2026, 9, 1), local(utcnow()).time())
        )
        year.closures = [SchoolClosure(first_day=date(2026, 12, 14), last_day=date(2026, 12, 15))]
        db.session.add(year)
    sign_in(client, Role.education)
    form = {
        "activity": slot.programme.id,
        "first_day": "2026-12-07",
        "last_day": "2026-12-16",
        "weekdays": ["0", "1", "2"],
        "times": "9:30, 11:15",
        "capacity": "1",
    }
    preview = client.post("/staff/scuole/turni", data=form, headers=EN).text
    assert "Saint Ambrose" in preview or "Ambrogio" in preview  # 7 December, Milan
    assert "school closure" in preview
    before = db.session.scalar(select(db.func.count()).select_from(Slot))
    client.post("/staff/scuole/turni", data={**form, "create": "1"})
    made = db.session.scalar(select(db.func.count()).select_from(Slot)) - before
    # Mon 7 (Sant'Ambrogio), Tue 8 (Immacolata), Wed 9, Mon 14 + Tue 15 (closed), Wed 16
    assert made == 2 * 2


def test_a_class_that_did_not_reconfirm_three_days_before_is_flagged(client, app):
    from centrale_booking.booking.reminders import BookingReminder

    slot = make_school_slot(starts_at=utcnow() + timedelta(days=2, hours=12))
    booking = confirmed_booking(client, slot)
    sign_in(client, Role.education)
    day = local(slot.starts_at).date().isoformat()
    schedule = f"/staff/scuole/?data={day}"
    # No week's reminder was sent (booked within the week): nothing to reconfirm
    assert "Not reconfirmed" not in client.get(schedule, headers=EN).text
    with transaction():  # the week's reminder went out, and no answer came
        db.session.add(
            BookingReminder(
                booking_id=booking.id, kind="reminder_week", queued_at=utcnow() - timedelta(days=5)
            )
        )
    assert "Not reconfirmed" in client.get(schedule, headers=EN).text
    assert "Not reconfirmed" in client.get("/staff/scuole/prenotazioni", headers=EN).text
    # "We are coming", from the reminder's one-click link: the flag goes
    client.post(f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/ci-siamo")
    assert db.session.get(SchoolVisit, booking.id).reconfirmed_at is not None
    assert "Not reconfirmed" not in client.get(schedule, headers=EN).text


def test_an_activity_filter_beyond_any_id_or_in_other_digits_is_ignored(client, app):
    sign_in(client, Role.education)
    for value in (str(2**70), "²", "12x"):
        reply = client.get(f"/staff/scuole/prenotazioni?attivita={value}")
        assert reply.status_code == 200, value
