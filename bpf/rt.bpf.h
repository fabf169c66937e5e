/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew under the scheduling classes above it (RT, deadline, stop). When one of their tasks takes
 * a CPU, sched_ext calls ops.cpu_release: the tasks ghostbrew had already put on that CPU's local DSQ
 * would wait there, behind a SCHED_FIFO task that may never sleep, until the watchdog ejects the
 * scheduler ("runnable task stall"). They are handed back (scx_bpf_reenqueue_local, counted in
 * rt_reenqueues) and come to ops.enqueue again with SCX_ENQ_REENQ, which queues them on another CPU
 * they may run on. Tasks that may run only there wait, as under any scheduler.
 * The kernel calls ops.cpu_release only when one of our tasks is displaced, not when the RT task takes
 * the CPU from its idle task: a task of ours already on that idle CPU's local DSQ (a wake-up
 * dispatched to it, or one its dispatch was moving in) then waits for the whole RT run. Kernels with
 * the sched_ext DL server (7.x) run it within the server's period; on 6.16 and 6.18 nothing a BPF
 * scheduler can call moves it, and vm.rt-hog sees one of its six hogs wait out a 3-s RT run in about
 * a third of the runs (the kernel's dump: on the RT CPU's local DSQ, a whole slice left). ops.dispatch
 * no longer sends the task that ran through SCX_ENQ_LAST (a pass through the idle task) when it finds
 * nothing else, which was one way in (balance.bpf.h).
 * Kernels: scx_bpf_reenqueue_local() returns the count from 6.12 on; 7.x marks ops.cpu_release
 * deprecated (one warning at load: "ops->cpu_acquire/release() are deprecated") but still calls it. */
#ifndef GHOSTBREW_RT_BPF_H
#define GHOSTBREW_RT_BPF_H

#include "stats.bpf.h"

/* A higher class took cpu: requeue what waits on its local DSQ (through ops.enqueue). */
static void release_cpu(s32 cpu) {
  struct gb_stats* s;
  u32 n = scx_bpf_reenqueue_local();
  if (n && (s = stats_here())) s->rt_reenqueues += n;
}

/* The CPU a task handed back from cpu (SCX_ENQ_REENQ) queues on: the next one after cpu in its mask
 * (ops.enqueue then wakes an idle CPU of that LLC for it as usual); cpu itself when its mask holds no
 * other. */
static s32 cpu_for_reenqueued(const struct task_struct* p, s32 cpu) {
  s32 i;
  bpf_for(i, 1, nr_cpus) {
    s32 c = (cpu + i) % nr_cpus;
    if (bpf_cpumask_test_cpu(c, p->cpus_ptr)) return c;
  }
  return cpu;
}

#endif /* GHOSTBREW_RT_BPF_H */
