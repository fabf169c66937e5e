# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --smp 4 --icount 2
# ghost-sched's control socket, driven from second processes as a user would: the socket is root's
# (0600); `--monitor 1` prints live statistics that move; `ctl mode work` switches the mode without
# reloading (the knob reaches BPF, which rebuilds its role masks and counts mode_switches); `ctl
# status` and `ctl reload` answer; a bad mode is one error line; a non-root client (su to nobody) is
# refused with one clear line.
. /guest-lib.sh
SOCK=/run/ghostbrew/ghost-sched.sock
roles_rebuilt() {
  snapshot_stats
  [ "$(stat_sum mode_switches)" -ge 1 ]
}
cleanup() {
  kill $load 2>/dev/null
  [ -n "$GS_PID" ] && ghost_sched_stop
}

ghost_sched_start /tmp/gs.log || { show_file ghost-sched /tmp/gs.log; die attach "no attach"; }
stress-ng --cpu 1 --timeout 60s >/dev/null 2>&1 &
load=$!
[ -S "$SOCK" ] || die socket "no control socket at $SOCK"
expect_eq socket-mode-and-owner "$(stat -c '%a %u' "$SOCK")" "600 0"

# --monitor from a second process: three lines in about 3 s, rates from counters that moved.
timeout 4 ghost-sched --monitor 1 >/tmp/mon.log 2>&1
show_file monitor /tmp/mon.log
lines=$(grep -c '^mode auto classified .* | stats: dsp/s ' /tmp/mon.log)
[ "$lines" -ge 2 ] && pass monitor-prints || fail monitor-prints "$lines stats lines"
dflt=$(sed -n 2p /tmp/mon.log | sed 's/.* dflt=\([0-9]*\) .*/\1/')
data control.monitor_dflt_per_s "$dflt"
[ "${dflt:-0}" -gt 0 ] && pass monitor-stats-move || fail monitor-stats-move "second line: $(sed -n 2p /tmp/mon.log)"

# ctl mode work: the knob holds it (enum gb_mode + 1), and BPF rebuilt its role masks for it.
ghost-sched ctl mode work >/tmp/ctl.log 2>&1 || { show_file ctl /tmp/ctl.log; fail ctl-mode "exit $?"; }
expect_eq ctl-mode-reply "$(cat /tmp/ctl.log)" "mode work (was auto)"
bpftool -j map dump name knobs >/tmp/knobs.json 2>&1
grep -q '"mode":3' /tmp/knobs.json && pass knob-holds-work || { show_file knobs /tmp/knobs.json; fail knob-holds-work "no mode 3 in the knobs map"; }
wait_until 20 roles_rebuilt && pass bpf-rebuilt-roles || fail bpf-rebuilt-roles "mode_switches stayed 0"
wait_for_line /tmp/gs.log 'ghost-sched: mode auto -> work' 10 || fail mode-logged "no 'mode auto -> work' line"
ghost-sched ctl status >/tmp/status.log 2>&1
show_file status /tmp/status.log
grep -q '^mode: *work$' /tmp/status.log && pass status-says-work || fail status-says-work "$(head -1 /tmp/status.log)"
expect_eq still-attached "$(sched_state) $(sched_ops)" "enabled ghostbrew"
timeout 3 ghost-sched --monitor 1 >/tmp/mon2.log 2>&1
grep -q '^mode work classified .* modesw=' /tmp/mon2.log && pass monitor-shows-work || fail monitor-shows-work "$(head -1 /tmp/mon2.log)"

# A bad mode: one line, non-zero, nothing switched.
ghost-sched ctl mode turbo >/tmp/bad.log 2>&1 && fail bad-mode "exit 0" || true
expect_eq bad-mode-line "$(wc -l </tmp/bad.log | tr -d ' ')" 1
grep -q "unknown mode 'turbo'" /tmp/bad.log && pass bad-mode-says-why || fail bad-mode-says-why "$(cat /tmp/bad.log)"

# ctl reload: the SIGHUP path, answered over the socket.
ghost-sched ctl reload >/tmp/reload.log 2>&1
grep -q '^reloaded: [0-9]* classified processes' /tmp/reload.log && pass ctl-reload || fail ctl-reload "$(cat /tmp/reload.log)"

# A non-root client: su to nobody (busybox su, as root, asks no password).
grep -q '^nobody:' /etc/passwd 2>/dev/null || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
grep -q '^root:' /etc/passwd || echo 'root:x:0:0:root:/root:/bin/sh' >>/etc/passwd
su -s /bin/sh nobody -c "id -u; ghost-sched --monitor 1" >/tmp/nobody.log 2>&1
rc=$?
show_file nobody /tmp/nobody.log
expect_eq nobody-uid "$(head -1 /tmp/nobody.log)" 65534
expect_eq nobody-one-line "$(sed -n '2,$p' /tmp/nobody.log | wc -l | tr -d ' ')" 1
grep -q "permission denied: only root may use ghost-sched's control socket" /tmp/nobody.log &&
  [ "$rc" -ne 0 ] && pass non-root-refused || fail non-root-refused "exit $rc: $(cat /tmp/nobody.log)"

kill $load 2>/dev/null
load=""
ghost_sched_stop && expect_eq clean-exit "$EXIT_STATUS" 0 || fail clean-exit "ghost-sched had to be killed"
[ -e "$SOCK" ] && fail socket-removed "the socket outlived the daemon" || pass socket-removed
show_file ghost-sched /tmp/gs.log | tail -n 6
finish
