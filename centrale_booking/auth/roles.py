"""One decorator for roles: anonymous visitors go to the login page, a wrong role gets 403."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from .models import Role


def role_required(*roles: Role) -> Callable:
    """Allow the given roles; admin is always allowed."""
    allowed = {Role.admin, *roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
