# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a scenario that reports a broken check must fail the run, even after a PASS.
. /guest-lib.sh
pass selftest-before-the-failure
fail selftest-deliberate "this check breaks on purpose"
finish
