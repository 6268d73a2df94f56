"""The engine's tables: what is offered (Programme), when (Slot), who asked (Booking),
what is scanned (Ticket) and every scan (CheckIn)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import ClassVar, NamedTuple

from flask import current_app
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..db_types import enum_type
from ..extensions import db, utcnow
from .states import HOLDS_PLACES, LIVE, BookingStatus


class WaitlistMode(StrEnum):
    """What happens to the oldest waiting bookings when places free up."""

    none = "none"  # no waiting list: a full slot refuses
    offer = "offer"  # offered, held until a deadline, confirmed by the person
    confirm = "confirm"  # confirmed directly, the person is told


class Unit(StrEnum):
    seats = "seats"
    classes = "classes"
    children = "children"


def places_text(unit: Unit, n: int) -> str:
    """n places in the unit's words, with the language's plural forms: 2 posti, 1 classe."""
    if unit is Unit.classes:
        return ngettext("%(num)d class", "%(num)d classes", n)
    if unit is Unit.children:
        return ngettext("%(num)d child", "%(num)d children", n)
    return ngettext("%(num)d place", "%(num)d places", n)


def admits_text(unit: Unit, n: int) -> str:
    """What one ticket lets in: Vale per 2 persone, Vale per 1 classe."""
    if unit is Unit.classes:
        return ngettext("Admits %(num)s class", "Admits %(num)s classes", n)
    if unit is Unit.children:
        return ngettext("Admits %(num)s child", "Admits %(num)s children", n)
    return ngettext("Admits %(num)s person", "Admits %(num)s people", n)


class Fact(NamedTuple):
    """One line of what a booking is, as the PDF, the emails and the pages show it."""

    label: str
    value: str
    url: str = ""  # the value is (or comes with) a link


class TicketPlan(NamedTuple):
    holder_label: str
    admits: int


class Headcount(NamedTuple):
    """Who a group ticket expects at the door, by kind of person ("pupils": 24, "teachers": 2),
    so that the desk can record how many actually came."""

    expected: dict[str, int]


class Collector(NamedTuple):
    """Someone who may collect a child at the end of the day."""

    name: str
    relationship: str
    document: str  # the identity document number to check, shown only on purpose


class Programme(db.Model):
    """Something the museum offers: an #InCentrale event, a school activity, a campus.
    Each kind adds its own table (joined inheritance) in its programme's folder."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title_it: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_it: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    description_it: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Booking rules of this programme
    unit: Mapped[Unit] = mapped_column(enum_type(Unit), default=Unit.seats)
    max_per_booking: Mapped[int] = mapped_column(default=4)
    waitlist_mode: Mapped[WaitlistMode] = mapped_column(
        enum_type(WaitlistMode), default=WaitlistMode.confirm
    )
    offer_hours: Mapped[int] = mapped_column(default=24)  # how long an offer is held
    cancel_deadline_hours: Mapped[int] = mapped_column(default=0)  # before the start
    slots: Mapped[list[Slot]] = relationship(
        back_populates="programme", order_by="Slot.starts_at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "programme"}

    def text(self, field: str, language: str | None = None) -> str:
        """The field in the given language (the request's by default), Italian if empty."""
        language = language or str(get_locale() or "it")
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_it")

    @property
    def title(self) -> str:
        return self.text("title")

    # --- The programme protocol -----------------------------------------------------------
    # What the shared layers (engine, documents, manage pages, API, desk, back office) ask of a
    # programme. Each kind overrides what is its own; these defaults fit a plain booking of
    # places at the museum. No shared layer looks at a kind's own attributes.

    reference_prefix = "CA"  # of the booking references: EV-7K3Q9A
    few_places = 5  # "nearly full" from this many places left down; 0: never said
    remind_within: ClassVar[timedelta | None] = timedelta(hours=36)  # None: no reminders
    public_endpoint: ClassVar[str | None] = None  # the route of the programme's public page
    staff_endpoint: ClassVar[str | None] = None  # the route of its staff page, if it has one

    @classmethod
    def reminders(cls) -> list:
        """The reminders of this kind's bookings (booking/reminders.py Reminder: an email kind
        and how long before the start): the day before, here; none when remind_within is
        None."""
        from .reminders import DAY_BEFORE, Reminder

        return [] if cls.remind_within is None else [Reminder(DAY_BEFORE, cls.remind_within)]

    def cancel_plea(self) -> str | None:
        """What a confirmation asks of someone who cannot come, in the email's language (the
        online deadline follows it); None when the programme's own panel says it already."""
        return _(
            "If you cannot come, please cancel your booking, so that someone else can have "
            "the places."
        )

    def email_links(self, booking: Booking) -> dict[str, str]:
        """The programme's own links for its emails (a school's "we are coming"), by name."""
        return {}

    def public_url_values(self) -> dict:
        """The values of `public_endpoint`'s route for this programme (links.py builds it)."""
        return {}

    def staff_url_values(self) -> dict:
        """The values of `staff_endpoint`'s route for this programme."""
        return {}

    def max_places(self, slot: Slot) -> int:
        """The most places one booking may take on `slot`."""
        return slot.max_per_booking or self.max_per_booking

    def hold_minutes(self) -> int:
        """How long a pending booking keeps its places (request_booking(confirm=False))."""
        return current_app.config["HOLD_MINUTES"]

    def counter_holds(self, slot: Slot, quantity: int, details) -> list:
        """The shared limits a request with these details takes beside the slot's places
        (booking/counters.py CounterHold: a school's live bookings in a school year), held
        and given back by the engine with the places. None here."""
        return []

    def check_request(self, slot: Slot, quantity: int, details) -> None:
        """Raise a BookingError when the programme's own rules refuse the request (a class
        of the wrong grade, a child too young); called before any place is held."""

    def person_key(self, contact, details) -> str | None:
        """Who "the same person" is on this programme (`contact` as given to
        request_booking, `details` the programme's): one slot takes one live booking per key,
        enforced by the database (a unique index over the live statuses), so that a second
        request of the same person is refused (AlreadyBooked) rather than taking more places.
        None, here: no such rule. Events: the email address; a school class, a campus child."""
        return None

    def write_details(self, booking: Booking, details) -> None:
        """Store the programme's own details of a request (a class and its teachers; the
        children and who collects them) with the booking, in the same transaction."""

    def details_of(self, booking: Booking):
        """The details stored by write_details, or None."""
        return None

    def ticket_plan(self, booking: Booking, details=None) -> list[TicketPlan]:
        """The tickets a confirmed booking gets. One for all, here; a programme that admits
        people one by one, or nobody at the door, overrides it. `details` as given to
        request_booking, or None (then read them from the booking, if needed)."""
        return [TicketPlan(booking.contact_name, booking.quantity)]

    def tickets_issued(self, booking: Booking) -> None:
        """Called by the engine once a confirmed booking's tickets are written (ticket_plan),
        in the same transaction, whichever page or command confirmed it: a programme that
        ties each ticket to something of its own (a campus child's place) does it here."""

    def document_version(self, booking: Booking) -> int:
        """The version of the booking's PDF and calendar file: its own version here (every
        change bumps it). A programme whose documents show several bookings (a campus
        family's weeks) counts each of theirs, so that a change to any of them, made on any
        page, makes the documents again."""
        return booking.version

    def emails_each_request(self, details) -> bool:
        """Whether the engine emails each request as it is made (confirmed, waitlisted). A
        programme whose requests come several at once (a family's campus weeks) says False
        for them and sends its one email itself, in the same transaction."""
        return True

    def document_tickets(self, booking: Booking) -> list[Ticket]:
        """The tickets a confirmed booking's email and PDF show: its own, here; a campus
        family's, those of all its weeks."""
        return list(booking.tickets)

    def calendar_bookings(self, booking: Booking) -> list[Booking]:
        """The bookings the calendar file of `booking` holds, one event each: itself, here;
        a campus family's, every week it is confirmed in."""
        return [booking]

    def days_off(self, slot: Slot) -> list[date]:
        """The days between a slot's first and last on which it does not run (a campus
        week's weekend and closed days), left out of its calendar event. None here."""
        return []

    def ticket_caption(self, ticket: Ticket) -> str:
        """How the email and the PDF name a ticket: its holder, here."""
        return ticket.holder_label

    def in_person(self, booking: Booking) -> bool:
        """Whether the booking brings someone to the museum, with something to show at the
        door (else: an online registration, nothing to scan)."""
        return True

    def online_url(self, booking: Booking) -> str:
        """Where the booking is followed online (a live stream), or ""."""
        return ""

    def quantity_changeable(self, booking: Booking) -> bool:
        """Whether the number of places may be changed from the manage link."""
        return True

    def place(self, language: str) -> str:
        """Where it takes place, for people and calendars."""
        config = current_app.config
        return f"{config['MUSEUM_NAME']}, {config['MUSEUM_ADDRESS']}"

    def slot_place(self, slot: Slot, language: str) -> str:
        """Where `slot` takes place, for people and calendars: the programme's place, here;
        a programme whose slots have rooms of their own (a school activity) names the slot's."""
        return self.place(language)

    def places_text(self, n: int) -> str:
        return places_text(self.unit, n)

    def admits_text(self, n: int) -> str:
        return admits_text(self.unit, n)

    def facts(
        self,
        booking: Booking,
        language: str,
        *,
        personal: bool = True,
        dates: Fact | None = None,
        places: bool = True,
    ) -> list[Fact]:
        """What the booking is, as label/value lines in `language`: what, when (or `dates`,
        for documents that speak for several bookings), where, then the programme's own,
        then (unless personal=False, as on the public ticket page) who and, for a booking in
        person, how many (unless places=False)."""
        slot = booking.slot
        with force_locale(language):
            facts = [
                Fact(_("What"), self.text("title", language)),
                dates or Fact(_("When"), clock.slot_when(slot.starts_at, slot.ends_at, language)),
                Fact(_("Where"), self.slot_place(slot, language)),
                *self.own_facts(booking, language),
            ]
            if personal:
                # A request on the waiting list is asked for, not booked: said so.
                asked = booking.status is BookingStatus.waitlisted
                facts.append(Fact(_("Asked by") if asked else _("Booked by"), booking.contact_name))
                if places and self.in_person(booking):  # online, no places are held
                    held = self.places_text(booking.quantity)
                    facts.append(Fact(_("Asked for") if asked else _("Booked"), held))
            return facts

    def own_facts(self, booking: Booking, language: str) -> list[Fact]:
        """The programme's own lines among the facts (a live stream, a duration, the ages),
        nothing personal: they are shown on the public ticket page too."""
        return []

    def document_facts(self, booking: Booking, language: str) -> list[Fact]:
        """The facts atop the booking's emails and PDF. A programme whose one email and PDF
        speak for several bookings (a family's weeks) says them all here."""
        return self.facts(booking, language)

    # --- At the door (the front desk asks these; desk/ knows no programme) ---

    # Whether a ticket is scanned in and out each day (a campus child), or in once.
    checks_out: ClassVar[bool] = False
    # Whether the desk books free seats on the spot for people who come without a booking,
    # and gives them the seats nobody claimed (booking/door.py): an event's free seats.
    takes_walk_ins: ClassVar[bool] = False

    @classmethod
    def plain_at_the_door(cls) -> bool:
        """Whether the desk may answer a scan of this kind's tickets from the ticket's own row
        (booking/fastscan.py): let in once, what it admits in the unit's words, the holder's
        short name, nothing else to ask. True for a kind that keeps every door hook below as
        the protocol has it (an event's seats); a kind that overrides one (a class's
        headcount, a child's check-out) is answered by the full path, unless it overrides
        this too."""
        if cls.checks_out:
            return False
        return all(getattr(cls, hook) is getattr(Programme, hook) for hook in _DOOR_HOOKS)

    def door_label(self, ticket: Ticket, language: str) -> str:
        """What the desk shows on a good scan: only what the door needs ("2 posti"; "Classe
        3B, IC Via Rossi: 24 alunni, 2 docenti, 1 sostegno"; "Giulia R., 8 anni — allergie:
        sì"). No full names, no health details: those open on purpose."""
        with force_locale(language):
            return self.places_text(ticket.admits)

    def headcount(self, ticket: Ticket) -> Headcount | None:
        """A group ticket's expected people, by kind, or None for a ticket of one party."""
        return None

    def companions(self, ticket: Ticket, day) -> list[Ticket]:
        """Other tickets checked in or out together with this one on `day` (brothers and
        sisters enrolled for the same day), offered by the desk in one step."""
        return []

    def collectors(self, ticket: Ticket) -> list[Collector]:
        """Who may collect the holder of `ticket` at check-out (checks_out programmes)."""
        return []

    def may_leave_alone(self, ticket: Ticket) -> bool:
        """Whether the holder may leave on their own at check-out (where the museum allows it
        and the parent agreed)."""
        return False

    def check_out(
        self,
        ticket: Ticket,
        *,
        collector: str | None,
        staff,
        now: datetime,
        document_seen: bool = False,
        scan_id: str | None = None,
        device: str = "",
    ) -> CheckIn:
        """Record a check-out at the desk (checks_out programmes): `collector` is the name of
        the one of collectors(ticket) who came (the staff saw their document), None when the
        holder leaves alone. A programme refuses with a BookingError (someone not listed)
        before anything is written. Here: the outward scan, with who collected."""
        from .checkin import LEFT_ALONE, record_scan  # checkin imports these models

        return record_scan(
            ticket,
            direction=Direction.outward,
            staff=staff,
            scan_id=scan_id,
            device=device,
            now=now,
            collected_by=collector or LEFT_ALONE,
        )

    # A code that stands for tickets: a campus child's pass, one QR for all the child's weeks,
    # while the engine keeps a ticket per week (its check-ins recorded per ticket and day).

    @classmethod
    def resolve_code(cls, code: str, day: date) -> Ticket | None:
        """The ticket that `code`, no ticket's own, stands for on `day` (a child's pass: the
        ticket of the week covering `day`; on another day one of its weeks', which the scan
        then answers WRONG DAY), or None. Asked by the scan lookup (checkin.ticket_for_code)
        only when no ticket has the code. None here: a ticket is scanned by its own code."""
        return None

    def pass_codes(self, tickets: list[Ticket]) -> dict[int, str]:
        """The code printed in the QR of each of `tickets` in place of its own, by ticket id
        (every week's ticket of a child: the child's pass). {} here: each QR holds its
        ticket's own code."""
        return {}

    def pass_periods(self, ticket: Ticket) -> list[tuple[date, date]]:
        """The days, first to last on the museum's calendar, that the code printed for
        `ticket` is good on: its slot's here; a child's pass, each week the child is in."""
        slot = ticket.booking.slot
        return [(clock.local(slot.starts_at).date(), clock.local(slot.ends_at).date())]

    def door_name(self, ticket: Ticket) -> str:
        """Who the ticket is for, as the desk's lists show it: the first name and the initial
        of the last ("Giulia R."). A group's ticket (one with a headcount: a class) says the
        group instead ("3B · IC Via Rossi")."""
        if self.headcount(ticket) is not None:
            return ticket.holder_label
        return short_name(ticket.holder_label)


# What a kind may override that changes the desk's answer to a scan (Programme.plain_at_the_door).
_DOOR_HOOKS = (
    "door_label",
    "door_name",
    "headcount",
    "companions",
    "collectors",
    "may_leave_alone",
    "check_out",
    "places_text",
    "text",
    "pass_codes",  # a ticket whose QR holds another code (a child's pass) says it
)


def short_name(name: str) -> str:
    """Giulia Maria Rossi -> Giulia R.: enough to call someone at the door, no more."""
    words = name.split()
    if len(words) < 2:
        return name
    return f"{words[0]} {words[-1][0].upper()}."


class Slot(db.Model):
    """One dated, bookable occurrence of a programme, with a capacity."""

    __tablename__ = "slot"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    # Changed only by the conditional UPDATEs of booking/engine.py.
    taken: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[datetime | None]  # None: open as soon as published
    closes_at: Mapped[datetime | None]  # None: closes when the slot starts
    max_per_booking: Mapped[int | None]  # None: the programme's
    cancelled_at: Mapped[datetime | None]
    # Where this occurrence takes place, when the programme's slots have rooms of their own
    # (a school activity's); None: the programme says (Programme.slot_place).
    room: Mapped[str | None] = mapped_column(String(120))

    programme: Mapped[Programme] = relationship(back_populates="slots")

    @property
    def places_left(self) -> int:
        return self.capacity - self.taken

    @property
    def booking_limit(self) -> int:
        """The most places one booking may take (the programme decides)."""
        return self.programme.max_places(self)

    @property
    def booking_closes_at(self) -> datetime:
        return self.closes_at or self.starts_at

    @property
    def cancellation_deadline(self) -> datetime:
        """The last moment a visitor may cancel online; staff may cancel at any time."""
        return self.starts_at - timedelta(hours=self.programme.cancel_deadline_hours)


_LIVE_PERSON = "person_key IS NOT NULL AND status IN ({})".format(
    ", ".join(f"'{status.value}'" for status in sorted(LIVE))
)


class Booking(db.Model):
    """One request by one person for places on one slot."""

    __tablename__ = "booking"
    __table_args__ = (
        # One live booking per person per slot (Programme.person_key): a second INSERT of the
        # same key writes nothing, atomically on SQLite and PostgreSQL alike.
        Index(
            "uq_booking_live_person",
            "slot_id",
            "person_key",
            unique=True,
            sqlite_where=text(_LIVE_PERSON),
            postgresql_where=text(_LIVE_PERSON),
        ),
        # A slot's bookings, and those made from a moment on: the desk asks at every scan
        # whether someone was booked at the door (door.py's has_walk_ins), a seek here
        # instead of a pass over every booking of the slot.
        Index("ix_booking_slot_id_created_at", "slot_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"))
    # human, short, read over the phone; never used to authorise anything
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # random, never an id: whoever holds it manages the booking
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus), index=True)
    quantity: Mapped[int]
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(5), default="it")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hold_expires_at: Mapped[datetime | None]  # pending: the places go back after this
    offer_expires_at: Mapped[datetime | None]  # offered: the offer lapses after this
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    privacy_consent_at: Mapped[datetime | None]  # when the person accepted the privacy notice
    # The newsletter, separate and never assumed: asked for with the booking (consent), and
    # counting only once confirmed from the link emailed to the address (double opt-in).
    newsletter_consent: Mapped[bool] = mapped_column(default=False)
    newsletter_confirmed_at: Mapped[datetime | None]
    # Who booked, as the programme tells the same person apart (an email address, a class);
    # None: not one of a kind (see the index above).
    person_key: Mapped[str | None] = mapped_column(String(254), default=None)
    reminded_at: Mapped[datetime | None]  # the reminder before the start was queued
    # Bumped by every change; an UPDATE from a stale copy fails (optimistic locking).
    version: Mapped[int] = mapped_column(default=1)

    slot: Mapped[Slot] = relationship()
    tickets: Mapped[list[Ticket]] = relationship(back_populates="booking", order_by="Ticket.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def holds_places(self) -> bool:
        return self.status in HOLDS_PLACES

    @property
    def newsletter(self) -> str:
        """ "yes" (confirmed from the address), "pending" (asked, not confirmed) or "no"."""
        if not self.newsletter_consent:
            return "no"
        return "pending" if self.newsletter_confirmed_at is None else "yes"


class Ticket(db.Model):
    """What the front desk scans: a random code, who it is for, how many it admits."""

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    # random, never derived from an id: a QR code must not be guessable
    code: Mapped[str] = mapped_column(String(64), unique=True)
    holder_label: Mapped[str] = mapped_column(String(120))
    admits: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="tickets")


