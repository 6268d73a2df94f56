"""Free educational activities for school classes, by grade level."""

from enum import StrEnum

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..booking.models import Fact, Programme
from ..db_types import enum_type
from ..extensions import db


class GradeLevel(StrEnum):
    infanzia = "infanzia"  # scuola dell'infanzia, 3-5 years
    primaria = "primaria"  # 6-10
    secondaria_primo = "secondaria_primo"  # scuola secondaria di primo grado, 11-13
    secondaria_secondo = "secondaria_secondo"  # scuola secondaria di secondo grado, 14-18


class ActivityGrade(db.Model):
    """A grade level an activity is meant for."""

    __tablename__ = "activity_grade"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    grade: Mapped[GradeLevel] = mapped_column(enum_type(GradeLevel, 24), primary_key=True)


class Activity(Programme):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    subject: Mapped[str] = mapped_column(String(120), default="")
    grade_rows: Mapped[list[ActivityGrade]] = relationship(cascade="all, delete-orphan")

    reference_prefix = "SC"
    __mapper_args__ = {"polymorphic_identity": "activity"}

    def quantity_changeable(self, booking) -> bool:
        return False  # one class per booking

    def own_facts(self, booking, language: str) -> list[Fact]:
        with force_locale(language):
            minutes = self.duration_minutes
            return [Fact(_("Duration"), ngettext("%(num)s minute", "%(num)s minutes", minutes))]

    @property
    def grades(self) -> set[GradeLevel]:
        return {row.grade for row in self.grade_rows}

    @grades.setter
    def grades(self, levels) -> None:
        self.grade_rows = [ActivityGrade(grade=GradeLevel(level)) for level in levels]
