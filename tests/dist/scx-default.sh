#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# scx-default.sh FILE BINARY: the /etc/default/scx that README documents, read the way scx.service
# reads it (EnvironmentFile=: KEY=VALUE lines, one pair of enclosing quotes removed) and run the way
# scx.service runs it (bash -c 'exec $SCX_SCHEDULER $SCX_FLAGS', ghost-sched found on PATH), with a
# fake --root appended so nothing is attached: ghost-sched must accept every flag and stop at the
# preflight (no sched_ext under the fake root), not at its command line.
set -uo pipefail
file=$1 bin=$2
env_args=()
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || { echo "$file: not KEY=VALUE: $line"; exit 1; }
  key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
  if [[ $value =~ ^\'(.*)\'$ || $value =~ ^\"(.*)\"$ ]]; then value=${BASH_REMATCH[1]}; fi
  env_args+=("$key=$value")
done <"$file"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
out=$(env -i PATH="$(dirname "$bin"):/usr/sbin:/usr/bin:/bin" "${env_args[@]}" FAKE_ROOT="--root $root" \
  /bin/bash -c 'exec $SCX_SCHEDULER $SCX_FLAGS $FAKE_ROOT' 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 1 ]] || { echo "exit status $rc, want 1 (the preflight's refusal)"; exit 1; }
grep -q 'sched_ext' <<<"$out" || { echo "no preflight refusal naming sched_ext: the flags did not parse"; exit 1; }
echo "$file: scx.service would start ghost-sched with these flags"
