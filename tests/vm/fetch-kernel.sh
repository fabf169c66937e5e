#!/usr/bin/env bash
# Fetches Debian sid's cloud kernel (it has CONFIG_SCHED_CLASS_EXT=y) into a cache folder, without
# touching the system's apt configuration: a private sources list, lists folder and no install.
# Prints the path of the cached vmlinuz on stdout. Usage: fetch-kernel.sh [CACHE_DIR]
# The cache is reused while its kernel is still the newest sid offers, or when sid cannot be reached.
set -euo pipefail
cache=${1:-${GHOSTBREW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ghostbrew}}/kernel
mkdir -p "$cache"
log() { printf 'fetch-kernel: %s\n' "$*" >&2; }

D="$cache/apt"
mkdir -p "$D/lists/partial" "$D/empty" "$D/archives/partial"
uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[[ -n $uri ]] || uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[[ -n $uri ]] || { log "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources"; exit 2; }
printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s sid main\n' "$uri" > "$D/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$D/sources.list" -o "Dir::Etc::SourceParts=$D/empty"
  -o "Dir::State::Lists=$D/lists" -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=$D/empty" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")

cached() { ls -1 "$cache"/vmlinuz-* 2>/dev/null | sort -V | tail -n1; }

# A kernel resolved within the last hour is still the newest: skip the lookup (it costs seconds per
# guest boot). GHOSTBREW_KERNEL_REFRESH=1 forces it.
stamp="$cache/resolved"
if [[ -z ${GHOSTBREW_KERNEL_REFRESH:-} && -n $(find "$stamp" -mmin -60 2>/dev/null) ]]; then
  recent=$(<"$stamp")
  if [[ -s $recent ]]; then printf '%s\n' "$recent"; exit 0; fi
fi

ver=""
if apt-get "${APT_OPTS[@]}" -q update >"$cache/update.log" 2>&1; then
  img=$(apt-cache "${APT_OPTS[@]}" depends linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | grep -v unsigned | head -n1)
  ver=${img#linux-image-}
fi
if [[ -z $ver ]]; then
  have=$(cached)
  [[ -n $have ]] || { log "sid unreachable and nothing cached in $cache (see $cache/update.log)"; exit 2; }
  log "sid unreachable; using cached $have"
  printf '%s\n' "$have"; exit 0
fi
if [[ -s "$cache/vmlinuz-$ver" ]]; then
  printf '%s\n' "$cache/vmlinuz-$ver" | tee "$stamp"
  exit 0
fi

log "downloading linux-binary-$ver"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
( cd "$work" && apt-get "${APT_OPTS[@]}" -q download "linux-binary-$ver" >&2 )
deb=$(ls "$work"/linux-binary-*.deb)
dpkg-deb -x "$deb" "$work/x"
vmlinuz=$(find "$work/x" -path '*/modules/*/vmlinuz' -o -name "vmlinuz-$ver" | head -n1)
[[ -s $vmlinuz ]] || { log "no vmlinuz inside $deb"; exit 2; }
cp "$vmlinuz" "$cache/vmlinuz-$ver.tmp" && mv "$cache/vmlinuz-$ver.tmp" "$cache/vmlinuz-$ver"
printf '%s\n' "$cache/vmlinuz-$ver" | tee "$stamp"
