# selftest: a kernel panic in the guest must fail the run (sysrq-c crashes the kernel).
. /guest-lib.sh
pass selftest-before-the-panic
echo c >/proc/sysrq-trigger
sleep 30
