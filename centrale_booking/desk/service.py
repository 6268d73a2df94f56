"""What the desk does: read a scanned code, ask the engine to record the scan, and say what
the door needs: what the ticket admits, who else comes with it, who may collect a child.
It knows programmes only through the Programme protocol (booking/models.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..booking.checkin import (
    LEFT_ALONE,
    admission,
    is_inside,
    record_counts,
    record_scan,
    scan_result,
    ticket_for_code,
)
from ..booking.door import door_seats
from ..booking.engine import Contact, book_walk_in
from ..booking.models import Booking, CheckIn, CheckInCount, Collector, Direction, Slot, Ticket
from ..booking.states import BookingStatus
from ..booking.tickets import ACCEPTED
from ..extensions import db

UNKNOWN = "unknown"  # no ticket has this code
CHOOSE_COLLECTOR = "choose_collector"  # a check-out waits for who collects the child
NO_COLLECTOR = "no_collector"  # a check-out nobody may collect: the office decides

# A ticket code: token_urlsafe(16), 22 characters; codes made elsewhere may be longer.
_CODE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def ticket_code(scanned: str) -> str | None:
    """The code in what was scanned or typed: the ticket URL of the QR (/t/<code>, from any
    host) or the bare code; None when it is neither."""
    text = scanned.strip()
    if "/" in text:
        path = urlsplit(text).path if "://" in text else text
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[-2] != "t":
            return None
        text = parts[-1]
    return text if _CODE.fullmatch(text) else None


def find_ticket(scanned: str, day: date | None = None) -> Ticket | None:
    """The ticket of what was scanned, on `day` (today by default): by its own code, else
    what the code stands for that day (a campus child's pass: that day's week)."""
    code = ticket_code(scanned)
    if code is None:
        return None
    return ticket_for_code(
        code,
        day or clock.today(),
        options=[joinedload(Ticket.booking).joinedload(Booking.slot).joinedload(Slot.programme)],
    )


@dataclass
class ScanAnswer:
    """The desk's answer to one scan."""

    result: str  # ACCEPTED, a refusal of the engine, UNKNOWN, CHOOSE_COLLECTOR, NO_COLLECTOR
    direction: Direction
    ticket: Ticket | None = None
    check_in: CheckIn | None = None  # None: nothing recorded
    previous: CheckIn | None = None  # the admission an ALREADY USED ticket had
    collectors: list[Collector] = field(default_factory=list)
    may_leave_alone: bool = False
    collected_by: str = ""  # a check-out's collector, or LEFT_ALONE
    by_pass: bool = False  # scanned by a code standing for the ticket (a child's pass)


def scan(
    scanned: str,
    *,
    direction: Direction | None,
    staff,
    scan_id: str | None,
    device: str,
    now: datetime,
    collector: str | None = None,
) -> ScanAnswer:
    """Scan what was read at the door. `direction` None: in, or, for a programme that checks
    out, out when the holder is inside today (the scan toggles). A check-out of a child
    records who collects (`collector`, a name among the programme's collectors, or
    LEFT_ALONE); without one it answers CHOOSE_COLLECTOR and records nothing. The caller
    commits."""
    day = clock.local(now).date()
    ticket = find_ticket(scanned, day)
    if ticket is None:
        return ScanAnswer(UNKNOWN, direction or Direction.inward)
    programme = ticket.booking.slot.programme
    if direction is None:
        outside = not (programme.checks_out and is_inside(ticket, day))
        direction = Direction.inward if outside else Direction.outward
    answer = ScanAnswer(ACCEPTED, direction, ticket, by_pass=ticket.code != ticket_code(scanned))
    if programme.checks_out and direction is Direction.outward:
        answer.collectors = programme.collectors(ticket)
        answer.may_leave_alone = programme.may_leave_alone(ticket)
        if collector is None and scan_result(ticket, direction, now) == ACCEPTED:
            answer.result = CHOOSE_COLLECTOR
            if not answer.collectors and not answer.may_leave_alone:
                answer.result = NO_COLLECTOR
            return answer
    if programme.checks_out and direction is Direction.outward and collector is not None:
        answer.collected_by = collector
        # The programme applies its own check-out rules (who may collect today) and records.
        answer.check_in = programme.check_out(
            ticket,
            collector=None if collector == LEFT_ALONE else collector,
            staff=staff,
            now=now,
            scan_id=scan_id,
            device=device,
        )
    else:
        answer.check_in = record_scan(
            ticket,
            direction=direction,
            staff=staff,
            scan_id=scan_id,
            device=device,
            now=now,
            release_after=walk_in_after(),
        )
    answer.result = answer.check_in.result
    if answer.result == "already_used":
        answer.previous = admission(ticket, day if programme.checks_out else None)
    return answer


