"""Throwaway Redis and Memcached servers for the template tests.

The baked projects are tested against the developer's own servers (see services.py). Some
tests need servers they can crash, restart or arrange into a sentinel setup or a cluster,
and that must never be done to the servers on 6379/11211. This module starts such servers
as child processes on free loopback ports, waits until they really answer, and makes sure
none of them outlives the test session.

Everything talks to the servers over raw sockets, so the suite needs no client library.
A missing binary skips the test (fails it in CI) through services.require_binary.
"""

import atexit
import contextlib
import ctypes
import functools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import services

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
SENTINEL_TIMEOUT = 10.0
CLUSTER_TIMEOUT = 20.0
POLL_INTERVAL = 0.02
REQUEST_TIMEOUT = 2.0
# Redis Cluster nodes talk to each other on their port + 10000.
CLUSTER_BUS_OFFSET = 10000
MAX_PORT = 65535
LOG_TAIL_BYTES = 4000

# Servers started and not yet stopped or killed: stopped at exit, whatever the tests did.
_live = set()


class RedisError(Exception):
    """An error reply (-ERR ...) from a Redis server."""


def free_port(avoid_cluster_bus=False):
    """A loopback port that is free now; the kernel picks it, so parallel workers don't collide.

    With avoid_cluster_bus the port + 10000 must be free too (and so a valid port), because a
    Redis Cluster node also listens there. The port is only free until someone binds it: start
    the server right away, before asking for the next port.
    """
    for _ in range(100):
        port = _ephemeral_port()
        if not avoid_cluster_bus:
            return port
        if port + CLUSTER_BUS_OFFSET <= MAX_PORT and _is_free(port + CLUSTER_BUS_OFFSET):
            return port
    raise RuntimeError(f"found no free port on {HOST} whose port + {CLUSTER_BUS_OFFSET} is free too")


def _ephemeral_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


