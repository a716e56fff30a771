"""The task pages: pages, filter, and completing, editing and deleting from the browser
(plain forms: POST with the CSRF token, then a redirect back with a message)."""

import re

import pytest
from wtforms.meta import DefaultMeta

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task
from {{ cookiecutter.package_name }}.tasks.queries import PAGE_SIZE

from .account_helpers import add_user, flashes, get_user, logged_in, submit


@pytest.fixture
def people(app):
    """Logged-in clients (without the CSRF header: they post forms) and one task of the
    owner's."""
    clients = {}
    for email, role in [
        ("owner@example.org", "User"),
        ("other@example.org", "User"),
        ("moderator@example.org", "Moderator"),
    ]:
        add_user(app, email, role=role)
        clients[email.split("@")[0]] = logged_in(app, app.test_client(), email)
    owner_id = get_user(app, "owner@example.org").id
    with app.app_context():
        task = Task(title="Mine", owner_id=owner_id)
        db.session.add(task)
        db.session.commit()
        clients["task_id"] = task.id
    clients["anonymous"] = app.test_client()
    return clients


def add_tasks(app, count, done=False):
    with app.app_context():
        db.session.add_all(Task(title=f"Task {n}", done=done) for n in range(count))
        db.session.commit()


def task_in(app, task_id):
    with app.app_context():
        task = db.session.get(Task, task_id)
        if task is not None:
            db.session.expunge(task)
        return task


def titles(response):
    return re.findall(r'<strong class="task-title">(.*?)</strong>', response.get_data(as_text=True))


def counts(client):
    page = client.get("/tasks/").get_data(as_text=True)
    return re.search(r'<p class="counts[^"]*">(.*?)</p>', page, re.S).group(1)


# Pages and filter


def test_the_list_is_paginated(app, client):
    add_tasks(app, PAGE_SIZE + 5)
    first = client.get("/tasks/")
    assert len(titles(first)) == PAGE_SIZE
    assert "Page 1" in first.get_data(as_text=True)
    assert 'href="/tasks/?page=2" rel="next"' in first.get_data(as_text=True)
    second = client.get("/tasks/?page=2")
    assert len(titles(second)) == 5
    assert 'href="/tasks/?page=1" rel="prev"' in second.get_data(as_text=True)
    assert 'rel="next"' not in second.get_data(as_text=True)
    assert set(titles(first)).isdisjoint(titles(second))


@pytest.mark.parametrize("page", ["0", "-1", "x", "1e3", "", "9" * 50])
def test_odd_page_numbers_show_the_first_page(app, client, page):
    add_tasks(app, PAGE_SIZE + 1)
    response = client.get(f"/tasks/?page={page}")
    assert response.status_code == 200
    assert len(titles(response)) == PAGE_SIZE
    assert "Page 1" in response.get_data(as_text=True)


def test_a_page_past_the_last_links_to_the_first(app, client):
    add_tasks(app, 3)
    text = client.get("/tasks/?page=99&status=open").get_data(as_text=True)
    assert 'No tasks on this page. <a href="/tasks/?status=open">' in text


def test_the_list_filters_by_status(app, client):
    add_tasks(app, 2)
    add_tasks(app, 3, done=True)
    assert len(titles(client.get("/tasks/"))) == 5
    assert len(titles(client.get("/tasks/?status=open"))) == 2
    done = client.get("/tasks/?status=done")
    assert len(titles(done)) == 3
    assert 'href="/tasks/?status=done" aria-current="page">Done</a>' in done.get_data(as_text=True)
    assert len(titles(client.get("/tasks/?status=bogus"))) == 5


def test_an_empty_filter_says_so(client):
    assert "No done tasks." in client.get("/tasks/?status=done").get_data(as_text=True)


# Who may change a task

# Every route that acts on one task, with its methods.
TASK_ROUTES = [
    ("get", "/edit"),
    ("post", "/edit"),
    ("get", "/delete"),
    ("post", "/delete"),
    ("post", "/complete"),
    ("post", "/reopen"),
]


def test_only_the_owner_and_moderators_see_the_task_buttons(people):
    action = f'action="/tasks/{people["task_id"]}/complete"'
    assert action in people["owner"].get("/tasks/").get_data(as_text=True)
    assert action in people["moderator"].get("/tasks/").get_data(as_text=True)
    assert action not in people["other"].get("/tasks/").get_data(as_text=True)
    assert action not in people["anonymous"].get("/tasks/").get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("owner", 302), ("moderator", 302), ("other", 403)])
