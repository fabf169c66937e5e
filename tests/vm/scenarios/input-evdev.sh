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
# stress-ng CPU hogs: under EEVDF (nothing attached), under ghostbrew with the rule on
# (--irq-wake-hops 2; it is off by default) and with it off (--irq-wake-hops 0), in the same guest.
# Pass: the rule fires through the real path: with it on, the phase's interrupt grants (irq_boosts)
# are at least MIN_GRANTS_PER_S a second (the host types at 1 kHz; the phase's own timers wake a
# few tens of tasks a second), with it off none; and the reader's p99 with the rule is no worse than
# EEVDF's (floor FLOOR_US). The issue's target, p99 <= 0.5x EEVDF's, is reported as data: it is not
# met in this emulator (0.64x with the rule, 0.66x without in earlier runs; bpf/NOTES.md), which is
# why the rule is off by default.
. /guest-lib.sh
RUN_S=6
MIN_GRANTS_PER_S=50
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

# run PHASE: sets p99_PHASE (dashes as underscores) and, when ghostbrew is attached, grants_PHASE
# (its interrupt grants during the run); the run needs events.
run() {
  v=$(echo "$1" | tr - _)
  [ "$(sched_state)" = enabled ] && snapshot_stats && g0=$(stat_sum irq_boosts)
  r=$(measure "$1") || die "$1-reader" "the reader failed under $1"
  if [ "$(sched_state)" = enabled ]; then
    snapshot_stats
    eval "grants_$v=$(($(stat_sum irq_boosts) - g0))"
    data "input-evdev.$1.irq_boosts" "$(eval echo "\$grants_$v")"
  fi
  set -- "$1" $r
  [ "${4:-0}" != 0 ] && awk_true "${4:-0} >= 100" || die "$1-events" "only ${4:-0} input events read under $1"
  eval "p99_$v=$3"
  data "input-evdev.$1.p99_us" "$3"
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
want=$((RUN_S * MIN_GRANTS_PER_S))
if [ "${grants_ghostbrew:-0}" -ge "$want" ]; then pass irq-rule-fires-for-input; else
  fail irq-rule-fires-for-input "${grants_ghostbrew:-0} interrupt grants in ${RUN_S} s of typing with" \
    "--irq-wake-hops 2; want >= $want"
fi
expect_eq no-grants-when-off "${grants_irq_off:-unset}" 0
limit=$(awk -v e="$p99_eevdf" -v m="$FLOOR_US" 'BEGIN { l = e; if (l < m) l = m; printf "%.1f\n", l }')
if awk_true "$p99_ghostbrew <= $limit"; then pass input-p99-no-worse-than-eevdf; else
  fail input-p99-no-worse-than-eevdf "event-to-read p99 ${p99_ghostbrew} us under ghostbrew, EEVDF" \
    "${p99_eevdf} us, rule off ${p99_irq_off} us in the same run; want <= max(EEVDF, ${FLOOR_US} us)"
fi
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
finish
