/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew: a sched_ext scheduler for desktops that game, build and run VMs at the same time.
 * This file holds the callbacks and the ops; each concern has its own file:
 *   ghostbrew.bpf.h  configuration, maps, task and CPU contexts, knob readers
 *   classify.bpf.h   the fixed-class rule chain (pid maps, comm patterns, cgroups, gaming ancestors)
 *   task_class.bpf.h the class a task is queued in        learn.bpf.h    observations, predictions
 *   vtime.bpf.h      virtual time and deadlines             idle.bpf.h     idle-CPU picking
 *   preempt.bpf.h    wake-up preemption                     balance.bpf.h  dispatching, stealing
 *   topology.bpf.h   CPU facts, domain and role cpumasks    stats.bpf.h    counters, histograms
 *   events.bpf.h     exec/exit events, the daemon's heartbeat
 *   rt.bpf.h         a CPU taken by RT or deadline work: its queued tasks move elsewhere, and
 *                    no task of ours is put on its local DSQ while that work is runnable there
 *   wake_chain.bpf.h latency bias along wake-ups (chains, interrupts)
 *   frame.bpf.h      a game's frame period: detected, shown, used
 *
 * 1. Order: fair virtual time. Every task has a virtual runtime that advances with the CPU time it
 *    uses, scaled by its nice weight; its deadline is its virtual runtime plus a request that grows
 *    with the CPU time used since it last woke, plus its class's latency offset; a task that wakes is
 *    placed at most its lag cap (more for tasks that wake often and use little of each period) behind
 *    the virtual-time frontier (vtime.bpf.h). So a thread that uses 1 % of a CPU queues ahead of a
 *    hog that uses 100 % whatever either is called, equal hogs share equally, nice weights hold, and
 *    a class biases the order instead of replacing it. Why: an order built on absolute burst or
 *    CPU-share thresholds turned against every task whose measured times the machine stretches (SMT
 *    siblings, frequency changes, interrupts, an emulator's turns), and against whatever detection
 *    missed.
 * 2. Classes (task_class.bpf.h, classify.bpf.h): GAMING, INTERACTIVE, VM, DEFAULT, AI, CONTAINER,
 *    BATCH from the rule chain, the process database's prediction, or nice > 0. A class gives a
 *    latency offset, the right to preempt less important work (preempt.bpf.h), and CPU placement (the
 *    V-Cache CCD, preferred cores, E-cores for BATCH: idle.bpf.h, topology.bpf.h).
 * 3. Queues: one DSQ per CPU ordered by deadline; when a slice ends, the task keeps its CPU if no
 *    queue of the LLC has an earlier head, else the CPU takes its own head unless another head of
 *    its LLC is due a slice earlier (balance.bpf.h). A task that finds an idle CPU (its own first, then
 *    one of its LLC) goes straight onto that CPU's local DSQ, unless an RT or deadline task is runnable
 *    there (rt.bpf.h: such a CPU's dispatch takes nothing either); else it queues on the DSQ of the
 *    CPU it last ran on, or, for a wake-up that preempts, on its victim's.
 * 4. Starvation bound. A task queued at t has a deadline at most max_window_ns (its lead over the
 *    frontier and its request, each capped at half of it) plus BATCH's offset (40 ms) past the
 *    frontier F(t); every task that wakes is placed at least its lag cap L (at most 8 slices) behind
 *    the frontier, and the frontier advances at least 1/4 as fast as real time. So wake-ups stop
 *    overtaking it within 4 * (max_window_ns + 40 ms + L) (defaults: 4 * 280 ms = 1.12 s), and no
 *    CPU of the LLC serves a head due more than a slice later than the earliest one; tasks that stay
 *    runnable overtake it only while they have had less weighted CPU (and are due at most 2 slices of
 *    their own CPU time before the frontier plus their class offset, EEVDF's bound on lag), as under
 *    EEVDF. With N
 *    runnable tasks on an LLC of C CPUs and slice S it runs within about 1.12 s + ceil(N / C) * S at
 *    nice 0 (a nice -20 hog on the same CPU stretches that by its weight, as EEVDF does). BATCH
 *    progresses under any flood, later. The kernel's watchdog (timeout_ms = 5 s) ejects the
 *    scheduler if a bug ever breaks this. A task pinned to one CPU queues on that CPU's DSQ.
 * 4b. The game's critical path (wake_chain.bpf.h, frame.bpf.h). A frame waits on more than the
 *    game's threads: a helper process no rule names (wineserver, a compositor, an audio server)
 *    answering through a futex or a pipe, input delivered by the kernel's input layer, and the frame
 *    has a period. So a GAMING or INTERACTIVE task's wake-up hands its class to the task it wakes for
 *    the burst that follows (wake_chain_hops 1..3; off by default: in the guest a split game did no
 *    better with it than with virtual time alone, bpf/NOTES.md). A wake-up from hard or soft interrupt
 *    context may make its wakee INTERACTIVE for that burst, and what it wakes next in its process
 *    (irq_wake_hops 1 or 2; off by default: in the guest it shortens an input reader's latency
 *    only a little, bpf/NOTES.md): a general rule, because an interrupt's wake-up is the start of a
 *    reaction to the outside world whatever the driver, needs no probes on the input path, and works
 *    the same for a mouse, a network packet or a vblank. Bounded: one burst (it ends at sleep or past half a
 *    slice of CPU, an eighth for the interrupt rule), only for tasks whose bursts are short on
 *    average (a hog that wakes itself from a timer or a pipe gets nothing), a hop limit, and never
 *    a change to virtual time: it buys order, not share. A GAMING process whose main thread wakes
 *    from interrupt context at a steady period is paced: its frame period and jitter are published
 *    (GB_MAP_FRAMES: ghost-sched --stats, ghost-probe --frames; vm.frame-pacing); with
 *    frame_pacing 1 (off by default: no gain shown, bpf/NOTES.md) its threads' requests count at
 *    most until the frame's end, so the frame's work is due within the frame. The inherited classes
 *    and the frame-bounded request only move a deadline earlier, within the bounds of 4 (an offset
 *    of an existing class, a smaller request), so the starvation bound stands.
 * 5. Learning (learn.bpf.h): unclassified tasks are observed and folded by program name for the
 *    daemon's process database; a confident prediction gives the program's next runs its class.
 * 6. Runtime settings: gb_knobs.tune overrides the slice, the learning thresholds and the GAMING
 *    offset without reloading (per-game profiles, online tuning), gb_knobs.mode the placement mode
 *    (ghost-sched ctl mode: the next placement rebuilds the role masks); with GB_KNOB_HISTOGRAMS each
 * callback times itself and each wake-up's latency is recorded by class (stats.bpf.h).
 * 7. Flags: SCX_OPS_ENQ_LAST. Without it the kernel keeps a task that is alone on its CPU running past
 *    its slice without asking: its deadline would go stale and it could not be preempted. ops.dispatch
 *    decides at every slice end whether the task that ran keeps its CPU (balance.bpf.h), with a fresh
 *    slice and an up-to-date deadline, also when nothing else can be taken; only a task it cannot
 *    keep there reaches ops.enqueue with SCX_ENQ_LAST (onto its CPU's local DSQ).
 *    SCX_OPS_ENQ_MIGRATION_DISABLED (6.15 on): ops.enqueue also gets the tasks with migration
 *    disabled, which the kernel otherwise puts on their CPU's local DSQ itself. Its test there counts
 *    the BPF trampoline's own migrate_disable(), so the task a higher class had just preempted, handed
 *    back by ops.cpu_release while it is still current, went onto the RT CPU's local DSQ again and
 *    waited there for RT throttling (rt.bpf.h); ours leaves the trampolines out (stays_local()).
 *    SCX_OPS_ENQ_EXITING: exiting tasks too come to ops.enqueue (nothing here looks tasks up by pid,
 *    which is what the kernel's default guards against). Both kinds still go onto their CPU's local
 *    DSQ, as the kernel put them, except where a higher class holds that CPU. Newer
 *    flags (ALLOW_QUEUED_WAKEUP) would fail to load on older kernels. Every callback
 *    used exists on every kernel the project boots (6.16 on); cgroup moves are seen through the task's
 *    css_set pointer rather than ops.cgroup_move, which needs CONFIG_EXT_GROUP_SCHED.
 * 8. What it trades away: one slice length for all; restricted-affinity tasks get the kernel's
 *    default CPU pick instead of the topology preferences; virtual time is global and per-CPU queues
 *    compare deadlines only within an LLC and a slice, so fairness across LLCs is as good as stealing
 *    makes it. The record of experiments is bpf/NOTES.md. */
#include "ghostbrew.bpf.h"
#include "balance.bpf.h"
#include "events.bpf.h"
#include "frame.bpf.h"
#include "idle.bpf.h"
#include "learn.bpf.h"
#include "preempt.bpf.h"
#include "rt.bpf.h"
#include "stats.bpf.h"
#include "task_class.bpf.h"
#include "topology.bpf.h"
#include "vtime.bpf.h"
#include "wake_chain.bpf.h"

char _license[] SEC("license") = "GPL";

/* p woke up (seen by select_cpu, or by enqueue for tasks that skip it): counted and timed once. */
static void task_woke(struct task_ctx* tctx, bool sync) {
  if (tctx->wake_pending) return;
  note_wakeup(tctx);
  tctx->wake_sync = sync;
  vtime_wake(tctx, gb_now());
}

/* The class p queues with now: its own, or one it inherited for this burst (wake_chain.bpf.h). */
static u32 queue_class(struct task_struct* p, struct task_ctx* tctx) {
  tctx->class = chain_queue_class(tctx, update_task_class(p, tctx));
  return tctx->class;
}

/* p's deadline if queued now in class cls: virtual time's, due within its game's frame when pacing is
 * used (frame.bpf.h). */
static u64 queue_deadline(struct task_struct* p, struct task_ctx* tctx, u32 cls, bool wakeup) {
  return frame_due(p, tctx, cls, task_deadline(p, tctx, cls, wakeup));
}

/* ---- ops.select_cpu ---------------------------------------------------------------------------- */

/* Put p straight onto cpu's local DSQ (cpu was idle and is claimed). */
static void dispatch_to_idle_cpu(struct task_struct* p, struct task_ctx* tctx, s32 cpu) {
  struct gb_stats* s;
  tctx->deadline = queue_deadline(p, tctx, tctx->class, true);
  gb_dsq_insert(p, SCX_DSQ_LOCAL, gb_slice_ns(), 0);
  count_start(tctx, tctx->class);
  s = stats_here();
  if (!s) return;
  s->direct_dispatches++;
  s->dispatched[valid_class(tctx->class)]++;
  if (class_is_latency_sensitive(tctx->class) && cpu_has_vcache(cpu)) s->vcache_placements++;
}

static s32 select_cpu(struct task_struct* p, s32 prev_cpu, u64 wake_flags) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  bool irq = in_interrupt_context(); /* the waker's context: read before anything else */
  s32 cpu;

  if (!tctx) return prev_cpu;
  task_woke(tctx, wake_flags & SCX_WAKE_SYNC);
  chain_wake(p, tctx, wake_flags, irq);
  queue_class(p, tctx);
  frame_wake(p, tctx, irq);
  /* An idle CPU where a higher class has just become runnable is passed over (rt.bpf.h): p would
   * wait on its local DSQ behind it. */
  if (p->nr_cpus_allowed < nr_cpus) {
    bool is_idle = false;
    cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
    if (is_idle && !higher_class_on(cpu))
      dispatch_to_idle_cpu(p, tctx, cpu);
    else
      tctx->classified = 1;
    return cpu;
  }
  refresh_roles(); /* the daemon may have switched the mode since the last placement */
  cpu = pick_idle_cpu(p, tctx, prev_cpu);
  if (cpu >= 0 && higher_class_on(cpu)) cpu = pick_idle_cpu(p, tctx, prev_cpu); /* that one is claimed */
  if (cpu >= 0 && !higher_class_on(cpu)) {
    dispatch_to_idle_cpu(p, tctx, cpu);
    return cpu;
  }
  tctx->classified = 1; /* ops.enqueue follows at once: no need to classify again there */
  return prev_cpu;
}

s32 BPF_STRUCT_OPS(ghostbrew_select_cpu, struct task_struct* p, s32 prev_cpu, u64 wake_flags) {
  u64 start = gb_op_start();
  s32 cpu = select_cpu(p, prev_cpu, wake_flags);
  gb_op_end(GB_OP_SELECT_CPU, start);
  return cpu;
}

/* ---- ops.enqueue ------------------------------------------------------------------------------- */

#define GB_PF_EXITING 0x00000004 /* PF_EXITING, include/linux/sched.h */

/* Whether enqueue() keeps p on its CPU's local DSQ for its migration or exit state. The kernel puts
 * there itself, unless told otherwise (SCX_OPS_ENQ_EXITING, SCX_OPS_ENQ_MIGRATION_DISABLED), an
 * exiting task and a migration-disabled one by its count, which includes the BPF trampoline around
 * ops.cpu_release when that hands back the current task. ghostbrew does the same, so on 7.x these
 * tasks are placed as before, except on a CPU a higher class holds (held, 6.16/6.18), where they would
 * wait: there only a task whose own migrate_disable() pins it stays. For the current task the count
 * also includes the trampoline around ops.enqueue itself. */
static bool stays_local(const struct task_struct* p, u64 enq_flags, bool held) {
  bool current = p == (const struct task_struct*)bpf_get_current_task_btf();
  u32 n = bpf_core_field_exists(p->migration_disabled) ? p->migration_disabled : 0;
  if (current && n) n--; /* ops.enqueue's trampoline: the count as the kernel reads it */
  if (!held && (n || (p->flags & GB_PF_EXITING))) return true;
  if (current && n && (enq_flags & SCX_ENQ_REENQ)) n--; /* ops.cpu_release's: the task's own count */
  return n;
}

/* An idle CPU p may run on (its own first) takes it at once, onto its local DSQ, as select_cpu's
 * pick does: the kernel wakes a CPU whose local DSQ gets a task while it idles, so neither a kick
 * nor an ops.dispatch round stands between the wake-up and the run (a timer thread pinned to an idle
 * CPU, which skips select_cpu, woke 13 us later than under refsched in the icount guest, 2 us with
 * this). Else p queues by deadline: for a wake-up that may preempt (preempt.bpf.h), on the DSQ of the
 * CPU it preempts, so the victim's next dispatch finds it at hand; else on its own CPU's. (Putting a
 * preempting wake-up straight onto the victim's local DSQ skips a dispatch round but is FIFO: frames
 * missed 18 % against 0.2 %.) */
static void enqueue(struct task_struct* p, u64 enq_flags) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  s32 cpu = scx_bpf_task_cpu(p), idle, victim = -1, target;
  u32 cls = GB_CLASS_DEFAULT, llc;
  u64 deadline = vtime_now + gb_class_window_ns(GB_CLASS_DEFAULT);
  struct gb_stats* s;
  bool held;

  /* Queue on a CPU p may run on (its current one may have left its mask). */
  if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
    s32 any = scx_bpf_pick_any_cpu(p->cpus_ptr, 0);
    if (any >= 0) cpu = any;
  }
  /* Not onto a CPU a higher class holds (rt.bpf.h): handed back from it (SCX_ENQ_REENQ), or queued
   * there while an RT task is runnable (a task it preempts with its slice used up comes here without
   * that flag, and would wait on the CPU's queue until RT throttling). */
  held = higher_class_on(cpu);
  if ((enq_flags & SCX_ENQ_REENQ) || held) {
    cpu = cpu_for_reenqueued(p, cpu);
    enq_flags &= ~SCX_ENQ_LAST;
  }
  if (tctx) {
    if (enq_flags & SCX_ENQ_WAKEUP) task_woke(tctx, false);
    /* select_cpu classified this wake-up a moment ago. */
    if (tctx->classified)
      tctx->classified = 0;
    else
      queue_class(p, tctx);
    cls = tctx->class;
    deadline = tctx->deadline = queue_deadline(p, tctx, cls, enq_flags & SCX_ENQ_WAKEUP);
    count_start(tctx, cls);
  }
  s = stats_here();
  if (s) s->dispatched[valid_class(cls)]++;
  /* Nothing else wants this CPU (SCX_OPS_ENQ_LAST): keep running here, with a fresh slice; or its
   * migration or exit state keeps it here (stays_local()). */
  if ((enq_flags & SCX_ENQ_LAST) || stays_local(p, enq_flags, held)) {
    gb_dsq_insert(p, SCX_DSQ_LOCAL, gb_slice_ns(), enq_flags);
    return;
  }
  llc = cpu_llc(cpu);
  idle = idle_cpu_free_of_rt(p, cpu, llc);
  if (idle >= 0) {
    gb_dsq_insert(p, SCX_DSQ_LOCAL_ON | idle, gb_slice_ns(), enq_flags);
    if (s) s->direct_dispatches++;
    return;
  }
  if (tctx && (enq_flags & SCX_ENQ_WAKEUP)) {
    if (task_may_leave_ccd(tctx)) victim = pick_preferred_to_preempt(p, tctx, preferred_cpus(cls), cpu);
    if (victim >= 0 && s && class_is_latency_sensitive(cls) && cpu_has_vcache(victim)) s->vcache_placements++;
    if (victim < 0) victim = pick_cpu_to_preempt(p, tctx, cpu, llc);
  }
  target = victim >= 0 ? victim : cpu;
  gb_dsq_insert_vtime(p, cpu_dsq(target), gb_slice_ns(), deadline, enq_flags);
  if (victim >= 0) {
    scx_bpf_kick_cpu(victim, SCX_KICK_PREEMPT);
    if (s) s->preemptions++;
  } else {
    /* Its CPU may be on its way to idle (past its last dispatch, not yet in the idle mask): a task
     * left on its queue then waited for the next tick, and on an idle NO_HZ system there was none
     * for seconds (the watchdog's own kworker: "watchdog failed to check in"). SCX_KICK_IDLE is a
     * no-op unless the CPU is idle. */
    scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
  }
}

void BPF_STRUCT_OPS(ghostbrew_enqueue, struct task_struct* p, u64 enq_flags) {
  u64 start = gb_op_start();
  enqueue(p, enq_flags);
  gb_op_end(GB_OP_ENQUEUE, start);
}

/* ---- ops.dispatch ------------------------------------------------------------------------------ */

/* A CPU where a higher class is runnable takes nothing (rt.bpf.h): the RT task runs next, and what this
 * dispatch moved onto the local DSQ would wait behind it with no ops.cpu_release to hand it back; the
 * task that ran goes through ops.enqueue, and the other CPUs take what is queued there first. */
void BPF_STRUCT_OPS(ghostbrew_dispatch, s32 cpu, struct task_struct* prev) {
  u64 start = gb_op_start();
  u32 llc = cpu_llc(cpu);
  if (!higher_class_on(cpu) && !take_from_held_cpu(llc, cpu) && !prev_keeps_cpu(prev, cpu, llc) &&
      !consume_from_llc(llc, cpu) && !steal_work(llc, cpu_ccd(cpu)))
    prev_runs_on(prev, cpu); /* nothing else: prev runs on, never through the idle task */
  gb_op_end(GB_OP_DISPATCH, start);
}

/* ---- ops.running / ops.stopping / ops.quiescent ------------------------------------------------- */

/* Count where p starts running relative to where it ran last. */
static void count_migration(struct task_ctx* tctx, s32 cpu) {
  struct gb_stats* s = stats_here();
  if (!s || tctx->last_cpu < 0) return;
  if (tctx->last_cpu == cpu) {
    s->ccd_local++;
  } else {
    s->migrations++;
    if (cpu_ccd(tctx->last_cpu) != cpu_ccd(cpu)) {
      s->xccd_migrations++;
      tctx->last_xccd_ns = tctx->run_start_ns;
    } else {
      s->ccd_local++;
    }
  }
}

/* ops.running runs on the CPU p starts on. */
static void running(struct task_struct* p) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  s32 cpu = bpf_get_smp_processor_id();
  struct cpu_ctx* cctx = cpu_ctx_here();

  if (!tctx) return;
  tctx->run_start_ns = gb_now();
  tctx->switches++;
  if (tctx->wake_pending) end_wakeup(tctx);
  vtime_start(tctx, tctx->run_start_ns);
  if (cctx) {
    cctx->class = tctx->class;
    cctx->deadline = tctx->deadline;
  }
  count_migration(tctx, cpu);
  tctx->last_cpu = cpu;
}

void BPF_STRUCT_OPS(ghostbrew_running, struct task_struct* p) {
  u64 start = gb_op_start();
  running(p);
  gb_op_end(GB_OP_RUNNING, start);
}

void BPF_STRUCT_OPS(ghostbrew_stopping, struct task_struct* p, bool runnable) {
  u64 start = gb_op_start();
  struct task_ctx* tctx = lookup_task_ctx(p);
  if (tctx) vtime_charge(p, tctx, gb_now());
  gb_op_end(GB_OP_STOPPING, start);
}

void BPF_STRUCT_OPS(ghostbrew_quiescent, struct task_struct* p, u64 deq_flags) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  if (!tctx || !(deq_flags & SCX_DEQ_SLEEP)) return;
  end_burst(p, tctx);
  chain_sleep(tctx);
  vtime_sleep(tctx);
}

