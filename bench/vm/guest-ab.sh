# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Scheduler A/B workloads: the same workloads under each scheduler in turn, same machine, same
# seeds, REPEAT rounds interleaved (eevdf, ghostbrew, eevdf, ghostbrew, ...). Run inside the guest
# by bench/vm/ab.sh through tests/vm/run-guest.sh, and on a real sched_ext host by bench/host-ab.sh.
# Each round starts with a `GHOSTBREW-ROUND <n>` line; each result is a
# `GHOSTBREW-DATA <sched>.<metric> <value>` line; CDFs are `GHOSTBREW-CDF` lines.
# Schedulers: eevdf (the kernel's default: nothing attached), refsched (the minimal global-vtime
# reference, attached with bpftool), ghostbrew (ghost-sched), candidate (ghost-sched-candidate: another
# build of it, when the A/B was given one), and two bounds of what priority alone
# buys in this emulator under the default scheduler: eevdf-nice (the game and cyclictest at nice -20)
# and eevdf-fifo (both SCHED_FIFO, the strongest preemption the kernel has). SCHEDS and the durations
# come from $AB_SHARE/ab.conf when present.
# Where things are (the guest's layout by default; bench/host-ab.sh sets all four):
#   AB_LIB    the helpers (pass, fail, data, note, wait_for_state, uptime_ms, ...): tests/vm/guest-lib.sh
#   AB_BIN    framesim and ghost-sched
#   AB_SHARE  refsched.bpf.o and ab.conf
#   AB_WORK   scratch files (the renamed framesim copies, logs, histograms)
# POSIX sh (busybox ash in the guest, bash on a host: background jobs need job control).
AB_LIB=${AB_LIB:-/guest-lib.sh}
AB_BIN=${AB_BIN:-/opt/ghostbrew/bin}
AB_SHARE=${AB_SHARE:-/opt/ghostbrew/share}
AB_WORK=${AB_WORK:-/tmp}
. "$AB_LIB"
SCHEDS="eevdf eevdf-fifo refsched ghostbrew"
FRAME_S=10
CYCLIC_S=10
REPEAT=1
HACKBENCH_LOOPS=200
BACKGROUND="hogs storm" # what runs beside the game and cyclictest: any of hogs, storm (or empty)
TRACE_MS=0 # > 0: the game run's frames slower than this, with where their time went (GHOSTBREW-TRACE)
[ -f "$AB_SHARE/ab.conf" ] && . "$AB_SHARE/ab.conf"
NCPU=$(nproc)
W=$AB_WORK
cp "$AB_BIN/framesim" "$W/game.exe" # named like a Windows game, as under Proton
cp "$AB_BIN/framesim" "$W/qemu-system-x86_64" # a VM: its vCPU-like threads are "CPU N/KVM"
cp "$AB_BIN/framesim" "$W/helperd" # the split game's helper process: a name no rule knows
# The guest's virtio keyboard (bench/vm/ab.sh adds it with its modules; the host types on it between
# GHOSTBREW-INPUT start/stop lines): the split game's input thread reads it. None on a host A/B.
for m in virtio_input evdev; do [ -f "/lib/modules/$m.ko" ] && insmod "/lib/modules/$m.ko" 2>/dev/null; done
sleep 1
INPUT_DEV=$(awk '/^N: Name=/ { kb = /Virtio Keyboard/ } kb && /^H: Handlers=/ {
  for (i = 1; i <= NF; i++) if ($i ~ /^event[0-9]+$/) print "/dev/input/" $i }' /proc/bus/input/devices 2>/dev/null | head -n1)

# The command prefix that runs the latency-sensitive workloads (game, cyclictest) under NAME, and
# cyclictest's policy arguments there.
prio_cmd() { case $1 in eevdf-nice) echo "nice -n -20" ;; eevdf-fifo) echo "chrt -f 50" ;; esac; }
cyclic_policy() { case $1 in eevdf-fifo) echo "--policy=fifo -p 50" ;; *) echo "--policy=other" ;; esac; }

