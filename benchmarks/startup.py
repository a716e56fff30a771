"""Start time: importing an app (and building it) in a fresh interpreter, timed inside it
so that the interpreter's own start-up, the same for both, is left out."""

import statistics
import subprocess
import sys

TIMED = "import time\nstarted = time.perf_counter()\n{code}\nprint(time.perf_counter() - started)"


def seconds_once(code, cwd, env):
    result = subprocess.run(
        [sys.executable, "-c", TIMED.format(code=code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"`{code}` failed in {cwd}:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def median_seconds(code, cwd, env, runs):
    # One run first, not counted: it writes the bytecode caches the others then read.
    seconds_once(code, cwd, env)
    return statistics.median(seconds_once(code, cwd, env) for _ in range(runs))
