"""Free educational activities for school classes, by grade level: the catalogue (Activity,
its grade levels with a text each, its images), a class's booking (SchoolVisit, the details
of the engine's Booking), the Ministry's registry of schools and the school years."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..booking.counters import CounterHold
from ..booking.models import Fact, Headcount, Programme, Ticket, TicketPlan
from ..clock import local
from ..db_types import enum_type
from ..extensions import db, utcnow


class GradeLevel(StrEnum):
    infanzia = "infanzia"  # scuola dell'infanzia, 3-5 years
    primaria = "primaria"  # 6-10
    secondaria_primo = "secondaria_primo"  # scuola secondaria di primo grado, 11-13
    secondaria_secondo = "secondaria_secondo"  # scuola secondaria di secondo grado, 14-18

    @property
    def api_name(self) -> str:
        """As the API names it: infanzia, primaria, secondaria-1, secondaria-2."""
        return API_NAMES[self]


API_NAMES = {
    GradeLevel.infanzia: "infanzia",
    GradeLevel.primaria: "primaria",
    GradeLevel.secondaria_primo: "secondaria-1",
    GradeLevel.secondaria_secondo: "secondaria-2",
}
BY_API_NAME = {name: level for level, name in API_NAMES.items()}

# The years of each level: the sezione of 3, 4 or 5 years in the scuola dell'infanzia, the
# classe elsewhere. A pluriclasse names several years of one level.
GRADE_YEARS: dict[GradeLevel, tuple[int, ...]] = {
    GradeLevel.infanzia: (3, 4, 5),
    GradeLevel.primaria: (1, 2, 3, 4, 5),
    GradeLevel.secondaria_primo: (1, 2, 3),
    GradeLevel.secondaria_secondo: (1, 2, 3, 4, 5),
}


def school_year_of(day: date) -> int:
    """The school year a day belongs to, by its first calendar year: 1 September 2026 to
    31 August 2027 is 2026 (said "2026/27")."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_text(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


class ActivityGrade(db.Model):
    """A grade level an activity is meant for, with the activity told for that level (the
    same lab told to a 5-year-old and to a 16-year-old)."""

    __tablename__ = "activity_grade"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    grade: Mapped[GradeLevel] = mapped_column(enum_type(GradeLevel, 24), primary_key=True)
    text_it: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")

    def text(self, language: str) -> str:
        return getattr(self, f"text_{language}", "") or self.text_it


class ActivityImage(db.Model):
    """A picture of an activity, with the words that stand for it for who cannot see it."""

    __tablename__ = "activity_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))  # under static/
    alt_it: Mapped[str] = mapped_column(String(300))
    alt_en: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    def alt(self, language: str) -> str:
        return getattr(self, f"alt_{language}", "") or self.alt_it


