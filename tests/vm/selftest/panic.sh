# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a kernel panic in the guest must fail the run (sysrq-c crashes the kernel).
. /guest-lib.sh
pass selftest-before-the-panic
echo c >/proc/sysrq-trigger
sleep 30
