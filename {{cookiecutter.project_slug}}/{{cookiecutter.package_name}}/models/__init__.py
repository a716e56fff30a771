"""Every model, imported here so that Flask-Migrate sees the whole schema."""

from .task import Task
from .user import AnonymousUser, Permission, Role, User

__all__ = ["AnonymousUser", "Permission", "Role", "Task", "User"]
