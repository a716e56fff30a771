"""Debian's nginx running a bake's generated proxy configuration, as the official image would.

The bake's nginx/templates/default.conf.template is what compose.production.yaml hands the
official nginx image, whose entrypoint renders it with envsubst (only the NGINX_* variables:
NGINX_ENVSUBST_FILTER) into conf.d/, inside the image's http block. Here the same text is
rendered the same way, with loopback addresses and a temporary directory, and included in
a main configuration that stands in for the image's nginx.conf: pid, logs and temporary
files under that directory, so that nginx needs no root and leaves nothing behind.

Standard library only: the benchmarks use it too.
"""

import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE_PATH = Path("nginx/templates/default.conf.template")
# What envsubst replaces, given NGINX_ENVSUBST_FILTER="^NGINX_": ${NGINX_X} and $NGINX_X.
TEMPLATE_VARIABLE = re.compile(r"\$\{(NGINX_\w+)\}|\$(NGINX_\w+)")
# Set by the image's entrypoint itself (15-local-resolvers.envsh), not by compose.
IMAGE_VARIABLES = frozenset({"NGINX_LOCAL_RESOLVERS"})
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def nginx_binary():
    """nginx's path: on PATH, or where Debian puts it (/usr/sbin is not on every PATH); None
    when it is not installed."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def template_variables(template_text):
    return {first or second for first, second in TEMPLATE_VARIABLE.findall(template_text)}


def render(template_text, values):
    """envsubst restricted to NGINX_* names; every name the template uses must have a value."""
    missing = template_variables(template_text) - set(values)
    if missing:
        raise ValueError(f"no value for {', '.join(sorted(missing))}")
    return TEMPLATE_VARIABLE.sub(lambda match: values[match.group(1) or match.group(2)], template_text)


def site_config(project, listen_port, upstream, cache_dir):
    """The bake's template rendered for loopback: nginx on listen_port, gunicorn at upstream."""
    values = {
        "NGINX_LISTEN": f"127.0.0.1:{listen_port}",
        "NGINX_UPSTREAM": upstream,
        "NGINX_CACHE_DIR": str(cache_dir),
        "NGINX_LOCAL_RESOLVERS": "127.0.0.1",  # unused: the upstream is an address
    }
    return render((Path(project) / TEMPLATE_PATH).read_text(), values)


def main_config(workdir, site_path, worker_processes=1, access_log=True, status_port=None):
    """A stand-in for the official image's nginx.conf, every file under workdir; with
    status_port, nginx's stub_status on that port too (requests in progress: status())."""
    # As root, nginx's workers would run as nobody, who cannot enter a test's directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return (
        f"{user}daemon off;\n"
        f"worker_processes {worker_processes};\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} info;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    access_log {workdir / 'access.log' if access_log else 'off'};\n"
        + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
        + f"    include {site_path};\n"
        + (
            f"    server {{ listen 127.0.0.1:{status_port}; location / {{ stub_status; }} }}\n"
            if status_port
            else ""
        )
        + "}\n"
    )


def _die_with_this_process():
    """In the child before exec, on Linux: nginx is killed when the Python process that
    started it dies, even by SIGKILL (which runs no `finally`)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


def accepts_connections(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def running_nginx(binary, project, workdir, listen_port, upstream, **options):
    """nginx in front of upstream ("127.0.0.1:PORT"), serving on listen_port, its files in
    workdir (an empty directory); yields the cache directory once nginx accepts connections,
    and stops nginx on the way out. RuntimeError with its error log when it does not start.
    options go to main_config (worker_processes, access_log, status_port)."""
    workdir = Path(workdir).resolve()
    cache_dir = workdir / "cache"
    site = workdir / "site.conf"
    site.write_text(site_config(project, listen_port, upstream, cache_dir))
    main = workdir / "nginx.conf"
    main.write_text(main_config(workdir, site, **options))
    error_log = workdir / "error.log"
    command = [binary, "-p", str(workdir), "-c", str(main), "-e", str(error_log)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refuses the rendered configuration:\n{checked.stderr}\n{site.read_text()}")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_this_process,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not accepts_connections(listen_port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start on port {listen_port}:\n{tail(error_log)}")
            time.sleep(0.05)
        yield cache_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def requests_in_progress(status_port):
    """nginx's count of requests it is working on ("Writing"), this one included."""
    with socket.create_connection(("127.0.0.1", status_port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: status\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    return int(re.search(rb"Writing: (\d+)", reply).group(1))


def cached_files(cache_dir):
    """The entries nginx keeps on disk (one file each)."""
    return sorted(path for path in Path(cache_dir).rglob("*") if path.is_file())


def tail(path, size=4000):
    try:
        return Path(path).read_text(errors="replace")[-size:]
    except OSError as error:
        return f"({error})"
