"""The bake's pages against a hello-world Flask app: throughput, memory, suite time.

Bakes the default project once, with a user owning 20 tasks; then, per repeat, serves a
bare WSGI callable, a one-route Flask app and the bake with gunicorn (the same number of
sync workers each, production settings) on loopback, with the bake's generated nginx
configuration in front of the bake's gunicorn (as production compose runs it; the row is
skipped when nginx is not installed), logs the user in, and loads the servers in
alternating rounds with wrk (or a Python client when wrk is not on PATH). Reads each
worker's memory at rest and after the load, times import (and create_app) in fresh
interpreters (printed for information: the start target was retired), and runs the bake's
suite in one process. Prints the figures and a Markdown table against the issue's
targets. Asserts nothing: performance is measured here, never in timed tests.

    python benchmarks/page_throughput.py --repeat 3
"""

import argparse
import contextlib
import datetime
import os
import platform
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path

from load import LoadSettings, Target, check_answers_200, generator_name, requests_per_second
from memory import worker_memory, worker_pids
from report import BAKE, BARE, CACHED, ONE_ROUTE, PROXY_CACHED, RENDERED, TASKS, Figures, markdown_table
from servers import BENCHMARKS_DIR, bake_default_project, gunicorn, nginx_in_front
from startup import median_seconds
from suite import run_suite, suite_command
from tasks_visitor import add_user_with_tasks, log_in

WARM_UP_SECONDS = 2
START_RUNS = 5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per repeat")
    parser.add_argument("--seconds", type=float, default=5, help="length of each load, seconds")
    parser.add_argument("--connections", type=int, default=32, help="open connections (wrk -c)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (wrk -t)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, each server")
    parser.add_argument("--skip-suite", action="store_true", help="do not time the bake's suite")
    parser.add_argument("--repeat", type=int, default=1, help="run the whole comparison K times")
    return parser.parse_args()


@contextlib.contextmanager
def running_servers(bake, workers, log_dir):
    """The three gunicorn servers by name, and the port of nginx in front of the bake's
    (None without nginx); all of them stopped on the way out."""
    with contextlib.ExitStack() as stack:

        def start(name, app_spec, cwd):
            return stack.enter_context(gunicorn(name, app_spec, cwd, bake.env, workers, log_dir))

        servers = {
            BARE: start(BARE, "bare_wsgi:app", BENCHMARKS_DIR),
            ONE_ROUTE: start(ONE_ROUTE, "one_route:app", BENCHMARKS_DIR),
            BAKE: start(BAKE, f"{bake.package}:create_app()", bake.project),
        }
        proxy_port = stack.enter_context(nginx_in_front(bake, servers[BAKE].port, workers, log_dir))
        if proxy_port is None:
            print(f"  {PROXY_CACHED}: skipped, nginx is not installed (.ci/benchmark-tools.sh)")
        yield servers, proxy_port


def load_targets(servers, proxy_port):
    bake_port = servers[BAKE].port
    targets = [
        Target(BARE, servers[BARE].port),
        Target(ONE_ROUTE, servers[ONE_ROUTE].port),
        Target(CACHED, bake_port),
        # Any session cookie makes the home page bypass the page cache: the rendering cost.
        Target(RENDERED, bake_port, {"Cookie": "session=x"}),
        Target(TASKS, bake_port, log_in(bake_port), path="/tasks/"),
    ]
    if proxy_port is not None:
        # The warm-up's first request fills nginx's cache; every later one is a hit.
        targets.append(Target(PROXY_CACHED, proxy_port))
    return targets


def warm_up(targets, settings):
    short = replace(settings, seconds=min(WARM_UP_SECONDS, settings.seconds))
    for target in targets:
        check_answers_200(target)
        requests_per_second(target, short)


def alternating_rounds(targets, settings, rounds):
    """A B C D, A B C D, ...: a slow spell of the machine then hits every server alike."""
    rates = {target.name: [] for target in targets}
    for number in range(1, rounds + 1):
        for target in targets:
            rates[target.name].append(requests_per_second(target, settings))
        figures = ", ".join(f"{name} {values[-1]:,.0f}" for name, values in rates.items())
        print(f"  round {number}: {figures}", flush=True)
    return rates


