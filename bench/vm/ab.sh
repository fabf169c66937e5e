#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Scheduler A/B: boots the sched_ext guest once and runs the same game-under-load, cyclictest,
# hackbench, batch and mixed workloads (bench/vm/guest-ab.sh) under each scheduler in turn, REPEAT
# rounds interleaved (eevdf, eevdf-fifo, ..., ghostbrew, eevdf, eevdf-fifo, ...), then prints the
# comparison table (medians and min-max over the rounds when REPEAT > 1), the plot's path and, last,
# a machine-readable `ratios:` line (ghostbrew/eevdf, of the medians).
#
# Two emulator modes (see bench/README.md):
#   default     single-threaded TCG, -icount shift=SHIFT, 4 vCPUs: guest time follows the instruction
#               count (repeatable on a noisy shared host), vCPUs run in turns, not in parallel.
#   --parallel  multi-threaded TCG (QEMU >= 10), 2 vCPUs on the host's 2 cores: truly parallel CPUs,
#               guest time is host time (noisy: use --repeat and compare medians).
#
# Usage: bench/vm/ab.sh [--build DIR] [--out DIR] [--scheds "eevdf eevdf-fifo refsched ghostbrew"]
#                       [--repeat N] [--parallel | --icount SHIFT] [--frame-s N] [--cyclic-s N]
#                       [--background "hogs storm"] [--candidate GHOST-SCHED] [--trace-ms MS]
#                       [--timeout SECS]
# Schedulers: eevdf, eevdf-nice, eevdf-fifo (EEVDF with the game and cyclictest at nice -20 /
# SCHED_FIFO: what priority alone buys), refsched, ghostbrew, and candidate (--candidate: another
# ghost-sched build, e.g. a patch under test, in the same rounds as ghostbrew).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "ab: $*" >&2; exit 2; }
. "$root/bench/ab-options.sh"
out=$root/build/ab icount="" parallel=0 timeout_s=""
while (($#)); do
  if ab_option "$@"; then shift "$AB_SHIFT"; continue; fi
  case $1 in
  --icount) [[ ${2-} =~ ^[0-9]+$ ]] || die "--icount wants a shift 0..10, got '${2-}'"; icount=$2; shift 2 ;;
  --parallel) parallel=1; shift ;;
  --timeout) positive "$1" "${2-}"; timeout_s=$2; shift 2 ;; # the guest's budget (default: estimated)
  *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
done
[[ -n $icount ]] && ((parallel)) && die "--icount and --parallel exclude each other"
ab_check_scheds
mkdir -p "$out"
need=("$build/bench/framesim/framesim" "$build/apps/ghost-sched/ghost-sched" "$build/bpf/refsched.bpf.o")
for f in "${need[@]}"; do
  [[ -f $f ]] || die "missing $f: build first (cmake --build $build)"
done
printf 'SCHEDS="%s"\nFRAME_S=%s\nCYCLIC_S=%s\nREPEAT=%s\nBACKGROUND="%s"\nTRACE_MS=%s\n' \
  "$scheds" "$frame_s" "$cyclic_s" "$repeat" "$background" "$trace_ms" >"$out/ab.conf"
if ((parallel)); then
  mode=(--parallel --smp 2) mode_text="multi-threaded TCG, 2 vCPUs"
else
  mode=(--icount "${icount:-2}") mode_text="icount shift ${icount:-2}, 4 vCPUs"
fi
# Budget: per scheduler and round ~4 game runs (game, split game, mixed, the mixed VM) + cyclictest + ~2 min (attach, hackbench, batch,
# the daemon's idle sample), tripled for slow hosts, plus the boot; at least 30 min.
nsched=$(wc -w <<<"$scheds")
if [[ -z $timeout_s ]]; then
  timeout_s=$((300 + 3 * repeat * nsched * (4 * frame_s + cyclic_s + 120)))
  ((timeout_s >= 1800)) || timeout_s=1800
fi
log=$out/ab.log
echo "ab: booting the guest ($mode_text); schedulers: $scheds; rounds: $repeat; serial log $log" >&2
status=0
# The split game's input thread reads a virtio keyboard the host types on at 1 kHz (QMP).
input=(--module virtio_input --module evdev --device virtio-keyboard-pci --qmp-input 1000)
adds=()
if [[ -n $candidate ]]; then
  cp "$candidate" "$out/ghost-sched-candidate"
  adds=(--add "$out/ghost-sched-candidate")
fi
"$root/tests/vm/run-guest.sh" "${mode[@]}" "${input[@]}" --timeout "$timeout_s" --log "$log" "${adds[@]}" \
  --add "$build/bench/framesim/framesim" --add "$build/apps/ghost-sched/ghost-sched" \
  --add "$build/bpf/refsched.bpf.o" --add "$out/ab.conf" \
  "$root/bench/vm/guest-ab.sh" >&2 || status=$?
if grep -q '^\[ghost-sched\]' "$log"; then
  echo "ghost-sched in the guest (its own lines; --stats 1, every 5th stats line shown):"
  grep '^\[ghost-sched\]' "$log" | sed 's/^\[ghost-sched\] /  /'
  echo
fi
/usr/bin/python3 "$root/bench/vm/report.py" "$log" --mode "$mode_text" --plot "$out/ab.png" --json "$out/ab.json" || status=1
exit $status
