"""The desk's answers as JSON, for its page and for devices: what the door needs, no more
(no email, no phone, no health details: those open on purpose, audited)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .. import clock
from ..booking.checkin import LEFT_ALONE, WRONG_DAY, days_between
from ..booking.door import NO_SEATS_LEFT
from ..booking.fastscan import PlainScan
from ..booking.models import Booking, CheckIn, Direction, Slot, Ticket, places_text, short_name
from ..booking.tickets import ACCEPTED
from .service import (
    CHOOSE_COLLECTOR,
    NO_COLLECTOR,
    UNKNOWN,
    Arrival,
    ScanAnswer,
    SlotToday,
    companions,
    walk_in_seats,
)

# Who is who in a group's headcount (the programme's keys), as the desk reads them.
HEADCOUNT_KINDS = {
    "pupils": lambda: _("Pupils"),
    "teachers": lambda: _("Teachers"),
    "support": lambda: _("Support teachers"),
    "support_teachers": lambda: _("Support teachers"),
    "adults": lambda: _("Adults"),
    "children": lambda: _("Children"),
}


def headline(result: str, direction: Direction) -> str:
    """The answer in a few words, as big as the screen allows."""
    if result == ACCEPTED:
        return _("Checked out") if direction is Direction.outward else _("OK, come in")
    return {
        "already_used": _("Already used"),
        WRONG_DAY: _("Wrong day"),
        "cancelled": _("Cancelled"),
        UNKNOWN: _("Unknown ticket"),
        NO_SEATS_LEFT: _("No places left"),
        "not_checked_in": _("Not checked in today"),
        CHOOSE_COLLECTOR: _("Who is collecting?"),
        NO_COLLECTOR: _("Nobody may collect"),
    }.get(result, result)


def scan_answer(answer: ScanAnswer, language: str, *, now: datetime) -> dict:
    ticket = answer.ticket
    body: dict = {
        "result": answer.result,
        "direction": answer.direction.value,
        "headline": headline(answer.result, answer.direction),
        "message": _message(answer, language),
        "ticket": None if ticket is None else ticket_summary(ticket, language),
        "scan": None if answer.check_in is None else scan_item(answer.check_in),
        "previous": None if answer.previous is None else scan_item(answer.previous),
    }
    if ticket is None:
        return body
    programme = ticket.booking.slot.programme
    headcount = programme.headcount(ticket)
    body["headcount"] = (
        None
        if headcount is None
        else [
            {"kind": kind, "label": HEADCOUNT_KINDS.get(kind, lambda k=kind: k)(), "expected": n}
            for kind, n in headcount.expected.items()
        ]
    )
    if answer.result in (ACCEPTED, CHOOSE_COLLECTOR):
        body["companions"] = [
            {**ticket_summary(other, language), "ready": ready}
            for other, ready in companions(ticket, answer.direction, now)
        ]
    body["collectors"] = [
        {"name": c.name, "relationship": c.relationship} for c in answer.collectors
    ]
    body["may_leave_alone"] = answer.may_leave_alone
    body["left_alone"] = LEFT_ALONE
    return body


def _message(answer: ScanAnswer, language: str) -> str:
    ticket, result = answer.ticket, answer.result
    if result == UNKNOWN:
        return _("No ticket has this code. Check the code, or search by reference or name.")
    programme = ticket.booking.slot.programme
    if result == ACCEPTED:
        # The programme may record who collected elsewhere (the campus's pick-ups).
        collected_by = answer.check_in.collected_by or answer.collected_by
        if answer.direction is Direction.outward and collected_by:
            if collected_by == LEFT_ALONE:
                return _("%(name)s left on their own.", name=programme.door_name(ticket))
            return _(
                "%(name)s collected by %(collector)s.",
                name=programme.door_name(ticket),
                collector=collected_by,
            )
        return programme.door_label(ticket, language)
    if result == "already_used" and answer.previous is not None:
        return used_text(answer.previous, language)
    if result == WRONG_DAY:
        # A child's pass is good in each of the child's weeks; a ticket, on its slot's days.
        periods = programme.pass_periods(ticket) if answer.by_pass else []
        if len(periods) > 1:
            return _(
                "Valid on these days: %(days)s.",
                days="; ".join(_period(first, last, language) for first, last in periods),
            )
        if periods:
            first, last = periods[0]
            return _valid_text(clock.midnight(first), clock.midnight(last), language)
        return _valid_text(ticket.booking.slot.starts_at, ticket.booking.slot.ends_at, language)
    if result == NO_SEATS_LEFT:
        return _(
            "The places nobody claimed went to walk-ins, and none remain: do not let in on "
            "this ticket."
        )
    if result == "cancelled":
        return _cancelled_text()
    if result == "not_checked_in":
        return _("This ticket was not checked in today.")
    if result == CHOOSE_COLLECTOR:
        return _("%(name)s: choose who is collecting.", name=programme.door_name(ticket))
    if result == NO_COLLECTOR:
        return _(
            "Nobody is listed to collect %(name)s, who may not leave alone. Call the office.",
            name=programme.door_name(ticket),
        )
    return ""


def _period(first, last, language: str) -> str:
    """A day, or days from the first to the last: "lunedì 4 gennaio 2027 – venerdì 8 …"."""
    days = [clock.day(clock.midnight(d), language) for d in dict.fromkeys((first, last))]
    return " – ".join(days)


def _valid_text(starts_at: datetime, ends_at: datetime, language: str) -> str:
    first, last = days_between(starts_at, ends_at)
    if first == last:
        return _("Valid on %(day)s.", day=clock.day(starts_at, language))
    return _(
        "Valid from %(first)s to %(last)s.",
        first=clock.day(starts_at, language),
        last=clock.day(ends_at, language),
    )


def _cancelled_text() -> str:
    return _("This booking is cancelled, or its date is: do not let in on this ticket.")


def used_text(check_in: CheckIn, language: str) -> str:
    """Used at 18:32 at Desk 1 by Anna Bianchi."""
    staff = check_in.staff_user
    who = "" if staff is None else (staff.name or staff.email)
    return used_text_of(check_in.scanned_at, check_in.device_name, who, language)


def used_text_of(scanned_at: datetime, device_name: str, who: str, language: str) -> str:
    when = clock.clock_time(scanned_at, language)
    if clock.local(scanned_at).date() != clock.today():
        when = clock.moment_text(scanned_at, language)
    where = device_name or _("a desk")
    if who:
        return _("Used at %(when)s at %(where)s by %(who)s.", when=when, where=where, who=who)
    return _("Used at %(when)s at %(where)s.", when=when, where=where)


def ticket_summary(
    ticket: Ticket, language: str, of_slot: dict | None = None, passes: dict | None = None
) -> dict:
    """What the door needs of a ticket. `of_slot`: its slot's part, made once for all the
    tickets of a slot (slot_summary); `passes`: the slot's pass codes (Programme.pass_codes),
    asked once for all its tickets too."""
    programme = ticket.booking.slot.programme
    if passes is None:
        passes = programme.pass_codes([ticket])
    return {
        "code": ticket.code,
        # the code its QR holds, when not its own (a child's pass): a device offline finds
        # the ticket by it too
        "pass": passes.get(ticket.id),
        "reference": ticket.booking.reference,
        "name": programme.door_name(ticket),
        "label": programme.door_label(ticket, language),
        "admits": ticket.admits,
        **(of_slot or slot_summary(ticket.booking.slot, language)),
    }


def slot_summary(slot: Slot, language: str) -> dict:
    """The part of a ticket's summary that is its slot's."""
    programme = slot.programme
    return _slot_part(
        programme.text("title", language),
        slot.starts_at,
        slot.ends_at,
        programme.checks_out,
        language,
    )


def _slot_part(
    title: str, starts_at: datetime, ends_at: datetime, checks_out: bool, language: str
) -> dict:
    first, last = days_between(starts_at, ends_at)
    return {
        "programme": title,
        "starts_at": clock.iso(starts_at),
        "time": clock.clock_time(starts_at, language),
        "valid_from": first.isoformat(),
        "valid_to": last.isoformat(),
        "checks_out": checks_out,
    }


def scan_item(check_in: CheckIn) -> dict:
    staff = check_in.staff_user
    return {
        "id": check_in.id,
        "at": clock.iso(check_in.scanned_at),
        "direction": check_in.direction.value,
        "result": check_in.result,
        "device": check_in.device_name,
        "staff": "" if staff is None else (staff.name or staff.email),
        "collected_by": check_in.collected_by,
    }


def arrival_item(
    arrival: Arrival, language: str, of_slot: dict | None = None, passes: dict | None = None
) -> dict:
    return {
        **ticket_summary(arrival.ticket, language, of_slot, passes),
        "state": arrival.state,
        "arrived_at": None if arrival.arrived_at is None else clock.iso(arrival.arrived_at),
    }


def walk_in_answer(
    booking: Booking, admissions: list[CheckIn], seats_left: int | None, language: str
) -> dict:
    """Seats booked at the door, their people let in: shown as an OK."""
    programme = booking.slot.programme
    return {
        "result": ACCEPTED,
        "headline": _("OK, come in"),
        "message": programme.places_text(booking.quantity),
        "reference": booking.reference,
        "seats": booking.quantity,
        "seats_left": seats_left,
        "tickets": [ticket_summary(t, language) for t in booking.tickets],
        "scans": [scan_item(c) for c in admissions],
    }


def day_items(slots: list[SlotToday], language: str, now: datetime | None = None) -> list[dict]:
    """Today's slots; with `now`, each slot's seats for walk-ins (null: it takes none). A day
    of 600 people in one answer: each slot's part is made once, not once per ticket."""
    items = []
    for s in slots:
        of_slot = slot_summary(s.slot, language)
        passes = s.slot.programme.pass_codes([a.ticket for a in s.arrivals])
        items.append(
            {
                "slot_id": s.slot.id,
                "programme": of_slot["programme"],
                "kind": s.slot.programme.kind,
                "starts_at": of_slot["starts_at"],
                "time": of_slot["time"],
                "expected": s.expected,
                "arrived": s.arrived,
                "tickets": [arrival_item(a, language, of_slot, passes) for a in s.arrivals],
                "walk_in_seats": None if now is None else walk_in_seats(s.slot, now),
            }
        )
    return items


