# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: a scenario that dies with a non-zero status must fail the run, whatever it passed.
. /guest-lib.sh
pass selftest-before-the-crash
exit 3
