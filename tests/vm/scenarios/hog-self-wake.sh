# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched framesim
# vm-args: --icount 2
# vm-timeout: 360
# hog-self-wake: a CPU hog that wakes itself gains no priority from the wake-up biases
# (bpf/wake_chain.bpf.h). On CPU 0, a plain busy loop shares the CPU with a hog that wakes itself
# (framesim --selfwake as /tmp/hogd): from a timer (BURST_US of CPU, then a SLEEP_US sleep: its
# wake-ups come from interrupt context, and its bursts are short enough to be granted the interrupt
# bias) and through a pipe (a partner thread hands a byte straight back after each 2 ms burst), each
# for RUN_S seconds; under EEVDF (nothing attached) and under ghostbrew with the interrupt bias on
# (--irq-wake-hops 2; it is off by default) in the same guest. Its figure is the self-waking hog's CPU
# time over the plain hog's.
# Pass: under ghostbrew the self-waking hog gets at most MAX_RATIO (1.15) x the plain hog's CPU time
# (it sleeps a little, so fair is just under 1): a bias changes where a wake-up queues, not how much
# CPU the task is owed. The interrupt grants of the phase are reported (irq_boosts); the timer hog's
# own hard-interrupt wake-ups are not recognised yet (bpf/NOTES.md), so today this proves the pipe
# case and virtual time's share, and will prove the timer case once they are.
. /guest-lib.sh
RUN_S=6
BURST_US=250
SLEEP_US=50
MAX_RATIO=1.15
LOG=/tmp/ghost-sched.log
GS_PID=
plain=
cleanup() {
  [ -n "$plain" ] && kill "$plain" 2>/dev/null
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$LOG"
}
cp /opt/ghostbrew/bin/framesim /tmp/hogd || die binaries "cannot copy framesim"

# measure PHASE KIND ARGS...: the self-waking hog beside a plain one on CPU 0; prints their CPU
# time ratio.
measure() {
  phase=$1 kind=$2
  shift 2
  taskset -c 0 sh -c 'while :; do :; done' &
  plain=$!
  p0=$(cpu_ns "$plain")
  taskset -c 0 /tmp/hogd --selfwake "$kind" "$@" --duration "$RUN_S" --label "hog-self-wake.$phase.$kind" \
    >"/tmp/hog-$phase-$kind.out" 2>&1
  rc=$?
  p1=$(cpu_ns "$plain")
  kill "$plain"
  wait "$plain" 2>/dev/null
  plain=
  [ "$rc" = 0 ] || { show_file hogd "/tmp/hog-$phase-$kind.out" >&2; return 1; }
  h=$(sed -n 's/^GHOSTBREW-DATA [^ ]*\.cpu_ms //p' "/tmp/hog-$phase-$kind.out")
  awk -v h="$h" -v a="$p0" -v b="$p1" 'BEGIN { p = (b - a) / 1e6; printf "%.3f\n", (p > 0 ? h / p : 99) }'
}

run() { # PHASE: both kinds; sets timer_PHASE and pipe_PHASE
  r=$(measure "$1" timer --burst-us "$BURST_US" --sleep-us "$SLEEP_US") && [ -n "$r" ] ||
    die "$1-timer" "the timer hog failed under $1"
  eval "timer_$1=$r"
  data "hog-self-wake.$1.timer_over_plain" "$r"
  r=$(measure "$1" pipe --burst-us 2000) && [ -n "$r" ] || die "$1-pipe" "the pipe hog failed under $1"
  eval "pipe_$1=$r"
  data "hog-self-wake.$1.pipe_over_plain" "$r"
}

expect_eq eevdf-phase-unattached "$(sched_state)" disabled
run eevdf
ghost_sched_start "$LOG" --stats 2 --irq-wake-hops 2 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
snapshot_stats
irq0=$(stat_sum irq_boosts)
run ghostbrew
snapshot_stats
irq1=$(stat_sum irq_boosts)
data hog-self-wake.ghostbrew.irq_boosts "$((irq1 - irq0))"
for kind in timer pipe; do
  eval "g=\$${kind}_ghostbrew e=\$${kind}_eevdf"
  if awk_true "$g <= $MAX_RATIO"; then pass "$kind-hog-gains-nothing"; else
    fail "$kind-hog-gains-nothing" "the $kind-woken hog got ${g}x the plain hog's CPU under ghostbrew" \
      "(EEVDF ${e}x in the same run); want <= ${MAX_RATIO}x"
  fi
done
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
finish
