# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a clean run passes, and GHOSTBREW-DATA lines reach the .data file beside the log.
# A normal detach message on the console is not mistaken for an ejection, by the host or guest-lib.
. /guest-lib.sh
data selftest.answer 42 forty-two
data selftest.cpus "$(nproc)"
if [ "$(nproc)" = 2 ]; then pass selftest-smp-option; else fail selftest-smp-option "nproc $(nproc), want 2 (--smp 2)"; fi
echo '<3>sched_ext: BPF scheduler "selftest" disabled (unregistered from user space)' >/dev/kmsg
sleep 1
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass scx-kernel-errors-ignores-detach; else fail scx-kernel-errors-ignores-detach "$errs"; fi
finish
