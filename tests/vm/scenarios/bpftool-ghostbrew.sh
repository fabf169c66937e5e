# vm-requires: ghostbrew_bpf
# vm-args: --smp 4 --threads-per-core 2 --icount 2
# ghostbrew loaded and attached by bpftool alone: no loader, so no topology, no config changes, no
# heartbeat (userspace maps untrusted). The verifier must accept the object on this kernel, it must
# schedule a mixed stress-ng load (CPU hogs, a niced hog, context-switch pairs) without a stall,
# account the work by class, and detach cleanly. Two threads per core: the SMT idle-core picks run.
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/ghostbrew.bpf.o
PIN=/sys/fs/bpf/ghostbrew
cleanup() { rm -rf "$PIN"; }

[ -r "$OBJ" ] || die object "no $OBJ in the guest"
register_struct_ops "$OBJ" "$PIN"
expect_eq ops-name "$(sched_ops)" ghostbrew


# More CPU hogs than CPUs, one of them niced, plus switch-heavy pairs; the watchdog (5 s) would
# eject the scheduler if any runnable task waited that long.
# (busybox sh may have reaped the background job before `wait`: its status goes through a file.)
(
  nice -n 10 stress-ng --cpu 1 --timeout 8s >/tmp/niced.log 2>&1
  echo $? >/tmp/niced.status
) &
niced=$!
stress-ng --cpu 5 --switch 2 --timeout 8s --metrics-brief >/tmp/stress.log 2>&1
status=$?
wait $niced
nstatus=$(cat /tmp/niced.status 2>/dev/null)
[ "$nstatus" = 0 ] || show_file niced /tmp/niced.log
[ $status = 0 ] || show_file stress-ng /tmp/stress.log
expect_eq stress-ng-status "$status" 0
expect_eq niced-stress-ng-status "$nstatus" 0
expect_eq still-enabled-after-load "$(sched_state)" enabled
expect_eq still-ghostbrew-after-load "$(sched_ops)" ghostbrew

# INTERACTIVE (1) and BATCH (6) must both be seen: the switch pairs sleep after microseconds of
# work (behaviour: interactive), the hogs never sleep and one is niced (behaviour: batch).
snapshot_stats
inter=$(dispatched 1)
batch=$(dispatched 6)
direct=$(stat_sum direct_dispatches)
data ghostbrew.bpftool.dispatched_interactive "$inter"
data ghostbrew.bpftool.dispatched_batch "$batch"
data ghostbrew.bpftool.direct_dispatches "$direct"
data ghostbrew.bpftool.migrations "$(stat_sum migrations)"
data ghostbrew.bpftool.reclassifications "$(stat_sum reclassifications)"
[ "$inter" -gt 0 ] && pass interactive-work-seen || fail interactive-work-seen "dispatched[INTERACTIVE] = $inter"
[ "$batch" -gt 0 ] && pass batch-work-seen || fail batch-work-seen "dispatched[BATCH] = $batch"
# No heartbeat was ever written: every classification ran without userspace maps.
recl=$(stat_sum reclassifications)
stale=$(stat_sum stale_heartbeat)
[ "$recl" -gt 0 ] && [ "$recl" = "$stale" ] && pass untrusted-without-heartbeat ||
  fail untrusted-without-heartbeat "reclassifications $recl, without userspace $stale"

unregister_struct_ops "$PIN"
finish
