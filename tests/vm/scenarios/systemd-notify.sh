# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched gb-notify-listen
# vm-args: --smp 2 --icount 2
# systemd-notify: ghost-sched as the Type=notify service dist/systemd/ghostbrew.service runs, with
# gb-notify-listen in the service manager's place on $NOTIFY_SOCKET (the guest has no systemd; the
# protocol is the same datagrams). Checks: READY=1 arrives, and only once the scheduler is attached
# (so `systemctl start` waits for the attach); STATUS= carries the mode and the classified counts
# `systemctl status` shows; with WATCHDOG_USEC=2 s, WATCHDOG=1 arrives every second or so; a second
# ghost-sched that cannot attach (one is loaded) exits non-zero and never says READY=1 (so
# `systemctl start` fails); SIGTERM (systemctl stop) sends STOPPING=1 and exits 0.
. /guest-lib.sh
SOCK=/run/notify.sock
SOCK2=/run/notify2.sock
LOG=/tmp/gs.log
listener=
cleanup() {
  [ -n "$listener" ] && kill "$listener" 2>/dev/null
  show_file notify /tmp/notify.log
  ghost_cleanup "$LOG"
}
_sock_exists() { [ -S "$1" ]; }

gb-notify-listen "$SOCK" 600 >/tmp/notify.log 2>&1 &
listener=$!
wait_until 10 _sock_exists "$SOCK" || die listener "gb-notify-listen made no socket: $(cat /tmp/notify.log)"

export NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=2000000
ghost_sched_start "$LOG" || { show_file ghost-sched "$LOG"; die attach "no attach under NOTIFY_SOCKET"; }
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_for_line /tmp/notify.log ' READY=1$' 20 && pass ready-sent || fail ready-sent "no READY=1"
# READY=1 is sent after the attach: by the time it is seen the scheduler is enabled, and ghost-sched
# has already logged its attach.
expect_eq ready-after-attach "$(sched_state) $(sched_ops)" "enabled ghostbrew"
grep -q 'ghost-sched: attached' "$LOG" && pass attach-logged-before-ready || fail attach-logged-before-ready "no attach line"
grep -Eq ' STATUS=mode auto; classified:' /tmp/notify.log && pass status-has-mode-and-counts ||
  fail status-has-mode-and-counts "$(grep STATUS= /tmp/notify.log | head -n 2)"

# The watchdog: WATCHDOG_USEC / 2 between pings.
w0=$(grep -c ' WATCHDOG=1$' /tmp/notify.log)
sleep 6
w1=$(grep -c ' WATCHDOG=1$' /tmp/notify.log)
data systemd-notify.watchdog_pings_in_6s "$((w1 - w0))"
[ "$((w1 - w0))" -ge 4 ] && [ "$((w1 - w0))" -le 8 ] && pass watchdog-every-second ||
  fail watchdog-every-second "$((w1 - w0)) WATCHDOG=1 in 6 s, want about 6"

# A start that cannot attach (one scheduler is loaded already): a non-zero exit, no READY=1.
gb-notify-listen "$SOCK2" 120 >/tmp/notify2.log 2>&1 &
listener2=$!
wait_until 10 _sock_exists "$SOCK2" || die listener2 "no second socket"
NOTIFY_SOCKET="$SOCK2" timeout 60 ghost-sched >/tmp/gs2.log 2>&1
rc=$?
kill "$listener2" 2>/dev/null
show_file second /tmp/gs2.log
[ "$rc" != 0 ] && [ "$rc" != 124 ] && pass failed-start-exits-nonzero || fail failed-start-exits-nonzero "exit $rc"
if grep -q 'READY=1' /tmp/notify2.log; then fail failed-start-not-ready "$(cat /tmp/notify2.log)"; else
  pass failed-start-not-ready
fi

# systemctl stop: SIGTERM, STOPPING=1, exit 0.
ghost_sched_stop TERM || die stops-on-sigterm "ghost-sched still running 30 s after SIGTERM"
expect_eq exit-status-0 "$EXIT_STATUS" 0
wait_for_line /tmp/notify.log ' STOPPING=1$' 10 && pass stopping-sent || fail stopping-sent "no STOPPING=1"
expect_eq back-on-default "$(sched_state)" disabled
show_file notify /tmp/notify.log | tail -n 4
finish
