"""The campus pages through HTTP: the editions and their weeks, enrolling two children in one
go, messages naming the child and the field, the family's page and what it allows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from centrale_booking.booking.models import Booking
from centrale_booking.booking.states import BookingStatus
from centrale_booking.campus.models import CampusChild, CampusCollector, CampusFamily
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import CHILD_CF, FIRST_MONDAY, PARENT_CF, make_edition, wrong_check
from tests.helpers import EN, Page

S = BookingStatus


def form_data(week_ids, children=2, **changes):
    data = {
        "week_ids": [str(i) for i in week_ids],
        "parent-name": "Mario Rossi",
        "parent-tax_code": PARENT_CF,
        "parent-email": "mario.rossi@example.org",
        "parent-phone": "+39 333 1234567",
        "delegates-0-name": "Mario Rossi",
        "delegates-0-relationship": "padre",
        "delegates-0-document": "CA12345AB",
        "emergency_contact-name": "Luisa Rossi",
        "emergency_contact-phone": "02 123456",
        "consents-privacy": "y",
        "consents-health_data": "y",
        "siblings_together": "y",
    }
    for n, (first, born) in enumerate(
        [("Giulia", "2018-10-01"), ("Marco", "2017-03-03")][:children]
    ):
        data |= {
            f"children-{n}-first_name": first,
            f"children-{n}-last_name": "Rossi",
            f"children-{n}-birth_date": born,
        }
    data["children-0-allergies"] = "Arachidi"
    data["children-0-tax_code"] = CHILD_CF
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_editions_show_their_weeks_places_and_who_they_are_for(app, client):
    campus = make_edition(weeks=2, capacity=12)
    html = client.get("/campus/").get_data(as_text=True)
    assert "Campus di Natale" in html and "12 posti disponibili" in html
    assert "Da 6 a 11 anni" in html
    page = client.get(f"/campus/{campus.id}", headers=EN).get_data(as_text=True)
    assert "Ages 6 to 11" in page and "12 places left" in page


def test_two_siblings_enrol_in_one_go_and_land_on_their_family_page(app, client):
    campus = make_edition(capacity=12)
    week = campus.slots[0]
    response = client.post(f"/campus/{campus.id}/iscrivi", data=form_data([week.id]))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    family = db.session.scalar(select(CampusFamily))
    assert response.headers["Location"] == f"/campus/famiglia/{family.manage_token}"
    [booking] = db.session.scalars(select(Booking)).all()
    assert (booking.status, booking.quantity) == (S.confirmed, 2)
    reply = client.get(response.headers["Location"])
    assert reply.headers["Cache-Control"] == "private, no-store"
    assert reply.headers["Referrer-Policy"] == "same-origin"
    page = reply.get_data(as_text=True)
    assert "Giulia Rossi" in page and "Marco Rossi" in page and "Confermata" in page
    assert [c.first_name for c in db.session.scalars(select(CampusChild))] == ["Giulia", "Marco"]


def test_a_child_too_young_is_named_with_the_week_next_to_the_date_of_birth(app, client):
    campus = make_edition()
    week = campus.slots[0]
    data = form_data(
        [week.id], **{"children-1-first_name": "Pietro", "children-1-birth_date": "2021-05-05"}
    )
    response = client.post(f"/campus/{campus.id}/iscrivi", data=data, headers=EN)
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    error = page.by_id["children-1-birth_date-error"]["text"]
    assert error.startswith("Pietro: Date of birth: Pietro is 5 on Monday") and "28" in error
    assert db.session.scalar(select(db.func.count(Booking.id))) == 0


def test_a_wrong_codice_fiscale_is_refused_next_to_its_field(app, client):
    campus = make_edition()
    data = form_data([campus.slots[0].id], **{"parent-tax_code": wrong_check(PARENT_CF)})
    response = client.post(f"/campus/{campus.id}/iscrivi", data=data, headers=EN)
    assert response.status_code == 422
    assert (
        "check character"
        in Page(response.get_data(as_text=True)).by_id["parent-tax_code-error"]["text"]
    )


def test_health_notes_need_the_health_consent(app, client):
    campus = make_edition()
    data = form_data([campus.slots[0].id], **{"consents-health_data": None})
    response = client.post(f"/campus/{campus.id}/iscrivi", data=data, headers=EN)
    assert response.status_code == 422
    assert (
        "health notes"
        in Page(response.get_data(as_text=True)).by_id["consents-health_data-error"]["text"]
    )


def test_the_parent_must_be_among_those_who_collect(app, client):
    campus = make_edition()
    data = form_data([campus.slots[0].id], **{"delegates-0-name": "Anna Bianchi"})
    response = client.post(f"/campus/{campus.id}/iscrivi", data=data, headers=EN)
    assert response.status_code == 422
    assert (
        "list yourself"
        in Page(response.get_data(as_text=True)).by_id["delegates-0-name-error"]["text"]
    )


def test_add_a_brother_or_sister_shows_one_more_child_and_sends_nothing(app, client):
    campus = make_edition()
    data = form_data([campus.slots[0].id], children=1, add="child")
    page = client.post(f"/campus/{campus.id}/iscrivi", data=data).get_data(as_text=True)
    assert 'id="children-1-first_name"' in page
    assert db.session.scalar(select(db.func.count(Booking.id))) == 0


def test_the_family_adds_a_one_off_collector_and_withdraws_a_child(app, client, monkeypatch):
    campus = make_edition(capacity=12)
    response = client.post(f"/campus/{campus.id}/iscrivi", data=form_data([campus.slots[0].id]))
    family_url = response.headers["Location"]
    family = db.session.scalar(select(CampusFamily))
    day = FIRST_MONDAY + timedelta(days=2)
    response = client.post(
        family_url + "/delega",
        data={
            "oneoff-day": day.isoformat(),
            "oneoff-name": "Carla Verdi",
            "oneoff-relationship": "zia",
            "oneoff-document": "AY1234567",
        },
    )
    assert response.status_code == 303
    [one_off] = db.session.scalars(select(CampusCollector).where(CampusCollector.day.is_not(None)))
    assert (one_off.name, one_off.day) == ("Carla Verdi", day)
    marco = next(p for p in family.places if p.child.first_name == "Marco")
    response = client.post(f"{family_url}/ritira/{marco.id}")
    assert response.status_code == 303
    booking = db.session.scalar(select(Booking))
    db.session.refresh(booking)
    assert booking.quantity == 1


def test_an_unknown_family_token_is_not_found(app, client):
    assert client.get("/campus/famiglia/nope").status_code == 404


def test_the_confirmation_email_and_pdf_carry_a_qr_per_child_and_the_family_page(app, client):
    from centrale_booking.documents.emails import build_email
    from centrale_booking.outbox.models import OutboxMessage
    from tests.helpers import pdf_text

    campus = make_edition(capacity=12)
    client.post(f"/campus/{campus.id}/iscrivi", data=form_data([campus.slots[0].id]))
    family = db.session.scalar(select(CampusFamily))
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "confirmation"))
    email = build_email(message)
    text = email.get_body(("plain",)).get_content()
    assert f"/campus/famiglia/{family.manage_token}" in text
    assert "Giulia R." in text and "Marco R." in text
    [pdf] = [p for p in email.iter_attachments() if p.get_content_type() == "application/pdf"]
    content = pdf_text(pdf.get_content())
    assert "Giulia R." in content and "Marco R." in content


def test_the_blank_form_kept_between_families_still_follows_language_weeks_and_children(
    app, client
):
    campus = make_edition(weeks=2, capacity=12)
    first, second = campus.slots
    italian = client.get(f"/campus/{campus.id}").get_data(as_text=True)
    assert "Data di nascita" in italian and f'value="{second.id}"' in italian
    english = client.get(f"/campus/{campus.id}", headers=EN).get_data(as_text=True)
    assert "Date of birth" in english and "Data di nascita" not in english
    with transaction():
        second.closes_at = second.starts_at - timedelta(days=60)  # closed before NOON
    again = client.get(f"/campus/{campus.id}").get_data(as_text=True)
    assert f'name="week_ids" type="checkbox" value="{second.id}"' not in again
    assert f'value="{first.id}"' in again
    three = client.get(f"/campus/{campus.id}?figli=3").get_data(as_text=True)
    assert 'id="children-2-first_name"' in three and 'id="children-2-first_name"' not in again


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_each_family_gets_its_own_csrf_token_with_the_kept_form(app, client, app_config):
    campus = make_edition()
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    mine = token.findall(client.get(f"/campus/{campus.id}").get_data(as_text=True))
    theirs = token.findall(app.test_client().get(f"/campus/{campus.id}").get_data(as_text=True))
    assert len(mine) == len(theirs) == 1 and mine != theirs


def test_withdrawing_asks_first_then_the_place_goes_to_the_family_waiting(app, client):
    campus = make_edition(capacity=2)
    week = campus.slots[0]
    family_url = client.post(f"/campus/{campus.id}/iscrivi", data=form_data([week.id])).headers[
        "Location"
    ]
    waiting = form_data(
        [week.id],
        children=1,
        **{
            "parent-email": "anna@example.org",
            "children-0-first_name": "Luca",
            "children-0-tax_code": "",
        },
    )
    client.post(f"/campus/{campus.id}/iscrivi", data=waiting)
    first, second = db.session.scalars(select(Booking).order_by(Booking.id)).all()
    assert (first.status, second.status) == (S.confirmed, S.waitlisted)
    family = db.session.scalar(
        select(CampusFamily).where(CampusFamily.parent_email == "mario.rossi@example.org")
    )
    marco = next(p for p in family.places if p.child.first_name == "Marco")

    asked = client.get(f"{family_url}/ritira/{marco.id}", headers=EN)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Withdraw Marco from the week 28 December 2026 – 1 January 2027?" in page
    assert "the place goes to the first family on the waiting list" in page
    assert "Nothing changes for Giulia" in page and "Yes, withdraw Marco" in page
    assert asked.headers["Cache-Control"] == "private, no-store"
    db.session.refresh(first)
    assert first.quantity == 2 and marco.withdrawn_at is None  # asking changed nothing

    done = client.post(f"{family_url}/ritira/{marco.id}")
    assert done.status_code == 303 and done.headers["Location"].endswith(family_url)
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.quantity == 1 and second.status is S.offered
    again = client.get(f"{family_url}/ritira/{marco.id}")
    assert again.status_code == 303  # withdrawn already: back to the family page


def test_the_withdraw_page_says_when_it_is_too_late(app, client):
    campus = make_edition(cancel_deadline_hours=40 * 24)  # the deadline was before NOON
    family_url = client.post(
        f"/campus/{campus.id}/iscrivi", data=form_data([campus.slots[0].id], children=1)
    ).headers["Location"]
    place = db.session.scalar(select(CampusFamily)).places[0]
    page = client.get(f"{family_url}/ritira/{place.id}", headers=EN).get_data(as_text=True)
    assert "It is too late to withdraw a child online" in page and "Yes, withdraw" not in page
    response = client.post(f"{family_url}/ritira/{place.id}")
    db.session.refresh(place)
    assert response.status_code == 303 and place.withdrawn_at is None


def _three_children(week_ids, **changes):
    return form_data(
        week_ids,
        **{
            "children-2-first_name": "Pietro",
            "children-2-last_name": "Rossi",
            "children-2-birth_date": "2019-05-05",
        },
        **changes,
    )


def test_three_children_in_two_weeks_get_one_email_and_one_pdf_with_one_pass_each(
    app, client, tmp_path
):
    from centrale_booking.documents.emails import build_email
    from centrale_booking.outbox.models import OutboxMessage
    from tests.helpers import decoded_qr_codes, pdf_image_count, pdf_text

    campus = make_edition(weeks=2, capacity=12)
    client.post(f"/campus/{campus.id}/iscrivi", data=_three_children([s.id for s in campus.slots]))
    [message] = db.session.scalars(select(OutboxMessage)).all()  # one, for the family
    assert message.kind == "confirmation"
    email = build_email(message)
    text = email.get_body(("plain",)).get_content()
    # one QR per child, its caption naming both weeks, its code the child's pass
    assert text.count("Giulia R. · ") == 1 and text.count("Pietro R. · ") == 1
    passes = {c.first_name: c.pass_code for c in db.session.scalars(select(CampusChild))}
    assert (
        f"Giulia R. · 28 dicembre 2026 – 1 gennaio 2027, 4–8 gennaio 2027: {passes['Giulia']}"
        in text
    )
    assert "28 dicembre 2026 – 1 gennaio 2027: confermata (Giulia, Marco, Pietro)" in text
    assert "ritiralo o ritirala dalla settimana" in " ".join(text.split())
    images = [part for part in email.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 3  # three children, one pass each for both weeks
    [pdf] = [p for p in email.iter_attachments() if p.get_content_type() == "application/pdf"]
    content = pdf.get_content()
    assert pdf_image_count(content) == 3
    assert "4–8 gennaio 2027: confermata" in " ".join(pdf_text(content).split())
    decoded = decoded_qr_codes(content, tmp_path)
    if decoded is None:
        pytest.skip("zbarimg is not installed")
    assert sorted(decoded) == sorted(f"http://booking.test/t/{code}" for code in passes.values())


def test_a_family_waiting_for_every_week_gets_one_waiting_list_email_naming_them(app, client):
    from centrale_booking.documents.emails import build_email
    from centrale_booking.outbox.models import OutboxMessage

    campus = make_edition(weeks=2, capacity=1)
    client.post(f"/campus/{campus.id}/iscrivi", data=form_data([s.id for s in campus.slots]))
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.kind == "waitlisted"
    text = build_email(message).get_body(("plain",)).get_content()
    assert "28 dicembre 2026 – 1 gennaio 2027: in lista d'attesa (Giulia, Marco)" in text
    assert "4–8 gennaio 2027: in lista d'attesa (Giulia, Marco)" in text
    assert "Settimane: 28 dicembre 2026 – 1 gennaio 2027; 4–8 gennaio 2027" in text
    assert "Posti richiesti:" not in text


def test_a_withdrawal_gives_every_week_of_the_family_a_new_pdf(app, client):
    from centrale_booking.links import pdf_url
    from tests.helpers import pdf_image_count, pdf_text

    campus = make_edition(weeks=2, capacity=12)
    family_url = client.post(
        f"/campus/{campus.id}/iscrivi", data=form_data([s.id for s in campus.slots])
    ).headers["Location"]
    first, second = db.session.scalars(select(Booking).order_by(Booking.id)).all()
    pdf = pdf_url(first).removeprefix("http://booking.test")
    before = client.get(pdf).data
    assert "4–8 gennaio 2027: confermata (Giulia, Marco)" in " ".join(pdf_text(before).split())
    marco = next(
        p
        for p in db.session.scalar(select(CampusFamily)).places
        if p.child.first_name == "Marco" and p.booking_id == second.id
    )
    client.post(f"{family_url}/ritira/{marco.id}")
    after = client.get(pdf).data  # the first week's PDF, made again
    assert "4–8 gennaio 2027: confermata (Giulia)" in " ".join(pdf_text(after).split())
    assert pdf_image_count(after) == 2  # Marco keeps his pass, for the first week


def test_an_offer_accepted_on_the_shared_manage_page_updates_every_weeks_documents(app, client):
    from centrale_booking.campus.service import enrol, withdraw_child
    from centrale_booking.documents.emails import build_email
    from centrale_booking.extensions import utcnow
    from centrale_booking.links import manage_path, pdf_url
    from centrale_booking.outbox.models import OutboxMessage
    from tests.campus.helpers import NOW, a_child, an_enrolment
    from tests.helpers import pdf_text

    campus = make_edition(weeks=2, capacity=2)
    first_week, second_week = campus.slots
    with transaction():
        other = enrol(
            campus, an_enrolment([second_week], [a_child("Anna"), a_child("Luca")]), now=NOW
        )
    client.post(f"/campus/{campus.id}/iscrivi", data=form_data([s.id for s in campus.slots]))
    family = db.session.scalars(select(CampusFamily).order_by(CampusFamily.id.desc())).first()
    confirmed, waiting = sorted({p.booking for p in family.places}, key=lambda b: b.slot_id)
    assert (confirmed.status, waiting.status) == (S.confirmed, S.waitlisted)
    first_pdf = pdf_url(confirmed).removeprefix("http://booking.test")
    words = " ".join(pdf_text(client.get(first_pdf).data).split())  # made and kept
    assert "4–8 gennaio 2027: in lista d'attesa (Giulia, Marco)" in words
    for place in list(other.places):
        with transaction():
            withdraw_child(place, now=utcnow())  # two places free: offered to the family
    db.session.refresh(waiting)
    assert waiting.status is S.offered
    client.post(manage_path(waiting) + "/accetta")  # the shared page, not the campus's
    db.session.refresh(waiting)
    assert waiting.status is S.confirmed
    # the first week's PDF is made again: the second week confirmed, each pass for both
    words = " ".join(pdf_text(client.get(first_pdf).data).split())
    assert "4–8 gennaio 2027: confermata (Giulia, Marco)" in words
    # and the email of the accepted week shows the whole family's passes
    message = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.booking_id == waiting.id)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert message.kind == "confirmation"
    text = build_email(message).get_body(("plain",)).get_content()
    giulia = next(c for c in family.children if c.first_name == "Giulia")
    assert (
        f"Giulia R. · 28 dicembre 2026 – 1 gennaio 2027, 4–8 gennaio 2027: {giulia.pass_code}"
        in text
    )


def test_a_familys_email_and_pdf_name_every_week_not_the_first_ones_dates(app, client):
    from centrale_booking.documents.emails import build_email
    from centrale_booking.outbox.models import OutboxMessage
    from tests.helpers import pdf_text

    campus = make_edition(weeks=2, capacity=12)
    client.post(f"/campus/{campus.id}/iscrivi", data=_three_children([s.id for s in campus.slots]))
    [message] = db.session.scalars(select(OutboxMessage)).all()
    email = build_email(message)
    text = email.get_body(("plain",)).get_content()
    every_week = "Settimane: 28 dicembre 2026 – 1 gennaio 2027; 4–8 gennaio 2027"
    assert every_week in text
    assert "Quando:" not in text and "Prenotazione per:" not in text
    assert "Settimane" in email.get_body(("html",)).get_content()
    [pdf] = [p for p in email.iter_attachments() if p.get_content_type() == "application/pdf"]
    printed = " ".join(pdf_text(pdf.get_content()).split())
    assert "28 dicembre 2026 – 1 gennaio 2027; 4–8 gennaio 2027" in printed


def test_a_family_of_one_week_keeps_its_dates_and_places(app, client):
    from centrale_booking.documents.emails import build_email
    from centrale_booking.outbox.models import OutboxMessage

    campus = make_edition(weeks=2, capacity=12)
    client.post(f"/campus/{campus.id}/iscrivi", data=form_data([campus.slots[0].id]))
    [message] = db.session.scalars(select(OutboxMessage)).all()
    text = build_email(message).get_body(("plain",)).get_content()
    assert "Quando:" in text and "Prenotazione per: 2 bambini" in text
    assert "Settimane:" not in text
