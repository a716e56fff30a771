"""View decorators for permissions: 401/login for anonymous visitors, 403 for the rest."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from ..models import Permission


def permission_required(
    permission: Permission,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(permission):
                abort(403, description="Your account may not do this.")
            return view(*args, **kwargs)

        # Anonymous visitors are sent to log in first, not shown a 403.
        return login_required(wrapper)

    return decorator


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    return permission_required(Permission.ADMIN)(view)