class ServerProcess:
    """One server child process listening on 127.0.0.1:port, started from argv.

    start() returns only once the server answers (ready(address) is true), so tests never
    race its startup. kill() is a crash; restart() brings the same command back on the same
    port. As a context manager it is started on entry (unless running) and stopped on exit.
    Its output goes to a temporary log whose tail is quoted when it fails to come up.
    """

    def __init__(self, argv, port, ready=None):
        self.argv = [str(arg) for arg in argv]
        self.port = port
        self.address = f"{HOST}:{port}"
        self.name = Path(self.argv[0]).name
        self._ready = ready or accepts_connections
        self._process = None
        self._log = None

    def __repr__(self):
        return f"<ServerProcess {self.name} on {self.address}, pid {self.pid}>"

    def __enter__(self):
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def pid(self):
        return self._process.pid if self._process else None

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def start(self):
        """Start the process and wait until it answers; RuntimeError with its log tail if not."""
        if self.running:
            raise RuntimeError(f"{self!r} is already running")
        # Something else answering there would pass the readiness check in our server's place.
        if accepts_connections(self.address):
            raise RuntimeError(f"another process already listens on {self.address}; not starting {self.name}")
        services.require_binary(self.argv[0])
        if self._log is None:
            # Kept open across restarts (so the tail spans them) and closed by stop().
            self._log = tempfile.TemporaryFile(mode="a+b")  # noqa: SIM115
        self._process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_child_setup(),
        )
        _live.add(self)
        self._wait_ready()
        return self

    def kill(self):
        """SIGKILL and reap: a crash, with no shutdown of any kind on the server's side."""
        if self.running:
            self._process.kill()
        self._reap()

    def restart(self):
        """Start the same command again on the same port (stopping it first if it runs)."""
        if self.running:
            self.stop()
        self.start()

    def stop(self):
        """Terminate and reap; kill if it does not exit in time. Safe to call more than once."""
        if self.running:
            self._process.terminate()
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._reap()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self):
        """The end of what the process wrote to stdout and stderr, over all its starts."""
        if self._log is None:
            return ""
        fd = self._log.fileno()
        size = os.fstat(fd).st_size
        # pread leaves the file offset alone: it is shared with the child writing the log.
        start = max(0, size - LOG_TAIL_BYTES)
        return os.pread(fd, size - start, start).decode(errors="replace")

    def _reap(self):
        """Wait for the process so that no zombie is left behind, and forget it."""
        if self._process is not None:
            self._process.wait()
        _live.discard(self)

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready(self.address):
            if not self.running:
                code = self._process.returncode
                self._reap()
                raise RuntimeError(
                    f"{self.name} exited with status {code} before answering on {self.address}:\n"
                    f"{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(
                    f"{self.name} did not answer on {self.address} within {START_TIMEOUT} s:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(POLL_INTERVAL)


@atexit.register
def _stop_all():
    """Stop what the tests left running, even when they failed halfway."""
    for server in list(_live):
        server.stop()


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _child_setup():
    """What runs in the child before exec: on Linux, tie the server's life to this process.

    atexit does not run when pytest (or an xdist worker) is killed; the kernel's parent-death
    signal then kills the servers instead of leaving them orphaned on their ports.
    """
    if _libc is None:
        return None
    return functools.partial(_die_with_parent, os.getpid())


def _die_with_parent(parent_pid):
    _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent_pid:  # the parent died before the signal was arranged
        os._exit(1)


def redis_server(tmp_dir, port=None, extra_args=()):
    """A Redis server (not started yet) on a free port or the given one, persisting nothing.

    tmp_dir is its working directory (an existing one): cluster and sentinel files go there.
    It counts as ready once it answers PING, not merely once its port accepts connections.
    """
    port = port or free_port()
    argv = [
        "redis-server",
        "--port", port,
        "--bind", HOST,
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", Path(tmp_dir).resolve(),
        *extra_args,
    ]  # fmt: skip
    return ServerProcess(argv, port, ready=answers_ping)


def memcached_server(port=None):
    """A Memcached server (not started yet) on a free port or the given one, TCP only."""
    port = port or free_port()
    argv = ["memcached", "-p", port, "-l", HOST, "-U", "0"]
    if os.geteuid() == 0:
        argv += ["-u", "root"]  # memcached refuses to run as root unless told which user to be
    return ServerProcess(argv, port)


@dataclass
class RedisSentinel:
    sentinels: str  # "127.0.0.1:PORT" of the sentinel
    master_name: str
    master: ServerProcess


@contextlib.contextmanager
def redis_sentinel(tmp_dir, master_name):
    """A Redis master watched by one sentinel; yields a RedisSentinel once the sentinel knows it."""
    tmp_dir = Path(tmp_dir).resolve()
    with contextlib.ExitStack() as stack:
        master = stack.enter_context(redis_server(tmp_dir))
        port = free_port()
        # The sentinel rewrites its config file, so each gets its own, in the test's directory.
        config = tmp_dir / f"sentinel-{port}.conf"
        config.write_text(
            f"port {port}\n"
            f"bind {HOST}\n"
            f"sentinel monitor {master_name} {HOST} {master.port} 1\n"
            f"sentinel down-after-milliseconds {master_name} 5000\n"
            f"dir {tmp_dir}\n"
        )
        argv = ["redis-server", config, "--sentinel"]
        sentinel = stack.enter_context(ServerProcess(argv, port, ready=answers_ping))
        _wait_for(
            functools.partial(_sentinel_reports, sentinel.address, master_name, master.address),
            f"the sentinel on {sentinel.address} to report {master_name} at {master.address}",
            SENTINEL_TIMEOUT,
        )
        yield RedisSentinel(sentinel.address, master_name, master)


def _sentinel_reports(sentinel_address, master_name, master_address):
    reply = redis_command(sentinel_address, "SENTINEL", "get-master-addr-by-name", master_name)
    return reply == master_address.rsplit(":", 1)


@dataclass
class RedisCluster:
    nodes: str  # "127.0.0.1:P1,127.0.0.1:P2,..."
    servers: list[ServerProcess]


@contextlib.contextmanager
def redis_cluster(tmp_dir, nodes=3):
    """A Redis Cluster of masters without replicas; yields a RedisCluster once every node is ok."""
    if nodes < 3:
        raise ValueError(f"a Redis Cluster needs at least 3 masters, not {nodes}")
    services.require_binary("redis-cli")  # before any node is started: it creates the cluster
    with contextlib.ExitStack() as stack:
        # One at a time: a running node holds its port and bus port, so the next free_port()
        # cannot hand out either of them.
        servers = [stack.enter_context(_cluster_node(tmp_dir)) for _ in range(nodes)]
        _create_cluster(servers)
        _wait_for(
            lambda: all(_cluster_ok(server.address) for server in servers),
            f"cluster_state:ok on all of {', '.join(s.address for s in servers)}",
            CLUSTER_TIMEOUT,
        )
        yield RedisCluster(",".join(server.address for server in servers), servers)


def _cluster_node(tmp_dir):
    port = free_port(avoid_cluster_bus=True)
    cluster_args = (
        "--cluster-enabled", "yes",
        # Per port: the nodes share tmp_dir, and a restarted node finds its own file again.
        "--cluster-config-file", f"nodes-{port}.conf",
        "--cluster-node-timeout", "5000",
    )  # fmt: skip
    return redis_server(tmp_dir, port, cluster_args)


def _create_cluster(servers):
    argv = ["redis-cli", "--cluster", "create", *(s.address for s in servers)]
    argv += ["--cluster-replicas", "0", "--cluster-yes"]
    result = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=CLUSTER_TIMEOUT
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed with status {result.returncode}:\n{result.stdout}{result.stderr}"
        )


