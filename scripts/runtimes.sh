#!/usr/bin/env bash
# Fetches the GnuTLS runtime of one Debian suite into a cache, without touching the system's
# apt state, and describes how to start a program against it.
#
#   scripts/runtimes.sh fetch SUITE   -> prints the runtime directory (exit 3: unavailable)
#   scripts/runtimes.sh exec DIR PROGRAM [ARGS...]   runs PROGRAM against that runtime
#
# A runtime directory holds root/ (packages unpacked with dpkg -x) and runtime.env:
#   mode=host|ld_library_path|loader, suite, gnutls_package_version, gnutls_version (upstream).
# The mirror is read from the machine's apt sources; no host name is written here.
set -euo pipefail

cache="${DIRPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirprobe}/runtimes"
arch="$(dpkg --print-architecture)"
triplet="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"

die() { echo "runtimes.sh: $*" >&2; exit 2; }
unavailable() { echo "runtimes.sh: $*" >&2; exit 3; }

host_suite() { . /etc/os-release; echo "${VERSION_CODENAME:?}"; }

# The first Debian archive URI of the machine's apt sources (deb822 or one-line format).
mirror() {
  local uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -e "$f" ] || continue
      uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { if ($i !~ /security/) { print $i; exit } } }' "$f")"
      [ -n "$uri" ] && break
    done
  fi
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"
  echo "$uri"
}

apt_private() {  # apt_private DIR CMD ARGS...: apt with its own sources, lists, cache and status
  local dir="$1"; shift
  local tool="$1"; shift
  "$tool" -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
    -o Dir::State::status="$dir/status" -o APT::Architecture="$arch" \
    -o Debug::NoLocking=1 "$@"
}

# Packages the runtime needs: the dependency closure of the suite's GnuTLS library package.
closure() {
  apt_private "$1" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$2" 2>/dev/null | grep -v '^ ' | grep -v '^<' | sort -u
}

fetch() {
  local suite="$1" dir="$cache/$1"
  if [ -f "$dir/runtime.env" ]; then echo "$dir"; return; fi
  if [ "$suite" = "$(host_suite)" ]; then
    mkdir -p "$dir"
    local pkg ver
    pkg="$(dpkg-query -W -f '${Package}\n' 'libgnutls30*' 2>/dev/null | head -1)"
    ver="$(dpkg-query -W -f '${Version}' "$pkg")"
    printf 'mode=host\nsuite=%s\ngnutls_package_version=%s\ngnutls_version=%s\n' \
      "$suite" "$ver" "${ver%%-*}" >"$dir/runtime.env"
    echo "$dir"; return
  fi
  local work="$dir.partial"
  rm -rf "$work"
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs" "$work/root"
  : >"$work/apt/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror) $suite main" \
    >"$work/apt/sources.list"
  apt_private "$work/apt" apt-get -q update >"$work/apt/update.log" 2>&1 ||
    unavailable "cannot read suite '$suite' from the mirror (see $work/apt/update.log)"
  local lib=""
  for candidate in libgnutls30t64 libgnutls30; do
    if apt_private "$work/apt" apt-cache show "$candidate" >/dev/null 2>&1; then
      lib="$candidate"; break
    fi
  done
  [ -n "$lib" ] || unavailable "suite '$suite' has no libgnutls30 package"
  local host_libc suite_libc mode
  host_libc="$(dpkg-query -W -f '${Version}' libc6)"
  suite_libc="$(apt_private "$work/apt" apt-cache show --no-all-versions libc6 |
    awk '/^Version:/ { print $2; exit }')"
  if dpkg --compare-versions "$suite_libc" gt "$host_libc"; then mode=loader; else mode=ld_library_path; fi
  local pkgs=()
  while read -r p; do
    # An older suite runs on the host's C library and toolchain runtime, never its own.
    if [ "$mode" = ld_library_path ] && [[ "$p" =~ ^(libc6|libgcc-s1|gcc-.*-base|libcrypt1|libc-gconv-modules-extra)$ ]]; then
      continue
    fi
    pkgs+=("$p")
  done < <(closure "$work/apt" "$lib")
  (cd "$work/debs" && apt_private "$work/apt" apt-get -q download "${pkgs[@]}" >"$work/apt/download.log" 2>&1) ||
    unavailable "download of ${pkgs[*]} from suite '$suite' failed (see $work/apt/download.log)"
  for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/root"; done
  local ver
  ver="$(dpkg-deb -f "$work"/debs/${lib}_*.deb Version)"
  printf 'mode=%s\nsuite=%s\ngnutls_package=%s\ngnutls_package_version=%s\ngnutls_version=%s\nlibc=%s\n' \
    "$mode" "$suite" "$lib" "$ver" "$(echo "${ver%%-*}" | sed 's/^[0-9]*://')" "$suite_libc" \
    >"$work/runtime.env"
  rm -rf "$work/debs" "$work/apt/cache"
  rm -rf "$dir"
  mv "$work" "$dir"
  echo "$dir"
}

run_in() {
  local dir="$1"; shift
  [ -f "$dir/runtime.env" ] || die "$dir: not a runtime directory (no runtime.env)"
  local mode
  mode="$(sed -n 's/^mode=//p' "$dir/runtime.env")"
  local libs="$dir/root/usr/lib/$triplet:$dir/root/lib/$triplet"
  case "$mode" in
    host) exec "$@" ;;
    ld_library_path) LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$@" ;;
    loader)
      local ld="$dir/root/usr/lib/$triplet/ld-linux-x86-64.so.2"
      [ -e "$ld" ] || ld="$dir/root/lib/$triplet/ld-linux-x86-64.so.2"
      [ -e "$ld" ] || die "$dir: the suite's dynamic loader is missing"
      local prog
      prog="$(command -v "$1")" || die "$1: not found"
      shift
      exec "$ld" --library-path "$libs" "$prog" "$@" ;;
    *) die "$dir/runtime.env: unknown mode '$mode'" ;;
  esac
}

case "${1:-}" in
  fetch) [ $# -eq 2 ] || die "usage: runtimes.sh fetch SUITE"; fetch "$2" ;;
  exec) [ $# -ge 3 ] || die "usage: runtimes.sh exec DIR PROGRAM [ARGS...]"; shift; run_in "$@" ;;
  *) die "unknown command '${1:-}' (expected fetch or exec)" ;;
esac
