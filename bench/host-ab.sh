#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Scheduler A/B on a real sched_ext machine, no guest: runs bench/vm/guest-ab.sh's workloads (game
# under load, cyclictest, hackbench, batch, mixed) directly on this host under each scheduler in
# turn, REPEAT rounds interleaved, and feeds the log to bench/vm/report.py (the same table, plot and
# last `ratios:` line as bench/vm/ab.sh).
#
# Usage: bench/host-ab.sh [--build DIR] [--out DIR] [--scheds "eevdf eevdf-fifo refsched ghostbrew"]
#                         [--repeat N] [--frame-s N] [--cyclic-s N] [--background "hogs storm"]
#                         [--candidate GHOST-SCHED] [--trace-ms MS] [--no-report]
# Needs root, a kernel with sched_ext and no scheduler attached, stress-ng, rt-tests (cyclictest,
# hackbench), bpftool, python3 with matplotlib (unless --no-report) and a build with framesim,
# ghost-sched and refsched.bpf.o. It loads CPU hogs on every CPU for minutes: run it on an otherwise
# idle machine. ghost-sched keeps its learned state in the run's scratch directory (a fresh state
# per round), never in /var/lib/ghostbrew. Refuses with one line and exit 2 when a requirement is
# missing; exits 1 when a workload or scheduler failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "host-ab: $*" >&2; exit 2; }
. "$root/bench/ab-options.sh"
out=$root/build/host-ab report=1
while (($#)); do
  if ab_option "$@"; then shift "$AB_SHIFT"; continue; fi
  case $1 in
  --no-report) report=0; shift ;;
  *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
done
ab_check_scheds

# --- Refusals: one line each, before anything is started. ---------------------------------------
scx=/sys/kernel/sched_ext
[[ -r $scx/state ]] || die "this kernel ($(uname -r)) has no sched_ext ($scx missing): use bench/vm/ab.sh"
state=$(cat $scx/state)
ops=$(cat $scx/root/ops 2>/dev/null || true)
[[ $state == disabled && -z $ops ]] ||
  die "a sched_ext scheduler is already attached (${ops:-?}, state $state): stop it first"
[[ $(id -u) -eq 0 ]] || die "needs root (attaches schedulers, sets SCHED_FIFO); try: sudo $0"
for t in stress-ng cyclictest hackbench bpftool chrt nice setsid; do
  PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null || die "$t not found (scripts/install-deps.sh)"
done
need=("$build/bench/framesim/framesim" "$build/apps/ghost-sched/ghost-sched" "$build/bpf/refsched.bpf.o")
for f in "${need[@]}"; do [[ -f $f ]] || die "missing $f: build first (cmake --build $build)"; done
if [[ " $scheds " == *" refsched "* ]]; then
  [[ $(stat -f -c %T /sys/fs/bpf 2>/dev/null) == bpf_fs ]] || die "bpffs is not mounted at /sys/fs/bpf (refsched pins its link there)"
  [[ ! -e /sys/fs/bpf/refsched ]] || die "/sys/fs/bpf/refsched already exists: remove it first"
fi
((report == 0)) || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
  die "/usr/bin/python3 with matplotlib not found (scripts/install-deps.sh), or pass --no-report"

# --- The run: guest-ab.sh with this host's paths, in its own session (cleaned up as one). --------
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/ghostbrew-host-ab.XXXXXX")
mkdir -p "$work/bin" "$work/share"
ln -s "$(readlink -f "$build/bench/framesim/framesim")" "$work/bin/framesim"
ln -s "$(readlink -f "$build/apps/ghost-sched/ghost-sched")" "$work/bin/ghost-sched"
ln -s "$(readlink -f "$build/bpf/refsched.bpf.o")" "$work/share/refsched.bpf.o"
[[ -z $candidate ]] || ln -s "$candidate" "$work/bin/ghost-sched-candidate"
printf 'SCHEDS="%s"\nFRAME_S=%s\nCYCLIC_S=%s\nREPEAT=%s\nBACKGROUND="%s"\nTRACE_MS=%s\n' \
  "$scheds" "$frame_s" "$cyclic_s" "$repeat" "$background" "$trace_ms" | tee "$out/ab.conf" >"$work/share/ab.conf"
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
# session_pids SID: the processes in session SID (field 6 of /proc/PID/stat).
session_pids() {
  local f line st ppid pgrp sess
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    read -r st ppid pgrp sess _ <<<"${line##*) }"
    [[ $sess == "$1" ]] && echo "${f//[^0-9]/}"
  done
  return 0
}
cleanup() {
  local sid
  sid=$(cat "$work/sid" 2>/dev/null || true)
  # Everything the workloads started is in the session guest-ab.sh runs in (hogs, ghost-sched...).
  if [[ -n $sid ]]; then kill -TERM $(session_pids "$sid") 2>/dev/null || true; fi
  rm -rf /sys/fs/bpf/refsched
  { echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled; } 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log=$out/host-ab.log
echo "host-ab: $(uname -r), $(nproc) CPUs; schedulers: $scheds; rounds: $repeat; log $log" >&2
status=0
# bash, not sh: the workloads need job control (own process groups, SIGINT left at its default)
# without a terminal, which dash does not give.
AB_LIB=$root/tests/vm/guest-lib.sh AB_BIN=$work/bin AB_SHARE=$work/share AB_WORK=$work \
  setsid bash -c 'echo $$ >"$1"; exec bash "$2"' host-ab "$work/sid" "$root/bench/vm/guest-ab.sh" 2>&1 |
  tee "$log" >&2 || status=$?
state=$(cat $scx/state)
[[ $state == disabled ]] || { echo "host-ab: sched_ext state is $state after the run" >&2; status=1; }
grep -q '^GHOSTBREW-FAIL' "$log" && status=1
if grep -q '^\[ghost-sched\]' "$log"; then
  echo "ghost-sched (its own lines; --stats 1, every 5th stats line shown):"
  grep '^\[ghost-sched\]' "$log" | sed 's/^\[ghost-sched\] /  /'
  echo
fi
if ((report)); then
  /usr/bin/python3 "$root/bench/vm/report.py" "$log" --mode "host $(uname -r), $(nproc) CPUs" \
    --plot "$out/ab.png" --json "$out/ab.json" || status=1
fi
exit $status
