"""The shared machinery of the JSON API v1 under /api/v1, for the museum's website, the desk
scanner and integrators: a blueprint maker, reading the body, problem+json answers, the JSON
types and schemas derived from the forms, and the OpenAPI document (/api/v1/openapi.json)
assembled from each programme's part. The routes of a programme live in its own api.py."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from ..converters import MAX_ID
from ..extensions import csrf
from .forms import InvalidInput
from .openapi import document
from .problems import problem

PREFIX = "/api/v1"
MAX_BODY_BYTES = 16 * 1024  # a booking request is a few hundred bytes

bp = Blueprint("api", __name__, url_prefix=PREFIX)


def api_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A programme's API blueprint under /api/v1. CSRF-exempt: no cookie authorises anything
    here, so there is nothing for a forged request to use."""
    blueprint = Blueprint(name, import_name, url_prefix=PREFIX + url_prefix)
    csrf.exempt(blueprint)
    return blueprint


csrf.exempt(bp)


def json_body(max_bytes: int = MAX_BODY_BYTES):
    """The body parsed as JSON, or None when it is not JSON. 415 unless it is declared
    application/json: a cross-site HTML form can send text/plain or a form encoding, never
    that type, so a required JSON type keeps other sites' pages from booking through their
    visitors' browsers. 413 beyond `max_bytes` (MAX_BODY_BYTES, unless an operation's
    valid bodies are larger), with a length given or chunked."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    request.max_content_length = max_bytes
    if request.content_length is None and "wsgi.input_terminated" in request.environ:
        data = _read_chunked(request.environ["wsgi.input"], max_bytes)
    else:
        data = request.get_data(cache=False)
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond measure
        return None


def _read_chunked(stream, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    # werkzeug's limited stream stops quietly at the limit, so that a chunked body over it
    # would be read cut short (and refused as bad JSON): read one byte more, then tell.
    data = bytearray()
    while len(data) <= max_bytes:
        chunk = stream.read(max_bytes + 1 - len(data))
        if not chunk:
            return bytes(data)
        data += chunk
    raise RequestEntityTooLarge()


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app.config["BASE_URL"]))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.errorhandler(InvalidInput)
    def invalid_input(exc: InvalidInput):
        return problem(
            422, "invalid_input", _("Please correct the fields listed in errors."), exc.errors
        )


__all__ = ["MAX_ID", "api_blueprint", "init_app", "json_body", "problem"]
