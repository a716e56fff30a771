"""Every model, imported here so that Flask-Migrate sees the whole schema."""

from .task import Task

__all__ = ["Task"]
