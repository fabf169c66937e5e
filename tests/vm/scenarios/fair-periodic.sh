# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --icount 2
# vm-timeout: 270
# fair-periodic: an unnamed periodic SCHED_OTHER thread beside CPU hogs must wake no later under
# ghostbrew than under the kernel's default scheduler. cyclictest --policy=other (1 thread, 2 ms
# interval, histogram to 100 ms) runs CYCLIC_S seconds beside `nproc` stress-ng CPU hogs, first under
# EEVDF (nothing attached), then under ghostbrew in the same guest. Both p50/p99/max are reported.
# Pass: ghostbrew's p99 <= max(1.2 x EEVDF's p99, 200 us). The 200 us floor keeps two tiny figures
# (an idle-ish guest wakes in ~45 us) from failing on noise; beside 4 hogs EEVDF's p99 is around a
# millisecond (kernel-vm-notes.md), so the 1.2x rule is what normally decides.
# icount: guest time follows the instruction count, so the two phases see the same machine even
# when the host is busy (bench/vm/ab.sh compares schedulers the same way).
. /guest-lib.sh
CYCLIC_S=10
FACTOR=1.2
FLOOR_US=200
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() { ghost_cleanup "$LOG"; }
N=$(nproc)

# measure PHASE: cyclictest beside N hogs; prints "p50 p99 max" (us).
measure() {
  load_start stress-ng --cpu "$N" --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1
  sleep 1
  cyclictest --policy=other -t 1 -i 2000 -D "${CYCLIC_S}s" -q --histogram=100000 \
    --histfile="/tmp/cyc-$1.hist" >"/tmp/cyc-$1.log" 2>&1
  rc=$?
  load_stop
  [ "$rc" = 0 ] || { show_file "cyclictest $1" "/tmp/cyc-$1.log" >&2; return 1; }
  hist_percentiles "/tmp/cyc-$1.hist"
}
report() { # PHASE P50 P99 MAX
  data "fair-periodic.$1.cyclictest_p50_us" "$2"
  data "fair-periodic.$1.cyclictest_p99_us" "$3"
  data "fair-periodic.$1.cyclictest_max_us" "$4"
}

expect_eq eevdf-phase-unattached "$(sched_state)" disabled
r=$(measure eevdf) || die eevdf-cyclictest "cyclictest failed under EEVDF"
set -- $r
[ $# = 3 ] || die eevdf-cyclictest "no histogram under EEVDF"
report eevdf "$@"
e_p99=$2

ghost_sched_start "$LOG" --stats 5 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
r=$(measure ghostbrew) || die ghostbrew-cyclictest "cyclictest failed under ghostbrew"
set -- $r
[ $# = 3 ] || die ghostbrew-cyclictest "no histogram under ghostbrew"
report ghostbrew "$@"
g_p99=$2

limit=$(limit_of "$e_p99" "$FACTOR" "$FLOOR_US")
data fair-periodic.limit_p99_us "$limit"
if awk_true "$g_p99 <= $limit"; then pass periodic-p99-vs-eevdf; else
  fail periodic-p99-vs-eevdf "cyclictest p99 ${g_p99} us under ghostbrew, EEVDF ${e_p99} us in the same run;" \
    "want <= max(${FACTOR} x EEVDF, ${FLOOR_US} us) = ${limit} us"
fi

ghost_sched_end
