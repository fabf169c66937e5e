# selftest: GHOSTBREW-DATA lines reach the .data file beside the log, and a clean run passes.
. /guest-lib.sh
data selftest.answer 42 forty-two
data selftest.cpus "$(nproc)"
if [ "$(nproc)" = 2 ]; then pass selftest-smp-option; else fail selftest-smp-option "nproc $(nproc), want 2 (--smp 2)"; fi
finish
