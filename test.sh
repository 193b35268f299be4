#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole suite through ctest.
# Then, when clang++ is installed, the fuzz stage (docs/FUZZING.md): builds
# the libFuzzer targets with ASan and UBSan in build-fuzz (or
# $SCR_FUZZ_BUILD_DIR) and runs each for a short while through ctest
# (label "fuzz"). SCR_FUZZ_STAGE=0 skips the fuzz stage.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
build_dir=${SCR_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
(cd "$build_dir" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@")

if [ "${SCR_FUZZ_STAGE:-1}" = 0 ]; then
  echo "test.sh: SCR_FUZZ_STAGE=0, skipping the fuzz stage" >&2
elif ! command -v clang++ >/dev/null 2>&1; then
  echo "test.sh: clang++ not found, skipping the fuzz stage" >&2
else
  fuzz_dir=${SCR_FUZZ_BUILD_DIR:-build-fuzz}
  if [ ! -f "$fuzz_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$fuzz_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DSCR_FUZZ=ON >&2
  fi
  cmake --build "$fuzz_dir" -j "$jobs" --target fuzz_all >&2
  (cd "$fuzz_dir" && ctest --output-on-failure -j "$jobs" -L '^fuzz$')
fi
