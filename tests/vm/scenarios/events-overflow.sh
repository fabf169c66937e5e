# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --smp 4 --icount 2
# vm-timeout: 600
# events-overflow: the exec/exit ring under storms.
#  1. A fork storm of processes nobody classified (2000 subshells: fork and exit, no exec) does not wake
#     the daemon: BPF sends exit events only for processes and threads in its class maps. Its voluntary
#     context switches over the storm are reported and must stay under 50 (one per exit before).
#  2. An exec storm larger than the ring (5000 execs, ~4700 fit in 256 KiB) while the daemon is stopped,
#     with three games (WINEPREFIX) started at its end, whose exec events the full ring drops: the
#     drops are counted (ringbuf_drops), the daemon notices them once it runs again and rescans /proc
#     ("events lost (ring full): rescanned"), and every game is classified afterwards.
. /guest-lib.sh
LOG=/tmp/gs.log
games=
cleanup() {
  [ -n "$GS_PID" ] && kill -CONT "$GS_PID" 2>/dev/null && ghost_sched_stop
  for p in $games; do kill "$p" 2>/dev/null; done
}
# vswitches PID: VSW = voluntary context switches (each a wake-up after a sleep), shell builtins only.
vswitches() {
  VSW=0
  while read -r _k _v; do [ "$_k" = voluntary_ctxt_switches: ] && VSW=$_v; done <"/proc/$1/status"
}

ghost_sched_start "$LOG" --verbose || { show_file ghost-sched "$LOG"; die attach "ghost-sched did not attach"; }
pass attach
sleep 1

# 1. Unclassified exits wake nobody.
vswitches "$GS_PID"
v0=$VSW
i=0
while [ $i -lt 2000 ]; do
  (:)
  i=$((i + 1))
done
vswitches "$GS_PID"
data overflow.fork_storm_exits 2000
data overflow.fork_storm_daemon_wakeups "$((VSW - v0))"
[ "$((VSW - v0))" -lt 50 ] && pass fork-storm-does-not-wake-daemon ||
  fail fork-storm-does-not-wake-daemon "$((VSW - v0)) voluntary switches over 2000 exits"

# 2. An exec storm past the ring while the daemon is stopped; games start at its end.
printf '#!/bin/sh\n' >/tmp/ex
chmod +x /tmp/ex
mkfifo /tmp/never
snapshot_stats
d0=$(stat_sum ringbuf_drops)
kill -STOP "$GS_PID"
i=0
while [ $i -lt 5000 ]; do
  /tmp/ex
  i=$((i + 1))
done
for g in 1 2 3; do
  WINEPREFIX=/tmp/pfx$g sh -c 'read _ </tmp/never' &
  games="$games $!"
done
sleep 1
snapshot_stats
drops=$(($(stat_sum ringbuf_drops) - d0))
data overflow.exec_storm_drops "$drops"
[ "$drops" -gt 0 ] && pass drops-counted || fail drops-counted "no ringbuf_drops after 5000 execs into a stopped daemon's ring"
kill -CONT "$GS_PID"
wait_for_line "$LOG" 'events lost (ring full): rescanned' 30 && pass rescans-after-drops ||
  fail rescans-after-drops "no rescan line within 30 s of SIGCONT"
grep 'events lost' "$LOG" | head -n 3
for p in $games; do
  wait_for_line "$LOG" "pid $p (.*) -> gaming by env:WINEPREFIX" 10 && pass "game-$p-classified" ||
    fail "game-$p-classified" "pid $p started during the storm was not classified"
done

for p in $games; do kill "$p" 2>/dev/null; done
games=
ghost_sched_stop && expect_eq clean-exit "$EXIT_STATUS" 0 || fail clean-exit "ghost-sched had to be killed"
show_file ghost-sched "$LOG" | grep -v ' -> \| exited: ' | tail -n 8
finish
