# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --smp 4 --icount 2
# hotplug-while-loading: a CPU comes back online while ghost-sched loads its BPF object (the verifier
# takes about 11 s in this guest; on a real machine, CPUs coming back after a resume). The kernel
# asks for a restart only on hotplug while a scheduler is enabled, so the daemon itself must notice
# that its topology misses CPU 3: it says so, loads again, and runs with all four CPUs; nothing is
# ejected. (vm.soak found the other outcome: a scheduler on a three-CPU topology until a per-CPU
# kworker stalled and the kernel ejected it.)
. /guest-lib.sh
LOG=/tmp/gs.log
cleanup() {
  cpu_online 3 1 2>/dev/null
  ghost_cleanup "$LOG"
}
# Its maps exist once the topology is read and the object is being loaded (before the verifier).
_loading() { ls -l "/proc/$GS_PID/fd" 2>/dev/null | grep -q 'bpf-map'; }

cpu_online 3 0 || die offline "cannot take cpu3 offline"
start_bg "$LOG" ghost-sched
GS_PID=$BG_PID
wait_until 60 _loading || die loading "ghost-sched made no BPF map in 60 s: $(cat "$LOG")"
expect_eq not-yet-attached "$(sched_state)" disabled
cpu_online 3 1 || die online "cannot bring cpu3 back"
wait_for_line "$LOG" 'CPUs came or went while the scheduler loaded (4 online now, 3 in its topology)' 150 &&
  pass noticed-cpu3 || fail noticed-cpu3 "$(tail -n 5 "$LOG")"
wait_for_line "$LOG" 'ghost-sched: restarted (ops ghostbrew, mode auto, 4 CPUs' 150 &&
  pass loaded-again-with-4-cpus || fail loaded-again-with-4-cpus "$(tail -n 5 "$LOG")"
wait_for_state enabled 30 || fail enabled "state $(sched_state)"
# A task pinned to the CPU that came back runs there under ghostbrew.
load_start taskset -c 3 sh -c 'while :; do :; done'
sleep 3
ns=$(cpu_ns "$LOAD_PID")
data hotplug-while-loading.cpu3_hog_ms "$((${ns:-0} / 1000000))"
[ "${ns:-0}" -gt 1000000000 ] && pass cpu3-runs || fail cpu3-runs "a hog pinned to CPU 3 ran ${ns:-0} ns in 3 s"
load_stop
grep -q 'ejected' "$LOG" && fail not-ejected "$(grep ejected "$LOG")"
show_file ghost-sched "$LOG" | grep -v ' -> \| exited: '
ghost_sched_end
