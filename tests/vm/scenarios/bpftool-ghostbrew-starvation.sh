# vm-requires: ghostbrew_bpf
# vm-args: --smp 4 --icount 2
# ghostbrew's starvation bound: a nice-19 CPU hog (BATCH, the longest deadline window) keeps running
# under a flood of interactive work that saturates every CPU. The bound (bpf/ghostbrew.bpf.c) says a
# queued task waits at most max_window_ns (200 ms) plus the drain of the tasks queued before it, so
# the hog gets at least a slice (5 ms) every few hundred ms; the check asks for 1% of one CPU, well
# under that, and the kernel's 5 s watchdog must not fire.
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/ghostbrew.bpf.o
PIN=/sys/fs/bpf/ghostbrew
cleanup() {
  [ -n "$hog" ] && kill "$hog" 2>/dev/null
  rm -rf "$PIN"
}

register_struct_ops "$OBJ" "$PIN"

nice -n 19 sh -c 'while :; do :; done' &
hog=$!
# The flood: 16 context-switch pairs and a pipe/socket messaging storm, far more runnable
# interactive tasks than CPUs, for 8 s.
# (busybox sh may reap a background job before `wait`: its status goes through a file.)
(
  stress-ng --switch 16 --timeout 8s >/tmp/flood.log 2>&1
  echo $? >/tmp/flood.status
) &
flood=$!
sleep 1
t0=$(cpu_ticks "$hog")
start=$(uptime_ms)
sleep 6
t1=$(cpu_ticks "$hog")
elapsed=$(($(uptime_ms) - start))
wait "$flood"
expect_eq flood-status "$(cat /tmp/flood.status 2>/dev/null)" 0
kill "$hog"
wait "$hog" 2>/dev/null
hog=""
# Ticks are 10 ms; 1% of one CPU over the window is elapsed / 1000 ticks.
got=$((t1 - t0))
want=$((elapsed / 1000))
data ghostbrew.starvation.batch_hog_ticks "$got"
data ghostbrew.starvation.window_ms "$elapsed"
[ "$got" -ge "$want" ] && pass batch-progresses-under-interactive-flood ||
  fail batch-progresses-under-interactive-flood "nice-19 hog ran $got ticks in $elapsed ms, want >= $want"
expect_eq still-ghostbrew "$(sched_ops)" ghostbrew
unregister_struct_ops "$PIN"
finish
