from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.extensions import cache, db
from {{ cookiecutter.package_name }}.models import Task

from .account_helpers import add_user


def count_tasks(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Task))


def task_titles(app):
    with app.app_context():
        return sorted(db.session.scalars(select(Task.title)))


def test_seed_adds_demo_tasks(app, runner):
    result = runner.invoke(args=["seed", "--count", "5"])
    assert result.exit_code == 0, result.output
    assert "Added 5 demo tasks" in result.output
    assert count_tasks(app) == 5


def test_seed_twice_adds_nothing_the_second_time(app, runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "already there; nothing added" in result.output
    assert count_tasks(app) == 3


def test_seed_with_a_larger_count_adds_only_the_missing_tasks(app, runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed", "--count", "5"])
    assert result.exit_code == 0, result.output
    assert "Added 2 demo tasks (3 were already there)" in result.output
    titles = task_titles(app)
    assert len(titles) == len(set(titles)) == 5


def test_seed_does_not_count_a_users_own_task_as_a_demo_task(app, runner):
    owner_id = add_user(app, "owner@example.org")
    with app.app_context():
        db.session.add(Task(title="Deploy", owner_id=owner_id))
        db.session.commit()
    assert "Added 3 demo tasks" in runner.invoke(args=["seed"]).output
    assert task_titles(app).count("Deploy") == 2


def test_cache_clear_says_it_reached_only_its_own_process(app, runner):
    # The hermetic tests run on SimpleCache, whichever backend the project uses.
    with app.app_context():
        cache.set("greeting", "hello")
    result = runner.invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert "Cleared only the in-process cache of this flask command" in result.output
    assert "running servers keep their entries until they are restarted" in result.output
    with app.app_context():
        assert cache.get("greeting") is None


def test_cache_clear_on_a_shared_backend_names_the_prefix(make_app, tmp_path):
    app = make_app(CACHE_BACKEND="flask_caching.backends.FileSystemCache", CACHE_DIR=str(tmp_path))
    with app.app_context():
        cache.set("greeting", "hello")
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert f"Cleared the cache entries of {app.config['CACHE_KEY_PREFIX']!r}." in result.output
    assert "in-process" not in result.output
    with app.app_context():
        assert cache.get("greeting") is None


def test_cache_clear_with_caching_off_has_nothing_to_clear(make_app):
    app = make_app(CACHE_BACKEND="flask_caching.backends.NullCache")
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert "nothing to clear" in result.output


def test_cache_clear_reports_an_unreachable_backend(make_app):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 1
    assert "Could not clear the cache" in result.output
    assert "Traceback" not in result.output
