"""The issue's targets, and one Markdown table of a repeat's figures against them.

Issue 26 retired two targets, a rendered page at 0.6x and a start at 2.3x a hello-world
app: they rewarded overriding Flask's own machinery. The start is still printed.
"""

from dataclasses import dataclass

CACHED_MIN = 1.2
SESSION_MIN = 0.40
TASKS_MIN = 0.25
WORKER_MB_MAX = 45
SUITE_SECONDS_MAX = 20

# Servers and pages, in the order of the rounds and the table.
BARE = "Bare WSGI callable"
ONE_ROUTE = "One-route Flask app"
CACHED = "Bake: cached home page"
RENDERED = "Bake: home page, session cookie"
# The page users see most: a full page of their own tasks, each row with its buttons.
TASKS = "Bake: /tasks/, logged in, 20 tasks"
# The bake's generated nginx configuration in front of the bake's gunicorn (production
# compose): its micro-cache answers the home page without asking gunicorn.
PROXY_CACHED = "nginx: cached home page"
BAKE = "Bake"  # the gunicorn server behind the bake's pages


@dataclass(frozen=True)
class Figures:
    """What one repeat measured; None where it was not measured."""

    rates: dict  # server name -> median requests/s
    memory: dict  # server name -> WorkerMemory or None, after the load
    memory_at_rest: dict  # the same, started and not yet loaded
    suite: object  # SuiteRun or None


def verdict(met):
    return "met" if met else "**not met**"


def rate_cell(rate, baseline):
    return f"{rate:,.0f} req/s ({rate / baseline:.2f}×)"


def target_row(name, figures, baseline, minimum):
    ratio = figures.rates[name] / baseline
    return (name, rate_cell(figures.rates[name], baseline), f"≥ {minimum:.2f}×", verdict(ratio >= minimum))


def throughput_rows(figures):
    baseline = figures.rates[ONE_ROUTE]
    return [
        (BARE, rate_cell(figures.rates[BARE], baseline), "—", "—"),
        (ONE_ROUTE, rate_cell(baseline, baseline), "baseline", "—"),
        target_row(CACHED, figures, baseline, CACHED_MIN),
        target_row(RENDERED, figures, baseline, SESSION_MIN),
        target_row(TASKS, figures, baseline, TASKS_MIN),
        proxy_row(figures, baseline),
    ]


def proxy_row(figures, baseline):
    rate = figures.rates.get(PROXY_CACHED)
    cell = "skipped (nginx is not installed)" if rate is None else rate_cell(rate, baseline)
    return (PROXY_CACHED, cell, "—", "—")


def memory_cell(memory, at_rest):
    if memory is None:
        return "not measured"
    cell = f"RSS {memory.rss_mb:.1f} MB, PSS {memory.pss_mb:.1f} MB"
    if at_rest is not None:
        # Sharing with the preloading master that wears off under load shows here.
        cell += f" (at rest: PSS {at_rest.pss_mb:.1f} MB)"
    if memory.master_pss_mb is None:
        return cell
    # The master is not a worker, but with a preloaded app it is no small process either.
    total = memory.master_pss_mb + memory.workers * memory.pss_mb
    return f"{cell} (master PSS {memory.master_pss_mb:.1f} MB; server ≈ {total:.0f} MB)"


def memory_rows(figures):
    bake = figures.memory.get(BAKE)
    # PSS: with GUNICORN_PRELOAD the workers share the master's pages, which RSS counts in
    # full in each of them; PSS gives each worker its share.
    bake_verdict = "not measured" if bake is None else verdict(bake.pss_mb <= WORKER_MB_MAX)
    return [
        (
            "Memory per bake worker, after the load",
            memory_cell(bake, figures.memory_at_rest.get(BAKE)),
            f"≤ {WORKER_MB_MAX} MB (PSS)",
            bake_verdict,
        ),
        (
            "Memory per one-route worker, after the load",
            memory_cell(figures.memory.get(ONE_ROUTE), figures.memory_at_rest.get(ONE_ROUTE)),
            "—",
            "—",
        ),
    ]


def suite_row(suite):
    if suite is None:
        return ("Generated suite, one process", "skipped (--skip-suite)", f"≤ {SUITE_SECONDS_MAX} s", "—")
    cell = f"{suite.seconds:.1f} s, {suite.passed} passed"
    met = suite.ok and suite.seconds <= SUITE_SECONDS_MAX
    note = "" if suite.ok else f" (suite failed: {suite.summary})"
    return ("Generated suite, one process", cell, f"≤ {SUITE_SECONDS_MAX} s", verdict(met) + note)


def markdown_table(figures):
    rows = [
        *throughput_rows(figures),
        *memory_rows(figures),
        suite_row(figures.suite),
    ]
    lines = ["| Measure | Figure | Target | Status |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)
