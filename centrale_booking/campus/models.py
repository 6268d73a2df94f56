"""Family campus weeks held when schools close."""

from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..booking.models import Booking, Programme, enum_type


class Season(StrEnum):
    christmas = "christmas"
    easter = "easter"
    summer = "summer"


class Campus(Programme):
    __tablename__ = "campus"

    id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    season: Mapped[Season] = mapped_column(enum_type(Season))
    min_age: Mapped[int] = mapped_column(default=6)
    max_age: Mapped[int] = mapped_column(default=11)

    reference_prefix = "CP"
    allows_quantity_change = False  # children are enrolled by name
    __mapper_args__ = {"polymorphic_identity": "campus"}

    def ticket_plan(self, booking: Booking) -> list[tuple[str, int]]:
        # One ticket per child: each is checked in and out on their own.
        return [(f"{booking.contact_name} ({n})", 1) for n in range(1, booking.quantity + 1)]