def test_completing_needs_the_owner_or_a_moderator(app, people, who, status):
    task_id = people["task_id"]
    response = submit(people[who], f"/tasks/{task_id}/complete", {}, token_from="/tasks/")
    assert response.status_code == status
    assert task_in(app, task_id).done is (status == 302)


@pytest.mark.parametrize("who", ["owner", "moderator"])
def test_deleting_needs_the_owner_or_a_moderator(app, people, who):
    task_id = people["task_id"]
    assert submit(people["other"], f"/tasks/{task_id}/delete", {}).status_code == 403
    assert people["other"].get(f"/tasks/{task_id}/delete").status_code == 403
    assert people[who].get(f"/tasks/{task_id}/delete").status_code == 200
    response = submit(people[who], f"/tasks/{task_id}/delete", {}, follow=True)
    assert flashes(response) == ["Deleted “Mine”."]
    assert task_in(app, task_id) is None


def test_editing_needs_the_owner_or_a_moderator(app, people):
    task_id = people["task_id"]
    assert people["other"].get(f"/tasks/{task_id}/edit").status_code == 403
    assert people["other"].post(f"/tasks/{task_id}/edit", data={"title": "x"}).status_code in (
        400,
        403,
    )
    response = submit(people["moderator"], f"/tasks/{task_id}/edit", {"title": "Renamed"})
    assert response.status_code == 302
    assert task_in(app, task_id).title == "Renamed"


