/* SPDX-License-Identifier: GPL-2.0-only */
/* llc_vtime: a small sched_ext scheduler built on ghostbrew's installed package: one DSQ per
 * last-level cache, ordered by weighted virtual time.
 *
 * A task queues on the DSQ of the LLC of the CPU it last ran on, so it stays near its cache; a CPU
 * serves its own LLC's DSQ first and steals from the others only when that is empty. Each task's
 * vtime advances by the slice it used scaled by 100 / weight (nice), and a waking task is clamped to
 * one slice behind its LLC's clock, as in the kernel's scx_simple. Userspace (main.cpp) fills the
 * CPU -> LLC table from ghostbrew's topology discovery before load. */
#include <ghostbrew/bpf/compat.bpf.h>

#include "llc_vtime.h"

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile u32 nr_llcs = 1;
const volatile u32 cpu_llc[LLC_VTIME_MAX_CPUS];

/* Each LLC's virtual clock: the vtime of the task it most recently started. */
static u64 llc_clock[LLC_VTIME_MAX_LLCS];
/* The kind of the last exit (struct scx_exit_info::kind), for userspace after a detach. */
u64 exit_kind;

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct llc_vtime_stats);
} stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} events SEC(".maps");

static struct llc_vtime_stats* my_stats(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&stats, &zero);
}

static u32 llc_of(s32 cpu) {
  if (cpu < 0 || cpu >= LLC_VTIME_MAX_CPUS) return 0;
  u32 llc = cpu_llc[cpu];
  return llc < LLC_VTIME_MAX_LLCS ? llc : 0;
}

static bool vtime_before(u64 a, u64 b) { return (s64)(a - b) < 0; }

s32 BPF_STRUCT_OPS(llc_vtime_select_cpu, struct task_struct* p, s32 prev_cpu, u64 wake_flags) {
  bool is_idle = false;
  s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
  if (is_idle) {
    struct llc_vtime_stats* s = my_stats();
    if (s) s->direct++;
    gb_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
  }
  return cpu;
}

void BPF_STRUCT_OPS(llc_vtime_enqueue, struct task_struct* p, u64 enq_flags) {
  u32 llc = llc_of(scx_bpf_task_cpu(p));
  u64 vtime = p->scx.dsq_vtime;
  if (vtime_before(vtime, llc_clock[llc] - slice_ns)) vtime = llc_clock[llc] - slice_ns;
  struct llc_vtime_stats* s = my_stats();
  if (s) s->queued++;
  gb_dsq_insert_vtime(p, llc, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(llc_vtime_dispatch, s32 cpu, struct task_struct* prev) {
  u32 own = llc_of(cpu);
  struct llc_vtime_stats* s = my_stats();
  if (gb_dsq_move_to_local(own)) {
    if (s) s->local++;
    return;
  }
  for (u32 i = 0; i < LLC_VTIME_MAX_LLCS && i < nr_llcs; i++) {
    if (i != own && gb_dsq_move_to_local(i)) {
      if (s) s->stolen++;
      return;
    }
  }
}

void BPF_STRUCT_OPS(llc_vtime_running, struct task_struct* p) {
  u32 llc = llc_of(scx_bpf_task_cpu(p));
  if (vtime_before(llc_clock[llc], p->scx.dsq_vtime)) llc_clock[llc] = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(llc_vtime_stopping, struct task_struct* p, bool runnable) {
  u64 used = slice_ns - GB_MIN(p->scx.slice, slice_ns);
  gb_task_set_dsq_vtime(p, p->scx.dsq_vtime + used * 100 / (p->scx.weight ?: 1));
}

void BPF_STRUCT_OPS(llc_vtime_enable, struct task_struct* p) {
  u32 llc = llc_of(scx_bpf_task_cpu(p));
  gb_task_set_dsq_vtime(p, llc_clock[llc]);
  struct llc_vtime_stats* s = my_stats();
  if (s) s->enabled++;
  struct llc_vtime_event* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    if (s) s->dropped++;
    return;
  }
  e->pid = p->pid;
  e->llc = llc;
  bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), p->comm);
  bpf_ringbuf_submit(e, 0);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llc_vtime_init) {
  for (u32 i = 0; i < LLC_VTIME_MAX_LLCS && i < nr_llcs; i++) {
    s32 err = scx_bpf_create_dsq(i, -1);
    if (err) return err;
  }
  return 0;
}

void BPF_STRUCT_OPS(llc_vtime_exit, struct scx_exit_info* ei) { exit_kind = ei->kind; }

SEC(".struct_ops.link")
struct sched_ext_ops llc_vtime_ops = {
    .select_cpu = (void*)llc_vtime_select_cpu,
    .enqueue = (void*)llc_vtime_enqueue,
    .dispatch = (void*)llc_vtime_dispatch,
    .running = (void*)llc_vtime_running,
    .stopping = (void*)llc_vtime_stopping,
    .enable = (void*)llc_vtime_enable,
    .init = (void*)llc_vtime_init,
    .exit = (void*)llc_vtime_exit,
    .timeout_ms = 5000,
    .name = "llc_vtime",
};