def plain_scan_answer(scan: PlainScan, language: str, staff: str) -> dict:
    """scan_answer's JSON for a scan the hot path recorded (booking/fastscan.py), word for word
    what the full path says of a plain ticket: the protocol's own door hooks, unoverridden.
    `staff`: who scanned (name, else email; "" for a device). In the request's language."""
    summary = {
        "code": scan.code,
        "pass": None,  # a kind answered here prints its own code (pass_codes is a door hook)
        "reference": scan.reference,
        "name": short_name(scan.holder_label),
        "label": places_text(scan.unit, scan.admits),
        "admits": scan.admits,
        **_slot_part(
            scan.titles.get(language) or scan.titles["it"],
            scan.starts_at,
            scan.ends_at,
            False,
            language,
        ),
    }
    previous = scan.previous
    if scan.result == ACCEPTED:
        message = summary["label"]
    elif scan.result == WRONG_DAY:
        message = _valid_text(scan.starts_at, scan.ends_at, language)
    elif scan.result == "cancelled":
        message = _cancelled_text()
    else:  # already used
        message = used_text_of(previous.scanned_at, previous.device_name, previous.staff, language)
    body = {
        "result": scan.result,
        "direction": Direction.inward.value,
        "headline": headline(scan.result, Direction.inward),
        "message": message,
        "ticket": summary,
        "scan": {
            "id": scan.id,
            "at": clock.iso(scan.scanned_at),
            "direction": Direction.inward.value,
            "result": scan.result,
            "device": scan.device_name,
            "staff": staff,
            "collected_by": "",
        },
        "previous": None
        if previous is None
        else {
            "id": previous.id,
            "at": clock.iso(previous.scanned_at),
            "direction": Direction.inward.value,
            "result": ACCEPTED,
            "device": previous.device_name,
            "staff": previous.staff,
            "collected_by": "",
        },
        "headcount": None,
    }
    if scan.result == ACCEPTED:
        body["companions"] = []
    body.update(collectors=[], may_leave_alone=False, left_alone=LEFT_ALONE)
    return body
