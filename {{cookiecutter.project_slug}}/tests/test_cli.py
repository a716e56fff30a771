from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.extensions import cache, db
from {{ cookiecutter.package_name }}.models import Task


def count_tasks(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Task))


def test_seed_adds_demo_tasks(app, runner):
    result = runner.invoke(args=["seed", "--count", "5"])
    assert result.exit_code == 0, result.output
    assert "Added 5 demo tasks" in result.output
    assert count_tasks(app) == 5


def test_cache_clear_empties_this_apps_cache(app, runner):
    with app.app_context():
        cache.set("greeting", "hello")
    result = runner.invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert cache.get("greeting") is None


def test_cache_clear_reports_an_unreachable_backend(make_app):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 1
    assert "Could not clear the cache" in result.output
    assert "Traceback" not in result.output
