"""The back office across programmes: the frame of the staff pages (who may see them, that
nothing personal is cached), the audit log and the exports. A programme's own staff pages live
in its folder, on a blueprint made here."""

from __future__ import annotations

from flask import Blueprint

from ..auth.models import Role
from ..auth.roles import role_required


def staff_blueprint(name: str, import_name: str, url_prefix: str, *, role: Role) -> Blueprint:
    """A blueprint for staff pages under /staff, open to `role` and the roles above it (the
    others get 403, anonymous visitors the login page), never kept by a shared cache."""
    blueprint = Blueprint(name, import_name, url_prefix="/staff" + url_prefix)

    @blueprint.before_request
    @role_required(role)
    def _staff_only():
        return None

    @blueprint.after_request
    def _private(response):
        # attendees' names and emails: never kept by a shared cache or the browser's history
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return blueprint