class Activity(Programme):
    """A percorso or laboratorio for classes of the grade levels it serves; each slot takes
    one class (capacity in classes)."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    subject: Mapped[str] = mapped_column(String(120), default="")
    room: Mapped[str] = mapped_column(String(120), default="")
    max_pupils: Mapped[int] = mapped_column(default=28)
    grade_rows: Mapped[list[ActivityGrade]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityGrade.grade"
    )
    images: Mapped[list[ActivityImage]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityImage.position"
    )

    reference_prefix = "SC"
    few_places = 0  # one class per slot: "nearly full" says nothing
    __mapper_args__ = {"polymorphic_identity": "activity"}

    @property
    def grades(self) -> set[GradeLevel]:
        return {row.grade for row in self.grade_rows}

    @grades.setter
    def grades(self, levels) -> None:
        kept = {row.grade: row for row in self.grade_rows}
        self.grade_rows = [kept.get(GradeLevel(lv)) or ActivityGrade(grade=lv) for lv in levels]

    def grade_text(self, grade: GradeLevel, language: str) -> str:
        """The activity told for `grade` (its summary when that level has no text of its own)."""
        for row in self.grade_rows:
            if row.grade is grade and row.text(language):
                return row.text(language)
        return self.text("summary", language)

    # --- The programme protocol ---

    @classmethod
    def reminders(cls) -> list:
        from ..booking.reminders import DAY_BEFORE, REMIND_WITHIN, Reminder

        # A week before, to reconfirm or change the numbers (unless booked within that week);
        # the day before, as every booking.
        return [
            Reminder("reminder_week", timedelta(days=7), not_if_booked_later=True),
            Reminder(DAY_BEFORE, REMIND_WITHIN),
        ]

    def email_links(self, booking) -> dict[str, str]:
        from ..links import programme_link

        values = {"reference": booking.reference, "token": booking.manage_token}
        return {
            "reconfirm": programme_link("schools.reconfirm", **values),
            "numbers": programme_link("schools.numbers", **values),
        }

    def hold_minutes(self) -> int:
        # The teacher confirms through the link sent to the address typed: no slot is
        # blocked by a fake address for longer than this.
        return current_app.config["SCHOOL_CONFIRM_MINUTES"]

    def counter_holds(self, slot, quantity: int, details) -> list[CounterHold]:
        from .rules import SchoolAtLimit

        if details is None:  # a booking without a class (made by the staff): no school's turn
            return []
        year = school_year_of(local(slot.starts_at).date())
        limit = current_app.config["SCHOOL_MAX_BOOKINGS_PER_YEAR"]
        return [CounterHold(school_counter_key(year, details.school_code), 1, limit, SchoolAtLimit)]

    def cancel_plea(self) -> str | None:
        return None  # the class's panel says until when numbers change or the visit is cancelled

    def person_key(self, contact, details) -> str | None:
        # The same class of the same school (3B of MIIC8AB00C): one live booking per slot.
        if details is None:  # booked by the staff, without a class: no such rule
            return None
        return f"{details.school_code}/{''.join(details.class_name.split()).upper()}"

    def check_request(self, slot, quantity: int, details) -> None:
        from .rules import check_class

        if details is not None:
            check_class(self, details)

    def write_details(self, booking, details) -> None:
        db.session.add(SchoolVisit.from_details(booking, details))

    def details_of(self, booking) -> SchoolVisit | None:
        if booking.id is None:  # not written yet: nothing stored
            return None
        return db.session.get(SchoolVisit, booking.id)

    def ticket_plan(self, booking, details=None) -> list[TicketPlan]:
        visit = details or self.details_of(booking)
        if visit is None:
            return super().ticket_plan(booking, details)
        return [TicketPlan(visit.label, booking.quantity)]

    def quantity_changeable(self, booking) -> bool:
        return False  # one class per booking; its numbers change on the schools' page

    def place(self, language: str) -> str:
        place = super().place(language)
        return f"{self.room}, {place}" if self.room else place

    def room_of(self, slot) -> str:
        """The room a slot takes place in: its own, set when it was made or changed since;
        the activity's for a slot that never had one."""
        return slot.room or self.room

    def slot_place(self, slot, language: str) -> str:
        room, place = self.room_of(slot), super().place(language)
        return f"{room}, {place}" if room else place

    def own_facts(self, booking, language: str) -> list[Fact]:
        visit = self.details_of(booking)
        with force_locale(language):
            minutes = self.duration_minutes
            facts = [Fact(_("Duration"), ngettext("%(num)s minute", "%(num)s minutes", minutes))]
            if visit is not None:
                facts += [
                    Fact(_("Class"), visit.class_text(language)),
                    Fact(_("School"), visit.school_text()),
                    Fact(_("Pupils"), visit.numbers_text(language)),
                ]
            return facts

    def door_label(self, ticket: Ticket, language: str) -> str:
        visit = self.details_of(ticket.booking)
        if visit is None:
            return super().door_label(ticket, language)
        with force_locale(language):
            return f"{visit.label}: {visit.numbers_text(language)}"

    def headcount(self, ticket: Ticket) -> Headcount | None:
        visit = self.details_of(ticket.booking)
        if visit is None:
            return None
        return Headcount(
            {
                "pupils": visit.pupils,
                "adults": visit.adults,
                "support_teachers": visit.support_teachers,
            }
        )


def school_counter_key(year: int, school_code: str) -> str:
    return f"school-bookings:{year}:{school_code}"


def class_label(class_name: str, school_name: str) -> str:
    """What a class ticket says: 3B · IC Via Rossi"""
    return f"{class_name} · {school_name}"[:120]


