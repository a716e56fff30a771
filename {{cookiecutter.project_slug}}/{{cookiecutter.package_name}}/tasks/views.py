from collections.abc import Iterator
from itertools import chain

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..auth.permissions import permission_required
from ..extensions import db
from ..models import Permission, Task
from . import bp
from .csv_export import csv_lines
from .forms import TaskForm
from .queries import newest_tasks
from .statistics import count_tasks_owned_by, task_statistics, tasks_changed

EXPORT_BATCH_SIZE = 500


@bp.get("/")
def list_tasks():
    # Only writers get the form (and with it a CSRF token in their session).
    form = TaskForm() if current_user.can(Permission.WRITE) else None
    return render_tasks(form)


def render_tasks(form: TaskForm | None, status: int = 200):
    owned = count_tasks_owned_by(current_user.id) if current_user.is_authenticated else None
    page = render_template(
        "tasks/list.html",
        tasks=newest_tasks(),
        statistics=task_statistics(),
        owned_count=owned,
        form=form,
    )
    return page, status


@bp.post("/")
@permission_required(Permission.WRITE)
def create_task():
    form = TaskForm()
    if not form.validate_on_submit():
        return render_tasks(form, status=400)
    task = Task(title=form.title.data.strip(), description=form.description.data or "")
    task.owner_id = current_user.id
    db.session.add(task)
    db.session.commit()
    tasks_changed()
    flash(f"Added “{task.title}”.", "success")
    return redirect(url_for("tasks.list_tasks"))


@bp.get("/export.csv")
def export_csv():
    lines = exported_lines(db.engine)
    # Run the query before the response starts: a database outage is then a 503, not a
    # 200 whose download breaks off.
    next(lines)
    return Response(
        lines,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="tasks.csv"'},
    )


def exported_lines(engine: Engine) -> Iterator[str]:
    """The CSV lines, after one empty item yielded once the query and its first batch
    have run."""
    # The response streams after the request's session is closed, so the rows come
    # through a session of their own, fetched in batches: memory stays flat. Closing
    # the response (read to the end or not) closes the session.
    with Session(engine) as session:
        tasks = session.scalars(
            select(Task).order_by(Task.id).execution_options(yield_per=EXPORT_BATCH_SIZE)
        )
        first = tasks.fetchmany(1)
        yield ""
        yield from csv_lines(chain(first, tasks))