@pytest.mark.parametrize(("method", "path"), TASK_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(app, people, method, path):
    task_id = people["task_id"]
    response = getattr(people["anonymous"], method)(f"/tasks/{task_id}{path}")
    if method == "post":  # no session, so no CSRF token either: refused first or sent away
        assert response.status_code in (302, 400)
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
    assert task_in(app, task_id).title == "Mine"


@pytest.mark.parametrize("path", ["/complete", "/reopen", "/delete", "/edit"])
def test_a_post_without_the_csrf_token_is_refused(app, people, path):
    task_id = people["task_id"]
    response = people["owner"].post(f"/tasks/{task_id}{path}", data={"title": "x"})
    assert response.status_code == 400
    task = task_in(app, task_id)
    assert (task.title, task.done) == ("Mine", False)


@pytest.mark.parametrize(("method", "path"), TASK_ROUTES)
@pytest.mark.parametrize("task_id", ["12345", "99999999999"])
def test_unknown_tasks_are_404(people, method, path, task_id):
    client = people["owner"]
    if method == "post":
        response = submit(client, f"/tasks/{task_id}{path}", {"title": "x"}, token_from="/tasks/")
    else:
        response = client.get(f"/tasks/{task_id}{path}")
    assert response.status_code == 404


# Changes, messages and figures


def test_complete_and_reopen_redirect_back_with_a_message(app, people):
    task_id = people["task_id"]
    owner = people["owner"]
    path = f"/tasks/{task_id}/complete?page=1&status=open&next=https://evil.example"
    response = submit(owner, path, {}, token_from="/tasks/")
    assert response.headers["Location"] == "/tasks/?status=open"
    assert flashes(owner.get("/tasks/")) == ["Marked “Mine” done."]
    response = submit(owner, f"/tasks/{task_id}/reopen", {}, token_from="/tasks/", follow=True)
    assert flashes(response) == ["Marked “Mine” open."]
    assert task_in(app, task_id).done is False


def test_the_edit_form_shows_the_task_and_its_errors(people):
    task_id = people["task_id"]
    page = people["owner"].get(f"/tasks/{task_id}/edit").get_data(as_text=True)
    assert 'value="Mine"' in page
    assert re.search(r'<label[^>]* for="done"[^>]*>Done</label>', page)
    response = submit(people["owner"], f"/tasks/{task_id}/edit", {"title": "  "})
    assert response.status_code == 400


def test_figures_follow_complete_edit_and_delete(app, people):
    task_id = people["task_id"]
    owner = people["owner"]
    assert counts(owner) == "1 open · 0 done (0% done) · 1 yours"
    submit(owner, f"/tasks/{task_id}/complete", {}, token_from="/tasks/")
    assert counts(owner) == "0 open · 1 done (100% done) · 1 yours"
    submit(owner, f"/tasks/{task_id}/edit", {"title": "Mine"})  # "done" left unticked
    assert counts(owner) == "1 open · 0 done (0% done) · 1 yours"
    submit(owner, f"/tasks/{task_id}/delete", {})
    assert counts(owner) == "0 open · 0 done (0% done) · 0 yours"


def test_renaming_from_the_page_keeps_the_cached_figures(app, people, sql_statements):
    task_id = people["task_id"]
    owner = people["owner"]
    counts(owner)
    before = sum("sum(case" in s.lower() for s in sql_statements)
    submit(owner, f"/tasks/{task_id}/edit", {"title": "Renamed"})
    assert "Renamed" in owner.get("/tasks/").get_data(as_text=True)
    assert sum("sum(case" in s.lower() for s in sql_statements) == before


# The list's forms: plain HTML with the page's CSRF token

# A form with one button and the CSRF token, whatever the order of the attributes.
BUTTON_FORM = re.compile(
    r'<form method="post" action="(?P<action>[^"]+)"[^>]*>\s*'
    r'<input (?=[^>]*name="csrf_token")[^>]*value="(?P<token>[^"]*)"[^>]*>\s*'
    r"<button[^>]*>(?P<label>[^<]+)",
)


def button_forms(client, path="/tasks/"):
    """The forms of the page that act on a task (the navigation's Log out aside)."""
    page = client.get(path).get_data(as_text=True)
    found = [match.groupdict() for match in BUTTON_FORM.finditer(page)]
    return [form for form in found if form["action"].startswith("/tasks/")]


def test_each_row_button_posts_the_csrf_token_it_carries(app, people):
    task_id = people["task_id"]
    owner = people["owner"]
    [done_form] = button_forms(owner, "/tasks/?status=open")
    assert done_form["action"] == f"/tasks/{task_id}/complete?status=open"
    assert done_form["label"] == "Mark done"
    assert done_form["token"]
    # What the browser sends: the form's own hidden field, nothing else.
    response = owner.post(done_form["action"], data={"csrf_token": done_form["token"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks/?status=open"
    assert task_in(app, task_id).done is True
    [reopen_form] = button_forms(owner)
    assert reopen_form["label"] == "Reopen"
    assert owner.post(reopen_form["action"], data={"csrf_token": "forged"}).status_code == 400
    assert task_in(app, task_id).done is True


def test_each_button_names_its_task_for_screen_readers(people):
    page = people["owner"].get("/tasks/").get_data(as_text=True)
    about = '<span class="visually-hidden"> “Mine”</span>'
    for label in ("Mark done", "Edit", "Delete"):
        assert f">{label}{about}</" in page


def test_the_delete_page_posts_its_csrf_token(app, people):
    task_id = people["task_id"]
    owner = people["owner"]
    [form] = button_forms(owner, f"/tasks/{task_id}/delete")
    assert (form["action"], form["label"]) == (f"/tasks/{task_id}/delete", "Delete task")
    assert owner.post(form["action"], data={"csrf_token": form["token"]}).status_code == 302
    assert task_in(app, task_id) is None


def test_a_refused_new_task_comes_back_with_its_error_and_text(people):
    owner = people["owner"]
    response = submit(owner, "/tasks/", {"title": "  ", "description": "Kept <b>as typed</b>"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'<input (?=[^>]*id="title")[^>]*class="form-control is-invalid"', page)
    assert '<div class="invalid-feedback">This field is required.</div>' in page
    assert "Kept &lt;b&gt;as typed&lt;/b&gt;</textarea>" in page
    # The fields keep the limits of the model.
    assert 'maxlength="200"' in page


def test_the_list_renders_its_forms_without_wtforms_widgets(people, monkeypatch):
    """The page users see most renders its forms as plain HTML: WTForms' widgets (a form
    per row through the form macro) were most of its time. benchmarks/page_throughput.py
    measures the time; this keeps the cause away."""
    rendered = []
    real_render_field = DefaultMeta.render_field

    def counting_render_field(meta, field, render_kw):
        rendered.append(field.name)
        return real_render_field(meta, field, render_kw)

    monkeypatch.setattr(DefaultMeta, "render_field", counting_render_field)
    page = people["moderator"].get("/tasks/").get_data(as_text=True)
    assert ">Mark done<" in page
    assert 'id="title"' in page
    assert rendered == []
