#!/usr/bin/env bash
# One-command demo: installs what is missing, builds, starts both services on
# localhost with a data folder under the checkout, loads the bundled sample
# posts and prints how to search. Ctrl-C stops everything cleanly.
#
# Environment: SCR_DATA_DIR (default ./data), SCR_INGEST (default
# 127.0.0.1:50051), SCR_SEARCH (default 127.0.0.1:50052), SCR_HTTP (default
# 127.0.0.1:8080, the web page and HTTP/JSON API).
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

scripts/install-deps.sh
# Only what the demo runs; ./test.sh builds the rest.
scripts/build.sh search-service ingest-service scrctl

build=${SCR_BUILD_DIR:-build}
data=${SCR_DATA_DIR:-$root/data}
ingest_addr=${SCR_INGEST:-127.0.0.1:50051}
search_addr=${SCR_SEARCH:-127.0.0.1:50052}
http_addr=${SCR_HTTP:-127.0.0.1:8080}
scrctl=("$root/$build/scrctl/scrctl" --ingest="$ingest_addr" --search="$search_addr")
mkdir -p "$data/logs"

pids=()
cleanup() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "Stopping services..."
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    echo "Stopped. Data kept in $data"
  fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# wait_healthy NAME PID LOG: waits up to 30 s for the service to serve.
wait_healthy() {
  local name=$1 pid=$2 log=$3
  for _ in $(seq 1 300); do
    if "${scrctl[@]}" health "$name" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name-service exited; the end of its log ($log):" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name-service did not become healthy in 30 s; see $log" >&2
  exit 1
}

"$build/search-service/search-service" --listen="$search_addr" --data_dir="$data/search" \
  --http_listen="$http_addr" 2>>"$data/logs/search.log" &
pids+=($!)
wait_healthy search "${pids[-1]}" "$data/logs/search.log"

"$build/ingest-service/ingest-service" --listen="$ingest_addr" --search="$search_addr" \
  --data_dir="$data/ingest" 2>>"$data/logs/ingest.log" &
pids+=($!)
wait_healthy ingest "${pids[-1]}" "$data/logs/ingest.log"

echo "Loading the sample posts from samples/ ..."
"${scrctl[@]}" ingest --wait samples/

cat <<MSG

Both services are running (logs in $data/logs):
  search page     http://$http_addr/
  HTTP/JSON API   http://$http_addr/v1/search?q=Ofsted   (docs/WEB.md)
  ingest-service  gRPC  $ingest_addr   (scr.v1.IngestService)
  search-service  gRPC  $search_addr   (scr.v1.SearchService, scr.v1.IndexService)
Both serve grpc.health.v1 and server reflection.

Try, in another terminal:
  export SCR_INGEST=$ingest_addr SCR_SEARCH=$search_addr
  $build/scrctl/scrctl search Ofsted
  $build/scrctl/scrctl search '"serious case review"' --facets=category,tag,year
  $build/scrctl/scrctl search 'title:munro' --json
  $build/scrctl/scrctl ingest --wait ../shared/seeds/000_43de76a84da1bddb.txt
  $build/scrctl/scrctl search Edlington
  $build/scrctl/scrctl stats
  curl 'http://$http_addr/v1/search?q=Edlington'

Press Ctrl-C to stop.
MSG
wait
