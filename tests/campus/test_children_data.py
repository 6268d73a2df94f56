"""Children's data guarded: health notes unreadable in the database, a new key without
downtime, the door told only "allergie: sì", every opening of health data audited, and the
purge that leaves only anonymous counts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select, text

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.checkin import record_scan
from centrale_booking.booking.models import Booking, Direction
from centrale_booking.campus.models import Campus, CampusChild, CampusCollector, CampusPlace
from centrale_booking.campus.service import (
    PersonData,
    add_one_off_collector,
    day_register,
    enrol,
    open_health,
    purge_personal_data,
)
from centrale_booking.db_types import keys_path
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import FIRST_MONDAY, NOW, a_child, an_enrolment, make_edition
from tests.factories import make_staff

SECRET = "Allergia grave alle arachidi, EpiPen nello zaino"


def _family(campus, **fields):
    children = [
        a_child("Giulia", allergies=SECRET, medical_notes="Asma lieve"),
        a_child("Marco", born=date(2017, 3, 3)),
    ]
    with transaction():
        family = enrol(campus, an_enrolment(campus.slots, children, **fields), now=NOW)
    return family


def test_health_notes_are_not_in_the_database_in_clear(app, engine_name):
    campus = make_edition()
    _family(campus)
    db.session.remove()
    raw = db.session.execute(text("SELECT allergies, medical_notes FROM campus_child")).all()
    assert all(SECRET not in (a or "") and "Asma" not in (m or "") for a, m in raw)
    assert raw[0][0].startswith("gAAAAA")  # a Fernet token
    if engine_name == "sqlite":
        db.engine.dispose()  # the WAL checkpointed into the file
        path = Path(db.engine.url.database)
        data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())
        assert b"arachidi" not in data and b"Asma lieve" not in data
        assert b"Giulia" in data  # the test reads the right file
    child = db.session.scalar(select(CampusChild).where(CampusChild.first_name == "Giulia"))
    assert child.allergies == SECRET


def test_the_keys_file_is_private(app):
    make_edition()
    assert keys_path().stat().st_mode & 0o777 == 0o600


def test_rotate_key_encrypts_again_and_the_old_key_can_go(app):
    campus = make_edition()
    _family(campus)
    before = db.session.execute(text("SELECT allergies FROM campus_child")).scalars().all()
    old_keys = keys_path().read_text()
    try:
        result = app.test_cli_runner().invoke(args=["campus", "rotate-key", "--retire"])
        assert result.exit_code == 0, result.output
        assert "2 children" in result.output
        after = db.session.execute(text("SELECT allergies FROM campus_child")).scalars().all()
        assert set(before).isdisjoint(after)
        assert len(keys_path().read_text().split()) == 1 and keys_path().read_text() != old_keys
        db.session.remove()
        child = db.session.scalar(select(CampusChild).where(CampusChild.first_name == "Giulia"))
        assert child.allergies == SECRET
    finally:
        # The other tests' rows were written with the old key; the new one reads them too.
        keys_path().write_text(keys_path().read_text() + old_keys)


# --- At the door --------------------------------------------------------------------------


def _ticket_of(family, first_name):
    place = next(p for p in family.places if p.child.first_name == first_name)
    return place.ticket


def test_the_door_label_says_only_whether_there_are_allergies(app):
    campus = make_edition()
    family = _family(campus)
    with force_locale("it"):
        label = campus.door_label(_ticket_of(family, "Giulia"), "it")
    assert label.startswith("Giulia R., ") and label.endswith("anni — allergie: sì")
    assert SECRET not in label
    with force_locale("en"):
        assert campus.door_label(_ticket_of(family, "Marco"), "en").endswith("allergies: no")


def test_companions_are_the_siblings_of_the_same_day(app):
    campus = make_edition()
    family = _family(campus)
    giulia, marco = _ticket_of(family, "Giulia"), _ticket_of(family, "Marco")
    assert campus.companions(giulia, FIRST_MONDAY) == [marco]
    assert campus.companions(giulia, FIRST_MONDAY + timedelta(days=7)) == []
    assert campus.checks_out is True


def test_collectors_are_the_delegates_and_that_days_one_off_person(app):
    campus = make_edition()
    family = _family(campus)
    ticket = _ticket_of(family, "Giulia")
    with transaction():
        add_one_off_collector(family, PersonData("Zia Carla", "zia", "CA000111"), FIRST_MONDAY)
    names = [c.name for c in campus.collectors(ticket, FIRST_MONDAY)]
    assert names == ["Mario Rossi", "Anna Bianchi", "Zia Carla"]
    tuesday = FIRST_MONDAY + timedelta(days=1)
    assert [c.name for c in campus.collectors(ticket, tuesday)] == ["Mario Rossi", "Anna Bianchi"]


def test_leaving_alone_needs_the_age_the_museum_allows_and_the_parents_yes(app):
    campus = make_edition(leave_alone_min_age=10)
    old = a_child("Luca", born=date(2016, 1, 1), leave_alone=True)
    young = a_child("Sara", born=date(2019, 1, 1), leave_alone=True)
    unasked = a_child("Pia", born=date(2016, 1, 1))
    with transaction():
        family = enrol(campus, an_enrolment(campus.slots, [old, young, unasked]), now=NOW)
    assert [campus.may_leave_alone(_ticket_of(family, n)) for n in ("Luca", "Sara", "Pia")] == [
        True,
        False,
        False,
    ]


# --- Health data, on purpose and on the record --------------------------------------------


def test_every_opening_of_health_data_is_audited(app):
    campus = make_edition()
    family = _family(campus)
    staff = make_staff(Role.education)
    giulia = family.children[0]
    with transaction():
        notes = open_health(giulia, by=staff, now=NOW, where="register")
    assert notes["allergies"] == SECRET
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "campus.health_opened"))
    assert (entry.staff_user_id, entry.target, entry.at) == (
        staff.id,
        f"campus_child:{giulia.id}",
        NOW,
    )


# --- The purge ----------------------------------------------------------------------------


def test_purge_removes_personal_data_after_the_edition_and_keeps_counts(app):
    campus = make_edition()
    campus_id = campus.id
    family = _family(campus)
    giulia = _ticket_of(family, "Giulia")
    with transaction():
        record_scan(giulia, direction=Direction.inward, staff=None, scan_id=None, now=NOW)
    last_day = campus.slots[-1].ends_at
    with transaction():
        assert purge_personal_data(now=last_day + timedelta(days=29)) == 0
    with transaction():
        assert purge_personal_data(now=last_day + timedelta(days=31)) == 1
    with transaction():
        assert purge_personal_data(now=last_day + timedelta(days=32)) == 0  # daily: once
    db.session.remove()
    children = db.session.scalars(select(CampusChild)).all()
    assert all(c.last_name == "" and c.birth_date is None and c.allergies == "" for c in children)
    assert db.session.scalar(select(db.func.count(CampusCollector.id))) == 0
    booking = db.session.scalar(select(Booking))
    assert booking.contact_email == "" and booking.contact_name == ""
    ages = sorted(db.session.scalars(select(CampusPlace.age)))
    assert ages == [8, 9]  # anonymous counts: ages, weeks, attendance
    week = db.session.get(Campus, campus_id).slots[0]
    rows = day_register(week, FIRST_MONDAY)
    assert len(rows) == 2
    raw = db.session.execute(text("SELECT parent_name, parent_tax_code FROM campus_family")).all()
    assert raw == [("", "")]


def test_purge_personal_data_command(app):
    result = app.test_cli_runner().invoke(args=["purge-personal-data"])
    assert result.exit_code == 0 and "0 families" in result.output
