# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# boot: the proving ground itself works. The guest kernel has sched_ext with nothing attached,
# cgroup2 and bpffs are mounted and usable, and the load tools the other scenarios need run.
. /guest-lib.sh

if [ -d /sys/kernel/sched_ext ]; then pass sched-ext-present; else fail sched-ext-present "no /sys/kernel/sched_ext"; fi
expect_eq sched-ext-disabled "$(sched_state)" disabled
expect_eq no-scheduler-attached "$(sched_ops)" ""

if grep -q '^cgroup2 /sys/fs/cgroup cgroup2 ' /proc/mounts; then pass cgroup2-mounted; else
  fail cgroup2-mounted "/proc/mounts has no cgroup2 at /sys/fs/cgroup"
fi
# Writable: a child cgroup can be made, a process moved into it and out again, and removed.
if mkdir /sys/fs/cgroup/ghostbrew-boot && echo $$ >/sys/fs/cgroup/ghostbrew-boot/cgroup.procs &&
  grep -qx "$$" /sys/fs/cgroup/ghostbrew-boot/cgroup.procs && echo $$ >/sys/fs/cgroup/cgroup.procs &&
  rmdir /sys/fs/cgroup/ghostbrew-boot; then
  pass cgroup2-writable
else
  fail cgroup2-writable "cannot create, join, leave and remove /sys/fs/cgroup/ghostbrew-boot"
fi

if grep -q '^bpf /sys/fs/bpf bpf ' /proc/mounts; then pass bpffs-mounted; else fail bpffs-mounted "no bpf at /sys/fs/bpf"; fi
# bpftool works against this kernel (its BTF carries the sched_ext types our BPF code uses).
if bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null | grep -q "STRUCT 'sched_ext_ops'"; then
  pass bpftool-sees-sched-ext-ops
else
  fail bpftool-sees-sched-ext-ops "bpftool btf dump of /sys/kernel/btf/vmlinux has no struct sched_ext_ops"
fi

ncpu=$(nproc)
out=$(stress-ng --cpu "$ncpu" --cpu-method int64 --timeout 2s --metrics-brief 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q 'cpu'; then pass stress-ng-runs; else
  fail stress-ng-runs "stress-ng --cpu $ncpu failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi

out=$(cyclictest --policy=other -t 2 -i 2000 -l 200 -q 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q 'Max:'; then
  pass cyclictest-runs
  data boot.cyclictest_max_us "$(echo "$out" | sed -n 's/.*Max: *\([0-9]*\).*/\1/p' | sort -n | tail -n1)"
else
  fail cyclictest-runs "cyclictest failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi

if hackbench -g 2 -l 20 >/dev/null 2>&1; then pass hackbench-runs; else fail hackbench-runs "hackbench -g 2 -l 20 failed"; fi
if taskset -c 0 true && chrt -o 0 true && nice -n 19 true; then pass affinity-and-priority-tools; else
  fail affinity-and-priority-tools "taskset, chrt or nice failed"
fi

# Background jobs keep SIGINT at its default (guest-lib.sh turns on job control), so scenarios can
# stop daemons with SIGINT as Ctrl-C would. SIGINT is signal 2: bit 1 of the SigIgn mask.
sleep 30 &
job=$!
ignored=$(awk '/^SigIgn:/ { print $2 }' "/proc/$job/status")
kill "$job"
if [ -n "$ignored" ] && [ $((0x$ignored & 2)) = 0 ]; then pass background-jobs-take-sigint; else
  fail background-jobs-take-sigint "a background job's SigIgn is '$ignored' (SIGINT ignored)"
fi

finish
