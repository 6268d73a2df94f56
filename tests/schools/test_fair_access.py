"""Fair access at the yearly rush: at most SCHOOL_MAX_BOOKINGS_PER_YEAR live bookings per
school (codice meccanografico) per school year, held atomically with the slot by the engine's
counters (booking/counters.py), on SQLite and PostgreSQL alike; given back by a cancellation
or an expired hold; the booking window per school year."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from centrale_booking.booking.counters import counter_taken
from centrale_booking.booking.engine import (
    cancel_booking,
    expire_holds,
    request_booking,
    request_bookings,
)
from centrale_booking.booking.errors import AlreadyBooked, BookingNotOpen
from centrale_booking.booking.models import Booking, Slot
from centrale_booking.booking.states import BookingStatus
from centrale_booking.clock import local
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.schools.models import GradeLevel, school_counter_key, school_year_of
from centrale_booking.schools.rules import ClassDetails, SchoolAtLimit
from centrale_booking.schools.service import book_class, confirm_class
from tests.booking.test_race import race, race_app, unexpected  # noqa: F401 (a fixture)
from tests.factories import a_contact, make_school_slot, make_slot

S = BookingStatus
SOON = timedelta(days=20)


def a_class(code="MIIC8AB00C", **changes) -> ClassDetails:
    details = ClassDetails(
        school_code=code,
        school_name="IC Via Rossi",
        city="Milano",
        class_name="3B",
        grade=GradeLevel.primaria,
        years=(3,),
        pupils=22,
        adults=2,
    )
    return replace(details, **changes)


def slots(n: int, **fields) -> list[Slot]:
    first = make_school_slot(starts_at=utcnow() + SOON, **fields)
    more = [
        make_slot(
            capacity=1, programme=first.programme, starts_at=first.starts_at + timedelta(hours=h)
        )
        for h in range(1, n)
    ]
    return [first, *more]


def key_of(slot: Slot, code="MIIC8AB00C") -> str:
    return school_counter_key(school_year_of(local(slot.starts_at).date()), code)


def hold(slot, details=None, *, now=None):
    with transaction():
        return book_class(slot, details or a_class(), a_contact(), now=now or utcnow())


def test_a_school_books_up_to_its_limit_then_is_refused_with_nothing_held(app):
    four = slots(4)
    for slot in four[:3]:
        hold(slot)
    with pytest.raises(SchoolAtLimit):
        hold(four[3])
    db.session.refresh(four[3])
    assert four[3].taken == 0
    assert counter_taken(key_of(four[0])) == 3
    assert db.session.scalar(select(db.func.count()).select_from(Booking)) == 3
    hold(four[3], a_class(code="MIEE8AB01D"))  # another school is not concerned


def test_the_limit_is_a_setting(app):
    app.config["SCHOOL_MAX_BOOKINGS_PER_YEAR"] = 1
    two = slots(2)
    hold(two[0])
    with pytest.raises(SchoolAtLimit):
        hold(two[1])


def test_a_cancelled_or_expired_booking_gives_its_turn_back(app):
    four = slots(4)
    first = hold(four[0])
    second = hold(four[1])
    third = hold(four[2])
    with transaction():
        cancel_booking(first, now=utcnow())
        confirm_class(second, now=utcnow())
    assert counter_taken(key_of(four[0])) == 2
    with transaction():
        assert expire_holds(now=third.hold_expires_at + timedelta(seconds=1)) == 1
    assert counter_taken(key_of(four[0])) == 1
    hold(four[3])
    hold(four[0])
    assert counter_taken(key_of(four[0])) == 3


def test_school_years_are_counted_apart(app):
    this_year = slots(3)
    for slot in this_year:
        hold(slot)
    next_year = make_slot(
        capacity=1, programme=this_year[0].programme, starts_at=utcnow() + timedelta(days=400)
    )
    assert key_of(next_year) != key_of(this_year[0])
    hold(next_year)


def test_several_slots_in_one_request_hold_the_counter_after_every_slot(app):
    four = slots(4)
    with pytest.raises(SchoolAtLimit), transaction():
        request_bookings(
            [(s, 1, a_class()) for s in reversed(four)],
            a_contact(),
            now=utcnow(),
            all_or_nothing=True,
            confirm=False,
        )
    assert [db.session.get(Slot, s.id).taken for s in four] == [0, 0, 0, 0]
    assert counter_taken(key_of(four[0])) == 0


def test_the_booking_window_of_the_school_year_is_kept(app):
    opens = utcnow() + timedelta(days=2)
    slot = make_school_slot(starts_at=utcnow() + SOON, opens_at=opens)
    with pytest.raises(BookingNotOpen):
        hold(slot)
    hold(slot, now=opens + timedelta(minutes=1))


def test_a_school_whose_teachers_rush_together_cannot_pass_its_limit(app, race_app):  # noqa: F811
    """12 teachers of one school, and 12 of another, at once for 24 slots: each school gets
    exactly its 3, on either database, and every other teacher a clear refusal."""
    many = slots(24)
    ids = [s.id for s in many]
    inputs = [(ids[i], "MIIC8AB00C" if i % 2 else "MIEE8AB01D") for i in range(24)]

    def prepare(item):
        slot_id, code = item
        return db.session.get(Slot, slot_id), code

    def act(prepared):
        slot, code = prepared
        with transaction():
            booking = request_booking(
                slot, 1, a_contact(), now=utcnow(), confirm=False, details=a_class(code)
            )
        return code, booking.status

    outcomes = race(race_app, inputs, prepare, act)
    assert unexpected(outcomes, allowed=(SchoolAtLimit,)) == []
    assert Tally(outcomes.results) == {
        ("MIIC8AB00C", S.pending): 3,
        ("MIEE8AB01D", S.pending): 3,
    }
    assert len(outcomes.errors) == 18
    assert counter_taken(key_of(many[0], "MIIC8AB00C")) == 3
    assert counter_taken(key_of(many[0], "MIEE8AB01D")) == 3
    taken = db.session.scalars(select(Slot.taken).where(Slot.id.in_(ids))).all()
    assert sum(taken) == 6 and max(taken) == 1


# --- One live booking per class per slot (the schools' "same person") --------------------


def test_the_same_class_of_the_same_school_cannot_hold_a_slot_twice(app):
    [slot] = slots(1, capacity=3)
    first = hold(slot)
    with pytest.raises(AlreadyBooked), transaction():
        book_class(slot, a_class(class_name=" 3 b "), a_contact(), now=utcnow())
    assert db.session.scalars(select(Booking.id).where(Booking.slot_id == slot.id)).all() == [
        first.id
    ]
    # Another class of the school, and the same class name in another school, are welcome.
    assert hold(slot, a_class(class_name="3C")).status is S.pending
    assert hold(slot, a_class(code="MIIC8AB11D")).status is S.pending


def test_a_class_confirmation_says_once_until_when_it_can_be_cancelled(app):
    from flask_babel import force_locale

    from centrale_booking.documents.emails import build_email
    from centrale_booking.outbox.models import OutboxMessage

    [slot] = slots(1)
    booking = hold(slot)
    with transaction():
        confirm_class(db.session.get(Booking, booking.id), now=utcnow())
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.booking_id == booking.id, OutboxMessage.kind == "confirmation"
        )
    )
    message.language = "en"
    with force_locale("en"):
        text = build_email(message).get_body(("plain",)).get_content()
    assert text.count("Until ") == 1 and "or cancel, from your booking page" in text
    assert "someone else can have the places" not in text  # a class is not "places"


def test_a_class_booked_and_confirmed_at_once_gets_its_class_ticket(app):
    # The staff (or the demo) confirm at once: the ticket is named from the request's details.
    from centrale_booking.booking.engine import Contact

    [slot] = slots(1)
    with transaction():
        booking = request_booking(
            slot, 1, Contact("Anna Verdi", "anna@scuola.example"), now=utcnow(), details=a_class()
        )
    assert booking.status is S.confirmed
    assert [t.holder_label for t in booking.tickets] == ["3B · IC Via Rossi"]
