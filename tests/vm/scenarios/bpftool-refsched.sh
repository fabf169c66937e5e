# vm-requires: refsched_bpf
# vm-args: --smp 4 --icount 2
# refsched loaded and attached by bpftool alone (no loader): the verifier accepts it on this kernel,
# it schedules a stress-ng load without a stall, and it detaches cleanly when its link is removed.
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/refsched.bpf.o
PIN=/sys/fs/bpf/refsched
cleanup() { rm -rf "$PIN"; }

[ -r "$OBJ" ] || die object "no $OBJ in the guest"
mkdir -p "$PIN"
if ! bpftool struct_ops register "$OBJ" "$PIN" >/tmp/register.log 2>&1; then
  show_file bpftool /tmp/register.log
  die register "bpftool struct_ops register $OBJ failed"
fi
pass register
wait_for_state enabled 10 || die enabled "state is $(sched_state) 10 s after register"
pass enabled
expect_eq ops-name "$(sched_ops)" refsched

# Load: more CPU hogs than CPUs, plus context-switch heavy work; the watchdog (5 s) would eject
# the scheduler if any runnable task waited that long.
stress-ng --cpu 6 --switch 2 --timeout 8s --metrics-brief >/tmp/stress.log 2>&1
status=$?
[ $status = 0 ] || show_file stress-ng /tmp/stress.log
expect_eq stress-ng-status "$status" 0
expect_eq still-enabled-after-load "$(sched_state)" enabled
expect_eq still-refsched-after-load "$(sched_ops)" refsched

rm -rf "$PIN"
wait_for_state disabled 10 || fail detached "state is $(sched_state) 10 s after removing the link"
pass detached
errs=$(scx_kernel_errors)
[ -z "$errs" ] && pass kernel-log-clean || fail kernel-log-clean "$errs"
finish