def walk_in_after() -> timedelta:
    """From how long after the start the seats nobody claimed may go to walk-ins."""
    return timedelta(minutes=current_app.config["DESK_WALK_IN_AFTER_MINUTES"])


def walk_in_seats(slot: Slot, now: datetime) -> int | None:
    """The seats a walk-in may have now on `slot`; None for a slot without walk-ins."""
    if not slot.programme.takes_walk_ins:
        return None
    return door_seats(slot, now, walk_in_after())


def walk_in(
    slot: Slot, seats: int, *, name: str, language: str, staff, device: str, now: datetime
) -> tuple[Booking, list[CheckIn]]:
    """Book `seats` on the spot for people at the door and let them in: the booking and
    its tickets' admissions. The caller commits."""
    contact = Contact(name=name, email="", language=language)
    booking = book_walk_in(slot, seats, contact, now=now, release_after=walk_in_after())
    admissions = [
        record_scan(
            ticket, direction=Direction.inward, staff=staff, scan_id=None, device=device, now=now
        )
        for ticket in booking.tickets
    ]
    return booking, admissions


def allowed_collectors(ticket: Ticket) -> set[str]:
    """What a check-out of `ticket` may record as collected_by."""
    programme = ticket.booking.slot.programme
    allowed = {c.name for c in programme.collectors(ticket)}
    if programme.may_leave_alone(ticket):
        allowed.add(LEFT_ALONE)
    return allowed


def expected_counts(check_in: CheckIn) -> dict[str, int]:
    """Who the group ticket of `check_in` expects, by kind; {} for a ticket of one party."""
    headcount = check_in.ticket.booking.slot.programme.headcount(check_in.ticket)
    return dict(headcount.expected) if headcount else {}


def confirm_counts(check_in: CheckIn, arrived: dict[str, int]) -> None:
    """Record how many came in with a group ticket: each kind it expects, as expected when
    not given."""
    record_counts(check_in, expected_counts(check_in), arrived)


def confirm_total(check_in: CheckIn, total: int) -> None:
    """Record a group's arrival given as one number (a device's `count`): those missing are
    taken from the first kind it expects (the pupils; their teachers bring them)."""
    expected = expected_counts(check_in)
    if not expected:
        return
    arrived = dict(expected)
    missing = max(0, sum(expected.values()) - total)
    first = next(iter(expected))
    arrived[first] = max(0, expected[first] - missing)
    record_counts(check_in, expected, arrived)


def companions(ticket: Ticket, direction: Direction, now: datetime) -> list[tuple[Ticket, bool]]:
    """The tickets checked in (or out) together with this one today, each with whether the
    same scan would let it through now."""
    programme = ticket.booking.slot.programme
    others = programme.companions(ticket, clock.local(now).date())
    return [(other, scan_result(other, direction, now) == ACCEPTED) for other in others]


# --- Today ----------------------------------------------------------------------------------


@dataclass
class Arrival:
    """One ticket expected today, as the board and the desk's local list show it."""

    ticket: Ticket
    state: str  # "expected", "inside" (arrived), "left" (checked out today), "cancelled"
    arrived_at: datetime | None


@dataclass
class SlotToday:
    slot: Slot
    arrivals: list[Arrival]

    @property
    def expected(self) -> int:
        return sum(a.ticket.admits for a in self.arrivals if a.state != "cancelled")

    @property
    def arrived(self) -> int:
        return sum(a.ticket.admits for a in self.arrivals if a.state in ("inside", "left"))


def slots_of(day: date) -> list[Slot]:
    """The slots taking place on `day` (a campus week on each of its days), by time."""
    return list(
        db.session.scalars(
            select(Slot)
            .where(
                Slot.starts_at < clock.midnight(day + timedelta(days=1)),
                Slot.ends_at >= clock.midnight(day),
                Slot.cancelled_at.is_(None),
            )
            .options(joinedload(Slot.programme))
            .order_by(Slot.starts_at, Slot.id)
        )
    )


