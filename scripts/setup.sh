#!/usr/bin/env bash
# Installs the Debian packages dirprobe builds with, if any is missing (idempotent), then
# configures and builds into ${BUILD_DIR:-build}. Needs root (or sudo) only to install.
#   setup.sh [--with-test-tools]   also what the tests use: Chromium (report rendering test)
#                                  and python3-yaml (workflow check)
#   setup.sh --with-hygiene-tools  also what scripts/hygiene.sh uses: clang with libFuzzer and
#                                  the sanitizer runtimes, and clang-tidy
# Options combine: setup.sh --with-test-tools --with-hygiene-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libgnutls28-dev libssl-dev libgtest-dev
          nlohmann-json3-dev libcli11-dev libtomlplusplus-dev debian-archive-keyring)
for option in "$@"; do
  case "$option" in
    --with-test-tools) packages+=(chromium python3 python3-yaml) ;;
    --with-hygiene-tools) packages+=(clang-14 libclang-rt-14-dev clang-tidy-14 python3) ;;
    *) echo "setup.sh: unknown option '$option' (expected --with-test-tools or" \
            "--with-hygiene-tools)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
