"""The throwaway servers: they answer, count, crash, come back on their port, and leave nothing behind."""

import os
import select
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from . import services
from .template import TEMPLATE_DIR
from .throwaway_servers import (
    ServerProcess,
    free_port,
    memcached_server,
    memcached_stats,
    redis_cluster,
    redis_command,
    redis_dbsize,
    redis_sentinel,
    redis_server,
)

# A bound on waits for an exit that comes at once, or never: the test fails after it.
EXIT_TIMEOUT = 60.0


def exchange(address, payload, end=b"\r\n"):
    """Send raw bytes and read until the reply ends with end: checks the servers, not our client."""
    host, _, port = address.rpartition(":")
    reply = b""
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        sock.sendall(payload)
        while not reply.endswith(end):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply


def reachable(address):
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def process_state(pid):
    """The process's state letter ("Z": a zombie nobody reaped yet), or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def redis_cli(port, *args):
    services.require_binary("redis-cli")
    result = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return result.stdout.strip()


def test_free_port_leaves_room_for_the_cluster_bus():
    for _ in range(20):
        port = free_port(avoid_cluster_bus=True)
        assert port <= 55535
        for candidate in (port, port + 10000):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", candidate))


def crash_and_restart(server):
    """SIGKILL the server, check it is gone, start it again on the same port."""
    crashed = server.pid
    server.kill()
    assert not reachable(server.address)
    assert process_state(crashed) is None
    server.restart()
    assert server.pid != crashed


def test_redis_server_counts_keys_crashes_and_restarts_on_its_port(tmp_path):
    with redis_server(tmp_path) as server:
        assert server.address == f"127.0.0.1:{server.port}"
        assert exchange(server.address, b"PING\r\n") == b"+PONG\r\n"
        assert redis_dbsize(server.address) == 0
        assert exchange(server.address, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n") == b"+OK\r\n"
        assert redis_dbsize(server.address) == 1
        assert redis_command(server.address, "GET", "k") == "v"

        crash_and_restart(server)
        assert exchange(server.address, b"PING\r\n") == b"+PONG\r\n"
        assert redis_dbsize(server.address) == 0  # a new process, and nothing was persisted
        last = server.pid
    assert not reachable(server.address)
    assert process_state(last) is None


def test_memcached_counts_items_crashes_and_restarts_on_its_port():
    with memcached_server() as server:
        assert memcached_stats(server.address)["curr_items"] == "0"
        assert exchange(server.address, b"set k 0 0 1\r\nv\r\n") == b"STORED\r\n"
        assert memcached_stats(server.address)["curr_items"] == "1"
        assert exchange(server.address, b"get k\r\n", end=b"END\r\n") == b"VALUE k 0 1\r\nv\r\nEND\r\n"

        crash_and_restart(server)
        assert memcached_stats(server.address)["curr_items"] == "0"
        last = server.pid
    assert not reachable(server.address)
    assert process_state(last) is None


def test_sentinel_reports_its_master(tmp_path):
    with redis_sentinel(tmp_path, master_name="forge-master") as setup:
        port = int(setup.sentinels.rpartition(":")[2])
        assert setup.sentinels == f"127.0.0.1:{port}"
        assert setup.master_name == "forge-master"
        reply = redis_cli(port, "SENTINEL", "get-master-addr-by-name", "forge-master")
        assert reply.splitlines() == ["127.0.0.1", str(setup.master.port)]
        assert redis_dbsize(setup.master.address) == 0
        addresses = [setup.sentinels, setup.master.address]
    assert not any(reachable(address) for address in addresses)


def test_cluster_is_ok_on_every_node_and_redirects(tmp_path):
    with redis_cluster(tmp_path) as cluster:
        assert len(cluster.servers) == 3
        assert cluster.nodes == ",".join(f"127.0.0.1:{server.port}" for server in cluster.servers)
        for server in cluster.servers:
            info = redis_cli(server.port, "CLUSTER", "INFO").splitlines()
            assert "cluster_state:ok" in info
            assert "cluster_slots_assigned:16384" in info
        first, second, _ = cluster.servers
        assert redis_cli(first.port, "-c", "SET", "some-key", "v") == "OK"
        assert redis_cli(second.port, "-c", "GET", "some-key") == "v"
        # The key lives on exactly one node.
        assert sorted(redis_dbsize(server.address) for server in cluster.servers) == [0, 0, 1]
        addresses = [server.address for server in cluster.servers]
    assert not any(reachable(address) for address in addresses)


def test_a_server_that_exits_at_startup_reports_its_output():
    port = free_port()
    server = ServerProcess(["redis-server", "--port", port, "--no-such-directive", "x"], port)
    with pytest.raises(RuntimeError, match=r"exited with status \d+(.|\n)*no-such-directive"):
        server.start()
    assert process_state(server.pid) is None
    server.stop()


def test_a_taken_port_is_not_mistaken_for_the_server():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(RuntimeError, match="already listens"):
            memcached_server(port).start()


def exit_of(pid):
    """A pidfd of process pid, readable once the process has exited (closing its sockets),
    whoever its parent: a wait on the exit itself, not on a deadline guessed for it."""
    if not hasattr(os, "pidfd_open"):
        services.missing("os.pidfd_open (Linux 5.3 or later) is needed to wait for a process")
    return os.pidfd_open(pid)


def wait_for_exit(pidfd, what):
    readable, _, _ = select.select([pidfd], [], [], EXIT_TIMEOUT)
    assert readable, f"{what} was still running after {EXIT_TIMEOUT} s"


@pytest.mark.parametrize("ending", ["exit", "sigkill"])
def test_no_server_outlives_its_python_process(ending):
    """Servers left running are stopped at exit, and killed with their parent if it is killed."""
    services.require_binary("memcached")  # here: the child would only die of a missing one
    # The child keeps its server until the test has seen it answer: it waits for its stdin
    # to close, then exits (or is killed while it waits).
    script = textwrap.dedent(
        """
        import sys
        from tests.throwaway_servers import memcached_server
        server = memcached_server().start()
        print(server.pid, server.address, flush=True)
        sys.stdin.read()
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=TEMPLATE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pid, address = parent.stdout.readline().split()
        server_exit = exit_of(int(pid))  # the server runs until the child goes on
        try:
            assert reachable(address)
            if ending == "sigkill":
                parent.kill()
            else:
                parent.stdin.close()
            parent.wait(timeout=EXIT_TIMEOUT)
            wait_for_exit(server_exit, f"memcached (pid {pid})")
        finally:
            os.close(server_exit)
        assert not reachable(address)
        assert process_state(int(pid)) in {None, "Z"}  # reaping orphans is up to init
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        if not parent.stdin.closed:
            parent.stdin.close()
