"""The navigation (templates/base.html): every page renders it for every kind of visitor,
a link is one line with url_for, and a link to an endpoint that does not exist is an
error the tests catch, not a page with an empty href."""

import pytest
from werkzeug.routing import BuildError

from .account_helpers import add_user, logged_in
from .edited_templates import after_the_tasks_link, edit_template, misspelling_the_tasks_link

# Each kind of visitor, and the links of the navigation it gets.
VISITORS = {
    "anonymous": ['href="/auth/login"', 'href="/auth/register"'],
    "user": ['href="/auth/account"', 'action="/auth/logout"'],
    "administrator": ['href="/admin/users"', 'href="/auth/account"', 'action="/auth/logout"'],
    # Most pages send an unconfirmed user to /auth/unconfirmed, which has the navigation.
    "unconfirmed": ['href="/auth/account"', 'action="/auth/logout"'],
}
ROLES = {"user": "User", "administrator": "Administrator", "unconfirmed": "User"}


def visitor(app, kind):
    client = app.test_client()
    if kind == "anonymous":
        return client
    email = f"{kind}@example.org"
    add_user(app, email, role=ROLES[kind], confirmed=kind != "unconfirmed")
    return logged_in(app, client, email)


def pages(app):
    """Every GET route that takes no argument, but the API's (JSON, and its own docs page)."""
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/api/")
        }
    )


@pytest.mark.parametrize("kind", VISITORS)
def test_every_page_renders_the_navigation_for_every_visitor(make_app, kind):
    app = make_app()
    client = visitor(app, kind)
    rendered = 0
    for path in pages(app):
        response = client.get(path, follow_redirects=True)
        assert response.status_code < 500, path
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            assert 'href="/tasks/">Tasks</a>' in page, path
            for link in VISITORS[kind]:
                assert link in page, (path, link)
            rendered += 1
    assert rendered >= 3


def test_a_link_added_to_base_html_is_on_every_page(make_app):
    app = make_app()
    link = "{% raw %}{{ url_for('main.status') }}{% endraw %}"
    line = f'<li class="nav-item"><a class="nav-link" href="{link}">Status</a></li>'
    edit_template(app, "base.html", after_the_tasks_link(line))
    client = visitor(app, "user")
    for path in ("/", "/tasks/", "/auth/account", "/no-such-page"):
        assert 'href="/status">Status</a>' in client.get(path).get_data(as_text=True), path


def test_a_typo_in_a_nav_link_is_an_error(make_app):
    app = make_app()
    edit_template(app, "base.html", misspelling_the_tasks_link)
    with pytest.raises(BuildError):
        app.test_client().get("/")
