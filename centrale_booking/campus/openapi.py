"""The campus's part of the OpenAPI document (api/openapi.py assembles the whole): the paths
of campus/api.py and their schemas. The enrolment's schema comes from the form itself."""

from __future__ import annotations

from ..api.forms import form_schema
from ..api.problems import ACCEPT_LANGUAGE, problem_response
from ..programmes import ApiPart
from .models import SCHOOL_CLASSES, Season

_WEEK = {
    "type": "object",
    "required": [
        "id",
        "edition",
        "starts_at",
        "ends_at",
        "days",
        "audience",
        "capacity",
        "places_left",
        "booking_open",
        "waiting_list",
    ],
    "properties": {
        "id": {"type": "integer", "description": "The week's id, for `week_ids`."},
        "edition": {
            "type": "object",
            "required": ["id", "title", "season"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "season": {"type": "string", "enum": [s.value for s in Season]},
            },
        },
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "days": {"type": "array", "items": {"type": "string", "format": "date"}},
        "audience": {
            "type": "object",
            "description": "Ages on the week's first day, or the school classes taken.",
            "properties": {
                "min_age": {"type": "integer"},
                "max_age": {"type": "integer"},
                "classes": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(SCHOOL_CLASSES)},
                },
            },
        },
        "capacity": {"type": "integer", "description": "Places, in children."},
        "places_left": {"type": "integer", "minimum": 0},
        "booking_open": {"type": "boolean"},
        "waiting_list": {"type": "boolean"},
    },
}

_ENROLMENT_CREATED = {
    "type": "object",
    "required": ["reference", "places", "tickets", "manage_url", "pdf_url"],
    "properties": {
        "reference": {"type": "string", "description": "Of the first week's booking."},
        "places": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["child", "week_id", "status"],
                "properties": {
                    "child": {"type": "string"},
                    "week_id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["confirmed", "waitlisted"]},
                },
            },
        },
        "tickets": {
            "type": "array",
            "description": "One per child and confirmed week; its QR holds `url`.",
            "items": {
                "type": "object",
                "required": ["child", "week_id", "code", "url"],
                "properties": {
                    "child": {"type": "string"},
                    "week_id": {"type": "integer"},
                    "code": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
        },
        "manage_url": {"type": "string", "format": "uri", "description": "The family's page."},
        "pdf_url": {"type": ["string", "null"], "format": "uri"},
    },
}


def api_part() -> ApiPart:
    from .api import MAX_ID, MAX_WEEKS, ApiEnrolmentForm

    request_schema = form_schema(
        ApiEnrolmentForm,
        notes={
            "week_ids": "Weeks of one edition (GET /api/v1/campus/weeks).",
            "siblings_together": "Default true: a week with room for only some of the "
            "children waitlists them all together; false: those who fit are enrolled.",
            "children.school_class": "Where the edition is for school classes: "
            + ", ".join(SCHOOL_CLASSES),
            "children.birth_date": "Checked against the age range on each week's first day.",
        },
    )
    request_schema["required"] = [
        n for n in request_schema["required"] if n not in ("language", "siblings_together")
    ]
    request_schema["properties"]["siblings_together"]["default"] = True
    weeks = request_schema["properties"]["week_ids"]
    weeks["maxItems"] = MAX_WEEKS
    weeks["items"] |= {"minimum": 1, "maximum": MAX_ID}
    return ApiPart(
        tag={"name": "campus", "description": "Family campus weeks and enrolments."},
        schemas={"CampusWeek": _WEEK, "CampusEnrolment": request_schema},
        paths={
            "/api/v1/campus/weeks": {
                "get": {
                    "tags": ["campus"],
                    "operationId": "listCampusWeeks",
                    "summary": "The campus weeks not over yet, with their places left.",
                    "parameters": [
                        {
                            "name": "edition",
                            "in": "query",
                            "description": "Only the weeks of this edition (its `edition.id`).",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        },
                        ACCEPT_LANGUAGE,
                    ],
                    "responses": {
                        "422": problem_response("`edition` is not an edition's number."),
                        "200": {
                            "description": "The weeks, in time order.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["items"],
                                        "properties": {
                                            "items": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/CampusWeek"
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                    },
                }
            },
            "/api/v1/campus/enrolments": {
                "post": {
                    "tags": ["campus"],
                    "operationId": "createCampusEnrolment",
                    "summary": "Enrol one or more children into one or more weeks in one go.",
                    "parameters": [ACCEPT_LANGUAGE],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CampusEnrolment"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Enrolled: each week confirmed or waitlisted.",
                            "content": {"application/json": {"schema": _ENROLMENT_CREATED}},
                        },
                        "409": problem_response("A week's booking window is closed."),
                        "413": problem_response("The body is too large."),
                        "422": problem_response(
                            "Invalid input; `errors` by dotted path, list items counted from "
                            "0 as in the body: `children.1.birth_date` is the second child's "
                            "date of birth. Each message names the child (by first name; "
                            '"Child 2" when it has none), as the page does.'
                        ),
                        "429": problem_response("Too many requests from this address."),
                    },
                }
            },
        },
    )
