"""Slugs for every programme: readable, unique, written once at creation so that links
already shared keep working when the title changes."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import select

from .booking.models import Programme
from .extensions import db


def slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def unique_slug(title: str, day: date, *, fallback: str) -> str:
    """acqua-e-citta-2026-10-01, then -2, -3 … if that one is taken; `fallback` when the
    title has no letter or digit to keep."""
    base = f"{slugify(title)[:100].rstrip('-') or fallback}-{day.isoformat()}"
    taken = set(
        db.session.scalars(
            select(Programme.slug).where(Programme.slug.startswith(base, autoescape=True))
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
