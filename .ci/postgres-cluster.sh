# A throwaway PostgreSQL cluster for the team-store tests. Sourced by .ci/run (bash):
#
#     source .ci/postgres-cluster.sh
#     pg_cluster_start
#     trap pg_cluster_stop EXIT
#
# pg_cluster_start installs PostgreSQL when this machine lacks it, creates a cluster in a temporary directory,
# starts it on a free loopback port with trust authentication, and exports WARROOM_TEST_POSTGRES_URL. One role,
# warroom_password_test, must give a password: the store's tests check how a wrong one is reported. The server
# also accepts TLS, with a certificate for localhost and 127.0.0.1 from a throw-away CA; WARROOM_TEST_POSTGRES_TLS
# names the directory holding that CA (ca.crt) and another one that did not sign it (other-ca.crt).
# Calling it again while its cluster runs changes nothing; pg_cluster_stop stops the cluster and removes it.

PG_CLUSTER_DIR="${PG_CLUSTER_DIR:-}"

# Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/VERSION/bin.
_pg_cluster_find_binaries() {
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
    local bin
    for bin in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then
            export PATH="$bin:$PATH"
            return 0
        fi
    done
    return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root (initdb and the server refuse root),
# else ourselves.
_pg_cluster_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        local quoted
        printf -v quoted '%q ' "$@"
        # From /: the server must not start in a directory its user cannot read (such as root's home).
        (cd / && su postgres -s /bin/bash -c "PATH=$(printf '%q' "$PATH") $quoted")
    else
        "$@"
    fi
}

pg_cluster_start() {
    if [ -n "$PG_CLUSTER_DIR" ] && [ -n "${WARROOM_TEST_POSTGRES_URL:-}" ] \
        && _pg_cluster_as_owner pg_ctl -D "$PG_CLUSTER_DIR/data" status >/dev/null 2>&1; then
        return 0
    fi

    local missing=()
    _pg_cluster_find_binaries || missing+=(postgresql)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
        # The package may start a cluster of its own on 5432; ours runs beside it, so stop that one.
        command -v pg_ctlcluster >/dev/null 2>&1 && service postgresql stop >/dev/null 2>&1 || true
        _pg_cluster_find_binaries || { echo "pg_cluster_start: no initdb after installing postgresql" >&2; return 1; }
    fi

    # In /tmp, not $TMPDIR: the postgres user must reach it, and the socket path must stay short.
    PG_CLUSTER_DIR="$(mktemp -d /tmp/warroom-pg.XXXXXX)" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        chown postgres: "$PG_CLUSTER_DIR"
    fi
    chmod 700 "$PG_CLUSTER_DIR"

    _pg_cluster_as_owner initdb -D "$PG_CLUSTER_DIR/data" -E UTF8 --locale=C.UTF-8 -U postgres --auth=trust \
        >"$PG_CLUSTER_DIR/initdb.log" 2>&1 \
        || { cat "$PG_CLUSTER_DIR/initdb.log" >&2; pg_cluster_stop; return 1; }
    # pg_hba.conf takes the first matching line.
    _pg_cluster_as_owner sed -i '1i host all warroom_password_test 127.0.0.1/32 scram-sha-256' \
        "$PG_CLUSTER_DIR/data/pg_hba.conf" || { pg_cluster_stop; return 1; }

    _pg_cluster_make_certificates "$PG_CLUSTER_DIR/tls" >"$PG_CLUSTER_DIR/tls.log" 2>&1 \
        || { cat "$PG_CLUSTER_DIR/tls.log" >&2; pg_cluster_stop; return 1; }

    # Another process may take the port between the probe and the server's bind: try a few. The suites run many
    # stores at once (a console holds two connections), more than the default 100 connections.
    local port attempt
    for attempt in 1 2 3 4 5; do
        port="$(_pg_cluster_free_port)"
        if _pg_cluster_as_owner pg_ctl -D "$PG_CLUSTER_DIR/data" -w -t 30 -l "$PG_CLUSTER_DIR/log" \
            -o "-k $PG_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -p $port -c ssl=on \
                -c ssl_cert_file=$PG_CLUSTER_DIR/tls/server.crt -c ssl_key_file=$PG_CLUSTER_DIR/tls/server.key" \
            start >/dev/null; then
            export WARROOM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
            export WARROOM_TEST_POSTGRES_TLS="$PG_CLUSTER_DIR/tls"
            export PG_CLUSTER_DIR
            echo "PostgreSQL test cluster on 127.0.0.1:$port ($PG_CLUSTER_DIR)"
            return 0
        fi
    done
    cat "$PG_CLUSTER_DIR/log" >&2
    pg_cluster_stop
    return 1
}

pg_cluster_stop() {
    [ -n "$PG_CLUSTER_DIR" ] || return 0
    if [ -f "$PG_CLUSTER_DIR/data/postmaster.pid" ]; then
        _pg_cluster_as_owner pg_ctl -D "$PG_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_CLUSTER_DIR"
    PG_CLUSTER_DIR=""
    unset WARROOM_TEST_POSTGRES_URL WARROOM_TEST_POSTGRES_TLS
}

# A port nothing listens on: the kernel's pick when python3 is there, else a random one no connection answers on.
_pg_cluster_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    while true; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# A CA, a server certificate it signs for localhost and 127.0.0.1, and a second CA that signs nothing. Owned by the
# cluster's owner: the server refuses a key others can read.
_pg_cluster_make_certificates() {
    local dir="$1"
    _pg_cluster_as_owner mkdir -m 700 "$dir" || return 1
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    _pg_cluster_as_owner openssl req -x509 "${ec[@]}" -days 3 -subj "/CN=warroom test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" || return 1
    _pg_cluster_as_owner openssl req -x509 "${ec[@]}" -days 3 -subj "/CN=warroom other CA" \
        -keyout "$dir/other-ca.key" -out "$dir/other-ca.crt" || return 1
    _pg_cluster_as_owner openssl req "${ec[@]}" -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" \
        || return 1
    _pg_cluster_as_owner bash -c "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > '$dir/san.ext'" || return 1
    _pg_cluster_as_owner openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 3 -extfile "$dir/san.ext" -out "$dir/server.crt" || return 1
    _pg_cluster_as_owner chmod 600 "$dir/server.key"
}
