# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# host-ab-in-guest: proves bench/host-ab.sh on a real sched_ext kernel (the guest's), since this
# project's hosts have none. Run by tests/vm/run-guest.sh with bash, host-ab.sh, ab-options.sh,
# guest-ab.sh and the three binaries added (the command is in bench/README.md). It rebuilds the
# repository and build layouts host-ab.sh expects from /opt/ghostbrew, checks its refusal when a
# scheduler is attached, then runs it with short durations (AB_ARGS in host-ab-args, if added,
# replaces the defaults); host-ab.sh's log lands on the serial console for report.py on the host.
. /guest-lib.sh
find_added() { for d in /opt/ghostbrew/bin /opt/ghostbrew/share; do [ -f "$d/$1" ] && echo "$d/$1" && return; done; }
R=/tmp/repo B=/tmp/build
mkdir -p $R/bench/vm $R/tests/vm $B/apps/ghost-sched $B/bench/framesim $B/bpf
for f in host-ab.sh ab-options.sh guest-ab.sh framesim ghost-sched refsched.bpf.o; do
  [ -n "$(find_added $f)" ] || die setup "$f was not added (run-guest.sh --add)"
done
cp "$(find_added host-ab.sh)" $R/bench/host-ab.sh
cp "$(find_added ab-options.sh)" $R/bench/ab-options.sh
cp "$(find_added guest-ab.sh)" $R/bench/vm/guest-ab.sh
cp /guest-lib.sh $R/tests/vm/guest-lib.sh
cp "$(find_added ghost-sched)" $B/apps/ghost-sched/ghost-sched
cp "$(find_added framesim)" $B/bench/framesim/framesim
cp "$(find_added refsched.bpf.o)" $B/bpf/refsched.bpf.o
command -v bash >/dev/null || die setup "no bash in the guest (run-guest.sh --add /bin/bash)"

# Refusal: a scheduler already attached.
register_struct_ops $B/bpf/refsched.bpf.o /sys/fs/bpf/pre-attached
bash $R/bench/host-ab.sh --build $B --out /tmp/host-ab --no-report >/tmp/refuse.out 2>&1
rc=$?
show_file refuse /tmp/refuse.out
[ "$rc" = 2 ] && [ "$(wc -l </tmp/refuse.out)" = 1 ] && grep -q 'already attached' /tmp/refuse.out &&
  pass host-ab-refuses-attached || fail host-ab-refuses-attached "exit $rc, output above"
unregister_struct_ops /sys/fs/bpf/pre-attached

# The run itself (its log goes to the console through host-ab.sh's stderr).
ARGS='--frame-s 3 --cyclic-s 3 --scheds "eevdf ghostbrew"'
[ -f /opt/ghostbrew/share/host-ab-args ] && ARGS=$(cat /opt/ghostbrew/share/host-ab-args)
note "bench/host-ab.sh $ARGS"
eval "bash $R/bench/host-ab.sh --build $B --out /tmp/host-ab --no-report $ARGS"
rc=$?
[ "$rc" = 0 ] && pass host-ab-ran || fail host-ab-ran "bench/host-ab.sh exited $rc"
expect_eq host-ab-detached "$(sched_state)" disabled
[ -z "$(ls /tmp/ghostbrew-host-ab.* 2>/dev/null)" ] && pass host-ab-cleaned-up ||
  fail host-ab-cleaned-up "its scratch directory is left: $(ls -d /tmp/ghostbrew-host-ab.*)"
left=$(grep -lE '^(stress-ng|game.exe|ghost-sched|qemu-system-x86|cyclictest|hackbench)' /proc/[0-9]*/comm 2>/dev/null | tr '\n' ' ')
note "left over: [$left]"
[ -z "$left" ] && pass host-ab-no-leftover-processes || fail host-ab-no-leftover-processes "pids $left"
finish
