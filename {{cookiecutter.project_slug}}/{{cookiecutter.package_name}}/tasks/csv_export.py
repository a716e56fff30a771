"""CSV rows for the task export, written one line at a time."""

import csv
import io
import re
from collections.abc import Iterable, Iterator

from ..models import Task

HEADER = ("id", "title", "description", "done", "created_at")
# A spreadsheet runs a cell starting with one of these as a formula (the full-width forms
# are the same characters to programs that normalise text).
FORMULA_STARTS = "=+-@＝＋－＠"
# A reader may start a cell at the start of the text and after each of these: the
# separators of one locale or another (`,` in English, `;` in German or French, tab when
# pasted) and line breaks, those of Unicode too (also inside a quoted cell, to a program
# that ignores quotes).
CELL_BREAKS = r",;\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029"
# What a reader may drop before a formula character: spaces, control and invisible
# characters, quotes.
DROPPED = r"\s\"\x00-\x1f\x7f\u200b-\u200f\u2060\ufeff"
CELL_START = re.compile(rf"(?:^|[{CELL_BREAKS}])[{DROPPED}]*(?=[{re.escape(FORMULA_STARTS)}])")


def neutralise_formulas(value: str) -> str:
    """`value` with an apostrophe before every formula character a reader could see at
    the start of a cell: the spreadsheet shows the text instead of running it."""
    return CELL_START.sub(lambda match: match.group() + "'", value)


def task_row(task: Task) -> tuple[object, ...]:
    return (
        task.id,
        neutralise_formulas(task.title),
        neutralise_formulas(task.description),
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
