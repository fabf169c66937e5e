# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghostbrew_bpf
# vm-args: --smp 4 --icount 2
# ghostbrew's classification chain on the real kernel, driven through bpftool only:
#  - a process named *.exe and its children are GAMING with no userspace at all (comm rule, and the
#    gaming-ancestor rule once stress-ng's workers rename themselves);
#  - a tgid registered in tgid_class is GAMING while the userspace heartbeat (knobs) is fresh;
#  - once the heartbeat is older than heartbeat_stale_ns (5 s), the registration is ignored;
#  - a cgroup registered in cgroup_class gives its class to a task moved into it (the move alone
#    triggers the new classification, no generation bump, no cpu controller needed).
. /guest-lib.sh
OBJ=/opt/ghostbrew/share/ghostbrew.bpf.o
PIN=/sys/fs/bpf/ghostbrew
GAMING=0
AI=4
cleanup() {
  [ -n "$hog" ] && kill "$hog" 2>/dev/null
  [ -n "$hog2" ] && kill "$hog2" 2>/dev/null
  [ -n "$load" ] && kill "$load" 2>/dev/null
  rm -rf "$PIN"
}

# le_bytes N VALUE: VALUE as N little-endian bytes, the way bpftool takes keys and values.
le_bytes() { awk -v n="$1" -v v="$2" 'BEGIN { for (i = 0; i < n; i++) { printf "%d ", v % 256; v = int(v / 256) } }'; }
# now_ns: CLOCK_MONOTONIC in ns, near enough (uptime, 10 ms resolution; no suspend in the guest).
now_ns() { awk '{ printf "%.0f\n", $1 * 1000000000 }' /proc/uptime; }
# heartbeat GENERATION: what a timer-driven daemon does, written by hand: struct gb_knobs
# {heartbeat_ns, generation, flags = 0 (not event-driven: the heartbeat itself must stay fresh),
# tune = {0} (the load-time settings), mode = 0 (the load-time mode), reserved}.
heartbeat() {
  bpftool map update name knobs key 0 0 0 0 value $(le_bytes 8 "$(now_ns)") $(le_bytes 8 "$1") $(le_bytes 8 0) \
    $(le_bytes 40 0)
}
gaming_growth() { class_growth $GAMING "$1"; }

[ -r "$OBJ" ] || die object "no $OBJ in the guest"
register_struct_ops "$OBJ" "$PIN"

# Four CPU hogs keep every CPU busy, so the tasks below are queued (and counted) every slice.
stress-ng --cpu 4 --timeout 40s >/dev/null 2>&1 &
load=$!

# 1. No userspace: a game by its name.
cp "$(command -v stress-ng)" /tmp/game.exe
snapshot_stats
g0=$(dispatched $GAMING)
/tmp/game.exe --cpu 2 --timeout 3s >/tmp/game.log 2>&1 || show_file game.exe /tmp/game.log
snapshot_stats
g1=$(dispatched $GAMING)
data ghostbrew.classes.gaming_by_comm "$((g1 - g0))"
[ "$g1" -gt "$g0" ] && pass gaming-by-comm-or-ancestor || fail gaming-by-comm-or-ancestor "GAMING dispatches $g0 -> $g1"
idle_gaming=$(gaming_growth 1)
expect_eq no-gaming-after-the-game-exits "$idle_gaming" 0

# 2. A plain shell loop registered by "userspace" as a game, with a fresh heartbeat.
sh -c 'while :; do :; done' &
hog=$!
bpftool map update name tgid_class key $(le_bytes 4 "$hog") value 0 0 0 0 || die tgid-class "bpftool map update tgid_class failed"
heartbeat 1 || die heartbeat "bpftool map update knobs failed"
sleep 1
heartbeat 1
fresh=$(gaming_growth 2)
data ghostbrew.classes.gaming_registered_fresh "$fresh"
[ "$fresh" -gt 0 ] && pass registered-tgid-is-gaming || fail registered-tgid-is-gaming "no GAMING dispatch in 2 s"

# 3. The heartbeat goes stale: the same registration no longer counts.
sleep 6
stale=$(gaming_growth 2)
data ghostbrew.classes.gaming_registered_stale "$stale"
expect_eq stale-heartbeat-ignores-tgid-class "$stale" 0

# 4. A new heartbeat restores trust.
heartbeat 2
back=$(gaming_growth 2)
[ "$back" -gt 0 ] && pass fresh-heartbeat-restores-tgid-class || fail fresh-heartbeat-restores-tgid-class "no GAMING dispatch"

# 5. A cgroup registered as AI: nothing in it yet, so nothing is AI; then a hog moves in.
CG=/sys/fs/cgroup/gb-ai
mkdir -p $CG || die cgroup "cannot create $CG"
cgid=$(stat -c %i $CG)
bpftool map update name cgroup_class key $(le_bytes 8 "$cgid") value $(le_bytes 4 $AI) ||
  die cgroup-class "bpftool map update cgroup_class failed"
sh -c 'while :; do :; done' &
hog2=$!
heartbeat 3
before=$(class_growth $AI 1)
expect_eq no-ai-before-the-move "$before" 0
heartbeat 3
echo "$hog2" >$CG/cgroup.procs || die cgroup-move "cannot move $hog2 into $CG"
after=$(class_growth $AI 2)
data ghostbrew.classes.ai_after_cgroup_move "$after"
[ "$after" -gt 0 ] && pass cgroup-move-reclassifies || fail cgroup-move-reclassifies "no AI dispatch after moving into $CG"

kill "$hog" "$hog2" "$load" 2>/dev/null
wait "$hog" "$hog2" "$load" 2>/dev/null
hog="" hog2="" load=""
expect_eq still-ghostbrew "$(sched_ops)" ghostbrew
unregister_struct_ops "$PIN"
finish
