# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --icount 2
# vm-timeout: 270
# fair-nice: CPU time follows nice weights. A nice-0 and a nice-5 busy loop pinned (taskset) to CPU 0
# run WINDOW_S seconds (after SETTLE_S), first under EEVDF (nothing attached), then under ghostbrew
# in the same guest. CPU time is the first field of /proc/PID/schedstat (ns). The kernel's weights
# are 1024 (nice 0) and 335 (nice 5): the nice-0 hog should get WANT = 3.057 times the nice-5 one's
# time (sched_ext hands BPF the same ratio as weights 100 and 33).
# Pass: ghostbrew's ratio within MAX_DEV_PCT (15%) of WANT, i.e. 2.60 .. 3.52. EEVDF's ratio must
# meet the same bound (a check that the measurement is sane) and is reported beside ghostbrew's.
# icount: guest time follows the instruction count, so each hog is charged for the instructions its
# vCPU ran, whatever the host was doing.
. /guest-lib.sh
SETTLE_S=2
WINDOW_S=10
LOW_NICE=0
HIGH_NICE=5
WANT=3.057
MAX_DEV_PCT=15
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() { ghost_cleanup "$LOG"; }

# measure: prints the two hogs' CPU time over the window (ms, nice LOW_NICE then HIGH_NICE) and
# their ratio.
measure() {
  load_start nice -n "$LOW_NICE" taskset -c 0 sh -c 'while :; do :; done'
  a=$LOAD_PID
  load_start nice -n "$HIGH_NICE" taskset -c 0 sh -c 'while :; do :; done'
  b=$LOAD_PID
  sleep "$SETTLE_S"
  a0=$(cpu_ns "$a") b0=$(cpu_ns "$b")
  sleep "$WINDOW_S"
  a1=$(cpu_ns "$a") b1=$(cpu_ns "$b")
  alive=1
  is_running "$a" && is_running "$b" || alive=0
  load_stop
  [ "$alive" = 1 ] || return 1
  awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) 'BEGIN { printf "%.1f %.1f %.3f\n", a / 1e6, b / 1e6, (b > 0 ? a / b : 999) }'
}
report() { # PHASE MS_LOW MS_HIGH RATIO
  data "fair-nice.$1.nice${LOW_NICE}_cpu_ms" "$2"
  data "fair-nice.$1.nice${HIGH_NICE}_cpu_ms" "$3"
  data "fair-nice.$1.ratio" "$4"
}
# within RATIO: RATIO is within MAX_DEV_PCT of WANT.
within() { awk_true "$1 >= $WANT * (1 - $MAX_DEV_PCT / 100) && $1 <= $WANT * (1 + $MAX_DEV_PCT / 100)"; }

data fair-nice.want_ratio "$WANT"
expect_eq eevdf-phase-unattached "$(sched_state)" disabled
r=$(measure) || die eevdf-measure "a hog died under EEVDF"
set -- $r
[ $# = 3 ] || die eevdf-measure "no CPU times under EEVDF: $r"
report eevdf "$@"
e_ratio=$3
if within "$e_ratio"; then pass eevdf-weight-ratio; else
  fail eevdf-weight-ratio "EEVDF: nice $LOW_NICE got $1 ms, nice $HIGH_NICE $2 ms, ratio $e_ratio;" \
    "want $WANT +- ${MAX_DEV_PCT}% (the measurement is not sane if the kernel's own scheduler misses it)"
fi

ghost_sched_start "$LOG" --stats 5 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
r=$(measure) || die ghostbrew-measure "a hog died under ghostbrew"
set -- $r
[ $# = 3 ] || die ghostbrew-measure "no CPU times under ghostbrew: $r"
report ghostbrew "$@"
if within "$3"; then pass nice-weight-ratio; else
  fail nice-weight-ratio "ghostbrew: nice $LOW_NICE got $1 ms, nice $HIGH_NICE $2 ms, ratio $3;" \
    "want $WANT +- ${MAX_DEV_PCT}% (EEVDF in the same run: $e_ratio)"
fi

ghost_sched_end