/* ---- ops.cpu_release: a higher scheduling class took the CPU (rt.bpf.h) ------------------------ */

void BPF_STRUCT_OPS(ghostbrew_cpu_release, s32 cpu, struct scx_cpu_release_args* args) { release_cpu(cpu); }

/* ---- Task lifetime ----------------------------------------------------------------------------- */

/* A task that exits before its estimate matured (cc1, as, ld) is observed with what it did: its
 * last burst, cut short by the exit, counts as one. */
void BPF_STRUCT_OPS(ghostbrew_exit_task, struct task_struct* p, struct scx_exit_task_args* args) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  if (!tctx) return;
  frame_exit(p, tctx);
  if (tctx->observed) return;
  if (tctx->burst_ns) {
    end_burst(p, tctx);
    tctx->burst_ns = 0;
  }
  observe_task(p, tctx);
}

s32 BPF_STRUCT_OPS(ghostbrew_init_task, struct task_struct* p, struct scx_init_task_args* args) {
  struct task_ctx* tctx = bpf_task_storage_get(&task_ctx, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!tctx) return -12; /* -ENOMEM */
  tctx->generation = ~0ull;
  tctx->last_cpu = -1;
  tctx->fixed_class = GB_CLASS_NONE;
  tctx->predicted_class = GB_CLASS_NONE;
  tctx->class = GB_CLASS_DEFAULT;
  vtime_init(tctx);
  chain_init(tctx);
  return 0;
}

