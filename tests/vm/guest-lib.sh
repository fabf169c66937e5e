# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Helpers for scenario scripts run inside the ghostbrew VM guest (busybox sh). Source it first:
#   . /guest-lib.sh
# Protocol (read by run-guest.sh on the serial console):
#   GHOSTBREW-PASS <name>            one check held
#   GHOSTBREW-FAIL <name>: <reason>  one check broke (any FAIL fails the run)
#   GHOSTBREW-DATA <key> <value...>  a measurement, collected into the .data file beside the log
# A scenario that exits non-zero also fails the run, so `exit 1` after a fatal `fail` is right.

GHOSTBREW_SCX=/sys/kernel/sched_ext
GHOSTBREW_FAILED=0

# Job control (the guest's init gives the scenario the console as controlling tty): background jobs
# get their own process group and keep SIGINT/SIGQUIT at their defaults, so `kill -INT` reaches a
# daemon as Ctrl-C would. Without it a non-interactive shell starts them with SIGINT ignored.
set -m 2>/dev/null || echo "guest-lib: no job control; background jobs ignore SIGINT"
exec </dev/null

# pass NAME: report that check NAME held.
pass() { echo "GHOSTBREW-PASS $1"; }

# fail NAME REASON...: report that check NAME broke, and why. Does not exit (clean up, then exit 1).
fail() {
  _name=$1
  shift
  echo "GHOSTBREW-FAIL $_name: $*"
  GHOSTBREW_FAILED=1
}

# die NAME REASON...: fail, then end the scenario with status 1 (after running `cleanup` if defined).
die() {
  fail "$@"
  command -v cleanup >/dev/null 2>&1 && cleanup
  exit 1
}

# data KEY VALUE...: report a measurement.
data() { echo "GHOSTBREW-DATA $*"; }

# note TEXT...: a human-readable line in the serial log (not part of the protocol).
note() { echo "scenario: $*"; }

# check NAME CMD...: run CMD; pass NAME when it succeeds, fail NAME (naming CMD) when it does not.
check() {
  _name=$1
  shift
  if "$@"; then pass "$_name"; else fail "$_name" "command failed (status $?): $*"; fi
}

# expect_eq NAME GOT WANT: pass when the two strings are equal, else fail naming both.
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# finish: exit 1 when any check failed so far, else 0. End every scenario with it.
finish() { [ "$GHOSTBREW_FAILED" = 0 ]; exit $?; }

# sched_state: the sched_ext state (disabled, enabling, enabled, disabling), or `missing`.
sched_state() { cat $GHOSTBREW_SCX/state 2>/dev/null || echo missing; }

# sched_ops: the name of the attached sched_ext scheduler, empty when none.
sched_ops() { cat $GHOSTBREW_SCX/root/ops 2>/dev/null; }

# uptime_ms: guest time since boot in milliseconds (follows icount when qemu runs with -icount).
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# wait_until TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds (0) or TIMEOUT_S pass (1).
wait_until() {
  _deadline=$(($(uptime_ms) + $1 * 1000))
  shift
  while ! "$@"; do
    [ "$(uptime_ms)" -ge "$_deadline" ] && return 1
    sleep 0.1
  done
  return 0
}

_state_is() { [ "$(sched_state)" = "$1" ]; }

# wait_for_state STATE TIMEOUT_S: wait until sched_state is STATE; 1 on timeout.
wait_for_state() { wait_until "$2" _state_is "$1"; }

_file_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# wait_for_line FILE PATTERN TIMEOUT_S: wait until FILE has a line matching PATTERN (grep); 1 on timeout.
wait_for_line() { wait_until "$3" _file_has "$1" "$2"; }

