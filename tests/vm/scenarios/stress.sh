# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched
# vm-kernels: all
# vm-timeout: 300
# stress: 30 s (guest time) of CPU hogs on every CPU, fork and fork+exec storms and pipe ping-pong
# while ghostbrew is attached. The sched_ext watchdog must never eject it: the state stays `enabled`
# at every 0.5 s sample, the ops stay `ghostbrew`, the daemon never restarts or exits, the kernel log
# has no sched_ext error, the load completes, and ghost-sched exits 0 on SIGINT afterwards.
. /guest-lib.sh
LOG=/tmp/ghost-sched.log
SAMPLES=/tmp/state-samples
GS_PID=
watch_pid=
exec_pids=
cleanup() {
  for p in $watch_pid $exec_pids; do kill "$p" 2>/dev/null; done
  [ -n "$GS_PID" ] && kill -KILL "$GS_PID" 2>/dev/null
  show_file ghost-sched "$LOG"
}
N=$(nproc)

ghost_sched_start "$LOG" --stats 5 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach

: >"$SAMPLES"
(while :; do echo "$(uptime_ms) $(sched_state) $(sched_ops)" >>"$SAMPLES"; sleep 0.5; done) &
watch_pid=$!
# fork+exec storm: stress-ng's exec stressor refuses to run as root, so shells exec busybox.
for i in 1 2; do
  (while :; do /bin/true; /bin/echo >/dev/null; done) &
  exec_pids="$exec_pids $!"
done

stress-ng --cpu "$N" --cpu-method int64 --fork 2 --pipe 2 --timeout 30s --metrics-brief >/tmp/stress.log 2>&1
status=$?
for p in $watch_pid $exec_pids; do kill "$p" 2>/dev/null; done
watch_pid='' exec_pids=''
show_file stress-ng /tmp/stress.log
expect_eq stress-ng-completes "$status" 0

bad=$(grep -v ' enabled ghostbrew$' "$SAMPLES" | head -n 3)
samples=$(wc -l <"$SAMPLES")
data stress.state_samples "$samples"
# The sampler is slowed by the load it watches: require 10 samples (of about 60) over the 30 s.
if [ "$samples" -ge 10 ] && [ -z "$bad" ]; then pass enabled-throughout; else
  fail enabled-throughout "$samples samples; not enabled/ghostbrew at: $(echo "$bad" | tr '\n' ';')"
fi
if is_running "$GS_PID"; then pass daemon-stays-up; else fail daemon-stays-up "ghost-sched exited during the load"; fi
if grep -q 'ghost-sched: restarted' "$LOG"; then fail no-restart "ghost-sched restarted the scheduler under load"; else pass no-restart; fi
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean; else fail kernel-log-clean "$errs"; fi

# Detaching cleanly after the load (the kernel matrix's proof on every kernel; attach.sh adds SIGTERM
# and the stats line on the newest one).
ghost_sched_stop INT || die exits-on-sigint "ghost-sched still running 30 s after SIGINT"
expect_eq exit-status-0 "$EXIT_STATUS" 0
if grep -q 'ghost-sched: detached' "$LOG"; then pass detached-line; else
  fail detached-line "no 'ghost-sched: detached' line after SIGINT"
fi
wait_for_state disabled 10 || fail state-disabled-after "state $(sched_state) after exit"
expect_eq no-ops-after "$(sched_ops)" ""
errs=$(scx_kernel_errors)
if [ -z "$errs" ]; then pass kernel-log-clean-after-detach; else fail kernel-log-clean-after-detach "$errs"; fi
show_file ghost-sched "$LOG"
finish
