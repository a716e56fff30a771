"""Flask-Caching's `cache` tag keeps template fragments in the shared cache (the backend),
where cache.delete and `flask cache clear` reach them, not in a process's micro-cache."""

from pathlib import Path

from flask import render_template_string
from flask_caching import make_template_fragment_key

from {{ cookiecutter.package_name }}.extensions import cache

# The fragment named "sidebar", kept for 60 s (Flask-Caching's `cache` tag).
SIDEBAR = (Path(__file__).parent / "templates" / "cached_fragment.html").read_text()


def render_sidebar(app, text):
    with app.test_request_context():
        return render_template_string(SIDEBAR, text=text)


def test_fragments_are_kept_in_the_shared_cache(app):
    render_sidebar(app, "first")
    with app.app_context():
        assert cache.get(make_template_fragment_key("sidebar")) == "first"


def test_cache_delete_removes_a_fragment(app):
    render_sidebar(app, "first")
    with app.app_context():
        cache.delete(make_template_fragment_key("sidebar"))
    assert render_sidebar(app, "second") == "second"


def test_cache_clear_command_removes_fragments(app, runner):
    render_sidebar(app, "first")
    result = runner.invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert render_sidebar(app, "second") == "second"
