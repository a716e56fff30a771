#!/usr/bin/env bash
# Make sure the backing services used by the generated-project tests answer on
# loopback: Redis, PostgreSQL, MariaDB, Memcached, Memcached with SASL and RabbitMQ
# (the broker of the Celery bakes, guest/guest).
#
# Runs as root on Debian 12. Idempotent: a service that already answers is left
# alone; anything missing is installed with apt-get and started in the
# background (no systemd needed). Safe to run repeatedly.
#
# Overrides: REDIS_PORT (6379), MEMCACHED_PORT (11211),
# MEMCACHED_SASL_PORT (11212), MEMCACHED_SASL_USERNAME (forge),
# MEMCACHED_SASL_PASSWORD (forge-secret), SERVICE_WAIT_SECONDS (30).
set -euo pipefail

HOST=127.0.0.1
REDIS_PORT="${REDIS_PORT:-6379}"
POSTGRES_PORT=5432
MARIADB_PORT=3306
MEMCACHED_PORT="${MEMCACHED_PORT:-11211}"
MEMCACHED_SASL_PORT="${MEMCACHED_SASL_PORT:-11212}"
RABBITMQ_PORT="${RABBITMQ_PORT:-5672}"
SASL_USER="${MEMCACHED_SASL_USERNAME:-forge}"
SASL_PASSWORD="${MEMCACHED_SASL_PASSWORD:-forge-secret}"
SASL_DIR=/var/lib/flask-forge-sasl
WAIT_SECONDS="${SERVICE_WAIT_SECONDS:-30}"

log() { echo "services.sh: $*" >&2; }
die() { echo "services.sh: ERROR: $*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- probes (bash /dev/tcp, python3 only for the binary SASL handshake) -------

tcp_open() { # port
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

redis_up() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$REDIS_PORT; printf 'PING\r\n' >&3; read -r l <&3; [[ \$l == +PONG* ]]" 2>/dev/null
}

rabbitmq_up() { # the server answers the AMQP 0-9-1 header with its Connection.Start
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$RABBITMQ_PORT; printf 'AMQP\x00\x00\x09\x01' >&3; head -c 1 <&3 | grep -q ." 2>/dev/null
}

memcached_up() { # ascii protocol
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$MEMCACHED_PORT; printf 'version\r\n' >&3; read -r l <&3; [[ \$l == VERSION* ]]" 2>/dev/null
}

postgres_up() {
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h "$HOST" -p "$POSTGRES_PORT" -t 2
    else
        tcp_open "$POSTGRES_PORT"
    fi
}

mariadb_up() { tcp_open "$MARIADB_PORT"; } # server speaks first; open is enough

# Binary-protocol SASL PLAIN auth, then set/get a key. Exit 0 = ok,
# 1 = auth rejected, 2 = not answering / protocol error.
sasl_check() { # user password
    python3 - "$HOST" "$MEMCACHED_SASL_PORT" "$1" "$2" <<'PY'
import socket, struct, sys
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def req(s, op, key=b"", val=b"", extras=b""):
    s.sendall(struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), 0, 0,
                          len(key) + len(extras) + len(val), 0, 0) + extras + key + val)
    hdr = b""
    while len(hdr) < 24:
        chunk = s.recv(24 - len(hdr))
        if not chunk:
            raise OSError("connection closed")
        hdr += chunk
    magic, _, _, elen, _, status, blen = struct.unpack(">BBHBBHI", hdr[:12])
    body = b""
    while len(body) < blen:
        chunk = s.recv(blen - len(body))
        if not chunk:
            raise OSError("connection closed")
        body += chunk
    if magic != 0x81:
        raise OSError("bad magic")
    return status, body[elen:]
try:
    s = socket.create_connection((host, port), timeout=2)
    status, _ = req(s, 0x21, b"PLAIN", b"\0" + user.encode() + b"\0" + pw.encode())
    if status == 0x20:
        sys.exit(1)
    if status != 0:
        sys.exit(2)
    if req(s, 0x01, b"flask-forge-ci", b"ok", struct.pack(">II", 0, 60))[0] != 0:
        sys.exit(2)
    status, val = req(s, 0x00, b"flask-forge-ci")
    sys.exit(0 if status == 0 and val == b"ok" else 2)
except OSError:
    sys.exit(2)
PY
}

memcached_sasl_up() {
    if command -v python3 >/dev/null; then
        local rc=0
        sasl_check "$SASL_USER" "$SASL_PASSWORD" || rc=$?
        # rc=1 means "answering, but rejects our credentials": report that as
        # up here; the final verification step explains the problem.
        [ "$rc" -ne 2 ]
    else
        tcp_open "$MEMCACHED_SASL_PORT"
    fi
}

