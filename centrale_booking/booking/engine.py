"""The booking engine: plain functions over db.session, the time passed in, the caller commits
(inside `transaction()`). Places are held and given back only by the conditional UPDATEs at the
bottom of this file: no read-then-write on capacity anywhere.

request_booking is the hot path (bench/engine.py measures it): its statements are prepared once
and run through the driver (fastpath.py), and its rows are written at once rather than flushed
by the unit of work; the other functions use the ORM as usual. The engine knows programmes only
through the Programme protocol (booking/models.py): checks, ticket plans, details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import bindparam, delete, exists, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock
from ..extensions import db, transaction
from ..outbox import queue_email
from ..outbox.models import OutboxMessage
from .checkin import valid_on
from .codes import new_manage_token, new_reference, new_ticket_code
from .counters import CounterHold, hold_counters, release_counters
from .door import door_seats, lock_slot
from .errors import (
    AlreadyBooked,
    BookingClosed,
    BookingError,
    BookingNotOpen,
    CancellationClosed,
    IllegalTransition,
    InvalidQuantity,
    NoSeatsAtDoor,
    NotAllAvailable,
    NotBookable,
    NoWalkIns,
    OfferClosed,
    SlotCancelled,
    SlotFull,
    TooManyPlaces,
)
from .fastpath import (
    Prepared,
    PreparedInsert,
    PreparedLoad,
    add_written,
    insert_row,
    insert_values,
    load_expired,
    one_round_trip,
)
from .models import Booking, Programme, Slot, Ticket, TicketPlan, WaitlistMode
from .states import HOLDS_PLACES, INITIAL, LIVE, TRANSITIONS, BookingStatus

S = BookingStatus


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    language: str = "it"
    phone: str = ""
    privacy_consent: bool = False  # recorded with the time of the request
    newsletter_consent: bool = False  # separate, never assumed


def move(booking: Booking, to: BookingStatus, *, now: datetime) -> None:
    """The only way a booking changes status. The version column makes the UPDATE fail if
    another transaction changed the booking meanwhile (BookingChanged, see errors.py)."""
    if to not in TRANSITIONS[booking.status]:
        raise IllegalTransition(booking.status, to)
    booking.status = to
    if to is S.confirmed:
        booking.confirmed_at = now
    elif to is S.cancelled:
        booking.cancelled_at = now


def ensure_open(slot: Slot, quantity: int, now: datetime) -> None:
    """Raise the reason a request for `quantity` places on `slot` cannot be taken now."""
    if not slot.programme.published:
        raise NotBookable()
    if slot.cancelled_at is not None:
        raise SlotCancelled()
    if slot.opens_at is not None and now < slot.opens_at:
        raise BookingNotOpen(slot.opens_at)
    if now >= slot.booking_closes_at:
        raise BookingClosed()
    if quantity < 1:
        raise InvalidQuantity()
    if quantity > slot.booking_limit:
        raise TooManyPlaces(slot.booking_limit)


def request_booking(
    slot: Slot,
    quantity: int,
    contact: Contact,
    *,
    now: datetime,
    confirm: bool = True,
    details=None,
) -> Booking:
    """Ask for places. Held: confirmed at once (confirm=True) or pending until confirm_booking
    or the hold runs out. Not held: waitlisted, or SlotFull when the programme has no list.
    `details` are the programme's own (a class, the children): checked by the programme
    before any place is held, stored with the booking that is kept, in this transaction.
    The programme's counters (Programme.counter_holds: a school's bookings in a school year)
    are held after the places, in this transaction, or the request is refused."""
    counters: list[CounterHold] = []
    booking = _request(slot, quantity, contact, now, confirm, details, counters, waitlist=True)
    assert booking is not None
    hold_counters(counters)
    return booking


def _request(
    slot: Slot,
    quantity: int,
    contact: Contact,
    now: datetime,
    confirm: bool,
    details,
    counters: list[CounterHold],
    *,
    waitlist: bool,
) -> Booking | None:
    # Not held and waitlist=False: None, nothing left written (for request_bookings).
    # Held: the programme's counters for it are added to `counters`, for the caller to hold.
    # Made before the first statement, which (on SQLite) waits for the writers' turn.
    booking = _new_booking(slot, quantity, contact, now, S.pending)
    if confirm:
        move(booking, S.confirmed, now=now)
    programme = _read_again(slot)
    if not confirm:
        booking.hold_expires_at = now + timedelta(minutes=programme.hold_minutes())
    ensure_open(slot, quantity, now)
    programme.check_request(slot, quantity, details)
    booking.person_key = programme.person_key(contact, details)
    # The rows are written as if the places were held, and the places are held last: on
    # PostgreSQL the hold locks the slot's row until the commit, so the bookings of one slot
    # wait for each other only that long. Not held: the rows just written (seen by no one,
    # in this transaction) are taken back, and the request waits or is refused.
    plan = programme.ticket_plan(booking, details) if confirm else []
    _insert_booking(booking, slot)
    with one_round_trip(db.session):  # on PostgreSQL: tickets, email and hold sent together
        _insert_tickets(booking, plan)
        if confirm and programme.emails_each_request(details):
            queue_email(booking, "confirmation")
        held = _hold(slot, quantity)
    if held:
        _add_booking(booking, slot, programme, details)
        counters.extend(programme.counter_holds(slot, quantity, details))
        _ask_newsletter_confirmation(booking)
        return booking
    _take_back(booking)
    db.session.refresh(slot, ["taken"])  # full: show what is really left
    if not waitlist:
        return None
    if programme.waitlist_mode is WaitlistMode.none:
        raise SlotFull()
    booking = _new_booking(slot, quantity, contact, now, S.waitlisted)
    booking.person_key = programme.person_key(contact, details)
    _insert_booking(booking, slot)
    _add_booking(booking, slot, programme, details)
    if programme.emails_each_request(details):
        queue_email(booking, "waitlisted")
    _ask_newsletter_confirmation(booking)
    return booking


def request_bookings(
    requests: list[tuple],
    contact: Contact,
    *,
    now: datetime,
    all_or_nothing: bool,
    confirm: bool = True,
    details=None,
) -> list[Booking]:
    """Several slots in one transaction (a family's campus weeks): `requests` are
    (slot, quantity) or (slot, quantity, details), `details` the default for those without.
    The places are held slot by slot in ascending slot id, whatever the order asked, so that
    two requests for the same slots (PostgreSQL locks each slot's row until the commit) always
    lock them in the same order and cannot deadlock. all_or_nothing: one full slot refuses
    them all with NotAllAvailable (listing the full ones), and the caller's transaction rolls
    back the places already held; otherwise each is held or waitlisted as request_booking
    does. Returns the bookings in the order asked."""
    asked = [(r[0], r[1], r[2] if len(r) > 2 else details) for r in requests]
    ids = [_id(slot) for slot, _, _ in asked]
    if len(set(ids)) != len(ids):
        raise ValueError("one request per slot")
    order = sorted(range(len(asked)), key=ids.__getitem__)
    bookings: dict[int, Booking] = {}
    full = []
    counters: list[CounterHold] = []
    for i in order:
        slot, quantity, own_details = asked[i]
        booking = _request(
            slot,
            quantity,
            contact,
            now,
            confirm,
            own_details,
            counters,
            waitlist=not all_or_nothing,
        )
        if booking is None:
            full.append(ids[i])
        else:
            bookings[i] = booking
    if full:
        raise NotAllAvailable(full)
    hold_counters(counters)  # after every slot: slots, then counters, each in ascending order
    return [bookings[i] for i in range(len(asked))]


def _new_booking(
    slot: Slot, quantity: int, contact: Contact, now: datetime, status: BookingStatus
) -> Booking:
    assert status in INITIAL
    return Booking(
        slot_id=_id(slot),
        quantity=quantity,
        status=status,
        manage_token=new_manage_token(),
        contact_name=contact.name,
        contact_email=contact.email,
        contact_phone=contact.phone,
        language=contact.language,
        privacy_consent_at=now if contact.privacy_consent else None,
        newsletter_consent=contact.newsletter_consent,
        created_at=now,
    )


def _id(obj) -> int:
    # Its primary key, without the load that reading obj.id would cause once transaction()
    # has expired the object.
    identity = inspect(obj).identity
    return obj.id if identity is None else identity[0]


def confirm_booking(booking: Booking, *, now: datetime, email: str = "confirmation") -> None:
    """Confirm a pending or offered booking (its places are already held), or a waitlisted one
    whose places the caller has just held; issue its tickets and queue the confirmation (or
    the "promoted" email, for a request the waiting list has just confirmed)."""
    move(booking, S.confirmed, now=now)
    booking.hold_expires_at = booking.offer_expires_at = None
    _issue_tickets(booking, booking.slot.programme)
    queue_email(booking, email)


def accept_offer(booking: Booking, *, now: datetime) -> None:
    """The person takes the places offered to them (from the waiting list): confirmed, or
    OfferClosed when the booking is not offered any more or its offer has lapsed (its places
    then go on with the next expire_holds)."""
    if booking.status is not S.offered or (
        booking.offer_expires_at is not None and now >= booking.offer_expires_at
    ):
        raise OfferClosed()
    confirm_booking(booking, now=now)


def changeable(booking: Booking, now: datetime) -> bool:
    """Whether the booking's number of places may still be changed from the manage link:
    the programme allows it, the booking is confirmed or waiting, booking is still open."""
    return (
        booking.status in (S.confirmed, S.waitlisted)
        and now < booking.slot.booking_closes_at
        and booking.slot.programme.quantity_changeable(booking)
    )


def cancellable_online(booking: Booking, now: datetime) -> bool:
    """Whether the visitor may still cancel from the manage link: a live booking, and for a
    confirmed one, before the programme's cancellation deadline (staff may cancel any time)."""
    if booking.status not in LIVE:
        return False
    return booking.status is not S.confirmed or now < booking.slot.cancellation_deadline


def quantity_bounds(slot: Slot) -> tuple[int, int]:
    """The fewest and the most places one booking may have on `slot`."""
    return 1, slot.booking_limit


def _issue_tickets(booking: Booking, programme: Programme) -> None:
    _insert_tickets(booking, programme.ticket_plan(booking, programme.details_of(booking)))
    if "tickets" in booking.__dict__:
        db.session.expire(booking, ["tickets"])  # loaded before: read again when next used
    programme.tickets_issued(booking)


def _insert_tickets(booking: Booking, plan: list[TicketPlan]) -> None:
    for label, admits in plan:
        insert_values(
            db.session,
            _INSERT_TICKET,
            booking_id=booking.id,
            code=new_ticket_code(),
            holder_label=label,
            admits=admits,
        )


def book_walk_in(
    slot: Slot, quantity: int, contact: Contact, *, now: datetime, release_after: timedelta
) -> Booking:
    """Book `quantity` seats at the door for people who came without a booking: confirmed at
    once, with its tickets, no email (they are there). The seats are those booking/door.py
    says the door has now: unbooked ones, and from `release_after` after the start the seats
    of bookings nobody has claimed, which the walk-in's booking then takes over (`taken`
    never passes the capacity; a latecomer of those bookings is let in while seats remain).
    Refused with NoWalkIns off the slot's days or for a programme without walk-ins,
    NoSeatsAtDoor when too few remain. The caller checks the tickets in."""
    programme = _read_again(slot)
    if not programme.takes_walk_ins or slot.cancelled_at is not None:
        raise NoWalkIns()
    if not valid_on(slot, clock.local(now).date()) or now >= slot.ends_at:
        raise NoWalkIns()
    if quantity < 1:
        raise InvalidQuantity()
    if quantity > slot.booking_limit:
        raise TooManyPlaces(slot.booking_limit)
    lock_slot(slot)
    free = door_seats(slot, now, release_after)
    if quantity > free:
        raise NoSeatsAtDoor(free)
    unbooked = slot.capacity - slot.taken
    if quantity > unbooked:  # seats nobody claimed, given over to this booking
        release_places(slot, quantity - unbooked)
    booking = _new_booking(slot, quantity, contact, now, S.pending)
    move(booking, S.confirmed, now=now)
    _insert_booking(booking, slot)
    _insert_tickets(booking, programme.ticket_plan(booking, None))
    held = _hold(slot, quantity)
    assert held, "the slot's lock keeps the seats counted above"
    _add_booking(booking, slot, programme, None)
    return booking


def cancel_booking(booking: Booking, *, now: datetime, by_staff: bool = False) -> None:
    """Cancel; places it held go back and the waiting list moves up, in this transaction.
    Visitors are refused after the programme's cancellation deadline; staff are not."""
    if not by_staff and booking.status is S.confirmed and not cancellable_online(booking, now):
        raise CancellationClosed()
    held = booking.holds_places
    move(booking, S.cancelled, now=now)
    queue_email(booking, "cancellation")
    if held:
        give_back(booking)
        offer_freed_places(booking.slot, now=now)


def expire_holds(*, now: datetime, slot_id: int | None = None) -> int:
    """Expire the pending holds and the offers that ran out, give their places back and move
    the waiting lists up. Returns how many bookings expired."""
    query = select(Booking).where(
        ((Booking.status == S.pending) & (Booking.hold_expires_at <= now))
        | ((Booking.status == S.offered) & (Booking.offer_expires_at <= now))
    )
    if slot_id is not None:
        query = query.where(Booking.slot_id == slot_id)
    lapsed = db.session.scalars(query.order_by(Booking.id)).all()
    for booking in lapsed:
        move(booking, S.expired, now=now)
        give_back(booking)
        queue_email(booking, "expired")
    for slot in {booking.slot for booking in lapsed}:
        offer_freed_places(slot, now=now)
    return len(lapsed)


def sweep_expired_holds(slot: Slot, *, now: datetime) -> None:
    """Called before a slot's availability is shown: expire its lapsed holds, in a
    transaction of its own, only when there are some (a cheap read otherwise)."""
    lapsed = exists().where(
        Booking.slot_id == slot.id,
        ((Booking.status == S.pending) & (Booking.hold_expires_at <= now))
        | ((Booking.status == S.offered) & (Booking.offer_expires_at <= now)),
    )
    if db.session.scalar(select(lapsed)):
        with transaction():
            expire_holds(now=now, slot_id=slot.id)


def offer_freed_places(slot: Slot, *, now: datetime) -> list[Booking]:
    """The waiting list's rule, the one the emails and the pages promise: freed places go to
    the requests in the order they came, each offered (with a deadline) or confirmed by the
    programme's waitlist mode. A request for more places than are free keeps its place at the
    head of the queue, and the places go to the next request that fits, rather than staying
    empty until the event; the request passed over is told so, with its place in the queue
    (it may lower its number of places to take what is free). Returns those promoted."""
    programme = slot.programme
    waiting = waiting_list(slot)
    promoted: list[Booking] = []
    passed_over: list[tuple[Booking, int]] = []  # with the places that were free
    for booking in waiting:
        if slot.places_left <= 0:
            break
        free = slot.places_left
        if booking.quantity > free or not hold_places(slot, booking.quantity):
            passed_over.append((booking, free))
            continue
        if not _hold_counters_of(booking, programme):
            release_places(slot, booking.quantity)
            continue
        if programme.waitlist_mode is WaitlistMode.offer:
            move(booking, S.offered, now=now)
            booking.offer_expires_at = now + timedelta(hours=programme.offer_hours)
            queue_email(booking, "offer")
        else:
            confirm_booking(booking, now=now, email="promoted")
        promoted.append(booking)
    if promoted:
        still_waiting = [booking for booking in waiting if booking.status is S.waitlisted]
        last = promoted[-1]
        for booking, free in passed_over:
            if (booking.created_at, booking.id) < (last.created_at, last.id):
                queue_email(
                    booking,
                    "waitlist_skipped",
                    position=still_waiting.index(booking) + 1,
                    free_places=free,
                )
    return promoted


def waiting_list(slot: Slot) -> list[Booking]:
    """The slot's waiting requests, in the order they came: the order places are given in."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.slot_id == slot.id, Booking.status == S.waitlisted)
            .order_by(Booking.created_at, Booking.id)
        )
    )


def queue_position(booking: Booking) -> int:
    """A waiting request's place in the queue: 1 for the next in line; 0 when not waiting."""
    if booking.status is not S.waitlisted:
        return 0
    ahead = db.session.scalar(
        select(db.func.count()).where(
            Booking.slot_id == booking.slot_id,
            Booking.status == S.waitlisted,
            (Booking.created_at < booking.created_at)
            | ((Booking.created_at == booking.created_at) & (Booking.id < booking.id)),
        )
    )
    return int(ahead) + 1


def places_held(slot: Slot) -> int:
    """The places the slot's bookings hold, counted from the bookings (for checks and
    reports; the engine itself trusts `taken`)."""
    total = db.session.scalar(
        select(db.func.coalesce(db.func.sum(Booking.quantity), 0)).where(
            Booking.slot_id == slot.id, Booking.status.in_(HOLDS_PLACES)
        )
    )
    return int(total)


def _read_again(slot: Slot) -> Programme:
    # transaction() expired the slot and its programme (they may have changed since they were
    # loaded): read them again, both in one prepared SELECT (load_expired) rather than the
    # ORM's lazy loads, which cost several times more, inside the writers' turn on SQLite.
    load_expired(db.session, slot, _LOAD_SLOT)
    return slot.programme


def _insert_booking(booking: Booking, slot: Slot) -> None:
    # Written once, in its status of the moment (moved before, not updated after). The
    # unique constraints are the guarantee, no read first: the INSERT writes nothing when the
    # reference is already in use (about one chance in 887 million per booking already made:
    # written again with another one) or when the same person already has a live booking
    # for the slot (the index uq_booking_live_person: AlreadyBooked). On PostgreSQL a
    # concurrent request of the same person waits here for the first one's commit.
    prefix = slot.programme.reference_prefix
    while True:
        booking.reference = new_reference(prefix)
        if insert_row(db.session, booking, _INSERT_BOOKING):
            return
        existing = _live_booking_of(booking.slot_id, booking.person_key)
        if existing is not None:
            raise AlreadyBooked(existing, after_rollback=partial(resend_link, existing))


def _live_booking_of(slot_id: int, person_key: str | None) -> int | None:
    if person_key is None:
        return None
    return db.session.scalar(
        select(Booking.id).where(
            Booking.slot_id == slot_id,
            Booking.person_key == person_key,
            Booking.status.in_(LIVE),
        )
    )


def resend_link(booking_id: int) -> None:
    """Email a booking's link again to its address (someone asked to book again with it):
    its confirmation for a confirmed booking, else the news of where it stands."""
    booking = db.session.get(Booking, booking_id)
    if booking is not None and booking.status in LIVE:
        queue_email(booking, "link_again")


def _add_booking(booking: Booking, slot: Slot, programme: Programme, details) -> None:
    add_written(db.session, booking)
    set_committed_value(booking, "slot", slot)
    if details is not None:  # an event's request has none: nothing more to write
        programme.write_details(booking, details)


def _ask_newsletter_confirmation(booking: Booking) -> None:
    # Anyone can type any address: the newsletter counts once confirmed from that address.
    if booking.newsletter_consent:
        queue_email(booking, "newsletter_confirm")


def confirm_newsletter(booking: Booking, *, now: datetime) -> bool:
    """The address confirmed the newsletter it asked for (the emailed link). False when
    there is nothing to confirm (never asked, or confirmed already)."""
    if not booking.newsletter_consent or booking.newsletter_confirmed_at is not None:
        return False
    booking.newsletter_confirmed_at = now
    return True


def _take_back(booking: Booking) -> None:
    # Rows written in this transaction, before the hold failed: deleted, as if never written.
    connection = db.session.connection()
    for table in (OutboxMessage.__table__, Ticket.__table__):
        connection.execute(delete(table).where(table.c.booking_id == booking.id))
    connection.execute(delete(Booking.__table__).where(Booking.__table__.c.id == booking.id))


# Prepared once (fastpath.py): building and running statements through SQLAlchemy costs
# several times more Python than the driver's own work.
_LOAD_SLOT = PreparedLoad(Slot, related="programme")
_INSERT_BOOKING = PreparedInsert(Booking, unless_any_conflict=True)
_INSERT_TICKET = PreparedInsert(Ticket, returning=False)
_slot = Slot.__table__
_HOLD = Prepared(
    update(_slot)
    .where(_slot.c.id == bindparam("slot_id"), _slot.c.taken + bindparam("q") <= _slot.c.capacity)
    .values(taken=_slot.c.taken + bindparam("q"))
    .returning(_slot.c.taken)
)
_RELEASE = Prepared(
    update(_slot)
    .where(_slot.c.id == bindparam("slot_id"))
    .values(taken=_slot.c.taken - bindparam("q"))
    .returning(_slot.c.taken)
)


def hold_places(slot: Slot, quantity: int) -> bool:
    """Hold `quantity` more places on `slot` if they are free (False, nothing held, if not),
    by the one conditional UPDATE; `slot.taken` then shows the database's value."""
    _flush_bookings_first()
    if _hold(slot, quantity):
        return True
    db.session.refresh(slot, ["taken"])  # full: show what is really left
    return False


def _hold(slot: Slot, quantity: int) -> bool:
    # The WHERE clause is the capacity check: no race for the last place.
    row = _HOLD.run(db.session, {"slot_id": slot.id, "q": quantity})
    if row is None:
        return False
    _set_taken(slot, row[0])
    return True


def give_back(booking: Booking) -> None:
    """Give back what a booking that held places took: its places and its counters (the
    caller has just moved it out of a status that holds places)."""
    release_places(booking.slot, booking.quantity)
    programme = booking.slot.programme
    details = programme.details_of(booking)
    if details is not None:
        release_counters(programme.counter_holds(booking.slot, booking.quantity, details))


def _hold_counters_of(booking: Booking, programme: Programme) -> bool:
    # A waiting booking moving up takes its counters too, or stays waiting.
    details = programme.details_of(booking)
    if details is None:
        return True
    holds = programme.counter_holds(booking.slot, booking.quantity, details)
    if not holds:
        return True
    try:
        with db.session.begin_nested():
            hold_counters(holds)
    except BookingError:
        return False
    return True


def release_places(slot: Slot, quantity: int) -> None:
    """Give `quantity` places of `slot` back (the caller then moves the waiting list up)."""
    _flush_bookings_first()
    [taken] = _RELEASE.run(db.session, {"slot_id": slot.id, "q": quantity})
    _set_taken(slot, taken)


def _flush_bookings_first() -> None:
    # A booking moved before its places are held or given back is written first: its version
    # check (and, on PostgreSQL, its row lock) settles a race on the same booking before any
    # place moves. Two people cancelling one booking at once: the second one's UPDATE finds
    # the version changed and fails (BookingChanged), instead of giving the places back twice.
    db.session.flush()


def _set_taken(slot: Slot, taken: int) -> None:
    # Record the database's value as loaded, so the ORM never writes `taken` back itself.
    set_committed_value(slot, "taken", taken)
