"""What is done with #InCentrale events: a visitor registers (the page and the API both call
`register`); the staff create one or a weekly series, edit, publish, cancel, and list them with
their attendees.

Plain functions over db.session, the staff user and the time passed in; the caller commits
(inside `transaction()`), and every staff change writes its AuditLog row in that same
transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..admin.audit import record
from ..auth.models import StaffUser
from ..booking.changes import cancel_slot, change_capacity, live_bookings, tell_slot_changed
from ..booking.engine import Contact, request_booking
from ..booking.models import Booking, Slot, Unit, WaitlistMode
from ..booking.states import BookingStatus
from ..clock import local, museum_time
from ..extensions import db
from ..outbox import queue_email
from ..outbox.models import EmailKind, OutboxMessage, OutboxStatus
from ..slugs import unique_slug
from .models import Event


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    seats: int
    language: str
    newsletter_consent: bool = False


def register(event: Event, registration: Registration, *, now: datetime) -> Booking:
    """Book seats for an event (confirmed at once, or on the waiting list), for the page and
    the API alike. The privacy consent has been given: the form refuses the registration
    without it. How many seats one registration may take is the event's rule
    (Event.max_places: one for an event only streamed), checked by the engine."""
    contact = Contact(
        name=registration.name.strip(),
        email=registration.email.strip(),
        language=registration.language,
        privacy_consent=True,
        newsletter_consent=registration.newsletter_consent,
    )
    return request_booking(event.slot, registration.seats, contact, now=now)


# --- The back office ----------------------------------------------------------------

MAX_SERIES = 60  # dates in one series: a season of weekly events, not a typo's thousand

# The Event's own columns the form sets (Programme's texts and rules included).
EVENT_FIELDS = (
    "title_it",
    "title_en",
    "summary_it",
    "summary_en",
    "description_it",
    "description_en",
    "category",
    "format",
    "room",
    "speakers",
    "partners",
    "stream_url",
    "replay_url",
    "image",
    "image_alt_it",
    "image_alt_en",
    "max_per_booking",
    "cancel_deadline_hours",
)
SLOT_FIELDS = ("starts_at", "ends_at", "opens_at", "closes_at")  # capacity: set_capacity


# --- Creating and changing ---------------------------------------------------------------


def create_event(
    settings: dict,
    slot_values: dict,
    capacity: int,
    *,
    by: StaffUser,
    publish: bool = False,
    series: dict | None = None,
) -> Event:
    starts_at = slot_values["starts_at"]
    event = Event(
        slug=unique_slug(settings["title_it"], local(starts_at).date(), fallback="evento"),
        published=publish,
        unit=Unit.seats,
        waitlist_mode=WaitlistMode.confirm,
        **settings,
    )
    event.slots.append(Slot(capacity=capacity, **slot_values))
    db.session.add(event)
    db.session.flush()
    details = {"starts_at": starts_at.isoformat(), "published": publish}
    if series:
        details["series"] = series
    record(by, "event.created", event, **details)
    return event


def update_event(
    event: Event,
    settings: dict,
    slot_values: dict,
    capacity: int,
    *,
    by: StaffUser,
    now: datetime,
) -> dict:
    """Apply the form to the event and its slot; return what changed (also in the audit log).
    A new date, time or room is told to everyone booked or waiting (an email each, with the
    new PDF and calendar file); "told" lists their references, "promoted" those a larger
    capacity confirmed from the waiting list. Raises CapacityBelowTaken, the caller's
    transaction then rolls everything back."""
    slot = event.slot
    was_starts_at, was_ends_at, was_room = slot.starts_at, slot.ends_at, event.room
    changes: dict[str, list] = {}
    if capacity != slot.capacity:
        changes["capacity"] = [slot.capacity, capacity]
        if promoted := change_capacity(slot, capacity, now=now):
            changes["promoted"] = [booking.reference for booking in promoted]
    for name, value in settings.items():
        if getattr(event, name) != value:
            changes[name] = [_shown(getattr(event, name)), _shown(value)]
            setattr(event, name, value)
    for name, value in slot_values.items():
        if getattr(slot, name) != value:
            changes[name] = [_shown(getattr(slot, name)), _shown(value)]
            setattr(slot, name, value)
    moved = (slot.starts_at, slot.ends_at) != (was_starts_at, was_ends_at)
    new_room = _room(event.room) != _room(was_room)
    if (moved or new_room) and slot.cancelled_at is None:
        told = tell_slot_changed(
            slot, was_starts_at=was_starts_at, was_ends_at=was_ends_at, place_changed=new_room
        )
        if told:
            changes["told"] = [booking.reference for booking in told]
    if changes:
        record(by, "event.updated", event, changes=changes)
    return changes


def people_to_tell(event: Event, settings: dict, slot_values: dict) -> list[Booking]:
    """The bookings the form's change would email (before it is saved): everyone booked or
    waiting, when the date, the time or the room changes; nobody otherwise."""
    slot = event.slot
    moved = any(
        name in slot_values and slot_values[name] != getattr(slot, name)
        for name in ("starts_at", "ends_at")
    )
    if slot.cancelled_at is not None:
        return []
    if moved or _room(settings.get("room", event.room)) != _room(event.room):
        return live_bookings(slot)
    return []


def _room(room: str | None) -> str:
    return (room or "").strip()  # none and empty are the same place


def _shown(value) -> str | int | bool | None:
    # for the audit log's JSON: long texts cut, datetimes in ISO 8601
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


def set_published(event: Event, published: bool, *, by: StaffUser) -> bool:
    """Publish or unpublish; returns False when it already was."""
    if event.published is published:
        return False
    event.published = published
    record(by, "event.published" if published else "event.unpublished", event)
    return True


def cancel_event(
    event: Event, reason: dict[str, str], *, by: StaffUser, now: datetime
) -> list[Booking]:
    """Cancel the event's date: every live booking is cancelled, each person gets an email
    (queued by the engine) with the reason ({language: text}) and every ticket stops being
    valid."""
    cancelled = cancel_slot(event.slot, now=now, reason=reason)
    record(
        by,
        "event.cancelled",
        event,
        reason=reason,
        bookings=len(cancelled),
        references=[booking.reference for booking in cancelled],
    )
    return cancelled


@dataclass(frozen=True)
class Message:
    """The staff's words to the people of an event, in Italian and in English."""

    subject: dict[str, str]  # {language: text}
    body: dict[str, str]


