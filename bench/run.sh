#!/usr/bin/env bash
# The benchmark suite in one command (docs/PERFORMANCE.md):
#
#   bench/run.sh                              # quick run: 10k posts, a few minutes on 2 cores
#   bench/run.sh --sizes 10000,100000,1000000 # the long run (see docs/PERFORMANCE.md for times)
#
# For each corpus size it generates a seeded corpus from the BBC articles in
# ../shared and a seeded 300-query mix, starts real search-services (one shard,
# and --shards with the HTTP gateway) and ingest-services on 127.0.0.1 with
# temporary data folders, times end-to-end ingest in slices interleaved with
# the raw Xapian baseline's indexing of the same slices, measures index size,
# peak RSS, search latency and QPS at 1/2/4/16 clients over gRPC and HTTP
# (each run after a warm-up pass over the mix) and gRPC's own floor (an empty
# Health/Check at 1 client), then runs the rest of the
# in-process baselines (raw Xapian queries, SQLite FTS5) on the same posts
# and queries. Results go to
# bench/results/<timestamp>/; bench/report.py writes bench/results/latest.json,
# docs/performance.png and the tables of docs/PERFORMANCE.md.
#
# Options:
#   --sizes N[,N...]        corpus sizes in posts (default 10000)
#   --duration_s S          measured seconds per load-generator run (default 5)
#   --ingest_concurrency C  IngestStream streams of the ingest client (default 1)
#   --shards N              index shards of the measured search-service (default 2);
#                           ingest is also measured once with one shard (one writer)
#   --ingest_parts N        at most N slices the ingest is timed in (default 4; one
#                           per 25,000 posts, at least one): slice k of the raw
#                           Xapian indexing, of the one-shard and of the sharded
#                           service's ingest run back to back, so that all three see
#                           the same minutes of a machine whose speed drifts
#   --service_only          skip the one-shard ingest pass and the raw Xapian and
#                           FTS5 baselines (for the largest sizes: the 1M-post
#                           targets are absolute, not ratios)
#   --no_one_shard          skip the one-shard ingest pass and its search run
#                           (keeps the baselines: a 1M run in about 1 h 40
#                           instead of 2 h 30; no one-writer ratio)
#   --seed S                corpus and query seed (default 1)
#   --build_dir DIR         build folder (default build-bench; configured if missing)
#   --no_build              use the binaries as they are
#   --no_report             do not touch docs/ or latest.json
#   --search_binary PATH    benchmark this search-service binary instead of the
#                           build's (for example one with a fix under test)
# Everything runs under nice -n 5 (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sizes=10000
duration_s=5
ingest_concurrency=1
shards=2
ingest_parts=4
service_only=0
one_shard=1
seed=1
build_dir=$root/build-bench
do_build=1
do_report=1
search_binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --sizes=*) sizes=${1#*=}; shift ;;
    --duration_s) duration_s=$2; shift 2 ;;
    --duration_s=*) duration_s=${1#*=}; shift ;;
    --ingest_concurrency) ingest_concurrency=$2; shift 2 ;;
    --ingest_concurrency=*) ingest_concurrency=${1#*=}; shift ;;
    --shards) shards=$2; shift 2 ;;
    --shards=*) shards=${1#*=}; shift ;;
    --ingest_parts) ingest_parts=$2; shift 2 ;;
    --ingest_parts=*) ingest_parts=${1#*=}; shift ;;
    --seed) seed=$2; shift 2 ;;
    --seed=*) seed=${1#*=}; shift ;;
    --build_dir) build_dir=$2; shift 2 ;;
    --build_dir=*) build_dir=${1#*=}; shift ;;
    --search_binary) search_binary=$2; shift 2 ;;
    --search_binary=*) search_binary=${1#*=}; shift ;;
    --no_build) do_build=0; shift ;;
    --service_only) service_only=1; shift ;;
    --no_one_shard) one_shard=0; shift ;;
    --no_report) do_report=0; shift ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(nice)" -lt 5 ]; then exec nice -n 5 "$0" "$@" --sizes "$sizes" --duration_s "$duration_s" \
  --ingest_concurrency "$ingest_concurrency" --shards "$shards" --ingest_parts "$ingest_parts" --seed "$seed" --build_dir "$build_dir" \
  ${search_binary:+--search_binary "$search_binary"} \
  $([ $do_build = 0 ] && echo --no_build) $([ $do_report = 0 ] && echo --no_report) \
  $([ $service_only = 1 ] && echo --service_only) $([ $one_shard = 0 ] && echo --no_one_shard); fi

