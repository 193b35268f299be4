#!/usr/bin/env bash
# Formats every C++ file git tracks with the repository's .clang-format.
# Usage: scripts/format.sh          rewrite files in place
#        scripts/format.sh --check  list unformatted files; exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "$mode" = --check ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
      echo "not formatted: $f (run scripts/format.sh)"
      bad=1
    fi
  done
  exit $bad
fi
clang-format -i "${files[@]}"
