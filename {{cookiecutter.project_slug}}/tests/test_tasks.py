import csv
import io
import random
import re

import pytest

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task


@pytest.fixture
def add_tasks(app):
    def add(*tasks):
        with app.app_context():
            db.session.add_all(tasks)
            db.session.commit()

    return add


def test_task_list_is_empty_at_first(client):
    response = client.get("/tasks/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No tasks yet" in page
    assert "0 open · 0 done (0% done)</p>" in page  # and no "yours": nobody is logged in


def test_task_list_shows_tasks_escaped(client, add_tasks):
    add_tasks(Task(title="<b>Ship</b> it", description="before Friday"))
    page = client.get("/tasks/").get_data(as_text=True)
    assert "&lt;b&gt;Ship&lt;/b&gt; it" in page
    assert "before Friday" in page


def test_created_at_is_aware_utc(app, add_tasks):
    add_tasks(Task(title="t"))
    with app.app_context():
        task = db.session.scalars(db.select(Task)).one()
        assert task.created_at.utcoffset().total_seconds() == 0


def test_export_is_a_streamed_csv_attachment(client, add_tasks):
    add_tasks(Task(title="one"), Task(title="two", done=True))
    response = client.get("/tasks/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tasks.csv"'
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "title", "description", "done", "created_at"]
    assert [(row[1], row[3]) for row in rows[1:]] == [("one", "no"), ("two", "yes")]


def test_export_quotes_separators_quotes_and_newlines(client, add_tasks):
    tricky = 'comma, "quoted"\nand a second line'
    add_tasks(Task(title=tricky, description="café ✓"))
    text = client.get("/tasks/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == tricky
    assert rows[1][2] == "café ✓"
    assert '"comma, ""quoted""' in text


FORMULA_CHARACTERS = "=+-@＝＋－＠"
# What comes before the formula character: nothing (the start of a cell), or text, a
# separator of some locale or a line break, then what a reader may drop.
BEFORE_FORMULA = [
    f"{text}{cell_break}{dropped}"
    for text in ("x", "x ")
    for cell_break in (",", ";", "\t", "\n", "\r\n", "\r", "\u2028")
    for dropped in ("", " ", '"', ' "', '""', "\t", "\u00a0", "\u200b")
] + ["", " ", '"', "\t", "\r", "\r\n", ' " ']
HOSTILE_PARTS = [
    (before, f"{character}cmd|' /C calc'!A0;y")
    for before in BEFORE_FORMULA
    for character in FORMULA_CHARACTERS
]
HOSTILE_TITLES = [before + after for before, after in HOSTILE_PARTS]
# And titles drawn from the characters that matter, the same on every run.
RANDOM_TITLES = [
    "".join(random.Random(seed).choices("x ,;\t\r\n\"'=+-@\u00a0\u200b\x0c", k=12))
    for seed in range(300)
]


def split_naively(text, separator):
    """Cells as a reader that ignores quotes sees them: every line break ends a row."""
    return [line.split(separator) for line in text.splitlines()]


def read_with_quotes(text, separator):
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))


def starts_formula(cell):
    # Spaces, quotes and invisible characters before it may be dropped by a reader.
    return re.match(rf'[\s"\u200b]*[{re.escape(FORMULA_CHARACTERS)}]', cell) is not None


@pytest.fixture
def hostile_export(client, add_tasks):
    add_tasks(
        *[
            Task(title=title, description=f"line\r\n{title}\n=1+2")
            for title in HOSTILE_TITLES + RANDOM_TITLES
        ]
    )
    return client.get("/tasks/export.csv").get_data(as_text=True)


@pytest.mark.parametrize("read", [read_with_quotes, split_naively])
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_no_reader_of_the_export_sees_a_formula(hostile_export, read, separator):
    cells = [cell for row in read(hostile_export, separator) for cell in row]
    assert len(cells) > len(HOSTILE_TITLES)
    assert [cell for cell in cells if starts_formula(cell)] == []


def test_the_export_marks_formulas_as_text_and_changes_nothing_else(hostile_export):
    rows = read_with_quotes(hostile_export, ",")[1 : len(HOSTILE_PARTS) + 1]
    for (before, after), row in zip(HOSTILE_PARTS, rows, strict=True):
        # An apostrophe before the formula: text to a spreadsheet.
        assert row[1] == f"{before}'{after}"


@pytest.mark.parametrize(
    "title", ["1 + 1 = 2", "a - b", "me@example.org", "x;y", "two\nlines", "2024-01-01", "'=1"]
)
def test_the_export_leaves_harmless_text_alone(client, add_tasks, title):
    add_tasks(Task(title=title))
    rows = read_with_quotes(client.get("/tasks/export.csv").get_data(as_text=True), ",")
    assert rows[1][1] == title


def test_empty_export_has_the_header_only(client):
    rows = list(csv.reader(io.StringIO(client.get("/tasks/export.csv").get_data(as_text=True))))
    assert rows == [["id", "title", "description", "done", "created_at"]]
