"""Family campus weeks held when schools close."""

from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..booking.models import Booking, Fact, Programme, TicketPlan
from ..db_types import enum_type


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
    __mapper_args__ = {"polymorphic_identity": "campus"}

    def ticket_plan(self, booking: Booking, details=None) -> list[TicketPlan]:
        # One ticket per child: each is checked in and out on their own.
        return [
            TicketPlan(f"{booking.contact_name} ({n})", 1) for n in range(1, booking.quantity + 1)
        ]

    def quantity_changeable(self, booking: Booking) -> bool:
        return False  # children are enrolled by name

    def own_facts(self, booking: Booking, language: str) -> list[Fact]:
        with force_locale(language):
            ages = _("%(min)s to %(max)s years", min=self.min_age, max=self.max_age)
            return [Fact(_("Ages"), ages)]
