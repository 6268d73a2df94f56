"""#InCentrale events: talks, concerts, screenings, workshops."""

from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..booking.models import Programme, enum_type


class Category(StrEnum):
    talk = "talk"
    concert = "concert"
    screening = "screening"
    workshop = "workshop"


class EventFormat(StrEnum):
    in_person = "in_person"
    streaming = "streaming"
    both = "both"


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

    reference_prefix = "EV"
    __mapper_args__ = {"polymorphic_identity": "event"}

    @property
    def slot(self):
        """An event happens once: its one slot holds the date, the seats and the window."""
        return self.slots[0]

    @property
    def streaming_only(self) -> bool:
        return self.format is EventFormat.streaming

    def ticket_plan(self, booking):
        # A streaming-only registration is a reminder: nothing to scan at the door.
        return [] if self.streaming_only else super().ticket_plan(booking)
