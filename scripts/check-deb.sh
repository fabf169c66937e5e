#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# check-deb.sh [DIR]: the packages scripts/build-deb.sh left in DIR (build/deb) pass lintian (no
# errors; warnings printed), install, work from the installed files (the tools, the conffile
# /etc/ghostbrew/config.toml, the example scheduler built on the installed libghostbrew-dev), leave
# the unit disabled and stopped on a kernel without sched_ext, keep /var/lib/ghostbrew on reinstall
# and remove, and purge without leaving anything of theirs. As root; installs and purges them (on
# exit, failure included, nothing of them stays installed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
dir=$(cd "${1:-build/deb}" && pwd)
fail() { echo "check-deb: $*" >&2; exit 1; }
pkgs=(ghostbrew libghostbrew-dev)
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'ok installed'; }
known() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -qv 'not-installed'; }

shopt -s nullglob
changes=("$dir"/ghostbrew_*_amd64.changes)
deb=("$dir"/ghostbrew_*_amd64.deb)
dev=("$dir"/libghostbrew-dev_*_amd64.deb)
((${#changes[@]} == 1 && ${#deb[@]} == 1 && ${#dev[@]} == 1)) ||
  fail "$dir: no single ghostbrew .changes, .deb and libghostbrew-dev .deb (run scripts/build-deb.sh)"
# A hand-installed ghostbrew's data would be lost to the purge below.
for p in /var/lib/ghostbrew /etc/ghostbrew; do
  if [[ -e $p ]] && ! installed ghostbrew; then
    fail "$p exists (ghostbrew installed by hand?): this check purges the package, which deletes it; move it away first"
  fi
done
purge() {
  local p
  for p in "${pkgs[@]}"; do
    if known "$p"; then apt-get purge -y -q "$p" >/dev/null 2>&1 || true; fi
  done
}
trap purge EXIT
purge

echo "check-deb: lintian ${changes[0]}"
lintian --fail-on error "${changes[0]}" || fail "lintian reports errors"

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${deb[0]}" "${dev[0]}" >"$dir/install.log" 2>&1 ||
  { cat "$dir/install.log"; fail "apt-get install failed"; }
version=$(dpkg-query -W -f='${Version}' ghostbrew)

# The installed tools, configuration and docs.
/usr/bin/ghost-topo >/dev/null
/usr/bin/ghost-topo --json | python3 -c 'import json, sys; json.load(sys.stdin)' || fail "ghost-topo --json: not JSON"
for t in /usr/bin/ghost-topo /usr/bin/ghost-probe /usr/sbin/ghost-sched; do
  "$t" --version | grep -q "^${t##*/} $version (git " || fail "$t --version does not say $version"
done
dpkg-query -W -f='${Conffiles}\n' ghostbrew | grep -q '^ /etc/ghostbrew/config.toml ' ||
  fail "/etc/ghostbrew/config.toml is not a conffile"
/usr/sbin/ghost-sched --check-config | grep -q '^/etc/ghostbrew/config.toml: ok' ||
  fail "ghost-sched --check-config refuses the installed /etc/ghostbrew/config.toml"
man=$(zcat /usr/share/man/man8/ghost-sched.8.gz)
[[ ${man//\\-/-} == *--slice-us* ]] || fail "ghost-sched.8 lacks --slice-us"
for t in ghost-topo ghost-probe ghost-sched; do
  bash -c 'source "$1"; complete -p "$2"' _ "/usr/share/bash-completion/completions/$t" "$t" >/dev/null ||
    fail "completion of $t does not register"
done
systemd-analyze verify /lib/systemd/system/ghostbrew.service

# No sched_ext on this kernel: the unit stays disabled and nothing started.
[[ ! -d /sys/kernel/sched_ext ]] || fail "this kernel has sched_ext: the not-enabled check needs one without"
[[ ! -e /etc/systemd/system/multi-user.target.wants/ghostbrew.service ]] || fail "ghostbrew.service enabled without sched_ext"
[[ $(systemctl is-enabled ghostbrew.service 2>/dev/null || true) == disabled ]] || fail "ghostbrew.service is not 'disabled'"
if [[ -d /run/systemd/system ]]; then
  ! systemctl -q is-active ghostbrew.service || fail "ghostbrew.service started without sched_ext"
fi
! pidof ghost-sched >/dev/null || fail "a ghost-sched runs"

# The example scheduler on the installed libghostbrew-dev, found in /usr with no prefix given.
rm -rf "$dir/llc-vtime"
cmake -S examples/llc-vtime -B "$dir/llc-vtime" -G Ninja -DCMAKE_CXX_FLAGS=-Werror >/dev/null
grep -qx 'ghostbrew_DIR:PATH=/usr/lib/x86_64-linux-gnu/cmake/ghostbrew' "$dir/llc-vtime/CMakeCache.txt" ||
  fail "examples/llc-vtime found $(grep '^ghostbrew_DIR' "$dir/llc-vtime/CMakeCache.txt"), not the package's"
cmake --build "$dir/llc-vtime" -j "$(nproc)" >/dev/null
[[ $(pkg-config --modversion ghostbrew) == "$version" ]] || fail "pkg-config ghostbrew: not $version"

# The learned data: kept on reinstall (an upgrade's maintainer-script path) and on remove.
mkdir -p /var/lib/ghostbrew
echo check-deb >/var/lib/ghostbrew/procdb.bin
dpkg -i "${deb[0]}" >/dev/null
[[ -s /var/lib/ghostbrew/procdb.bin ]] || fail "reinstall removed /var/lib/ghostbrew/procdb.bin"
mapfile -t files < <(dpkg -L "${pkgs[@]}" | grep -vx "/.")
apt-get remove -y -q "${pkgs[@]}" >/dev/null
[[ -s /var/lib/ghostbrew/procdb.bin ]] || fail "remove deleted /var/lib/ghostbrew/procdb.bin"
[[ -e /etc/ghostbrew/config.toml ]] || fail "remove deleted the conffile /etc/ghostbrew/config.toml"
[[ ! -e /usr/sbin/ghost-sched ]] || fail "remove left /usr/sbin/ghost-sched"

# Purge (libghostbrew-dev, without conffiles, is gone with the remove): nothing of theirs left (a
# directory another package owns stays).
apt-get purge -y -q ghostbrew >/dev/null
for p in ghostbrew libghostbrew-dev; do ! known "$p" || fail "$p still known to dpkg after purge"; done
for p in /var/lib/ghostbrew /etc/ghostbrew /var/lib/systemd/deb-systemd-helper-enabled/ghostbrew.service.dsh-also \
  /var/lib/systemd/deb-systemd-helper-masked/ghostbrew.service; do
  [[ ! -e $p ]] || fail "purge left $p"
done
for f in "${files[@]}"; do
  if [[ -e $f || -L $f ]] && ! { [[ -d $f ]] && dpkg -S "$f" >/dev/null 2>&1; }; then
    fail "purge left $f"
  fi
done
echo "check-deb: lintian clean of errors; installed, used, reinstalled, removed and purged ${#files[@]} paths: nothing left"
