# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-kernels: all
# vm-args: --smp 4 --icount 2
# vm-timeout: 480
# rt-hog: a SCHED_FIFO busy loop pinned to CPU 1 (an audio server gone wrong, an RT app that never
# sleeps) while ghostbrew schedules more CPU hogs than there are CPUs. No task of ours may wait behind
# it while another CPU could run it (bpf/rt.bpf.h): what waited on CPU 1's local queue moves to other
# CPUs (ops.cpu_release re-enqueues it, counted in rt_reenqueues), nothing is put on CPU 1 while the
# RT task is runnable (rt_avoided, reported) and the other CPUs take what its own queue held
# (rt_rescued, reported). Checks: rt_reenqueues grows, every hog runs at least 10 ms in each third of
# the RT run, on every kernel (a hog that does not: its state and CPU, the RT task's, the kernel's
# runqueue line and the sched_ext dump taken at that moment are printed, as rt.starved and rt-hog:
# lines), and at least a third of the hogs' mean over it, the state stays `enabled` as `ghostbrew`
# at every sample, no ejection and no sched_ext error in the kernel log, ghost-sched exits 0 on
# SIGINT.
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
hog_stats=
# ns_of: "PID:NS ..." for every hog, the time it has run (the first field of /proc/PID/schedstat), in
# one process.
ns_of() { awk 'FNR == 1 { f = FILENAME; gsub(/[^0-9]/, "", f); printf "%s:%s ", f, $1 }' $hog_stats; }
# stalled_between A B: "PID(MS ms)" for each hog that ran less than 10 ms from sample A to sample B
# (its share is about half of each third; 10 ms is one tick of the clock-tick count this used).
stalled_between() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], y, ":"); s[y[1]] = y[2] }
    n = split(b, x, " "); for (i = 1; i <= n; i++) { split(x[i], y, ":"); d = y[2] - s[y[1]]
      if (d < 10000000) printf "%s(%d-ms) ", y[1], d / 1000000 } }'
}

ghost_sched_start "$LOG" || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach

i=0
while [ "$i" -lt "$NHOGS" ]; do
  sh -c 'while :; do :; done' &
  hogs="$hogs $!"
  hog_stats="$hog_stats /proc/$!/schedstat"
  i=$((i + 1))
done
: >"$SAMPLES"
(while :; do echo "$(uptime_ms) $(sched_state) $(sched_ops)" >>"$SAMPLES"; sleep 0.5; done) &
watch_pid=$!
sleep 2
snapshot_stats
r0=$(stat_sum rt_reenqueues)
a0=$(stat_sum rt_avoided)
q0=$(stat_sum rt_rescued)

if grep -q ' ext_server_pick_task$' /proc/kallsyms; then RT_SECS=30 DL_SERVER=1; else RT_SECS=3 DL_SERVER=0; fi
data rt.rt_runtime_us "$(cat /proc/sys/kernel/sched_rt_runtime_us 2>/dev/null)/$(cat /proc/sys/kernel/sched_rt_period_us 2>/dev/null)"
data rt.seconds "$RT_SECS"
# The RT hog: SCHED_FIFO 50 on CPU 1, running without a break for RT_SECS of guest time (its loop reads
# the clock through /proc/uptime with shell builtins only, so it never sleeps).
rm -f /tmp/rt-began
scx_dump_arm
chrt -f 50 taskset -c 1 sh -c '
  read -r up _ </proc/uptime; echo "$up" >/tmp/rt-began
  end=$(( ${up%.*} * 100 + 1${up#*.} - 100 + '"$RT_SECS"' * 100 ))
  while :; do read -r up _ </proc/uptime; [ $(( ${up%.*} * 100 + 1${up#*.} - 100 )) -ge "$end" ] && exit 0; done' &
rt=$!
# The thirds start when the RT loop runs on CPU 1 (chrt and taskset come first, as ordinary tasks)
# and end within it: each sample is one awk over every hog's schedstat. (Two processes per hog, as
# cpu_ticks takes, stretched the first third to 2.3 s beside six hogs, so the later thirds fell after
# the RT run's end and the first one's stall was read when the RT task had gone: the hog then ran,
# the current task of CPU 1.)
i=0
while [ ! -s /tmp/rt-began ] && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s /tmp/rt-began ] || die rt-starts "the RT loop did not start within 10 s"
third_s=$(awk -v t="$RT_SECS" 'BEGIN { print t / 3 - 0.1 }')
starved=
dumped=
first=$(ns_of)
prev=$first
for third in 1 2 3; do
  sleep "$third_s"
  now=$(ns_of)
  at=$(uptime_ms)
  stalled=$(stalled_between "$prev" "$now")
  # Where a stalled hog waits, while the RT task still runs: the sched_ext dump of every CPU first
  # (once), then the hog's state and CPU, the RT task's, and the kernel's runqueue line.
  [ -n "$stalled" ] && [ -z "$dumped" ] && dumped=1 && scx_dump_now "rt-hog: "
  for w in $stalled; do
    p=${w%%(*}
    starved="$starved $p(third $third: ${w#*(}"
    data rt.starved "$p third $third at $at ms state/cpu $(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[1] "/" f[37] }' /proc/$p/stat) rt task state/cpu $(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[1] "/" f[37] }' /proc/$rt/stat 2>/dev/null)"
    awk -v pid=" $p " '/^cpu#/ { c = $1 } index($0, pid) { print "rt-hog: " c ":" $0 }' \
      /sys/kernel/debug/sched/debug 2>/dev/null | head -n 3
  done
  prev=$now
done
data rt.sampled "RT loop began at $(cat /tmp/rt-began) s, last sample at $at ms"
# Each hog's CPU time over the RT run in ms: "min mean".
spread=$(awk -v a="$first" -v b="$now" 'BEGIN {
  n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], y, ":"); s[y[1]] = y[2] }
  n = split(b, x, " "); for (i = 1; i <= n; i++) { split(x[i], y, ":"); d = (y[2] - s[y[1]]) / 1000000
    if (i == 1 || d < m) m = d; t += d }
  printf "%d %d\n", m, t / n }')
data rt.hog_ms_min_mean "$spread"
wait_for_exit "$rt" 20 || fail rt-hog-ends "the RT hog still runs 20 s after its end"
rt=
kill $watch_pid 2>/dev/null
watch_pid=
snapshot_stats
r1=$(stat_sum rt_reenqueues)
a1=$(stat_sum rt_avoided)
q1=$(stat_sum rt_rescued)
data rt.reenqueues "$((r1 - r0))"
data rt.stalled_hogs "$(echo "$starved" | wc -w | awk '{ print int($1 / 3) }')"
data rt.avoided "$((a1 - a0))"
data rt.rescued "$((q1 - q0))"
[ -z "$starved" ] && pass hogs-keep-running || fail hogs-keep-running "no CPU time in a third of the RT run:$starved"
set -- $spread
[ "$(($1 * 3))" -ge "$2" ] && pass hogs-share-fairly || fail hogs-share-fairly "a hog ran $1 ms, the mean was $2 ms"
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
