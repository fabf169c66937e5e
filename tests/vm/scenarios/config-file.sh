# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --smp 4 --icount 2
# vm-timeout: 420
# ghost-sched started with a configuration file (--config): its mode and slice reach the BPF
# scheduler's load-time configuration (gb_config in .rodata.config, read back with bpftool), its extra
# game name classifies a program the built-in table does not know (GAMING dispatches), and --check-config
# passes it. A broken file on SIGHUP keeps the running configuration and says so at warning priority
# (the journal's "<4>": the log file stands in for the journal through JOURNAL_STREAM), and `ghost-sched
# ctl reload` (the same reload path) answers with that error and exit status 1; a good file with
# another mode and slice, reloaded over the control socket, restarts the scheduler with them.
. /guest-lib.sh
GAMING=0
cleanup() {
  kill $game 2>/dev/null
  [ -n "$GS_PID" ] && ghost_sched_stop
}

# The loaded scheduler's gb_config as bpftool prints it (BTF-formatted).
rodata_config() {
  _id=$(bpftool map list 2>/dev/null | grep -E 'rodata\.c' | head -n 1 | cut -d: -f1)
  [ -n "$_id" ] && bpftool map dump id "$_id" 2>/dev/null
}

cat >/tmp/config.toml <<'EOF'
mode = "gaming"
[settings]
slice_us = 4000
[names]
gaming = ["busyboxgame"]
EOF
ghost-sched --check-config /tmp/config.toml >/tmp/check.log 2>&1 && pass check-config ||
  fail check-config "$(cat /tmp/check.log)"

: >/tmp/gs.log
export JOURNAL_STREAM="$(stat -c '%d:%i' /tmp/gs.log)"
ghost_sched_start /tmp/gs.log --config /tmp/config.toml ||
  { show_file ghost-sched /tmp/gs.log; die attach "no attach with --config"; }
unset JOURNAL_STREAM
grep -q '^<6>ghost-sched: attached (ops ghostbrew, mode gaming' /tmp/gs.log && pass attached-in-the-files-mode ||
  fail attached-in-the-files-mode "$(grep attached /tmp/gs.log)"
rodata_config >/tmp/rodata.txt
grep -q '"slice_ns": 4000000' /tmp/rodata.txt && pass slice-reaches-bpf ||
  fail slice-reaches-bpf "$(grep -E 'slice_ns|mode' /tmp/rodata.txt | head -n 4)"
grep -q '"mode": 1' /tmp/rodata.txt && pass mode-reaches-bpf ||
  fail mode-reaches-bpf "$(grep -E '"mode"' /tmp/rodata.txt | head -n 2)"

# A name only the file knows: busybox runs `sh` when its name starts with "busybox".
cp /bin/busybox /tmp/busyboxgame
/tmp/busyboxgame sh -c 'while :; do :; done' &
game=$!
wait_for_line /tmp/gs.log 'game detected: busyboxgame' 20 && pass game-detected-by-the-files-name ||
  fail game-detected-by-the-files-name "no 'game detected' line"
growth=$(class_growth $GAMING 2)
data config.gaming_dispatches "$growth"
[ "$growth" -gt 0 ] && pass files-name-is-gaming || fail files-name-is-gaming "no GAMING dispatch"

printf 'mode = "work"\n[settings]\nslice_us = 1\n' >/tmp/config.toml
kill -HUP "$GS_PID"
wait_for_line /tmp/gs.log "<4>ghost-sched: configuration not reloaded, keeping the last good one: /tmp/config.toml:3: settings.slice_us = 1 is outside" 20 &&
  pass bad-file-kept-and-said || fail bad-file-kept-and-said "$(tail -n 3 /tmp/gs.log)"
expect_eq still-attached "$(sched_state) $(sched_ops)" "enabled ghostbrew"
rodata_config | grep -q '"slice_ns": 4000000' && pass old-slice-still-in-bpf || fail old-slice-still-in-bpf "slice changed"

ghost-sched ctl reload >/tmp/ctl-bad.log 2>&1
expect_eq ctl-reload-bad-file-fails "$?" 1
grep -q '^ghost-sched: reload failed: configuration not reloaded, keeping the last good one: /tmp/config.toml:3:' /tmp/ctl-bad.log &&
  pass ctl-reload-names-file-and-line || fail ctl-reload-names-file-and-line "$(cat /tmp/ctl-bad.log)"

printf 'mode = "work"\n[settings]\nslice_us = 3000\n[names]\ngaming = ["busyboxgame"]\n' >/tmp/config.toml
ghost-sched ctl reload >/tmp/ctl-good.log 2>&1 && pass ctl-reload-good-file || fail ctl-reload-good-file "$(cat /tmp/ctl-good.log)"
show_file ctl-reload /tmp/ctl-good.log
wait_for_line /tmp/gs.log 'ghost-sched: restarted (ops ghostbrew, mode work' 60 && pass reload-restarts-in-the-new-mode ||
  fail reload-restarts-in-the-new-mode "$(tail -n 4 /tmp/gs.log)"
grep -q 'configuration reloaded from /tmp/config.toml: mode gaming -> work' /tmp/gs.log && pass mode-change-logged ||
  fail mode-change-logged "no mode change line"
wait_for_state enabled 10
rodata_config >/tmp/rodata2.txt
grep -q '"slice_ns": 3000000' /tmp/rodata2.txt && grep -q '"mode": 2' /tmp/rodata2.txt &&
  pass new-settings-reach-bpf || fail new-settings-reach-bpf "$(grep -E 'slice_ns|"mode"' /tmp/rodata2.txt | head -n 4)"

kill $game 2>/dev/null
game=""
ghost_sched_stop && expect_eq clean-exit "$EXIT_STATUS" 0 || fail clean-exit "ghost-sched had to be killed"
show_file ghost-sched /tmp/gs.log | tail -n 6
finish
