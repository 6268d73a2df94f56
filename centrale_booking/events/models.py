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

    reference_prefix = "EV"
    __mapper_args__ = {"polymorphic_identity": "event"}
