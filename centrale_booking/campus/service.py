"""What is done with the family campus: a family enrols (the page and the API both call
`enrol`), accepts a week offered from the waiting list (for some of its children, if it
wants), withdraws a child, adds a one-off person to collect, updates health notes; the desk
records who collected a child; the staff read the day's register; old personal data goes.

Plain functions over db.session, the time passed in; the caller commits (inside
`transaction()`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock
from ..admin.audit import record
from ..auth.models import AuditLog, StaffUser
from ..booking.changes import change_capacity
from ..booking.checkin import record_scan
from ..booking.codes import new_manage_token, new_reference
from ..booking.engine import (
    Contact,
    accept_offer,
    cancel_booking,
    offer_freed_places,
    release_places,
    request_booking,
    request_bookings,
)
from ..booking.errors import BookingError, CancellationClosed
from ..booking.models import (
    Booking,
    CheckIn,
    Direction,
    Programme,
    Slot,
    Ticket,
    Unit,
    WaitlistMode,
)
from ..booking.states import BookingStatus
from ..booking.tickets import ACCEPTED
from ..extensions import db
from ..outbox import queue_email
from .models import (
    Campus,
    CampusChild,
    CampusCollector,
    CampusFamily,
    CampusPickup,
    CampusPlace,
    WeekDetails,
    active_places,
    place_of,
)
from .rules import week_label

S = BookingStatus


# --- Enrolling --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildData:
    first_name: str
    last_name: str
    birth_date: date
    tax_code: str = ""
    school_class: str = ""
    allergies: str = ""
    medicines: str = ""
    medical_notes: str = ""
    support_needs: str = ""
    leave_alone: bool = False


@dataclass(frozen=True)
class PersonData:
    name: str
    relationship: str
    document: str


@dataclass(frozen=True)
class Enrolment:
    """A family's request, as the form or the API gives it."""

    parent_name: str
    parent_tax_code: str
    parent_email: str
    parent_phone: str
    children: list[ChildData]
    delegates: list[PersonData]
    emergency_name: str
    emergency_phone: str
    health_consent: bool
    photo_consent: bool
    siblings_together: bool
    language: str
    week_ids: list[int] = field(default_factory=list)


def enrol(campus: Campus, enrolment: Enrolment, *, now: datetime) -> CampusFamily:
    """Enrol the children into the weeks, in one transaction. Each week is one request of
    the family (its children together): held, or waitlisted as a whole. With
    siblings_together False, a week with room for only some of them takes those who fit
    (in the order given) and waitlists the others as a request of their own. The places are
    held in ascending slot id (as request_bookings does), so two families asking for the
    same weeks never deadlock."""
    weeks = _weeks(campus, enrolment.week_ids)
    family = CampusFamily(
        campus_id=campus.id,
        manage_token=new_manage_token(),
        created_at=now,
        language=enrolment.language,
        parent_name=enrolment.parent_name.strip(),
        parent_tax_code=enrolment.parent_tax_code,
        parent_email=enrolment.parent_email.strip(),
        parent_phone=enrolment.parent_phone.strip(),
        emergency_name=enrolment.emergency_name.strip(),
        emergency_phone=enrolment.emergency_phone.strip(),
        privacy_consent_at=now,
        health_consent_at=now if enrolment.health_consent else None,
        photo_consent=enrolment.photo_consent,
        siblings_together=enrolment.siblings_together,
    )
    family.children = [CampusChild(**vars(child)) for child in enrolment.children]
    family.people = [
        CampusCollector(
            name=p.name.strip(), relationship_=p.relationship.strip(), document=p.document
        )
        for p in enrolment.delegates
    ]
    db.session.add(family)
    db.session.flush()
    contact = Contact(
        name=family.parent_name,
        email=family.parent_email,
        phone=family.parent_phone,
        language=family.language,
        privacy_consent=True,
    )
    children = list(family.children)
    if enrolment.siblings_together or len(children) == 1:
        request_bookings(
            [(slot, len(children), WeekDetails(family, children)) for slot in weeks],
            contact,
            now=now,
            all_or_nothing=False,
        )
    else:
        for slot in sorted(weeks, key=lambda s: s.id):
            db.session.refresh(slot, ["taken"])  # inside the writing transaction: current
            fit = max(0, min(len(children), slot.places_left))
            if fit:
                request_booking(
                    slot, fit, contact, now=now, details=WeekDetails(family, children[:fit])
                )
            if fit < len(children):
                rest = children[fit:]
                request_booking(
                    slot, len(rest), contact, now=now, details=WeekDetails(family, rest)
                )
    _email_family(family)
    return family


