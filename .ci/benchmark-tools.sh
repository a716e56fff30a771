#!/usr/bin/env bash
# Install wrk, the load generator benchmarks/page_throughput.py uses when it is on
# PATH (without it the benchmark falls back to a slower Python client). Not run by
# .ci/run: the benchmark is not part of CI.
#
# Runs as root on Debian 12. Idempotent: an installed wrk is left alone.
set -euo pipefail

log() { echo "benchmark-tools.sh: $*" >&2; }

if command -v wrk >/dev/null; then
    log "wrk already installed at $(command -v wrk)"
    exit 0
fi
log "apt-get update"
apt-get update -qq
log "installing wrk"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
command -v wrk >/dev/null || { echo "benchmark-tools.sh: ERROR: wrk is not on PATH" >&2; exit 1; }
