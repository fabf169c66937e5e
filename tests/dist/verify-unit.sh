#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# verify-unit.sh UNIT BINARY: systemd-analyze verify on dist/systemd/ghostbrew.service with its
# ExecStart pointed at the built ghost-sched (verify checks that the binary exists). Any warning
# fails (verify only warns about unknown values), and the unit must keep the settings the service
# depends on.
set -euo pipefail
unit=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found (package systemd, scripts/install-deps.sh)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -q '^ExecStart=/usr/local/sbin/ghost-sched$' "$unit" ||
  { echo "$unit: no 'ExecStart=/usr/local/sbin/ghost-sched' line to point at the build"; exit 1; }
sed "s|^ExecStart=/usr/local/sbin/ghost-sched$|ExecStart=$bin|" "$unit" >"$tmp/ghostbrew.service"
if ! out=$(systemd-analyze verify --man=no "$tmp/ghostbrew.service" 2>&1); then
  echo "systemd-analyze verify failed:"; echo "$out"; exit 1
fi
[[ -z $out ]] || { echo "systemd-analyze verify warned:"; echo "$out"; exit 1; }
for want in Type=notify Restart=on-failure ConditionPathIsDirectory=/sys/kernel/sched_ext \
  StateDirectory=ghostbrew RuntimeDirectory=ghostbrew WatchdogSec= NotifyAccess=main \
  RestartPreventExitStatus=2; do
  grep -q "^$want" "$unit" || { echo "$unit: no $want"; exit 1; }
done
echo "ghostbrew.service: systemd-analyze verify clean"
