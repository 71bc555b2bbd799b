#!/usr/bin/env bash
# Installs the Debian packages dirprobe builds with, if any is missing (idempotent), then
# configures and builds into ${BUILD_DIR:-build}. Needs root (or sudo) only to install.
#   setup.sh [--with-test-tools]   also what the tests use: Chromium (report rendering test)
#                                  and python3-yaml (workflow check)
#   setup.sh --with-hygiene-tools  also what scripts/hygiene.sh uses: clang with libFuzzer and
#                                  the sanitizer runtimes, and clang-tidy
#   setup.sh --with-app-tools      also the programs the app matrix runs
#                                  (scenarios/apps/programs.toml), libcurl's GnuTLS flavour for
#                                  tests/apps/curl_upload.c, and strace
# Options combine: setup.sh --with-test-tools --with-hygiene-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

app_tools=0
packages=(build-essential cmake pkg-config libgnutls28-dev libssl-dev libgtest-dev
          nlohmann-json3-dev libcli11-dev libtomlplusplus-dev debian-archive-keyring)
for option in "$@"; do
  case "$option" in
    --with-test-tools) packages+=(chromium python3 python3-yaml) ;;
    --with-hygiene-tools) packages+=(clang-14 libclang-rt-14-dev clang-tidy-14 python3) ;;
    --with-app-tools) app_tools=1
                      packages+=(wget wget2 lftp gnutls-bin git apt lighttpd lighttpd-mod-gnutls
                                 lighttpd-mod-webdav libcurl4-gnutls-dev strace) ;;
    *) echo "setup.sh: unknown option '$option' (expected --with-test-tools," \
            "--with-hygiene-tools or --with-app-tools)" >&2; exit 2 ;;
  esac
done
missing=()
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  # policy-rc.d exit 101 keeps a package's service (lighttpd's) from being started while it is
  # installed (invoke-rc.d honours it); under systemd the unit is stopped and disabled below.
  policy=/usr/sbin/policy-rc.d
  if ((app_tools)) && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    trap '$sudo rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The app matrix starts its own lighttpd in the foreground, on a port of its choosing; the
# packaged service this install just brought in must not keep running (nor listen on port 80).
if ((app_tools)) && [[ " ${missing[*]} " == *" lighttpd "* ]] && command -v systemctl >/dev/null &&
   [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now lighttpd.service >/dev/null 2>&1 || true
fi
if ((app_tools)) && command -v ss >/dev/null && ss -Hltn 'sport = :80' | grep -q .; then
  echo "setup: note: something listens on port 80 (a lighttpd service? 'service lighttpd stop')" >&2
fi

build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