def _email_family(family: CampusFamily) -> None:
    # One email for the whole enrolment (Campus.emails_each_request): the confirmation, with
    # every child's QR code of every week confirmed and one PDF, listing the weeks waiting
    # too; or, if every week is waiting, the waiting-list email, listing them all.
    bookings = family_bookings(family)
    confirmed = [b for b in bookings if b.status is S.confirmed]
    if confirmed:
        queue_email(confirmed[0], "confirmation")
    elif bookings:
        queue_email(bookings[0], "waitlisted")


def family_weeks(booking: Booking) -> list[tuple[str, str, list[str]]]:
    """The family's weeks, for its emails: (week, status, the children's first names)."""
    family_id = db.session.scalar(
        select(CampusPlace.family_id).where(CampusPlace.booking_id == booking.id)
    )
    if family_id is None:
        return []
    family = db.session.get(CampusFamily, family_id)
    rows = []
    for week in family_bookings(family):
        names = [p.child.first_name for p in active_places(week)]
        if names and week.status in (S.confirmed, S.waitlisted, S.offered):
            rows.append((week_label(week.slot), week.status.value, names))
    return rows


def enrolment_from_form(form, language: str) -> Enrolment:
    """The request, as the enrolment form (page or API) has checked it."""
    parent, emergency, consents = form.parent.form, form.emergency_contact.form, form.consents.form
    children = [
        ChildData(
            first_name=c.first_name.data.strip(),
            last_name=c.last_name.data.strip(),
            birth_date=c.birth_date.data,
            tax_code=c.tax_code.data or "",
            school_class=c.school_class.data or "",
            allergies=(c.allergies.data or "").strip(),
            medicines=(c.medicines.data or "").strip(),
            medical_notes=(c.medical_notes.data or "").strip(),
            support_needs=(c.support_needs.data or "").strip(),
            leave_alone=bool(c.leave_alone.data and consents.leave_alone.data),
        )
        for c in (entry.form for entry in form.children)
    ]
    return Enrolment(
        parent_name=parent.name.data,
        parent_tax_code=parent.tax_code.data,
        parent_email=parent.email.data,
        parent_phone=parent.phone.data,
        children=children,
        delegates=[
            PersonData(d.form.name.data, d.form.relationship.data, d.form.document.data.strip())
            for d in form.delegates
        ],
        emergency_name=emergency.name.data,
        emergency_phone=emergency.phone.data,
        health_consent=bool(consents.health_data.data),
        photo_consent=bool(consents.photos.data),
        siblings_together=bool(form.siblings_together.data),
        language=language,
        week_ids=list(form.week_ids.data),
    )


def family_days(family: CampusFamily, bookings: list[Booking] | None = None) -> list[date]:
    """The days the family has a child confirmed at the campus, from today on (`bookings`:
    family_bookings(family), when the caller has them already)."""
    today = clock.today()
    days = set()
    for booking in family_bookings(family) if bookings is None else bookings:
        if booking.status is S.confirmed:
            days.update(d for d in family.campus.week_days(booking.slot) if d >= today)
    return sorted(days)


def _weeks(campus: Campus, week_ids: list[int]) -> list[Slot]:
    slots = {slot.id: slot for slot in campus.slots}
    return [slots[i] for i in dict.fromkeys(week_ids) if i in slots]


def family_bookings(family: CampusFamily) -> list[Booking]:
    """The family's requests, week by week, in the order of the weeks."""
    ids = select(CampusPlace.booking_id).where(CampusPlace.family_id == family.id)
    return list(
        db.session.scalars(
            select(Booking)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(Booking.id.in_(ids))
            .order_by(Slot.starts_at, Booking.id)
        )
    )


def family_by_token(token: str) -> CampusFamily | None:
    return db.session.scalar(select(CampusFamily).where(CampusFamily.manage_token == token))


# --- A week offered from the waiting list -------------------------------------------------


class NoChildChosen(BookingError):
    code = "no_child_chosen"
    status = 422
    message = _l("Please choose at least one child.")


def accept_week(booking: Booking, child_ids: list[int], *, now: datetime) -> None:
    """The family takes the week offered, for all the children of the request or only some:
    the places of the others go back and are offered on (OfferClosed when it has lapsed)."""
    places = active_places(booking)
    dropped = [p for p in places if p.child_id not in set(child_ids)]
    if len(dropped) == len(places):
        raise NoChildChosen()
    accept_offer(booking, now=now)  # its tickets linked to the places (tickets_issued)
    for place in dropped:
        _take_out(place, now)


# --- From the manage link ------------------------------------------------------------------


