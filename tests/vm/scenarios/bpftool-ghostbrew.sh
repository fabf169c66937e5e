# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
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

# Loaded without a daemon, nothing has a fixed class: the switch pairs and the nice-0 hogs are
# DEFAULT (3), the niced hog BATCH (6, nice > 0), and nothing is INTERACTIVE (1): no burst length
# makes an unclassified task interactive, virtual time orders them.
snapshot_stats
inter=$(dispatched 1)
deflt=$(dispatched 3)
batch=$(dispatched 6)
direct=$(stat_sum direct_dispatches)
data ghostbrew.bpftool.dispatched_interactive "$inter"
data ghostbrew.bpftool.dispatched_default "$deflt"
data ghostbrew.bpftool.dispatched_batch "$batch"
data ghostbrew.bpftool.direct_dispatches "$direct"
data ghostbrew.bpftool.preemptions "$(stat_sum preemptions)"
data ghostbrew.bpftool.migrations "$(stat_sum migrations)"
data ghostbrew.bpftool.reclassifications "$(stat_sum reclassifications)"
[ "$deflt" -gt 0 ] && pass default-work-seen || fail default-work-seen "dispatched[DEFAULT] = $deflt"
[ "$batch" -gt 0 ] && pass niced-work-is-batch || fail niced-work-is-batch "dispatched[BATCH] = $batch"
[ "$inter" = 0 ] && pass no-behaviour-interactive || fail no-behaviour-interactive "dispatched[INTERACTIVE] = $inter"
# No heartbeat was ever written: every classification ran without userspace maps.
recl=$(stat_sum reclassifications)
stale=$(stat_sum stale_heartbeat)
[ "$recl" -gt 0 ] && [ "$recl" = "$stale" ] && pass untrusted-without-heartbeat ||
  fail untrusted-without-heartbeat "reclassifications $recl, without userspace $stale"

unregister_struct_ops "$PIN"
finish
