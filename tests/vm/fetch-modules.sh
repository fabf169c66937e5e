#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Fetches kernel modules of one of Debian's sched_ext cloud kernels (the linux-modules-REL package,
# where evdev and virtio_input live: the cloud kernel builds them as modules), decompresses the ones
# asked for into a cache folder and prints that folder. Busybox's insmod loads a decompressed .ko;
# the modules named here must have no dependencies outside the kernel image (insmod resolves none).
# Like fetch-kernel.sh, it uses a private apt configuration and installs nothing.
#
# Usage: fetch-modules.sh RELEASE MODULE... (RELEASE as in vmlinuz-RELEASE, MODULE without .ko)
set -euo pipefail
log() { printf 'fetch-modules: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}
(($# >= 2)) || die "usage: fetch-modules.sh RELEASE MODULE..."
rel=$1
shift
[[ $rel =~ ^[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-cloud-amd64$ ]] || die "'$rel' is not a cloud kernel release"
cache=${GHOSTBREW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ghostbrew}/kernel
dir=$cache/modules-$rel
missing=()
for m in "$@"; do
  [[ $m =~ ^[a-z0-9_-]+$ ]] || die "'$m' is not a module name"
  [[ -s $dir/$m.ko ]] || missing+=("$m")
done
if ((${#missing[@]})); then
  D="$cache/apt" # fetch-kernel.sh's private apt state (its lists are up to date when the kernel is)
  [[ -f $D/sources.list ]] || die "no apt state in $D: run tests/vm/fetch-kernel.sh first"
  APT_OPTS=(-o "Dir::Etc::SourceList=$D/sources.list" -o "Dir::Etc::SourceParts=$D/empty"
    -o "Dir::State::Lists=$D/lists" -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=$D/empty" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get "${APT_OPTS[@]}" -q download "linux-modules-$rel" >"$work/download.log" 2>&1) ||
    die "cannot download linux-modules-$rel: $(tail -n 2 "$work/download.log" | tr '\n' ' ')"
  log "downloaded linux-modules-$rel"
  dpkg-deb -x "$work"/*.deb "$work/x"
  mkdir -p "$dir"
  for m in "${missing[@]}"; do
    ko=$(find "$work/x" -name "$m.ko*" -type f | head -n1)
    [[ -n $ko ]] || die "linux-modules-$rel has no module $m"
    case $ko in
    *.ko.xz) xz -dc "$ko" >"$dir/$m.ko.tmp" ;;
    *.ko.zst) zstd -qdc "$ko" >"$dir/$m.ko.tmp" ;;
    *.ko.gz) gzip -dc "$ko" >"$dir/$m.ko.tmp" ;;
    *) cp "$ko" "$dir/$m.ko.tmp" ;;
    esac
    mv "$dir/$m.ko.tmp" "$dir/$m.ko"
  done
fi
printf '%s\n' "$dir"