def withdraw_child(place: CampusPlace, *, now: datetime) -> None:
    """Take a child out of a week, up to the edition's deadline: the child's place goes back
    (and on to the waiting list), the child's ticket stops existing."""
    booking = place.booking
    if booking.status in (S.confirmed, S.offered) and now >= booking.slot.cancellation_deadline:
        raise CancellationClosed()
    if place.withdrawn_at is not None:
        return
    if len(active_places(booking)) == 1:
        place.withdrawn_at = now
        cancel_booking(booking, now=now)
    else:
        _take_out(place, now)


def _take_out(place: CampusPlace, now: datetime) -> None:
    # One child out of a request of several: one place less, the child's ticket gone.
    booking = place.booking
    place.withdrawn_at = now
    held = booking.holds_places
    booking.quantity -= 1
    if place.ticket_id is not None:
        # The child's ticket of the week goes with a booking of its own, cancelled: the
        # week's live tickets are the children still in it, and the child's pass (or the
        # ticket's own code) scanned that week answers CANCELLED, naming the child.
        withdrawn = Booking(
            slot_id=booking.slot_id,
            reference=new_reference(booking.slot.programme.reference_prefix),
            manage_token=new_manage_token(),
            status=S.cancelled,
            quantity=1,
            contact_name=booking.contact_name,
            contact_email=booking.contact_email,
            contact_phone=booking.contact_phone,
            language=booking.language,
            created_at=booking.created_at,
            confirmed_at=booking.confirmed_at,
            cancelled_at=now,
            privacy_consent_at=booking.privacy_consent_at,
        )
        db.session.add(withdrawn)
        db.session.flush()
        place.ticket.booking_id = withdrawn.id
        if "tickets" in booking.__dict__:
            db.session.expire(booking, ["tickets"])
    db.session.flush()
    if held:
        release_places(booking.slot, 1)
        offer_freed_places(booking.slot, now=now)


def add_one_off_collector(family: CampusFamily, person: PersonData, day: date) -> CampusCollector:
    """Someone who may collect the children on `day` only (the desk sees them that day)."""
    collector = CampusCollector(
        family=family,
        name=person.name.strip(),
        relationship_=person.relationship.strip(),
        document=person.document.strip(),
        day=day,
    )
    db.session.add(collector)
    return collector


def update_health(child: CampusChild, notes: dict[str, str], *, consent: bool, now) -> None:
    for name in CampusChild.HEALTH_FIELDS:
        if name in notes:
            setattr(child, name, (notes[name] or "").strip())
    if consent and child.family.health_consent_at is None:
        child.family.health_consent_at = now


# --- At the desk --------------------------------------------------------------------------


class NotACollector(BookingError):
    code = "not_a_collector"
    status = 422
    message = _l("This person is not on the list of those who may collect this child today.")


class MayNotLeaveAlone(BookingError):
    code = "may_not_leave_alone"
    status = 422
    message = _l("This child may not go home alone: someone on the list must collect them.")


class NotACampusTicket(BookingError):
    code = "not_a_campus_ticket"
    status = 404
    message = _l("This code is not a campus child's.")


def record_pickup(
    ticket: Ticket,
    collector: str | None,
    *,
    staff: StaffUser | None,
    now: datetime,
    document_seen: bool = False,
    scan_id: str | None = None,
    device: str = "",
) -> CampusPickup:
    """Check a child out: `collector` is the name of one of the people the desk was offered
    (Campus.collectors(ticket) for today), or None for a child who may leave alone. Refuses
    anyone else (NotACollector) before anything is written; then records the outward scan
    (booking.checkin.record_scan) and the pick-up, in the caller's transaction."""
    place = place_of(ticket)
    if place is None:
        raise NotACampusTicket()
    campus: Campus = ticket.booking.slot.programme
    today = clock.local(now).date()
    if collector is None:
        if not campus.may_leave_alone(ticket):
            raise MayNotLeaveAlone()
        chosen = None
    else:
        allowed = {p.name.casefold(): p for p in place.family.collectors_on(today)}
        chosen = allowed.get(collector.strip().casefold())
        if chosen is None:
            raise NotACollector()
    scan = record_scan(
        ticket, direction=Direction.outward, staff=staff, scan_id=scan_id, device=device, now=now
    )
    if scan.result != ACCEPTED:
        raise BookingError(_l("This child is not checked in today."))
    if (
        earlier := db.session.scalar(
            select(CampusPickup).where(CampusPickup.check_in_id == scan.id)
        )
    ) is not None:
        return earlier  # the same scan sent again by a desk that was offline: recorded once
    pickup = CampusPickup(
        place_id=place.id,
        day=today,
        at=now,
        collector_name="" if chosen is None else chosen.name,
        collector_relationship="" if chosen is None else chosen.relationship_,
        alone=chosen is None,
        document_seen=document_seen,
        staff_user_id=None if staff is None else staff.id,
        check_in=scan,
    )
    db.session.add(pickup)
    return pickup


