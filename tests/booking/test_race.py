"""Races: many workers at once, each in its own thread with its own app context, session and
connection (NullPool), started together on a barrier, on SQLite and on PostgreSQL.

What must hold whatever the interleaving: no place held twice or lost (taken = the places the
bookings hold, never above capacity), nobody promoted twice, every worker answered with a
booking or with a refusal of the engine, never with a database error ("database is locked")."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import NullPool

from centrale_booking import create_app
from centrale_booking.booking.checkin import record_scan
from centrale_booking.booking.engine import (
    Contact,
    cancel_booking,
    places_held,
    request_booking,
    request_bookings,
)
from centrale_booking.booking.errors import AlreadyBooked, BookingError, NotAllAvailable
from centrale_booking.booking.models import Booking, CheckIn, Direction, Slot, Ticket
from centrale_booking.booking.states import BookingStatus
from centrale_booking.extensions import db, transaction
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import NOON, a_contact, make_slot

S = BookingStatus

# What a worker that loses a race may be told: a refusal of the engine, or "changed meanwhile"
# (the version check; errors.py answers it as BookingChanged).
REFUSALS = (BookingError, StaleDataError)


@dataclass
class Outcomes:
    results: list = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, result=None, error: BaseException | None = None) -> None:
        with self.lock:
            if error is None:
                self.results.append(result)
            else:
                self.errors.append(error)


@pytest.fixture
def race_app(app):
    """An app on the same database as `app`, with one connection per session and no pool:
    each worker thread really has its own connection."""
    overrides = {
        "TESTING": True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
        "LOG_REQUESTS": False,
    }
    racing = create_app(overrides)
    yield racing
    with racing.app_context():
        db.engine.dispose()


def race(race_app, inputs, prepare, act) -> Outcomes:
    """One thread per input: prepare(input) in its own app context (reading what it needs, as
    a view does), then all wait on the barrier, then act(prepared). Returns what each act
    returned or raised."""
    outcomes = Outcomes()
    barrier = threading.Barrier(len(inputs))

    def worker(item):
        with race_app.app_context():
            try:
                prepared = prepare(item)
            except BaseException as exc:
                outcomes.add(error=exc)
                barrier.abort()
                return
            try:
                barrier.wait(timeout=60)
                outcomes.add(act(prepared))
            except BaseException as exc:
                outcomes.add(error=exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(item,)) for item in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker never finished"
    db.session.commit()  # the test's own read transaction, begun before: see what came after
    return outcomes


def unexpected(outcomes: Outcomes, allowed=()) -> list[str]:
    return [repr(e) for e in outcomes.errors if not isinstance(e, allowed)]


def fresh(obj):
    db.session.refresh(obj)
    return obj


# 200 people, 50 places ----------------------------------------------------------------------


def test_200_people_asking_at_once_for_50_places_get_exactly_50(app, race_app):
    slot = make_slot(capacity=50)
    started = time.monotonic()

    def prepare(_):
        return db.session.get(Slot, slot.id)  # as the view loads it, in a read transaction

    def book(racing_slot):
        with transaction():
            booking = request_booking(racing_slot, 1, a_contact(), now=NOON)
        return booking.status

    outcomes = race(race_app, range(200), prepare, book)

    assert unexpected(outcomes) == []  # none at all: not even "database is locked"
    assert Counter(outcomes.results) == {S.confirmed: 50, S.waitlisted: 150}
    assert fresh(slot).taken == 50 == places_held(slot)
    statuses = dict(
        db.session.execute(
            select(Booking.status, func.count())
            .where(Booking.slot_id == slot.id)
            .group_by(Booking.status)
        ).all()
    )
    assert statuses == {S.confirmed: 50, S.waitlisted: 150}
    confirmed_seats = db.session.scalar(
        select(func.sum(Booking.quantity)).where(
            Booking.slot_id == slot.id, Booking.status == S.confirmed
        )
    )
    assert confirmed_seats == fresh(slot).taken
    assert count(Ticket, slot) == 50
    assert count(OutboxMessage, slot) == 200  # 50 confirmations, 150 "you are waiting"
    assert time.monotonic() - started < 20


def count(model, slot) -> int:
    return db.session.scalar(
        select(func.count(model.id))
        .join(Booking, Booking.id == model.booking_id)
        .where(Booking.slot_id == slot.id)
    )


# Cancelling -----------------------------------------------------------------------------------


def test_the_same_booking_cancelled_at_once_by_many_is_cancelled_once(app, race_app):
    slot = make_slot(capacity=5)
    with transaction():
        booking = request_booking(slot, 2, a_contact(), now=NOON)
    assert fresh(slot).taken == 2

    def prepare(_):
        return db.session.get(Booking, booking.id)

    def cancel(racing_booking):
        with transaction():
            cancel_booking(racing_booking, now=NOON)
        return "cancelled"

    outcomes = race(race_app, range(20), prepare, cancel)

    assert outcomes.results == ["cancelled"]  # exactly one succeeds
    assert len(outcomes.errors) == 19
    assert unexpected(outcomes, REFUSALS) == []
    assert fresh(slot).taken == 0 == places_held(slot)  # given back once
    assert fresh(booking).status is S.cancelled and booking.version == 2
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.booking_id == booking.id)
    ).all()
    assert sorted(kinds) == ["cancellation", "confirmation"]


def test_cancellations_at_once_promote_each_waiting_booking_at_most_once(app, race_app):
    slot = make_slot(capacity=10)
    with transaction():
        holders = [request_booking(slot, 1, a_contact(), now=NOON) for _ in range(10)]
    with transaction():
        waiting = [request_booking(slot, 1, a_contact(), now=NOON) for _ in range(15)]
    assert {b.status for b in holders} == {S.confirmed}
    assert {b.status for b in waiting} == {S.waitlisted}

    def prepare(booking_id):
        return db.session.get(Booking, booking_id)

    def cancel(racing_booking):
        with transaction():
            cancel_booking(racing_booking, now=NOON)
        return racing_booking.id

    outcomes = race(race_app, [b.id for b in holders], prepare, cancel)

    assert unexpected(outcomes, REFUSALS) == []
    cancelled = len(outcomes.results)
    assert cancelled >= 1
    promoted = [b for b in waiting if fresh(b).status is S.confirmed]
    assert len(promoted) == cancelled  # one freed place, one promotion
    # first come, first served: the oldest waiting bookings
    assert [b.id for b in promoted] == [b.id for b in waiting[:cancelled]]
    for booking in waiting:  # nobody promoted twice
        confirmations = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.booking_id == booking.id, OutboxMessage.kind == "promoted"
            )
        )
        tickets = db.session.scalar(
            select(func.count(Ticket.id)).where(Ticket.booking_id == booking.id)
        )
        assert confirmations == tickets == (1 if booking in promoted else 0)
    assert fresh(slot).taken == places_held(slot) == 10
    assert slot.taken <= slot.capacity


# After losing -------------------------------------------------------------------------------


def test_a_worker_whose_transaction_failed_books_again_in_the_same_session(app, race_app):
    """A worker that lost a race (its transaction rolled back after rows were written) goes on
    with the same session: nothing of the rolled-back rows is left behind in it."""
    slot = make_slot(capacity=5)

    class LostTheRace(Exception):
        pass

    with race_app.app_context():
        racing_slot = db.session.get(Slot, slot.id)
        with pytest.raises(LostTheRace), transaction():
            request_booking(racing_slot, 1, a_contact(), now=NOON)
            raise LostTheRace()
        with transaction():
            booking = request_booking(racing_slot, 1, a_contact(), now=NOON)
        assert booking.status is S.confirmed and len(booking.tickets) == 1
        db.session.remove()
    assert fresh(slot).taken == 1 == places_held(slot)
    assert db.session.scalar(select(func.count(Booking.id))) == 1


# Several slots at once ------------------------------------------------------------------------


@pytest.mark.parametrize("all_or_nothing", [True, False], ids=["all_or_nothing", "one_by_one"])
def test_families_asking_for_the_same_weeks_in_any_order_never_deadlock_nor_oversell(
    app, race_app, all_or_nothing
):
    """30 requests for the same three slots of 10 places, each listing them in its own order
    (the hardest for row locks: opposite orders); the engine holds them in slot id order."""
    slots = [make_slot(capacity=10) for _ in range(3)]
    ids = [s.id for s in slots]
    orders = [ids, ids[::-1], [ids[1], ids[2], ids[0]], [ids[2], ids[0], ids[1]]]

    def prepare(n):
        order = orders[n % len(orders)]
        return [(db.session.get(Slot, slot_id), 1) for slot_id in order]

    def book_all(requests):
        with transaction():
            bookings = request_bookings(
                requests, a_contact(), now=NOON, all_or_nothing=all_or_nothing
            )
        return tuple(b.status for b in bookings)

    outcomes = race(race_app, range(30), prepare, book_all)

    if all_or_nothing:
        assert unexpected(outcomes, NotAllAvailable) == []  # no deadlock, no "locked"
        assert outcomes.results == [(S.confirmed,) * 3] * 10
        assert len(outcomes.errors) == 20
        for slot in slots:
            statuses = db.session.scalars(select(Booking.status).where(Booking.slot_id == slot.id))
            assert Counter(statuses) == {S.confirmed: 10}  # the refused left nothing
    else:
        assert unexpected(outcomes) == []
        assert len(outcomes.results) == 30
        for slot in slots:
            statuses = db.session.scalars(select(Booking.status).where(Booking.slot_id == slot.id))
            assert Counter(statuses) == {S.confirmed: 10, S.waitlisted: 20}
    for slot in slots:
        assert fresh(slot).taken == 10 == places_held(slot)
        assert count(Ticket, slot) == 10


# A scan replayed twice at once ----------------------------------------------------------------


def test_two_copies_of_one_scan_arriving_at_once_are_recorded_once(app, race_app):
    slot = make_slot(capacity=5)
    with transaction():
        booking = request_booking(slot, 1, a_contact(), now=NOON)
    [ticket] = booking.tickets

    def prepare(_):
        return db.session.get(Ticket, ticket.id)

    def replay(racing_ticket):
        with transaction():
            check_in = record_scan(
                racing_ticket,
                direction=Direction.inward,
                staff=None,
                scan_id="scan-42",
                device="desk-1",
                now=slot.starts_at,  # a ticket is good on its slot's days only
            )
        return check_in.id, check_in.result

    outcomes = race(race_app, range(8), prepare, replay)

    assert unexpected(outcomes) == []
    [recorded] = db.session.scalars(select(CheckIn)).all()
    assert set(outcomes.results) == {(recorded.id, "ok")}


# One live booking per person per slot ---------------------------------------------------------


def test_one_person_asking_many_times_at_once_gets_one_booking(app, race_app):
    slot = make_slot(capacity=50)  # an event's: the same person is the same address
    person = a_contact()

    def prepare(n):
        # The same address, written differently by each client.
        email = person.email.upper() if n % 2 else person.email
        contact = Contact(name=person.name, email=email, language="it")
        return db.session.get(Slot, slot.id), contact

    def book(prepared):
        racing_slot, contact = prepared
        with transaction():
            booking = request_booking(racing_slot, 4, contact, now=NOON)
        return booking.status

    outcomes = race(race_app, range(12), prepare, book)

    assert outcomes.results == [S.confirmed]
    assert unexpected(outcomes, AlreadyBooked) == []  # no IntegrityError, no "locked"
    assert fresh(slot).taken == 4 == places_held(slot)
    assert count(Ticket, slot) == 1
    kinds = Counter(
        db.session.scalars(
            select(OutboxMessage.kind)
            .join(Booking, Booking.id == OutboxMessage.booking_id)
            .where(Booking.slot_id == slot.id)
        )
    )
    assert kinds == {"confirmation": 1, "link_again": 11}
