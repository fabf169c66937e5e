# selftest: a sched_ext ejection in the kernel log must fail the run even when every check passed.
# The kernel logs it as pr_err("sched_ext: BPF scheduler \"%s\" disabled (%s)"); this writes the same
# line at the same level through /dev/kmsg, so it reaches the console the way a real one does.
. /guest-lib.sh
pass selftest-before-the-ejection
echo '<3>sched_ext: BPF scheduler "selftest" disabled (runnable task stall)' >/dev/kmsg
sleep 1
finish
