# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --smp 4 --icount 2
# vm-timeout: 600
# The event-driven heartbeat (gb_knobs.flags = GB_KNOB_EVENT_DRIVEN): ghost-sched has no timer, so
#  - an idle daemon (no events for longer than heartbeat_stale_ns = 5 s) makes no wake-up at all and
#    BPF still trusts its class maps (no stale classification, the registered game stays GAMING);
#  - a hung daemon (SIGSTOP) with exec events piling up is distrusted after 5 s: the game falls back
#    to behaviour classes;
#  - once it runs again it drains the events and is trusted again (no more stale classifications);
#    the scheduler stays attached throughout; it logs a warning that its heartbeat went stale (with
#    how many tasks BPF classified without it), and no such line while it was idle or stopped;
#  - a daemon killed with SIGKILL (no chance to detach) takes the scheduler with it at once: the kernel
#    drops the struct_ops link with the process, the state is `disabled` within 2 s, the default
#    scheduler runs the load on, and a new ghost-sched attaches again.
. /guest-lib.sh
GAMING=0
cleanup() {
  [ -n "$GS_PID" ] && kill -CONT "$GS_PID" 2>/dev/null && ghost_sched_stop
  kill $hog $load 2>/dev/null
}
# idle SECONDS: wait without starting any process (no exec event): a shell read with a timeout.
mkfifo /tmp/never
exec 3<>/tmp/never
idle() { read -t "$1" _ <&3; }
# switches PID: SW = voluntary + involuntary context switches, read with shell builtins only (no
# subshell: a forked subshell's exit is itself an event that wakes the daemon).
switches() {
  SW=0
  while read -r _k _v; do case $_k in *ctxt_switches:) SW=$((SW + _v)) ;; esac; done <"/proc/$1/status"
}

stress-ng --cpu 4 --timeout 120s >/dev/null 2>&1 &
load=$!
ghost_sched_start /tmp/gs.log --verbose || { show_file ghost-sched /tmp/gs.log; die attach "ghost-sched did not attach"; }
WINEPREFIX=/tmp/pfx sh -c 'while :; do :; done' &
hog=$!
wait_for_line /tmp/gs.log "pid $hog (.*) -> gaming by env:WINEPREFIX" 20 ||
  { show_file ghost-sched /tmp/gs.log; die detect "the WINEPREFIX process was not classified"; }
pass detected-by-daemon

# 1. Idle daemon: 8 s without any exec event or timer.
snapshot_stats
idle 1 # let the daemon handle bpftool's own exec/exit events first
g0=$(dispatched $GAMING) s0=$(stat_sum stale_heartbeat)
idle 1
switches "$GS_PID"
c0=$SW
idle 8
switches "$GS_PID"
c1=$SW
snapshot_stats
g1=$(dispatched $GAMING) s1=$(stat_sum stale_heartbeat)
data heartbeat.idle_daemon_switches "$((c1 - c0))"
data heartbeat.idle_gaming_dispatches "$((g1 - g0))"
expect_eq idle-daemon-does-not-wake "$((c1 - c0))" 0
expect_eq idle-daemon-stays-trusted "$((s1 - s0))" 0
[ "$((g1 - g0))" -gt 0 ] && pass idle-game-stays-gaming || fail idle-game-stays-gaming "no GAMING dispatch in 8 s"

# 2. Hung daemon: stopped while exec events arrive.
kill -STOP "$GS_PID"
/bin/true
idle 7
snapshot_stats
g2=$(dispatched $GAMING) s2=$(stat_sum stale_heartbeat)
idle 2
snapshot_stats
g3=$(dispatched $GAMING)
data heartbeat.hung_stale_classifications "$((s2 - s1))"
data heartbeat.hung_gaming_dispatches "$((g3 - g2))"
[ "$((s2 - s1))" -gt 0 ] && pass hung-daemon-distrusted || fail hung-daemon-distrusted "no stale classification"
expect_eq hung-daemon-game-not-gaming "$((g3 - g2))" 0

# 3. It runs again: drains the events, heartbeats, trusted again, and says its heartbeat went stale.
STALE_LINE='ghost-sched: heartbeat went stale: BPF classified [1-9][0-9]* tasks without the daemon.s class maps (no events drained for over 5000 ms)'
if grep -q 'heartbeat went stale' /tmp/gs.log; then
  fail no-stale-line-before-resume "$(grep 'heartbeat went stale' /tmp/gs.log)"
else
  pass no-stale-line-before-resume
fi
kill -CONT "$GS_PID"
idle 2
snapshot_stats
g4=$(dispatched $GAMING)
idle 2
snapshot_stats
g5=$(dispatched $GAMING)
[ "$((g5 - g4))" -gt 0 ] && pass resumed-daemon-trusted || fail resumed-daemon-trusted "no GAMING dispatch after SIGCONT"
s4=$(stat_sum stale_heartbeat)
idle 2
snapshot_stats
expect_eq resumed-no-stale-classifications "$(($(stat_sum stale_heartbeat) - s4))" 0
wait_for_line /tmp/gs.log "$STALE_LINE" 10 && pass stale-heartbeat-logged ||
  fail stale-heartbeat-logged "no 'heartbeat went stale' line after SIGCONT: $(grep -i heartbeat /tmp/gs.log | tail -n 3)"
expect_eq attached-while-stopped "$(sched_state) $(sched_ops)" "enabled ghostbrew"

kill $hog
ghost_sched_stop && expect_eq clean-exit "$EXIT_STATUS" 0 || fail clean-exit "ghost-sched had to be killed"
kill $load 2>/dev/null
show_file ghost-sched /tmp/gs.log | tail -n 5

# 4. Killed: SIGKILL leaves the daemon no time to detach; the kernel must.
ghost_sched_start /tmp/gs-kill.log || { show_file ghost-sched /tmp/gs-kill.log; die reattach "ghost-sched did not attach again"; }
sh -c 'while :; do :; done' &
hog=$!
idle 1
t0=$(uptime_ms)
kill -KILL "$GS_PID"
wait "$GS_PID" 2>/dev/null
GS_PID=
wait_for_state disabled 2 && pass sigkill-detaches-at-once ||
  fail sigkill-detaches-at-once "state $(sched_state) 2 s after SIGKILL"
data heartbeat.sigkill_to_disabled_ms "$(($(uptime_ms) - t0))"
expect_eq sigkill-no-ops-left "$(sched_ops)" ""
c0=$(cpu_ticks "$hog")
idle 2
c1=$(cpu_ticks "$hog")
[ "$((c1 - c0))" -gt 0 ] && pass default-scheduler-runs-the-load ||
  fail default-scheduler-runs-the-load "the hog got no CPU time after the kill ($c0 -> $c1 ticks)"
errs=$(scx_kernel_errors)
[ -z "$errs" ] && pass sigkill-kernel-log-clean || fail sigkill-kernel-log-clean "$errs"
ghost_sched_start /tmp/gs-again.log && pass attaches-after-sigkill ||
  { show_file ghost-sched /tmp/gs-again.log; fail attaches-after-sigkill "no attach after a SIGKILLed daemon"; }
kill $hog
ghost_sched_stop && expect_eq clean-exit-after-sigkill "$EXIT_STATUS" 0
finish
