"""The JSON API v1 under /api/v1, for the museum's website, the desk scanner and integrators;
described by its OpenAPI document at /api/v1/openapi.json. Errors are problem+json (errors.py)."""

from .views import bp

__all__ = ["bp"]
