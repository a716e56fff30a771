"""Dates are written in UTC, labelled, with the instant in `datetime` for
static/local-time.js to show in the reader's time zone (the browser journey of the
template checks that part in a real browser)."""

from datetime import UTC, datetime

import pytest

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task

INSTANT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def local_time(app, value, style="datetime"):
    """The template filter, in a template of its own."""
    template = app.jinja_env.from_string("{% raw %}{{ value|local_time(style) }}{% endraw %}")
    return template.render(value=value, style=style)


@pytest.mark.parametrize(
    ("style", "text"), [("datetime", "2026-01-02 03:04 UTC"), ("date", "2026-01-02 UTC")]
)
def test_a_date_is_utc_text_with_its_instant(app, style, text):
    html = local_time(app, INSTANT, style)
    instant = 'datetime="2026-01-02T03:04:05+00:00"'
    assert html == f'<time {instant} data-local-time="{style}">{text}</time>'


def test_a_missing_date_reads_never(app):
    assert local_time(app, None) == "never"


def test_the_task_list_says_when_each_task_was_added(app, client):
    with app.app_context():
        db.session.add(Task(title="Dated", created_at=INSTANT))
        db.session.commit()
    page = client.get("/tasks/").get_data(as_text=True)
    assert 'Added <time datetime="2026-01-02T03:04:05+00:00" data-local-time="datetime">' in page


def test_pages_load_the_script_that_localises_dates(client):
    page = client.get("/").get_data(as_text=True)
    assert '<script src="/static/local-time.js"></script>' in page
