# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: refsched_bpf
# vm-args: --smp 4 --icount 2
# refsched loaded and attached by bpftool alone (no loader): the verifier accepts it on this kernel,
# it schedules a stress-ng load without a stall, and it detaches cleanly when its link is removed.
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/refsched.bpf.o
PIN=/sys/fs/bpf/refsched
cleanup() { rm -rf "$PIN"; }

[ -r "$OBJ" ] || die object "no $OBJ in the guest"
register_struct_ops "$OBJ" "$PIN"
expect_eq ops-name "$(sched_ops)" refsched

# Load: more CPU hogs than CPUs, plus context-switch heavy work; the watchdog (5 s) would eject
# the scheduler if any runnable task waited that long.
stress-ng --cpu 6 --switch 2 --timeout 8s --metrics-brief >/tmp/stress.log 2>&1
status=$?
[ $status = 0 ] || show_file stress-ng /tmp/stress.log
expect_eq stress-ng-status "$status" 0
expect_eq still-enabled-after-load "$(sched_state)" enabled
expect_eq still-refsched-after-load "$(sched_ops)" refsched

unregister_struct_ops "$PIN"
finish
