"""The desk's part of the OpenAPI document: the paths of desk/api.py. The scan's body schema
comes from the form itself."""

from __future__ import annotations

from ..api.forms import form_schema
from ..api.problems import ACCEPT_LANGUAGE, problem_response
from ..programmes import ApiPart
from .forms import ScanForm, WalkInForm

RESULTS = [
    "ok",
    "already_used",
    "wrong_day",
    "cancelled",
    "unknown",
    "not_checked_in",
    "choose_collector",
    "no_collector",
    "no_seats_left",
]

_AUTH = (
    "A device token in an `Authorization: Bearer <token>` header (an admin makes one with "
    "`flask tokens create NAME`), or the desk page's staff session (role desk or admin), "
    "whose POSTs carry the page's CSRF token in an X-CSRFToken header."
)

_TICKET = {
    "type": "object",
    "description": "What the door needs of a ticket, no more (no email, phone or health data).",
    "required": ["code", "reference", "name", "label", "admits", "programme", "starts_at"],
    "properties": {
        "code": {"type": "string"},
        "reference": {"type": "string", "examples": ["EV-7K3Q9A"]},
        "name": {"type": "string", "description": "First name and initial, or the class."},
        "label": {"type": "string", "description": 'What it admits: "2 posti".'},
        "admits": {"type": "integer", "minimum": 0},
        "programme": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "time": {"type": "string"},
        "valid_from": {"type": "string", "format": "date"},
        "valid_to": {"type": "string", "format": "date"},
        "checks_out": {"type": "boolean", "description": "Scanned in and out each day."},
        "state": {"type": "string", "enum": ["expected", "inside", "left", "cancelled"]},
        "ready": {"type": "boolean", "description": "A companion the same scan lets through."},
    },
}

_SCAN = {
    "type": "object",
    "required": ["id", "at", "direction", "result", "device", "staff"],
    "properties": {
        "id": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "direction": {"type": "string", "enum": ["in", "out"]},
        "result": {"type": "string", "enum": RESULTS},
        "device": {"type": "string"},
        "staff": {"type": "string"},
        "collected_by": {"type": "string"},
    },
}

_ANSWER = {
    "type": "object",
    "required": ["result", "direction", "headline", "message", "ticket", "scan", "previous"],
    "properties": {
        "result": {"type": "string", "enum": RESULTS},
        "direction": {"type": "string", "enum": ["in", "out"]},
        "headline": {"type": "string", "description": "In the request's language."},
        "message": {"type": "string"},
        "ticket": {"oneOf": [{"$ref": "#/components/schemas/DeskTicket"}, {"type": "null"}]},
        "scan": {
            "oneOf": [{"$ref": "#/components/schemas/DeskScan"}, {"type": "null"}],
            "description": "The scan recorded; null when nothing was (unknown, or a "
            "check-out waiting for who collects).",
        },
        "previous": {
            "oneOf": [{"$ref": "#/components/schemas/DeskScan"}, {"type": "null"}],
            "description": "For already_used: the scan that let the holder in.",
        },
        "headcount": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "label": {"type": "string"},
                    "expected": {"type": "integer"},
                },
            },
        },
        "companions": {"type": "array", "items": {"$ref": "#/components/schemas/DeskTicket"}},
        "collectors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "relationship": {"type": "string"}},
            },
        },
        "may_leave_alone": {"type": "boolean"},
        "left_alone": {
            "type": "string",
            "description": "The `collector` of a child who leaves alone.",
        },
    },
}

_SLOT_TODAY = {
    "type": "object",
    "required": ["slot_id", "programme", "kind", "starts_at", "expected", "arrived", "tickets"],
    "properties": {
        "slot_id": {"type": "integer"},
        "programme": {"type": "string"},
        "kind": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "time": {"type": "string"},
        "expected": {"type": "integer"},
        "arrived": {"type": "integer"},
        "tickets": {"type": "array", "items": {"$ref": "#/components/schemas/DeskTicket"}},
        "walk_in_seats": {
            "type": ["integer", "null"],
            "minimum": 0,
            "description": "Seats a walk-in may have now; null for a slot without walk-ins.",
        },
    },
}

_WALK_IN = {
    "type": "object",
    "required": ["result", "headline", "message", "reference", "seats", "tickets", "scans"],
    "properties": {
        "result": {"type": "string", "enum": ["ok"]},
        "headline": {"type": "string"},
        "message": {"type": "string", "examples": ["2 posti"]},
        "reference": {"type": "string"},
        "seats": {"type": "integer", "minimum": 1},
        "seats_left": {"type": ["integer", "null"], "minimum": 0},
        "tickets": {"type": "array", "items": {"$ref": "#/components/schemas/DeskTicket"}},
        "scans": {"type": "array", "items": {"$ref": "#/components/schemas/DeskScan"}},
    },
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "The language of the labels (else Accept-Language).",
    "schema": {"type": "string", "enum": ["it", "en"]},
}

