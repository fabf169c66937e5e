# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched framesim
# vm-args: --smp 4 --icount 2
# vm-timeout: 480
# The tuning pipeline end to end, on data this guest produces: ghost-sched --tune samples the
# settings in force and the metrics they gave every 2 s while a game (framesim named game.exe) runs
# beside CPU load, exploring settings online; when the game ends its best settings become its
# profile. Then export-csv writes the samples (printed here as GHOSTBREW-CSV lines, which
# vm.train-on-guest-csv feeds to tools/ml/train.py), `best` prints a command line, and a daemon
# started without --tune applies the saved profile when the game runs again.
. /guest-lib.sh
STATE=/tmp/gbstate
cleanup() {
  [ -n "$GS_PID" ] && ghost_sched_stop
  kill $load 2>/dev/null
}
cp /opt/ghostbrew/bin/framesim /tmp/game.exe # named like a Windows game: GAMING by the *.exe rule

ghost_sched_start /tmp/gs.log --tune --collect-secs 2 --state-dir "$STATE" ||
  { show_file ghost-sched /tmp/gs.log; die attach "ghost-sched did not attach"; }
stress-ng --cpu 4 --cpu-load 50 --timeout 300s >/dev/null 2>&1 &
load=$!
/tmp/game.exe --duration 50 >/tmp/game.out 2>&1 || fail game "framesim exited $?"
wait_for_line /tmp/gs.log "game.exe ended" 10 || { show_file ghost-sched /tmp/gs.log; fail game-ended "not seen"; }
show_file ghost-sched /tmp/gs.log
grep -q "saved the profile of game.exe" /tmp/gs.log && pass tuner-saved-profile ||
  fail tuner-saved-profile "no profile saved when the game ended"
ghost_sched_stop

ghost-sched export-csv /tmp/samples.csv --state-dir "$STATE" || fail export-csv "exit status $?"
rows=$(($(wc -l </tmp/samples.csv) - 1))
configs=$(sed 1d /tmp/samples.csv | cut -d, -f5-8 | sort -u | wc -l)
data collect.samples "$rows"
data collect.distinct_configs "$configs"
[ "$rows" -ge 10 ] && pass samples-collected || fail samples-collected "only $rows samples"
[ "$configs" -ge 3 ] && pass tuner-explored || fail tuner-explored "only $configs distinct configurations"
head -1 /tmp/samples.csv | grep -q 'gaming_wake_p99' && pass csv-header || fail csv-header "$(head -1 /tmp/samples.csv)"
sed 's/^/GHOSTBREW-CSV /' /tmp/samples.csv

ghost-sched best game.exe --state-dir "$STATE" >/tmp/best.out 2>/tmp/best.err || fail best "exit status $?"
show_file best /tmp/best.out
show_file best /tmp/best.err
grep -q '^ghost-sched .*--slice-us [0-9]' /tmp/best.out && pass best-command-line || fail best-command-line "no command line"

ghost_sched_start /tmp/gs2.log --state-dir "$STATE" ||
  { show_file ghost-sched /tmp/gs2.log; die restart "ghost-sched did not attach again"; }
/tmp/game.exe --duration 3 >/dev/null 2>&1
grep -q "applied the profile of game.exe" /tmp/gs2.log && pass profile-applied ||
  { show_file ghost-sched /tmp/gs2.log; fail profile-applied "the saved profile was not applied"; }
ghost_sched_stop
kill $load 2>/dev/null
finish