class SchoolVisit(db.Model):
    """The class a school booking brings: its school, grade, numbers and needs. One per
    booking, written by Activity.write_details in the booking's transaction."""

    __tablename__ = "school_visit"

    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), primary_key=True)
    school_code: Mapped[str] = mapped_column(String(10), index=True)  # codice meccanografico
    school_name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    school_address: Mapped[str] = mapped_column(String(200), default="")
    class_name: Mapped[str] = mapped_column(String(20))  # 3B
    grade: Mapped[GradeLevel] = mapped_column(enum_type(GradeLevel, 24))
    years: Mapped[str] = mapped_column(String(20))  # "3", or "1,2,3" for a pluriclasse
    pupils: Mapped[int]
    pupils_with_disabilities: Mapped[int] = mapped_column(default=0)  # among the pupils
    support_teachers: Mapped[int] = mapped_column(default=0)  # on top of the adults
    adults: Mapped[int]  # accompanying adults, support teachers apart
    needs: Mapped[str] = mapped_column(Text, default="")
    # the code is not in the Ministry's registry: the staff check the school
    to_check: Mapped[bool] = mapped_column(default=False)
    reconfirmed_at: Mapped[datetime | None]  # "we are coming", from the 7-day reminder
    no_show_at: Mapped[datetime | None]  # marked by the staff: the class did not come

    @classmethod
    def from_details(cls, booking, details) -> SchoolVisit:
        return cls(
            booking_id=booking.id,
            school_code=details.school_code,
            school_name=details.school_name,
            city=details.city,
            school_address=details.school_address,
            class_name=details.class_name,
            grade=details.grade,
            years=",".join(str(y) for y in details.years),
            pupils=details.pupils,
            pupils_with_disabilities=details.pupils_with_disabilities,
            support_teachers=details.support_teachers,
            adults=details.adults,
            needs=details.needs,
            to_check=details.to_check,
        )

    @property
    def year_list(self) -> list[int]:
        return [int(y) for y in self.years.split(",") if y]

    @property
    def label(self) -> str:
        return class_label(self.class_name, self.school_name)

    def school_text(self) -> str:
        return f"{self.school_name} ({self.school_code}), {self.city}"

    def class_text(self, language: str) -> str:
        from .labels import grade_label, years_text

        with force_locale(language):
            return _(
                "%(class_name)s, %(grade)s, %(years)s",
                class_name=self.class_name,
                grade=grade_label(self.grade),
                years=years_text(self.grade, self.year_list),
            )

    def numbers_text(self, language: str) -> str:
        """24 alunni (1 con disabilità), 2 accompagnatori, 1 insegnante di sostegno"""
        with force_locale(language):
            parts = [ngettext("%(num)d pupil", "%(num)d pupils", self.pupils)]
            if self.pupils_with_disabilities:
                parts[0] += " " + ngettext(
                    "(%(num)d with disabilities)",
                    "(%(num)d with disabilities)",
                    self.pupils_with_disabilities,
                )
            parts.append(ngettext("%(num)d adult", "%(num)d adults", self.adults))
            if self.support_teachers:
                parts.append(
                    ngettext(
                        "%(num)d support teacher", "%(num)d support teachers", self.support_teachers
                    )
                )
            return ", ".join(parts)


class School(db.Model):
    """A school of the Ministry's registry (the open data files SCUANAGRAFESTAT and
    SCUANAGRAFEPAR), loaded by `flask schools import`."""

    __tablename__ = "school"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)  # CODICESCUOLA
    name: Mapped[str] = mapped_column(String(200))  # DENOMINAZIONESCUOLA
    city: Mapped[str] = mapped_column(String(120))  # DESCRIZIONECOMUNE
    address: Mapped[str] = mapped_column(String(200), default="")  # INDIRIZZOSCUOLA
    email: Mapped[str] = mapped_column(String(254), default="")  # INDIRIZZOEMAILSCUOLA
    institute_code: Mapped[str] = mapped_column(String(10), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchoolYear(db.Model):
    """A school year's booking window and the regional calendar's school closures."""

    __tablename__ = "school_year"

    start: Mapped[int] = mapped_column(primary_key=True)  # 2026 for 2026/27
    booking_opens_at: Mapped[datetime]
    closures: Mapped[list[SchoolClosure]] = relationship(
        cascade="all, delete-orphan", order_by="SchoolClosure.first_day"
    )

    @property
    def name(self) -> str:
        return school_year_text(self.start)

    def closed_on(self, day: date) -> bool:
        return any(c.first_day <= day <= c.last_day for c in self.closures)


class SchoolClosure(db.Model):
    """Days the schools are closed by the regional calendar (holidays apart)."""

    __tablename__ = "school_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_start: Mapped[int] = mapped_column(ForeignKey("school_year.start"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    label: Mapped[str] = mapped_column(String(120), default="")
