"""Memory of gunicorn's workers, from /proc (Linux): RSS, and PSS, which splits each shared
page between the processes that map it. MB here are 2**20 bytes (/proc counts kB of 1024)."""

import statistics
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class WorkerMemory:
    workers: int
    rss_mb: float
    pss_mb: float
    master_pss_mb: float | None  # with a preloaded app, the master holds the app too


def parent_pid(pid_dir):
    # The command name in field 2 may hold spaces and parentheses: split after the last ")".
    stat = (pid_dir / "stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def worker_pids(master_pid):
    """gunicorn's workers are the master's children."""
    children = []
    for pid_dir in PROC.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            if parent_pid(pid_dir) == master_pid:
                children.append(int(pid_dir.name))
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
    return sorted(children)


def rollup_kb(pid):
    fields = {}
    for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    return fields


def master_pss_mb(master_pid):
    try:
        return rollup_kb(master_pid)["Pss"] / 1024
    except OSError:
        return None


def worker_memory(master_pid):
    """Median RSS and PSS over the workers, or None where /proc cannot tell."""
    rollups = []
    for pid in worker_pids(master_pid):
        try:
            rollups.append(rollup_kb(pid))
        except OSError:
            continue
    if not rollups:
        return None
    return WorkerMemory(
        workers=len(rollups),
        rss_mb=statistics.median(r["Rss"] for r in rollups) / 1024,
        pss_mb=statistics.median(r["Pss"] for r in rollups) / 1024,
        master_pss_mb=master_pss_mb(master_pid),
    )
