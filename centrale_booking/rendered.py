"""What many visitors are shown alike, rendered once and kept in the process.

At the opening of a booking window hundreds of teachers or families read the same listing and
open the same blank form within a few seconds; rendering each again is most of what those
pages cost. Two ways to keep them:

- `brief_public_page`: a public page kept whole for PUBLIC_PAGE_SECONDS (default 2), for the
  visitors who are not signed in. A listing may so be two seconds old — its places left
  included —; the form and the booking itself always read the database (a date taken meanwhile
  is said so on the form, with the nearest free ones). A page is kept only when nothing of it
  belongs to one visitor: an answer 200, nothing flashed, no CSRF token, no session written.
- `kept_fragment`: a fragment (a blank form's fields) kept until its key changes, the key
  naming everything the fragment shows.

Each gunicorn worker keeps its own; both are bounded and start again when full."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, g, make_response, request, session
from flask_login import current_user
from markupsafe import Markup

from .i18n import current_language

KEPT_AT_MOST = 512  # per kind, per process: the pages of a catalogue, not of a visitor


def _store(name: str) -> dict:
    return current_app.extensions.setdefault(f"centrale_kept_{name}", {})


def kept_fragment(name: str, key: tuple, render: Callable[[], str]) -> Markup:
    """`render()` once per (name, key, language), then the kept result."""
    kept = _store(name)
    full_key = (key, current_language())
    if (fragment := kept.get(full_key)) is None:
        if len(kept) >= KEPT_AT_MOST:
            kept.clear()  # a catalogue changes rarely: start again rather than track use
        fragment = kept[full_key] = Markup(render())  # noqa: S704 (Jinja escaped it already)
    return fragment


def brief_public_page(view: Callable) -> Callable:
    """The view's page kept for a few seconds for visitors who are not signed in."""

    @wraps(view)
    def kept_or_rendered(**kwargs):
        seconds = current_app.config["PUBLIC_PAGE_SECONDS"]
        if not seconds or request.method != "GET" or _personal_before():
            return view(**kwargs)
        kept = _store("public_pages")
        key = (request.full_path, current_language())
        now = time.monotonic()
        if (hit := kept.get(key)) is not None and hit[0] > now:
            return Response(hit[1], hit[2], content_type=hit[3])
        response = make_response(view(**kwargs))
        if response.status_code == 200 and not _personal_after():
            if len(kept) >= KEPT_AT_MOST:
                kept.clear()
            kept[key] = (now + seconds, response.get_data(), 200, response.content_type)
        return response

    return kept_or_rendered


def _personal_before() -> bool:
    return current_user.is_authenticated or bool(session.get("_flashes"))


def _personal_after() -> bool:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return session.modified or field in g or bool(session.get("_flashes"))
