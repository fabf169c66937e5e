# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a sched_ext ejection in the kernel log must fail the run even when every check passed.
# The kernel logs it as pr_err("sched_ext: BPF scheduler \"%s\" disabled (%s)"); this writes the same
# line at the same level through /dev/kmsg, so it reaches the console the way a real one does.
# guest-lib's scx_kernel_errors must report it too (scenarios use it for their own checks).
. /guest-lib.sh
pass selftest-before-the-ejection
echo '<3>sched_ext: BPF scheduler "selftest" disabled (runnable task stall)' >/dev/kmsg
# The kernel may print it to the serial console later, from its printer thread (suspected, not proven):
# wait so our next line does not meet it there (one CI run lost the PASS line printed 1 s after).
sleep 3
if scx_kernel_errors | grep -q 'runnable task stall'; then pass scx-kernel-errors-sees-the-ejection; else
  fail scx-kernel-errors-sees-the-ejection "scx_kernel_errors printed: $(scx_kernel_errors)"
fi
finish