class Direction(StrEnum):
    inward = "in"
    outward = "out"


class CheckIn(db.Model):
    """Every scan at the desk, accepted or refused. A scan made on a desk that was offline is
    sent again when it is back: (device_name, client_scan_id) recorded once (record_scan)."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("device_name", "client_scan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The scanning device's own id of the scan; None for a scan that is never replayed.
    client_scan_id: Mapped[str | None] = mapped_column(String(64))
    device_name: Mapped[str] = mapped_column(String(80), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, 3), default=Direction.inward)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    result: Mapped[str] = mapped_column(String(32))  # "ok" or the refusal's code
    # At a check-out: who collected the child (one of the programme's collectors), or
    # checkin.LEFT_ALONE when the child left on their own; "" otherwise.
    collected_by: Mapped[str] = mapped_column(String(160), default="")

    ticket: Mapped[Ticket | None] = relationship()
    staff_user = relationship("StaffUser")
    counts: Mapped[list[CheckInCount]] = relationship(
        back_populates="check_in", order_by="CheckInCount.id", cascade="all, delete-orphan"
    )


class CheckInCount(db.Model):
    """How many of a kind of person a group ticket expected and how many actually came in
    ("pupils": 25 expected, 23 came), as the desk confirmed it at the check-in; for the staff
    and the yearly figures."""

    __tablename__ = "check_in_count"
    __table_args__ = (
        UniqueConstraint("check_in_id", "kind"),
        CheckConstraint("expected >= 0 AND arrived >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_in.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # the Headcount's key: "pupils"
    expected: Mapped[int]
    arrived: Mapped[int]

    check_in: Mapped[CheckIn] = relationship(back_populates="counts")
