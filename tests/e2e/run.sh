#!/usr/bin/env bash
# Runs the search page's end-to-end test (search_page.test.mjs) in headless
# Chromium. CTest runs it as `web_e2e`; by hand:
#   SCR_BUILD_DIR=build tests/e2e/run.sh
#
# Installs playwright-core (pinned in package-lock.json) with `npm ci` into
# $SCR_BUILD_DIR/e2e, not into the source tree, and only when that copy is
# missing or the lock file changed, so reruns work offline. Exits 77 (CTest:
# skipped) when node, npm or Chromium is not installed
# (scripts/install-deps.sh installs them).
#
# Environment: SCR_BUILD_DIR (required: the build folder with the binaries),
# SCR_SOURCE_DIR (default: this checkout), SCR_CHROMIUM (default
# /usr/bin/chromium), SCR_E2E_SCREENSHOTS (default $SCR_BUILD_DIR/e2e-screenshots).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${SCR_BUILD_DIR:?set SCR_BUILD_DIR to the build folder}"
export SCR_BUILD_DIR=$(cd "$SCR_BUILD_DIR" && pwd)
export SCR_SOURCE_DIR=${SCR_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export SCR_CHROMIUM=${SCR_CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "web_e2e: skipped: $tool is not installed (scripts/install-deps.sh installs it)" >&2
    exit 77
  fi
done
if [ ! -x "$SCR_CHROMIUM" ]; then
  echo "web_e2e: skipped: no Chromium at $SCR_CHROMIUM (apt-get install chromium)" >&2
  exit 77
fi

work=$SCR_BUILD_DIR/e2e
mkdir -p "$work"
if [ ! -f "$work/node_modules/playwright-core/package.json" ] ||
   ! cmp -s "$here/package-lock.json" "$work/package-lock.json"; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
fi
export SCR_E2E_NODE_DIR=$work

exec node --test --test-reporter=spec "$here/search_page.test.mjs"
