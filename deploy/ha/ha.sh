#!/usr/bin/env bash
# The local HA stack of docs/scaling.md, on 127.0.0.1 only: one etcd member, two PostgreSQL 15
# nodes under Patroni (synchronous_mode), HAProxy (PostgreSQL read-write on Patroni's /primary
# check; HTTP round-robin over two gunicorn instances of the app).
#
#   deploy/ha/ha.sh up | down | status          (make ha-up / make ha-down / make ha-status)
#   deploy/ha/ha.sh start-node pg1|pg2          (start one Patroni node again, e.g. after a drill killed it)
#   deploy/ha/ha.sh start-app 1|2               (start one app instance again)
#
# Everything lives under HA_DIR (default /tmp/voting-ha): data, configs, logs, PID files and the
# shared secrets (env). `down` stops every process it started, by PID, and removes HA_DIR.
# PostgreSQL and Patroni, etcd and HAProxy run as the system user voting-ha (PostgreSQL refuses
# root); gunicorn runs as the caller. Ports (loopback): see the PORT_* lines below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HA_DIR="${HA_DIR:-/tmp/voting-ha}"
HA_USER="${HA_USER:-voting-ha}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT_ETCD=25379 PORT_ETCD_PEER=25380
PORT_PG1=25432 PORT_PG2=25433 PORT_REST1=25008 PORT_REST2=25009
PORT_HAPROXY_PG=25000 PORT_HAPROXY_HTTP=25080 PORT_HAPROXY_STATS=25404
PORT_APP1=25101 PORT_APP2=25102
ALL_PORTS="$PORT_ETCD $PORT_ETCD_PEER $PORT_PG1 $PORT_PG2 $PORT_REST1 $PORT_REST2 $PORT_HAPROXY_PG $PORT_HAPROXY_HTTP $PORT_HAPROXY_STATS $PORT_APP1 $PORT_APP2"
APP_WORKERS="${HA_APP_WORKERS:-2}"
REDIS_URL="${HA_REDIS_URL:-redis://127.0.0.1:6379/13}"   # not the tests' (0) nor the soak's (11)
RATELIMIT_PREFIX=voting-ha

log() { printf '[ha %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
as_user() { setpriv --reuid="$HA_USER" --regid="$HA_USER" --init-groups -- "$@"; }
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2; shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "timed out after ${limit} s waiting for $what"
        sleep 0.5
    done
}

