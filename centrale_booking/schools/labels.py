"""The grade levels and years as people read them."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import GradeLevel

GRADE_LABELS = {
    GradeLevel.infanzia: _l("Scuola dell'infanzia"),
    GradeLevel.primaria: _l("Scuola primaria"),
    GradeLevel.secondaria_primo: _l("Scuola secondaria di primo grado"),
    GradeLevel.secondaria_secondo: _l("Scuola secondaria di secondo grado"),
}


def grade_label(grade: GradeLevel) -> str:
    return str(GRADE_LABELS[grade])


def year_label(grade: GradeLevel, year: int) -> str:
    """Sezione 4 anni / classe 3ª"""
    if grade is GradeLevel.infanzia:
        return _("section of %(num)s-year-olds", num=year)
    return _("year %(num)s", num=year)


def years_text(grade: GradeLevel, years: list[int]) -> str:
    """One year, or a pluriclasse of several."""
    if len(years) == 1:
        return year_label(grade, years[0])
    joined = ", ".join(str(y) for y in years)
    if grade is GradeLevel.infanzia:
        return _("mixed section (%(years)s years)", years=joined)
    return _("mixed class (years %(years)s)", years=joined)
