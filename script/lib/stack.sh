# Sourced by script/server and script/demo: start a private Redis with the project's config and
# the three services on their fixed ports, wait until every health check answers SERVING, and
# stop exactly what was started (by PID).
STACK_PIDS=()
STACK_DIR=""

stack_stop() {
  local pid
  for pid in "${STACK_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STACK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  STACK_PIDS=()
  [ -n "$STACK_DIR" ] && rm -rf "$STACK_DIR"
  STACK_DIR=""
}

stack_start() {
  local redis_port="${REDIS_PORT:-6379}"
  local port
  for port in "$redis_port" 50051 50052 50053 9464 9465 9466; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "stack: port $port is already in use; stop whatever holds it first" >&2
      return 1
    fi
  done
  STACK_DIR=$(mktemp -d /tmp/casework-stack.XXXXXX)
  mkdir -p "$STACK_DIR/redis"
  echo "stack: redis on 127.0.0.1:$redis_port (deploy/redis/redis.conf, data in $STACK_DIR/redis)"
  redis-server "$PWD/deploy/redis/redis.conf" --port "$redis_port" --dir "$STACK_DIR/redis" \
    >"$STACK_DIR/redis.log" 2>&1 &
  STACK_PIDS+=($!)

  local common=(--jwt_hs256_key_file="$PWD/.dev/jwt-hs256.key")
  local name grpc metrics
  for spec in session:50051:9464 records:50052:9465 notification:50053:9466; do
    IFS=: read -r name grpc metrics <<<"$spec"
    echo "stack: casework-$name on 127.0.0.1:$grpc (metrics :$metrics)"
    "$BUILD_DIR/bin/casework-$name" "${common[@]}" --grpc_address="127.0.0.1:$grpc" \
      --metrics_address="127.0.0.1:$metrics" >"$STACK_DIR/$name.log" 2>&1 &
    STACK_PIDS+=($!)
  done

  local i
  for i in $(seq 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    kill -0 "${STACK_PIDS[0]}" 2>/dev/null || { cat "$STACK_DIR/redis.log" >&2; return 1; }
    sleep 0.1
  done
  for grpc in 50051 50052 50053; do
    "$BUILD_DIR/bin/caseworkctl" health --address="127.0.0.1:$grpc" --wait --timeout=20s || {
      echo "stack: service on $grpc did not become SERVING; logs in $STACK_DIR" >&2
      return 1
    }
  done
}
