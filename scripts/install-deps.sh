#!/usr/bin/env bash
# Installs the Debian bookworm packages the build, the tests and the demo
# need. Does nothing when every package is already installed.
# Usage: scripts/install-deps.sh
set -euo pipefail

packages=(
  g++ cmake make pkg-config clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev
  libxapian-dev xapian-tools
  libgtest-dev libgmock-dev
  libxml2-dev libicu-dev liburiparser-dev libssl-dev libsqlite3-dev
  libcpp-httplib-dev libgoogle-perftools-dev
  clang libclang-rt-14-dev
  chromium
)
# The web end-to-end test (tests/e2e) runs on node and npm: Debian's, unless
# a node is already installed.
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps: not root and no sudo; install these packages: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
