"""How people reach the museum (settings MUSEUM_*), said the same way on every page's footer,
in every email, and wherever something can no longer be done online."""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app


class MuseumContact(NamedTuple):
    name: str
    address: str
    phone: str
    email: str
    hours: str  # in the reader's language


def museum_contact(language: str) -> MuseumContact:
    config = current_app.config
    hours = config["MUSEUM_HOURS"]
    if isinstance(hours, dict):
        hours = hours.get(language) or hours.get("it", "")
    return MuseumContact(
        config["MUSEUM_NAME"],
        config["MUSEUM_ADDRESS"],
        config["MUSEUM_PHONE"],
        config["MUSEUM_EMAIL"],
        hours,
    )


def phone_href(phone: str) -> str:
    """tel: link of a number as written (+39 02 1234 5678 -> tel:+390212345678)."""
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


def init_app(app) -> None:
    from .clock import moment_text
    from .i18n import current_language

    @app.context_processor
    def museum_context():
        language = current_language()
        return {
            "museum": museum_contact(language),
            "phone_href": phone_href,
            "moment_text": lambda moment: moment_text(moment, language),
        }
