#!/usr/bin/env bash
# A whole culturebridge deployment on loopback, for development and the scale benchmark:
# PostgreSQL, an S3-protocol server (moto's S3 backend, scripts/s3server.py), a Ray head and a
# Ray worker node, two web processes and two job workers, each a separate process.
#
#   scripts/cluster.sh up     start everything; print NAME=value lines a client needs
#   scripts/cluster.sh down   stop everything `up` started (and remove its state)
#
# State (pid files, logs, the PostgreSQL cluster, the data directory) lives in
# $CLUSTER_DIR (default ./.cluster). Ports are picked free at start.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CLUSTER_DIR="${CLUSTER_DIR:-$ROOT/.cluster}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
BIN="$(dirname "$PYTHON")"

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Start a command in its own session (so `down` can stop its whole process tree); record its pid.
start() {
  local name=$1; shift
  setsid "$@" >"$CLUSTER_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$CLUSTER_DIR/pids/$name"
}

wait_http() {
  local url=$1 what=$2
  for _ in $(seq 1 600); do
    if "$PYTHON" -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "cluster: $what did not answer at $url (see $CLUSTER_DIR/logs)" >&2
  return 1
}

up() {
  if [ -d "$CLUSTER_DIR/pids" ]; then
    echo "cluster: already up (state in $CLUSTER_DIR); run '$0 down' first" >&2
    exit 4
  fi
  mkdir -p "$CLUSTER_DIR/pids" "$CLUSTER_DIR/logs"
  trap 'echo "cluster: start failed; stopping what started" >&2; down >/dev/null 2>&1 || true' ERR

  # PostgreSQL: a private cluster on a free port, trust auth on loopback only.
  local pgbin pgport runas=()
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pgport=$(free_port)
  mkdir -p "$CLUSTER_DIR/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$CLUSTER_DIR/pg"; runas=(runuser -u postgres --); fi
  "${runas[@]}" "$pgbin/initdb" -D "$CLUSTER_DIR/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${runas[@]}" "$pgbin/pg_ctl" -D "$CLUSTER_DIR/pg/data" -l "$CLUSTER_DIR/pg/log" -w \
    -o "-p $pgport -k $CLUSTER_DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  echo "$pgbin" >"$CLUSTER_DIR/pgbin"
  local db_url="postgresql+psycopg://postgres@127.0.0.1:$pgport/postgres"

  # The S3-protocol server and a bucket.
  local s3port; s3port=$(free_port)
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-cluster}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-cluster}"
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
  start s3 "$PYTHON" "$ROOT/scripts/s3server.py" --host 127.0.0.1 --port "$s3port"
  local s3_url="http://127.0.0.1:$s3port"
  wait_http "$s3_url/moto-api/" "the S3 server"
  local media_url="s3://culturebridge/media"

  # The platform's settings, shared by every role below.
  export CULTUREBRIDGE_DATA_DIR="$CLUSTER_DIR/data" CULTUREBRIDGE_DATABASE_URL="$db_url"
  export CULTUREBRIDGE_MEDIA_URL="$media_url" CULTUREBRIDGE_S3_ENDPOINT_URL="$s3_url"
  export CULTUREBRIDGE_JOB_WORKERS=0 RAY_USAGE_STATS_ENABLED=0
  export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
  "$PYTHON" -m culturebridge init --password "${CULTUREBRIDGE_ADMIN_PASSWORD:-cluster-admin}" >/dev/null

  # Ray: a head and a worker node, one CPU each, both in the foreground of their own session.
  local rayport; rayport=$(free_port)
  local ray_common=(--block --disable-usage-stats --num-cpus 1 --node-ip-address 127.0.0.1)
  start ray-head "$BIN/ray" start --head --port "$rayport" "${ray_common[@]}" --include-dashboard false \
    --ray-client-server-port "$(free_port)" --temp-dir "$CLUSTER_DIR/ray"
  local ray_address="127.0.0.1:$rayport"
  for _ in $(seq 1 120); do
    if "$BIN/ray" status --address "$ray_address" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  start ray-worker "$BIN/ray" start --address "$ray_address" "${ray_common[@]}"

  # Two web processes and two job workers.
  local urls=() port
  for i in 1 2; do
    port=$(free_port)
    start "web$i" "$PYTHON" -m culturebridge serve --port "$port"
    urls+=("http://127.0.0.1:$port")
    start "jobs$i" "$PYTHON" -m culturebridge jobs work
  done
  for url in "${urls[@]}"; do wait_http "$url/api/v1/openapi.json" "a web process"; done
  trap - ERR

  local web_urls; web_urls=$(IFS=,; echo "${urls[*]}")
  {
    echo "CULTUREBRIDGE_DATABASE_URL=$db_url"
    echo "CULTUREBRIDGE_MEDIA_URL=$media_url"
    echo "CULTUREBRIDGE_S3_ENDPOINT_URL=$s3_url"
    echo "CULTUREBRIDGE_DATA_DIR=$CLUSTER_DIR/data"
    echo "S3_ENDPOINT_URL=$s3_url"
    echo "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID"
    echo "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY"
    echo "RAY_ADDRESS=$ray_address"
    echo "WEB_URLS=$web_urls"
  } | tee "$CLUSTER_DIR/env"
}

down() {
  if [ ! -d "$CLUSTER_DIR" ]; then
    echo "cluster: nothing to stop ($CLUSTER_DIR does not exist)"
    return 0
  fi
  local f pid
  # Web and job processes first (they flush), then Ray and the S3 server.
  for f in "$CLUSTER_DIR"/pids/web* "$CLUSTER_DIR"/pids/jobs* "$CLUSTER_DIR"/pids/ray-worker \
           "$CLUSTER_DIR"/pids/ray-head "$CLUSTER_DIR"/pids/s3; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  sleep 2
  for f in "$CLUSTER_DIR"/pids/*; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ -f "$CLUSTER_DIR/pgbin" ]; then
    local runas=()
    if [ "$(id -u)" -eq 0 ]; then runas=(runuser -u postgres --); fi
    "${runas[@]}" "$(cat "$CLUSTER_DIR/pgbin")/pg_ctl" -D "$CLUSTER_DIR/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$CLUSTER_DIR"
  echo "cluster: stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