_REFUSED = {
    "401": problem_response("Not signed in, or an unknown or revoked device token."),
    "403": problem_response("Not a member of the desk."),
}


def api_part() -> ApiPart:
    scan_body = form_schema(
        ScanForm,
        notes={
            "code": "The bare ticket code or the ticket URL the QR holds (/t/<code>).",
            "direction": "in or out; left out: in, or for a programme that checks out "
            "(a campus child), out when the holder is inside today.",
            "scan_id": "The device's own id of the scan: the same scan sent again (a retry, "
            "a queue sent after being offline) is recorded once.",
            "device": "The desk's name, shown to the others when a ticket was already used.",
            "collector": "At a check-out: who collects the child (one of `collectors`, or "
            "`left_alone`).",
            "count": "For a group ticket: how many actually came (the missing are counted "
            "off its first kind, the pupils).",
        },
    )
    walk_in_body = form_schema(
        WalkInForm,
        notes={
            "slot_id": "One of today's slots (`slot_id` of /api/v1/desk/today).",
            "device": "The desk's name, recorded with the admission.",
        },
    )
    scan_operation = {
        "tags": ["desk"],
        "summary": "Scan a ticket at the door",
        "description": _AUTH,
        "parameters": [ACCEPT_LANGUAGE],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": scan_body}},
        },
        "responses": {
            "200": _json(
                {"$ref": "#/components/schemas/DeskAnswer"},
                "The answer, whatever it is (see `result`).",
            ),
            "400": problem_response("No valid CSRF token."),
            "422": problem_response("Invalid input: per field in `errors`."),
            **_REFUSED,
        },
    }
    return ApiPart(
        tag={"name": "desk", "description": "The front desk: scans and today's arrivals. " + _AUTH},
        paths={
            "/api/v1/checkins": {"post": {"operationId": "checkin", **scan_operation}},
            "/api/v1/desk/scans": {"post": {"operationId": "desk_scan", **scan_operation}},
            "/api/v1/desk/walk-ins": {
                "post": {
                    "operationId": "desk_walk_in",
                    "tags": ["desk"],
                    "summary": "Book free seats at the door and let the people in",
                    "description": "From DESK_WALK_IN_AFTER_MINUTES after the start (default "
                    "10), the seats of bookings nobody has checked in may go to walk-ins. " + _AUTH,
                    "parameters": [ACCEPT_LANGUAGE],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": walk_in_body}},
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/DeskWalkIn"}, "Booked, in."),
                        "400": problem_response("No valid CSRF token."),
                        "409": problem_response(
                            "Refused: no_seats_left (too few seats), no_walk_ins (a date "
                            "without walk-ins today)."
                        ),
                        "422": problem_response("Invalid input: per field in `errors`."),
                        **_REFUSED,
                    },
                }
            },
            "/api/v1/desk/scans/{scan_id}/counts": {
                "post": {
                    "operationId": "desk_counts",
                    "tags": ["desk"],
                    "summary": "How many of a group came in",
                    "description": "Replaces the figures confirmed before. " + _AUTH,
                    "parameters": [
                        {
                            "name": "scan_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["arrived"],
                                    "properties": {
                                        "arrived": {
                                            "type": "object",
                                            "additionalProperties": {
                                                "type": "integer",
                                                "minimum": 0,
                                                "maximum": 999,
                                            },
                                            "examples": [{"pupils": 23, "teachers": 2}],
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"type": "object"}, "The figures recorded."),
                        "404": problem_response("No admission with this id."),
                        "422": problem_response("Invalid input: per field in `errors`."),
                        **_REFUSED,
                    },
                }
            },
            "/api/v1/desk/today": {
                "get": {
                    "operationId": "desk_today",
                    "tags": ["desk"],
                    "summary": "Everyone expected today, by slot, with who has arrived",
                    "parameters": [ACCEPT_LANGUAGE, _LANG],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "day": {"type": "string", "format": "date"},
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/DeskSlot"},
                                    },
                                },
                            },
                            "Today's slots.",
                        ),
                        "422": problem_response("An unknown `lang`."),
                        **_REFUSED,
                    },
                }
            },
            "/api/v1/desk/search": {
                "get": {
                    "operationId": "desk_search",
                    "tags": ["desk"],
                    "summary": "Tickets by booking reference, or today's by name",
                    "parameters": [
                        ACCEPT_LANGUAGE,
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/DeskTicket"},
                                    }
                                },
                            },
                            "At most 20 tickets.",
                        ),
                        "422": problem_response("An unknown `lang`."),
                        **_REFUSED,
                    },
                }
            },
        },
        schemas={
            "DeskTicket": _TICKET,
            "DeskScan": _SCAN,
            "DeskAnswer": _ANSWER,
            "DeskSlot": _SLOT_TODAY,
            "DeskWalkIn": _WALK_IN,
        },
    )
