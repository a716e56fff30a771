"""Every model, imported here so that Flask-Migrate sees the whole schema."""

from .api_token import ApiToken
from .counters import LimitCounter, PasswordFailures
from .login_session import LoginSession
{%- if cookiecutter.background_jobs == "celery" %}
from .mail_delivery import MailDelivery
{%- endif %}
from .task import Task
from .user import AnonymousUser, Permission, Role, User

__all__ = [
    "AnonymousUser",
    "ApiToken",
    "LimitCounter",
    "LoginSession",
{%- if cookiecutter.background_jobs == "celery" %}
    "MailDelivery",
{%- endif %}
    "PasswordFailures",
    "Permission",
    "Role",
    "Task",
    "User",
]
