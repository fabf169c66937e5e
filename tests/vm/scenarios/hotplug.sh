# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-kernels: all
# vm-timeout: 300
# hotplug: taking CPU 3 offline and bringing it back while ghostbrew is attached. The kernel ejects
# a scheduler on hotplug ("unregistered from the main kernel", asking for a restart); ghost-sched
# must restart it in-process each time ("ghost-sched: restarted"), stay up, be `enabled` as
# `ghostbrew` again, schedule a load on the changed CPU set, and still exit 0 on SIGINT.
. /guest-lib.sh
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() {
  cpu_online 3 1 2>/dev/null
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$LOG"
}
restarts() { grep -c 'ghost-sched: restarted' "$LOG" 2>/dev/null; }
_restarts_reach() { [ "$(restarts)" -ge "$1" ]; }

[ -w /sys/devices/system/cpu/cpu3/online ] || die cpu3-hotpluggable "/sys/devices/system/cpu/cpu3/online is not writable"
ghost_sched_start "$LOG" --stats 5 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach

step=0
for online in 0 1; do
  step=$((step + 1))
  what=offline
  [ "$online" = 1 ] && what=online
  cpu_online 3 "$online" || die "cpu3-$what" "writing $online to cpu3/online failed"
  expect_eq "cpu3-$what" "$(cat /sys/devices/system/cpu/cpu3/online)" "$online"
  if wait_until 90 _restarts_reach "$step"; then pass "restarted-after-$what"; else
    fail "restarted-after-$what" "$(restarts) 'ghost-sched: restarted' lines 90 s after cpu3 went $what, want $step"
  fi
  if is_running "$GS_PID"; then pass "daemon-up-after-$what"; else
    die "daemon-up-after-$what" "ghost-sched exited after cpu3 went $what"
  fi
  if wait_for_state enabled 30; then pass "enabled-after-$what"; else
    fail "enabled-after-$what" "state $(sched_state) 30 s after cpu3 went $what"
  fi
  expect_eq "ops-after-$what" "$(sched_ops)" ghostbrew
  if stress-ng --cpu 4 --cpu-method int64 --switch 1 --timeout 5s --quiet; then pass "load-runs-after-$what"; else
    fail "load-runs-after-$what" "stress-ng failed with cpu3 $what"
  fi
  expect_eq "still-enabled-after-load-$what" "$(sched_state) $(sched_ops)" "enabled ghostbrew"
done

ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
expect_eq exit-status-0 "$EXIT_STATUS" 0
wait_for_state disabled 10 || fail state-disabled-after "state $(sched_state) after exit"
# Hotplug ejections are "unregistered from the main kernel" (allowed); anything else is an error.
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
show_file ghost-sched "$LOG"
finish
