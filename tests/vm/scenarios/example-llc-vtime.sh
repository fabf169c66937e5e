# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: gb-llc-vtime
# vm-args: --smp 2 --icount 2
# The example scheduler (examples/llc-vtime, built on the library alone; in CI the build against the
# installed package, GHOSTBREW_VM_LLC_VTIME in tests/vm/CMakeLists.txt) attaches as `llc_vtime`,
# schedules a stress-ng load without the watchdog ejecting it, its own counters move (tasks queued on
# the LLC DSQs and dispatched from them, events through its ring buffer), and it detaches on SIGINT.
. /guest-lib.sh
LOG=/tmp/llc-vtime.log
PID=
cleanup() {
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
  show_file gb-llc-vtime "$LOG"
}

expect_eq disabled-before-attach "$(sched_state)" disabled
start_bg "$LOG" gb-llc-vtime --interval 1
PID=$BG_PID
wait_for_line "$LOG" 'scheduling .* LLC DSQs' 30 || die attach "no attach line within 30 s (state $(sched_state))"
expect_eq state-enabled "$(sched_state)" enabled
expect_eq ops-llc_vtime "$(sched_ops)" llc_vtime

stress-ng --cpu 4 --switch 1 --timeout 4s --metrics-brief >/tmp/stress.log 2>&1
status=$?
[ $status = 0 ] || show_file stress-ng /tmp/stress.log
expect_eq stress-ng-status "$status" 0
sleep 2
expect_eq still-enabled-after-load "$(sched_state)" enabled
expect_eq still-llc_vtime-after-load "$(sched_ops)" llc_vtime
if is_running "$PID"; then pass stays-up; else fail stays-up "gb-llc-vtime exited under load"; fi

# The last stats line against the first: queued and dispatched work and events all grew.
first=$(grep -m1 'stats ' "$LOG")
last=$(grep 'stats ' "$LOG" | tail -n1)
note "first: $first"
note "last:  $last"
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
for f in queued local enabled events; do
  a=$(field "$f" "$first") b=$(field "$f" "$last")
  if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]; then pass "counter-$f-moves"; else
    fail "counter-$f-moves" "$f went from '${a}' to '${b}'"
  fi
done
grep -q 'event: pid' "$LOG" && pass ring-buffer-events || fail ring-buffer-events "no event line from the ring buffer"

stop_bg "$PID" INT 20 || die exits-on-SIGINT "gb-llc-vtime still running 20 s after SIGINT"
PID=
expect_eq exit-status-0 "$EXIT_STATUS" 0
if wait_for_state disabled 10; then pass state-disabled-after; else fail state-disabled-after "state $(sched_state)"; fi
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
finish
