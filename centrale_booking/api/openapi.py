"""The OpenAPI 3.1 document of the API, served at /api/v1/openapi.json: what is shared (the
Problem schema, this document's own path), then each programme's part from the registry of
kinds. tests/events/test_api.py checks that every route under /api/v1 is in it and that it
is valid."""

from __future__ import annotations

from ..programmes import api_parts
from .problems import PROBLEM_SCHEMA

_THIS_DOCUMENT = {
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
}


def document(base_url: str) -> dict:
    paths: dict = {}
    schemas: dict = {"Problem": PROBLEM_SCHEMA}
    tags = []
    for part in api_parts():
        paths.update(part.paths)
        schemas.update(part.schemas)
        if part.tag:
            tags.append(part.tag)
    paths["/api/v1/openapi.json"] = _THIS_DOCUMENT
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Centrale Booking API",
            "version": "1",
            "description": "The programmes of the Centrale dell'Acqua, Milan, and free "
            "booking. Errors are application/problem+json (RFC 9457).",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas},
    }
