# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghostbrew_bpf
# vm-args: --smp 4 --icount 2
# ghostbrew's starvation bound: a nice-19 CPU hog (BATCH) keeps running under a flood of
# context-switching work that saturates every CPU, and the kernel's 5 s watchdog never fires. Virtual
# time gives the hog its nice weight (1.5 against 100 per nice-0 task) as EEVDF does, so the same
# flood runs first under EEVDF (nothing attached) and the check is against that: ghostbrew must give
# the hog at least half of EEVDF's CPU time and a real share (>= 0.1% of a CPU: a starving scheduler
# gives ~0). CPU time from schedstat (ns; tick sampling misses a hog that runs now and then).
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/ghostbrew.bpf.o
PIN=/sys/fs/bpf/ghostbrew
hog=
cleanup() {
  [ -n "$hog" ] && kill "$hog" 2>/dev/null
  rm -rf "$PIN"
}

# flood_share PHASE: run the flood beside the nice-19 hog; SHARE_MS = the hog's CPU time over 6 s of
# it, WINDOW_MS = the window.
flood_share() {
  nice -n 19 sh -c 'while :; do :; done' &
  hog=$!
  # The flood: 16 context-switch pairs, far more runnable tasks than CPUs, for 8 s.
  # (busybox sh may reap a background job before `wait`: its status goes through a file.)
  (
    stress-ng --switch 16 --timeout 8s >/tmp/flood.log 2>&1
    echo $? >/tmp/flood.status
  ) &
  flood=$!
  sleep 1
  t0=$(cpu_ns "$hog")
  start=$(uptime_ms)
  sleep 6
  t1=$(cpu_ns "$hog")
  elapsed=$(($(uptime_ms) - start))
  wait "$flood"
  expect_eq "$1-flood-status" "$(cat /tmp/flood.status 2>/dev/null)" 0
  kill "$hog"
  wait "$hog" 2>/dev/null
  hog=""
  SHARE_MS=$(((t1 - t0) / 1000000))
  WINDOW_MS=$elapsed
}

flood_share eevdf
eevdf_ms=$SHARE_MS
data ghostbrew.starvation.eevdf_hog_ms "$eevdf_ms"
data ghostbrew.starvation.eevdf_window_ms "$WINDOW_MS"

register_struct_ops "$OBJ" "$PIN"
flood_share ghostbrew
got=$SHARE_MS
elapsed=$WINDOW_MS
data ghostbrew.starvation.batch_hog_ms "$got"
data ghostbrew.starvation.window_ms "$elapsed"
floor=$((elapsed / 1000))
want=$((eevdf_ms / 2))
[ "$want" -lt "$floor" ] && want=$floor
[ "$got" -ge "$want" ] && pass batch-progresses-under-flood ||
  fail batch-progresses-under-flood "nice-19 hog ran $got ms in $elapsed ms under ghostbrew, want >= $want" \
    "(EEVDF gave it $eevdf_ms ms)"
expect_eq still-ghostbrew "$(sched_ops)" ghostbrew
unregister_struct_ops "$PIN"
finish
