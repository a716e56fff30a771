#!/usr/bin/env bash
# Install what benchmarks/page_throughput.py uses: wrk, the load generator it uses
# when it is on PATH (without it the benchmark falls back to a slower Python client),
# and nginx, for the row of nginx serving the cached home page (skipped without it).
# Not run by .ci/run: the benchmark is not part of CI.
#
# Runs as root on Debian 12. Idempotent: what is installed is left alone.
set -euo pipefail

log() { echo "benchmark-tools.sh: $*" >&2; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" = 0 ]; then
    log "wrk and nginx already installed"
    exit 0
fi
log "apt-get update"
apt-get update -qq
log "installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v wrk >/dev/null || { echo "benchmark-tools.sh: ERROR: wrk is not on PATH" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "benchmark-tools.sh: ERROR: nginx is not installed" >&2; exit 1; }
