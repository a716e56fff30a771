#!/usr/bin/env bash
# Make sure a Docker engine runs and that the stand-in base image the image test
# builds on (tests/test_container.py) exists.
#
# No image registry is reachable, so python:3.11-slim is built from Debian 12's
# packages with debootstrap: Debian 12's Python is 3.11, which is why the test
# builds with --build-arg PYTHON_VERSION=3.11. The image is kept between runs.
#
# Runs as root on Debian 12. Idempotent. Overrides: BASE_IMAGE (python:3.11-slim),
# DEBIAN_MIRROR (Debian's default mirror), DOCKER_WAIT_SECONDS (60).
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-python:3.11-slim}"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"

log() { echo "docker.sh: $*" >&2; }
die() { echo "docker.sh: ERROR: $*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v dockerd >/dev/null || apt_install docker.io
command -v debootstrap >/dev/null || apt_install debootstrap
# The compose implementation the compose file is checked with (`docker-compose config`).
command -v docker-compose >/dev/null || apt_install docker-compose

if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    mkdir -p /var/log/docker
    # No iptables and no bridge on these machines: containers use --network host.
    nohup dockerd --iptables=false --bridge=none >/var/log/docker/dockerd.log 2>&1 &
    for ((i = 0; i < WAIT_SECONDS; i++)); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || die "dockerd did not answer within ${WAIT_SECONDS}s (see /var/log/docker/dockerd.log)"
fi

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "$BASE_IMAGE already built"
else
    root="$(mktemp -d)"
    trap 'rm -rf "$root"' EXIT
    log "building $BASE_IMAGE from Debian 12 packages (debootstrap)"
    debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
        bookworm "$root" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >/dev/null
    # pip inside the build reaches the package index through the machine's certificates.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
    tar -C "$root" -c . | docker import - "$BASE_IMAGE" >/dev/null
fi

log "docker $(docker version --format '{{.Server.Version}}') runs; base image $BASE_IMAGE is there"
