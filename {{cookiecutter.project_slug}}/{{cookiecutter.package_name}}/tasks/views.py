from collections.abc import Iterator

from flask import Response, render_template
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Task
from . import bp
from .csv_export import csv_lines
from .queries import newest_tasks
from .statistics import count_tasks, task_statistics

EXPORT_BATCH_SIZE = 500


@bp.get("/")
def list_tasks():
    return render_template(
        "tasks/list.html",
        tasks=newest_tasks(),
        open_count=count_tasks(done=False),
        done_count=count_tasks(done=True),
        statistics=task_statistics(),
    )


@bp.get("/export.csv")
def export_csv():
    return Response(
        exported_lines(db.engine),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="tasks.csv"'},
    )


def exported_lines(engine: Engine) -> Iterator[str]:
    # The response streams after the request's session is closed, so the rows come
    # through a session of their own, fetched in batches: memory stays flat.
    with Session(engine) as session:
        tasks = session.scalars(
            select(Task).order_by(Task.id).execution_options(yield_per=EXPORT_BATCH_SIZE)
        )
        yield from csv_lines(tasks)
