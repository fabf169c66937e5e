# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# What one wake-up costs on an idle machine, inside the guest (bench/vm/wake-cost.sh boots it):
# cyclictest, one SCHED_OTHER thread woken by its timer at 1 kHz for LOOPS loops, under each of
# SCHEDS in turn, ROUNDS times. Per run: `GHOSTBREW-DATA <sched>.wake_p50_us N` (cyclictest's p50)
# and, from the kernel's bpf_stats, `GHOSTBREW-DATA <sched>.bpf_ns.<program> N` (run time per call).
. /guest-lib.sh
SCHEDS="eevdf refsched ghostbrew"
ROUNDS=2
LOOPS=4000
[ -f /opt/ghostbrew/share/wake-cost.conf ] && . /opt/ghostbrew/share/wake-cost.conf
REFSCHED=/opt/ghostbrew/share/refsched.bpf.o
PIN=/sys/fs/bpf/refsched
GS_LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() {
  rm -rf "$PIN"
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
}

run() { # SCHED
  case $1 in
  eevdf) ;;
  refsched) register_struct_ops "$REFSCHED" "$PIN" ;;
  *)
    GS_BIN=ghost-sched
    [ "$1" = candidate ] && GS_BIN=ghost-sched-candidate
    ghost_sched_start "$GS_LOG" || { show_file ghost-sched "$GS_LOG"; die "$1-attach" "ghost-sched did not attach"; } ;;
  esac
  cyclictest -t1 -i 1000 -l "$LOOPS" -q -m -h 20000 >/tmp/cyc.hist 2>&1 || fail "$1-cyclictest" "cyclictest exited $?"
  set -- "$1" $(hist_percentiles /tmp/cyc.hist)
  data "$1.wake_p50_us" "$2"
  [ "$1" = eevdf ] || bpf_ns_per_call "$1"
  case $1 in
  eevdf) ;;
  refsched) unregister_struct_ops "$PIN" ;;
  *) ghost_sched_stop "$GS_LOG" ;;
  esac
  pass "$1-run"
}

sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || echo 1 >/proc/sys/kernel/bpf_stats_enabled
round=1
while [ "$round" -le "$ROUNDS" ]; do
  for s in $SCHEDS; do run "$s"; done
  round=$((round + 1))
done
finish
