# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched refsched_bpf
# vm-timeout: 300
# refusal: while a sched_ext scheduler is attached, a new ghost-sched must refuse with a clear
# "another sched_ext scheduler" message and a non-zero exit, leaving the attached one untouched.
# Twice: against a running ghost-sched, and against the reference scheduler attached by bpftool.
. /guest-lib.sh
LOG=/tmp/ghost-sched.log
SECOND=/tmp/second.log
PIN=/sys/fs/bpf/refsched
GS_PID=
cleanup() {
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  rm -rf "$PIN"
  show_file ghost-sched "$LOG"
  show_file second "$SECOND"
}

# second_refuses LABEL OPS: run a second ghost-sched (60 s at most) and check that it refused
# while OPS stays attached.
second_refuses() {
  timeout 60 stdbuf -oL -eL ghost-sched >"$SECOND" 2>&1
  st=$?
  show_file "second ghost-sched vs $2" "$SECOND"
  if [ "$st" != 0 ] && [ "$st" != 124 ] && [ "$st" != 143 ]; then pass "$1-exits-non-zero"; else
    fail "$1-exits-non-zero" "second ghost-sched exit status $st (124/143: it was still running after 60 s)"
  fi
  if grep -q 'another sched_ext scheduler' "$SECOND"; then pass "$1-says-why"; else
    fail "$1-says-why" "no 'another sched_ext scheduler' in its output"
  fi
  if grep -q 'ghost-sched: attached' "$SECOND"; then fail "$1-never-attached" "it printed 'ghost-sched: attached'"; else
    pass "$1-never-attached"
  fi
  expect_eq "$1-first-untouched" "$(sched_state) $(sched_ops)" "enabled $2"
}

ghost_sched_start "$LOG" || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
second_refuses vs-ghost-sched ghostbrew
if is_running "$GS_PID"; then pass first-stays-up; else fail first-stays-up "the first ghost-sched exited"; fi
ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
expect_eq first-exit-status-0 "$EXIT_STATUS" 0
wait_for_state disabled 10 || die disabled "state $(sched_state) after the first ghost-sched exited"

mkdir -p "$PIN"
bpftool struct_ops register /opt/ghostbrew/share/refsched.bpf.o "$PIN" >/tmp/register.log 2>&1 ||
  { show_file bpftool /tmp/register.log; die refsched-attach "bpftool struct_ops register refsched failed"; }
wait_for_state enabled 10 || die refsched-enabled "state $(sched_state) after registering refsched"
second_refuses vs-refsched refsched
rm -rf "$PIN"
wait_for_state disabled 10 || fail refsched-detach "state $(sched_state) after removing refsched's link"

errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
finish
