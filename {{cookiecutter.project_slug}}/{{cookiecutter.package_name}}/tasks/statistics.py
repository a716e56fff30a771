"""Task figures: expensive to compute, cached, and invalidated when tasks change.

Each caching pattern has one figure of its own, so no number on a page comes from two
caches that could disagree:

- `count_tasks_owned_by(user_id)`, the "yours" figure, is memoized per argument and
  invalidated by function (`cache.delete_memoized`).
- `task_statistics()`, every other figure, is a hot key: the per-process micro-cache in
  front of the shared cache, with stampede protection, invalidated by key (`cache.delete`).
- `tasks_changed()` invalidates both, and only when a change can alter them
  (conditional invalidation: renaming a task changes no figure).
"""

from collections.abc import Collection
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select

from ..caching.stampede import get_or_recompute
from ..caching.tiers import forget_locally, two_tier
from ..extensions import cache, db
from ..models import Task

STATISTICS_KEY = "tasks:statistics"
# Fields whose change can alter a figure; a change to any other field keeps the cache.
COUNTED_FIELDS = frozenset({"done"})


@cache.memoize()
def count_tasks_owned_by(user_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Task.owner_id == user_id)) or 0


def compute_statistics() -> dict[str, Any]:
    """One aggregate query over every task: the cost grows with the table."""
    total, done, oldest_open = db.session.execute(
        select(
            func.count(Task.id),
            func.coalesce(func.sum(case((Task.done.is_(True), 1), else_=0)), 0),
            func.min(case((Task.done.is_(False), Task.created_at))),
        )
    ).one()
    return {
        "total": total,
        "done": int(done),
        "open": total - int(done),
        "percent_done": round(100 * int(done) / total) if total else 0,
        "oldest_open": oldest_open.isoformat() if oldest_open else None,
    }


def task_statistics() -> dict[str, Any]:
    return two_tier(
        STATISTICS_KEY,
        lambda: get_or_recompute(
            cache,
            STATISTICS_KEY,
            compute_statistics,
            fresh_for=current_app.config["STATISTICS_FRESH_FOR"],
        ),
    )


def tasks_changed(fields: Collection[str] | None = None) -> None:
    """Call after committing a change; `fields` are the changed ones (None: a task was
    added or removed)."""
    if fields is not None and not COUNTED_FIELDS.intersection(fields):
        return
    cache.delete_memoized(count_tasks_owned_by)  # by function: every argument at once
    cache.delete(STATISTICS_KEY)  # by key: every worker recomputes on its next read
    forget_locally(STATISTICS_KEY)