@dataclass(frozen=True)
class RegisterRow:
    """One child on one day: arrived when, collected by whom and when."""

    place: CampusPlace
    child: CampusChild
    arrived_at: datetime | None
    pickup: CampusPickup | None

    @property
    def present(self) -> bool:
        return self.arrived_at is not None

    @property
    def still_here(self) -> bool:
        return self.arrived_at is not None and self.pickup is None


def day_register(slot: Slot, day: date) -> list[RegisterRow]:
    """Every child confirmed in the week, for `day`: present or absent, arrived at, collected
    by whom and when, by surname."""
    start, end = clock.midnight(day), clock.midnight(day + timedelta(days=1))
    places = db.session.scalars(
        select(CampusPlace)
        .join(Booking, Booking.id == CampusPlace.booking_id)
        .join(CampusChild, CampusChild.id == CampusPlace.child_id)
        .where(
            Booking.slot_id == slot.id,
            Booking.status == S.confirmed,
            CampusPlace.withdrawn_at.is_(None),
        )
        .order_by(CampusChild.last_name, CampusChild.first_name, CampusPlace.id)
    ).all()
    tickets = [p.ticket_id for p in places if p.ticket_id]
    arrivals = dict(
        db.session.execute(
            select(CheckIn.ticket_id, db.func.min(CheckIn.scanned_at))
            .where(
                CheckIn.ticket_id.in_(tickets),
                CheckIn.direction == Direction.inward,
                CheckIn.result == ACCEPTED,
                CheckIn.scanned_at >= start,
                CheckIn.scanned_at < end,
            )
            .group_by(CheckIn.ticket_id)
        ).all()
    )
    pickups = {
        p.place_id: p
        for p in db.session.scalars(
            select(CampusPickup).where(
                CampusPickup.place_id.in_([p.id for p in places]), CampusPickup.day == day
            )
        )
    }
    return [
        RegisterRow(place, place.child, arrivals.get(place.ticket_id), pickups.get(place.id))
        for place in places
    ]


def open_health(child: CampusChild, *, by: StaffUser, now: datetime, where: str) -> dict:
    """The child's health notes, shown on purpose: every opening is written to the audit
    log (who, which child, when, from which page), in the caller's transaction."""
    db.session.add(
        AuditLog(
            at=now,
            staff_user_id=by.id,
            action="campus.health_opened",
            target=f"campus_child:{child.id}",
            details={"where": where},
        )
    )
    return {name: getattr(child, name) for name in CampusChild.HEALTH_FIELDS}


# --- Personal data that has served its purpose -----------------------------------------------


def purge_personal_data(*, now: datetime, days: int | None = None) -> int:
    """Remove the personal and health data of the families whose edition ended more than
    `days` ago (PURGE_AFTER_DAYS, 30 by default): names, codes, contacts, notes, delegates,
    who collected. What stays is anonymous: each place's age and week, its booking's status,
    its check-ins. Families already purged are skipped: safe to run every day."""
    days = current_app.config["CAMPUS_PURGE_AFTER_DAYS"] if days is None else days
    cutoff = now - timedelta(days=days)
    last_end = (
        select(Slot.programme_id, db.func.max(Slot.ends_at).label("ended"))
        .group_by(Slot.programme_id)
        .subquery()
    )
    families = db.session.scalars(
        select(CampusFamily)
        .join(last_end, last_end.c.programme_id == CampusFamily.campus_id)
        .where(last_end.c.ended < cutoff, CampusFamily.purged_at.is_(None))
    ).all()
    for family in families:
        _purge(family, now)
    return len(families)


def _purge(family: CampusFamily, now: datetime) -> None:
    for name in (
        "parent_name",
        "parent_tax_code",
        "parent_email",
        "parent_phone",
        "emergency_name",
        "emergency_phone",
    ):
        setattr(family, name, "")
    family.purged_at = now
    for n, child in enumerate(family.children, start=1):
        child.first_name, child.last_name = f"#{n}", ""
        child.birth_date = None
        child.tax_code = child.school_class = ""
        for name in CampusChild.HEALTH_FIELDS:
            setattr(child, name, "")
    for person in list(family.people):
        db.session.delete(person)
    for place in family.places:
        for pickup in db.session.scalars(
            select(CampusPickup).where(CampusPickup.place_id == place.id)
        ):
            pickup.collector_name = pickup.collector_relationship = ""
    bookings = {place.booking for place in family.places}
    for booking in bookings:
        booking.contact_name = ""
        booking.contact_email = ""
        booking.contact_phone = ""
    for ticket_id in [p.ticket_id for p in family.places if p.ticket_id]:
        ticket = db.session.get(Ticket, ticket_id)
        ticket.holder_label = ""