sched_pid=""
start_sched() { # NAME
  case $1 in
  eevdf | eevdf-nice | eevdf-fifo) return 0 ;;
  refsched)
    bpftool struct_ops register "$AB_SHARE/refsched.bpf.o" /sys/fs/bpf/refsched >"$W/refsched.log" 2>&1 ||
      { cat "$W/refsched.log"; return 1; } ;;
  ghostbrew | candidate)
    # A fresh state directory each round: every round starts as a fresh install (no profile or
    # process database learned in an earlier round), and a host's own state is left alone.
    rm -rf "$W/ghostbrew-state"
    bin=$AB_BIN/ghost-sched
    [ "$1" = candidate ] && bin=$AB_BIN/ghost-sched-candidate
    "$bin" --gaming --stats 1 --verbose --state-dir "$W/ghostbrew-state" >"$W/ghost-sched.log" 2>&1 &
    sched_pid=$! ;;
  esac
  # Loading ghost-sched verifies its BPF object: ~11 s in an idle 4-vCPU icount guest (bpf/NOTES.md).
  wait_for_state enabled 150 || { cat "$W/refsched.log" "$W/ghost-sched.log" 2>/dev/null; return 1; }
  note "$1 attached: $(sched_ops)"
}
stop_sched() { # NAME
  case $1 in
  eevdf | eevdf-nice | eevdf-fifo) return 0 ;;
  refsched) rm -rf /sys/fs/bpf/refsched ;;
  ghostbrew | candidate)
    kill -INT "$sched_pid"
    wait "$sched_pid"
    sched_pid=""
    grep -E '^(stats:|ghost-sched: (attached|detached|pid [0-9]+ \((game|qemu)))' "$W/ghost-sched.log" |
      awk '!/^stats:/ || (n++ % 5 == 0)' | sed "s/^/[ghost-sched] $1: /"
    # The frame rate ghostbrew saw in the game (its stats lines, one a second; median over the round).
    # Any paced process: only the game's runs are paced (hogs and cyclictest never are), and the name
    # shown is the main thread's comm, which framesim renames "render".
    fps=$(sed -n 's/^frames: [^ ]*\[[0-9]*\] \([0-9.]*\) fps .*/\1/p' "$W/ghost-sched.log" | sort -n |
      awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
    [ -n "$fps" ] && data "$1.detected_fps" "$fps" ;;
  esac
  wait_for_state disabled 30 || fail "$1-detach" "state $(sched_state) after stopping"
}

# kill_job PID: end a background job and everything in its process group (job control gives each
# job its own group); by PID alone when there is no group (stress-ng's parent ends its workers).
kill_job() { kill -TERM -"$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null; }

bg_pids=""
start_background() { # CPU hogs on every CPU plus a make -j shaped fork/exec storm
  case " $BACKGROUND " in *" hogs "*)
    stress-ng --cpu "$NCPU" --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1 &
    bg_pids="$bg_pids $!" ;;
  esac
  case " $BACKGROUND " in *" storm "*) storm_start "$W" ;; esac
  sleep 1
}
stop_background() {
  storm_stop
  for p in $bg_pids; do kill_job "$p"; done
  for p in $bg_pids; do wait "$p" 2>/dev/null; done
  bg_pids=""
}

# hist_percentiles HISTFILE ("p50 p99 max" of a cyclictest histogram) comes from guest-lib.sh.

# wake_p50 LABEL FILE: the input and audio threads' wake-up p50 from framesim's summary lines
# ("LABEL: input wake_p50_us=N ..."), which framesim prints but does not emit as data.
wake_p50() {
  sed -nE "s/^$1: (input|audio) wake_p50_us=([0-9.]+) .*/GHOSTBREW-DATA $1.\1_wake_p50_us \2/p" "$2"
}

# split_game NAME: the game split across two processes, beside the background: each frame the render
# thread needs a reply from the helper process (a futex in shared memory), and its input thread reads
# the virtio keyboard while the host types on it (1 kHz), when the guest has one.
split_game() {
  rm -f "$W/split"
  "$W/helperd" --serve "$W/split" --ipc futex >"$W/helper.out" 2>&1 &
  helper=$!
  if ! wait_for_line "$W/helper.out" serving 30; then
    fail "$1-helper" "the split game's helper did not start: $(cat "$W/helper.out")"
    kill "$helper" 2>/dev/null
    return 0
  fi
  start_background
  [ -n "$INPUT_DEV" ] && echo "GHOSTBREW-INPUT start"
  $(prio_cmd "$1") "$W/game.exe" --duration "$FRAME_S" --helper "$W/split" --ipc futex \
    ${INPUT_DEV:+--input-dev "$INPUT_DEV"} --label "$1.split" >"$W/split.out" 2>&1 ||
    fail "$1-split" "framesim (split game) exited $?"
  [ -n "$INPUT_DEV" ] && echo "GHOSTBREW-INPUT stop"
  stop_background
  wait "$helper"
  grep -E '^GHOSTBREW-DATA [^ ]+\.(frame_p99_us|miss_pct|input_p50_us|input_p99_us|input_events) ' "$W/split.out"
}

