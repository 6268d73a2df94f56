"""The OpenAPI 3.1 document of the API, served at /api/v1/openapi.json. Kept beside the views
and checked by tests/test_api.py: every route is in it, and it is a valid OpenAPI document."""

from __future__ import annotations

from ..events.models import Category, EventFormat


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


_ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "The language of titles and messages: Italian (default) or English.",
    "schema": {"type": "string", "examples": ["en-GB,en;q=0.8"]},
}

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
            "description": "Bookings are taken now (open, not closed, not cancelled).",
        },
        "cancelled": {"type": "boolean"},
        "url": {"type": "string", "format": "uri", "description": "The event's page."},
    },
}

_BOOKING_REQUEST = {
    "type": "object",
    "required": ["name", "email", "seats", "privacy_consent"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 120},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "seats": {
            "type": "integer",
            "minimum": 1,
            "description": "At most the event's max_per_booking.",
        },
        "language": {
            "type": "string",
            "enum": ["it", "en"],
            "description": "The language of the emails; by default that of Accept-Language.",
        },
        "privacy_consent": {
            "type": "boolean",
            "description": "Must be true: the person accepted the privacy notice.",
        },
        "newsletter_consent": {"type": "boolean", "default": False},
    },
    "examples": [
        {
            "name": "Giulia Bianchi",
            "email": "giulia@example.org",
            "seats": 2,
            "language": "it",
            "privacy_consent": True,
        }
    ],
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

_PROBLEM_SCHEMA = {
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
            "booking_not_open, slot_cancelled, slot_full, http_404, http_429, busy.",
        },
        "errors": {
            "type": "object",
            "description": "Per field, its messages; nested fields as dotted paths. `body` "
            "when the body is not a JSON object.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def document(base_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Centrale Booking API",
            "version": "1",
            "description": "Events of #InCentrale at the Centrale dell'Acqua, Milan, and free "
            "registration. Errors are application/problem+json (RFC 9457).",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": {
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
                            "schema": {"type": "string", "examples": ["2026-12-01"]},
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "description": "Events starting before this date and time; a "
                            "date includes its whole day.",
                            "schema": {"type": "string", "examples": ["2026-12-31"]},
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
                        _ACCEPT_LANGUAGE,
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
                        "422": _problem("A parameter is not valid (see `errors`)."),
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
                        _ACCEPT_LANGUAGE,
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
                        "404": _problem("No such published event."),
                        "409": _problem(
                            "Not bookable now: booking_not_open, booking_closed, "
                            "slot_cancelled, or slot_full (full, no waiting list)."
                        ),
                        "413": _problem("The body is too large."),
                        "422": _problem("The input is not valid: per-field messages in `errors`."),
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
                        "503": _problem("Very busy: try again after Retry-After seconds."),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Category": {"type": "string", "enum": [c.value for c in Category]},
                "Event": _EVENT,
                "BookingRequest": _BOOKING_REQUEST,
                "BookingCreated": _BOOKING_CREATED,
                "Problem": _PROBLEM_SCHEMA,
            }
        },
    }
