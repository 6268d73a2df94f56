"""The education staff create, edit and publish campus editions and their weeks: messages next
to the fields, nothing saved when refused, every change on the audit log, the booked weeks
kept as the families were promised."""

from __future__ import annotations

from datetime import date, time
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.models import Slot
from centrale_booking.booking.states import BookingStatus
from centrale_booking.campus.models import Audience, Campus
from centrale_booking.campus.service import enrol
from centrale_booking.clock import local, museum_time
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import FIRST_MONDAY, NOW, a_child, an_enrolment, make_edition
from tests.helpers import EN, Page, sign_in

S = BookingStatus


def edition_data(**changes):
    data = {
        "title_it": "Campus d'estate 2027",
        "title_en": "Summer campus 2027",
        "season": "summer",
        "closure_starts": "2027-06-09",
        "closure_ends": "2027-09-10",
        "closed_days": "",
        "audience": "ages",
        "min_age": "6",
        "max_age": "11",
        "min_class": "P1",
        "max_class": "P5",
        "fee_it": "120 € a settimana",
        "bring_it": "Borraccia, cappellino",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "",
        "withdraw_days": "7",
        "offer_hours": "48",
        "max_per_booking": "4",
        "weeks-0-first_day": "2027-06-14",
        "weeks-0-last_day": "2027-06-18",
        "weeks-0-starts": "08:30",
        "weeks-0-ends": "16:30",
        "weeks-0-capacity": "40",
        "weeks-1-first_day": "2027-06-21",
        "weeks-1-last_day": "2027-06-25",
        "weeks-1-starts": "08:30",
        "weeks-1-ends": "16:30",
        "weeks-1-capacity": "30",
        "publish": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def error_of(html: str, field_id: str) -> str:
    return Page(html).by_id[f"{field_id}-error"]["text"]


def test_the_education_staff_create_an_edition_with_its_weeks(app, client):
    sign_in(client, Role.education)
    assert client.get("/staff/campus/nuova").status_code == 200
    response = client.post("/staff/campus/nuova", data=edition_data())
    assert response.status_code == 303
    campus = db.session.scalar(select(Campus))
    assert (campus.title_it, campus.published, campus.audience) == (
        "Campus d'estate 2027",
        True,
        Audience.ages,
    )
    assert campus.cancel_deadline_hours == 7 * 24 and campus.offer_hours == 48
    first, second = campus.slots
    assert local(first.starts_at).isoformat() == "2027-06-14T08:30:00+02:00"
    assert local(first.ends_at).isoformat() == "2027-06-18T16:30:00+02:00"
    assert (first.capacity, second.capacity) == (40, 30)
    assert first.opens_at == museum_time(first.starts_at.date().replace(month=3, day=1), time(9))
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "campus.created"))
    assert entry.target == f"campus:{campus.id}" and entry.details["weeks"] == 2
    # and the families see it
    assert "Campus d&#39;estate 2027" in client.get("/campus/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"title_it": ""}, "title_it", "Please give the title in Italian."),
        ({"closure_ends": "2027-06-01"}, "closure_ends", "The closure must end on or after"),
        ({"max_age": "5"}, "max_age", "At least the youngest age, please."),
        ({"min_age": "2"}, "min_age", "Between 3 and 17 years."),
        ({"closed_days": "32/13/2027"}, "closed_days", "“32/13/2027” is not a date"),
        ({"weeks-0-last_day": "2027-06-13"}, "weeks-0-last_day", "on or after the first"),
        ({"weeks-0-last_day": "2027-06-28"}, "weeks-0-last_day", "at most 7 days"),
        ({"weeks-0-ends": "08:00"}, "weeks-0-ends", "The day must end after it starts."),
        ({"weeks-0-capacity": "0"}, "weeks-0-capacity", "Between 1 and 500 children."),
        ({"weeks-0-capacity": "x"}, "weeks-0-capacity", ""),
        (
            {"weeks-1-first_day": "2027-09-13", "weeks-1-last_day": "2027-09-17"},
            "weeks-1-first_day",
            "within the schools'",
        ),
        ({"opens_at": "2027-06-15T09:00"}, "weeks-0-first_day", "must open before the week"),
        ({"closes_at": "2027-02-01T09:00"}, "closes_at", "must close after it opens"),
        ({"opens_at": "2027-03-28T02:30"}, "opens_at", "the clocks change"),
        ({"audience": "classes", "max_class": "I5"}, "max_class", "from the first one on"),
        ({"withdraw_days": "99999999999999999999999"}, "withdraw_days", ""),
        ({"opens_at": "0001-01-01T00:30"}, "opens_at", "between 2020 and 2100"),
        ({"weeks-0-first_day": "9999-12-31"}, "weeks-0-first_day", "between 2020 and 2100"),
    ],
)
def test_what_is_wrong_is_said_next_to_its_field_and_nothing_is_saved(
    app, client, changes, field_id, message
):
    sign_in(client, Role.education)
    response = client.post("/staff/campus/nuova", data=edition_data(**changes), headers=EN)
    assert response.status_code == 422
    assert message in error_of(response.get_data(as_text=True), field_id)
    assert db.session.scalar(select(db.func.count(Campus.id))) == 0
    assert db.session.scalar(select(db.func.count(AuditLog.id))) == 0


