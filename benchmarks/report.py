"""The issue's targets, and one Markdown table of a repeat's figures against them."""

from dataclasses import dataclass

CACHED_MIN, CACHED_AIM = 1.0, 1.3
RENDERED_MIN = 0.6
WORKER_MB_MAX = 45
START_RATIO_MAX = 2.3
SUITE_SECONDS_MAX = 8

# Servers and pages, in the order of the rounds and the table.
BARE = "Bare WSGI callable"
ONE_ROUTE = "One-route Flask app"
CACHED = "Bake: cached home page"
RENDERED = "Bake: home page, session cookie"
# The bake's generated nginx configuration in front of the bake's gunicorn (production
# compose): its micro-cache answers the home page without asking gunicorn.
PROXY_CACHED = "nginx: cached home page"
BAKE = "Bake"  # the gunicorn server behind both of the bake's pages


@dataclass(frozen=True)
class Figures:
    """What one repeat measured; None where it was not measured."""

    rates: dict  # server name -> median requests/s
    memory: dict  # server name -> WorkerMemory or None
    start_bake: float
    start_one_route: float
    suite: object  # SuiteRun or None


def verdict(met):
    return "met" if met else "**not met**"


def rate_cell(rate, baseline):
    return f"{rate:,.0f} req/s ({rate / baseline:.2f}×)"


def throughput_rows(figures):
    baseline = figures.rates[ONE_ROUTE]
    cached = figures.rates[CACHED] / baseline
    rendered = figures.rates[RENDERED] / baseline
    aim = "aim met" if cached >= CACHED_AIM else "aim not met"
    return [
        (BARE, rate_cell(figures.rates[BARE], baseline), "—", "—"),
        (ONE_ROUTE, rate_cell(baseline, baseline), "baseline", "—"),
        (
            CACHED,
            rate_cell(figures.rates[CACHED], baseline),
            f"≥ {CACHED_MIN:.1f}× (aim {CACHED_AIM}×)",
            f"{verdict(cached >= CACHED_MIN)} ({aim})",
        ),
        (
            RENDERED,
            rate_cell(figures.rates[RENDERED], baseline),
            f"≥ {RENDERED_MIN}×",
            verdict(rendered >= RENDERED_MIN),
        ),
        proxy_row(figures, baseline),
    ]


def proxy_row(figures, baseline):
    rate = figures.rates.get(PROXY_CACHED)
    cell = "skipped (nginx is not installed)" if rate is None else rate_cell(rate, baseline)
    return (PROXY_CACHED, cell, "—", "—")


def memory_cell(memory):
    if memory is None:
        return "not measured"
    cell = f"RSS {memory.rss_mb:.1f} MB, PSS {memory.pss_mb:.1f} MB"
    if memory.master_pss_mb is None:
        return cell
    # The master is not a worker, but with a preloaded app it is no small process either.
    total = memory.master_pss_mb + memory.workers * memory.pss_mb
    return f"{cell} (master PSS {memory.master_pss_mb:.1f} MB; server ≈ {total:.0f} MB)"


def memory_rows(figures):
    bake = figures.memory.get(BAKE)
    one_route = figures.memory.get(ONE_ROUTE)
    # PSS: with GUNICORN_PRELOAD the workers share the master's pages, which RSS counts in
    # full in each of them; PSS gives each worker its share.
    bake_verdict = "not measured" if bake is None else verdict(bake.pss_mb <= WORKER_MB_MAX)
    return [
        ("Memory per bake worker", memory_cell(bake), f"≤ {WORKER_MB_MAX} MB (PSS)", bake_verdict),
        ("Memory per one-route worker", memory_cell(one_route), "—", "—"),
    ]


def start_row(figures):
    ratio = figures.start_bake / figures.start_one_route
    cell = f"{figures.start_bake * 1000:.0f} ms vs {figures.start_one_route * 1000:.0f} ms ({ratio:.2f}×)"
    return (
        "import + create_app() vs one-route import",
        cell,
        f"≤ {START_RATIO_MAX}×",
        verdict(ratio <= START_RATIO_MAX),
    )


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
        start_row(figures),
        suite_row(figures.suite),
    ]
    lines = ["| Measure | Figure | Target | Status |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)
