"""Family campus weeks held when schools close.

An edition (Campus, e.g. "Campus di Natale 2026") is a programme; each of its weeks is a Slot
whose places are children. A family enrols in one go (CampusFamily: the parent, the emergency
contact, the consents, who may collect the children); each child (CampusChild) is placed in a
week through a CampusPlace, which belongs to the family's Booking of that week: the family's
request for a week is one unit, the booking's quantity its number of children."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import partial

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..booking.codes import new_ticket_code
from ..booking.models import (
    Booking,
    CheckIn,
    Collector,
    Fact,
    Programme,
    Slot,
    Ticket,
    TicketPlan,
)
from ..booking.states import LIVE
from ..db_types import EncryptedText, enum_type
from ..extensions import db, utcnow


class Season(StrEnum):
    christmas = "christmas"
    easter = "easter"
    summer = "summer"


class Audience(StrEnum):
    """Who an edition is for: an age range (on each week's first day) or school classes."""

    ages = "ages"
    classes = "classes"


# The school classes an edition may ask for, in school order (the current school year's).
SCHOOL_CLASSES = {
    "I3": _l("Nursery school, first year"),
    "I4": _l("Nursery school, second year"),
    "I5": _l("Nursery school, last year"),
    "P1": _l("1st year of primary school"),
    "P2": _l("2nd year of primary school"),
    "P3": _l("3rd year of primary school"),
    "P4": _l("4th year of primary school"),
    "P5": _l("5th year of primary school"),
    "S1": _l("1st year of lower secondary school"),
    "S2": _l("2nd year of lower secondary school"),
    "S3": _l("3rd year of lower secondary school"),
}
CLASS_ORDER = list(SCHOOL_CLASSES)


class Campus(Programme):
    """One edition of the family campus, with its weeks as slots."""

    __tablename__ = "campus"

    id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    season: Mapped[Season] = mapped_column(enum_type(Season))
    closure_starts: Mapped[date | None] = mapped_column(Date)  # the schools' closure
    closure_ends: Mapped[date | None] = mapped_column(Date)
    audience: Mapped[Audience] = mapped_column(enum_type(Audience), default=Audience.ages)
    min_age: Mapped[int] = mapped_column(default=6)
    max_age: Mapped[int] = mapped_column(default=11)
    min_class: Mapped[str | None] = mapped_column(String(4))  # a key of SCHOOL_CLASSES
    max_class: Mapped[str | None] = mapped_column(String(4))
    # Days within a week when the campus does not run (1 January), ISO dates.
    closed_days: Mapped[list] = mapped_column(JSON, default=list)
    fee_it: Mapped[str] = mapped_column(String(200), default="")  # shown only; not paid here
    fee_en: Mapped[str] = mapped_column(String(200), default="")
    bring_it: Mapped[str] = mapped_column(Text, default="")  # what to bring
    bring_en: Mapped[str] = mapped_column(Text, default="")
    # From this age a child may go home alone, if the parent agrees; None: never.
    leave_alone_min_age: Mapped[int | None]

    reference_prefix = "CP"
    few_places = 5
    remind_within = timedelta(hours=60)  # before a Monday: the Friday's email
    public_endpoint = "campus.show"
    checks_out = True

    __mapper_args__ = {"polymorphic_identity": "campus"}

    def public_url_values(self) -> dict:
        return {"campus_id": self.id}

    # --- Who it is for, and its days -------------------------------------------------------

    def week_days(self, slot: Slot) -> list[date]:
        """The days a week runs: Monday to Friday from its first to its last, less closed days."""
        first, last = clock.local(slot.starts_at).date(), clock.local(slot.ends_at).date()
        closed = set(self.closed_days or ())
        days, day = [], first
        while day <= last:
            if day.weekday() < 5 and day.isoformat() not in closed:
                days.append(day)
            day += timedelta(days=1)
        return days

    def audience_text(self, language: str | None = None) -> str:
        with force_locale(language or reading_language()):
            if self.audience is Audience.classes:
                return _(
                    "From %(first)s to %(last)s",
                    first=SCHOOL_CLASSES[self.min_class],
                    last=SCHOOL_CLASSES[self.max_class],
                )
            return _("Ages %(min)s to %(max)s", min=self.min_age, max=self.max_age)

    # --- The programme protocol ------------------------------------------------------------

    def max_places(self, slot: Slot) -> int:
        return slot.max_per_booking or self.max_per_booking

    def check_request(self, slot: Slot, quantity: int, details) -> None:
        from .rules import refuse_children  # rules need the models: imported when asked

        if details is not None:
            refuse_children(self, slot, details.children)

    def write_details(self, booking: Booking, details) -> None:
        # Written after the places are held: on PostgreSQL the slot's row is locked until the
        # commit, so two requests for one week pass this check one after the other.
        refuse_children_enrolled_already(booking.slot, details.children)
        # One INSERT of the rows, by id, each child with the next of the booking's tickets
        # (a booking just written: none is any child's yet; a waitlisted one has none). The
        # family and its children are written already; adding through the relationships
        # would load each collection first.
        first_day = clock.local(booking.slot.starts_at).date()
        tickets = db.session.scalars(
            select(Ticket.id).where(Ticket.booking_id == booking.id).order_by(Ticket.id)
        ).all()
        db.session.execute(
            insert(CampusPlace),
            [
                {
                    "booking_id": booking.id,
                    "child_id": child.id,
                    "family_id": details.family.id,
                    "ticket_id": tickets[n] if n < len(tickets) else None,
                    "age": child.age_on(first_day),
                }
                for n, child in enumerate(details.children)
            ],
        )
        db.session.expire(details.family, ["places"])

    def details_of(self, booking: Booking):
        places = active_places(booking)
        if not places:
            return None
        return WeekDetails(places[0].family, [place.child for place in places])

    def ticket_plan(self, booking: Booking, details=None) -> list[TicketPlan]:
        # One ticket per child: each is checked in and out on their own, every day.
        details = details or self.details_of(booking)
        if details is None:
            return [TicketPlan(booking.contact_name, 1) for _n in range(booking.quantity)]
        return [TicketPlan(child.short_name, 1) for child in details.children]

    def cancel_plea(self) -> str | None:
        return _(
            "If a child cannot come, please withdraw them from the week on your enrolment "
            "page, so that a family waiting can have the place."
        )

    def emails_each_request(self, details) -> bool:
        # A family's weeks are asked for together: one email for the whole enrolment,
        # queued by service.enrol once every week has its answer.
        return details is None

    def tickets_issued(self, booking: Booking) -> None:
        # Confirmed from any page (an offer accepted on the shared manage page too): each
        # child's place gets its ticket, so that the child's pass finds it.
        link_tickets(booking)

    def document_version(self, booking: Booking) -> int:
        # The family's documents show all its weeks: any week's change (each bumps its
        # booking's version; versions only grow) is a new version of every week's.
        family_id = family_id_of(booking)
        if family_id is None:
            return booking.version
        return int(
            db.session.scalar(
                select(db.func.sum(Booking.version)).where(
                    Booking.id.in_(
                        select(CampusPlace.booking_id).where(CampusPlace.family_id == family_id)
                    )
                )
            )
            or booking.version
        )

    def calendar_bookings(self, booking: Booking) -> list[Booking]:
        # The family's calendar file: every week it is confirmed in, an event each.
        family_id = family_id_of(booking)
        if family_id is None or booking.status != "confirmed":
            return [booking]
        weeks = db.session.scalars(
            select(Booking)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(
                Booking.id.in_(
                    select(CampusPlace.booking_id).where(CampusPlace.family_id == family_id)
                ),
                Booking.status == "confirmed",
                Slot.cancelled_at.is_(None),
            )
            .order_by(Slot.starts_at, Booking.id)
        )
        by_week: dict[int, Booking] = {}
        for week in weeks:  # brothers and sisters enrolled apart: one event for the week
            by_week.setdefault(week.slot_id, week)
        return list(by_week.values())

    def days_off(self, slot: Slot) -> list[date]:
        first, last = clock.local(slot.starts_at).date(), clock.local(slot.ends_at).date()
        runs = set(self.week_days(slot))
        return [
            first + timedelta(days=n)
            for n in range((last - first).days + 1)
            if first + timedelta(days=n) not in runs
        ]

    def document_tickets(self, booking: Booking) -> list[Ticket]:
        """One email and one PDF for the family, with one QR per child: the child's pass,
        good on every day of every week the child is confirmed in. The ticket shown for a
        child is that of the child's first such week (its QR holds the pass)."""
        family_id = family_id_of(booking)
        if family_id is None:
            return list(booking.tickets)
        shown: dict[int, Ticket] = {}
        for child_id, ticket in _confirmed_tickets(CampusPlace.family_id == family_id):
            shown.setdefault(child_id, ticket)
        return list(shown.values())

    def ticket_caption(self, ticket: Ticket) -> str:
        """Giulia R. · 28–31 dicembre 2026, 4–8 gennaio 2027: the child and the weeks the
        pass is good in."""
        from .rules import week_label  # rules need the models: imported when asked

        place = place_of(ticket)
        if place is None:
            return f"{ticket.holder_label} · {week_label(ticket.booking.slot)}"
        weeks = [
            t.booking.slot for _c, t in _confirmed_tickets(CampusPlace.child_id == place.child_id)
        ]
        return f"{ticket.holder_label} · {', '.join(week_label(w) for w in weeks)}"

    # --- The child's pass: one QR for all the child's weeks --------------------------------

    @classmethod
    def resolve_code(cls, code: str, day: date) -> Ticket | None:
        """The ticket a child's pass stands for on `day`: the child's in the week covering
        it; withdrawn from that week, the withdrawn place's (answered CANCELLED); on a day
        of no week, the next (else the last) week's, which the desk answers WRONG DAY."""
        places = db.session.scalars(
            select(CampusPlace)
            .join(CampusChild, CampusChild.id == CampusPlace.child_id)
            .join(Booking, Booking.id == CampusPlace.booking_id)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(CampusChild.pass_code == code, CampusPlace.ticket_id.is_not(None))
            .order_by(Slot.starts_at, CampusPlace.id)
        ).all()
        if not places:
            return None
        live = [p for p in places if _live(p)]
        covering = [p for p in places if _covers(p.booking.slot, day)]
        chosen = next((p for p in covering if _live(p)), None) or next(iter(covering), None)
        if chosen is None:
            later = [p for p in live if clock.local(p.booking.slot.starts_at).date() > day]
            chosen = (later or live[-1:] or places)[0]
        return chosen.ticket

    def pass_codes(self, tickets: list[Ticket]) -> dict[int, str]:
        ids = [t.id for t in tickets]
        if not ids:
            return {}
        return dict(
            db.session.execute(
                select(CampusPlace.ticket_id, CampusChild.pass_code)
                .join(CampusChild, CampusChild.id == CampusPlace.child_id)
                .where(CampusPlace.ticket_id.in_(ids))
            ).all()
        )

    def pass_periods(self, ticket: Ticket) -> list[tuple[date, date]]:
        place = place_of(ticket)
        if place is None:
            return super().pass_periods(ticket)
        return [
            (
                clock.local(t.booking.slot.starts_at).date(),
                clock.local(t.booking.slot.ends_at).date(),
            )
            for _c, t in _confirmed_tickets(CampusPlace.child_id == place.child_id)
        ]

    def quantity_changeable(self, booking: Booking) -> bool:
        return False  # children are enrolled by name; a child is withdrawn on its own

    def own_facts(self, booking: Booking, language: str) -> list[Fact]:
        with force_locale(language):
            facts = [Fact(_("For"), self.audience_text(language))]
            if self.text("fee", language):
                facts.append(Fact(_("Fee"), self.text("fee", language)))
            if self.text("bring", language):
                facts.append(Fact(_("What to bring"), self.text("bring", language)))
            return facts

    def document_facts(self, booking: Booking, language: str) -> list[Fact]:
        from .service import family_weeks  # the service needs these models

        weeks = family_weeks(booking)
        if len(weeks) < 2:
            return self.facts(booking, language)
        # The family's one email and PDF: every week instead of the first one's dates, and
        # no count of places, which may differ by week (the list of weeks names who comes).
        with force_locale(language):
            every_week = Fact(_("Weeks"), "; ".join(week for week, _status, _names in weeks))
        return self.facts(booking, language, dates=every_week, places=False)

    # --- At the door ---

    def door_label(self, ticket: Ticket, language: str) -> str:
        place = place_of(ticket)
        if place is None:
            return super().door_label(ticket, language)
        child = place.child
        with force_locale(language):
            health = _("yes") if child.has_health_notes else _("no")
            return _(
                "%(name)s, %(age)s years — allergies: %(health)s",
                name=child.short_name,
                age=child.age_on(clock.today()),
                health=health,
            )

    def companions(self, ticket: Ticket, day) -> list[Ticket]:
        place = place_of(ticket)
        if place is None:
            return []
        return [
            other.ticket
            for other in db.session.scalars(
                select(CampusPlace)
                .join(Booking, Booking.id == CampusPlace.booking_id)
                .where(
                    CampusPlace.family_id == place.family_id,
                    CampusPlace.id != place.id,
                    CampusPlace.withdrawn_at.is_(None),
                    CampusPlace.ticket_id.is_not(None),
                    Booking.status == "confirmed",
                )
            )
            if day in self.week_days(other.booking.slot)
        ]

    def collectors(self, ticket: Ticket, day: date | None = None) -> list[Collector]:
        """The people who may collect the child on `day` (today by default): the family's
        delegates for every day, and the one-off ones for that day."""
        place = place_of(ticket)
        if place is None:
            return []
        people = place.family.collectors_on(day or clock.today())
        return [person.as_collector() for person in people]

    def check_out(self, ticket: Ticket, *, collector, staff, now, **scan) -> CheckIn:
        from .service import record_pickup  # the service needs these models

        return record_pickup(ticket, collector, staff=staff, now=now, **scan).check_in

    def may_leave_alone(self, ticket: Ticket) -> bool:
        place = place_of(ticket)
        if place is None or self.leave_alone_min_age is None or not place.child.leave_alone:
            return False
        return place.child.age_on(clock.today()) >= self.leave_alone_min_age


def reading_language() -> str:
    """The request's language, or the one force_locale has chosen; outside both (the engine
    called from a command), Italian."""
    from flask import g, has_request_context
    from flask_babel import get_locale

    forced = getattr(g.get("_flask_babel"), "babel_locale", None) if g else None
    if has_request_context() or forced is not None:
        return str(get_locale() or "it")
    return "it"


@dataclass
class WeekDetails:
    """What a family's request for one week carries to the engine: the family and the children
    asked for that week (checked by check_request, written by write_details)."""

    family: CampusFamily
    children: list[CampusChild]


class CampusFamily(db.Model):
    """One enrolment in one go: the parent or guardian, the emergency contact, the consents.
    Reached by the parent through its manage token; personal data purged after the edition."""

    __tablename__ = "campus_family"

    id: Mapped[int] = mapped_column(primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"), index=True)
    # random, never an id: whoever holds it manages the family's enrolments
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str] = mapped_column(String(5), default="it")
    parent_name: Mapped[str] = mapped_column(String(120))
    parent_tax_code: Mapped[str] = mapped_column(String(16))
    parent_email: Mapped[str] = mapped_column(String(254))
    parent_phone: Mapped[str] = mapped_column(String(40))
    emergency_name: Mapped[str] = mapped_column(String(120))
    emergency_phone: Mapped[str] = mapped_column(String(40))
    privacy_consent_at: Mapped[datetime | None]
    health_consent_at: Mapped[datetime | None]
    photo_consent: Mapped[bool] = mapped_column(default=False)
    siblings_together: Mapped[bool] = mapped_column(default=True)
    purged_at: Mapped[datetime | None]  # personal data removed (anonymous counts kept)

    campus: Mapped[Campus] = relationship()
    children: Mapped[list[CampusChild]] = relationship(
        back_populates="family", order_by="CampusChild.id"
    )
    people: Mapped[list[CampusCollector]] = relationship(
        back_populates="family", order_by="CampusCollector.id"
    )
    places: Mapped[list[CampusPlace]] = relationship(
        back_populates="family", order_by="CampusPlace.id"
    )

    def collectors_on(self, day: date) -> list[CampusCollector]:
        return [p for p in self.people if p.day is None or p.day == day]


class CampusChild(db.Model):
    """A child of a family. The health fields are encrypted at rest (EncryptedText)."""

    __tablename__ = "campus_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("campus_family.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date | None] = mapped_column(Date)  # None once purged
    tax_code: Mapped[str] = mapped_column(String(16), default="")
    school_class: Mapped[str] = mapped_column(String(4), default="")
    allergies: Mapped[str] = mapped_column(EncryptedText(), default="")
    medicines: Mapped[str] = mapped_column(EncryptedText(), default="")
    medical_notes: Mapped[str] = mapped_column(EncryptedText(), default="")
    support_needs: Mapped[str] = mapped_column(EncryptedText(), default="")
    leave_alone: Mapped[bool] = mapped_column(default=False)  # the parent agreed
    # The child's pass: the one code of the QR printed for the child, good on every day of
    # every week the child is confirmed in (Campus.resolve_code finds that day's ticket).
    # Random, never an id; drawn like a ticket's code, so that a scanner reads it as one.
    pass_code: Mapped[str] = mapped_column(String(64), unique=True, default=new_ticket_code)

    family: Mapped[CampusFamily] = relationship(back_populates="children")

    HEALTH_FIELDS = ("allergies", "medicines", "medical_notes", "support_needs")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def short_name(self) -> str:
        """Giulia R.: enough for the door and the tickets."""
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}"

    @property
    def has_health_notes(self) -> bool:
        return any((getattr(self, name) or "").strip() for name in self.HEALTH_FIELDS)

    def age_on(self, day: date) -> int:
        return 0 if self.birth_date is None else age_on(self.birth_date, day)