# --- Editions, by the education staff -----------------------------------------------------


def create_edition(settings: dict, weeks: list[dict], *, by: StaffUser, publish: bool) -> Campus:
    """A new edition with its weeks (each {starts_at, ends_at, capacity, opens_at,
    closes_at}), on the audit log."""
    campus = Campus(
        slug=_free_slug(settings["title_it"]),
        title_en=settings["title_it"],
        unit=Unit.children,
        waitlist_mode=WaitlistMode.offer,
        published=publish,
    )
    for name, value in settings.items():
        setattr(campus, name, value)
    campus.title_en = settings["title_en"] or settings["title_it"]
    campus.slots = [Slot(**_slot_values(week)) for week in weeks]
    db.session.add(campus)
    db.session.flush()
    record(by, "campus.created", campus, weeks=len(weeks), published=publish)
    return campus


def update_edition(
    campus: Campus, settings: dict, weeks: list[dict], *, by: StaffUser, now: datetime
) -> dict:
    """Save the edition's settings and weeks: a week with `slot` changes (the form has kept
    the days of a booked week and its places at least those taken), one without is added,
    and a week left out is removed (the form removes only weeks nobody is enrolled in).
    More places offer the freed ones to the families waiting (change_capacity; fewer than
    those taken: CapacityBelowTaken). Returns what changed, as written to the audit log ({}
    when nothing did)."""
    changes = {}
    settings = {**settings, "title_en": settings["title_en"] or settings["title_it"]}
    for name, value in settings.items():
        before = getattr(campus, name)
        if before != value:
            changes[name] = [_shown(before), _shown(value)]
            setattr(campus, name, value)
    kept = {week["slot"].id for week in weeks if week["slot"] is not None}
    for slot in list(campus.slots):
        if slot.id not in kept:
            if slot.taken:  # never: the form refuses it; said here as well
                raise BookingError(_l("Families are enrolled in this week."))
            changes.setdefault("weeks_removed", []).append(clock.iso(slot.starts_at))
            campus.slots.remove(slot)
    for week in weeks:
        values = _slot_values(week)
        slot = week["slot"]
        if slot is None:
            campus.slots.append(Slot(**values))
            changes.setdefault("weeks_added", []).append(clock.iso(values["starts_at"]))
            continue
        for name, value in values.items():
            if getattr(slot, name) != value:
                if name == "capacity":
                    change_capacity(slot, value, now=now)
                else:
                    setattr(slot, name, value)
                changes.setdefault("weeks_changed", []).append(f"{slot.id}.{name}")
    if changes:
        db.session.flush()
        record(by, "campus.updated", campus, changes=changes)
    return changes


@dataclass(frozen=True)
class Enrolled:
    """Who an edition's families are, for the staff before hiding it."""

    families: int  # with a child confirmed, offered or waiting in some week
    confirmed: int  # children's places confirmed, over all weeks
    waiting: int  # children's places waiting or offered


def enrolled(campus: Campus) -> Enrolled:
    rows = db.session.execute(
        select(CampusPlace.family_id, Booking.status)
        .join(Booking, Booking.id == CampusPlace.booking_id)
        .join(CampusFamily, CampusFamily.id == CampusPlace.family_id)
        .where(
            CampusFamily.campus_id == campus.id,
            CampusPlace.withdrawn_at.is_(None),
            Booking.status.in_((S.confirmed, S.waitlisted, S.offered)),
        )
    ).all()
    return Enrolled(
        families=len({family_id for family_id, _status in rows}),
        confirmed=sum(1 for _f, status in rows if status is S.confirmed),
        waiting=sum(1 for _f, status in rows if status is not S.confirmed),
    )


def set_edition_published(campus: Campus, published: bool, *, by: StaffUser) -> bool:
    if campus.published == published:
        return False
    campus.published = published
    record(by, "campus.published" if published else "campus.unpublished", campus)
    return True


def _slot_values(week: dict) -> dict:
    return {k: week[k] for k in ("starts_at", "ends_at", "capacity", "opens_at", "closes_at")}


def _shown(value):
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _free_slug(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:80] or "campus"
    slug, n = base, 1
    while db.session.scalar(select(Programme.id).where(Programme.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug
