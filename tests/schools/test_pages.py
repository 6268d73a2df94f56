"""School visits for teachers, through the pages: the class's level and year, the activities
that fit, the free dates, the booking form and its rules, the emailed confirmation, the
expiry of an unconfirmed hold, the numbers changed from the booking page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from centrale_booking.booking.engine import expire_holds
from centrale_booking.booking.models import Booking
from centrale_booking.booking.states import BookingStatus
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import manage_path
from centrale_booking.outbox.models import OutboxMessage
from centrale_booking.schools.models import ActivityGrade, GradeLevel, School, SchoolVisit
from tests.factories import make_school_slot, make_slot
from tests.helpers import EN, Page, count, email_kinds, refreshed

S = BookingStatus


def a_slot(**fields):
    return make_school_slot(starts_at=utcnow() + timedelta(days=20), **fields)


def class_form(**changes) -> dict:
    form = {
        "school_code": "MIIC8AB00C",
        "school_name": "IC Via Rossi",
        "city": "Milano",
        "class_name": "3b",
        "grade": "primaria",
        "years": ["3"],
        "pupils": "24",
        "pupils_with_disabilities": "1",
        "support_teachers": "1",
        "adults": "2",
        "teacher_name": "Anna Bianchi",
        "email": "anna.bianchi@scuola.example",
        "phone": "+39 02 1234567",
        "needs": "Una carrozzina",
        "privacy_consent": "y",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def book(client, slot, headers=None, **changes):
    return client.post(
        f"/scuole/turni/{slot.id}/prenota?classe=primaria-3",
        data=class_form(**changes),
        headers=headers or {},
    )


def only_booking() -> Booking:
    [booking] = db.session.scalars(select(Booking)).all()
    return booking


def add_school(code="MIIC8AB00C", name="IC Via Rossi", city="MILANO", address="Via Rossi 12"):
    with transaction():
        db.session.add(School(code=code, name=name, city=city, address=address))


# The class, the activities, the dates ------------------------------------------------------


def test_the_first_page_asks_for_the_grade_level_and_year(client, app):
    page = Page(client.get("/scuole/").text)
    select_ = page.by_id["classe"]
    assert select_["tag"] == "select"
    values = [a.get("value") for t, a in page.elements if t == "option"]
    assert "infanzia-3" in values and "infanzia-5" in values and "infanzia-6" not in values
    assert "primaria-5" in values and "secondaria-1-3" in values and "secondaria-1-4" not in values
    assert "secondaria-2-5" in values


def test_only_the_activities_of_the_level_are_listed_with_that_levels_text(client, app):
    both = a_slot(grades=("primaria", "secondaria_secondo")).programme
    with transaction():
        for row in both.grade_rows:
            row.text_it = {
                GradeLevel.primaria: "Giochi con acqua e sabbia per i più piccoli",
                GradeLevel.secondaria_secondo: "Analisi chimiche per il liceo",
            }[row.grade]
    other = a_slot(grades=("infanzia",)).programme
    page = client.get("/scuole/attivita?classe=primaria-2").text
    assert both.title_it in page and other.title_it not in page
    assert "Giochi con acqua e sabbia per i più piccoli" in page
    assert "Analisi chimiche" not in page
    high = client.get("/scuole/attivita?classe=secondaria-2-4").text
    assert "Analisi chimiche per il liceo" in high and "Giochi" not in high


def test_an_activity_of_another_level_sends_back_to_the_list(client, app):
    slot = a_slot(grades=("infanzia",))
    answer = client.get(f"/scuole/attivita/{slot.programme.id}?classe=primaria-3")
    assert answer.status_code == 303 and "/scuole/attivita?classe=primaria-3" in answer.location


def test_a_bad_class_in_the_address_goes_back_to_the_first_step(client, app):
    for bad in ("", "primaria-6", "infanzia-2", "nursery-3", "primaria-x"):
        answer = client.get(f"/scuole/attivita?classe={bad}")
        assert answer.status_code == 303 and answer.location.endswith("/scuole/")


def test_the_activity_page_lists_only_the_free_dates(client, app):
    free = a_slot()
    activity = free.programme
    taken = make_slot(capacity=1, programme=activity, starts_at=utcnow() + timedelta(days=21))
    with transaction():
        taken.taken = 1
    make_slot(capacity=1, programme=activity, starts_at=utcnow() - timedelta(days=1))
    page = client.get(f"/scuole/attivita/{activity.id}?classe=primaria-3").text
    assert f"/scuole/turni/{free.id}/prenota" in page
    assert f"/scuole/turni/{taken.id}/prenota" not in page


# Booking: held, emailed, confirmed -----------------------------------------------------------


def test_booking_holds_the_date_and_emails_the_link_to_confirm(client, app):
    slot = a_slot()
    answer = book(client, slot)
    assert answer.status_code == 303
    booking = only_booking()
    assert booking.status is S.pending and refreshed(slot).taken == 1
    minutes = (booking.hold_expires_at - booking.created_at).total_seconds() / 60
    assert minutes == app.config["SCHOOL_CONFIRM_MINUTES"] == 30
    assert email_kinds(booking) == ["confirm_address"]
    # The page after submitting says so plainly, with the time left, and no manage link.
    page = client.get(answer.location).text
    assert "a•••@scuola.example" in page and booking.manage_token not in page
    assert "30 minuti" in page or "29 minuti" in page
    visit = db.session.get(SchoolVisit, booking.id)
    assert (visit.school_code, visit.class_name, visit.pupils, visit.adults) == (
        "MIIC8AB00C",
        "3B",
        24,
        2,
    )
    assert (visit.pupils_with_disabilities, visit.support_teachers, visit.years) == (1, 1, "3")


def test_the_emailed_link_confirms_the_booking(client, app):
    slot = a_slot()
    book(client, slot)
    booking = only_booking()
    manage = client.get(manage_path(booking)).text
    confirm_url = f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/conferma"
    assert confirm_url in manage
    answer = client.post(confirm_url)
    assert answer.status_code == 303
    booking = refreshed(booking)
    assert booking.status is S.confirmed
    assert email_kinds(booking) == ["confirm_address", "confirmation"]
    [ticket] = booking.tickets
    assert ticket.holder_label == "3B · IC Via Rossi" and ticket.admits == 1
    page = client.get(manage_path(booking)).text
    assert "24 alunni (1 con disabilità), 2 accompagnatori, 1 insegnante di sostegno" in page


def test_a_hold_not_confirmed_in_time_expires_and_gives_the_date_back(client, app):
    slot = a_slot()
    book(client, slot)
    booking = only_booking()
    later = booking.hold_expires_at + timedelta(seconds=1)
    with transaction():
        assert expire_holds(now=later) == 1
    assert refreshed(booking).status is S.expired and refreshed(slot).taken == 0
    assert email_kinds(booking) == ["confirm_address", "expired"]
    answer = client.post(
        f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/conferma"
    )
    assert answer.status_code == 303 and refreshed(booking).status is S.expired


def test_the_confirmation_email_is_dropped_once_the_booking_is_no_longer_pending(client, app):
    from centrale_booking.documents.emails import out_of_date

    slot = a_slot()
    book(client, slot)
    booking = only_booking()
    client.post(f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/conferma")
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "confirm_address")
    ).one()
    assert out_of_date(message, utcnow()) is not None


def test_a_taken_date_says_so_and_shows_the_nearest_free_dates(client, app):
    slot = a_slot()
    activity = slot.programme
    nearer = make_slot(capacity=1, programme=activity, starts_at=slot.starts_at + timedelta(days=1))
    book(client, slot)
    answer = book(client, slot, email="altro@scuola.example")
    assert answer.status_code == 409
    assert "già prenotata da un'altra classe" in answer.text
    assert f"/scuole/turni/{nearer.id}/prenota" in answer.text
    assert count(Booking) == 1


# The form's rules, each with its message next to its field -----------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("school_code", "", "Please enter the school's codice meccanografico."),
        ("school_code", "M1IC8AB00C", "A codice meccanografico has 10 letters and digits"),
        ("school_code", "MIIC8AB00", "A codice meccanografico has 10 letters and digits"),
        ("school_code", "MIIC8AB00C1", "A codice meccanografico has 10 letters and digits"),
        ("school_name", "", "Please enter the school's name."),
        ("city", "", "Please enter the school's city."),
        ("class_name", "", "Please enter the class and section"),
        ("grade", "infanzia", "This activity is not meant for this grade level."),
        ("years", [], "Please tick the class's year."),
        ("years", ["6"], "Please choose the class's years among those of its grade level."),
        ("pupils", "", "How many pupils are coming?"),
        ("pupils", "0", "Between 1 and 28 pupils."),
        ("pupils", "29", "Between 1 and 28 pupils."),
        ("pupils_with_disabilities", "25", "They are counted among the pupils: at most as many."),
        ("support_teachers", "-1", "Between 0 and 30, please."),
        ("adults", "", "How many accompanying adults are coming?"),
        ("adults", "0", "Between 1 and 30 adults, please."),
        ("adults", "1", "For 24 pupils at least 2 accompanying adults are needed"),
        ("teacher_name", "", "Please tell us your name."),
        ("email", "anna@", "This email address does not look right."),
        ("email", "niccolò@scuola.it", "Please write the address without accented or special"),
        ("phone", "", "Please enter a phone number."),
        ("phone", "abc", "This phone number does not look right."),
        ("privacy_consent", None, "We can only take the booking with your consent."),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_stored(
    client, app, field, value, message
):
    slot = a_slot()
    answer = book(client, slot, headers=EN, **{field: value})
    assert answer.status_code == 422
    page = Page(answer.text)
    assert message in page.by_id[f"{field}-error"]["text"]
    assert count(Booking) == 0 and refreshed(slot).taken == 0


def test_the_error_summary_lists_the_fields_in_the_order_of_the_page(client, app):
    slot = a_slot()
    answer = client.post(
        f"/scuole/turni/{slot.id}/prenota?classe=primaria-3", data={"pupils": "99"}, headers=EN
    )
    assert answer.status_code == 422
    summary = answer.text.split('id="form-errors"')[1].split("</ul>")[0]
    linked = re.findall(r'href="#([a-z_]+)"', summary)
    assert linked == [  # the school, the class, the teacher, the consent: as the page goes
        "school_code",
        "school_name",
        "city",
        "grade",
        "years",
        "class_name",
        "pupils",
        "pupils_with_disabilities",
        "support_teachers",
        "adults",
        "teacher_name",
        "email",
        "phone",
        "privacy_consent",
    ]


def test_the_code_is_upper_cased_and_its_spaces_removed(client, app):
    slot = a_slot()
    book(client, slot, school_code=" mi ic 8ab 00c ")
    assert db.session.scalars(select(SchoolVisit.school_code)).one() == "MIIC8AB00C"


def test_the_ratio_is_a_setting_per_level_and_leaves_out_pupils_with_disabilities(client, app):
    slot = a_slot()
    # 31 pupils, 2 of them with disabilities: 29 counted, 2 adults for 15 each.
    slot_big = a_slot(max_pupils=40)
    assert (
        book(client, slot_big, pupils="31", pupils_with_disabilities="2", adults="2").status_code
        == 303
    )
    app.config["SCHOOL_PUPILS_PER_ADULT"] = {
        **app.config["SCHOOL_PUPILS_PER_ADULT"],
        "primaria": 10,
    }
    answer = book(client, slot, email="b@scuola.example", school_code="MIEE8AB01D", adults="2")
    assert answer.status_code == 422 and "almeno 3 accompagnatori" in answer.text


def test_the_form_says_how_many_adults_are_needed_before_submitting(client, app):
    slot = a_slot()
    page = Page(client.get(f"/scuole/turni/{slot.id}/prenota?classe=primaria-3", headers=EN).text)
    assert "At least one adult for every 15 pupils" in page.by_id["adults-needed"]["text"]
    answer = book(client, slot, headers=EN, pupils="40")  # refused: the count is still said
    assert "For 40 pupils" not in Page(answer.text).by_id["adults-needed"]["text"]
    answer = book(client, slot, headers=EN, adults="1", pupils="20")
    assert "For 20 pupils: at least 2." in Page(answer.text).by_id["adults-needed"]["text"]


def test_the_form_tells_the_deadlines(client, app):
    slot = a_slot()
    page = client.get(f"/scuole/turni/{slot.id}/prenota?classe=primaria-3", headers=EN).text
    assert "within 30 minutes" in page and "up to 3 days before the visit" in page


# The Ministry's registry ------------------------------------------------------------------


def test_a_code_in_the_registry_fills_in_the_school_without_javascript(client, app):
    add_school()
    slot = a_slot()
    answer = book(client, slot, school_name="", city="")
    assert answer.status_code == 303
    visit = db.session.scalars(select(SchoolVisit)).one()
    assert (visit.school_name, visit.city, visit.school_address) == (
        "IC Via Rossi",
        "MILANO",
        "Via Rossi 12",
    )
    assert visit.to_check is False


def test_a_code_not_in_the_registry_is_accepted_and_marked_to_check(client, app):
    slot = a_slot()
    assert book(client, slot).status_code == 303
    assert db.session.scalars(select(SchoolVisit.to_check)).one() is True


def test_the_lookup_route_answers_json_for_the_forms_script(client, app):
    add_school()
    found = client.get("/scuole/scuola/miic8ab00c.json")
    assert found.status_code == 200
    assert found.json == {
        "found": True,
        "code": "MIIC8AB00C",
        "name": "IC Via Rossi",
        "city": "MILANO",
        "address": "Via Rossi 12",
    }
    assert client.get("/scuole/scuola/MIXX0000000.json").status_code == 404


# After booking: the numbers, cancelling --------------------------------------------------------


def confirmed_booking(client, slot) -> Booking:
    book(client, slot)
    booking = only_booking()
    client.post(f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/conferma")
    return refreshed(booking)


def test_the_numbers_change_online_and_the_confirmation_is_sent_again(client, app):
    slot = a_slot()
    booking = confirmed_booking(client, slot)
    url = f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/numeri"
    assert url in client.get(manage_path(booking)).text
    refused = client.post(
        url,
        data={
            "pupils": "24",
            "pupils_with_disabilities": "0",
            "support_teachers": "0",
            "adults": "1",
        },
    )
    assert refused.status_code == 422 and "almeno 2 accompagnatori" in refused.text
    answer = client.post(
        url,
        data={
            "pupils": "18",
            "pupils_with_disabilities": "0",
            "support_teachers": "0",
            "adults": "2",
        },
    )
    assert answer.status_code == 303
    visit = db.session.get(SchoolVisit, booking.id)
    db.session.refresh(visit)
    assert (visit.pupils, visit.adults, visit.support_teachers) == (18, 2, 0)
    assert email_kinds(booking)[-1] == "confirmation"
    assert refreshed(booking).version > booking.version - 1


def test_after_the_deadline_numbers_and_cancelling_go_through_the_museum(client, app):
    slot = make_school_slot(starts_at=utcnow() + timedelta(days=5))
    booking = confirmed_booking(client, slot)
    with transaction():
        slot.programme.cancel_deadline_hours = 6 * 24
    url = f"/scuole/prenotazione/{booking.reference}/{booking.manage_token}/numeri"
    assert client.get(url).status_code == 303
    page = client.get(manage_path(booking)).text
    assert url not in page and "telefona o scrivi al museo" in page


def test_the_pdf_carries_the_class_and_its_numbers(client, app):
    from tests.helpers import pdf_text

    slot = a_slot()
    booking = confirmed_booking(client, slot)
    pdf = client.get(f"/prenotazione/{booking.reference}/{booking.manage_token}/conferma.pdf")
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.data).split())
    assert "IC Via Rossi (MIIC8AB00C), Milano" in text
    assert "24 alunni" in text and "3B" in text


def test_activity_grade_rows_keep_their_texts_when_levels_are_set_again(app):
    slot = a_slot(grades=("primaria", "infanzia"))
    activity = slot.programme
    with transaction():
        for row in activity.grade_rows:
            row.text_it = f"testo {row.grade.value}"
        activity.grades = [GradeLevel.primaria]
    rows = db.session.scalars(select(ActivityGrade)).all()
    assert [(r.grade, r.text_it) for r in rows] == [(GradeLevel.primaria, "testo primaria")]


def test_the_booking_page_speaks_of_no_waiting_list_a_school_visit_has_none(client, app):
    booking = confirmed_booking(client, a_slot())
    page = client.get(manage_path(booking), headers=EN).text
    assert "Let us know: your places become free again for others to book." in page
    assert "waiting list" not in page
