# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-timeout: 240
# attach: ghost-sched attaches as the sched_ext scheduler `ghostbrew`, reports stats, and on SIGINT
# (then again on SIGTERM) detaches cleanly: "ghost-sched: detached", exit status 0, state `disabled`,
# nothing left attached and no sched_ext error in the kernel log.
. /guest-lib.sh
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() {
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$LOG"
}

expect_eq disabled-before-attach "$(sched_state)" disabled

for sig in INT TERM; do
  ghost_sched_start "$LOG" --stats 1 ||
    die "attach-$sig" "no 'ghost-sched: attached' and state enabled within 60 s (state $(sched_state))"
  pass "attach-$sig"
  expect_eq "state-enabled-$sig" "$(sched_state)" enabled
  expect_eq "ops-ghostbrew-$sig" "$(sched_ops)" ghostbrew
  if wait_for_line "$LOG" '^stats:' 10; then pass "stats-line-$sig"; else
    fail "stats-line-$sig" "no line starting 'stats:' within 10 s of attach with --stats 1"
  fi
  if is_running "$GS_PID"; then pass "daemon-stays-up-$sig"; else fail "daemon-stays-up-$sig" "ghost-sched exited while attached"; fi

  pid=$GS_PID
  ghost_sched_stop "$sig" || die "exits-on-SIG$sig" "ghost-sched $pid still running 30 s after SIG$sig"
  expect_eq "exit-status-0-on-SIG$sig" "$EXIT_STATUS" 0
  if grep -q 'ghost-sched: detached' "$LOG"; then pass "detached-line-$sig"; else
    fail "detached-line-$sig" "no 'ghost-sched: detached' line after SIG$sig"
  fi
  if wait_for_state disabled 10; then pass "state-disabled-after-SIG$sig"; else
    fail "state-disabled-after-SIG$sig" "state is $(sched_state) 10 s after exit"
  fi
  expect_eq "no-ops-after-SIG$sig" "$(sched_ops)" ""
  show_file "ghost-sched $sig" "$LOG"
done

errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
finish