wait_for() { # name probe-function port
    local i
    for ((i = 0; i < WAIT_SECONDS; i++)); do
        "$2" && return 0
        sleep 1
    done
    die "$1 did not come up on $HOST:$3 within ${WAIT_SECONDS}s"
}

memcache_user() {
    if id memcache >/dev/null 2>&1; then echo memcache; else echo nobody; fi
}

# --- Redis ---------------------------------------------------------------------

ensure_redis() {
    if redis_up; then log "redis already up on $HOST:$REDIS_PORT"; return; fi
    command -v redis-server >/dev/null || apt_install redis-server
    if redis_up; then return; fi # the package may have started it
    mkdir -p /var/lib/redis /var/log/redis
    log "starting redis on $HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ||
        die "redis failed to start on $HOST:$REDIS_PORT"
}

# --- RabbitMQ ------------------------------------------------------------------

ensure_rabbitmq() {
    if rabbitmq_up; then log "rabbitmq already up on $HOST:$RABBITMQ_PORT"; return; fi
    command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
    if rabbitmq_up; then return; fi # the package may have started it
    log "starting rabbitmq on $HOST:$RABBITMQ_PORT"
    # guest/guest may log in from loopback only, which is where the tests connect from.
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
        rabbitmq-server -detached >/dev/null 2>&1 || die "rabbitmq failed to start on $HOST:$RABBITMQ_PORT"
}

# --- PostgreSQL ----------------------------------------------------------------

newest_subdir() { # dir -> name of its highest-versioned subdirectory, or ""
    find "$1" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n 1 || true
}

postgres_cluster() { # prints "<version> main"
    local version
    version="$(newest_subdir /etc/postgresql)"
    if [ -z "$version" ]; then
        version="$(newest_subdir /usr/lib/postgresql)"
        pg_createcluster "$version" main >/dev/null
    fi
    echo "$version main"
}

postgres_login_ok() {
    ! command -v psql >/dev/null ||
        psql -w -h "$HOST" -p "$POSTGRES_PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
    if postgres_up; then log "postgresql already up on $HOST:$POSTGRES_PORT"; return; fi
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    if postgres_up; then return; fi
    local cluster hba
    read -r -a cluster <<<"$(postgres_cluster)"
    log "starting postgresql ${cluster[0]}/${cluster[1]}"
    # (The package's own init script may have started it meanwhile.)
    pg_ctlcluster "${cluster[@]}" status >/dev/null 2>&1 ||
        pg_ctlcluster --skip-systemctl-redirect "${cluster[@]}" start ||
        die "postgresql ${cluster[0]}/${cluster[1]} failed to start"
    wait_for postgresql postgres_up "$POSTGRES_PORT"
    # We started it, so make sure postgres may log in over TCP without a
    # password. First matching pg_hba line wins, so prepend trust rules.
    if ! postgres_login_ok; then
        hba="/etc/postgresql/${cluster[0]}/${cluster[1]}/pg_hba.conf"
        log "enabling trust auth for loopback TCP in $hba"
        sed -i '1i host all all 127.0.0.1/32 trust # flask-forge-ci\nhost all all ::1/128 trust # flask-forge-ci' "$hba"
        pg_ctlcluster --skip-systemctl-redirect "${cluster[@]}" reload
    fi
}

# --- MariaDB -------------------------------------------------------------------

mariadb_login_ok() {
    mariadb --protocol=tcp -h "$HOST" -P "$MARIADB_PORT" -uroot -e 'select 1' >/dev/null 2>&1
}

