# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# vm-requires: ghost-sched framesim
# vm-args: --icount 2
# vm-timeout: 270
# fair-vcpu: a VM's vCPU-like threads keep their progress beside background batch work. framesim,
# copied to /tmp/qemu-system-x86_64, runs VCPUS threads named "CPU N/KVM" (2 ms of CPU work, 1 ms
# asleep, each; no game threads) for RUN_S seconds, as bench/vm/guest-ab.sh's "mixed" case does,
# beside a nice-19 stress-ng CPU hog on every CPU: first under EEVDF (nothing attached), then under
# ghostbrew in the same guest. Its figure is the vCPU work periods completed per second (all threads).
# Pass: ghostbrew's vCPU periods/s >= MIN_FRACTION (0.9) x EEVDF's.
# icount: guest time follows the instruction count, so the two phases see the same machine even
# when the host is busy.
. /guest-lib.sh
RUN_S=10
VCPUS=2
BATCH_NICE=19
MIN_FRACTION=0.9
LOG=/tmp/ghost-sched.log
GS_PID=
cleanup() { ghost_cleanup "$LOG"; }
N=$(nproc)
cp /opt/ghostbrew/bin/framesim /tmp/qemu-system-x86_64 || die vm-binary "cannot copy framesim"

# measure PHASE: the VM beside the batch hogs; prints its vCPU periods per second.
measure() {
  load_start nice -n "$BATCH_NICE" stress-ng --cpu "$N" --cpu-method int64 --timeout 600s --quiet >/dev/null 2>&1
  sleep 1
  /tmp/qemu-system-x86_64 --vcpu-threads "$VCPUS" --workers 0 --input-hz 0 --audio-ms 0 --fps 1 \
    --duration "$RUN_S" --label "fair-vcpu.$1" >"/tmp/vm-$1.out" 2>&1
  rc=$?
  load_stop
  show_file "vm $1" "/tmp/vm-$1.out" | grep -v 'GHOSTBREW-' >&2
  [ "$rc" = 0 ] || return 1
  sed -n 's/^GHOSTBREW-DATA [^ ]*\.vcpu_periods_per_s //p' "/tmp/vm-$1.out"
}

expect_eq eevdf-phase-unattached "$(sched_state)" disabled
e=$(measure eevdf) || die eevdf-vm "the VM (framesim) failed under EEVDF"
[ -n "$e" ] || die eevdf-vm "no vcpu_periods_per_s from the VM under EEVDF"
data fair-vcpu.eevdf.vcpu_periods_per_s "$e"

ghost_sched_start "$LOG" --stats 5 || die attach "ghost-sched did not attach (state $(sched_state))"
pass attach
g=$(measure ghostbrew) || die ghostbrew-vm "the VM (framesim) failed under ghostbrew"
[ -n "$g" ] || die ghostbrew-vm "no vcpu_periods_per_s from the VM under ghostbrew"
data fair-vcpu.ghostbrew.vcpu_periods_per_s "$g"
data fair-vcpu.ghostbrew_over_eevdf "$(awk -v g="$g" -v e="$e" 'BEGIN { printf "%.3f\n", (e > 0 ? g / e : 0) }')"
if awk_true "$g >= $MIN_FRACTION * $e"; then pass vcpu-work-vs-eevdf; else
  fail vcpu-work-vs-eevdf "vCPU work periods/s: ghostbrew $g, EEVDF $e in the same run; want >= ${MIN_FRACTION} x EEVDF"
fi
grep -E 'ghost-sched: pid [0-9]+ \(qemu' "$LOG" | sed 's/^/[ghost-sched] /'

ghost_sched_end
