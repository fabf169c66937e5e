# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-args: --smp 4 --icount 2
# SIGHUP reloads ghost-sched's configuration (the --cgroup-rules file) and rescans: a hog in a cgroup
# that the first rules do not name is not AI; after the file names it and SIGHUP, it is AI (its
# dispatches are counted in the AI class), and the daemon stays attached. A broken file on SIGHUP
# keeps the previous rules and says so; a rule removed from the file stops applying on the next SIGHUP.
. /guest-lib.sh
AI=4
cleanup() {
  kill $hog $load 2>/dev/null
  [ -n "$GS_PID" ] && ghost_sched_stop
}

mkdir -p /sys/fs/cgroup/llm-box.scope || die cgroup "cannot create a cgroup"
printf 'gaming.slice gaming\n' >/tmp/rules
stress-ng --cpu 4 --timeout 120s >/dev/null 2>&1 &
load=$!
sh -c 'while :; do :; done' &
hog=$!
echo "$hog" >/sys/fs/cgroup/llm-box.scope/cgroup.procs || die cgroup-move "cannot move the hog"
ghost_sched_start /tmp/gs.log --cgroup-rules /tmp/rules || { show_file ghost-sched /tmp/gs.log; die attach "no attach"; }
before=$(class_growth $AI 2)
expect_eq not-ai-before-the-rule "$before" 0

printf 'gaming.slice gaming\nllm-box.scope ai\n' >/tmp/rules
kill -HUP "$GS_PID"
wait_for_line /tmp/gs.log 'ghost-sched: reloaded' 20 || fail reloaded "no 'reloaded' line after SIGHUP"
after=$(class_growth $AI 2)
data sighup.ai_dispatches_after "$after"
[ "$after" -gt 0 ] && pass sighup-applies-new-rules || fail sighup-applies-new-rules "no AI dispatch after SIGHUP"

printf 'three words here\n' >/tmp/rules
kill -HUP "$GS_PID"
wait_for_line /tmp/gs.log 'reload kept the previous rules: /tmp/rules: line 1' 20 ||
  fail broken-rules-kept "no message about the broken file"
still=$(class_growth $AI 2)
[ "$still" -gt 0 ] && pass broken-rules-keep-previous || fail broken-rules-keep-previous "AI class lost"
expect_eq still-attached "$(sched_state) $(sched_ops)" "enabled ghostbrew"

printf 'gaming.slice gaming\n' >/tmp/rules
kill -HUP "$GS_PID"
wait_until 20 sh -c '[ "$(grep -c "ghost-sched: reloaded" /tmp/gs.log)" -ge 3 ]' || fail reloaded-again "no third 'reloaded' line"
gone=$(class_growth $AI 2)
expect_eq rule-removed-clears-the-cgroup "$gone" 0

kill $hog $load 2>/dev/null
hog="" load=""
ghost_sched_stop && expect_eq clean-exit "$EXIT_STATUS" 0 || fail clean-exit "ghost-sched had to be killed"
show_file ghost-sched /tmp/gs.log | tail -n 4
finish
