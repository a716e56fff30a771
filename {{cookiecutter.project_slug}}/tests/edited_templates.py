"""Templates as a user edits them: the app finds an edited copy of one of the package's
templates before the file itself. For tests of what an edit does (a nav link, a typo)."""

import re

from jinja2 import ChoiceLoader, DictLoader

# The navigation's Tasks link in templates/base.html, whatever builds its URL.
TASKS_LINK = re.compile(r"^.*>Tasks</a></li>$", re.MULTILINE)


def edit_template(app, name, edit):
    """From now on `app` renders `edit(source)` for the template `name`. (Jinja keeps the
    templates it loaded by loader: the new loader starts with none.)"""
    loader = app.jinja_env.loader
    source, _, _ = loader.get_source(app.jinja_env, name)
    app.jinja_env.loader = ChoiceLoader([DictLoader({name: edit(source)}), loader])


def tasks_link(source):
    found = TASKS_LINK.search(source)
    assert found, "no Tasks link in the navigation of templates/base.html"
    return found


def after_the_tasks_link(line):
    """An edit of base.html: `line` added to the navigation, after the Tasks link."""

    def edit(source):
        end = tasks_link(source).end()
        return f"{source[:end]}\n{line}{source[end:]}"

    return edit


def misspelling_the_tasks_link(source):
    """An edit of base.html: "taks" for the first "tasks" in the Tasks link's href."""
    link = tasks_link(source).group(0)
    href = re.search(r'href="([^"]*)"', link).group(1)
    assert "tasks" in href, link
    return source.replace(link, link.replace(href, href.replace("tasks", "taks", 1)))