/* ---- Scheduler lifetime ------------------------------------------------------------------------ */

static bool config_is_valid(void) {
  if (gb_config.mode >= GB_NR_MODES || !gb_config.nr_llcs || !gb_config.nr_ccds || !gb_config.nr_nodes ||
      gb_config.slice_ns < GB_SLICE_MIN_US * 1000ull || gb_config.slice_ns > GB_SLICE_MAX_US * 1000ull ||
      !gb_config.burst_threshold_ns || !gb_config.max_window_ns) {
    scx_bpf_error("bad gb_config: mode %u nr_llcs %u nr_ccds %u nr_nodes %u slice_ns %llu", gb_config.mode,
                  gb_config.nr_llcs, gb_config.nr_ccds, gb_config.nr_nodes, gb_config.slice_ns);
    return false;
  }
  return true;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(ghostbrew_init) {
  s32 i, err;

  if (!config_is_valid()) return -22;
  nr_cpus = scx_bpf_nr_cpu_ids();
  vtime_reset(gb_now());
  err = build_topology();
  if (err) return err;
  bpf_for(i, 0, nr_cpus) {
    err = scx_bpf_create_dsq(cpu_dsq(i), -1);
    if (err) {
      scx_bpf_error("cannot create DSQ %d: %d", i, err);
      return err;
    }
  }
  return 0;
}

void BPF_STRUCT_OPS(ghostbrew_exit, struct scx_exit_info* ei) {
  u32 zero = 0;
  struct gb_exit_info* info = bpf_map_lookup_elem(&exit_info, &zero);
  struct gb_exit_dump* dump;
  if (!info) return;
  info->kind = ei->kind;
  info->exit_code = ei->exit_code;
  bpf_probe_read_kernel_str(info->reason, sizeof(info->reason), ei->reason);
  bpf_probe_read_kernel_str(info->msg, sizeof(info->msg), ei->msg);
  /* The kernel's dump of CPUs and waiting tasks, written for error exits (abi.h). */
  dump = bpf_map_lookup_elem(&exit_dump, &zero);
  if (dump && ei->dump) bpf_probe_read_kernel_str(dump->text, sizeof(dump->text), ei->dump);
}

/* ---- Exec/exit tracepoints ---------------------------------------------------------------------- */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(gb_exec_event, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  struct cpu_ctx* cctx;

  /* The new program's class (a learned one too) takes effect now, not at the task's next enqueue: it
   * is the class this CPU is running (for preemption decisions) and the class the task started in. */
  if (tctx) {
    note_exec(p, tctx);
    tctx->class = task_class(p, tctx);
    count_start(tctx, tctx->class);
    cctx = cpu_ctx_here();
    if (cctx) cctx->class = tctx->class;
  }
  emit_event(p, GB_EVENT_EXEC);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(gb_exit_event, struct task_struct* p) {
  if (exit_concerns_daemon(p)) emit_event(p, GB_EVENT_EXIT);
  return 0;
}

SEC(".struct_ops.link")
struct sched_ext_ops ghostbrew_ops = {
    .select_cpu = (void*)ghostbrew_select_cpu,
    .enqueue = (void*)ghostbrew_enqueue,
    .dispatch = (void*)ghostbrew_dispatch,
    .running = (void*)ghostbrew_running,
    .stopping = (void*)ghostbrew_stopping,
    .quiescent = (void*)ghostbrew_quiescent,
    .cpu_release = (void*)ghostbrew_cpu_release,
    .init_task = (void*)ghostbrew_init_task,
    .exit_task = (void*)ghostbrew_exit_task,
    .init = (void*)ghostbrew_init,
    .exit = (void*)ghostbrew_exit,
    .flags = SCX_OPS_ENQ_LAST | SCX_OPS_ENQ_EXITING | SCX_OPS_ENQ_MIGRATION_DISABLED,
    .timeout_ms = 5000,
    .exit_dump_len = GB_EXIT_DUMP_LEN,
    .name = "ghostbrew",
};
