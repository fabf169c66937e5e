# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched framesim
# vm-args: --icount 2 --module virtio_input --module evdev --device virtio-keyboard-pci --qmp-input 1000
# vm-timeout: 480
# input-evdev: input through the real input layer reaches its reader quickly beside CPU hogs, by the
# interrupt wake-up rule (bpf/wake_chain.bpf.h), not by a name. The guest has a virtio keyboard
# (virtio_input and evdev insmod-ed from the kernel's own modules); the host types on it through
# QEMU's QMP input-send-event at 1 kHz (run-guest.sh --qmp-input) between GHOSTBREW-INPUT start and
# stop. The reader is framesim as /tmp/inputd (a name no rule knows; its input thread reads the
# keyboard's /dev/input/eventN): each event's latency is from the kernel's timestamp (CLOCK_MONOTONIC,
# taken when the device's interrupt delivers it) to read()'s return. RUN_S seconds beside `nproc`
# stress-ng CPU hogs: under EEVDF (nothing attached), under ghostbrew, and under ghostbrew with
# --irq-wake-hops 0 (the rule off), in the same guest. The rule is off by default, so the ghostbrew
# phase turns it on (--irq-wake-hops 2). Pending: it fails today (bpf/NOTES.md).
# Pass: with the rule, the p99 <= P99_FACTOR (0.5) x EEVDF's (floor FLOOR_US), and with it off the p99
# is higher than with it (the difference is the rule's).
. /guest-lib.sh
RUN_S=6
P99_FACTOR=0.5
FLOOR_US=300
LOG=/tmp/ghost-sched.log
cleanup() {
  echo "GHOSTBREW-INPUT stop" >&2
  ghost_cleanup "$LOG"
}
N=$(nproc)
insmod /lib/modules/virtio_input.ko && insmod /lib/modules/evdev.ko || die modules "cannot load virtio_input and evdev"
sleep 1
dev=$(awk '/^N: Name=/ { kb = /Virtio Keyboard/ } kb && /^H: Handlers=/ {
  for (i = 1; i <= NF; i++) if ($i ~ /^event[0-9]+$/) print "/dev/input/" $i }' /proc/bus/input/devices | head -n1)
[ -c "$dev" ] || die keyboard "no virtio keyboard event device: $(cat /proc/bus/input/devices)"
pass keyboard
cp /opt/ghostbrew/bin/framesim /tmp/inputd || die binaries "cannot copy framesim"

# measure PHASE: the reader beside N hogs while the host types; prints "p50 p99 events".
measure() {
  load_start stress-ng --cpu "$N" --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1
  sleep 1
  echo "GHOSTBREW-INPUT start" >&2
  /tmp/inputd --input-dev "$dev" --workers 0 --fps 10 --audio-ms 0 --duration "$RUN_S" \
    --label "input-evdev.$1" >"/tmp/input-$1.out" 2>&1
  rc=$?
  echo "GHOSTBREW-INPUT stop" >&2
  load_stop
  grep -E 'GHOSTBREW-DATA [^ ]*\.input_(p50_us|p99_us|events) ' "/tmp/input-$1.out" >&2
  [ "$rc" = 0 ] || { show_file inputd "/tmp/input-$1.out" >&2; return 1; }
  p50=$(sed -n 's/^GHOSTBREW-DATA [^ ]*\.input_p50_us //p' "/tmp/input-$1.out")
  p99=$(sed -n 's/^GHOSTBREW-DATA [^ ]*\.input_p99_us //p' "/tmp/input-$1.out")
  n=$(sed -n 's/^GHOSTBREW-DATA [^ ]*\.input_events //p' "/tmp/input-$1.out")
  echo "$p50 $p99 $n"
}

# run PHASE: sets p99_PHASE (dashes as underscores); the run needs events.
run() {
  r=$(measure "$1") || die "$1-reader" "the reader failed under $1"
  set -- "$1" $r
  [ "${4:-0}" != 0 ] && awk_true "${4:-0} >= 100" || die "$1-events" "only ${4:-0} input events read under $1"
  eval "p99_$(echo "$1" | tr - _)=$3"
}

expect_eq eevdf-phase-unattached "$(sched_state)" disabled
run eevdf
ghost_sched_start "$LOG" --stats 5 --irq-wake-hops 2 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
run ghostbrew
grep -E '^stats:' "$LOG" | tail -n 1 | sed 's/^/[ghost-sched] /'
ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
wait_for_state disabled 30 || die detach "state $(sched_state) after stopping ghost-sched"
ghost_sched_start "$LOG.off" --stats 5 --irq-wake-hops 0 ||
  die attach-off "ghost-sched --irq-wake-hops 0 did not attach (state $(sched_state))"
run irq-off
ghost_sched_stop INT || die exits-on-sigint-off "ghost-sched still running 30 s after SIGINT"

data input-evdev.p99_ghostbrew_over_eevdf "$(awk -v g="$p99_ghostbrew" -v e="$p99_eevdf" 'BEGIN { printf "%.3f\n", (e > 0 ? g / e : 0) }')"
limit=$(awk -v e="$p99_eevdf" -v f="$P99_FACTOR" -v m="$FLOOR_US" 'BEGIN { l = e * f; if (l < m) l = m; printf "%.1f\n", l }')
if awk_true "$p99_ghostbrew <= $limit"; then pass input-p99-vs-eevdf; else
  fail input-p99-vs-eevdf "event-to-read p99 ${p99_ghostbrew} us under ghostbrew, EEVDF ${p99_eevdf} us," \
    "rule off ${p99_irq_off} us in the same run; want <= max(${P99_FACTOR} x EEVDF, ${FLOOR_US} us) = ${limit} us"
fi
if awk_true "$p99_irq_off > $p99_ghostbrew"; then pass irq-rule-makes-the-difference; else
  fail irq-rule-makes-the-difference "event-to-read p99 ${p99_irq_off} us with --irq-wake-hops 0," \
    "${p99_ghostbrew} us with the rule: the rule changed nothing"
fi
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
finish
