# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a scenario that proves nothing (no PASS line, exit 0) must fail the run.
. /guest-lib.sh
note "this scenario reports no check"
