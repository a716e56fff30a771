import csv
import io

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


@pytest.mark.parametrize("formula", ["=1+1", "+SUM(A1)", "-2", "@cmd"])
def test_export_neutralises_spreadsheet_formulas(client, add_tasks, formula):
    add_tasks(Task(title=formula))
    rows = list(csv.reader(io.StringIO(client.get("/tasks/export.csv").get_data(as_text=True))))
    assert rows[1][1] == "'" + formula


def test_empty_export_has_the_header_only(client):
    rows = list(csv.reader(io.StringIO(client.get("/tasks/export.csv").get_data(as_text=True))))
    assert rows == [["id", "title", "description", "done", "created_at"]]
