# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-kernels: all
# vm-args: --smp 4 --icount 2
# vm-timeout: 480
# rt-hog: a SCHED_FIFO busy loop pinned to CPU 1 (an audio server gone wrong, an RT app that never
# sleeps) while ghostbrew schedules more CPU hogs than there are CPUs. No task of ours may wait behind
# it while another CPU could run it: the tasks ghostbrew had already put on CPU 1's local queue move
# to other CPUs (ops.cpu_release re-enqueues them, counted in rt_reenqueues), and none is put there
# while the RT task is runnable (bpf/rt.bpf.h; counted in rt_avoided, reported). Checks:
# rt_reenqueues grows, every hog gets CPU time in each third of the RT run (a hog that gets none
# fails the run, on every kernel; its state, CPU and the kernel's runqueue line are printed as
# rt.starved) and at least a third of the hogs' mean over it, the state stays `enabled` as
# `ghostbrew` at every sample, no ejection and no sched_ext error in the kernel log, ghost-sched exits
# 0 on SIGINT.
# How long: 30 s on kernels with the sched_ext DL server (ext_server, 7.x), which keeps a share of
# every CPU for sched_ext tasks under RT. Before it (6.16, 6.18) a SCHED_FIFO task that holds a CPU
# past the watchdog timeout (5 s) starves the per-CPU kernel threads queued there (kworker/1:*), which
# no scheduler can move, and the kernel ejects any sched_ext scheduler: there the RT run is 3 s.
. /guest-lib.sh
LOG=/tmp/ghost-sched.log
SAMPLES=/tmp/state-samples
GS_PID=
rt=
hogs=
watch_pid=
cleanup() {
  for p in $rt $hogs $watch_pid; do kill "$p" 2>/dev/null; done
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$LOG"
}
NHOGS=$(($(nproc) + 2))
# ticks_of: "PID:TICKS ..." for every hog.
ticks_of() { for p in $hogs; do printf '%s:%s ' "$p" "$(cpu_ticks "$p")"; done; }

ghost_sched_start "$LOG" || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach

i=0
while [ "$i" -lt "$NHOGS" ]; do
  sh -c 'while :; do :; done' &
  hogs="$hogs $!"
  i=$((i + 1))
done
: >"$SAMPLES"
(while :; do echo "$(uptime_ms) $(sched_state) $(sched_ops)" >>"$SAMPLES"; sleep 0.5; done) &
watch_pid=$!
sleep 2
snapshot_stats
r0=$(stat_sum rt_reenqueues)
a0=$(stat_sum rt_avoided)

if grep -q ' ext_server_pick_task$' /proc/kallsyms; then RT_SECS=30; else RT_SECS=3; fi
data rt.seconds "$RT_SECS"
# The RT hog: SCHED_FIFO 50 on CPU 1, running without a break for RT_SECS of guest time (its loop reads
# the clock through /proc/uptime with shell builtins only, so it never sleeps).
chrt -f 50 taskset -c 1 sh -c '
  read -r up _ </proc/uptime; end=$(( ${up%.*} + '"$RT_SECS"' ))
  while :; do read -r up _ </proc/uptime; [ "${up%.*}" -ge "$end" ] && exit 0; done' &
rt=$!
starved=
first=$(ticks_of)
for third in 1 2 3; do
  before=$(ticks_of)
  sleep $((RT_SECS / 3))
  after=$(ticks_of)
  for p in $hogs; do
    b=$(echo "$before" | tr ' ' '\n' | sed -n "s/^$p://p")
    a=$(echo "$after" | tr ' ' '\n' | sed -n "s/^$p://p")
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt "$b" ] && continue
    starved="$starved $p(third $third: $b -> $a)"
    # Where it waits: its state and CPU, and the kernel's view of the runqueue it is on.
    data rt.starved "$p third $third state/cpu $(sed 's/.*) //' /proc/$p/stat | awk '{ print $1 "/" $37 }')"
    awk -v pid=" $p " '/^cpu#/ { c = $1 } index($0, pid) { print "rt-hog: " c ":" $0 }' \
      /sys/kernel/debug/sched/debug 2>/dev/null | head -n 3
  done
done
# Each hog's CPU ticks over the RT run: "min mean".
spread=$(for p in $hogs; do
  b=$(echo "$first" | tr ' ' '\n' | sed -n "s/^$p://p")
  a=$(echo "$after" | tr ' ' '\n' | sed -n "s/^$p://p")
  echo $((a - b))
done | awk 'NR == 1 || $1 < m { m = $1 } { s += $1 } END { printf "%d %d\n", m, s / NR }')
data rt.hog_ticks_min_mean "$spread"
wait_for_exit "$rt" 20 || fail rt-hog-ends "the RT hog still runs 20 s after its end"
rt=
kill $watch_pid 2>/dev/null
watch_pid=
snapshot_stats
r1=$(stat_sum rt_reenqueues)
a1=$(stat_sum rt_avoided)
data rt.reenqueues "$((r1 - r0))"
data rt.stalled_hogs "$(echo "$starved" | wc -w | awk '{ print int($1 / 5) }')"
data rt.avoided "$((a1 - a0))"
if [ -z "$starved" ]; then pass hogs-keep-running; else fail hogs-keep-running "no CPU time in a third of the RT run:$starved"; fi
set -- $spread
[ "$(($1 * 3))" -ge "$2" ] && pass hogs-share-fairly || fail hogs-share-fairly "a hog got $1 ticks, the mean was $2"
[ "$((r1 - r0))" -gt 0 ] && pass tasks-moved-off-rt-cpu || fail tasks-moved-off-rt-cpu "rt_reenqueues did not grow"

bad=$(grep -v ' enabled ghostbrew$' "$SAMPLES" | head -n 3)
samples=$(wc -l <"$SAMPLES")
data rt.state_samples "$samples"
if [ "$samples" -ge 10 ] && [ -z "$bad" ]; then pass enabled-throughout; else
  fail enabled-throughout "$samples samples; not enabled/ghostbrew at: $(echo "$bad" | tr '\n' ';')"
fi
if grep -q 'ghost-sched: restarted\|ejected' "$LOG"; then fail not-ejected "$(grep 'restarted\|ejected' "$LOG")"; else pass not-ejected; fi
errs=$(scx_kernel_errors)
[ -z "$errs" ] && pass kernel-log-clean || fail kernel-log-clean "$errs"

for p in $hogs; do kill "$p" 2>/dev/null; done
hogs=
ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
expect_eq exit-status-0 "$EXIT_STATUS" 0
finish