install_packages() {
    local missing=()
    command -v patroni >/dev/null || missing+=(patroni)
    command -v etcd >/dev/null || missing+=(etcd-server)
    command -v haproxy >/dev/null || missing+=(haproxy)
    [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
    [ -x "$PG_BIN/pg_rewind" ] || missing+=(postgresql-15)
    command -v psql >/dev/null || missing+=(postgresql-client-15)
    command -v curl >/dev/null || missing+=(curl)
    command -v ss >/dev/null || missing+=(iproute2)
    command -v openssl >/dev/null || missing+=(openssl)
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run as root or: apt-get install -y ${missing[*]}"
    log "installing ${missing[*]} from Debian"
    # The packages' own services (etcd on 2379, haproxy) must not start: this stack runs its own.
    local own_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || { [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d; die "apt-get install failed"; }
    [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
}

ensure_user() {
    id "$HA_USER" >/dev/null 2>&1 && return
    [ "$(id -u)" = 0 ] || die "user $HA_USER missing; run as root"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$HA_USER"
}

secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

write_configs() {
    mkdir -p "$HA_DIR"/{etcd,pg1,pg2,haproxy,app1,app2}
    chmod 0711 "$HA_DIR"
    local pw_super pw_repl pw_rewind pw_app
    pw_super=$(secret) pw_repl=$(secret) pw_rewind=$(secret) pw_app=$(secret)
    umask 077
    cat > "$HA_DIR/env" <<ENV
# Shared by both app instances (and read by bench/failover_drill.py): one SECRET_KEY,
# LINK_TOKEN_SECRET and evidence key, or links and signatures differ between instances.
DATABASE_URL=postgresql+psycopg://voting:$pw_app@127.0.0.1:$PORT_HAPROXY_PG/voting
SUPERUSER_URL=postgresql://postgres:$pw_super@127.0.0.1:$PORT_HAPROXY_PG/postgres
SECRET_KEY=$(secret)
LINK_TOKEN_SECRET=$(secret)
EVIDENCE_PRIVATE_KEY_FILE=$HA_DIR/evidence_ed25519.pem
RATELIMIT_STORAGE_URI=$REDIS_URL
RATELIMIT_PREFIX=$RATELIMIT_PREFIX
TRUSTED_PROXIES=1
PUBLIC_BASE_URL=http://127.0.0.1:$PORT_HAPROXY_HTTP
HTTP_URL=http://127.0.0.1:$PORT_HAPROXY_HTTP
APP_URLS="http://127.0.0.1:$PORT_APP1 http://127.0.0.1:$PORT_APP2"
REST_URLS="pg1=http://127.0.0.1:$PORT_REST1 pg2=http://127.0.0.1:$PORT_REST2"
PG_PORTS="pg1=$PORT_PG1 pg2=$PORT_PG2"
HA_DIR=$HA_DIR
ENV
    openssl genpkey -algorithm ed25519 -out "$HA_DIR/evidence_ed25519.pem"
    umask 022

    local node rest pg
    for node in pg1 pg2; do
        if [ $node = pg1 ]; then rest=$PORT_REST1 pg=$PORT_PG1; else rest=$PORT_REST2 pg=$PORT_PG2; fi
        cat > "$HA_DIR/$node/patroni.yml" <<YML
scope: voting-ha
name: $node
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$PORT_ETCD
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # A commit is acknowledged only once the synchronous standby has it, and Patroni promotes
    # only that standby: an acknowledged ballot survives the loss of the primary.
    synchronous_mode: true
    # Not strict: with two nodes, strict mode stops every write while the standby is down
    # (maintenance, the drill's rejoin). Non-strict, the primary runs alone meanwhile and the
    # lagging node is not promotable until it is synchronous again (docs/scaling.md §5).
    synchronous_mode_strict: false
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        synchronous_commit: "on"
        max_connections: 100
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $HA_DIR/$node/data
  bin_dir: $PG_BIN
  pgpass: $HA_DIR/$node/pgpass
  authentication:
    superuser: {username: postgres, password: "$pw_super"}
    replication: {username: replicator, password: "$pw_repl"}
    rewind: {username: rewinder, password: "$pw_rewind"}
  parameters:
    unix_socket_directories: $HA_DIR/$node
    shared_buffers: 128MB
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
YML
    done

    cat > "$HA_DIR/haproxy/haproxy.cfg" <<CFG
global
    maxconn 2000
    pidfile $HA_DIR/haproxy/haproxy.pid

defaults
    log global
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 2s

listen stats
    mode http
    bind 127.0.0.1:$PORT_HAPROXY_STATS
    stats enable
    stats uri /

# PostgreSQL read-write: only the node whose Patroni answers 200 on /primary. When it goes
# down, its sessions are cut so the app's pool reconnects to the new primary.
listen postgres_rw
    mode tcp
    bind 127.0.0.1:$PORT_HAPROXY_PG
    option httpchk OPTIONS /primary
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
    server pg1 127.0.0.1:$PORT_PG1 maxconn 100 check port $PORT_REST1
    server pg2 127.0.0.1:$PORT_PG2 maxconn 100 check port $PORT_REST2

# The service: two stateless gunicorn instances. A request whose connection could not be made
# is retried on the other instance (nothing was sent); a request already sent is never replayed.
frontend http_in
    mode http
    bind 127.0.0.1:$PORT_HAPROXY_HTTP
    option forwardfor
    timeout client 60s
    default_backend app

backend app
    mode http
    balance roundrobin
    option redispatch
    retries 3
    retry-on conn-failure
    timeout server 60s
    # A TCP check: gunicorn's master accepts while its workers are busy, so a saturated instance
    # stays in (an HTTP check queued behind 100 ballots times out and would take both out: 503s);
    # a dead one refuses at once and is out after two checks.
    default-server inter 1s fall 2 rise 2
    server app1 127.0.0.1:$PORT_APP1 check
    server app2 127.0.0.1:$PORT_APP2 check
CFG
    chown -R "$HA_USER:" "$HA_DIR"/{etcd,pg1,pg2,haproxy}
    chmod 0700 "$HA_DIR"/{etcd,pg1,pg2}
}

start_bg() {  # start_bg PIDFILE LOGFILE COMMAND... — in its own session, its PID recorded
    local pidfile=$1 logfile=$2; shift 2
    setsid "$@" >>"$logfile" 2>&1 < /dev/null &
    echo $! > "$pidfile"
}

start_etcd() {
    start_bg "$HA_DIR/etcd/etcd.pid" "$HA_DIR/etcd/etcd.log" \
        setpriv --reuid="$HA_USER" --regid="$HA_USER" --init-groups -- \
        etcd --name ha-etcd --data-dir "$HA_DIR/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$PORT_ETCD" --advertise-client-urls "http://127.0.0.1:$PORT_ETCD" \
        --listen-peer-urls "http://127.0.0.1:$PORT_ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$PORT_ETCD_PEER" \
        --initial-cluster "ha-etcd=http://127.0.0.1:$PORT_ETCD_PEER" --initial-cluster-state new
    wait_for 30 "etcd" curl -fsS "http://127.0.0.1:$PORT_ETCD/health"
}

rest_port() { if [ "$1" = pg1 ]; then echo $PORT_REST1; else echo $PORT_REST2; fi; }

start_node() {
    local node=$1
    alive "$(cat "$HA_DIR/$node/patroni.pid" 2>/dev/null)" && { log "$node: Patroni already running"; return; }
    start_bg "$HA_DIR/$node/patroni.pid" "$HA_DIR/$node/patroni.log" \
        setpriv --reuid="$HA_USER" --regid="$HA_USER" --init-groups -- \
        env -i PATH=/usr/bin:/bin HOME="$HA_DIR/$node" patroni "$HA_DIR/$node/patroni.yml"
    log "$node: Patroni started (PID $(cat "$HA_DIR/$node/patroni.pid"))"
}

role_is() {  # role_is NODE ENDPOINT — 200 from Patroni's /primary, /sync, /replica…
    curl -fsS -o /dev/null "http://127.0.0.1:$(rest_port "$1")/$2"
}

psql_su() { # SQL through HAProxy to the primary, as the cluster's superuser
    local url; url=$(grep '^SUPERUSER_URL=' "$HA_DIR/env" | cut -d= -f2-)
    psql "$url" -v ON_ERROR_STOP=1 -qAt "$@"
}

load_env() { set -a; . "$HA_DIR/env"; set +a; }

start_app() {
    local n=$1 port pidfile
    port=$([ "$n" = 1 ] && echo $PORT_APP1 || echo $PORT_APP2)
    pidfile="$HA_DIR/app$n/gunicorn.pid"
    alive "$(cat "$pidfile" 2>/dev/null)" && { log "app$n already running"; return; }
    (
        load_env
        cd "$ROOT"
        start_bg "$pidfile" "$HA_DIR/app$n/gunicorn.log" \
            "$ROOT/.venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers "$APP_WORKERS" \
            --log-level warning --graceful-timeout 10 --chdir "$ROOT" \
            "voting.app:create_app({'RATELIMIT_KEY_PREFIX': '$RATELIMIT_PREFIX'})"
    )
    wait_for 60 "app$n on $port" curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json"
    log "app$n: gunicorn on 127.0.0.1:$port (PID $(cat "$pidfile"))"
}

up() {
    [ ! -e "$HA_DIR/env" ] || die "$HA_DIR exists: the stack is up, or was not taken down (make ha-down)"
    [ -x "$ROOT/.venv/bin/gunicorn" ] || die "no $ROOT/.venv (make install)"
    install_packages
    ensure_user
    local p; for p in $ALL_PORTS; do ! port_busy "$p" || die "port $p is in use"; done
    local t0=$SECONDS
    # Tested with Debian 12's patroni 3.0.2-1, etcd-server 3.4.23-4+b4, haproxy 2.6.12-1+deb12u4, postgresql-15 15.20.
    log "versions: $(patroni --version), etcd $(etcd --version | awk 'NR==1{print $3}'), $(haproxy -v | awk 'NR==1{print $1, $3}'), $("$PG_BIN/postgres" --version)"
    write_configs
    start_etcd
    start_node pg1
    wait_for 90 "pg1 to lead" role_is pg1 primary
    start_node pg2
    wait_for 120 "pg2 to become the synchronous standby" role_is pg2 sync
    ( exec haproxy -v >/dev/null )
    start_bg "$HA_DIR/haproxy/haproxy.pid.run" "$HA_DIR/haproxy/haproxy.log" \
        setpriv --reuid="$HA_USER" --regid="$HA_USER" --init-groups -- haproxy -db -f "$HA_DIR/haproxy/haproxy.cfg"
    wait_for 30 "HAProxy to route to the primary" psql_su -c "SELECT 1"
    load_env
    local pw_app; pw_app=$(python3 -c 'import sys; from urllib.parse import urlsplit; print(urlsplit(sys.argv[1]).password)' "$DATABASE_URL")
    psql_su -c "CREATE ROLE voting LOGIN PASSWORD '$pw_app'" -c "CREATE DATABASE voting OWNER voting"
    (cd "$ROOT" && .venv/bin/flask --app wsgi db upgrade >"$HA_DIR/migrate.log" 2>&1) || die "migration failed; see $HA_DIR/migrate.log"
    start_app 1
    start_app 2
    wait_for 30 "HAProxy to route HTTP" curl -fsS -o /dev/null "http://127.0.0.1:$PORT_HAPROXY_HTTP/api/v1/openapi.json"
    log "up in $((SECONDS - t0)) s: HTTP http://127.0.0.1:$PORT_HAPROXY_HTTP, PostgreSQL (read-write) 127.0.0.1:$PORT_HAPROXY_PG, stats http://127.0.0.1:$PORT_HAPROXY_STATS"
    status
}

stop_pid() {  # stop_pid PID NAME — SIGTERM, then SIGKILL after 20 s
    local pid=$1 name=$2 i
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do alive "$pid" || { log "stopped $name ($pid)"; return 0; }; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    log "killed $name ($pid) after 20 s"
}

children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }

postmaster_pid() { head -1 "$HA_DIR/$1/data/postmaster.pid" 2>/dev/null || true; }

down() {
    [ -d "$HA_DIR" ] || { log "nothing to stop: $HA_DIR does not exist"; return 0; }
    local n pid workers node pm
    for n in 1 2; do
        pid=$(cat "$HA_DIR/app$n/gunicorn.pid" 2>/dev/null || true)
        workers=$(alive "$pid" && children_of "$pid" || true)
        stop_pid "$pid" "app$n gunicorn"
        for w in $workers; do stop_pid "$w" "app$n worker"; done
    done
    stop_pid "$(cat "$HA_DIR/haproxy/haproxy.pid.run" 2>/dev/null || true)" haproxy
    for node in pg2 pg1; do
        stop_pid "$(cat "$HA_DIR/$node/patroni.pid" 2>/dev/null || true)" "$node Patroni"
        pm=$(postmaster_pid $node)  # Patroni stops its postmaster; one orphaned by a kill -9 of Patroni is ours too
        if alive "$pm" && [ "$(ps -o user= -p "$pm")" = "$HA_USER" ]; then
            kill -INT "$pm" 2>/dev/null || true
            stop_pid "$pm" "$node postmaster"
        fi
    done
    stop_pid "$(cat "$HA_DIR/etcd/etcd.pid" 2>/dev/null || true)" etcd
    if command -v redis-cli >/dev/null; then
        local db=${REDIS_URL##*/}
        redis-cli -n "$db" --scan --pattern "*/$RATELIMIT_PREFIX/*" | xargs -r redis-cli -n "$db" del >/dev/null || true
    fi
    local left=""; for p in $ALL_PORTS; do ! port_busy "$p" || left="$left $p"; done
    [ -z "$left" ] || die "ports still in use:$left (kept $HA_DIR for inspection)"
    if [ -n "${HA_KEEP:-}" ]; then log "kept $HA_DIR"; else rm -rf "$HA_DIR"; log "removed $HA_DIR"; fi
}

status() {
    [ -e "$HA_DIR/env" ] || { echo "down"; return 0; }
    patronictl -c "$HA_DIR/pg1/patroni.yml" list 2>/dev/null || true
    local n; for n in 1 2; do
        pid=$(cat "$HA_DIR/app$n/gunicorn.pid" 2>/dev/null || true)
        echo "app$n: $(alive "$pid" && echo "running (PID $pid)" || echo stopped)"
    done
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    start-node) start_node "${2:?pg1 or pg2}" ;;
    start-app) start_app "${2:?1 or 2}" ;;
    *) echo "usage: $0 up|down|status|start-node pg1|pg2|start-app 1|2" >&2; exit 2 ;;
esac
