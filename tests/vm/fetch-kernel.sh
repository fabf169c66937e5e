#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Fetches one of Debian's sched_ext cloud kernels into a cache folder, without touching the system's
# apt configuration: a private sources list (trixie-backports and sid), lists folder and no install.
# Prints the path of the cached vmlinuz on stdout.
#
# Usage: fetch-kernel.sh [--series X.Y | --newest] [--resolve] [CACHE_DIR]
#   --newest      the newest cloud kernel either suite has (the default)
#   --series X.Y  the newest kernel of series X.Y; when the pool no longer has that series, the oldest
#                 newer series it has (so "6.16" keeps meaning "the oldest sched_ext kernel Debian ships")
#   --resolve     print the kernel release (e.g. 6.16.12+deb13-cloud-amd64) and download nothing
#
# Package names vary: linux-image-<ver>-cloud-amd64 holds boot/vmlinuz-<ver> up to 6.18; later ones
# are linux-binary-<ver>... or linux-binary-unsigned-<ver>... with usr/lib/modules/<ver>/vmlinuz
# (linux-image-<ver> is then an empty metapackage). Each candidate is tried in turn.
# The cache is reused while its kernel is still the one the selection resolves to, or when the
# mirror cannot be reached.
set -euo pipefail
log() { printf 'fetch-kernel: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}

select=newest resolve_only=0 cache_root=""
while (($#)); do
  case $1 in
  --newest) select=newest; shift ;;
  --series)
    [[ ${2-} =~ ^[0-9]+\.[0-9]+$ ]] || die "--series wants a kernel series such as 6.16, got '${2-}'"
    select=$2; shift 2 ;;
  --resolve) resolve_only=1; shift ;;
  -h | --help) sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  -*) die "unknown option '$1' (see --help)" ;;
  *) cache_root=$1; shift ;;
  esac
done
cache=${cache_root:-${GHOSTBREW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ghostbrew}}/kernel
mkdir -p "$cache"
# One fetch at a time per cache (guests start in parallel; apt's lists folder is not shared-safe).
exec 9>"$cache/.lock"
flock 9

D="$cache/apt"
mkdir -p "$D/lists/partial" "$D/empty"
uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[[ -n $uri ]] || uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[[ -n $uri ]] || die "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources"
for suite in trixie-backports sid; do
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$uri" "$suite"
done >"$D/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$D/sources.list" -o "Dir::Etc::SourceParts=$D/empty"
  -o "Dir::State::Lists=$D/lists" -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=$D/empty" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")

# Every cloud kernel release the suites offer, oldest first (e.g. 6.16.12+deb13-cloud-amd64).
releases() {
  apt-cache "${APT_OPTS[@]}" pkgnames linux- 2>/dev/null |
    sed -nE 's/^linux-(image|binary|binary-unsigned)-([0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-cloud-amd64)$/\2/p' |
    sort -u | sort -V
}
series_of() { sed -E 's/^([0-9]+\.[0-9]+)\..*/\1/' <<<"$1"; }

# The release the selection means, among those offered (stdin).
pick() {
  local all r found=""
  mapfile -t all
  ((${#all[@]})) || return 1
  if [[ $select == newest ]]; then
    printf '%s\n' "${all[-1]}"
    return
  fi
  for r in "${all[@]}"; do # the newest of the series, else of the oldest newer series offered
    if [[ $(series_of "$r") == "$select" ]]; then
      found=$r
    elif [[ -z $found && $(printf '%s\n' "$select" "$(series_of "$r")" | sort -V | head -n1) == "$select" ]]; then
      log "series $select is no longer offered; using series $(series_of "$r")"
      select=$(series_of "$r")
      found=$r
    fi
  done
  if [[ -n $found ]]; then printf '%s\n' "$found"; return; fi
  return 1
}

# What the selection resolved to within the last hour is still right: skip the lookup (it costs
# seconds per guest boot). GHOSTBREW_KERNEL_REFRESH=1 forces it.
stamp="$cache/resolved-$select"
if [[ -z ${GHOSTBREW_KERNEL_REFRESH:-} && -n $(find "$stamp" -mmin -60 2>/dev/null) ]]; then
  rel=$(<"$stamp")
  if ((resolve_only)); then printf '%s\n' "$rel"; exit 0; fi
  if [[ -s $cache/vmlinuz-$rel ]]; then printf '%s\n' "$cache/vmlinuz-$rel"; exit 0; fi
fi

rel=""
if apt-get "${APT_OPTS[@]}" -q update >"$cache/update.log" 2>&1; then
  rel=$(releases | pick) || rel=""
fi
if [[ -z $rel ]]; then
  # Offline, or nothing matched: the newest cached kernel of the selection.
  have=$(ls -1 "$cache"/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | pick 2>/dev/null) || have=""
  [[ -n $have ]] || die "no $select kernel offered and none cached in $cache (see $cache/update.log)"
  log "mirror unreachable or $select not offered; using cached $have"
  rel=$have
fi
printf '%s\n' "$rel" >"$stamp"
if ((resolve_only)); then printf '%s\n' "$rel"; exit 0; fi
if [[ -s "$cache/vmlinuz-$rel" ]]; then
  printf '%s\n' "$cache/vmlinuz-$rel"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for pkg in "linux-binary-$rel" "linux-binary-unsigned-$rel" "linux-image-$rel"; do
  rm -rf "$work"/*.deb "$work/x"
  (cd "$work" && apt-get "${APT_OPTS[@]}" -q download "$pkg" >"$work/download.log" 2>&1) || continue
  log "downloaded $pkg"
  dpkg-deb -x "$work"/*.deb "$work/x"
  vmlinuz=$(find "$work/x" \( -path '*/modules/*/vmlinuz*' -o -name "vmlinuz-$rel" \) -type f | head -n1)
  if [[ -s $vmlinuz ]]; then
    cp "$vmlinuz" "$cache/vmlinuz-$rel.tmp" && mv "$cache/vmlinuz-$rel.tmp" "$cache/vmlinuz-$rel"
    printf '%s\n' "$cache/vmlinuz-$rel"
    exit 0
  fi
  log "$pkg holds no vmlinuz; trying the next package"
done
cp "$work/download.log" "$cache/download.log" 2>/dev/null || true
die "no package of $rel could be downloaded with a vmlinuz in it (see $cache/download.log)"
