# vm-requires: ghostbrew_bpf
# vm-args: --smp 4 --icount 2
# ghostbrew's behaviour classes on the real kernel, through bpftool only: a long burst makes a task
# BATCH only while it also keeps a CPU busy. stress-ng's cpu-load worker runs the same 40 ms bursts
# (every one at or above burst_threshold_ns, 20 ms) at 90 % and at 10 % of a CPU: at 90 % its
# dispatches are BATCH, at 10 % (almost) none are (it sleeps 360 ms after each burst, as a thread that
# mostly sleeps and catches up in one long run does). Counted from the scheduler's own per-class
# dispatch counters, against the same counters with nothing running.
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/ghostbrew.bpf.o
PIN=/sys/fs/bpf/ghostbrew
BATCH=6
cleanup() {
  [ -n "$load" ] && kill "$load" 2>/dev/null
  rm -rf "$PIN"
}

[ -r "$OBJ" ] || die object "no $OBJ in the guest"
register_struct_ops "$OBJ" "$PIN"

idle=$(class_growth $BATCH 4)
data ghostbrew.behaviour.batch_idle "$idle"

# batch_growth LOAD_PCT: BATCH dispatches in 4 s, after 3 s of settling (the CPU share is measured
# over 100 ms windows; the burst score decays over a few bursts), of one worker at LOAD_PCT.
batch_growth() {
  stress-ng --cpu 1 --cpu-load "$1" --cpu-load-slice 40 --timeout 12s >/dev/null 2>&1 &
  load=$!
  sleep 3
  class_growth $BATCH 4
  kill "$load" 2>/dev/null
  wait "$load" 2>/dev/null
  load=""
}
busy=$(batch_growth 90)
data ghostbrew.behaviour.batch_busy_90pct "$busy"
sleepy=$(batch_growth 10)
data ghostbrew.behaviour.batch_sleepy_10pct "$sleepy"

# A busy long-burst task is BATCH (at least one dispatch a second beyond the idle count) ...
[ "$busy" -ge "$((idle + 4))" ] && pass busy-long-bursts-are-batch ||
  fail busy-long-bursts-are-batch "BATCH dispatches in 4 s: $busy at 90 % load, $idle idle"
# ... and the same bursts at 10 % of a CPU add under a twentieth of that (measured: 10 of 509 with
# the CPU-share rule; 60 of 507 without it, when every 40 ms burst made the worker BATCH).
[ "$((20 * (sleepy - idle)))" -lt "$((busy - idle))" ] && pass sleepy-long-bursts-are-not-batch ||
  fail sleepy-long-bursts-are-not-batch "BATCH dispatches in 4 s: $sleepy at 10 % load, $busy at 90 %, $idle idle"

expect_eq still-ghostbrew "$(sched_ops)" ghostbrew
unregister_struct_ops "$PIN"
finish