def message_attendees(
    event: Event, message: Message, *, by: StaffUser, now: datetime
) -> list[Booking]:
    """One email per live booking (booked, held, offered or waiting), in its language,
    through the outbox. The outbox row is the record, on each booking: its kind
    (staff_message), its time, its text and whether it was delivered."""
    bookings = live_bookings(event.slot)
    for booking in bookings:
        queue_email(
            booking,
            "staff_message",
            subject=message.subject,
            body=message.body,
            written_at=now.isoformat(),  # one message's emails, told apart from another's
        )
    record(by, "event.messaged", event, subject=message.subject["it"], bookings=len(bookings))
    return bookings


@dataclass(frozen=True)
class SentMessage:
    sent_at: datetime
    subject: str
    bookings: int
    delivered: int


def sent_messages(event: Event) -> list[SentMessage]:
    """The messages the staff wrote to the event's people, latest first, with how many
    bookings each went to and how many of those emails are delivered so far."""
    rows = db.session.execute(
        select(OutboxMessage.payload, OutboxMessage.status)
        .join(Booking, Booking.id == OutboxMessage.booking_id)
        .where(Booking.slot_id == event.slot.id, OutboxMessage.kind == EmailKind.staff_message)
        .order_by(OutboxMessage.id)
    ).all()
    grouped: dict[tuple, list] = {}
    for payload, status in rows:
        key = (payload.get("written_at", ""), (payload.get("subject") or {}).get("it", ""))
        grouped.setdefault(key, []).append(status)
    return [
        SentMessage(
            datetime.fromisoformat(at), subject, len(statuses), statuses.count(OutboxStatus.sent)
        )
        for (at, subject), statuses in sorted(grouped.items(), reverse=True)
    ]


# --- A weekly series ---------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPlan:
    dates: list[date]
    skipped: list[date] = field(default_factory=list)  # asked to skip, and in the series


def plan_series(first: date, last: date, weekday: int, skip: set[date]) -> SeriesPlan:
    """Every `weekday` (Monday 0) from first to last, without the days to skip."""
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    dates, skipped = [], []
    while day <= last:
        (skipped if day in skip else dates).append(day)
        day += timedelta(weeks=1)
    return SeriesPlan(dates, skipped)


def create_series(
    settings: dict,
    plan: SeriesPlan,
    start: time,
    end: time,
    capacity: int,
    *,
    by: StaffUser,
    publish: bool = False,
) -> list[Event]:
    """One event per date, the same texts and settings; each its own hours in UTC, so an
    evening at 18:30 stays at 18:30 across the change of time."""
    series = {
        "first": plan.dates[0].isoformat(),
        "last": plan.dates[-1].isoformat(),
        "dates": len(plan.dates),
        "skipped": [day.isoformat() for day in plan.skipped],
    }
    events = []
    for day in plan.dates:
        slot_values = {"starts_at": museum_time(day, start), "ends_at": museum_time(day, end)}
        events.append(
            create_event(settings, slot_values, capacity, by=by, publish=publish, series=series)
        )
    return events


# --- Reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    event: Event
    slot: Slot
    waiting_bookings: int
    waiting_seats: int


def event_rows(now: datetime) -> tuple[list[EventRow], list[EventRow]]:
    """The events not over yet, soonest first, and the past ones, latest first."""
    pairs = db.session.execute(
        select(Event, Slot)
        .join(Slot, Slot.programme_id == Event.id)
        .order_by(Slot.starts_at, Event.id)
    ).all()
    waiting = {
        slot_id: (bookings, seats)
        for slot_id, bookings, seats in db.session.execute(
            select(Booking.slot_id, func.count(), func.sum(Booking.quantity))
            .where(Booking.status == BookingStatus.waitlisted)
            .group_by(Booking.slot_id)
        )
    }
    rows = [EventRow(event, slot, *waiting.get(slot.id, (0, 0))) for event, slot in pairs]
    upcoming = [row for row in rows if row.slot.ends_at >= now]
    past = [row for row in reversed(rows) if row.slot.ends_at < now]
    return upcoming, past


def attendees(event: Event) -> list[Booking]:
    """Every booking of the event, cancelled ones included, in the order they came."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.slot_id == event.slot.id)
            .order_by(Booking.created_at, Booking.id)
        )
    )


def booking_counts(bookings: list[Booking]) -> dict[BookingStatus, tuple[int, int]]:
    """Bookings and seats by status."""
    counts: dict[BookingStatus, tuple[int, int]] = {}
    for booking in bookings:
        n, seats = counts.get(booking.status, (0, 0))
        counts[booking.status] = (n + 1, seats + booking.quantity)
    return counts
