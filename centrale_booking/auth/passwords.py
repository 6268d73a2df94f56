"""What a staff password must be: at least 12 characters, and not one that is easy to guess
(one of the 30,000 most common passwords, or a pattern of one, as zxcvbn judges it)."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` will not do, for people; None when it will."""
    if len(password) < MIN_LENGTH:
        return _l("Please use at least %(min)s characters.", min=MIN_LENGTH)
    from zxcvbn import zxcvbn

    if password.lower() in _common() or zxcvbn(password[:100], [email])["score"] < 3:
        return _l("This password is too easy to guess. Please choose a less common one.")
    return None
