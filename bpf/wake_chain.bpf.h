/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew wake-up chains: a latency bias that flows along wake-ups for one burst.
 *
 * A frame waits on more than the game's own threads: a helper process no name list knows (Proton's
 * wineserver, a compositor, an audio server) answers through a futex, a pipe, an eventfd or a
 * socket, and input arrives through the kernel's input layer. Queued in their own class, those
 * tasks wait behind ordinary work. So, seen at the wake-up (ops.select_cpu runs in the waker's
 * context):
 *   - Chains: when a GAMING or INTERACTIVE task wakes another task, the wakee queues in the waker's
 *     class for the burst that follows (the GAMING offset and the latency rank's preemption rights,
 *     preempt.bpf.h), if that is earlier than its own. It may pass the bias on wake_chain_hops - 1
 *     more times (wake_chain_hops 1: the direct wakee only; off by default until it proves a gain:
 *     bpf/NOTES.md).
 *   - Interrupts (irq_wake_hops, off by default until the guest proves it: bpf/NOTES.md): a task
 *     woken from hard or soft interrupt context (a device's interrupt: the evdev
 *     reader of a keyboard or mouse, a network packet, a timer) queues as INTERACTIVE for that burst,
 *     and with irq_wake_hops 2 so does what it wakes next in the same process (the input thread
 *     hands the event to the game's logic). A general rule instead of a list of driver functions
 *     (scx_gamer hooks input_event, hid_input_report): an interrupt's wake-up is by construction the
 *     start of a reaction to the outside world, whatever the driver; the interrupt path needs no
 *     probes (they cost on every event and differ between kernels); and the bounds below are what
 *     keep timer wake-ups of hogs from profiting, not the source.
 * Bounds, so it cannot be kept, passed on without limit, or harvested:
 *   - it lasts one burst: it ends when the task sleeps, and when its CPU time since it woke exceeds
 *     the limit below (checked at each enqueue);
 *   - it is granted only to a task whose bursts are short on average (decayed mean within the
 *     limit): half a slice for a chain, an eighth of one for an interrupt's bias (interrupt-driven
 *     reactions are short; a VM's vCPU thread or a periodic worker woken by its timer is not): a hog
 *     that wakes itself from a timer or a pipe (or is woken by the game) runs long bursts and gets
 *     nothing; forks get nothing;
 *   - hops: a task that holds an inherited class passes it on only while it has hops left, and an
 *     interrupt's bias only within its process;
 *   - it changes where a wake-up queues, never what a task is owed: its virtual time is charged as
 *     always (vtime.bpf.h), so a task that gains a class this way gains latency, not CPU share.
 * Wake-ups that bypass ops.select_cpu (tasks allowed on one CPU only) are enqueued from the target
 * CPU, where the current task is not the waker: they inherit nothing. The interrupt test reads the
 * kernel's per-CPU preempt count (x86 __preempt_count, 6.15 on; elsewhere it is off). */
#ifndef GHOSTBREW_WAKE_CHAIN_BPF_H
#define GHOSTBREW_WAKE_CHAIN_BPF_H

#include "task_class.bpf.h"

extern const int __preempt_count __ksym __weak;
/* The per-CPU state of local_interrupt_disable(), added (7.3) with a hardirq-disable count in
 * preempt_count's bits 16-23, which moved the hardirq count to bits 24-27 and NMI to bit 28 (x86).
 * Its presence says which layout this kernel has. */
extern const unsigned long local_interrupt_disable_state __ksym __weak;

/* preempt_count() fields (include/linux/preempt.h): serving a softirq, then hardirq nesting and NMI,
 * before and after 7.3. Testing the old bits on 7.3 saw only softirqs: no hrtimer or device
 * interrupt's wake-up was recognised, so no game was ever paced there (bpf/NOTES.md). */
#define GB_SOFTIRQ_OFFSET (1u << 8)
#define GB_HARDIRQ_NMI_MASK (0xffu << 16)
#define GB_HARDIRQ_NMI_MASK_7_3 (0x1fu << 24)

/* Whether this CPU runs in hard or soft interrupt context (a softirq served by ksoftirqd counts). */
static bool in_interrupt_context(void) {
  const int* count;
  u32 hard = &local_interrupt_disable_state ? GB_HARDIRQ_NMI_MASK_7_3 : GB_HARDIRQ_NMI_MASK;
  if (!&__preempt_count) return false;
  count = bpf_this_cpu_ptr(&__preempt_count);
  return (u32)*count & (hard | GB_SOFTIRQ_OFFSET);
}

/* How long a burst an inherited class lasts, and the mean burst a task may have to get one: for a
 * chain, and for an interrupt's bias. */
static u64 chain_burst_limit(void) { return gb_slice_ns() / 2; }
static u64 irq_burst_limit(void) { return gb_slice_ns() / 8; }

static void chain_grant(struct task_ctx* tctx, u32 cls, u32 hops, bool process) {
  tctx->chain_class = cls;
  tctx->chain_hops = hops;
  tctx->chain_process = process;
}

/* Whether tctx holds an inherited class for the burst it is in. */
static bool chain_held(const struct task_ctx* tctx) {
  u64 limit = tctx->chain_process ? irq_burst_limit() : chain_burst_limit();
  return tctx->chain_class < GB_NR_CLASSES && tctx->burst_ns <= limit;
}

/* p wakes up; called from ops.select_cpu, in the waker's context (irq: from interrupt context). Also
 * notes that the waker woke another task (frame.bpf.h counts a frame's hand-offs). The counters count
 * grants that put p earlier than its own class. */
static void chain_wake(struct task_struct* p, struct task_ctx* tctx, u64 wake_flags, bool irq) {
  struct task_struct* waker;
  struct task_ctx* wctx;
  u32 own;

  tctx->chain_class = GB_CLASS_NONE;
  if (irq) {
    if (!gb_config.irq_wake_hops || tctx->avg_burst_ns > irq_burst_limit()) return;
    chain_grant(tctx, GB_CLASS_INTERACTIVE, gb_config.irq_wake_hops - 1, true);
    if (gb_class_window_ns(GB_CLASS_INTERACTIVE) < gb_class_window_ns(task_class(p, tctx)))
      STAT_INC(irq_boosts);
    return;
  }
  waker = bpf_get_current_task_btf();
  if (waker == p || !(wctx = lookup_task_ctx(waker))) return;
  wctx->woke_other = 1;
  if ((wake_flags & SCX_WAKE_FORK) || tctx->avg_burst_ns > chain_burst_limit()) return;
  own = task_class(waker, wctx);
  if (class_is_latency_sensitive(own) && gb_config.wake_chain_hops)
    chain_grant(tctx, own, gb_config.wake_chain_hops - 1, false);
  else if (chain_held(wctx) && wctx->chain_hops && (!wctx->chain_process || waker->tgid == p->tgid) &&
           (!wctx->chain_process || tctx->avg_burst_ns <= irq_burst_limit()))
    chain_grant(tctx, wctx->chain_class, wctx->chain_hops - 1, wctx->chain_process);
  else
    return;
  if (gb_class_window_ns(tctx->chain_class) < gb_class_window_ns(task_class(p, tctx))) STAT_INC(chain_boosts);
}

/* The class a task of class own queues with: the inherited one while it holds one that is earlier. */
static u32 chain_queue_class(struct task_ctx* tctx, u32 own) {
  u32 cls = tctx->chain_class;
  if (cls >= GB_NR_CLASSES) return own;
  if (!chain_held(tctx)) {
    tctx->chain_class = GB_CLASS_NONE;
    return own;
  }
  return gb_class_window_ns(cls) < gb_class_window_ns(own) ? cls : own;
}

/* p went to sleep: its burst enters the mean, and whatever it inherited ends. Called before the
 * burst is reset (vtime_sleep). */
static void chain_sleep(struct task_ctx* tctx) {
  tctx->avg_burst_ns = (3 * tctx->avg_burst_ns + tctx->burst_ns) / 4;
  tctx->chain_class = GB_CLASS_NONE;
}

/* A new task inherits nothing. */
static void chain_init(struct task_ctx* tctx) { tctx->chain_class = GB_CLASS_NONE; }

#endif /* GHOSTBREW_WAKE_CHAIN_BPF_H */
