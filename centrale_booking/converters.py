"""The URL converters of the whole app. `<id:name>` is the one for ids, on every route: a
number the database cannot hold (2**31 and more in PostgreSQL's integer, 2**63 in SQLite's)
is no id at all, so the route answers 404 instead of the database failing with a 500."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the smaller of the two engines' ids


class IdConverter(IntegerConverter):
    """A database id: digits only, 0 to MAX_ID; anything else does not match (404)."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)


CONVERTERS = {"id": IdConverter}
