# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched ghost-probe framesim
# vm-args: --icount 2
# vm-timeout: 420
# frame-pacing: ghostbrew detects a game's frame rate from its main thread's wake-ups
# (bpf/frame.bpf.h), and only a game's. Under ghostbrew (--stats 1), beside `nproc` CPU hogs:
#   - framesim as /tmp/game.exe at FPS_A, then at FPS_B, RUN_S seconds each: `ghost-probe --frames`
#     read near each run's end shows game.exe at its set rate, and so do ghost-sched's stats lines;
#   - things that must not be taken for a paced game, each started under a game's name (.exe, so
#     GAMING, the only class detection looks at) for RUN_S seconds: cyclictest (a 1 kHz periodic
#     thread; its main thread sleeps 10 ms at a time and hands nothing out) and a CPU hog (stress-ng:
#     never sleeps). (A thread that runs a few ms and sleeps until its next period is a
#     single-threaded game loop with a frame limiter, and is detected as one: by design.)
# Pass: the detected fps is within TOLERANCE_PCT (5) % of each set rate (both in ghost-probe and in
# the last stats line of the run), and nothing else is ever shown as paced. Then the use
# (--frame-pacing 1, off by default): the game at FPS_A again, and its threads' deadlines must move
# earlier (due within the frame; pace_boosts) at least once per MIN_FRAMES_PER_BOOST frames; with
# the default (off), never.
. /guest-lib.sh
RUN_S=6
FPS_A=120
FPS_B=50
TOLERANCE_PCT=5
MIN_FRAMES_PER_BOOST=10
LOG=/tmp/ghost-sched.log
cleanup() {
  ghost_cleanup "$LOG"
}
N=$(nproc)
cp /opt/ghostbrew/bin/framesim /tmp/game.exe && cp "$(command -v cyclictest)" /tmp/cyclic.exe && cp "$(command -v stress-ng)" /tmp/hog.exe ||
  die binaries "cannot copy the workloads"

ghost_sched_start "$LOG" --stats 1 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
load_start stress-ng --cpu "$N" --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1

# fps_of LINE: the fps figure of a "frames: NAME[PID] X fps ..." line.
fps_of() { sed -n 's/^frames: [^ ]* \([0-9.]*\) fps .*/\1/p' | tail -n1; }
within() { awk_true "$1 >= $2 * (1 - $TOLERANCE_PCT / 100) && $1 <= $2 * (1 + $TOLERANCE_PCT / 100)"; }

for fps in $FPS_A $FPS_B; do
  lines0=$(wc -l <"$LOG")
  /tmp/game.exe --fps "$fps" --duration "$RUN_S" --label "frame-pacing.$fps" >"/tmp/game-$fps.out" 2>&1 &
  game=$!
  sleep $((RUN_S - 2))
  probe=$(ghost-probe --frames 2>&1)
  echo "[ghost-probe --frames] $probe"
  wait "$game" || die "game-$fps" "framesim at $fps fps failed: $(tail -n 3 "/tmp/game-$fps.out")"
  # By pid: the name shown is the main thread's comm, which framesim renames "render" (games name
  # their threads too).
  seen=$(echo "$probe" | grep "\[$game\] " | fps_of)
  data "frame-pacing.$fps.probe_fps" "${seen:-0}"
  if [ -n "$seen" ] && within "$seen" "$fps"; then pass "probe-sees-$fps-fps"; else
    fail "probe-sees-$fps-fps" "ghost-probe --frames shows '${probe}' for a game set to $fps fps;" \
      "want within ${TOLERANCE_PCT}%"
  fi
  stats=$(tail -n +"$lines0" "$LOG" | grep "^frames: .*\[$game\] " | fps_of)
  data "frame-pacing.$fps.stats_fps" "${stats:-0}"
  if [ -n "$stats" ] && within "$stats" "$fps"; then pass "stats-show-$fps-fps"; else
    fail "stats-show-$fps-fps" "ghost-sched's stats lines show '${stats}' fps for a game set to $fps fps"
  fi
  grep -E 'GHOSTBREW-DATA [^ ]*\.(miss_pct|frame_p99_us) ' "/tmp/game-$fps.out"
done

lines0=$(wc -l <"$LOG")
/tmp/cyclic.exe --policy=other -t 1 -i 1000 -D "${RUN_S}s" -q >/dev/null 2>&1 &
c=$!
/tmp/hog.exe --cpu 1 --cpu-method int64 --timeout "${RUN_S}s" --quiet >/dev/null 2>&1 &
h=$!
sleep $((RUN_S - 2))
probe=$(ghost-probe --frames 2>&1)
echo "[ghost-probe --frames] $probe"
wait "$c" "$h"
grep -E 'ghost-sched: pid [0-9]+ \((cyclic|hog)' "$LOG" | sed 's/^/[ghost-sched] /'
if [ "$probe" = "frames: no paced game" ]; then pass probe-sees-no-game; else
  fail probe-sees-no-game "ghost-probe --frames shows '$probe' beside cyclictest and hogs named as games"
fi
false_stats=$(tail -n +"$lines0" "$LOG" | grep -E '^frames: .*\[' | sort -u)
if [ -z "$false_stats" ]; then pass stats-show-no-game; else
  fail stats-show-no-game "ghost-sched's stats lines showed paced games: $false_stats"
fi
snapshot_stats
expect_eq no-pacing-use-by-default "$(stat_sum pace_boosts)" 0
ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
wait_for_state disabled 30 || die detach "state $(sched_state) after stopping ghost-sched"

# The use, turned on: the game at FPS_A beside the hogs has its threads queued due within the frame
# (pace_boosts counts each deadline that moved earlier for it).
ghost_sched_start "$LOG.use" --stats 1 --frame-pacing 1 ||
  die attach-use "ghost-sched --frame-pacing 1 did not attach (state $(sched_state))"
sleep 1
snapshot_stats
b0=$(stat_sum pace_boosts)
/tmp/game.exe --fps "$FPS_A" --duration "$RUN_S" --label "frame-pacing.use" >/tmp/game-use.out 2>&1 ||
  die game-use "framesim with pacing in use failed: $(tail -n 3 /tmp/game-use.out)"
snapshot_stats
boosts=$(($(stat_sum pace_boosts) - b0))
data frame-pacing.use.pace_boosts "$boosts"
grep -E 'GHOSTBREW-DATA [^ ]*\.(miss_pct|frame_p99_us) ' /tmp/game-use.out
want=$((RUN_S * FPS_A / MIN_FRAMES_PER_BOOST))
if [ "$boosts" -ge "$want" ]; then pass pacing-use-moves-deadlines; else
  fail pacing-use-moves-deadlines "$boosts deadlines moved earlier in ${RUN_S} s at ${FPS_A} fps with" \
    "--frame-pacing 1; want >= $want"
fi
load_stop
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi
ghost_sched_stop INT || die exits-on-sigint-use "ghost-sched still running 30 s after SIGINT"
finish