bbc=$root/../shared/data/bbc-news/news
if [ ! -d "$bbc" ]; then
  echo "bench/run.sh: the BBC corpus is missing at $bbc (../shared relative to the repo)" >&2
  exit 1
fi

if [ $do_build = 1 ]; then
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build_dir" -j"$(nproc)" --target search-service ingest-service scrctl \
    scr_corpus_gen scr_query_gen scr_loadgen scr_bench_ingest scr_bench_baselines
fi
if ! command -v gnuplot >/dev/null && [ "$(id -u)" = 0 ] && [ $do_report = 1 ]; then
  echo "installing gnuplot-nox for the chart..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null || true
fi

b=$build_dir
search_bin=${search_binary:-$b/search-service/search-service}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$root/bench/results/$stamp
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/scr-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Machine details, recorded with the results.
{
  echo "{"
  echo "  \"timestamp\": \"$stamp\","
  echo "  \"nproc\": $(nproc),"
  echo "  \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\","
  echo "  \"mem_gb\": $(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo),"
  echo "  \"disk\": \"$(df -h "$work" | awk 'NR==2 {print $1 " " $2 " (" $5 " used)"}')\","
  echo "  \"kernel\": \"$(uname -r)\","
  echo "  \"loadavg_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "  \"xapian\": \"$(xapian-config --version 2>/dev/null | awk '{print $NF}')\","
  echo "  \"sqlite\": \"$(sqlite3 --version 2>/dev/null | awk '{print $1}' || true)\","
  echo "  \"build_type\": \"$(grep -m1 CMAKE_BUILD_TYPE:STRING "$b/CMakeCache.txt" | cut -d= -f2)\","
  echo "  \"duration_s\": $duration_s,"
  echo "  \"warmup_passes\": 1,"
  echo "  \"ingest_concurrency\": $ingest_concurrency,"
  echo "  \"shards\": $shards,"
  echo "  \"ingest_parts_max\": $ingest_parts,"
  echo "  \"search_binary\": \"$search_bin\","
  echo "  \"seed\": $seed"
  echo "}"
} >"$out/machine.json"

wait_port() {  # wait_port FILE PID
  for _ in $(seq 1 600); do
    if [ -s "$1" ]; then cat "$1"; return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "service $2 exited" >&2; return 1; fi
    sleep 0.1
  done
  echo "no port file $1" >&2
  return 1
}
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
# page_cache LABEL OUT_JSONL: the machine's page cache and free memory as a
# load run starts, so that a slow run can be told from an index that no
# longer fits in the cache (DAMON and other reclaim shrink it).
page_cache() {
  awk -v label="$1" '/^Cached:/ {c = $2} /^MemAvailable:/ {a = $2}
    END {printf "{\"label\": \"%s\", \"cached_kb\": %d, \"available_kb\": %d}\n", label, c, a}' \
    /proc/meminfo >>"$2"
}
# CPU seconds (user + system) a running process has used since it started.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

# start_services SUFFIX SHARDS [SEARCH FLAGS...]: search-service and
# ingest-service with data in $d/search$SUFFIX and $d/ingest$SUFFIX; sets
# spid, sport, ipid, iport.
start_services() {
  local suffix=$1 nshards=$2
  shift 2
  "$search_bin" --listen=127.0.0.1:0 --port_file="$d/search$suffix.port" \
    --index_shards="$nshards" --data_dir="$d/search$suffix" "$@" 2>"$d/search$suffix.log" &
  spid=$!
  pids+=("$spid")
  sport=$(wait_port "$d/search$suffix.port" "$spid")
  "$b/ingest-service/ingest-service" --listen=127.0.0.1:0 --port_file="$d/ingest$suffix.port" \
    --search="127.0.0.1:$sport" --data_dir="$d/ingest$suffix" 2>"$d/ingest$suffix.log" &
  ipid=$!
  pids+=("$ipid")
  iport=$(wait_port "$d/ingest$suffix.port" "$ipid")
}

