"""Families enrolling at once into the same weeks, in opposite orders, together and apart, on
SQLite and on PostgreSQL: no deadlock, no week above capacity, each family's week one unit
(together: all its children confirmed or all waiting), the counts exact."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from centrale_booking.booking.engine import places_held
from centrale_booking.booking.models import Booking
from centrale_booking.booking.states import BookingStatus
from centrale_booking.campus.models import Campus, CampusPlace
from centrale_booking.campus.service import enrol, family_bookings
from centrale_booking.extensions import db, transaction
from tests.booking.test_race import race, race_app, unexpected  # noqa: F401 (a fixture)
from tests.campus.helpers import NOW, a_child, an_enrolment, make_edition

S = BookingStatus


def test_families_racing_for_three_weeks_in_opposite_orders(app, race_app):  # noqa: F811
    campus = make_edition(weeks=3, capacity=7)
    week_ids = [s.id for s in campus.slots]
    families = [(n, week_ids if n % 2 else list(reversed(week_ids)), n % 3 != 0) for n in range(18)]

    def prepare(item):
        n, weeks, together = item
        kids = [a_child(f"A{n}"), a_child(f"B{n}", born=date(2017, 3, 3))]
        enrolment = an_enrolment([], kids, together=together, week_ids=weeks)
        return db.session.get(Campus, campus.id), enrolment

    def act(prepared):
        racing_campus, enrolment = prepared
        with transaction():
            family = enrol(racing_campus, enrolment, now=NOW)
        return family.id

    outcomes = race(race_app, families, prepare, act)
    assert unexpected(outcomes) == []
    assert len(outcomes.results) == 18
    for slot in campus.slots:
        db.session.refresh(slot)
        assert slot.taken == places_held(slot) <= slot.capacity
        # 18 families of 2 want it: full, or one place left that a family of two waiting
        # together cannot use (a family apart that read it as taken waits instead).
        assert slot.taken in (6, 7)
    # A family that asked to stay together has, per week, one request of both children.
    for family_id in outcomes.results:
        places = db.session.scalars(
            select(CampusPlace).where(CampusPlace.family_id == family_id)
        ).all()
        by_booking = {}
        for place in places:
            by_booking.setdefault(place.booking_id, []).append(place)
        family = places[0].family
        for booking in family_bookings(family):
            if family.siblings_together:
                assert booking.quantity == 2 and len(by_booking[booking.id]) == 2
            assert booking.status in (S.confirmed, S.waitlisted)
    waiting = db.session.scalars(
        select(Booking).where(Booking.status == S.waitlisted).order_by(Booking.created_at)
    ).all()
    assert waiting  # some wait
