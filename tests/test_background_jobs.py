"""A celery bake's jobs on both brokers: its own worker tests (a real `celery worker`
process, killed mid-job, started after a registration; the broker down) against the
machine's Redis and RabbitMQ."""

import pytest

from . import services
from .baked import MATRIX, generated_suite_env, matrix_params, run_generated_suite, unexpected_skips

BROKERS = {
    "redis": (services.require_redis, lambda: services.REDIS_URL),
    "rabbitmq": (services.require_rabbitmq, lambda: services.RABBITMQ_URL),
}


def celery_row():
    return next(row for row in MATRIX if row["background_jobs"] == "celery" and row["database"] == "sqlite")


@pytest.mark.parametrize("broker", sorted(BROKERS))
@pytest.mark.parametrize("row", matrix_params([celery_row()]))
def test_jobs_run_on_a_real_worker(bakes, row, broker):
    require, url = BROKERS[broker]
    require()
    project = bakes(row).project_path
    env = generated_suite_env(row, None, CELERY_BROKER_URL=url(), REQUIRE_SERVICES="1")
    output = run_generated_suite(
        project, env, "tests/integration/test_worker.py", "tests/test_jobs.py", "-rA"
    )
    assert " passed" in output
    assert unexpected_skips(output) == []
    # The worker tests ran, on this broker.
    assert "test_a_job_whose_worker_is_killed_is_finished_by_another PASSED" in output or (
        "PASSED tests/integration/test_worker.py::test_a_job_whose_worker_is_killed" in output
    )
