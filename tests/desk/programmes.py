"""Small programmes of the tests, for the desk's hooks (single-table onto the event table: no
migration), standing in for the school visits and the campus until theirs land: a class
with a headcount, and a day camp whose children check in and out, with collectors."""

from __future__ import annotations

from datetime import timedelta

from centrale_booking import clock
from centrale_booking.booking.engine import request_booking
from centrale_booking.booking.models import Collector, Headcount, Slot, TicketPlan
from centrale_booking.events.models import Category, Event
from centrale_booking.extensions import db, transaction, utcnow
from tests.factories import a_contact, make_event


class ClassVisit(Event):
    """A school class: one ticket for the class, its headcount by kind."""

    __mapper_args__ = {"polymorphic_identity": "test_class"}
    takes_walk_ins = False

    def headcount(self, ticket):
        return Headcount({"pupils": 24, "teachers": 2, "support": 1})

    def door_label(self, ticket, language):
        return f"{ticket.holder_label}: 24 alunni, 2 docenti, 1 sostegno"

    def door_name(self, ticket):
        return ticket.holder_label


class DayCamp(Event):
    """A family's children, one ticket each, in and out each day; the names stored with the
    booking. A child named "…Alone" may leave on their own."""

    __mapper_args__ = {"polymorphic_identity": "test_daycamp"}
    checks_out = True
    takes_walk_ins = False

    def write_details(self, booking, details) -> None:
        booking.contact_phone = ",".join(details["children"])

    def ticket_plan(self, booking, details=None):
        names = (details or {"children": booking.contact_phone.split(",")})["children"]
        return [TicketPlan(name, 1) for name in names]

    def door_label(self, ticket, language):
        return f"{self.door_name(ticket)}, 8 anni — allergie: sì"

    def companions(self, ticket, day):
        return [t for t in ticket.booking.tickets if t.id != ticket.id]

    def collectors(self, ticket):
        return [Collector("Anna Rossi", "madre", "CA1234567"), Collector("Luca Verdi", "nonno", "")]

    def may_leave_alone(self, ticket):
        return ticket.holder_label.endswith("Alone")


def today_slot(programme=None, capacity=50, days=0) -> Slot:
    """A slot on the museum's today (or `days` from it), from 00:01 to 23:59."""
    programme = programme or make_event()
    start = clock.midnight(clock.today() + timedelta(days=days)) + timedelta(minutes=1)
    with transaction():
        slot = Slot(
            programme=programme,
            starts_at=start,
            ends_at=start + timedelta(hours=23, minutes=58),
            capacity=capacity,
        )
        db.session.add(slot)
    return slot


def week_slot(programme, capacity=50) -> Slot:
    """A campus week: from yesterday to five days on, each day."""
    start = clock.midnight(clock.today() - timedelta(days=1)) + timedelta(hours=8)
    with transaction():
        slot = Slot(
            programme=programme,
            starts_at=start,
            ends_at=start + timedelta(days=5, hours=9),
            capacity=capacity,
        )
        db.session.add(slot)
    return slot


def _programme(model, **fields):
    programme = model(
        slug=f"{model.__name__.lower()}-{id(fields)}-{utcnow().timestamp()}",
        title_it="Prova",
        title_en="Test",
        category=Category.talk,
        published=True,
        max_per_booking=10,
        **fields,
    )
    with transaction():
        db.session.add(programme)
    return programme


def class_visit() -> ClassVisit:
    return _programme(ClassVisit)


def day_camp() -> DayCamp:
    return _programme(DayCamp)


def book(slot, quantity=1, *, name=None, details=None):
    """A confirmed booking, made the day before the slot starts (booking is open then)."""
    with transaction():
        return request_booking(
            slot,
            quantity,
            a_contact(name),
            now=slot.starts_at - timedelta(days=1),
            details=details,
        )
