"""The grade levels and years as people read them."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import GradeLevel

# In English with the Italian name beside it: the words on the teacher's own school papers.
GRADE_LABELS = {
    GradeLevel.infanzia: _l("Nursery school (scuola dell'infanzia, ages 3–5)"),
    GradeLevel.primaria: _l("Primary school (scuola primaria)"),
    GradeLevel.secondaria_primo: _l("Lower secondary school (secondaria di primo grado)"),
    GradeLevel.secondaria_secondo: _l("Upper secondary school (secondaria di secondo grado)"),
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
