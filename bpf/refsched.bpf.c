/* SPDX-License-Identifier: GPL-2.0-only */
/* refsched: the reference scheduler, the floor for BPF scheduling overhead in the benchmarks.
 *
 * The kernel's scx_simple in weighted-vtime mode, and nothing more: one global DSQ ordered by virtual
 * time, each task's vtime advancing by the slice it used scaled by 100 / weight, so CPU time is
 * shared in proportion to weight (nice). A waking task's vtime is clamped to at most one slice behind
 * the global vtime, so a long sleep does not buy an unbounded burst. ops.select_cpu uses the kernel's
 * default idle picking and puts the task straight onto the idle CPU it found.
 *
 * It knows no topology, no classes, no userspace; comparing ghostbrew against it separates the cost
 * of ghostbrew's decisions from the cost of running a BPF scheduler at all. It uses the same kfunc
 * compatibility layer (compat.bpf.h), so it loads on 6.12 through the newest kernels. */
#include "compat.bpf.h"

char _license[] SEC("license") = "GPL";

#define SHARED_DSQ 0

const volatile u64 slice_ns = SCX_SLICE_DFL;

/* The vtime of the most recently started task: the global virtual clock. */
static u64 vtime_now;

/* Per-CPU counters: [0] direct dispatches to an idle CPU, [1] tasks queued on the shared DSQ. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, u32);
  __type(value, u64);
} stats SEC(".maps");

static void count(u32 idx) {
  u64* n = bpf_map_lookup_elem(&stats, &idx);
  if (n) (*n)++;
}

static bool vtime_before(u64 a, u64 b) { return (s64)(a - b) < 0; }

s32 BPF_STRUCT_OPS(refsched_select_cpu, struct task_struct* p, s32 prev_cpu, u64 wake_flags) {
  bool is_idle = false;
  s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
  if (is_idle) {
    count(0);
    gb_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
  }
  return cpu;
}

void BPF_STRUCT_OPS(refsched_enqueue, struct task_struct* p, u64 enq_flags) {
  u64 vtime = p->scx.dsq_vtime;
  /* Limit the budget a sleeper carries back to one slice. */
  if (vtime_before(vtime, vtime_now - slice_ns)) vtime = vtime_now - slice_ns;
  count(1);
  gb_dsq_insert_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(refsched_dispatch, s32 cpu, struct task_struct* prev) {
  gb_dsq_move_to_local(SHARED_DSQ);
}

void BPF_STRUCT_OPS(refsched_running, struct task_struct* p) {
  if (vtime_before(vtime_now, p->scx.dsq_vtime)) vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(refsched_stopping, struct task_struct* p, bool runnable) {
  /* Charge the used part of the slice, scaled by the inverse of the weight (100 = nice 0). */
  u64 used = slice_ns - GB_MIN(p->scx.slice, slice_ns);
  gb_task_set_dsq_vtime(p, p->scx.dsq_vtime + used * 100 / (p->scx.weight ?: 1));
}

void BPF_STRUCT_OPS(refsched_enable, struct task_struct* p) { gb_task_set_dsq_vtime(p, vtime_now); }

s32 BPF_STRUCT_OPS_SLEEPABLE(refsched_init) { return scx_bpf_create_dsq(SHARED_DSQ, -1); }

SEC(".struct_ops.link")
struct sched_ext_ops refsched_ops = {
    .select_cpu = (void*)refsched_select_cpu,
    .enqueue = (void*)refsched_enqueue,
    .dispatch = (void*)refsched_dispatch,
    .running = (void*)refsched_running,
    .stopping = (void*)refsched_stopping,
    .enable = (void*)refsched_enable,
    .init = (void*)refsched_init,
    .timeout_ms = 5000,
    .name = "refsched",
};