run_sched() { # NAME: every workload under scheduler NAME
  s=$1
  note "=== $s (round $round of $REPEAT) ==="
  start_sched "$s" || { fail "$s-attach" "could not attach"; return 0; }

  start_background
  $(prio_cmd "$s") "$W/game.exe" --duration "$FRAME_S" --label "$s" --trace "$W/trace" >"$W/game.out" 2>&1 ||
    fail "$s-framesim" "framesim exited $?"
  stop_background
  cat "$W/game.out"
  if [ "$TRACE_MS" -gt 0 ]; then
    awk -v s="$s" -v r="$round" -v ms="$TRACE_MS" 'NR == 1 { print "GHOSTBREW-TRACE " s " " r " " $0; next }
      $NF >= ms * 1000 { print "GHOSTBREW-TRACE " s " " r " " $0 }' "$W/trace"
  fi
  wake_p50 "$s" "$W/game.out"
  split_game "$s"

  start_background
  $(prio_cmd "$s") cyclictest $(cyclic_policy "$s") -t 2 -i 2000 -D "${CYCLIC_S}s" -q --histogram=100000 --histfile="$W/cyc.hist" >/dev/null 2>&1 ||
    fail "$s-cyclictest" "cyclictest exited $?"
  stop_background
  set -- $(hist_percentiles "$W/cyc.hist")
  data "$s.cyclictest_p50_us" "$1"; data "$s.cyclictest_p99_us" "$2"; data "$s.cyclictest_max_us" "$3"

  t0=$(uptime_ms)
  hackbench -g 4 -l "$HACKBENCH_LOOPS" >"$W/hb.log" 2>&1 || fail "$s-hackbench" "$(tail -n1 "$W/hb.log")"
  data "$s.hackbench_ms" "$(($(uptime_ms) - t0))"
  t0=$(uptime_ms)
  stress-ng --cpu "$NCPU" --cpu-method int64 --cpu-ops 1000 --quiet >/dev/null 2>&1
  data "$s.batch_ms" "$(($(uptime_ms) - t0))"

  # Mixed: the game beside a nice-19 batch job and a VM's vCPU-like threads (no other load).
  nice -n 19 stress-ng --cpu "$NCPU" --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1 &
  mixed_batch=$!
  "$W/qemu-system-x86_64" --vcpu-threads 2 --workers 0 --input-hz 0 --audio-ms 0 --fps 1 --duration "$FRAME_S" \
    --label "$s.mixedvm" >"$W/vm.out" 2>&1 &
  mixed_vm=$!
  sleep 1
  $(prio_cmd "$s") "$W/game.exe" --duration "$FRAME_S" --label "$s.mixed" >"$W/mixed.out" 2>&1 ||
    fail "$s-mixed" "framesim exited $?"
  wait "$mixed_vm"
  kill_job "$mixed_batch"
  wait "$mixed_batch" 2>/dev/null
  grep -E '^GHOSTBREW-DATA [^ ]+\.(frame_p99_us|miss_pct|wake_p99_us) ' "$W/mixed.out"
  grep -E '^GHOSTBREW-DATA [^ ]+\.vcpu_periods_per_s ' "$W/vm.out"

  case $s in eevdf*) ;; *) bpf_ns_per_call "$s" ;; esac
  if [ -n "$sched_pid" ]; then
    # The daemon with stats every second, on an otherwise idle machine: its CPU share and wake-ups.
    read -r ns0 _ </proc/$sched_pid/schedstat
    c0=$(awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/$sched_pid/status)
    sleep 10
    read -r ns1 _ </proc/$sched_pid/schedstat
    c1=$(awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/$sched_pid/status)
    data "$s.daemon_cpu_pct_stats1s" "$(awk -v a="$ns0" -v b="$ns1" 'BEGIN { printf "%.4f", (b - a) / 1e9 / 10 * 100 }')"
    data "$s.daemon_wakeups_per_s_stats1s" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", (b - a) / 10 }')"
  fi
  # Still attached? sched_ext may have ejected it mid-run (e.g. a runnable task stall), and the
  # figures after that are EEVDF's: say so here (a host has no run-guest.sh to read the kernel log).
  case $s in eevdf*) ;; *)
    [ "$(sched_state)" = enabled ] && [ -n "$(sched_ops)" ] ||
      fail "$s-ejected" "round $round: state $(sched_state) before stopping; kernel: $(dmesg | grep 'sched_ext: BPF scheduler' | tail -n1)" ;;
  esac
  stop_sched "$s"
  pass "$s-run-$round"
}

sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || echo 1 >/proc/sys/kernel/bpf_stats_enabled
round=1
while [ "$round" -le "$REPEAT" ]; do
  echo "GHOSTBREW-ROUND $round"
  for sched in $SCHEDS; do run_sched "$sched"; done
  round=$((round + 1))
done
finish
