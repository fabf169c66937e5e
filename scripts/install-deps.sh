#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Installs every Debian package ghostbrew needs to build, test and benchmark.
# Idempotent: packages already present are left alone; runs as root on Debian 12 (bookworm).
# This is the one place the dependencies are chosen and pinned (minimum versions below).
set -euo pipefail

# Minimum versions, checked after install (the build checks them again through CMake).
readonly MIN_LIBBPF=1.4.0
readonly MIN_BPFTOOL=7.5.0
# QEMU 10: multi-threaded TCG (bench/vm/ab.sh --parallel) runs sched_ext attach/detach cleanly;
# bookworm's 7.2 oopsed 1 run in 3 there (text poking of static keys under MTTCG).
readonly MIN_QEMU=10.0

# From bookworm itself.
readonly PKGS_MAIN=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libfmt-dev libmsgsl-dev librange-v3-dev libexpected-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev libsystemd-dev
  libelf-dev zlib1g-dev libzstd-dev
  clang-19 llvm-19 lld-19 libclang-rt-19-dev clang-format
  hwloc
  busybox-static zstd cpio
  stress-ng rt-tests
  python3 python3-matplotlib python3-sklearn
  systemd dbus gamemode power-profiles-daemon polkitd help2man doxygen bash-completion groff-base
  debhelper lintian
  libxml2-dev
)
# From bookworm-backports: libbpf >= 1.4, a bpftool that reads new kernels' BTF, QEMU >= 10.
readonly PKGS_BPO=(libbpf-dev bpftool qemu-system-x86)

log() { printf 'install-deps: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  log "must run as root (apt-get install); try: sudo $0"
  exit 2
fi
if [[ ! -r /etc/os-release ]] || ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
  log "warning: not Debian 12 (bookworm); package names may differ"
fi

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'; }
missing() {
  local p
  for p in "$@"; do
    installed "$p" || printf '%s\n' "$p"
  done
}

version_ge() { dpkg --compare-versions "$1" ge "$2"; }

bpo_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null | sed 's/^[0-9]*://') || return 1
  version_ge "$v" "$MIN_LIBBPF" || return 1
  v=$(dpkg-query -W -f='${Version}' bpftool 2>/dev/null) || return 1
  version_ge "$v" "$MIN_BPFTOOL" || return 1
  installed qemu-system-x86 || return 1
  v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | sed 's/^[0-9]*://') || return 1
  version_ge "$v" "$MIN_QEMU"
}

export DEBIAN_FRONTEND=noninteractive
mapfile -t need < <(missing "${PKGS_MAIN[@]}")
if (( ${#need[@]} )) || ! bpo_ok; then
  # bookworm-backports, on the mirror the system already uses.
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    [[ -n $uri ]] || uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    if [[ -z $uri ]]; then
      log "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
      exit 2
    fi
    log "adding bookworm-backports ($uri)"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s bookworm-backports main\n' "$uri" \
      > /etc/apt/sources.list.d/ghostbrew-bookworm-backports.list
  fi
  apt-get update -q
  if (( ${#need[@]} )); then
    log "installing: ${need[*]}"
    apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
  if ! bpo_ok; then
    log "installing from bookworm-backports: ${PKGS_BPO[*]}"
    apt-get install -y -q --no-install-recommends -t bookworm-backports "${PKGS_BPO[@]}"
  fi
fi
bpo_ok || { log "libbpf-dev >= $MIN_LIBBPF, bpftool >= $MIN_BPFTOOL and qemu-system-x86 >= $MIN_QEMU (bookworm-backports) are required"; exit 2; }
log "all dependencies present"
