#!/usr/bin/env bash
# Scheduler A/B: boots the sched_ext guest once (icount: guest time follows instructions, so the
# comparison holds on a noisy shared host) and runs the same game-under-load, cyclictest, hackbench
# and batch workloads under EEVDF, the in-repo reference scheduler and ghostbrew, then prints the
# comparison table, the plot's path and, last, a machine-readable `ratios:` line.
#
# Usage: bench/vm/ab.sh [--build DIR] [--out DIR] [--scheds "eevdf refsched ghostbrew"] (also: eevdf-nice eevdf-fifo)
#                       [--frame-s N] [--cyclic-s N] [--icount SHIFT] [--background "hogs storm"]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build/release out=$root/build/ab scheds="eevdf refsched ghostbrew" frame_s=10 cyclic_s=10 icount=2
background="hogs storm"
while (($#)); do
  case $1 in
  --build) build=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --scheds) scheds=$2; shift 2 ;;
  --frame-s) frame_s=$2; shift 2 ;;
  --cyclic-s) cyclic_s=$2; shift 2 ;;
  --icount) icount=$2; shift 2 ;;
  --background) background=$2; shift 2 ;;
  *) echo "ab: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
need=("$build/bench/framesim/framesim" "$build/apps/ghost-sched/ghost-sched" "$build/bpf/refsched.bpf.o")
for f in "${need[@]}"; do
  [[ -f $f ]] || { echo "ab: missing $f: build first (cmake --build $build)" >&2; exit 2; }
done
printf 'SCHEDS="%s"\nFRAME_S=%s\nCYCLIC_S=%s\nBACKGROUND="%s"\n' "$scheds" "$frame_s" "$cyclic_s" "$background" >"$out/ab.conf"
log=$out/ab.log
echo "ab: booting the guest (icount shift $icount); schedulers: $scheds; serial log $log" >&2
status=0
"$root/tests/vm/run-guest.sh" --icount "$icount" --timeout 1800 --log "$log" \
  --add "$build/bench/framesim/framesim" --add "$build/apps/ghost-sched/ghost-sched" \
  --add "$build/bpf/refsched.bpf.o" --add "$out/ab.conf" \
  "$root/bench/vm/guest-ab.sh" >&2 || status=$?
if grep -q '^\[ghost-sched\]' "$log"; then
  echo "ghost-sched in the guest (its own lines; --stats 1, every 5th stats line shown):"
  grep '^\[ghost-sched\]' "$log" | sed 's/^\[ghost-sched\] /  /'
  echo
fi
/usr/bin/python3 "$root/bench/vm/report.py" "$log" --plot "$out/ab.png" --json "$out/ab.json" || status=1
exit $status
