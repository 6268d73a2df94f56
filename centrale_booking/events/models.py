"""#InCentrale events: talks, concerts, screenings, workshops."""

from datetime import datetime
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..booking.models import Fact, Programme
from ..db_types import enum_type
from ..extensions import db, utcnow


class Category(StrEnum):
    talk = "talk"
    concert = "concert"
    screening = "screening"
    workshop = "workshop"


class EventFormat(StrEnum):
    in_person = "in_person"
    streaming = "streaming"
    both = "both"


class EventSeries(db.Model):
    """A weekly series: its events stay linked, so that staff change the time, the room or the
    seats of every date still to come at once."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    events: Mapped[list["Event"]] = relationship(back_populates="series")


class Event(Programme):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(enum_type(Category))
    format: Mapped[EventFormat] = mapped_column(enum_type(EventFormat), default=EventFormat.both)
    room: Mapped[str] = mapped_column(String(120), default="")
    speakers: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    replay_url: Mapped[str] = mapped_column(String(500), default="")  # after the event
    image: Mapped[str] = mapped_column(String(300), default="")  # a path under static/
    image_alt_it: Mapped[str] = mapped_column(String(300), default="")
    image_alt_en: Mapped[str] = mapped_column(String(300), default="")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id"), index=True)
    series: Mapped[EventSeries | None] = relationship(
        back_populates="events", foreign_keys=[series_id]
    )

    reference_prefix = "EV"
    public_endpoint = "events.show"
    staff_endpoint = "events_staff.event"
    __mapper_args__ = {"polymorphic_identity": "event"}

    @property
    def slot(self):
        """An event happens once: its one slot holds the date, the seats and the window."""
        return self.slots[0]

    @property
    def streaming_only(self) -> bool:
        return self.format is EventFormat.streaming

    @property
    def streamed(self) -> bool:
        return self.format is not EventFormat.in_person and bool(self.stream_url)

    # --- The programme protocol ---

    @property
    def few_places(self) -> int:  # type: ignore[override]
        return 0 if self.streaming_only else Programme.few_places  # a stream is never full

    def public_url_values(self) -> dict:
        return {"event_id": self.id}

    def staff_url_values(self) -> dict:
        return {"event_id": self.id}

    def max_places(self, slot) -> int:
        # A streaming-only registration is one person's reminder, on the page and in the API.
        return 1 if self.streaming_only else super().max_places(slot)

    def person_key(self, contact, details) -> str | None:
        # The same email address, whatever its case: one live registration each per date.
        return contact.email.strip().lower()

    def ticket_plan(self, booking, details=None):
        # A streaming-only registration is a reminder: nothing to scan at the door.
        return [] if self.streaming_only else super().ticket_plan(booking, details)

    def in_person(self, booking) -> bool:
        return not self.streaming_only

    @property
    def takes_walk_ins(self) -> bool:  # the desk's walk-ins (booking/door.py)
        return not self.streaming_only

    def online_url(self, booking) -> str:
        return self.stream_url if self.streamed else ""

    def quantity_changeable(self, booking) -> bool:
        return not self.streaming_only

    def place(self, language: str) -> str:
        if self.streaming_only:
            with force_locale(language):
                return _("Online, live stream")
        place = super().place(language)
        return f"{self.room}, {place}" if self.room else place

    def own_facts(self, booking, language: str) -> list[Fact]:
        if not (url := self.online_url(booking)):
            return []
        with force_locale(language):
            return [Fact(_("Live stream"), url, url)]
