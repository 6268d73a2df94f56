"""At the desk, by the campus's rules: check-in in the morning, check-out with the person
chosen among those allowed that day (a one-off one included), a child who may leave alone;
the day's register as a page and a PDF; health data seen by the roles that need it, on the
record each time."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.checkin import record_scan
from centrale_booking.booking.models import Direction
from centrale_booking.campus.service import (
    MayNotLeaveAlone,
    NotACollector,
    PersonData,
    add_one_off_collector,
    day_register,
    enrol,
    record_pickup,
)
from centrale_booking.clock import museum_time
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import FIRST_MONDAY, NOW, a_child, an_enrolment, make_edition
from tests.helpers import EN, pdf_text, sign_in


def morning():
    return museum_time(FIRST_MONDAY, time(8, 40))


def afternoon():
    return museum_time(FIRST_MONDAY, time(16, 20))


SECRET = "Allergia alle arachidi"


def _family(campus, children=None):
    children = children or [
        a_child("Giulia", allergies=SECRET),
        a_child("Marco", born=date(2017, 3, 3)),
    ]
    with transaction():
        return enrol(campus, an_enrolment(campus.slots, children), now=NOW)


def _ticket(family, name):
    return next(p for p in family.places if p.child.first_name == name).ticket


def _in(ticket, at=None):
    at = at or morning()
    with transaction():
        return record_scan(ticket, direction=Direction.inward, staff=None, scan_id=None, now=at)


def test_check_out_with_a_delegate_of_the_list(app):
    campus = make_edition()
    family = _family(campus)
    giulia = _ticket(family, "Giulia")
    assert _in(giulia).result == "ok"
    with transaction():
        pickup = record_pickup(
            giulia, "anna bianchi", staff=None, now=afternoon(), document_seen=True
        )
    assert (pickup.collector_name, pickup.collector_relationship) == ("Anna Bianchi", "nonna")
    [row] = [
        r for r in day_register(campus.slots[0], FIRST_MONDAY) if r.child.first_name == "Giulia"
    ]
    assert row.arrived_at == morning() and row.pickup.at == afternoon() and not row.still_here


def test_someone_not_on_the_list_cannot_collect_and_nothing_is_written(app):
    campus = make_edition()
    family = _family(campus)
    giulia = _ticket(family, "Giulia")
    _in(giulia)
    with pytest.raises(NotACollector), transaction():
        record_pickup(giulia, "Uno Sconosciuto", staff=None, now=afternoon())
    [row] = [
        r for r in day_register(campus.slots[0], FIRST_MONDAY) if r.child.first_name == "Giulia"
    ]
    assert row.still_here


def test_a_one_off_collector_counts_on_their_day_only(app):
    campus = make_edition()
    family = _family(campus)
    giulia = _ticket(family, "Giulia")
    tuesday = FIRST_MONDAY + timedelta(days=1)
    with transaction():
        add_one_off_collector(family, PersonData("Carla Verdi", "zia", "AY1234567"), tuesday)
    _in(giulia)
    with pytest.raises(NotACollector), transaction():
        record_pickup(giulia, "Carla Verdi", staff=None, now=afternoon())
    _in(giulia, museum_time(tuesday, time(8, 35)))
    with transaction():
        pickup = record_pickup(
            giulia, "Carla Verdi", staff=None, now=museum_time(tuesday, time(16, 0))
        )
    assert pickup.day == tuesday


def test_leaving_alone_only_for_a_child_allowed_to(app):
    campus = make_edition(leave_alone_min_age=10)
    family = _family(
        campus,
        [
            a_child("Luca", born=date(2016, 1, 1), leave_alone=True),
            a_child("Sara", born=date(2019, 1, 1)),
        ],
    )
    luca, sara = _ticket(family, "Luca"), _ticket(family, "Sara")
    _in(luca)
    _in(sara)
    with transaction():
        assert record_pickup(luca, None, staff=None, now=afternoon()).alone
    with pytest.raises(MayNotLeaveAlone), transaction():
        record_pickup(sara, None, staff=None, now=afternoon())


# --- The register and the health data ---------------------------------------------------


def test_education_sees_the_register_with_health_notes_and_each_is_audited(app, client):
    campus = make_edition()
    family = _family(campus)
    _in(_ticket(family, "Giulia"))
    staff = sign_in(client, Role.education)
    slot = campus.slots[0]
    page = client.get(f"/staff/campus/{slot.id}/registro?giorno={FIRST_MONDAY}", headers=EN)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and SECRET in html and "Absent" in html
    assert "Present: 1 of 2" in html
    pdf = client.get(f"/staff/campus/{slot.id}/registro.pdf?giorno={FIRST_MONDAY}", headers=EN)
    assert pdf.mimetype == "application/pdf" and "Rossi Giulia" in pdf_text(pdf.data)
    opened = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "campus.health_opened")
    ).all()
    assert [(a.staff_user_id, a.details["where"]) for a in opened] == [
        (staff.id, "register"),
        (staff.id, "register.pdf"),
    ]


def test_the_desk_sees_allergies_yes_and_opens_the_detail_on_purpose(app, client):
    campus = make_edition()
    family = _family(campus)
    giulia = _ticket(family, "Giulia")
    _in(giulia)
    desk = sign_in(client, Role.desk)
    slot = campus.slots[0]
    assert client.get(f"/staff/campus/{slot.id}/registro").status_code == 403
    html = client.get(
        f"/staff/accoglienza/campus/{slot.id}/ancora-qui?giorno={FIRST_MONDAY}", headers=EN
    ).get_data(as_text=True)
    assert "allergies: yes" in html and SECRET not in html
    assert db.session.scalar(select(db.func.count(AuditLog.id))) == 0
    child_id = family.children[0].id
    html = client.post(
        f"/staff/accoglienza/campus/{slot.id}/salute/{child_id}?giorno={FIRST_MONDAY}", headers=EN
    ).get_data(as_text=True)
    assert SECRET in html
    [entry] = db.session.scalars(select(AuditLog))
    assert (entry.staff_user_id, entry.target) == (desk.id, f"campus_child:{child_id}")


def test_anonymous_visitors_see_no_register(app, client):
    campus = make_edition()
    response = client.get(f"/staff/campus/{campus.slots[0].id}/registro")
    assert response.status_code in (302, 401)


def test_the_desk_checks_out_through_the_programme_protocol(app):
    campus = make_edition()
    family = _family(campus)
    giulia = _ticket(family, "Giulia")
    _in(giulia)
    programme = giulia.booking.slot.programme  # what desk/ holds: a Programme, any kind
    assert programme.checks_out
    with pytest.raises(NotACollector), transaction():
        programme.check_out(giulia, collector="Chi Sia", staff=None, now=afternoon())
    with transaction():
        scan = programme.check_out(
            giulia,
            collector="Mario Rossi",
            staff=None,
            now=afternoon(),
            document_seen=True,
            scan_id="desk-1-77",
            device="desk-1",
        )
    assert scan.direction is Direction.outward and scan.result == "ok"
    [row] = [
        r for r in day_register(campus.slots[0], FIRST_MONDAY) if r.child.first_name == "Giulia"
    ]
    assert row.pickup.collector_name == "Mario Rossi" and row.pickup.check_in_id == scan.id


def test_a_replayed_check_out_is_recorded_once(app):
    from centrale_booking.campus.models import CampusPickup

    campus = make_edition()
    family = _family(campus)
    giulia = _ticket(family, "Giulia")
    _in(giulia)
    for _ in range(2):
        with transaction():
            record_pickup(
                giulia, "Mario Rossi", staff=None, now=afternoon(), scan_id="s1", device="d"
            )
    assert db.session.scalar(select(db.func.count(CampusPickup.id))) == 1