def today(day: date) -> list[SlotToday]:
    """Every ticket expected on `day`, slot by slot, with who has arrived: in three queries
    whatever the number of people (a day of 600 opens at once)."""
    slots = slots_of(day)
    if not slots:
        return []
    tickets = db.session.scalars(
        select(Ticket)
        .join(Booking)
        .where(
            Booking.slot_id.in_([s.id for s in slots]),
            Booking.status == BookingStatus.confirmed,
        )
        .options(joinedload(Ticket.booking))
        .order_by(Ticket.holder_label, Ticket.id)
    ).all()
    scans = db.session.execute(
        select(CheckIn.ticket_id, CheckIn.direction, CheckIn.scanned_at)
        .where(CheckIn.ticket_id.in_([t.id for t in tickets]), CheckIn.result == ACCEPTED)
        .order_by(CheckIn.scanned_at, CheckIn.id)
    ).all()
    start, end = clock.midnight(day), clock.midnight(day + timedelta(days=1))
    by_ticket: dict[int, list] = {}
    for scan_row in scans:
        by_ticket.setdefault(scan_row.ticket_id, []).append(scan_row)
    slot_by_id = {s.id: SlotToday(s, []) for s in slots}
    for ticket in tickets:
        slot_today = slot_by_id[ticket.booking.slot_id]
        ticket.booking.slot = slot_today.slot  # already loaded: no query per ticket
        checks_out = slot_today.slot.programme.checks_out
        state, arrived_at = "expected", None
        for row in by_ticket.get(ticket.id, []):
            if checks_out and not (start <= row.scanned_at < end):
                continue  # a campus child arrives anew each day
            if row.direction is Direction.inward:
                state, arrived_at = "inside", arrived_at or row.scanned_at
            elif checks_out:
                state = "left"
        slot_today.arrivals.append(Arrival(ticket, state, arrived_at))
    return list(slot_by_id.values())


def search(text: str, day: date, limit: int = 20) -> list[Ticket]:
    """Tickets by booking reference (any day: a wrong day is for the scan to say) or by a
    part of a name (today's only)."""
    words = text.strip()
    if len(words) < 2:
        return []
    by_reference = (
        select(Ticket).join(Booking).where(func.upper(Booking.reference) == words.upper())
    )
    found = list(db.session.scalars(by_reference.limit(limit)))
    if found:
        return found
    pattern = f"%{words.lower()}%"
    slot_ids = [s.id for s in slots_of(day)]
    return list(
        db.session.scalars(
            select(Ticket)
            .join(Booking)
            .where(
                Booking.slot_id.in_(slot_ids),
                Booking.status == BookingStatus.confirmed,
                or_(
                    func.lower(Ticket.holder_label).like(pattern),
                    func.lower(Booking.contact_name).like(pattern),
                ),
            )
            .order_by(Ticket.holder_label, Ticket.id)
            .limit(limit)
        )
    )


# --- Group arrivals: who came with a group ticket, for the staff and the yearly figures ------


def figures_year(day: date) -> int:
    """The year of figures `day` falls in: September to August, as the school year is."""
    return day.year if day.month >= 9 else day.year - 1


@dataclass
class GroupArrival:
    check_in: CheckIn
    counts: list[CheckInCount]

    @property
    def expected(self) -> int:
        return sum(c.expected for c in self.counts)

    @property
    def arrived(self) -> int:
        return sum(c.arrived for c in self.counts)


def group_arrivals(year: int) -> list[GroupArrival]:
    """The groups let in from September of `year` to August, each with how many of each kind
    were expected and came, by time."""
    first, last = date(year, 9, 1), date(year + 1, 9, 1)
    check_ins = db.session.scalars(
        select(CheckIn)
        .where(
            CheckIn.scanned_at >= clock.midnight(first),
            CheckIn.scanned_at < clock.midnight(last),
            CheckIn.counts.any(),
        )
        .options(
            joinedload(CheckIn.counts),
            joinedload(CheckIn.ticket)
            .joinedload(Ticket.booking)
            .joinedload(Booking.slot)
            .joinedload(Slot.programme),
        )
        .order_by(CheckIn.scanned_at)
    ).unique()
    return [GroupArrival(c, sorted(c.counts, key=lambda n: n.id)) for c in check_ins]


def totals_by_kind(arrivals: list[GroupArrival]) -> dict[str, tuple[int, int]]:
    """(expected, arrived) of each kind over `arrivals`."""
    totals: dict[str, tuple[int, int]] = {}
    for arrival in arrivals:
        for count in arrival.counts:
            expected, arrived = totals.get(count.kind, (0, 0))
            totals[count.kind] = (expected + count.expected, arrived + count.arrived)
    return totals
