#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole suite through ctest.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
build_dir=${SCR_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
cd "$build_dir"
ctest --output-on-failure -j "$jobs" --timeout 900 "$@"
