# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --icount 2
# vm-timeout: 420
# starvation: a `nice -n 19` CPU hog must keep a real share of CPU while interactive-looking tasks
# (stress-ng --switch ping-pong pairs, shell loops sleeping 2 ms) and nice-0 CPU hogs flood the
# machine. The same flood runs first under the kernel's own scheduler (EEVDF, the reference figure)
# and then under ghostbrew --gaming; the niced hog's CPU time is read from /proc/PID/stat.
# Requirement: at least MIN_SHARE_PCT of one CPU under ghostbrew over WINDOW_S seconds of guest time
# (icount). Virtual time gives the hog its nice weight (1.5 against 100 per nice-0 task), as EEVDF
# does; on the 7.3 kernel EEVDF gave it 0.78% with this flood and ghostbrew 0.38% (EEVDF's lag
# placement lets the hog keep more of what it is owed). A starving scheduler gives it ~0, so 0.25%
# is a real share, not noise; the gap to EEVDF is an open finding (bpf/NOTES.md).
. /guest-lib.sh
MIN_SHARE_PCT=0.25
WINDOW_S=10
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() { ghost_cleanup "$LOG"; }
N=$(nproc)

# measure PHASE: run the flood plus the niced hog, print the hog's share of one CPU in percent.
measure() {
  load_start stress-ng --cpu $((N - 1)) --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1
  load_start stress-ng --switch 2 --timeout 600s --quiet >/dev/null 2>&1
  for i in 1 2 3 4 5 6; do
    load_start sh -c 'while :; do usleep 2000; done'
  done
  load_start nice -n 19 sh -c 'while :; do :; done'
  hog=$LOAD_PID
  sleep 2
  t0=$(cpu_ticks "$hog") m0=$(uptime_ms)
  sleep "$WINDOW_S"
  t1=$(cpu_ticks "$hog") m1=$(uptime_ms)
  alive=1
  is_running "$hog" || alive=0
  load_stop
  [ "$alive" = 1 ] || { echo "dead"; return 1; }
  # USER_HZ is 100: one tick is 10 ms, so ticks * 10 / ms is the fraction of one CPU.
  awk -v t=$((t1 - t0)) -v ms=$((m1 - m0)) 'BEGIN { printf "%.2f\n", t * 1000 / ms }'
}

base=$(measure eevdf) || die eevdf-baseline "the niced hog died under EEVDF"
note "EEVDF: nice 19 hog got $base% of one CPU"
data starvation.eevdf_nice19_share_pct "$base"

ghost_sched_start "$LOG" --gaming --stats 5 || die attach "ghost-sched --gaming did not attach (state $(sched_state))"
pass attach
share=$(measure ghostbrew) || die ghostbrew-share "the niced hog died under ghostbrew"
note "ghostbrew: nice 19 hog got $share% of one CPU"
data starvation.ghostbrew_nice19_share_pct "$share"
if awk -v s="$share" -v m="$MIN_SHARE_PCT" 'BEGIN { exit !(s >= m) }'; then pass nice19-hog-not-starved; else
  fail nice19-hog-not-starved "nice 19 hog got $share% of one CPU under ghostbrew over ${WINDOW_S}s, want >= $MIN_SHARE_PCT% (EEVDF: $base%)"
fi
ghost_sched_end
