"""The Ministry's registry of Italian schools (open data: SCUANAGRAFESTAT for state schools,
SCUANAGRAFEPAR for paritarie), loaded by `flask schools import FILE.csv`. Idempotent: a school
is found by its code and written only when something changed, so a newer file updates the
registry and the same file loaded twice changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from .models import School
from .rules import normalised_code, valid_code

# The registry's column: ours. The files have others (region, province, type…): ignored.
COLUMNS = {
    "CODICESCUOLA": "code",
    "DENOMINAZIONESCUOLA": "name",
    "DESCRIZIONECOMUNE": "city",
    "INDIRIZZOSCUOLA": "address",
    "INDIRIZZOEMAILSCUOLA": "email",
    "CODICEISTITUTORIFERIMENTO": "institute_code",
}
# What the Ministry writes where it has nothing
NOTHING = {"", "NON DISPONIBILE", "-"}


class RegistryFileError(ValueError):
    """The file cannot be read as the registry: said to whoever runs the command."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows without a valid code

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped (no valid CODICESCUOLA)"
        )


def read_rows(content: bytes) -> list[dict[str, str]]:
    """The file's rows as {our field: value}, or RegistryFileError naming what is wrong."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")  # older files of the Ministry
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().upper() for name in reader.fieldnames or []]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise RegistryFileError("missing columns: " + ", ".join(missing))
    reader.fieldnames = header
    rows = []
    for raw in reader:
        row = {}
        for column, name in COLUMNS.items():
            value = " ".join((raw.get(column) or "").split())
            row[name] = "" if value.upper() in NOTHING else value
        rows.append(row)
    return rows


def import_registry(content: bytes, *, now: datetime) -> ImportReport:
    """Load the file into the registry, in the caller's transaction."""
    report = ImportReport()
    existing = {school.code: school for school in db.session.scalars(db.select(School))}
    for row in read_rows(content):
        code = normalised_code(row["code"])
        if not valid_code(code) or not row["name"]:
            report.skipped += 1
            continue
        values = {
            "name": row["name"][:200],
            "city": row["city"][:120],
            "address": row["address"][:200],
            "email": row["email"].lower()[:254],
            "institute_code": normalised_code(row["institute_code"])[:10],
        }
        school = existing.get(code)
        if school is None:
            school = existing[code] = School(code=code, updated_at=now, **values)
            db.session.add(school)
            report.added += 1
        elif any(getattr(school, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(school, key, value)
            school.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    return report