def print_throughput(rates):
    baseline = statistics.median(rates[ONE_ROUTE])
    print("  median requests/s (min-max over rounds), ratio to the one-route app:")
    for name, values in rates.items():
        median = statistics.median(values)
        print(
            f"    {name:<34} {median:9,.0f}  ({min(values):,.0f}-{max(values):,.0f})"
            f"  {median / baseline:5.2f}x"
        )


def print_memory(when, memory, replaced=None):
    print(f"  memory per worker {when} (median over workers), and the master's PSS:")
    for name, figures in memory.items():
        if figures is None:
            print(f"    {name:<34} not measured (no readable /proc/<pid>/smaps_rollup)")
            continue
        master = "?" if figures.master_pss_mb is None else f"{figures.master_pss_mb:.1f}"
        workers = f"{figures.workers} workers"
        if replaced is not None:
            workers += f"; {replaced[name]} replaced during the load"
        print(
            f"    {name:<34} RSS {figures.rss_mb:6.1f} MB  PSS {figures.pss_mb:6.1f} MB"
            f"  master PSS {master} MB  ({workers})"
        )


def measure_servers(bake, args, log_dir):
    settings = LoadSettings(args.seconds, args.connections, args.threads)
    with running_servers(bake, args.workers, log_dir) as (servers, proxy_port):
        first_workers = {name: set(worker_pids(s.master_pid)) for name, s in servers.items()}
        # Started, each having answered the one request that told it was up.
        at_rest = {name: worker_memory(s.master_pid) for name, s in servers.items()}
        targets = load_targets(servers, proxy_port)
        warm_up(targets, settings)
        rates = alternating_rounds(targets, settings, args.rounds)
        memory = {name: worker_memory(s.master_pid) for name, s in servers.items()}
        # gunicorn replaces a worker after max_requests: its successor has not grown yet.
        replaced = {
            name: len(set(worker_pids(s.master_pid)) - first_workers[name]) for name, s in servers.items()
        }
    print_throughput(rates)
    print_memory("at rest", at_rest)
    print_memory("after the load", memory, replaced)
    return {name: statistics.median(values) for name, values in rates.items()}, memory, at_rest


def print_start(bake):
    """For information: issue 26 retired the start target (it rewarded overriding Flask)."""
    bake_code = f"import {bake.package}\n{bake.package}.create_app()"
    start_bake = median_seconds(bake_code, bake.project, bake.env, START_RUNS)
    start_one_route = median_seconds("import one_route", BENCHMARKS_DIR, bake.env, START_RUNS)
    print(
        f"  start, median of {START_RUNS}: import + create_app() {start_bake * 1000:.0f} ms,"
        f" one-route import {start_one_route * 1000:.0f} ms,"
        f" ratio {start_bake / start_one_route:.2f}x (no target)"
    )


def measure_suite(bake):
    suite = run_suite(bake.project)
    print(f"  suite: {suite.seconds:.1f} s wall, {suite.passed} passed; pytest said: {suite.summary}")
    for line in suite.failures:
        print(f"    {line[:200]}")
    return suite


def one_repeat(bake, args, log_dir):
    rates, memory, at_rest = measure_servers(bake, args, log_dir)
    print_start(bake)
    suite = None if args.skip_suite else measure_suite(bake)
    return Figures(rates, memory, at_rest, suite)


def print_header(bake, args):
    print(f"date: {datetime.date.today()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"python: {platform.python_version()}, load generator: {generator_name()}")
    print(
        f"gunicorn: {args.workers} sync workers per server; nginx: {args.workers} worker"
        f" processes; load: {args.rounds} rounds of"
        f" {args.seconds:g} s, {args.connections} connections, {args.threads} threads"
    )
    if not args.skip_suite:
        print(f"suite command (in the bake): {' '.join(suite_command(bake.project)[1:])}")


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        bake = bake_default_project(Path(workdir))
        add_user_with_tasks(bake)
        print_header(bake, args)
        for number in range(1, args.repeat + 1):
            print(f"\n## Repeat {number} of {args.repeat}", flush=True)
            figures = one_repeat(bake, args, workdir)
            print()
            print(markdown_table(figures), flush=True)


if __name__ == "__main__":
    main()
