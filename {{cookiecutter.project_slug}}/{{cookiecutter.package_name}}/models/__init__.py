"""Every model, imported here so that Flask-Migrate sees the whole schema."""

from .api_token import ApiToken
from .task import Task
from .user import AnonymousUser, Permission, Role, User

__all__ = ["AnonymousUser", "ApiToken", "Permission", "Role", "Task", "User"]