def test_the_last_week_cannot_be_removed_and_a_week_can_be_added_on_the_page(app, client):
    sign_in(client, Role.education)
    data = edition_data(**{"weeks-0-remove": "y", "weeks-1-remove": "y"})
    response = client.post("/staff/campus/nuova", data=data, headers=EN)
    assert response.status_code == 422
    assert "An edition needs at least one week." in response.get_data(as_text=True)
    grown = client.post("/staff/campus/nuova", data=edition_data(add="week"), headers=EN)
    assert grown.status_code == 200 and 'id="weeks-2-first_day"' in grown.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Campus.id))) == 0


CLOSURE = {"closure_starts": date(2026, 12, 24), "closure_ends": date(2027, 1, 8)}


def _booked_edition():
    campus = make_edition(weeks=2, capacity=3, **CLOSURE)
    with transaction():
        enrol(campus, an_enrolment([campus.slots[0]], [a_child(), a_child("Marco")]), now=NOW)
    return campus


class FormValues(HTMLParser):
    """What a browser would send back from the page's form, untouched."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._select = self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "y")
            else:
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a):
            self.values[self._select] = a["value"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += (
                data.lstrip("\n") if not self.values[self._textarea] else data
            )


def _form_of(client, campus) -> dict:
    html = client.get(f"/staff/campus/{campus.id}/modifica").get_data(as_text=True)
    return FormValues(html).values


def test_editing_keeps_a_booked_weeks_days_and_places_and_is_audited(app, client):
    campus = _booked_edition()
    sign_in(client, Role.education)
    data = _form_of(client, campus)
    assert data["weeks-0-first_day"] == FIRST_MONDAY.isoformat()
    moved = {**data, "weeks-0-first_day": "2026-12-29"}
    response = client.post(f"/staff/campus/{campus.id}/modifica", data=moved, headers=EN)
    assert response.status_code == 422
    assert "its days and hours cannot change here" in error_of(
        response.get_data(as_text=True), "weeks-0-first_day"
    )
    fewer = {**data, "weeks-0-capacity": "1"}
    html = client.post(f"/staff/campus/{campus.id}/modifica", data=fewer, headers=EN).get_data(
        as_text=True
    )
    assert "2 places are taken already" in error_of(html, "weeks-0-capacity")
    assert 'id="weeks-0-remove"' not in html  # a booked week offers no removal
    renamed = {**data, "title_it": "Campus di Natale 2026", "weeks-1-capacity": "12"}
    assert client.post(f"/staff/campus/{campus.id}/modifica", data=renamed).status_code == 303
    db.session.refresh(campus)
    assert campus.title_it == "Campus di Natale 2026" and campus.slots[1].capacity == 12
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "campus.updated"))
    assert entry.details["changes"]["title_it"][1] == "Campus di Natale 2026"
    assert entry.details["changes"]["weeks_changed"] == [f"{campus.slots[1].id}.capacity"]


def test_more_places_in_a_full_week_go_to_the_family_waiting(app, client):
    campus = make_edition(capacity=1, **CLOSURE)
    week = campus.slots[0]
    with transaction():
        enrol(campus, an_enrolment([week]), now=NOW)
        waiting = enrol(
            campus,
            an_enrolment([week], [a_child("Luca")], parent_email="anna@example.org"),
            now=NOW,
        )
    sign_in(client, Role.education)
    data = {**_form_of(client, campus), "weeks-0-capacity": "2"}
    assert client.post(f"/staff/campus/{campus.id}/modifica", data=data).status_code == 303
    [booking] = {p.booking for p in waiting.places}
    db.session.refresh(booking)
    assert booking.status is S.offered


def test_a_week_nobody_is_enrolled_in_is_removed_and_one_is_added(app, client):
    campus = _booked_edition()
    sign_in(client, Role.education)
    data = {
        **_form_of(client, campus),
        "weeks-1-remove": "y",
        "weeks-2-first_day": "2027-01-11",
        "weeks-2-last_day": "2027-01-15",
        "weeks-2-starts": "09:00",
        "weeks-2-ends": "16:00",
        "weeks-2-capacity": "20",
    }
    data["closure_ends"] = "2027-01-15"
    response = client.post(f"/staff/campus/{campus.id}/modifica", data=data)
    assert response.status_code == 303
    slots = db.session.scalars(
        select(Slot).where(Slot.programme_id == campus.id).order_by(Slot.starts_at)
    ).all()
    assert [s.capacity for s in slots] == [3, 20]
    assert local(slots[1].starts_at).isoformat() == "2027-01-11T09:00:00+01:00"


def test_publish_and_hide_are_buttons_on_the_list_and_audited(app, client):
    campus = make_edition(published=False)
    sign_in(client, Role.education)
    listing = client.get("/staff/campus/", headers=EN).get_data(as_text=True)
    assert "Not public" in listing and f"/staff/campus/{campus.id}/pubblica" in listing
    assert client.get(f"/campus/{campus.id}").status_code == 404
    assert client.post(f"/staff/campus/{campus.id}/pubblica").status_code == 303
    assert client.get(f"/campus/{campus.id}").status_code == 200
    assert client.post(f"/staff/campus/{campus.id}/nascondi").status_code == 303
    assert client.get(f"/campus/{campus.id}").status_code == 404
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["campus.published", "campus.unpublished"]


def test_hiding_an_edition_with_families_asks_first_saying_what_happens_to_them(app, client):
    campus = make_edition(weeks=2, capacity=2)
    first, second = campus.slots
    children = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    with transaction():
        enrol(campus, an_enrolment([first, second], children), now=NOW)
        enrol(campus, an_enrolment([second], [a_child("Anna")]), now=NOW)  # waiting
    sign_in(client, Role.education)
    asked = client.post(f"/staff/campus/{campus.id}/nascondi", headers=EN)
    assert asked.status_code == 200  # the question, nothing changed
    page = " ".join(asked.get_data(as_text=True).split())
    assert "Hide “Christmas campus” from the public?" in page
    assert "2 families are enrolled: 4 places of children confirmed, 1 waiting." in page
    assert "are not told anything" in page and "still offered to them" in page
    assert client.get(f"/staff/campus/{campus.id}/nascondi", headers=EN).status_code == 200
    db.session.refresh(campus)
    assert campus.published and client.get(f"/campus/{campus.id}").status_code == 200
    assert db.session.scalar(select(AuditLog.action)) is None
    done = client.post(f"/staff/campus/{campus.id}/nascondi", data={"confirmed": "yes"})
    assert done.status_code == 303
    db.session.refresh(campus)
    assert not campus.published and client.get(f"/campus/{campus.id}").status_code == 404
    assert db.session.scalars(select(AuditLog.action)).all() == ["campus.unpublished"]


def test_the_question_before_hiding_reads_in_italian(app, client):
    campus = make_edition()
    with transaction():
        enrol(campus, an_enrolment(campus.slots, [a_child("Giulia")]), now=NOW)
    sign_in(client, Role.education)
    page = " ".join(
        client.get(f"/staff/campus/{campus.id}/nascondi").get_data(as_text=True).split()
    )
    assert "Nascondere «Campus di Natale» al pubblico?" in page
    assert "1 famiglia è iscritta: 1 posto confermato." in page
    assert "Sì, nascondila" in page


def test_the_question_before_hiding_an_edition_nobody_enrolled_in_says_so(app, client):
    campus = make_edition()
    sign_in(client, Role.education)
    page = " ".join(
        client.get(f"/staff/campus/{campus.id}/nascondi", headers=EN).get_data(as_text=True).split()
    )
    assert "No family is enrolled." in page
    assert "families are enrolled" not in page and "contact the families" not in page
    italian = client.get(f"/staff/campus/{campus.id}/nascondi").get_data(as_text=True)
    assert "Nessuna famiglia è iscritta." in italian and "0 famiglie" not in italian


def test_the_desk_may_not_edit_editions(app, client):
    campus = make_edition()
    sign_in(client, Role.desk)
    assert client.get("/staff/campus/nuova").status_code == 403
    edited = client.post(f"/staff/campus/{campus.id}/modifica", data=edition_data())
    assert edited.status_code == 403
    assert client.post(f"/staff/campus/{campus.id}/nascondi").status_code == 403