def _cluster_ok(address):
    return "cluster_state:ok" in redis_command(address, "CLUSTER", "INFO").splitlines()


def _wait_for(check, what, timeout):
    """Poll check() until it is true; a refused or failed request only means "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
            last_error = None
        except (OSError, RedisError) as error:
            last_error = error
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}{detail}")
        time.sleep(POLL_INTERVAL)


def accepts_connections(address):
    """Whether something listens on "host:port" now."""
    try:
        with _connect(address, timeout=REQUEST_TIMEOUT):
            return True
    except OSError:
        return False


def answers_ping(address):
    """Whether a Redis server (or sentinel) at address answers PING with PONG.

    An open port is not enough: Redis accepts connections while still loading (-LOADING).
    """
    try:
        return redis_command(address, "PING") == "PONG"
    except (OSError, RedisError):
        return False


def redis_command(address, *args):
    """Send one command to Redis as a RESP array and return its reply, decoded.

    Simple and bulk strings come back as str, integers as int, arrays as lists, nil as None;
    an error reply raises RedisError.
    """
    encoded = [str(arg).encode() for arg in args]
    payload = b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(arg), arg) for arg in encoded)
    with _connect(address) as sock, sock.makefile("rb") as replies:
        sock.sendall(payload)
        return _read_reply(replies)


def _read_reply(replies):
    line = replies.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"connection closed in the middle of a reply: {line!r}")
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return body.decode()
    if kind == b"-":
        raise RedisError(body.decode())
    if kind == b":":
        return int(body)
    if kind == b"$":
        size = int(body)
        return None if size < 0 else replies.read(size + 2)[:-2].decode()
    if kind == b"*":
        count = int(body)
        return None if count < 0 else [_read_reply(replies) for _ in range(count)]
    raise ConnectionError(f"not a RESP reply: {line!r}")


def redis_dbsize(address):
    """The number of keys in the Redis server's current database (DBSIZE)."""
    return redis_command(address, "DBSIZE")


def memcached_stats(address):
    """The output of Memcached's stats command as {name: value}; values stay strings."""
    stats = {}
    with _connect(address) as sock, sock.makefile("rb") as replies:
        sock.sendall(b"stats\r\n")
        for raw in replies:
            line = raw.decode().rstrip("\r\n")
            if line == "END":
                return stats
            if not line.startswith("STAT "):
                raise RuntimeError(f"unexpected line in the stats of {address}: {line!r}")
            _, name, value = line.split(" ", 2)
            stats[name] = value
    raise ConnectionError(f"{address} closed the connection before the end of its stats")


def _connect(address, timeout=REQUEST_TIMEOUT):
    host, _, port = address.rpartition(":")
    return socket.create_connection((host, int(port)), timeout=timeout)
