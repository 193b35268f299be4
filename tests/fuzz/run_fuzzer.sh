#!/usr/bin/env bash
# Runs one libFuzzer binary for a bounded time on a fresh copy of its seed
# corpus and crash reproducers, in the build folder (the source tree is only
# read). Registered by tests/fuzz/CMakeLists.txt as the ctest "fuzz_<name>".
# Usage: run_fuzzer.sh BINARY SEED_DIR REGRESSION_DIR WORK_DIR SECONDS [DICT] [EXTRA_SEED_DIR]
# EXTRA_SEED_DIR (the project's samples/) is copied into the corpus too.
# Exits non-zero when the fuzzer finds a crash, a sanitizer error, a leak,
# a timeout or an out-of-memory; the input is saved in WORK_DIR/artifacts/.
set -euo pipefail
bin=$1 seeds=$2 regressions=$3 work=$4 seconds=$5 dict=${6:-} extra=${7:-}

rm -rf "$work/corpus" "$work/regressions"
mkdir -p "$work/corpus" "$work/regressions" "$work/artifacts"
cp -R "$seeds/." "$work/corpus/"
if [ -n "$extra" ] && [ -d "$extra" ]; then cp -R "$extra/." "$work/corpus/"; fi
if [ -d "$regressions" ]; then cp -R "$regressions/." "$work/regressions/"; fi

# A fixed seed keeps the suite's short run repeatable; long campaigns set
# SCR_FUZZ_SEED=0 (libFuzzer then picks a random one).
args=(-max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" -seed="${SCR_FUZZ_SEED:-1}")
if [ -n "$dict" ]; then args+=(-dict="$dict"); fi
# New inputs go to the first folder only; every input of both runs first.
cd "$work"
exec "$bin" "${args[@]}" "$work/corpus" "$work/regressions"
