"""The events' part of the OpenAPI document (api/openapi.py assembles the whole): the paths
of events/api.py and their schemas. The booking request's schema comes from the form itself."""

from __future__ import annotations

from ..api.forms import form_schema
from ..api.problems import ACCEPT_LANGUAGE, problem_response
from ..programmes import ApiPart
from .models import Category, EventFormat

_EVENT = {
    "type": "object",
    "required": [
        "id",
        "slug",
        "title",
        "title_it",
        "title_en",
        "category",
        "format",
        "starts_at",
        "ends_at",
        "room",
        "partners",
        "stream_url",
        "seats_left",
        "max_per_booking",
        "waiting_list",
        "booking_open",
        "cancelled",
        "url",
    ],
    "properties": {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "title": {
            "type": "string",
            "description": "In the language asked for (`lang`, else Accept-Language); "
            "Italian when there is no English title.",
        },
        "title_it": {"type": "string"},
        "title_en": {"type": "string"},
        "category": {"$ref": "#/components/schemas/Category"},
        "format": {"type": "string", "enum": [f.value for f in EventFormat]},
        "starts_at": {
            "type": "string",
            "format": "date-time",
            "description": "Milan's local time with its offset (+01:00 or +02:00).",
            "examples": ["2026-12-08T18:00:00+01:00"],
        },
        "ends_at": {"type": "string", "format": "date-time"},
        "room": {"type": "string"},
        "partners": {"type": "string"},
        "stream_url": {"type": "string", "description": "Empty when not streamed."},
        "seats_left": {"type": "integer", "minimum": 0},
        "max_per_booking": {"type": "integer", "minimum": 1},
        "waiting_list": {
            "type": "boolean",
            "description": "When full, a booking joins the waiting list (else it is refused).",
        },
        "booking_open": {
            "type": "boolean",
            "description": "Bookings are taken now: open, not closed, not cancelled, and not "
            "full without a waiting list.",
        },
        "cancelled": {"type": "boolean"},
        "url": {"type": "string", "format": "uri", "description": "The event's page."},
    },
}

_BOOKING_CREATED = {
    "type": "object",
    "required": [
        "reference",
        "status",
        "seats",
        "tickets",
        "manage_url",
        "pdf_url",
        "ics_url",
    ],
    "properties": {
        "reference": {"type": "string", "examples": ["EV-7K3Q9M"]},
        "status": {
            "type": "string",
            "enum": ["confirmed", "waitlisted"],
            "description": "Confirmed with its tickets, or on the waiting list (no tickets "
            "yet; an email follows when seats free up).",
        },
        "seats": {"type": "integer"},
        "tickets": {
            "type": "array",
            "description": "What is scanned at the door; none when waitlisted or for an "
            "event only streamed.",
            "items": {
                "type": "object",
                "required": ["code", "url", "admits"],
                "properties": {
                    "code": {"type": "string"},
                    "url": {
                        "type": "string",
                        "format": "uri",
                        "description": "What the QR code holds.",
                    },
                    "admits": {"type": "integer", "minimum": 1},
                },
            },
        },
        "manage_url": {
            "type": "string",
            "format": "uri",
            "description": "The booking's private page (see, cancel); a secret: whoever has "
            "it manages the booking.",
        },
        "pdf_url": {"type": "string", "format": "uri"},
        "ics_url": {"type": "string", "format": "uri"},
    },
}


# `from` and `to`: a date, or a date and time with an offset or without one (Milan's time).
_MOMENT = {
    "type": "string",
    "anyOf": [
        {"format": "date"},
        {"format": "date-time"},
        {"pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"},
    ],
}


def api_part() -> ApiPart:
    from .api import ApiRegistrationForm

    request_schema = form_schema(
        ApiRegistrationForm,
        notes={
            "seats": "At most the event's max_per_booking (1 for an event only streamed).",
            "language": "The language of the emails; by default that of Accept-Language.",
            "privacy_consent": "Must be true: the person accepted the privacy notice.",
        },
    )
    request_schema["required"] = [n for n in request_schema["required"] if n != "language"]
    request_schema["examples"] = [
        {
            "name": "Giulia Bianchi",
            "email": "giulia@example.org",
            "seats": 2,
            "language": "it",
            "privacy_consent": True,
        }
    ]
    return ApiPart(
        paths={
            "/api/v1/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Published events with the seats left, in time order",
                    "parameters": [
                        {
                            "name": "from",
                            "in": "query",
                            "description": "Events starting at or after this date (Milan's "
                            "midnight) or date and time (with an offset, or Milan's time). "
                            "Without it: the events not ended yet.",
                            "schema": _MOMENT | {"examples": ["2026-12-01"]},
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "description": "Events starting before this date and time; a "
                            "date includes its whole day.",
                            "schema": _MOMENT | {"examples": ["2026-12-31"]},
                        },
                        {
                            "name": "category",
                            "in": "query",
                            "schema": {"$ref": "#/components/schemas/Category"},
                        },
                        {
                            "name": "lang",
                            "in": "query",
                            "description": "The language of `title`; wins over Accept-Language.",
                            "schema": {"type": "string", "enum": ["it", "en"]},
                        },
                        ACCEPT_LANGUAGE,
                    ],
                    "responses": {
                        "200": {
                            "description": "The events.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["items"],
                                        "properties": {
                                            "items": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Event"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "422": problem_response("A parameter is not valid (see `errors`)."),
                    },
                }
            },
            "/api/v1/events/{event_id}/bookings": {
                "post": {
                    "operationId": "bookEvent",
                    "summary": "Register for an event (free)",
                    "description": "Confirmed at once while there are seats; then on the "
                    "waiting list, or refused (409 slot_full) when the event has none. "
                    "Rate-limited per client address.",
                    "parameters": [
                        {
                            "name": "event_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                        },
                        ACCEPT_LANGUAGE,
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/BookingRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Booked: confirmed or waitlisted.",
                            "headers": {
                                "Location": {
                                    "description": "The booking's manage_url.",
                                    "schema": {"type": "string", "format": "uri"},
                                }
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/BookingCreated"}
                                }
                            },
                        },
                        "404": problem_response("No such published event."),
                        "409": problem_response(
                            "Not bookable now: booking_not_open, booking_closed, "
                            "slot_cancelled, slot_full (full, no waiting list), or "
                            "already_booked (this email address already has a booking for "
                            "the event: its link is emailed to that address again)."
                        ),
                        "413": problem_response("The body is too large."),
                        "415": problem_response("The body is not declared application/json."),
                        "422": problem_response(
                            "The input is not valid: per-field messages in `errors`."
                        ),
                        "429": {
                            "description": "Too many bookings from this address; try again "
                            "after Retry-After seconds.",
                            "headers": {
                                "Retry-After": {"schema": {"type": "integer", "minimum": 0}}
                            },
                            "content": {
                                "application/problem+json": {
                                    "schema": {"$ref": "#/components/schemas/Problem"}
                                }
                            },
                        },
                        "503": problem_response("Very busy: try again after Retry-After seconds."),
                    },
                }
            },
        },
        schemas={
            "Category": {"type": "string", "enum": [c.value for c in Category]},
            "Event": _EVENT,
            "BookingRequest": request_schema,
            "BookingCreated": _BOOKING_CREATED,
        },
        tag={"name": "events", "description": "#InCentrale events and free registration."},
    )
