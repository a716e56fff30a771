"""CSV rows for the task export, written one line at a time."""

import csv
import io
from collections.abc import Iterable, Iterator

from ..models import Task

HEADER = ("id", "title", "description", "done", "created_at")
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def task_row(task: Task) -> tuple[object, ...]:
    return (
        task.id,
        neutralise_formula(task.title),
        neutralise_formula(task.description),
        "yes" if task.done else "no",
        task.created_at.isoformat(),
    )


def csv_lines(tasks: Iterable[Task]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(tasks):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _rows(tasks: Iterable[Task]) -> Iterator[tuple[object, ...]]:
    yield HEADER
    for task in tasks:
        yield task_row(task)
