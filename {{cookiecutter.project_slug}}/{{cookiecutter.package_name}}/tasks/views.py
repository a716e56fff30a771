import re
from collections.abc import Iterator
from itertools import chain

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..auth.permissions import permission_required
from ..extensions import db
from ..forms import form_page
from ..models import Permission, Task
from . import bp
from .csv_export import csv_lines
from .forms import TaskEditForm, TaskForm
from .queries import STATUSES, editable_ids, editable_task_or_403, task_page
from .statistics import count_tasks_owned_by, task_statistics, tasks_changed

EXPORT_BATCH_SIZE = 500
# Page numbers beyond this many digits are no page (and never reach the database).
PAGE_NUMBER = re.compile(r"[0-9]{1,6}")


def list_args() -> dict[str, str]:
    """The list's query parameters, normalised: `page` (from 1) and `status` (open or
    done). Any other parameter, or a value the list does not accept, is dropped."""
    args = {}
    page = request.args.get("page", "")
    if PAGE_NUMBER.fullmatch(page) and int(page) > 1:
        args["page"] = str(int(page))
    status = request.args.get("status", "")
    if status in STATUSES:
        args["status"] = status
    return args


def list_url() -> str:
    """The list page the request came from: where a change sends the user back."""
    return url_for("tasks.list_tasks", **list_args())


@bp.get("/")
def list_tasks():
    # Only writers get the forms (and with them a CSRF token in their session).
    form = TaskForm() if current_user.can(Permission.WRITE) else None
    return render_tasks(form)


def render_tasks(form: TaskForm | None, status: int = 200):
    owned = count_tasks_owned_by(current_user.id) if current_user.is_authenticated else None
    args = list_args()
    tasks = task_page(int(args.get("page", 1)), args.get("status"))
    page = render_template(
        "tasks/list.html",
        page=tasks,
        # The rows that get buttons; a reader without the form gets none.
        editable=editable_ids(tasks.tasks) if form else set(),
        status_filter=args.get("status"),
        list_args=args,
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


@bp.post("/<id:task_id>/complete")
@permission_required(Permission.WRITE)
def complete_task(task_id: int):
    return set_done(task_id, done=True)


@bp.post("/<id:task_id>/reopen")
@permission_required(Permission.WRITE)
def reopen_task(task_id: int):
    return set_done(task_id, done=False)


def set_done(task_id: int, done: bool):
    task = editable_task_or_403(task_id)
    if task.done != done:
        task.done = done
        db.session.commit()
        tasks_changed({"done"})
    flash(f"Marked “{task.title}” {'done' if done else 'open'}.", "success")
    return redirect(list_url())


@bp.route("/<id:task_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.WRITE)
def edit_task(task_id: int):
    task = editable_task_or_403(task_id)
    form = TaskEditForm(obj=task)
    if not form.validate_on_submit():
        return form_page("tasks/edit.html", form, task=task, back=list_url())
    fields = {
        "title": form.title.data.strip(),
        "description": form.description.data or "",
        "done": form.done.data,
    }
    changed = {name for name, value in fields.items() if getattr(task, name) != value}
    for name in changed:
        setattr(task, name, fields[name])
    db.session.commit()
    tasks_changed(changed)
    flash(f"Saved “{task.title}”.", "success")
    return redirect(list_url())


@bp.get("/<id:task_id>/delete")
@permission_required(Permission.WRITE)
def confirm_delete(task_id: int):
    task = editable_task_or_403(task_id)
    return render_template("tasks/delete.html", task=task, list_args=list_args(), back=list_url())


@bp.post("/<id:task_id>/delete")
@permission_required(Permission.WRITE)
def delete_task(task_id: int):
    task = editable_task_or_403(task_id)
    title = task.title
    db.session.delete(task)
    db.session.commit()
    tasks_changed()
    flash(f"Deleted “{title}”.", "success")
    return redirect(list_url())


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
