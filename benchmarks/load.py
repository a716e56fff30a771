"""Load generators: wrk when it is on PATH, else a Python keep-alive client (much slower:
its own CPU use competes with the servers, so its figures are lower for every server)."""

import http.client
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """One column of the comparison: a server, the page asked for, and the headers sent."""

    name: str
    port: int
    headers: dict = field(default_factory=dict)
    path: str = "/"


@dataclass(frozen=True)
class LoadSettings:
    seconds: float
    connections: int
    threads: int


def check_answers_200(target):
    """Fail clearly before any timing if the page is an error (wrk would just count it)."""
    url = f"http://127.0.0.1:{target.port}{target.path}"
    request = urllib.request.Request(url, headers=target.headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            # A redirect (to the login page, say) would be followed: make sure it was not.
            if response.url != url:
                raise SystemExit(f"{target.name}: GET {target.path} was redirected to {response.url}")
    except OSError as error:
        raise SystemExit(f"{target.name}: GET {target.path} failed before the load: {error}") from None


def generator_name():
    path = shutil.which("wrk")
    return f"wrk ({path})" if path else "Python keep-alive client (wrk is not on PATH)"


def requests_per_second(target, settings):
    if shutil.which("wrk"):
        return wrk_rate(target, settings)
    return python_client_rate(target, settings)


def wrk_command(target, settings):
    command = [
        "wrk",
        "-t",
        str(settings.threads),
        "-c",
        str(settings.connections),
        "-d",
        f"{settings.seconds:g}s",
    ]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, f"http://127.0.0.1:{target.port}{target.path}"]


def wrk_rate(target, settings):
    result = subprocess.run(wrk_command(target, settings), capture_output=True, text=True, check=False)
    output = result.stdout
    if result.returncode != 0:
        raise SystemExit(f"{target.name}: wrk failed ({result.returncode}):\n{output}{result.stderr}")
    errors = re.search(r"Socket errors: .*", output)
    if errors:
        # Not fatal: a connection closed by a worker restarting (max_requests) shows here.
        print(f"    note, {target.name}: wrk {errors.group(0)}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise SystemExit(f"{target.name}: {bad.group(1)} error answers under load:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not found:
        raise SystemExit(f"{target.name}: no Requests/sec in wrk's output:\n{output}")
    return float(found.group(1))


def python_client_rate(target, settings):
    """Keep-alive connections from threads for `seconds`; gunicorn's sync workers close
    each connection, and http.client then opens a new one, as a browser would."""
    deadline = time.perf_counter() + settings.seconds
    counts, errors = [], []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
        done = 0
        while time.perf_counter() < deadline:
            connection.request("GET", target.path, headers=target.headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
            done += 1
        counts.append(done)

    threads = [threading.Thread(target=client) for _ in range(settings.connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{target.name}: {len(errors)} non-200 answers, first {errors[0]}")
    return sum(counts) / elapsed
