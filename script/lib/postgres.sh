# Sourced by script/bench: a private PostgreSQL for the records service on PostgreSQL — initdb in
# a temporary directory, a unix socket there, no TCP listener, fsync on, run as `nobody` (the
# server refuses root), stopped by its PID. Never touches a system cluster.
PG_BIN=/usr/lib/postgresql/15/bin
PG_PID=""
PG_DIR=""

pg_stop() {
  if [ -n "$PG_PID" ]; then
    kill -INT "$PG_PID" 2>/dev/null || true  # fast shutdown
    wait "$PG_PID" 2>/dev/null || true
  fi
  PG_PID=""
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  PG_DIR=""
}

# pg_start: sets PG_DIR, PG_PID and PG_URI (database "records", password in $PG_DIR/password).
pg_start() {
  local as=()
  [ "$(id -u)" = 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  PG_DIR=$(mktemp -d /tmp/casework-bench-pg.XXXXXX)
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PG_DIR/password"
  chmod 600 "$PG_DIR/password"
  [ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$PG_DIR"
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U casework --auth=scram-sha-256 \
    --pwfile="$PG_DIR/password" -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
    cat "$PG_DIR/initdb.log" >&2
    return 1
  }
  "${as[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -c listen_addresses= \
    -c unix_socket_directories="$PG_DIR" -c fsync=on -c synchronous_commit=on \
    -c max_connections=100 -c shared_buffers=64MB >"$PG_DIR/postgres.log" 2>&1 &
  PG_PID=$!
  local i
  for i in $(seq 300); do
    "$PG_BIN/pg_isready" -q -h "$PG_DIR" -U casework -d postgres && break
    kill -0 "$PG_PID" 2>/dev/null || { cat "$PG_DIR/postgres.log" >&2; return 1; }
    sleep 0.1
  done
  PGPASSWORD=$(cat "$PG_DIR/password") psql -q -h "$PG_DIR" -U casework -d postgres \
    -c 'CREATE DATABASE records' || return 1
  PG_URI="postgresql://casework@/records?host=$PG_DIR"
}