class CampusCollector(db.Model):
    """Someone the family allows to collect its children: every day (day None), or on one
    day only (a one-off person added from the manage link)."""

    __tablename__ = "campus_collector"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("campus_family.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    relationship_: Mapped[str] = mapped_column("relationship", String(60))
    document: Mapped[str] = mapped_column(String(40))
    day: Mapped[date | None] = mapped_column(Date)

    family: Mapped[CampusFamily] = relationship(back_populates="people")

    def as_collector(self) -> Collector:
        return Collector(self.name, self.relationship_, self.document)


class CampusPlace(db.Model):
    """A child in a week: part of the family's booking of that week, with the child's ticket
    once confirmed. The age is kept for the yearly counts after the purge."""

    __tablename__ = "campus_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("campus_family.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("campus_child.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), unique=True)
    age: Mapped[int]  # on the week's first day
    withdrawn_at: Mapped[datetime | None]

    booking: Mapped[Booking] = relationship()
    family: Mapped[CampusFamily] = relationship(back_populates="places")
    child: Mapped[CampusChild] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class CampusPickup(db.Model):
    """A child collected at the end of a day: by whom (as listed that day) or alone, seen by
    which staff member, when. The desk records it with record_pickup (campus/service.py)."""

    __tablename__ = "campus_pickup"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("campus_place.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    collector_name: Mapped[str] = mapped_column(String(120), default="")  # "" once purged
    collector_relationship: Mapped[str] = mapped_column(String(60), default="")
    alone: Mapped[bool] = mapped_column(default=False)
    document_seen: Mapped[bool] = mapped_column(default=False)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id"))  # the scan out

    place: Mapped[CampusPlace] = relationship()
    check_in: Mapped[CheckIn | None] = relationship()


def age_on(born: date, day: date) -> int:
    """Full years on `day`: the age rule of the campus counts on each week's first day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def active_places(booking: Booking) -> list[CampusPlace]:
    return list(
        db.session.scalars(
            select(CampusPlace)
            .where(CampusPlace.booking_id == booking.id, CampusPlace.withdrawn_at.is_(None))
            .order_by(CampusPlace.id)
        )
    )


def link_tickets(booking: Booking) -> None:
    """Give each child of the booking without a ticket one of the booking's tickets not yet
    given, in order (the ticket plan lists the children in the order of their places)."""
    for place, ticket_id in _unlinked(booking):
        place.ticket_id = ticket_id
    db.session.flush()


def _unlinked(booking: Booking) -> list[tuple[CampusPlace, int]]:
    places = [p for p in active_places(booking) if p.ticket_id is None]
    if not places:
        return []
    given = select(CampusPlace.ticket_id).where(CampusPlace.ticket_id.is_not(None))
    free = db.session.scalars(
        select(Ticket.id)
        .where(Ticket.booking_id == booking.id, Ticket.id.not_in(given))
        .order_by(Ticket.id)
    ).all()
    return list(zip(places, free, strict=False))


def place_of(ticket: Ticket) -> CampusPlace | None:
    """The child's place a ticket admits. A ticket issued by the shared pages (an offer
    accepted from the week's manage page) is matched as link_tickets would, without writing."""
    place = db.session.scalar(select(CampusPlace).where(CampusPlace.ticket_id == ticket.id))
    if place is None:
        place = next((p for p, t in _unlinked(ticket.booking) if t == ticket.id), None)
    return place


def family_id_of(booking: Booking) -> int | None:
    return db.session.scalar(
        select(CampusPlace.family_id).where(CampusPlace.booking_id == booking.id).limit(1)
    )


def _confirmed_tickets(which) -> list[tuple[int, Ticket]]:
    """(child id, ticket) of every live place matching `which` in a confirmed week, week by
    week (the family's; a child's)."""
    return [
        (child_id, ticket)
        for child_id, ticket in db.session.execute(
            select(CampusPlace.child_id, Ticket)
            .join(CampusPlace, CampusPlace.ticket_id == Ticket.id)
            .join(Booking, Booking.id == CampusPlace.booking_id)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(
                which,
                CampusPlace.withdrawn_at.is_(None),
                Booking.status == "confirmed",
                Slot.cancelled_at.is_(None),
            )
            .order_by(Slot.starts_at, CampusPlace.id)
        ).all()
    ]


def _live(place: CampusPlace) -> bool:
    booking = place.booking
    return (
        place.withdrawn_at is None
        and booking.status == "confirmed"
        and booking.slot.cancelled_at is None
    )


def _covers(slot: Slot, day: date) -> bool:
    return clock.local(slot.starts_at).date() <= day <= clock.local(slot.ends_at).date()


def refuse_children_enrolled_already(slot: Slot, children) -> None:
    """One live place per child per week (the campus's one live booking per person): a child
    already in the week, by codice fiscale or else by name and date of birth, is refused and
    the family's link is emailed again to the address of the enrolment that holds the place."""
    from ..booking.engine import resend_link  # the engine needs the models: asked when used
    from .rules import ChildAlreadyEnrolled

    for child in children:
        same_child = (
            CampusChild.tax_code == child.tax_code
            if child.tax_code
            else (
                (db.func.lower(CampusChild.first_name) == child.first_name.lower())
                & (db.func.lower(CampusChild.last_name) == child.last_name.lower())
                & (CampusChild.birth_date == child.birth_date)
            )
        )
        held_by = db.session.scalar(
            select(Booking.id)
            .join(CampusPlace, CampusPlace.booking_id == Booking.id)
            .join(CampusChild, CampusChild.id == CampusPlace.child_id)
            .where(
                Booking.slot_id == slot.id,
                Booking.status.in_(LIVE),
                CampusPlace.withdrawn_at.is_(None),
                same_child,
            )
            .limit(1)
        )
        if held_by is not None:
            raise ChildAlreadyEnrolled(
                child.full_name, held_by, after_rollback=partial(resend_link, held_by)
            )