# stop_services PID...: SIGTERM, then wait for them.
stop_services() {
  kill -TERM "$@"
  wait "$@" 2>/dev/null || true
}

# ingest_part PART PORT_SUFFIX OUT_JSONL: slice PART (K/N) of the items through
# the services started with that suffix, timed to durable; appends its line.
ingest_part() {
  local iport_var=iport$2 sport_var=sport$2
  "$b/bench/scr_bench_ingest" --ingest="127.0.0.1:${!iport_var}" --search="127.0.0.1:${!sport_var}" \
    --items="$d/corpus/items.rec" --concurrency="$ingest_concurrency" --part="$1" | tee -a "$3"
}

# merge_parts JSONL OUT_JSON: the slices' figures as one ingest (counts and
# times summed, rates from the sums; index figures from the last slice).
merge_parts() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = dict(rows[-1])
for k in ("items", "expected_posts", "posts", "failed_items", "retries", "item_mb", "accept_s", "durable_s"):
    m[k] = round(sum(r[k] for r in rows), 3)
m["posts_per_s"] = round(m["posts"] / m["durable_s"], 1)
m["mb_per_s"] = round(m["item_mb"] / m["durable_s"], 3)
m["parts"] = len(rows)
m["first_error"] = next((r["first_error"] for r in rows if r["first_error"]), "")
json.dump(m, open(sys.argv[2], "w"))
print(json.dumps(m))
PY
}

