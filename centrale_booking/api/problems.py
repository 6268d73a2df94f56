"""API errors as application/problem+json (RFC 9457), with per-field messages in `errors`."""

from __future__ import annotations

from flask import jsonify


def problem(status: int, code: str, detail: str, errors: dict | None = None, **extra):
    body = {"type": f"about:blank#{code}", "title": code.replace("_", " "), "status": status}
    body.update(detail=detail, code=code, **extra)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "For people, in the request's language."},
        "code": {
            "type": "string",
            "description": "Stable, for programs: e.g. invalid_input, booking_closed, "
            "booking_not_open, slot_cancelled, slot_full, already_booked, http_404, http_415, "
            "http_429, busy.",
        },
        "errors": {
            "type": "object",
            "description": "Per field, its messages; nested fields as dotted paths. `body` "
            "when the body is not a JSON object.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def problem_response(description: str) -> dict:
    """An OpenAPI response that is a problem."""
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "The language of titles and messages: Italian (default) or English.",
    "schema": {"type": "string", "examples": ["en-GB,en;q=0.8"]},
}
