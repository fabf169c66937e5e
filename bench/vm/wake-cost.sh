#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# What one wake-up costs on an idle machine: an icount guest (2 vCPUs, nothing else running) wakes
# cyclictest's timer thread at 1 kHz under EEVDF, refsched (the reference scheduler: the floor for
# BPF scheduling overhead), ghostbrew and, with --candidate, another ghost-sched build, in turns
# (bench/vm/guest-wake-cost.sh). Prints per scheduler the median over the rounds of the wake-up p50
# and of each callback's run time per call (kernel bpf_stats), and each callback's ratio to
# refsched's: the README's BPF-cost figures.
# Usage: bench/vm/wake-cost.sh [--build DIR] [--rounds N] [--loops N] [--candidate GHOST-SCHED]
#                              [--out DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "wake-cost: $*" >&2; exit 2; }
positive() { [[ ${2-} =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive integer, got '${2-}'"; }
build=$root/build/release out=$root/build/wake-cost rounds=2 loops=4000 candidate=""
while (($#)); do
  case $1 in
  --build) [[ -n ${2-} ]] || die "--build wants a directory"; build=$2; shift 2 ;;
  --out) [[ -n ${2-} ]] || die "--out wants a directory"; out=$2; shift 2 ;;
  --rounds) positive "$1" "${2-}"; rounds=$2; shift 2 ;;
  --loops) positive "$1" "${2-}"; loops=$2; shift 2 ;;
  --candidate) [[ -f ${2-} && -x ${2-} ]] || die "--candidate wants a ghost-sched binary, got '${2-}'"
    candidate=$(realpath "$2"); shift 2 ;;
  *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
done
for f in "$build/apps/ghost-sched/ghost-sched" "$build/bpf/refsched.bpf.o"; do
  [[ -f $f ]] || die "missing $f: build first (cmake --build $build)"
done
mkdir -p "$out"
scheds="eevdf refsched ghostbrew" adds=()
if [[ -n $candidate ]]; then
  scheds+=" candidate"
  cp "$candidate" "$out/ghost-sched-candidate"
  adds=(--add "$out/ghost-sched-candidate")
fi
printf 'SCHEDS="%s"\nROUNDS=%s\nLOOPS=%s\n' "$scheds" "$rounds" "$loops" >"$out/wake-cost.conf"
log=$out/wake-cost.log
echo "wake-cost: icount guest, 2 vCPUs; $scheds; $rounds rounds; serial log $log" >&2
status=0
"$root/tests/vm/run-guest.sh" --icount 2 --smp 2 --timeout $((600 + rounds * loops / 4)) --log "$log" \
  "${adds[@]}" --add "$build/apps/ghost-sched/ghost-sched" --add "$build/bpf/refsched.bpf.o" \
  --add "$out/wake-cost.conf" "$root/bench/vm/guest-wake-cost.sh" >&2 || status=$?
# The medians: wake-up p50 per scheduler, then one line per callback on the wake-up path with each
# BPF scheduler's figure and its ratio to refsched's.
tr -d '\r' <"$log" | awk -v scheds="$scheds" '
  function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n ? a[int((n + 1) / 2)] : ""
  }
  # bpf_ns keys name the program (refsched_enqueue, ghostbrew_enqueue): keyed here by callback.
  $1 == "GHOSTBREW-DATA" { k = $2; if (k ~ /\.bpf_ns\./) sub(/\.bpf_ns\.[a-z]+_/, ".bpf_ns.", k); vals[k] = vals[k] " " $3 }
  END {
    ns = split(scheds, s, " ")
    printf "%-12s", "wake p50 us"; for (i = 1; i <= ns; i++) printf " %10s %s", median(s[i] ".wake_p50_us"), s[i]; print ""
    printf "%-12s", "callback"; for (i = 2; i <= ns; i++) printf " %18s", s[i] " ns"; print "  (ratio to refsched)"
    nops = split("select_cpu enqueue dispatch running stopping quiescent", ops, " ")
    for (o = 1; o <= nops; o++) {
      op = ops[o]; ref = median("refsched.bpf_ns." op); printf "%-12s", op
      for (i = 2; i <= ns; i++) {
        v = median(s[i] ".bpf_ns." op)
        if (v == "") printf " %18s", ""
        else if (i > 2 && ref > 0) printf " %11.0f (%4.1fx)", v, v / ref
        else printf " %18.0f", v
      }
      print ""
    }
  }'
exit $status