IFS=, read -r -a size_list <<<"$sizes"
for n in "${size_list[@]}"; do
  echo "=== $n posts ==="
  d=$work/$n
  mkdir -p "$d"
  "$b/bench/scr_corpus_gen" --bbc="$bbc" --posts="$n" --seed="$seed" --out="$d/corpus" \
    >"$out/corpus-$n.json"
  cat "$out/corpus-$n.json"
  "$b/bench/scr_query_gen" --posts="$d/corpus/posts.rec" --seed="$seed" --count=300 \
    >"$out/queries-$n.tsv"
  # The 1-client runs (the per-class figures and the full-featured target)
  # measure at least this many passes over the mix, so that its smallest
  # class gets 100 samples or more: a p99 of fewer is little more than the
  # slowest one, and at 1M posts --duration_s alone holds about one pass.
  min_passes=$(awk -F'\t' '!/^#/ && NF >= 3 {n[$1]++}
    END {m = 0; for (c in n) if (m == 0 || n[c] < m) m = n[c]; print (m == 0) ? 0 : int((100 + m - 1) / m)}' \
    "$out/queries-$n.tsv")

  # Both services (one shard, and $shards shards with the HTTP gateway) run
  # side by side, idle but for the slice being timed. Slice k: raw Xapian,
  # one shard, sharded; odd slices in the reverse order.
  # Each slice ends with a drain (the last commit), so slices stay long.
  parts=$((n / 25000))
  [ $parts -gt "$ingest_parts" ] && parts=$ingest_parts
  [ $parts -lt 1 ] && parts=1
  [ $service_only = 1 ] && parts=1
  [ $service_only = 1 ] && one_shard=0
  if [ $one_shard = 1 ]; then
    start_services 1 1
    spid1=$spid sport1=$sport ipid1=$ipid iport1=$iport
  fi
  start_services "" "$shards" --http_listen=127.0.0.1:0 --http_port_file="$d/http.port"
  hport=$(wait_port "$d/http.port" "$spid")
  rm -f "$d"/parts-*.jsonl
  for ((k = 0; k < parts; k++)); do
    steps="raw one sharded"
    [ $((k % 2)) = 1 ] && steps="sharded one raw"
    for step in $steps; do
      case $step in
        raw)
          [ $service_only = 1 ] && continue
          echo "--- raw Xapian indexing, slice $k/$parts ---"
          "$b/bench/scr_bench_baselines" --posts="$d/corpus/posts.rec" --work_dir="$d/baselines" \
            --index_part="$k/$parts"
          ;;
        one)
          [ $one_shard = 0 ] && continue
          echo "--- end-to-end ingest, one index writer (1 shard), slice $k/$parts ---"
          ingest_part "$k/$parts" 1 "$d/parts-one.jsonl"
          ;;
        sharded)
          echo "--- end-to-end ingest, $shards shards ($ingest_concurrency stream(s)), slice $k/$parts ---"
          ingest_part "$k/$parts" "" "$d/parts-sharded.jsonl"
          ;;
      esac
    done
  done
  merge_parts "$d/parts-sharded.jsonl" "$out/ingest-$n.json"
  search_cpu=$(cpu_s "$spid")
  ingest_cpu=$(cpu_s "$ipid")
  ingest_hwm=$(hwm_kb "$ipid")
  index_bytes=$(du -sb "$d/search" | cut -f1)
  if [ $one_shard = 1 ]; then
    merge_parts "$d/parts-one.jsonl" "$out/ingest1-$n.json"
    echo "--- search grpc on the one-shard index, 1 client ---"
    page_cache grpc-1-oneshard "$out/pagecache-$n.jsonl"
    "$b/bench/scr_loadgen" --target="127.0.0.1:$sport1" --queries="$out/queries-$n.tsv" \
      --concurrency=1 --duration_s="$duration_s" --min_passes="$min_passes" --warmup_s=1 \
      --warmup_passes=1 --label=grpc-1-oneshard >"$d/load.txt"
    head -n -1 "$d/load.txt" | head -n 2
    tail -n 1 "$d/load.txt" >"$out/load1-$n-grpc-1.json"
    stop_services "$ipid1" "$spid1"
    rm -rf "$d/search1" "$d/ingest1"
  fi

  for mode in grpc http; do
    for c in 1 2 4 16; do
      echo "--- search $mode, $c client(s) ---"
      if [ $mode = grpc ]; then target=127.0.0.1:$sport; flag=; else target=127.0.0.1:$hport; flag=--http; fi
      page_cache "$mode-$c" "$out/pagecache-$n.jsonl"
      "$b/bench/scr_loadgen" $flag --target="$target" --queries="$out/queries-$n.tsv" \
        --concurrency="$c" --duration_s="$duration_s" --min_passes="$([ "$c" = 1 ] && echo "$min_passes" || echo 0)" \
        --warmup_s=1 --warmup_passes=1 --label="$mode-$c" \
        >"$d/load.txt"
      head -n -1 "$d/load.txt"
      tail -n 1 "$d/load.txt" >"$out/load-$n-$mode-$c.json"
      if [ $mode = grpc ] && [ $c = 1 ]; then
        # gRPC's own floor on the same server and connection kind: an empty
        # Health/Check, to split the Search latency above into the search,
        # the rest of a Search call and what any unary call costs here.
        echo "--- gRPC floor: empty Health/Check, 1 client ---"
        "$b/bench/scr_loadgen" --health --target="$target" --concurrency=1 \
          --duration_s="$duration_s" --warmup_s=1 --label=grpc-health-1 >"$d/load.txt"
        head -n -1 "$d/load.txt" | head -n 2
        tail -n 1 "$d/load.txt" >"$out/load-$n-grpc-health-1.json"
      fi
      if ! kill -0 "$spid" 2>/dev/null; then
        echo "search-service died during the $mode run with $c clients; its log:" >&2
        tail -n 5 "$d/search.log" >&2
        cp "$d/search.log" "$out/search-$n.log"
        exit 1
      fi
    done
  done
  search_hwm=$(hwm_kb "$spid")
  echo "{\"search_vmhwm_kb\": $search_hwm, \"ingest_vmhwm_kb\": $ingest_hwm, \"index_bytes\": $index_bytes, \"search_cpu_s\": $search_cpu, \"ingest_cpu_s\": $ingest_cpu}" \
    | tee "$out/services-$n.json"
  stop_services "$ipid" "$spid"
  pids=()

  echo "--- baselines: raw Xapian and SQLite FTS5; the service's index adapter in process ---"
  page_cache baselines "$out/pagecache-$n.jsonl"
  "$b/bench/scr_bench_baselines" --posts="$d/corpus/posts.rec" --queries="$out/queries-$n.tsv" \
    --work_dir="$d/baselines" --qps_duration_s="$duration_s" --service_index="$d/search/index" \
    $([ $service_only = 1 ] && echo --skip_xapian --skip_fts5 || echo --raw_prebuilt) >"$out/baselines-$n.json"
  rm -rf "$d"
done

echo "results in $out"
if [ $do_report = 1 ]; then
  /usr/bin/python3 "$root/bench/report.py" "$out"
fi
