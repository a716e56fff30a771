"""Task figures: memoized or in two tiers, and invalidated only when a change matters."""

import time

from {{ cookiecutter.package_name }}.extensions import cache, micro_cache
from {{ cookiecutter.package_name }}.tasks.statistics import STATISTICS_KEY, task_statistics


def add_task(writer, title="A task", done=False):
    return writer.post("/api/v1/tasks", json={"title": title, "done": done}).get_json()


def count_queries(statements):
    return sum("count(" in statement.lower() for statement in statements)


def test_statistics_are_computed_from_the_tasks(writer):
    add_task(writer, "open one")
    add_task(writer, "done one", done=True)
    add_task(writer, "done two", done=True)
    body = writer.get("/api/v1/tasks/statistics").get_json()
    assert body["total"] == 3
    assert body["done"] == 2
    assert body["open"] == 1
    assert body["percent_done"] == 67
    assert body["oldest_open"] is not None


def test_the_count_of_ones_own_tasks_is_memoized(writer, sql_statements):
    add_task(writer)
    writer.get("/tasks/")
    first_render = count_queries(sql_statements)
    writer.get("/tasks/")
    assert first_render > 0
    assert count_queries(sql_statements) == first_render  # the second page ran no count


def test_adding_a_task_invalidates_by_function_and_by_key(writer):
    add_task(writer)
    page = writer.get("/tasks/").get_data(as_text=True)
    assert "1 open · 0 done (0% done) · 1 yours" in page
    add_task(writer, done=True)
    page = writer.get("/tasks/").get_data(as_text=True)
    assert "1 open · 1 done (50% done) · 2 yours" in page


def test_renaming_a_task_keeps_the_cached_statistics(app, writer, sql_statements):
    task = add_task(writer)
    writer.get("/tasks/")
    before = count_queries(sql_statements)
    writer.patch(f"/api/v1/tasks/{task['id']}", json={"title": "Renamed"})
    page = writer.get("/tasks/").get_data(as_text=True)
    assert "Renamed" in page
    assert count_queries(sql_statements) == before  # counts and statistics still cached


def test_completing_a_task_invalidates_the_statistics(writer):
    task = add_task(writer)
    writer.get("/tasks/")
    writer.patch(f"/api/v1/tasks/{task['id']}", json={"done": True})
    assert "0 open · 1 done" in writer.get("/tasks/").get_data(as_text=True)
    assert writer.get("/api/v1/tasks/statistics").get_json()["done"] == 1


def test_deleting_a_task_invalidates_the_statistics(writer):
    task = add_task(writer)
    assert writer.get("/api/v1/tasks/statistics").get_json()["total"] == 1
    writer.delete(f"/api/v1/tasks/{task['id']}")
    assert writer.get("/api/v1/tasks/statistics").get_json()["total"] == 0


def test_micro_cache_answers_before_the_shared_cache(app):
    with app.test_request_context():
        first = task_statistics()
        # Another worker stores newer statistics in the shared tier...
        newer = {"value": {**first, "total": 99}, "fresh_until": time.time() + 60}
        cache.set(STATISTICS_KEY, newer)
        # ...this process keeps its micro-cached copy until it expires or is dropped.
        assert task_statistics() == first
        micro_cache.delete(STATISTICS_KEY)
        assert task_statistics()["total"] == 99


def test_micro_cache_can_be_switched_off(make_app):
    app = make_app(MICRO_CACHE_TIMEOUT=0)
    with app.test_request_context():
        first = task_statistics()
        cache.set(STATISTICS_KEY, {"value": {**first, "total": 7}, "fresh_until": time.time() + 60})
        assert task_statistics()["total"] == 7


def test_seed_command_invalidates_the_statistics(app, writer, runner):
    assert writer.get("/api/v1/tasks/statistics").get_json()["total"] == 0
    assert runner.invoke(args=["seed", "--count", "2"]).exit_code == 0
    assert writer.get("/api/v1/tasks/statistics").get_json()["total"] == 2
