# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --icount 2
# vm-timeout: 270
# fair-equal-hogs: more equal CPU hogs than CPUs must share them equally. Three nice-0 busy loops
# pinned (taskset) to CPUs 0-1 run WINDOW_S seconds (after SETTLE_S), first under EEVDF (nothing
# attached), then under ghostbrew in the same guest. Each hog's CPU time is the first field of
# /proc/PID/schedstat (ns); its spread is the largest |hog - mean| / mean, in percent.
# Pass: ghostbrew's spread <= MAX_SPREAD_PCT (5%). EEVDF's spread is reported beside it, not held to
# 5%: in this guest its load balancer leaves two hogs sharing one CPU and one alone on the other for
# long stretches, migrating only after repeated failed balance attempts (two runs: 5905, 5981 and
# 8205 ms, a 22.5% spread; 8555, 5775 and 5875 ms, 27.0%), while ghostbrew's deadline order over
# the LLC's queues keeps them within 1%.
# Sanity check, both phases: the three hogs' CPU time adds up to MIN_TOTAL_PCT..MAX_TOTAL_PCT of two
# CPUs over the measured window (they ran all the time, and only on CPUs 0-1).
# icount: guest time follows the instruction count, so every hog is charged for the instructions
# its vCPU ran, whatever the host was doing.
. /guest-lib.sh
SETTLE_S=2
WINDOW_S=10
MAX_SPREAD_PCT=5
MIN_TOTAL_PCT=90
MAX_TOTAL_PCT=102
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() { ghost_cleanup "$LOG"; }

# measure: prints each hog's CPU time over the window (ms), the spread (percent) and the hogs' total
# as a percentage of two CPUs over the window.
measure() {
  for i in 1 2 3; do
    load_start taskset -c 0,1 sh -c 'while :; do :; done'
  done
  sleep "$SETTLE_S"
  t0=
  m0=$(uptime_ms)
  for p in $LOAD_PIDS; do t0="$t0 $(cpu_ns "$p")"; done
  sleep "$WINDOW_S"
  t1=
  for p in $LOAD_PIDS; do t1="$t1 $(cpu_ns "$p")"; done
  m1=$(uptime_ms)
  alive=0
  for p in $LOAD_PIDS; do is_running "$p" && alive=$((alive + 1)); done
  load_stop
  [ "$alive" = 3 ] || return 1
  echo "$t0 $t1" | awk -v ms=$((m1 - m0)) '{ n = NF / 2; for (i = 1; i <= n; i++) { d[i] = ($(i + n) - $i) / 1e6; s += d[i] }
    m = s / n; for (i = 1; i <= n; i++) { x = d[i] - m; if (x < 0) x = -x; if (x > w) w = x; printf "%.1f ", d[i] }
    printf "%.2f %.1f\n", (m > 0 ? 100 * w / m : 100), (ms > 0 ? 100 * s / (2 * ms) : 0) }'
}
report() { # PHASE MS1 MS2 MS3 SPREAD TOTAL
  data "fair-equal-hogs.$1.hog_cpu_ms" "$2 $3 $4"
  data "fair-equal-hogs.$1.spread_pct" "$5"
  data "fair-equal-hogs.$1.total_pct_of_2cpus" "$6"
  if awk_true "$6 >= $MIN_TOTAL_PCT && $6 <= $MAX_TOTAL_PCT"; then pass "$1-hogs-fill-cpus-0-1"; else
    fail "$1-hogs-fill-cpus-0-1" "the hogs ran $6% of two CPUs' time, want $MIN_TOTAL_PCT..$MAX_TOTAL_PCT%"
  fi
}

expect_eq eevdf-phase-unattached "$(sched_state)" disabled
r=$(measure) || die eevdf-measure "a hog died under EEVDF"
set -- $r
[ $# = 5 ] || die eevdf-measure "no CPU times under EEVDF: $r"
report eevdf "$@"
e_spread=$4

ghost_sched_start "$LOG" --stats 5 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
r=$(measure) || die ghostbrew-measure "a hog died under ghostbrew"
set -- $r
[ $# = 5 ] || die ghostbrew-measure "no CPU times under ghostbrew: $r"
report ghostbrew "$@"
g_spread=$4
if awk_true "$g_spread <= $MAX_SPREAD_PCT"; then pass equal-shares; else
  fail equal-shares "ghostbrew's hogs got $1 $2 $3 ms: spread ${g_spread}% (EEVDF's ${e_spread}% in" \
    "the same run); want <= ${MAX_SPREAD_PCT}%"
fi

ghost_sched_end
