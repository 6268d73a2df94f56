"""The schools' part of the OpenAPI document (api/openapi.py assembles the whole): the paths
of schools/api.py and their schemas. The booking request's schema comes from the form."""

from __future__ import annotations

from ..api import MAX_ID
from ..api.forms import form_schema
from ..api.problems import ACCEPT_LANGUAGE, problem_response
from ..programmes import ApiPart
from .models import API_NAMES, GRADE_YEARS

GRADES = list(API_NAMES.values())

_ACTIVITY = {
    "type": "object",
    "required": ["id", "title", "grades", "text", "duration_minutes", "max_pupils", "room"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string", "description": "In the language of Accept-Language."},
        "grades": {"type": "array", "items": {"$ref": "#/components/schemas/GradeLevel"}},
        "text": {"type": "string", "description": "The activity told for the level asked."},
        "duration_minutes": {"type": "integer", "minimum": 1},
        "max_pupils": {"type": "integer", "minimum": 1},
        "room": {"type": "string"},
    },
}

_SLOT = {
    "type": "object",
    "required": ["id", "starts_at", "ends_at", "classes_left", "room", "opens_at"],
    "properties": {
        "id": {"type": "integer"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "classes_left": {"type": "integer", "minimum": 0},
        "room": {"type": "string", "description": "Where the slot takes place in the museum."},
        "opens_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When booking opens (the school year's window); null: open.",
        },
    },
}

# A date (the museum's midnight) or a date and time (with its offset, or the museum's time).
_MOMENT = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
    ]
}

_CREATED = {
    "type": "object",
    "required": ["reference", "status", "manage_url"],
    "properties": {
        "reference": {"type": "string"},
        "status": {"type": "string", "enum": ["pending"]},
        "manage_url": {"type": "string", "format": "uri"},
    },
}


def _items(ref: str) -> dict:
    return {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": {"$ref": ref}}},
            }
        }
    }


def api_part() -> ApiPart:
    from .api import ApiClassBookingForm

    request_schema = form_schema(
        ApiClassBookingForm,
        notes={
            "grade": "One of the slot's activity's grade levels.",
            "year": "The class's year within its grade level (infanzia: 3, 4 or 5 years).",
            "pupils": "At most the activity's max_pupils.",
            "adults": "At least one for every 15 pupils (a setting per level), not counting "
            "the pupils with disabilities; support teachers apart.",
            "school_name": "May be left out when the code is in the Ministry's registry.",
            "city": "May be left out when the code is in the Ministry's registry.",
            "language": "The language of the emails; by default that of Accept-Language.",
            "privacy_consent": "Must be true: the teacher accepted the privacy notice.",
        },
    )
    properties = request_schema["properties"]
    properties["grade"]["enum"] = GRADES
    properties["privacy_consent"]["const"] = True
    # The years each grade level has: stated, so that a valid request names one of them.
    request_schema["allOf"] = [
        {
            "if": {"properties": {"grade": {"const": API_NAMES[level]}}, "required": ["grade"]},
            "then": {"properties": {"year": {"enum": list(years)}}},
        }
        for level, years in GRADE_YEARS.items()
    ]
    request_schema["required"] = [
        n for n in request_schema["required"] if n not in ("language", "school_name", "city")
    ]
    request_schema["examples"] = [
        {
            "slot_id": 12,
            "school_code": "MIIC8AB00C",
            "school_name": "IC Via Rossi",
            "city": "Milano",
            "class_name": "3B",
            "grade": "primaria",
            "year": 3,
            "pupils": 24,
            "pupils_with_disabilities": 1,
            "support_teachers": 1,
            "adults": 2,
            "teacher_name": "Anna Bianchi",
            "email": "anna.bianchi@scuola.example",
            "phone": "+39 02 1234567",
            "language": "it",
            "privacy_consent": True,
        }
    ]
    return ApiPart(
        paths={
            "/api/v1/school/activities": {
                "get": {
                    "operationId": "listSchoolActivities",
                    "summary": "The published activities for a grade level",
                    "parameters": [
                        {
                            "name": "grade",
                            "in": "query",
                            "required": True,
                            "schema": {"$ref": "#/components/schemas/GradeLevel"},
                        },
                        ACCEPT_LANGUAGE,
                    ],
                    "responses": {
                        "200": {
                            "description": "The activities.",
                            "content": _items("#/components/schemas/SchoolActivity"),
                        },
                        "422": problem_response("grade is missing or not a level."),
                    },
                }
            },
            "/api/v1/school/slots": {
                "get": {
                    "operationId": "listSchoolSlots",
                    "summary": "The free slots of an activity, in time order",
                    "parameters": [
                        {
                            "name": "activity",
                            "in": "query",
                            "required": True,
                            "description": "A published activity's id (unknown: 404).",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        },
                        {
                            "name": "from",
                            "in": "query",
                            "description": "Slots starting at or after this date or moment.",
                            "schema": _MOMENT | {"examples": ["2026-12-01"]},
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "description": "Slots starting before this moment; a date "
                            "includes its whole day.",
                            "schema": _MOMENT | {"examples": ["2026-12-31"]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The free slots.",
                            "content": _items("#/components/schemas/SchoolSlot"),
                        },
                        "404": problem_response("No published activity has this id."),
                        "422": problem_response("A parameter is not valid (see `errors`)."),
                    },
                }
            },
            "/api/v1/school/bookings": {
                "post": {
                    "operationId": "bookSchoolVisit",
                    "summary": "Book a class on a slot (free), pending until confirmed",
                    "description": "The slot is held for the class and a link is emailed "
                    "to the teacher, to confirm within SCHOOL_CONFIRM_MINUTES (else the slot "
                    "goes back). Rate-limited per client address.",
                    "parameters": [ACCEPT_LANGUAGE],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SchoolBookingRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Held, pending the teacher's confirmation.",
                            "headers": {
                                "Location": {"schema": {"type": "string", "format": "uri"}}
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SchoolBookingCreated"}
                                }
                            },
                        },
                        "409": problem_response(
                            "Not possible now: slot_full (taken by another class), "
                            "school_at_limit (the school's bookings this school year), "
                            "booking_not_open, booking_closed, slot_cancelled."
                        ),
                        "413": problem_response("The body is too large."),
                        "422": problem_response(
                            "The input is not valid: per-field messages in `errors`."
                        ),
                        "429": problem_response("Too many bookings from this address."),
                        "503": problem_response("Very busy: try again after Retry-After seconds."),
                    },
                }
            },
        },
        schemas={
            "GradeLevel": {"type": "string", "enum": GRADES},
            "SchoolActivity": _ACTIVITY,
            "SchoolSlot": _SLOT,
            "SchoolBookingRequest": request_schema,
            "SchoolBookingCreated": _CREATED,
        },
        tag={"name": "schools", "description": "School visits by grade level."},
    )
