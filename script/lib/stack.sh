# Sourced by script/server and script/demo: start a private Redis with the project's config and
# the three services on their fixed ports, wait until every health check answers SERVING, and
# stop exactly what was started (by PID). CASEWORK_PORT_OFFSET moves every port (tests use it to
# run beside a developer's own stack).
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
  local offset="${CASEWORK_PORT_OFFSET:-0}"
  local redis_port="${REDIS_PORT:-$((6379 + offset))}"
  local session=$((50051 + offset)) records=$((50052 + offset)) notification=$((50053 + offset))
  local port
  for port in "$redis_port" "$session" "$records" "$notification" $((9464 + offset)) \
              $((9465 + offset)) $((9466 + offset)); do
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

  local key="$PWD/.dev/jwt-hs256.key"
  local common=(--jwt_hs256_key_file="$key")
  # CASEWORK_QUOTA_FILE: the organisations' quotas (docs/OPERATIONS.md); the benchmarks and the
  # soak run without any (bench/no-quotas.json), since they measure the machine's limit.
  [ -n "${CASEWORK_QUOTA_FILE:-}" ] && common+=(--quota_file="$CASEWORK_QUOTA_FILE")
  local name grpc metrics
  for spec in session:$session:$((9464 + offset)) records:$records:$((9465 + offset)) \
              notification:$notification:$((9466 + offset)); do
    IFS=: read -r name grpc metrics <<<"$spec"
    echo "stack: casework-$name on 127.0.0.1:$grpc (metrics :$metrics)"
    local own=()
    case $name in
      # The records database lives with the stack's other data, never in the working directory.
      records) own=(--store="sqlite:$STACK_DIR/records.db") ;;
      session) own=(--redis_address="127.0.0.1:$redis_port" --protocols_dir="$PWD/protocols"
                    --records_address="127.0.0.1:$records") ;;
      notification) own=(--redis_address="127.0.0.1:$redis_port"
                         --records_address="127.0.0.1:$records" --records_hs256_key_file="$key") ;;
    esac
    "$BUILD_DIR/bin/casework-$name" "${common[@]}" "${own[@]}" --grpc_address="127.0.0.1:$grpc" \
      --metrics_address="127.0.0.1:$metrics" >"$STACK_DIR/$name.log" 2>&1 &
    STACK_PIDS+=($!)
  done
  export CASEWORK_SESSION_ADDRESS="127.0.0.1:$session"
  export CASEWORK_RECORDS_ADDRESS="127.0.0.1:$records"
  export CASEWORK_NOTIFICATION_ADDRESS="127.0.0.1:$notification"

  local i
  for i in $(seq 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    kill -0 "${STACK_PIDS[0]}" 2>/dev/null || { cat "$STACK_DIR/redis.log" >&2; return 1; }
    sleep 0.1
  done
  for grpc in "$session" "$records" "$notification"; do
    "$BUILD_DIR/bin/caseworkctl" health --address="127.0.0.1:$grpc" --wait --timeout=20s || {
      echo "stack: service on $grpc did not become SERVING; logs in $STACK_DIR" >&2
      return 1
    }
  done
}