ensure_mariadb() {
    if mariadb_up; then log "mariadb already up on $HOST:$MARIADB_PORT"; return; fi
    [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
    if mariadb_up; then return; fi
    install -d -o mysql -g mysql -m 0755 /run/mysqld
    if [ ! -d /var/lib/mysql/mysql ]; then
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    fi
    log "starting mariadb"
    # mariadbd starts as root and drops to the mysql user itself (--user).
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql ||
        die "mariadb failed to start"
    wait_for mariadb mariadb_up "$MARIADB_PORT"
    # We started it, so make sure root may log in over TCP with no password
    # (Debian's default is unix_socket only). OS root gets in via the socket.
    local i
    for ((i = 0; i < 10; i++)); do mariadb_login_ok && return; sleep 1; done
    log "allowing root@localhost/127.0.0.1/::1 with an empty password"
    mariadb --protocol=socket -uroot <<'SQL'
ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
CREATE USER IF NOT EXISTS root@'::1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO root@'::1' WITH GRANT OPTION;
SQL
}

# --- Memcached (plain and SASL) -------------------------------------------------

ensure_memcached() {
    if memcached_up; then log "memcached already up on $HOST:$MEMCACHED_PORT"; return; fi
    command -v memcached >/dev/null || apt_install memcached
    if memcached_up; then return; fi
    log "starting memcached on $HOST:$MEMCACHED_PORT"
    # If this fails, the package's init script may have just started one.
    memcached -d -u "$(memcache_user)" -l "$HOST" -p "$MEMCACHED_PORT" -m 64 || memcached_up ||
        die "memcached failed to start on $HOST:$MEMCACHED_PORT"
}

ensure_memcached_sasl() {
    if memcached_sasl_up; then log "memcached-sasl already up on $HOST:$MEMCACHED_SASL_PORT"; return; fi
    local pkgs=()
    command -v memcached >/dev/null || pkgs+=(memcached)
    command -v saslpasswd2 >/dev/null || pkgs+=(sasl2-bin)
    dpkg-query -W -f='${Status}' libsasl2-modules 2>/dev/null | grep -q 'ok installed' ||
        pkgs+=(libsasl2-modules)
    [ "${#pkgs[@]}" = 0 ] || apt_install "${pkgs[@]}"

    local user
    user="$(memcache_user)"
    install -d -o root -g "$(id -gn "$user")" -m 0750 "$SASL_DIR"
    # memcached passes gethostname() (= uname -n) as the SASL realm and looks
    # up "user@realm"; saslpasswd2 may default to the FQDN, so pin the realm.
    # Build the db next to the live one and swap it in, so an instance on
    # another port that shares it never sees a half-written file.
    rm -f "$SASL_DIR/sasldb2.new"
    saslpasswd2 -a memcached -c -u "$(uname -n)" -f "$SASL_DIR/sasldb2.new" -p <<<"$SASL_PASSWORD" "$SASL_USER"
    printf 'mech_list: plain\nsasldb_path: %s\n' "$SASL_DIR/sasldb2" >"$SASL_DIR/memcached.conf"
    chgrp "$(id -gn "$user")" "$SASL_DIR/sasldb2.new" "$SASL_DIR/memcached.conf"
    chmod 0640 "$SASL_DIR/sasldb2.new" "$SASL_DIR/memcached.conf"
    mv -f "$SASL_DIR/sasldb2.new" "$SASL_DIR/sasldb2"
    log "starting memcached with SASL on $HOST:$MEMCACHED_SASL_PORT"
    SASL_CONF_PATH="$SASL_DIR" memcached -d -S -u "$user" -l "$HOST" -p "$MEMCACHED_SASL_PORT" -m 64 ||
        die "memcached-sasl failed to start on $HOST:$MEMCACHED_SASL_PORT"
}

# The template tests also start throwaway servers from these binaries
# (Sentinel, Cluster, crash and restart; nginx in front of a bake's gunicorn,
# tests/test_reverse_proxy.py): make sure every one is installed.
ensure_server_binaries() {
    command -v redis-cli >/dev/null || apt_install redis-tools
    command -v redis-server >/dev/null || apt_install redis-server
    command -v memcached >/dev/null || apt_install memcached
    # /usr/sbin/nginx: not on every PATH. The tests run it on a port of their own, with
    # their own configuration; the package's service is not needed.
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
}

# --- main ----------------------------------------------------------------------

ensure_redis
ensure_server_binaries
ensure_postgres
ensure_mariadb
ensure_memcached
ensure_memcached_sasl
ensure_rabbitmq

wait_for redis redis_up "$REDIS_PORT"
wait_for postgresql postgres_up "$POSTGRES_PORT"
wait_for mariadb mariadb_up "$MARIADB_PORT"
wait_for memcached memcached_up "$MEMCACHED_PORT"
wait_for memcached-sasl memcached_sasl_up "$MEMCACHED_SASL_PORT"
WAIT_SECONDS=$((WAIT_SECONDS * 2)) wait_for rabbitmq rabbitmq_up "$RABBITMQ_PORT" # Erlang starts slowly

if command -v python3 >/dev/null; then
    rc=0
    sasl_check "$SASL_USER" "$SASL_PASSWORD" || rc=$?
    [ "$rc" = 0 ] || die "memcached-sasl on $HOST:$MEMCACHED_SASL_PORT rejects $SASL_USER (rc=$rc)"
    rc=0
    sasl_check "$SASL_USER" "wrong-$SASL_PASSWORD" || rc=$?
    [ "$rc" = 1 ] || die "memcached-sasl on $HOST:$MEMCACHED_SASL_PORT accepts a wrong password"
fi
postgres_login_ok || die "postgresql on $HOST:$POSTGRES_PORT refuses user postgres without a password"
! command -v mariadb >/dev/null || mariadb_login_ok ||
    die "mariadb on $HOST:$MARIADB_PORT refuses root with an empty password"

log "all services up: redis:$REDIS_PORT postgresql:$POSTGRES_PORT mariadb:$MARIADB_PORT" \
    "memcached:$MEMCACHED_PORT memcached-sasl:$MEMCACHED_SASL_PORT rabbitmq:$RABBITMQ_PORT"
