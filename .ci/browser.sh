#!/usr/bin/env bash
# Make sure a headless Chromium is there for the browser journey test
# (tests/test_browser_journey.py), which drives it through Playwright without
# downloading a browser of its own.
#
# Runs as root on Debian 12. Idempotent: an installed Chromium is left alone;
# a missing one is installed with apt-get. Either way it must then render a page
# headless. Safe to run repeatedly.
#
# Overrides: CHROMIUM_PATH (/usr/bin/chromium), the binary the test launches.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

log() { echo "browser.sh: $*" >&2; }
die() { echo "browser.sh: ERROR: $*" >&2; exit 1; }

if [ -x "$CHROMIUM" ]; then
    log "chromium already installed at $CHROMIUM"
else
    log "apt-get update"
    apt-get update -qq
    log "installing chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    [ -x "$CHROMIUM" ] || die "chromium installed, but $CHROMIUM is not there (set CHROMIUM_PATH)"
fi

# A fresh profile each time, so a leftover lock of an earlier run cannot get in the way.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
dom="$(timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
    --dump-dom about:blank 2>/dev/null)" || die "$CHROMIUM --headless --dump-dom about:blank failed"
[[ $dom == *"<body>"* ]] || die "$CHROMIUM rendered no page: $dom"

log "chromium works headless: $("$CHROMIUM" --version 2>/dev/null)"
