# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a scenario that never ends must fail the run with a timeout (run with --timeout).
. /guest-lib.sh
pass selftest-before-the-hang
while :; do sleep 1; done
