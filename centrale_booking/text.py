"""The text rule: what a text field accepts, the same for the pages' forms and the API (which
checks its JSON bodies with the very same forms, api/forms.py).

Text is printed in emails (a name in the greeting, a title in the Subject header), in PDFs and
in calendar files, and stored in PostgreSQL, which cannot keep a NUL. So no field accepts a
control character (a tab excepted) or half of a surrogate pair, and a single-line field takes
no line break of any kind: besides CR and LF, those that `str.splitlines` knows (U+2028 survives
a browser's text input). A multi-line field (a textarea) keeps CR and LF."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

# Every character str.splitlines() breaks a line at.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
KEPT_IN_MULTILINE = frozenset("\n\r")  # and U+2028, U+2029, which are no controls

NOT_TEXT = _l("Please leave out characters that are not text.")
ONE_LINE = _l("Please write this on one line.")
CONTROL = _l("Please leave out control characters (such as line breaks).")
NOTHING_VISIBLE = _l("Please write it in letters we can read.")
NO_LINKS = _l("Please write just the name, without web or email addresses.")

# Characters that print nothing though they are not spaces or controls: a value made only of
# them (and of spaces, formats and combining marks) looks empty in an email's greeting.
_BLANK_LOOKING = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cs", "Co", "Cn"})
# A person's name is printed in the greeting of an email sent to any address typed in: no
# link may ride in it (http:, www., a domain such as example.com, an email address).
_LINK_IN_NAME = re.compile(
    r"://|https?:|www\.|@|\.(com|net|org|info|biz|xyz|top|io|ly|ru|cn|it|eu|me|co|link|click)\b",
    re.IGNORECASE,
)


# The same rule as a JSON Schema pattern, for the OpenAPI document: no control character but
# the tab (and, in a multi-line field, CR and LF), no line break of another kind, no surrogate.
ONE_LINE_PATTERN = "^[^\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ud800-\\udfff]*$"
MULTILINE_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff]*$"


def text_problem(value: str, *, multiline: bool = False):
    """None when `value` may be kept as it is; otherwise the message that says why not."""
    for char in value:
        if "\ud800" <= char <= "\udfff":  # a lone surrogate: no character, cannot be encoded
            return NOT_TEXT
        if char in LINE_BREAKS and not multiline:
            return ONE_LINE
        if char in KEPT_IN_MULTILINE or char == "\t":
            continue
        if unicodedata.category(char) == "Cc":  # NUL, escape, DEL, the C1 controls …
            return CONTROL
    if value and not any(_visible(char) for char in value):
        return NOTHING_VISIBLE
    return None


def _visible(char: str) -> bool:
    return char not in _BLANK_LOOKING and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def name_problem(value: str):
    """None for a person's name that may be printed in an email; else the message why not."""
    return NO_LINKS if _LINK_IN_NAME.search(value) else None
