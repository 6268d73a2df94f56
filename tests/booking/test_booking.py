"""The booking engine: holding places, statuses, the waiting list, windows and codes;
programmes' details, several slots at once, scans at the desk."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from centrale_booking.booking.checkin import record_scan
from centrale_booking.booking.codes import REFERENCE_ALPHABET
from centrale_booking.booking.engine import (
    Contact,
    accept_offer,
    cancel_booking,
    changeable,
    confirm_booking,
    expire_holds,
    hold_places,
    move,
    places_held,
    quantity_bounds,
    queue_position,
    release_places,
    request_booking,
    request_bookings,
    sweep_expired_holds,
)
from centrale_booking.booking.errors import (
    AlreadyBooked,
    BookingClosed,
    BookingError,
    BookingNotOpen,
    CancellationClosed,
    IllegalTransition,
    InvalidQuantity,
    NotAllAvailable,
    NotBookable,
    OfferClosed,
    SlotCancelled,
    SlotFull,
    TooManyPlaces,
)
from centrale_booking.booking.models import (
    Booking,
    CheckIn,
    Direction,
    Slot,
    Ticket,
    TicketPlan,
    WaitlistMode,
)
from centrale_booking.booking.states import ENDED, HOLDS_PLACES, LIVE, TRANSITIONS, BookingStatus
from centrale_booking.booking.tickets import TicketStatus, ticket_status
from centrale_booking.events.models import Category, Event
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import NOON, a_contact, make_activity, make_event, make_slot
from tests.helpers import email_kinds, refreshed

S = BookingStatus


def book(slot, quantity=1, *, now=NOON, confirm=True, contact=None):
    with transaction():
        return request_booking(slot, quantity, contact or a_contact(), now=now, confirm=confirm)


# Holding places -------------------------------------------------------------------------------


def test_booking_within_capacity_is_confirmed_with_a_ticket_and_an_email(db):
    slot = make_slot(capacity=10)
    booking = book(slot, 3)
    assert booking.status is S.confirmed
    assert refreshed(slot).taken == 3
    [ticket] = booking.tickets
    assert ticket.admits == 3 and ticket.holder_label == booking.contact_name
    assert email_kinds(booking) == ["confirmation"]


def test_request_beyond_capacity_is_waitlisted_and_takes_nothing(db):
    slot = make_slot(capacity=2)
    book(slot, 2)
    late = book(slot, 1)
    assert late.status is S.waitlisted and refreshed(slot).taken == 2
    assert late.tickets == [] and email_kinds(late) == ["waitlisted"]


def test_full_slot_without_waiting_list_refuses_and_stores_nothing(db):
    slot = make_slot(capacity=1, programme=make_event(waitlist_mode=WaitlistMode.none))
    book(slot, 1)
    with pytest.raises(SlotFull):
        book(slot, 1)
    assert db.session.scalar(select(db.func.count(Booking.id))) == 1
    assert refreshed(slot).taken == 1


def test_taken_always_equals_the_places_the_bookings_hold(db):
    slot = make_slot(capacity=5)
    first = book(slot, 2)
    book(slot, 3)
    book(slot, 1)  # waitlisted
    with transaction():
        cancel_booking(first, now=NOON)
    assert refreshed(slot).taken == places_held(slot) == 4


# Statuses -------------------------------------------------------------------------------------

ALL_PAIRS = [(a, b) for a in S for b in S]


@pytest.mark.parametrize(("current", "to"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_transition_is_allowed_exactly_when_the_table_says(db, current, to):
    booking = book(make_slot(capacity=5), confirm=False)
    booking.status = current  # set up the starting point directly
    if to in TRANSITIONS[current]:
        move(booking, to, now=NOON)
        assert booking.status is to
    else:
        with pytest.raises(IllegalTransition):
            move(booking, to, now=NOON)
        assert booking.status is current
    db.session.rollback()


def test_the_transition_table_matches_the_design():
    assert {
        S.pending: {S.confirmed, S.cancelled, S.expired},
        S.waitlisted: {S.offered, S.confirmed, S.cancelled},
        S.offered: {S.confirmed, S.cancelled, S.expired},
        S.confirmed: {S.cancelled},
        S.cancelled: set(),
        S.expired: set(),
    } == TRANSITIONS


def test_cancelling_twice_is_refused_and_gives_nothing_back_twice(db):
    slot = make_slot(capacity=3)
    booking = book(slot, 2)
    with transaction():
        cancel_booking(booking, now=NOON)
    with pytest.raises(IllegalTransition), transaction():
        cancel_booking(booking, now=NOON)
    assert refreshed(slot).taken == 0


def test_a_stale_copy_cannot_overwrite_a_newer_change(app, db):
    slot = make_slot(capacity=3)
    booking = book(slot, 1)
    with Session(db.engine, expire_on_commit=False) as elsewhere:
        stale = elsewhere.get(Booking, booking.id)  # read before the cancellation below
        elsewhere.commit()
        with transaction():
            cancel_booking(booking, now=NOON)
        stale.contact_name = "overwritten"
        with pytest.raises(StaleDataError):
            elsewhere.commit()
    assert refreshed(booking).contact_name != "overwritten"
    assert booking.status is S.cancelled and booking.version == 2


def test_a_booking_rolled_back_leaves_the_session_and_the_next_one_is_written(db):
    """The caller still holds the first booking when its transaction rolls back; SQLite
    gives its id to the next row. The second booking, in the same session, must be written,
    readable, and not confused with the first."""
    slot = make_slot(capacity=5)

    class GaveUp(Exception):
        pass

    with pytest.raises(GaveUp), transaction():
        first = request_booking(slot, 2, a_contact(), now=NOON)
        first_id = first.id
        assert first in db.session
        raise GaveUp()
    assert first not in db.session and inspect(first).transient

    second = book(slot, 1)
    if db.engine.dialect.name == "sqlite":
        assert second.id == first_id  # the case that matters: the same id again
    assert second in db.session and db.session.get(Booking, second.id) is second
    db.session.expire_all()
    assert second.status is S.confirmed and second.quantity == 1
    assert [t.admits for t in second.tickets] == [1] and email_kinds(second) == ["confirmation"]
    assert refreshed(slot).taken == 1 == places_held(slot)
    assert db.session.scalar(select(db.func.count(Booking.id))) == 1
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 1


# Pending holds --------------------------------------------------------------------------------


def test_a_pending_hold_keeps_its_places_then_expires_and_gives_them_back(app, db):
    slot = make_slot(capacity=2)
    held = book(slot, 2, confirm=False)
    assert held.status is S.pending
    assert held.hold_expires_at == NOON + timedelta(minutes=app.config["HOLD_MINUTES"])
    waiting = book(slot, 1)
    assert waiting.status is S.waitlisted
    with transaction():
        assert expire_holds(now=held.hold_expires_at - timedelta(seconds=1)) == 0
    with transaction():
        assert expire_holds(now=held.hold_expires_at) == 1
    assert refreshed(held).status is S.expired
    assert refreshed(waiting).status is S.confirmed  # promoted in the same transaction
    assert refreshed(slot).taken == 1 == places_held(slot)


def test_confirming_a_pending_hold_issues_tickets(db):
    slot = make_slot(capacity=2)
    held = book(slot, 2, confirm=False)
    assert held.tickets == []
    with transaction():
        confirm_booking(held, now=NOON)
    assert held.status is S.confirmed and len(held.tickets) == 1
    assert refreshed(slot).taken == 2


def test_reading_availability_sweeps_lapsed_holds(app, db):
    slot = make_slot(capacity=1)
    held = book(slot, 1, confirm=False)
    sweep_expired_holds(slot, now=NOON)  # not yet lapsed: nothing changes
    assert refreshed(slot).taken == 1
    sweep_expired_holds(slot, now=held.hold_expires_at + timedelta(minutes=1))
    assert refreshed(slot).taken == 0 and refreshed(held).status is S.expired


def test_the_expire_holds_command(app, db, runner):
    slot = make_slot(capacity=1)
    held = book(slot, 1, confirm=False, now=utcnow() - timedelta(days=1))
    result = runner.invoke(args=["expire-holds"])
    assert result.exit_code == 0 and "1 expired" in result.output
    assert refreshed(held).status is S.expired


# The waiting list -----------------------------------------------------------------------------


def test_cancellation_confirms_the_oldest_waiting_bookings_that_fit(db):
    slot = make_slot(capacity=4)
    first = book(slot, 4)
    big = book(slot, 3, now=NOON + timedelta(minutes=1))
    small = book(slot, 1, now=NOON + timedelta(minutes=2))
    later = book(slot, 1, now=NOON + timedelta(minutes=3))
    assert {big.status, small.status, later.status} == {S.waitlisted}
    with transaction():
        cancel_booking(first, now=NOON)
    assert [refreshed(b).status for b in (big, small, later)] == [
        S.confirmed,
        S.confirmed,
        S.waitlisted,
    ]
    assert refreshed(slot).taken == 4
    assert email_kinds(big) == ["waitlisted", "promoted"]  # its own news, not a copy
    assert email_kinds(first) == ["confirmation", "cancellation"]


def test_a_waiting_booking_too_big_for_the_freed_places_does_not_block_smaller_ones(db):
    slot = make_slot(capacity=2)
    first = book(slot, 1)
    book(slot, 1)
    big = book(slot, 2)
    small = book(slot, 1)
    with transaction():
        cancel_booking(first, now=NOON)
    assert refreshed(big).status is S.waitlisted
    assert refreshed(small).status is S.confirmed


def test_a_request_passed_over_is_told_and_keeps_its_place_at_the_head_of_the_queue(db):
    slot = make_slot(capacity=3)
    first = book(slot, 1)
    second = book(slot, 2)
    big = book(slot, 2, now=NOON + timedelta(minutes=1))
    small = book(slot, 1, now=NOON + timedelta(minutes=2))
    last = book(slot, 1, now=NOON + timedelta(minutes=3))
    with transaction():
        cancel_booking(first, now=NOON)
    assert email_kinds(big) == ["waitlisted", "waitlist_skipped"]
    (told,) = [m for m in outbox(big) if m.kind == "waitlist_skipped"]
    assert told.payload == {"position": 1, "free_places": 1}
    assert queue_position(refreshed(big)) == 1 and queue_position(refreshed(last)) == 2
    assert queue_position(refreshed(small)) == 0  # confirmed: not waiting any more
    # enough places free up for it: they go to it, before the request behind it
    with transaction():
        cancel_booking(second, now=NOON)
    assert refreshed(big).status is S.confirmed
    assert refreshed(last).status is S.waitlisted


def test_a_request_that_is_too_big_with_nobody_behind_to_take_the_places_is_not_told(db):
    slot = make_slot(capacity=2)
    first = book(slot, 1)
    book(slot, 1)
    big = book(slot, 2)
    with transaction():
        cancel_booking(first, now=NOON)
    assert email_kinds(big) == ["waitlisted"]  # nobody jumped ahead of it: nothing to say


def outbox(booking):
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.booking_id == booking.id)
        .order_by(OutboxMessage.id)
    ).all()


def test_offer_mode_holds_places_until_a_deadline(db):
    programme = make_event(waitlist_mode=WaitlistMode.offer, offer_hours=12)
    slot = make_slot(capacity=1, programme=programme)
    first = book(slot, 1)
    waiting = book(slot, 1)
    with transaction():
        cancel_booking(first, now=NOON)
    assert refreshed(waiting).status is S.offered
    assert waiting.offer_expires_at == NOON + timedelta(hours=12)
    assert refreshed(slot).taken == 1 and waiting.tickets == []
    assert email_kinds(waiting) == ["waitlisted", "offer"]
    with transaction():
        confirm_booking(waiting, now=NOON + timedelta(hours=1))
    assert waiting.status is S.confirmed and len(waiting.tickets) == 1


def test_a_lapsed_offer_passes_to_the_next_in_line(db):
    programme = make_event(waitlist_mode=WaitlistMode.offer, offer_hours=12)
    slot = make_slot(capacity=1, programme=programme)
    first = book(slot, 1)
    offered, next_in_line = book(slot, 1), book(slot, 1, now=NOON + timedelta(seconds=1))
    with transaction():
        cancel_booking(first, now=NOON)
    with transaction():
        expire_holds(now=NOON + timedelta(hours=12))
    assert refreshed(offered).status is S.expired
    assert refreshed(next_in_line).status is S.offered
    assert refreshed(slot).taken == 1


def test_cancelling_a_waiting_booking_releases_nothing(db):
    slot = make_slot(capacity=1)
    book(slot, 1)
    waiting = book(slot, 1)
    with transaction():
        cancel_booking(waiting, now=NOON)
    assert refreshed(slot).taken == 1


# Windows and limits ---------------------------------------------------------------------------


def test_booking_before_the_window_opens_is_refused(db):
    slot = make_slot(opens_at=NOON + timedelta(days=1))
    with pytest.raises(BookingNotOpen):
        book(slot)


def test_booking_after_the_window_closes_is_refused(db):
    slot = make_slot(closes_at=NOON - timedelta(minutes=1))
    with pytest.raises(BookingClosed):
        book(slot)


def test_booking_closes_when_the_slot_starts_by_default(db):
    slot = make_slot(starts_at=NOON + timedelta(hours=1))
    book(slot, now=NOON + timedelta(minutes=59))
    with pytest.raises(BookingClosed):
        book(slot, now=NOON + timedelta(hours=1))


def test_more_than_the_limit_per_booking_is_refused(db):
    slot = make_slot(capacity=50, max_per_booking=6)
    book(slot, 6)
    with pytest.raises(TooManyPlaces) as refused:
        book(slot, 7)
    assert refused.value.maximum == 6
    assert refreshed(slot).taken == 6


def test_the_programme_limit_applies_when_the_slot_sets_none(db):
    slot = make_slot(capacity=50, programme=make_event(max_per_booking=2))
    with pytest.raises(TooManyPlaces):
        book(slot, 3)


def test_zero_places_are_refused(db):
    with pytest.raises(InvalidQuantity):
        book(make_slot(), 0)


def test_a_cancelled_slot_is_refused(db):
    with pytest.raises(SlotCancelled):
        book(make_slot(cancelled_at=NOON - timedelta(days=1)))


def test_an_unpublished_programme_is_refused(db):
    with pytest.raises(NotBookable):
        book(make_slot(programme=make_event(published=False)))


def test_visitors_cannot_cancel_after_the_deadline_but_staff_can(db):
    programme = make_event(cancel_deadline_hours=24)
    slot = make_slot(capacity=5, programme=programme, starts_at=NOON + timedelta(hours=48))
    booking = book(slot, 2)
    too_late = NOON + timedelta(hours=25)
    with pytest.raises(CancellationClosed), transaction():
        cancel_booking(booking, now=too_late)
    assert refreshed(booking).status is S.confirmed
    with transaction():
        cancel_booking(booking, now=too_late, by_staff=True)
    assert refreshed(booking).status is S.cancelled and refreshed(slot).taken == 0


def test_a_refused_request_writes_nothing(db):
    slot = make_slot(capacity=5, max_per_booking=2)
    with pytest.raises(TooManyPlaces):
        book(slot, 3)
    assert db.session.scalar(select(db.func.count(Booking.id))) == 0
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


# Codes ----------------------------------------------------------------------------------------


def test_references_are_short_human_and_unique(db):
    slot = make_slot(capacity=200, max_per_booking=1)
    references = {book(slot).reference for _ in range(60)}
    assert len(references) == 60
    for reference in references:
        prefix, body = reference.split("-")
        assert prefix == "EV" and len(body) == 6
        assert set(body) <= set(REFERENCE_ALPHABET)
    assert not set("01OIL") & set(REFERENCE_ALPHABET)


def test_ticket_codes_and_manage_tokens_are_long_random_and_url_safe(db):
    slot = make_slot(capacity=100, max_per_booking=1)
    bookings = [book(slot) for _ in range(20)]
    codes = [b.tickets[0].code for b in bookings]
    tokens = [b.manage_token for b in bookings]
    for value in codes + tokens:
        assert len(value) >= 22  # 22 URL-safe base64 characters = 132 bits >= 128
        assert all(c.isalnum() or c in "-_" for c in value)
        assert str(bookings[0].id) != value
    assert len(set(codes)) == len(codes) and len(set(tokens)) == len(tokens)
    assert db.session.scalar(select(db.func.count(Ticket.id))) == 20


# Capacity changes -----------------------------------------------------------------------------


def test_capacity_cannot_go_below_the_places_taken_and_more_places_promote(db):
    from centrale_booking.booking.changes import CapacityBelowTaken, change_capacity

    slot = make_slot(capacity=3)
    book(slot, 3)
    waiting = book(slot, 2)
    with pytest.raises(CapacityBelowTaken) as refused, transaction():
        change_capacity(slot, 2, now=NOON)
    assert refused.value.taken == 3 and refreshed(slot).capacity == 3
    with transaction():
        change_capacity(slot, 5, now=NOON)
    assert refreshed(slot).capacity == 5 and slot.taken == 5
    assert refreshed(waiting).status is S.confirmed


def test_changes_made_before_a_transaction_are_refused_not_silently_lost(db):
    slot = make_slot(capacity=3)
    slot.capacity = 99  # outside transaction(): would be expired away unseen
    with pytest.raises(RuntimeError, match="inside its block"), transaction():
        pass
    db.session.rollback()
    assert refreshed(slot).capacity == 3


# The refusals -----------------------------------------------------------------------------------


def test_every_refusal_is_a_booking_error_and_the_old_imports_still_work():
    from centrale_booking.booking import changes, errors

    for name in ("CapacityBelowTaken", "NotEnoughPlaces", "QuantityUnchangeable"):
        assert getattr(changes, name) is getattr(errors, name)
        assert issubclass(getattr(errors, name), errors.BookingError)
    assert errors.CapacityBelowTaken(3).code == "capacity_below_taken"
    assert errors.CapacityBelowTaken(3).taken == 3
    assert errors.OfferClosed.code == "offer_closed"


def test_live_and_ended_statuses_are_every_status_once():
    assert LIVE | ENDED == set(S) and not LIVE & ENDED
    assert ENDED == {S.cancelled, S.expired} and HOLDS_PLACES < LIVE
    assert all(TRANSITIONS[status] == set() for status in ENDED)


# Accepting an offer, changing a booking ---------------------------------------------------------


def offered_booking():
    programme = make_event(waitlist_mode=WaitlistMode.offer, offer_hours=12)
    slot = make_slot(capacity=1, programme=programme)
    first = book(slot, 1)
    waiting = book(slot, 1)
    with transaction():
        cancel_booking(first, now=NOON)
    assert refreshed(waiting).status is S.offered
    return slot, waiting


def test_accepting_an_open_offer_confirms_it_with_its_tickets(db):
    slot, offered = offered_booking()
    with transaction():
        accept_offer(offered, now=NOON + timedelta(hours=1))
    assert refreshed(offered).status is S.confirmed and len(offered.tickets) == 1
    assert refreshed(slot).taken == 1


def test_a_lapsed_or_taken_offer_is_refused_and_nothing_changes(db):
    slot, offered = offered_booking()
    with pytest.raises(OfferClosed), transaction():
        accept_offer(offered, now=offered.offer_expires_at)
    assert refreshed(offered).status is S.offered and offered.tickets == []
    with transaction():
        accept_offer(offered, now=NOON)
    with pytest.raises(OfferClosed), transaction():
        accept_offer(offered, now=NOON)  # confirmed already: not offered any more
    assert refreshed(slot).taken == 1


def test_changeable_until_booking_closes_and_within_the_bounds(db):
    slot = make_slot(capacity=5, max_per_booking=3)
    booking = book(slot, 1)
    assert quantity_bounds(slot) == (1, 3)
    assert changeable(booking, NOON)
    assert not changeable(booking, slot.booking_closes_at)
    with transaction():
        cancel_booking(booking, now=NOON)
    assert not changeable(booking, NOON)


# Holding and releasing, as changes.py does ------------------------------------------------------


def test_hold_places_holds_only_what_is_free_and_release_gives_it_back(db):
    slot = make_slot(capacity=3)
    with transaction():
        assert hold_places(slot, 2) and slot.taken == 2
        assert not hold_places(slot, 2) and slot.taken == 2
        release_places(slot, 1)
    assert refreshed(slot).taken == 1


# A programme's own details ----------------------------------------------------------------------


class NamesMissing(BookingError):
    code = "names_missing"


class Tour(Event):
    """A programme of the tests (single-table onto the event table: no migration): each
    person named, one ticket each, the names stored with the booking."""

    __mapper_args__ = {"polymorphic_identity": "test_tour"}

    def check_request(self, slot, quantity, details) -> None:
        if details is None or len(details["names"]) != quantity:
            raise NamesMissing()

    def write_details(self, booking, details) -> None:
        booking.contact_phone = ",".join(details["names"])

    def details_of(self, booking):
        return {"names": booking.contact_phone.split(",")}

    def ticket_plan(self, booking, details=None):
        return [TicketPlan(name, 1) for name in (details or self.details_of(booking))["names"]]


_tours = itertools.count(1)


def tour_slot(capacity=4, **fields):
    tour = Tour(
        slug=f"tour-{next(_tours)}",
        title_it="Giro",
        title_en="Tour",
        category=Category.talk,
        published=True,
        max_per_booking=4,
        **fields,
    )
    with transaction():
        db.session.add(tour)
    return make_slot(capacity=capacity, programme=tour)


def test_a_request_the_programme_refuses_writes_nothing_and_holds_nothing(db):
    slot = tour_slot()
    with pytest.raises(NamesMissing), transaction():
        request_booking(slot, 2, a_contact(), now=NOON, details={"names": ["Ada"]})
    with pytest.raises(NamesMissing), transaction():
        request_booking(slot, 1, a_contact(), now=NOON)  # no details at all
    assert refreshed(slot).taken == 0
    for model in (Booking, Ticket, OutboxMessage):
        assert db.session.scalar(select(db.func.count(model.id))) == 0


def test_the_programme_plans_the_tickets_and_keeps_its_details(db):
    slot_id = tour_slot().id
    db.session.expunge_all()  # the programme made from the hot path's row, as in a request
    slot = db.session.get(Slot, slot_id)
    db.session.commit()
    with transaction():
        booking = request_booking(slot, 2, a_contact(), now=NOON, details={"names": ["Ada", "Bo"]})
    assert type(slot.programme) is Tour
    db.session.expire_all()
    assert [(t.holder_label, t.admits) for t in booking.tickets] == [("Ada", 1), ("Bo", 1)]
    assert booking.contact_phone == "Ada,Bo" and refreshed(slot).taken == 2


def test_a_waiting_booking_keeps_its_details_and_is_promoted_with_them(db):
    slot = tour_slot(capacity=1)
    first = book_tour(slot, ["Ada"])
    waiting = book_tour(slot, ["Cy"])
    assert waiting.status is S.waitlisted and waiting.tickets == []
    with transaction():
        cancel_booking(first, now=NOON)
    assert refreshed(waiting).status is S.confirmed
    assert [t.holder_label for t in waiting.tickets] == ["Cy"]


def book_tour(slot, names):
    with transaction():
        return request_booking(slot, len(names), a_contact(), now=NOON, details={"names": names})


# Several slots in one transaction ---------------------------------------------------------------


def test_several_slots_all_or_nothing_book_all_in_the_order_asked(db):
    slots = [make_slot(capacity=2) for _ in range(3)]
    asked = [(slots[2], 1), (slots[0], 2), (slots[1], 1)]
    with transaction():
        bookings = request_bookings(asked, a_contact(), now=NOON, all_or_nothing=True)
    assert [(b.slot_id, b.quantity) for b in bookings] == [(s.id, q) for s, q in asked]
    assert {b.status for b in bookings} == {S.confirmed}
    assert [refreshed(s).taken for s in slots] == [2, 1, 1]


def test_one_full_slot_refuses_all_or_nothing_and_leaves_nothing(db):
    slots = [make_slot(capacity=2) for _ in range(3)]
    book(slots[1], 2)
    with pytest.raises(NotAllAvailable) as refused, transaction():
        request_bookings(
            [(s, 1) for s in reversed(slots)], a_contact(), now=NOON, all_or_nothing=True
        )
    assert refused.value.full_slot_ids == [slots[1].id]
    assert [refreshed(s).taken for s in slots] == [0, 2, 0]
    assert db.session.scalar(select(db.func.count(Booking.id))) == 1
    assert db.session.scalar(select(db.func.count(Ticket.id))) == 1


def test_one_by_one_a_full_slot_waitlists_and_the_others_hold(db):
    slots = [make_slot(capacity=2) for _ in range(2)]
    book(slots[0], 2)
    with transaction():
        full, free = request_bookings(
            [(slots[0], 1), (slots[1], 1)], a_contact(), now=NOON, all_or_nothing=False
        )
    assert full.status is S.waitlisted and free.status is S.confirmed
    assert [refreshed(s).taken for s in slots] == [2, 1]


def test_several_slots_take_each_request_own_details(db):
    slots = [tour_slot(capacity=3) for _ in range(2)]
    with transaction():
        bookings = request_bookings(
            [(slots[0], 1, {"names": ["Ada"]}), (slots[1], 2)],
            a_contact(),
            now=NOON,
            all_or_nothing=True,
            details={"names": ["Bo", "Cy"]},
        )
    assert [[t.holder_label for t in b.tickets] for b in bookings] == [["Ada"], ["Bo", "Cy"]]


# Scans at the desk ------------------------------------------------------------------------------


def scan(ticket, scan_id="s1", device="desk-1", direction=Direction.inward):
    on_the_day = ticket.booking.slot.starts_at  # a ticket is good on its slot's days only
    with transaction():
        return record_scan(
            ticket, direction=direction, staff=None, scan_id=scan_id, device=device, now=on_the_day
        )


def test_a_scan_lets_in_once_then_says_already_used(db):
    [ticket] = book(make_slot()).tickets
    first = scan(ticket, "s1")
    again = scan(ticket, "s2")
    assert (first.result, again.result) == ("ok", "already_used")
    assert ticket_status(ticket) is TicketStatus.used
    assert scan(ticket, "s3", direction=Direction.outward).result == "ok"


def test_a_replayed_scan_is_recorded_once_and_answered_as_the_first_time(db):
    [ticket] = book(make_slot()).tickets
    first = scan(ticket, "s1")
    replayed = scan(ticket, "s1")
    assert replayed.id == first.id and replayed.result == "ok"
    other_device = scan(ticket, "s1", device="desk-2")  # its own numbering: another scan
    assert other_device.id != first.id and other_device.result == "already_used"
    assert db.session.scalar(select(db.func.count(CheckIn.id))) == 2


def test_scans_without_an_id_are_each_recorded_and_a_cancelled_ticket_refused(db):
    booking = book(make_slot())
    [ticket] = booking.tickets
    with transaction():
        cancel_booking(booking, now=NOON)
    results = [scan(ticket, None).result for _ in range(2)]
    assert results == ["cancelled", "cancelled"]
    assert db.session.scalar(select(db.func.count(CheckIn.id))) == 2


# One live booking per person per slot ---------------------------------------------------------


def same_person(contact, email):
    return Contact(name=contact.name, email=email, language=contact.language)


def test_the_same_address_cannot_book_a_date_twice_and_is_sent_its_link_again(app):
    slot = make_slot(capacity=10)  # an event's: the same person is the same email address
    first = a_contact()
    with transaction():
        booking = request_booking(slot, 2, first, now=NOON)
    with pytest.raises(AlreadyBooked) as refused, transaction():
        request_booking(slot, 1, same_person(first, f"  {first.email.upper()} "), now=NOON)
    assert refused.value.code == "already_booked" and refused.value.booking_id == booking.id
    assert db.session.scalars(select(Booking.id).where(Booking.slot_id == slot.id)).all() == [
        booking.id
    ]
    assert refreshed(slot).taken == 2
    again = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "link_again")
    ).one()
    assert (again.booking_id, again.to_address) == (booking.id, first.email)


def test_a_waiting_booking_counts_and_an_ended_one_does_not(app):
    slot = make_slot(capacity=1)
    with transaction():
        request_booking(slot, 1, a_contact(), now=NOON)
        waiting_person = a_contact()
        waiting = request_booking(slot, 1, waiting_person, now=NOON)
    assert waiting.status is S.waitlisted
    with pytest.raises(AlreadyBooked), transaction():
        request_booking(slot, 1, waiting_person, now=NOON)
    with transaction():
        cancel_booking(waiting, now=NOON)
    with transaction():
        again = request_booking(slot, 1, waiting_person, now=NOON)
    assert again.status is S.waitlisted and again.id != waiting.id


def test_the_same_person_may_book_other_dates(app):
    event = make_event()
    slots = [make_slot(programme=event, starts_at=NOON + timedelta(days=d)) for d in (3, 10)]
    person = a_contact()
    with transaction():
        bookings = [request_booking(slot, 1, person, now=NOON) for slot in slots]
    assert {b.status for b in bookings} == {S.confirmed}


def test_a_programme_without_a_person_key_takes_every_request(app):
    activity = make_activity()
    slot = make_slot(programme=activity)
    person = a_contact()
    with transaction():
        bookings = [request_booking(slot, 1, person, now=NOON) for _ in range(2)]
    assert bookings[0].person_key is None and len({b.id for b in bookings}) == 2


def test_several_slots_at_once_are_all_refused_when_one_is_already_booked(app):
    event = make_event()
    slots = [make_slot(programme=event, starts_at=NOON + timedelta(days=d)) for d in (3, 10)]
    person = a_contact()
    with transaction():
        request_booking(slots[1], 1, person, now=NOON)
    with pytest.raises(AlreadyBooked), transaction():
        request_bookings([(s, 1) for s in slots], person, now=NOON, all_or_nothing=True)
    assert refreshed(slots[0]).taken == 0
    assert db.session.scalar(select(func.count()).where(Booking.slot_id == slots[0].id)) == 0