# is_running PID: the process exists and is not a zombie.
is_running() {
  [ -r "/proc/$1/stat" ] || return 1
  _st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

_has_exited() { ! is_running "$1"; }

# wait_for_exit PID TIMEOUT_S: wait until child PID exits; 0 and EXIT_STATUS set, or 1 on timeout.
wait_for_exit() {
  EXIT_STATUS=
  wait_until "$2" _has_exited "$1" || return 1
  wait "$1"
  EXIT_STATUS=$?
  return 0
}

# start_bg LOGFILE CMD...: start CMD in the background with stdout+stderr in LOGFILE, line-buffered
# (stdbuf), and set BG_PID to its pid.
start_bg() {
  _log=$1
  shift
  stdbuf -oL -eL "$@" >"$_log" 2>&1 &
  BG_PID=$!
}

# stop_bg PID SIGNAL TIMEOUT_S: send SIGNAL, wait for exit (EXIT_STATUS); SIGKILL and 1 on timeout.
stop_bg() {
  kill -s "$2" "$1" 2>/dev/null
  wait_for_exit "$1" "$3" && return 0
  kill -s KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 1
}

# Background load a scenario starts and stops as one set (CPU hogs, floods, batch work):
# load_start CMD... runs CMD in the background (redirections on the call apply to it), sets LOAD_PID
# and adds it to LOAD_PIDS; load_stop kills and reaps them all.
LOAD_PIDS=
load_start() {
  "$@" &
  LOAD_PID=$!
  LOAD_PIDS="$LOAD_PIDS $LOAD_PID"
}
load_stop() {
  for _p in $LOAD_PIDS; do kill "$_p" 2>/dev/null; done
  for _p in $LOAD_PIDS; do wait "$_p" 2>/dev/null; done
  LOAD_PIDS=
}

# The A/B's make -j shaped fork storm (bench/vm/guest-ab.sh, vm.fair-storm): 4 short-lived `sh`
# loops at a time, started again as they end. storm_start DIR runs it in the background until
# storm_stop, which asks it to end at its next round (DIR/storm.stop: the loops end alone in
# milliseconds) and waits for it.
STORM_PID=
storm_start() {
  _storm_stop=$1/storm.stop
  rm -f "$_storm_stop"
  (while [ ! -f "$_storm_stop" ]; do
    for _j in 1 2 3 4; do (sh -c 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done') & done
    wait
  done) &
  STORM_PID=$!
}
storm_stop() {
  [ -n "$STORM_PID" ] || return 0
  : >"$_storm_stop"
  wait "$STORM_PID" 2>/dev/null
  STORM_PID=
}

# scx_dump_arm: clears the trace and enables the sched_ext_dump tracepoint, so that scx_dump_now takes
# the dump at once (the tracepoint fires only for a dump). A scenario that waits for a moment to look
# at arms first: under load every process it starts waits its turn, and the moment passes.
scx_dump_arm() {
  [ -e /sys/kernel/tracing/events/sched_ext/sched_ext_dump/enable ] || return 0
  : >/sys/kernel/tracing/trace
  echo 1 >/sys/kernel/tracing/events/sched_ext/sched_ext_dump/enable
  SCX_DUMP_ARMED=1
}

# scx_dump_now PREFIX: the kernel's sched_ext dump (sysrq-D: every CPU's flags, current task and local
# DSQ, with each task's DSQ, slice and state), read through the sched_ext_dump tracepoint, each line
# prefixed with PREFIX (for diagnosis at the moment a scenario sees a problem). Armed (above), the
# dump is the first thing it does, with the shell's own echo.
scx_dump_now() {
  _t=/sys/kernel/tracing
  [ -e $_t/events/sched_ext/sched_ext_dump/enable ] || { echo "${1}no sched_ext_dump tracepoint"; return 0; }
  [ -n "${SCX_DUMP_ARMED:-}" ] || scx_dump_arm
  echo D >/proc/sysrq-trigger
  echo 0 >$_t/events/sched_ext/sched_ext_dump/enable
  SCX_DUMP_ARMED=
  sed -n 's/.*sched_ext_dump: //p' $_t/trace | sed "s/^/$1/"
}

# show_file LABEL FILE: copy FILE into the serial log, each line prefixed with LABEL (for diagnosis).
show_file() { sed "s/^/[$1] /" "$2" 2>/dev/null; }

# cpu_ticks PID: user+system CPU time of PID in clock ticks (USER_HZ, 100 on x86).
cpu_ticks() {
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# cpu_ns PID: CPU time PID has run so far in ns (first field of /proc/PID/schedstat); empty once gone.
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat" 2>/dev/null; }

# hist_percentiles HISTFILE: "p50 p99 max" in us over every thread of a cyclictest --histogram=N
# --histfile=HISTFILE run (lines: latency_us count...). Samples past the histogram's end (its
# "Overflows" line) count at the histogram's end, so size it well past the tail (e.g. 100000 us:
# at 20 ms every scheduler's p99 beside 4 hogs sat at the cap).
# cyclictest writes zero-padded fields ("000100"), which busybox awk reads as octal when they can
# be ("000100" + 0 = 64): num() drops the zeros first.
hist_percentiles() {
  awk 'function num(x) { sub(/^0+/, "", x); return x + 0 }
       /^[0-9]/ { n = 0; for (i = 2; i <= NF; i++) n += num($i); b = num($1); c[b] += n; tot += n; last = b; if (n) mx = b }
       /^# Histogram Overflows:/ { for (i = 4; i <= NF; i++) ovf += num($i) }
       END { if (ovf) { c[last] += ovf; tot += ovf; mx = last }
             s = 0; p50 = -1; p99 = -1
             for (l = 0; l <= mx; l++) { s += c[l]; if (p50 < 0 && s >= tot * 0.5) p50 = l; if (p99 < 0 && s >= tot * 0.99) p99 = l }
             print p50, p99, mx }' "$1"
}

# limit_of VALUE FACTOR FLOOR: max(VALUE x FACTOR, FLOOR) with 3 decimals, the bound a scenario
# judges ghostbrew's figure against (EEVDF's in the same run, times a factor, never below a floor
# that keeps two tiny figures from failing on noise).
limit_of() { awk -v e="$1" -v f="$2" -v m="$3" 'BEGIN { l = e * f; if (l < m) l = m; printf "%.3f\n", l }'; }

# awk_true EXPR: exit status 0 when the awk expression EXPR is true, for comparing decimals in busybox
# sh: `awk_true "$gb <= 1.2 * $eevdf"`. An empty operand is a syntax error, hence false.
awk_true() { awk "BEGIN { exit !($1) }" </dev/null 2>/dev/null; }

# cpu_online CPU 0|1: take CPU offline or bring it back (fails when the write is refused).
cpu_online() { echo "$2" >"/sys/devices/system/cpu/cpu$1/online"; }

# bpf_counts: "PROGS MAPS LINKS" currently loaded in the kernel, as bpftool lists them.
bpf_counts() {
  _p=$(bpftool prog list 2>/dev/null | grep -cE '^[0-9]+: ')
  _m=$(bpftool map list 2>/dev/null | grep -cE '^[0-9]+: ')
  _l=$(bpftool link list 2>/dev/null | grep -cE '^[0-9]+: ')
  echo "$_p $_m $_l"
}

# bpf_ns_per_call NAME: `GHOSTBREW-DATA NAME.bpf_ns.PROG N` for each loaded struct_ops program, its
# average run time per call from the kernel's own BPF statistics (kernel.bpf_stats_enabled=1).
bpf_ns_per_call() {
  bpftool prog show 2>/dev/null | awk -v s="$1" '
    /^[0-9]+: struct_ops/ { name = $4; rt = 0; rc = 0
      for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") rt = $(i + 1); if ($i == "run_cnt") rc = $(i + 1) }
      if (rc > 0) printf "GHOSTBREW-DATA %s.bpf_ns.%s %.1f\n", s, name, rt / rc }'
}

# scx_kernel_errors: kernel log lines about sched_ext other than plain enable/unregister messages
# (an ejection such as "disabled (runnable task stall)", a BPF error message, a warning). Empty = clean.
scx_kernel_errors() {
  dmesg | grep -i 'sched_ext' |
    grep -vE 'BPF scheduler "[^"]*" (enabled|disabled \(unregistered from (user space|the main kernel|BPF)\))|sysrq: Trigger sched_ext debug dump'
}

# ghost_sched_start LOGFILE [ARGS...]: start ghost-sched ARGS in the background (GS_PID, output in
# LOGFILE) and wait up to 150 s for its "ghost-sched: attached" line and state `enabled` (loading
# verifies the BPF object: about 11 s in an idle TCG guest, over a minute beside 4 CPU hogs).
# GS_BIN, when set, names another build to start (a benchmark's candidate).
# Returns 1 as soon as it exits without attaching, or after 150 s (show LOGFILE to see why).
_gs_attached_or_gone() { _file_has "$1" 'ghost-sched: attached' || ! is_running "$GS_PID"; }
ghost_sched_start() {
  _gslog=$1
  shift
  start_bg "$_gslog" "${GS_BIN:-ghost-sched}" "$@"
  GS_PID=$BG_PID
  wait_until 150 _gs_attached_or_gone "$_gslog"
  _file_has "$_gslog" 'ghost-sched: attached' && is_running "$GS_PID" && wait_for_state enabled 10
}

# ghost_sched_stop [SIGNAL]: send SIGNAL (default INT) to GS_PID and wait up to 30 s for it to exit;
# EXIT_STATUS holds its status. Returns 1 when it had to be killed. Clears GS_PID.
ghost_sched_stop() {
  [ -n "$GS_PID" ] || return 1
  stop_bg "$GS_PID" "${1:-INT}" 30
  _gs_rc=$?
  GS_PID=
  return $_gs_rc
}

# ghost_cleanup LOGFILE: what a scenario's `cleanup` does after a failure: stop the load, kill
# ghost-sched, copy its log into the serial log.
ghost_cleanup() {
  load_stop
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$1"
}

# ghost_sched_end: the checks that close a scenario ghost-sched ran through (still attached, kernel
# log clean, exits 0 on SIGINT), then finish.
ghost_sched_end() {
  expect_eq still-enabled "$(sched_state) $(sched_ops)" "enabled ghostbrew"
  _errs=$(scx_kernel_errors)
  if [ -z "$_errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$_errs"; fi
  ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
  expect_eq exit-status-0 "$EXIT_STATUS" 0
  finish
}

# register_struct_ops OBJ PIN: attach the scheduler in OBJ with bpftool alone (link pinned at PIN) and
# wait for sched_ext to enable it; ends the scenario with bpftool's log and the kernel's last lines
# when either fails.
register_struct_ops() {
  mkdir -p "$2"
  if ! bpftool struct_ops register "$1" "$2" >/tmp/register.log 2>&1; then
    show_file bpftool /tmp/register.log
    dmesg | tail -20
    die register "bpftool struct_ops register $1 failed"
  fi
  pass register
  wait_for_state enabled 10 || die enabled "state is $(sched_state) 10 s after register"
  pass enabled
}

# unregister_struct_ops PIN: remove the link pinned at PIN; sched_ext must disable the scheduler
# within 10 s and the kernel log must hold no sched_ext error.
unregister_struct_ops() {
  rm -rf "$1"
  wait_for_state disabled 10 || fail detached "state is $(sched_state) 10 s after removing the link"
  pass detached
  _errs=$(scx_kernel_errors)
  [ -z "$_errs" ] && pass kernel-log-clean || fail kernel-log-clean "$_errs"
}

# snapshot_stats: dump ghostbrew's per-CPU stats map (struct gb_stats, printed with BTF as JSON)
# once, so that every figure read after it comes from the same instant.
snapshot_stats() { bpftool -j map dump name stats >/tmp/stats.json 2>/dev/null; }
# stat_sum NAME: field NAME of the last snapshot, summed over CPUs.
stat_sum() {
  tr '{},[]' '\n\n\n\n\n' </tmp/stats.json | awk -F: -v k="\"$1\"" '$1 == k { s += $2 } END { print s + 0 }'
}
# stat_at FIELD INDEX: element INDEX of array field FIELD of the last snapshot, summed over CPUs.
stat_at() {
  tr -d ' \n' </tmp/stats.json | sed "s/\"$1\":\\[/\\n/g" | sed -n '2,$p' | cut -d']' -f1 |
    awk -F, -v c="$2" '{ s += $(c + 1) } END { print s + 0 }'
}
# dispatched CLASS: dispatched[CLASS] of the last snapshot, summed over CPUs.
dispatched() { stat_at dispatched "$1"; }
# started CLASS: started[CLASS] (the class tasks started in after exec) of the last snapshot.
started() { stat_at started "$1"; }
# class_growth CLASS SECONDS: how many dispatches of CLASS happen in SECONDS.
class_growth() {
  snapshot_stats
  _a=$(dispatched "$1")
  sleep "$2"
  snapshot_stats
  echo $(($(dispatched "$1") - _a))
}
