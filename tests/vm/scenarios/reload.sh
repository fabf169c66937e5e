# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-timeout: 600
# reload: attach and detach ghost-sched 10 times. Every cycle attaches (`enabled`, `ghostbrew`) and
# exits 0 on SIGINT back to `disabled`; afterwards the kernel holds exactly as many BPF programs,
# maps and links as before the first attach (bpftool prog/map/link list): nothing leaks.
. /guest-lib.sh
CYCLES=10
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() {
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$LOG"
}

before=$(bpf_counts)
note "before: progs maps links = $before"
data reload.bpf_counts_before "$before"
ok=0
i=0
while [ "$i" -lt "$CYCLES" ]; do
  i=$((i + 1))
  t0=$(uptime_ms)
  ghost_sched_start "$LOG" || die "cycle-$i-attach" "ghost-sched did not attach on cycle $i (state $(sched_state))"
  t1=$(uptime_ms)
  [ "$(sched_ops)" = ghostbrew ] || die "cycle-$i-ops" "ops '$(sched_ops)' on cycle $i"
  if [ "$i" = 1 ]; then # the counting itself must see the attached scheduler, or "no leak" is vacuous
    during=$(bpf_counts)
    data reload.bpf_counts_attached "$during"
    if [ "${during%% *}" -gt "${before%% *}" ]; then pass counts-see-the-scheduler; else
      fail counts-see-the-scheduler "bpftool counts '$during' while attached, '$before' before"
    fi
  fi
  ghost_sched_stop INT || die "cycle-$i-exit" "ghost-sched still running 30 s after SIGINT on cycle $i"
  [ "$EXIT_STATUS" = 0 ] || die "cycle-$i-exit-status" "exit status $EXIT_STATUS on cycle $i"
  wait_for_state disabled 10 || die "cycle-$i-disabled" "state $(sched_state) after cycle $i"
  data "reload.attach_ms.$i" $((t1 - t0))
  ok=$((ok + 1))
done
expect_eq cycles-clean "$ok" "$CYCLES"

# Freed maps and programs can linger until an RCU grace period passes: give them 10 s.
_counts_back() { [ "$(bpf_counts)" = "$before" ]; }
wait_until 10 _counts_back
after=$(bpf_counts)
note "after: progs maps links = $after"
data reload.bpf_counts_after "$after"
expect_eq no-bpf-object-leak "$after" "$before"
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
finish
