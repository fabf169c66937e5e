/* ghostbrew: a sched_ext scheduler for desktops that game, build and run VMs at the same time.
 *
 * Classes. Every task has a workload class (enum gb_class in abi.h). A fixed class comes from the
 * chain in classify.bpf.h (userspace pid maps, comm patterns, cgroup map, a gaming ancestor), cached
 * in task local storage and evaluated again when an input changes: userspace bumps
 * gb_knobs.generation, the userspace heartbeat goes stale or comes back, the comm changes (exec,
 * PR_SET_NAME: QEMU names its vCPU threads after creating them), or the task moves cgroup. The
 * inputs are compared at every wake-up and every enqueue (a map lookup and a 16-byte read), so even
 * a CPU hog that never sleeps sees a change within one slice. A task with no fixed class is
 * classified by behaviour at every enqueue: nice > 0, or a burst score at or above
 * burst_threshold_ns while the task also uses at least GB_BATCH_UTIL_PCT of a CPU, is BATCH; a score
 * at or below interactive_burst_ns is INTERACTIVE; anything between is DEFAULT. The burst score is
 * BORE's idea: CPU time used since the task last slept, kept as a decayed average over sleeps (and
 * never below the current burst, so a hog that never sleeps is seen at once). The CPU share (over
 * GB_UTIL_WINDOW_NS windows) keeps a mostly sleeping thread that fell behind and catches up in one
 * long burst out of BATCH, where it would wait behind hogs and fall further behind. A forked process
 * inherits its parent's score; a new thread starts at zero.
 *
 * Queues and order. One DSQ per CPU, all classes in it, ordered by deadline:
 *     deadline = now + window,  window = class_window[class] * (1 + burst / burst_threshold, <= 4)
 *                                        * 100 / weight,  clamped to [GB_MIN_WINDOW_NS, max_window_ns]
 * except in the latency classes (GAMING, INTERACTIVE), where the burst scales the window directly:
 *     window = class_window[class] * (burst / interactive_burst_ns, within [1/4, 4]) * 100 / weight
 * so inside one game the short bursts queue first (a 20 us input thread ahead of a 1.5 ms job
 * worker, as EEVDF's shorter request would); the longest window is the same as before.
 * A task queues on the DSQ of the CPU it last ran on (or, for a wake-up that preempts, of its
 * victim). ops.dispatch takes the head of its own DSQ unless another DSQ of its LLC has a head due
 * more than a slice earlier (then that one), looking at the heads without their locks: EDF over the
 * LLC within one slice, while most dispatches touch only their own queue. So a class gets priority
 * through a shorter window, not through strict precedence: GAMING (1 ms) overtakes a BATCH task
 * (40 ms) queued less than 39 ms earlier, but never one queued before that.
 * Why per CPU: with one DSQ per (LLC, class), every CPU of the LLC took the same queues' locks, and
 * in the TCG guest a lock whose holder's vCPU waits for its turn makes the others spin for a whole
 * round (ops.dispatch p99 was 16 ms); the kernel's own per-CPU runqueues do not have this.
 *
 * Starvation bound. A task enqueued at t has a deadline <= t + max_window_ns; every task enqueued
 * after t + (max_window_ns - GB_MIN_WINDOW_NS) has a later deadline and queues behind it, and no
 * CPU of the LLC serves a head due more than a slice later than the earliest one. So with N runnable
 * tasks on an LLC of C CPUs and slice S, a queued task is dispatched within about
 *     max_window_ns - GB_MIN_WINDOW_NS + S + ceil(N / C) * S
 * (defaults: 200 ms - 0.25 ms + 5 ms + ceil(N / C) * 5 ms). BATCH progresses under any flood of
 * interactive work, only later. The kernel's watchdog (timeout_ms = 5 s) ejects the scheduler if a
 * bug ever breaks this. A task pinned to one CPU queues on that CPU's DSQ; other CPUs skip it.
 *
 * CPU selection (ops.select_cpu), for tasks allowed on every CPU (others get the kernel's default
 * pick within their mask): the class's preferred CPUs first (games: the V-Cache CCD in gaming and
 * auto mode, the frequency CCD in work mode; interactive: V-Cache in gaming mode, frequency CCD
 * otherwise; batch: E-cores, else the CCD the latency classes do not use; without a V-Cache split,
 * the preferred cores stand in for the frequency CCD); then the previous CPU if idle (cache hot);
 * then an idle CPU in the previous CPU's LLC, CCD, NUMA node, anywhere. Each step asks for a whole
 * idle core first (SCX_PICK_IDLE_CORE), then any idle CPU. Leaving the CCD for an idle CPU is allowed
 * once per xccd_cooldown_ns per task, so a task does not bounce between CCDs' caches; cross-CCD
 * migrations are counted. A task that found an idle CPU goes straight to its local DSQ.
 * When it did not, ops.enqueue wakes an idle CPU of the task's LLC, else of its CCD, else (only if
 * the LLC has xccd_steal_min tasks queued) anywhere (a quick look at the idle mask skips all these
 * searches when no CPU is idle); a wake-up with no idle CPU preempts a CPU of its LLC (its own first)
 * running less important work (class_preempts(): GAMING and INTERACTIVE take DEFAULT, AI, CONTAINER
 * and BATCH CPUs, VM and DEFAULT take BATCH ones), the one running BATCH if any, else for the latency
 * classes the CPU running the longest bursts of its own class when those are >= interactive_burst_ns
 * and >= 4x its own (a game's input thread preempts its job workers, never the reverse). Waiting a
 * whole slice behind a hog was the largest part of a game thread's wake-up latency.
 * Measured and not kept (icount guest, 4 hogs, bench/vm/ab.sh): preempting the waking CPU itself
 * from ops.select_cpu (direct SCX_DSQ_LOCAL insert with SCX_ENQ_PREEMPT, no IPI) left frames and
 * game wake-ups unchanged and made hackbench 3x slower (its sync wake-ups preempted their wakers);
 * marking a kicked victim as taken so simultaneous wake-ups spread their kicks changed nothing
 * measurable. In this emulator the wake-up latency under 4 hogs is bounded by the TCG vCPU turns:
 * even SCHED_FIFO under the kernel's own scheduler misses most frames (bench/vm eevdf-fifo).
 * An idle CPU with nothing in its LLC steals from the other LLCs of its CCD, then from other CCDs'
 * LLCs that have xccd_steal_min tasks queued.
 *
 * Learning. A task without a fixed class is observed from its exec (or comm change) on: bursts,
 * CPU time per burst and its square, wake-ups, context switches. After GB_OBSERVE_BURSTS bursts, or
 * at its exit if it dies younger (cc1, as, ld), its sums are added (atomically) to the observations
 * LRU map entry of its comm, with a vote for the class its mean burst gives. No event announces them:
 * the daemon drains the map about a second after exec/exit events wake it anyway, so a storm costs
 * one drain a second and an idle system no wake-up at all (observations wait in the bounded map). The daemon
 * turns them into decayed per-comm profiles and writes confident ones to the predictions map. A task whose
 * comm is predicted starts, at exec, in the predicted class with the learned burst as its burst score (and
 * the CPU it runs on is marked as running that class, for preemption), until its own estimate matures; then
 * behaviour decides again. Without this, each of a build's hundreds of short processes a second starts with
 * its shell parent's short burst, as INTERACTIVE work that preempts batch work.
 *
 * Runtime settings and measurements. gb_knobs.tune overrides the slice, burst thresholds and the
 * game window without reloading (per-game profiles, online tuning). With GB_KNOB_HISTOGRAMS each
 * callback times itself and each wake-up's latency is recorded by class, in per-CPU log2
 * histograms; off, they cost one array lookup per callback.
 *
 * Topology arrives from userspace in cpu_info (sized by the loader, no CPU limit); ops.init builds
 * the per-LLC/CCD/node and per-role cpumasks from it. With nothing filled in (loaded by bpftool),
 * every CPU is in LLC 0, CCD 0, node 0, with no preferred CPUs: one shared set of class queues.
 *
 * Flags: SCX_OPS_ENQ_LAST. Without it the kernel keeps a task that is alone on its CPU running
 * past its slice without calling ops.enqueue, refilling the slice with its own 20 ms default: a CPU
 * hog would keep the class it had when it started (often INTERACTIVE: no burst yet), could not be
 * preempted as BATCH, and would hold the CPU 4x our slice. With the flag every slice ends in
 * ops.enqueue (class, burst and slice stay current); a task flagged SCX_ENQ_LAST goes straight back
 * onto its CPU's local DSQ. SCX_OPS_KEEP_BUILTIN_IDLE only matters with ops.update_idle, which we do
 * not implement (the built-in idle tracking stays on). Newer flags (ENQ_MIGRATION_DISABLED,
 * ALLOW_QUEUED_WAKEUP) would fail to load on 6.12.
 * Optional callbacks: none; every callback used exists from 6.12 on. (Cgroup moves are seen through
 * the task's css_set pointer rather than ops.cgroup_move, which only exists with
 * CONFIG_EXT_GROUP_SCHED and only fires for moves the cpu controller sees.)
 *
 * What it trades away: no vtime fairness across classes (a class's share is bounded by deadlines,
 * not weighted); one slice length for all; restricted-affinity tasks get the kernel's default CPU
 * pick instead of the topology preferences; and a BATCH task preempted by a wake-up queues again
 * with a fresh deadline, so under a storm of wake-ups it is dispatched within the bound each time
 * but may run less than a slice each time (measured: a nice-19 hog kept about 6% of a CPU under 32
 * switch-storm tasks on 4 CPUs, bpftool-ghostbrew-starvation). */
#include "compat.bpf.h"

#include "classify.bpf.h"

#include <ghostbrew/bpf/abi.h>

char _license[] SEC("license") = "GPL";

#define GB_MIN_WINDOW_NS 250000ull     /* the shortest deadline window (nice -20 games) */
#define GB_BURST_WINDOW_MAX 3          /* burst stretches a window to at most 1 + this times */
#define GB_UTIL_WINDOW_NS 100000000ull /* a task's CPU share is measured over windows this long */
#define GB_BATCH_UTIL_PCT 50           /* a long burst is BATCH at this CPU share or above */

/* ---- Configuration (rodata, set by the loader before load) ------------------------------------ */

const volatile struct gb_config gb_config SEC(".rodata.config") = {
    .slice_ns = 5000000,
    .burst_threshold_ns = 20000000,
    .interactive_burst_ns = 1000000,
    .heartbeat_stale_ns = 5000000000ull,
    .xccd_cooldown_ns = 10000000,
    .max_window_ns = 200000000,
    .class_window_ns =
        {
            [GB_CLASS_GAMING] = 1000000,
            [GB_CLASS_INTERACTIVE] = 2000000,
            [GB_CLASS_VM] = 4000000,
            [GB_CLASS_DEFAULT] = 8000000,
            [GB_CLASS_AI] = 12000000,
            [GB_CLASS_CONTAINER] = 12000000,
            [GB_CLASS_BATCH] = 40000000,
        },
    .mode = GB_MODE_AUTO,
    .nr_llcs = 1,
    .nr_ccds = 1,
    .nr_nodes = 1,
    .xccd_steal_min = 2,
};

/* ---- Maps ------------------------------------------------------------------------------------- */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1); /* the loader sets nr_cpu_ids */
  __type(key, u32);
  __type(value, struct gb_cpu_info);
} cpu_info SEC(".maps");

/* A topology domain (LLC, CCD or node): its CPUs, and for an LLC the CCD it belongs to. */
struct dom_ctx {
  struct bpf_cpumask __kptr* cpus;
  u32 ccd;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1); /* the loader sets nr_llcs */
  __type(key, u32);
  __type(value, struct dom_ctx);
} llc_ctx SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1); /* the loader sets nr_ccds */
  __type(key, u32);
  __type(value, struct dom_ctx);
} ccd_ctx SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1); /* the loader sets nr_nodes */
  __type(key, u32);
  __type(value, struct dom_ctx);
} node_ctx SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct gb_knobs);
} knobs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct gb_stats);
} stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, GB_EVENTS_RING_BYTES);
} events SEC(".maps");

/* A ring buffer has no value type: this puts struct gb_event into the object's BTF for tools and
 * for the layout test. */
const volatile struct gb_event* const gb_event_type_anchor __attribute__((unused));

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct gb_exit_info);
} exit_info SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, GB_MAX_OBSERVED_COMMS);
  __type(key, struct gb_comm_key);
  __type(value, struct gb_observation);
} observations SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, GB_MAX_PREDICTIONS);
  __type(key, struct gb_comm_key);
  __type(value, struct gb_prediction);
} predictions SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct gb_hist);
} hist SEC(".maps");

/* Per-task state. */
struct task_ctx {
  u64 comm[2];         /* comm when last classified */
  u64 generation;      /* gb_knobs.generation * 2 + trusted, when last classified; ~0 = never */
  u64 burst_score;     /* decayed CPU time per burst (ns) */
  u64 burst_ns;        /* CPU time since the task last slept */
  u64 run_start_ns;    /* when it last started running */
  u64 last_xccd_ns;    /* when it last moved to another CCD */
  s32 last_cpu;        /* where it last ran, -1 before its first run */
  u32 fixed_class;     /* from the classification chain, GB_CLASS_NONE when behaviour decides */
  u32 class;           /* the class it was last queued with */
  u32 predicted_class; /* learned class it starts in (GB_MAP_PREDICTIONS), GB_CLASS_NONE if none */
  u64 css_set;         /* its css_set (cgroup membership) when last classified */
  /* Behaviour since its comm was last set (exec), for the observations (GB_KNOB_LEARN). */
  u64 since_ns;      /* when the comm was seen first */
  u64 bursts;        /* bursts ended by a sleep */
  u64 runtime_ns;    /* CPU time of those bursts */
  u64 runtime_sq_us; /* sum of their squares (us^2) */
  u32 wakeups;
  u32 switches;
  u64 wake_ns;       /* when it last woke up (GB_KNOB_HISTOGRAMS), 0 once it runs */
  u8 wake_pending;   /* woken and not yet running: the wake-up is counted once */
  u8 started;        /* the class of its first enqueue since the comm was set is counted */
  u8 observed;       /* folded into the observations */
  u8 classified;     /* classified by select_cpu for the ops.enqueue that follows */
  u32 util_pct;      /* CPU share in the last full GB_UTIL_WINDOW_NS (100 until measured) */
  u64 util_start_ns; /* the current window's start */
  u64 util_busy_ns;  /* CPU time in the current window */
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct task_ctx);
} task_ctx SEC(".maps");

/* Per-CPU state: the class of the task running there (for preemption decisions). */
struct cpu_ctx {
  u32 class;
  u64 burst; /* the running task's burst score when it started (task_burst()) */
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct cpu_ctx);
} cpu_ctx SEC(".maps");

/* Role cpumasks built by ops.init: where each kind of work goes first (empty = no preference). */
private(GB) struct bpf_cpumask __kptr* game_cpus;
private(GB) struct bpf_cpumask __kptr* interactive_cpus;
private(GB) struct bpf_cpumask __kptr* batch_cpus;

/* The kernel's nr_cpu_ids, read in ops.init. */
static u32 nr_cpus = 1;
/* Set by ops.init when some CCD holds more than one LLC (Zen 1/2): only then is "an idle CPU of the
 * same CCD" a wider search than "of the same LLC". */
static bool ccd_wider_than_llc;

/* ---- Small helpers ---------------------------------------------------------------------------- */

static struct gb_stats* stats_here(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&stats, &zero);
}

/* Per-CPU counters: plain increments, the map is per CPU. */
#define STAT_INC(field)                  \
  do {                                   \
    struct gb_stats* __s = stats_here(); \
    if (__s) __s->field++;               \
  } while (0)

static struct gb_knobs* knobs_here(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&knobs, &zero);
}

/* The knob readers below are global functions: the verifier checks each once instead of at every
 * call site (with the learning and tuning code, loading had become twice as slow). */
__noinline bool gb_knob_set(u64 flag) {
  struct gb_knobs* k = knobs_here();
  return k && (k->flags & flag);
}

/* The settings in force: a runtime override from gb_knobs.tune when set, else the load-time one. */
static u64 tuned(u64 override, u64 config) { return override ?: config; }

__noinline u64 gb_slice_ns(void) {
  struct gb_knobs* k = knobs_here();
  return tuned(k ? k->tune.slice_ns : 0, gb_config.slice_ns);
}

__noinline u64 gb_burst_threshold_ns(void) {
  struct gb_knobs* k = knobs_here();
  return tuned(k ? k->tune.burst_threshold_ns : 0, gb_config.burst_threshold_ns) ?: 1;
}

__noinline u64 gb_interactive_burst_ns(void) {
  struct gb_knobs* k = knobs_here();
  return tuned(k ? k->tune.interactive_burst_ns : 0, gb_config.interactive_burst_ns) ?: 1;
}

__noinline u64 gb_class_window_ns(u32 cls) {
  struct gb_knobs* k = knobs_here();
  if (cls == GB_CLASS_GAMING && k && k->tune.game_window_ns) return k->tune.game_window_ns;
  return gb_config.class_window_ns[cls < GB_NR_CLASSES ? cls : GB_CLASS_DEFAULT];
}

/* ---- Latency histograms (GB_KNOB_HISTOGRAMS) ---------------------------------------------------- */

/* The abi.h bucket of a duration: floor(log2(ns)) - GB_HIST_SHIFT, within [0, GB_HIST_BUCKETS). */
static u32 hist_bucket(u64 ns) {
  u32 log = 0;
  if (ns >> 32) {
    ns >>= 32;
    log += 32;
  }
  if (ns >> 16) {
    ns >>= 16;
    log += 16;
  }
  if (ns >> 8) {
    ns >>= 8;
    log += 8;
  }
  if (ns >> 4) {
    ns >>= 4;
    log += 4;
  }
  if (ns >> 2) {
    ns >>= 2;
    log += 2;
  }
  if (ns >> 1) log += 1;
  if (log <= GB_HIST_SHIFT) return 0;
  return GB_MIN(log - GB_HIST_SHIFT, GB_HIST_BUCKETS - 1);
}

static struct gb_hist* hist_here(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&hist, &zero);
}

/* Start timing a callback: its start time, or 0 when histograms are off. */
__noinline u64 gb_op_start(void) { return gb_knob_set(GB_KNOB_HISTOGRAMS) ? bpf_ktime_get_ns() : 0; }

/* Returns 0: a global function must return a scalar on kernels before 7.2 (void was refused there
 * with "Global function gb_op_end() doesn't return scalar"). */
__noinline int gb_op_end(u32 op, u64 start) {
  struct gb_hist* h;
  if (!start || op >= GB_NR_OPS || !(h = hist_here())) return 0;
  h->op_ns[op][hist_bucket(bpf_ktime_get_ns() - start)]++;
  return 0;
}

static struct task_ctx* lookup_task_ctx(struct task_struct* p) {
  return bpf_task_storage_get(&task_ctx, p, 0, 0);
}

/* Each CPU has one DSQ, its id the CPU's number. */
static u64 cpu_dsq(s32 cpu) { return (u64)cpu; }

static u32 valid_class(u32 cls) { return cls < GB_NR_CLASSES ? cls : GB_CLASS_DEFAULT; }

/* The topology entry of cpu, or NULL when userspace did not fill it (then: LLC, CCD, node 0). */
static struct gb_cpu_info* cpu_topology(s32 cpu) {
  u32 key = cpu;
  struct gb_cpu_info* info = bpf_map_lookup_elem(&cpu_info, &key);
  return info && (info->flags & GB_CPU_VALID) ? info : NULL;
}

static u32 cpu_llc(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && info->llc < gb_config.nr_llcs ? info->llc : 0;
}

static u32 cpu_ccd(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && info->ccd < gb_config.nr_ccds ? info->ccd : 0;
}

static u32 cpu_node(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && info->node < gb_config.nr_nodes ? info->node : 0;
}

static bool cpu_has_vcache(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && (info->flags & GB_CPU_VCACHE);
}

static const struct cpumask* dom_cpus(void* map, u32 id) {
  struct dom_ctx* dom = bpf_map_lookup_elem(map, &id);
  return dom ? (const struct cpumask*)dom->cpus : NULL;
}

/* ---- Classification --------------------------------------------------------------------------- */

/* When the events ring last went from empty to holding data (0: never): how long the oldest
 * unconsumed event has waited, at most. Written by emit_event(), read by userspace_is_alive(). */
u64 events_pending_since_ns;

static bool within_stale(u64 now, u64 t) {
  return now >= t ? now - t < gb_config.heartbeat_stale_ns : t - now < gb_config.heartbeat_stale_ns;
}

/* Userspace is alive when its last heartbeat is within heartbeat_stale_ns of now (either side, to
 * allow clock skew between CPUs); a heartbeat never written or far off means: do not trust its maps.
 * An event-driven daemon (GB_KNOB_EVENT_DRIVEN) heartbeats when it drains the events, so it is alive
 * while no event waits, or while the waiting ones are younger than heartbeat_stale_ns. */
static bool userspace_is_alive(const struct gb_knobs* k) {
  u64 now = bpf_ktime_get_ns();
  if (!k || !k->heartbeat_ns) return false;
  if (within_stale(now, k->heartbeat_ns)) return true;
  if (!(k->flags & GB_KNOB_EVENT_DRIVEN)) return false;
  if (!bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA)) return true;
  return within_stale(now, events_pending_since_ns);
}

/* A new comm (exec, PR_SET_NAME, a new task): behaviour is observed afresh, and a learned prediction
 * for that comm (userspace's GB_MAP_PREDICTIONS, trusted and with GB_KNOB_LEARN only) sets the class
 * it starts in and its initial burst score. */
static void start_new_comm(struct task_ctx* tctx, const struct gb_knobs* k, bool trusted) {
  struct gb_prediction* pred;

  tctx->since_ns = gb_now();
  tctx->bursts = 0;
  tctx->runtime_ns = 0;
  tctx->runtime_sq_us = 0;
  tctx->wakeups = 0;
  tctx->switches = 0;
  tctx->started = 0;
  tctx->observed = 0;
  tctx->predicted_class = GB_CLASS_NONE;
  if (!trusted || !k || !(k->flags & GB_KNOB_LEARN) || tctx->fixed_class != GB_CLASS_NONE) return;
  pred = bpf_map_lookup_elem(&predictions, tctx->comm);
  if (!pred || pred->cls >= GB_NR_CLASSES) return;
  tctx->predicted_class = pred->cls;
  tctx->burst_score = pred->runtime_ns;
}

/* p executed a new program (a new one even when the comm stays: sh runs sh): behaviour is observed
 * afresh and a prediction for the new comm applies now. The fixed-class chain runs at p's next
 * wake-up or enqueue (generation reset), not here: this runs in the exec tracepoint, and verifying
 * the chain a third time would make loading much slower. Until then the pre-exec fixed class holds
 * (a predicted class never overrides a fixed one). */
static void note_exec(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_knobs* k = knobs_here();
  bpf_probe_read_kernel(tctx->comm, sizeof(tctx->comm), p->comm);
  tctx->generation = ~0ull;
  start_new_comm(tctx, k, userspace_is_alive(k));
}

/* Evaluate p's fixed class again when an input of the chain changed since the last time. */
static void refresh_fixed_class(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_knobs* k = knobs_here();
  bool trusted = userspace_is_alive(k);
  bool new_comm;
  u64 generation = (k ? k->generation : 0) * 2 + trusted;
  /* The css_set changes with any cgroup move, in any hierarchy, controller enabled or not. */
  u64 css_set = (u64)BPF_CORE_READ(p, cgroups);
  u64 comm[2] = {};

  bpf_probe_read_kernel(comm, sizeof(comm), p->comm);
  new_comm = tctx->comm[0] != comm[0] || tctx->comm[1] != comm[1];
  if (!new_comm && tctx->generation == generation && tctx->css_set == css_set) return;
  tctx->generation = generation;
  tctx->comm[0] = comm[0];
  tctx->comm[1] = comm[1];
  tctx->css_set = css_set;
  tctx->fixed_class = classify_task(p, (const char*)comm, trusted);
  if (new_comm) start_new_comm(tctx, k, trusted);
  STAT_INC(reclassifications);
  if (!trusted) STAT_INC(stale_heartbeat);
}

/* CPU time the task has used per burst: the decayed score, or the current burst if that is longer. */
static u64 task_burst(const struct task_ctx* tctx) { return GB_MAX(tctx->burst_score, tctx->burst_ns); }

static bool task_is_niced(const struct task_struct* p) { return p->static_prio > 120; }

/* The class behaviour gives a task with this burst length and CPU share (percent of one CPU over
 * the last GB_UTIL_WINDOW_NS): a long burst makes a task BATCH only while it also keeps a CPU busy.
 * A thread that mostly sleeps but fell behind (cyclictest's threads catching up on missed periods,
 * a game thread after a stall) runs one long burst without being a hog, and as BATCH it would wait
 * behind hogs, fall further behind and stay BATCH. */
static u32 behaviour_class(const struct task_struct* p, u64 burst, u32 util_pct) {
  if (task_is_niced(p) || (burst >= gb_burst_threshold_ns() && util_pct >= GB_BATCH_UTIL_PCT))
    return GB_CLASS_BATCH;
  if (burst <= gb_interactive_burst_ns()) return GB_CLASS_INTERACTIVE;
  return GB_CLASS_DEFAULT;
}

/* The class p is queued with now: its fixed class, else its learned class until its own behaviour
 * estimate is mature (GB_OBSERVE_BURSTS), else what its behaviour says. */
static u32 task_class(struct task_struct* p, const struct task_ctx* tctx) {
  if (tctx->fixed_class < GB_NR_CLASSES) return tctx->fixed_class;
  if (tctx->predicted_class < GB_NR_CLASSES && tctx->bursts < GB_OBSERVE_BURSTS && !task_is_niced(p))
    return tctx->predicted_class;
  return behaviour_class(p, task_burst(tctx), tctx->util_pct);
}

/* ---- Learning: observations for userspace's process database ------------------------------------ */

/* Fold p's behaviour since its comm was set into the observations of that comm (once per comm). The
 * class vote is what its measured mean burst says, not its (possibly predicted) queueing class, so a
 * wrong prediction is corrected by the tasks it was applied to. */
static void observe_task(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_observation zero_obs = {}, *obs;
  struct gb_comm_key key = {};
  u64 lifetime = gb_now() - tctx->since_ns;
  u32 cls;

  if (tctx->observed || tctx->fixed_class != GB_CLASS_NONE || !tctx->bursts || !gb_knob_set(GB_KNOB_LEARN))
    return;
  tctx->observed = 1;
  cls = behaviour_class(p, tctx->runtime_ns / tctx->bursts, 100);
  /* The current comm: a task that exits before any enqueue since its exec still has the old one in
   * tctx->comm. */
  bpf_probe_read_kernel(key.comm, sizeof(key.comm), p->comm);
  obs = bpf_map_lookup_elem(&observations, &key);
  if (!obs) {
    bpf_map_update_elem(&observations, &key, &zero_obs, BPF_NOEXIST);
    obs = bpf_map_lookup_elem(&observations, &key);
    if (!obs) return;
  }
  __sync_fetch_and_add(&obs->tasks, 1);
  __sync_fetch_and_add(&obs->bursts, tctx->bursts);
  __sync_fetch_and_add(&obs->runtime_ns, tctx->runtime_ns);
  __sync_fetch_and_add(&obs->runtime_sq_us, tctx->runtime_sq_us);
  __sync_fetch_and_add(&obs->wakeups, tctx->wakeups);
  __sync_fetch_and_add(&obs->switches, tctx->switches);
  __sync_fetch_and_add(&obs->lifetime_ns, lifetime);
  if (cls < GB_NR_CLASSES) __sync_fetch_and_add(&obs->class_tasks[cls], 1);
  STAT_INC(observed);
}

/* A burst ended (p slept or exited): account it; the estimate matures at GB_OBSERVE_BURSTS. */
static void end_burst(struct task_struct* p, struct task_ctx* tctx) {
  u64 us = tctx->burst_ns / 1000;
  tctx->bursts++;
  tctx->runtime_ns += tctx->burst_ns;
  tctx->runtime_sq_us += us * us;
  if (tctx->bursts >= GB_OBSERVE_BURSTS) observe_task(p, tctx);
}

/* Count the class a task starts in after exec (once per comm), and whether a prediction chose it. */
static void count_start(struct task_ctx* tctx, u32 cls) {
  struct gb_stats* s;
  if (tctx->started) return;
  tctx->started = 1;
  s = stats_here();
  if (!s) return;
  s->started[valid_class(cls)]++;
  if (tctx->predicted_class < GB_NR_CLASSES && cls == tctx->predicted_class) s->predicted++;
}

/* Called when p wakes up (from select_cpu, or enqueue for tasks that skip it): counted once. */
static void note_wakeup(struct task_ctx* tctx) {
  if (tctx->wake_pending) return;
  tctx->wake_pending = 1;
  tctx->wakeups++;
  tctx->wake_ns = gb_knob_set(GB_KNOB_HISTOGRAMS) ? bpf_ktime_get_ns() : 0;
}

/* Bring p's class up to date (called at every wake-up and every enqueue, so even a task that never
 * sleeps sees a new generation, comm or heartbeat state within one slice). */
static u32 update_task_class(struct task_struct* p, struct task_ctx* tctx) {
  refresh_fixed_class(p, tctx);
  tctx->class = task_class(p, tctx);
  return tctx->class;
}

static bool class_is_latency_sensitive(u32 cls) {
  return cls == GB_CLASS_GAMING || cls == GB_CLASS_INTERACTIVE;
}

/* How long after now p may wait: the class window, stretched by burst (BORE) and by low weight. */
static u64 deadline_window(const struct task_struct* p, const struct task_ctx* tctx, u32 cls) {
  u64 window = gb_class_window_ns(cls);
  u64 threshold = gb_burst_threshold_ns();
  u64 burst = GB_MIN(task_burst(tctx), GB_BURST_WINDOW_MAX * threshold);
  u32 weight = p->scx.weight ?: 1;

  if (class_is_latency_sensitive(cls)) {
    /* Within a latency class the shorter bursts go first: the window scales with the burst
     * (interactive_burst_ns = the class window), so a 20 us input thread queues ahead of a 1.5 ms
     * job worker of the same game instead of behind it. */
    u64 unit = gb_interactive_burst_ns();
    window = window * GB_MIN(GB_MAX(task_burst(tctx), unit / 4), (1 + GB_BURST_WINDOW_MAX) * unit) / unit;
  } else {
    window += window * burst / threshold;
  }
  window = window * 100 / weight;
  return GB_MIN(GB_MAX(window, GB_MIN_WINDOW_NS), gb_config.max_window_ns);
}

/* ---- Picking CPUs ----------------------------------------------------------------------------- */

/* The cpumask class cls prefers, or NULL when it has no preference. */
static const struct cpumask* preferred_cpus(u32 cls) {
  struct bpf_cpumask* mask = NULL;
  if (cls == GB_CLASS_GAMING)
    mask = game_cpus;
  else if (cls == GB_CLASS_INTERACTIVE)
    mask = interactive_cpus;
  else if (cls == GB_CLASS_BATCH)
    mask = batch_cpus;
  if (!mask || bpf_cpumask_empty((const struct cpumask*)mask)) return NULL;
  return (const struct cpumask*)mask;
}

/* An idle CPU of mask, a whole idle core first; claimed (no longer idle) when found, else < 0. */
static s32 pick_idle_cpu_in(const struct cpumask* mask) {
  s32 cpu;
  if (!mask) return -1;
  cpu = scx_bpf_pick_idle_cpu(mask, SCX_PICK_IDLE_CORE);
  return cpu >= 0 ? cpu : scx_bpf_pick_idle_cpu(mask, 0);
}

static bool cpu_core_is_idle(s32 cpu) {
  const struct cpumask* idle_cores = scx_bpf_get_idle_smtmask();
  bool idle = bpf_cpumask_test_cpu(cpu, idle_cores);
  scx_bpf_put_idle_cpumask(idle_cores);
  return idle;
}

/* Whether any CPU is idle: the quick way out of the idle searches on a busy machine. */
static bool any_cpu_idle(void) {
  const struct cpumask* idle = scx_bpf_get_idle_cpumask();
  bool any = !bpf_cpumask_empty(idle);
  scx_bpf_put_idle_cpumask(idle);
  return any;
}

static bool task_may_leave_ccd(const struct task_ctx* tctx) {
  return !tctx->last_xccd_ns || gb_now() - tctx->last_xccd_ns >= gb_config.xccd_cooldown_ns;
}

/* The idle CPU p should run on, or < 0 when none suits (p then queues on prev_cpu's LLC). */
static s32 pick_idle_cpu(struct task_struct* p, const struct task_ctx* tctx, s32 prev_cpu) {
  const struct cpumask* preferred = preferred_cpus(tctx->class);
  s32 cpu;

  if (!any_cpu_idle()) return -1;
  /* The previous CPU keeps its cache: take it if its whole core is idle and the class likes it. */
  if ((!preferred || bpf_cpumask_test_cpu(prev_cpu, preferred)) && cpu_core_is_idle(prev_cpu) &&
      scx_bpf_test_and_clear_cpu_idle(prev_cpu))
    return prev_cpu;
  if (preferred) {
    cpu = pick_idle_cpu_in(preferred);
    if (cpu >= 0) return cpu;
  }
  if (scx_bpf_test_and_clear_cpu_idle(prev_cpu)) return prev_cpu;
  cpu = pick_idle_cpu_in(dom_cpus(&llc_ctx, cpu_llc(prev_cpu)));
  if (cpu >= 0) return cpu;
  cpu = pick_idle_cpu_in(dom_cpus(&ccd_ctx, cpu_ccd(prev_cpu)));
  if (cpu >= 0 || !task_may_leave_ccd(tctx)) return cpu;
  cpu = pick_idle_cpu_in(dom_cpus(&node_ctx, cpu_node(prev_cpu)));
  if (cpu >= 0) return cpu;
  return pick_idle_cpu_in(p->cpus_ptr);
}

/* Put p straight onto cpu's local DSQ (cpu was idle and is claimed). */
static void dispatch_to_idle_cpu(struct task_struct* p, struct task_ctx* tctx, s32 cpu) {
  struct gb_stats* s;
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
  s32 cpu;

  if (!tctx) return prev_cpu;
  note_wakeup(tctx);
  update_task_class(p, tctx);
  if (p->nr_cpus_allowed < nr_cpus) {
    bool is_idle = false;
    cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
    if (is_idle)
      dispatch_to_idle_cpu(p, tctx, cpu);
    else
      tctx->classified = 1;
    return cpu;
  }
  cpu = pick_idle_cpu(p, tctx, prev_cpu);
  if (cpu >= 0) {
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

/* ---- Queueing --------------------------------------------------------------------------------- */

/* Tasks queued on the DSQs of llc's CPUs. */
static u32 llc_nr_queued(u32 llc) {
  const struct cpumask* cpus = dom_cpus(&llc_ctx, llc);
  u32 n = 0;
  s32 i;
  if (!cpus) return 0;
  bpf_for(i, 0, nr_cpus) {
    s32 q;
    if (!bpf_cpumask_test_cpu(i, cpus)) continue;
    q = scx_bpf_dsq_nr_queued(cpu_dsq(i));
    n += q > 0 ? q : 0;
  }
  return n;
}

/* The class of the task running on cpu (the last one that started there). */
static u32 cpu_running_class(s32 cpu) {
  u32 zero = 0;
  struct cpu_ctx* cctx = bpf_map_lookup_percpu_elem(&cpu_ctx, &zero, cpu);
  return cctx ? cctx->class : GB_CLASS_GAMING;
}

/* May a wake-up of class cls take the CPU from work of class running? Games and interactive work
 * preempt anything but games, interactive work and VMs (DEFAULT, AI, CONTAINER, BATCH: the classes
 * from DEFAULT on in abi.h's order); VM and DEFAULT wake-ups preempt BATCH only. As EEVDF lets a
 * waking task with an earlier deadline preempt a CPU-bound one: without it a wake-up with no idle
 * CPU waited for a hog's slice to end (cyclictest's threads, DEFAULT in the emulator where vCPU
 * turns stretch their measured bursts, woke after 4-8 ms). */
static bool class_preempts(u32 cls, u32 running) {
  if (class_is_latency_sensitive(cls)) return running >= GB_CLASS_DEFAULT;
  return (cls == GB_CLASS_VM || cls == GB_CLASS_DEFAULT) && running == GB_CLASS_BATCH;
}

/* The burst score of the task running on cpu (when it started). */
static u64 cpu_running_burst(s32 cpu) {
  u32 zero = 0;
  struct cpu_ctx* cctx = bpf_map_lookup_percpu_elem(&cpu_ctx, &zero, cpu);
  return cctx ? cctx->burst : 0;
}

/* May a short-burst wake-up (burst) take the CPU from a task of its own latency class running long
 * bursts? Only when those are at least interactive_burst_ns and 4x the waker's: a game's input or
 * audio thread preempts its job workers, never the other way round. */
static bool burst_preempts(u32 cls, u64 burst, u32 running, u64 running_burst) {
  return class_is_latency_sensitive(cls) && cls == running && running_burst >= gb_interactive_burst_ns() &&
         running_burst >= 4 * burst;
}

/* The CPU of p's LLC (p's own CPU first) that a wake-up of class cls should preempt: the one
 * running the least important work it may take, else the one running the longest bursts of p's own
 * class (burst_preempts()), or -1. */
static s32 pick_cpu_to_preempt(const struct task_struct* p, u32 cls, u64 burst, s32 cpu, u32 llc) {
  const struct cpumask* llc_cpus = dom_cpus(&llc_ctx, llc);
  u32 worst = cpu_running_class(cpu);
  s32 victim = class_preempts(cls, worst) ? cpu : -1, longest = -1;
  u64 longest_burst = 0;
  s32 i;

  if (worst == GB_CLASS_BATCH || !llc_cpus) return victim;
  bpf_for(i, 0, nr_cpus) {
    u32 running;
    u64 running_burst;
    if (!bpf_cpumask_test_cpu(i, llc_cpus) || !bpf_cpumask_test_cpu(i, p->cpus_ptr)) continue;
    running = cpu_running_class(i);
    if (i != cpu && class_preempts(cls, running) && (victim < 0 || running > worst)) {
      victim = i;
      worst = running;
      if (running == GB_CLASS_BATCH) break;
    }
    running_burst = cpu_running_burst(i);
    if (victim < 0 && burst_preempts(cls, burst, running, running_burst) && running_burst > longest_burst) {
      longest = i;
      longest_burst = running_burst;
    }
  }
  return victim >= 0 ? victim : longest;
}

/* An idle CPU to wake for work queued on cpu's LLC (claimed), or -1: one of the LLC, else of the CCD,
 * else (only when the LLC has xccd_steal_min tasks queued) any CPU p may run on. */
static s32 idle_cpu_to_wake(const struct task_struct* p, s32 cpu, u32 llc) {
  s32 idle;
  if (!any_cpu_idle()) return -1;
  idle = pick_idle_cpu_in(dom_cpus(&llc_ctx, llc));
  if (idle < 0 && ccd_wider_than_llc) idle = pick_idle_cpu_in(dom_cpus(&ccd_ctx, cpu_ccd(cpu)));
  if (idle < 0 && gb_config.nr_llcs > 1 && llc_nr_queued(llc) >= gb_config.xccd_steal_min)
    idle = pick_idle_cpu_in(p->cpus_ptr);
  return idle;
}

/* Queue p on a CPU's DSQ: its own CPU's, or for a wake-up with no idle CPU to wake that may preempt
 * (class_preempts()), the DSQ of the CPU it preempts (so the victim's next dispatch finds it first at
 * hand, without touching another CPU's queue). An idle CPU of the LLC is woken to steal it. (Measured
 * and not kept: putting such a wake-up straight onto the victim's local DSQ with SCX_ENQ_PREEMPT:
 * cyclictest p99 0.72x, but 1.25x the game's misses and 1.4x in the mixed case; the local DSQ is
 * FIFO.) */
static void enqueue(struct task_struct* p, u64 enq_flags) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  s32 cpu = scx_bpf_task_cpu(p), idle, victim = -1;
  u32 cls = GB_CLASS_DEFAULT, llc;
  u64 window = gb_config.class_window_ns[GB_CLASS_DEFAULT], burst = 0;
  struct gb_stats* s;

  /* Queue on a CPU p may run on (its current one may have left its mask). */
  if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
    s32 any = scx_bpf_pick_any_cpu(p->cpus_ptr, 0);
    if (any >= 0) cpu = any;
  }
  if (tctx) {
    if (enq_flags & SCX_ENQ_WAKEUP) note_wakeup(tctx);
    /* select_cpu classified this wake-up a moment ago. */
    if (tctx->classified)
      tctx->classified = 0;
    else
      update_task_class(p, tctx);
    cls = tctx->class;
    burst = task_burst(tctx);
    window = deadline_window(p, tctx, cls);
    count_start(tctx, cls);
  }
  s = stats_here();
  if (s) s->dispatched[valid_class(cls)]++;
  /* Nothing else wants this CPU (SCX_OPS_ENQ_LAST): keep running here, with a fresh slice. */
  if (enq_flags & SCX_ENQ_LAST) {
    gb_dsq_insert(p, SCX_DSQ_LOCAL, gb_slice_ns(), enq_flags);
    return;
  }
  llc = cpu_llc(cpu);
  idle = idle_cpu_to_wake(p, cpu, llc);
  /* BATCH is the least important class: a class that preempts nothing preempts no BATCH either. */
  if (idle < 0 && class_preempts(cls, GB_CLASS_BATCH) && (enq_flags & SCX_ENQ_WAKEUP))
    victim = pick_cpu_to_preempt(p, cls, burst, cpu, llc);
  gb_dsq_insert_vtime(p, cpu_dsq(victim >= 0 ? victim : cpu), gb_slice_ns(), gb_now() + window, enq_flags);
  if (idle >= 0) {
    scx_bpf_kick_cpu(idle, SCX_KICK_IDLE);
  } else if (victim >= 0) {
    scx_bpf_kick_cpu(victim, SCX_KICK_PREEMPT);
    if (s) s->preemptions++;
  }
}

void BPF_STRUCT_OPS(ghostbrew_enqueue, struct task_struct* p, u64 enq_flags) {
  u64 start = gb_op_start();
  enqueue(p, enq_flags);
  gb_op_end(GB_OP_ENQUEUE, start);
}

/* ---- Dispatching ------------------------------------------------------------------------------ */

/* The deadline of the first task queued on dsq, or false when it is empty. Lockless: the count and
 * scx_bpf_dsq_peek (7.x) read the queue without its lock, while the iterator (6.12 .. 6.18) takes
 * the lock at every step; under a TCG guest a contended DSQ lock whose holder's vCPU is waiting its
 * turn spins for a whole round of the other vCPUs. */
static bool dsq_head_deadline(u64 dsq, u64* deadline) {
  struct task_struct* p;
  if (scx_bpf_dsq_nr_queued(dsq) <= 0) return false;
  if (bpf_ksym_exists(scx_bpf_dsq_peek)) {
    p = scx_bpf_dsq_peek(dsq);
    if (!p) return false;
    *deadline = p->scx.dsq_vtime;
    return true;
  }
  bpf_for_each(scx_dsq, p, dsq, 0) {
    *deadline = p->scx.dsq_vtime;
    return true;
  }
  return false;
}

/* The CPU of llc other than self whose queue head has the earliest deadline (lockless), or -1. */
static s32 earliest_queue_in_llc(u32 llc, s32 self, u64* earliest) {
  const struct cpumask* cpus = dom_cpus(&llc_ctx, llc);
  u64 deadline;
  s32 best = -1, i;
  if (!cpus) return -1;
  bpf_for(i, 0, nr_cpus) {
    if (i == self || !bpf_cpumask_test_cpu(i, cpus) || !dsq_head_deadline(cpu_dsq(i), &deadline)) continue;
    if (best < 0 || (s64)(deadline - *earliest) < 0) {
      best = i;
      *earliest = deadline;
    }
  }
  return best;
}

/* Move a task queued on llc's CPUs to this CPU (self, or -1 for another LLC): the head of its own DSQ,
 * unless another CPU's head is due more than a slice earlier (then that one: EDF over the LLC within
 * a slice, while most dispatches take only their own queue's lock). When the chosen head is gone
 * (another CPU took it) or may not run here, any queue of the LLC that has work for this CPU. */
static bool consume_from_llc(u32 llc, s32 self) {
  u64 own_deadline = 0, other_deadline = 0;
  bool own = self >= 0 && dsq_head_deadline(cpu_dsq(self), &own_deadline);
  s32 other = earliest_queue_in_llc(llc, self, &other_deadline), i;
  const struct cpumask* cpus;

  if (other >= 0 && (!own || (s64)(other_deadline + gb_slice_ns() - own_deadline) < 0) &&
      gb_dsq_move_to_local(cpu_dsq(other)))
    return true;
  if (own && gb_dsq_move_to_local(cpu_dsq(self))) return true;
  if (other < 0 || !(cpus = dom_cpus(&llc_ctx, llc))) return false;
  bpf_for(i, 0, nr_cpus) {
    if (i != self && bpf_cpumask_test_cpu(i, cpus) && scx_bpf_dsq_nr_queued(cpu_dsq(i)) > 0 &&
        gb_dsq_move_to_local(cpu_dsq(i)))
      return true;
  }
  return false;
}

/* Nothing on our LLC: take work from the other LLCs of our CCD, then from busy LLCs elsewhere. */
static bool steal_work(u32 llc, u32 ccd) {
  u32 nr_llcs = gb_config.nr_llcs;
  struct gb_stats* s;
  s32 i;

  bpf_for(i, 1, nr_llcs) {
    u32 other = (llc + i) % nr_llcs;
    struct dom_ctx* dom = bpf_map_lookup_elem(&llc_ctx, &other);
    if (dom && dom->ccd == ccd && consume_from_llc(other, -1)) {
      STAT_INC(llc_steals);
      return true;
    }
  }
  bpf_for(i, 1, nr_llcs) {
    u32 other = (llc + i) % nr_llcs;
    struct dom_ctx* dom = bpf_map_lookup_elem(&llc_ctx, &other);
    if (dom && dom->ccd != ccd && llc_nr_queued(other) >= gb_config.xccd_steal_min &&
        consume_from_llc(other, -1)) {
      s = stats_here();
      if (s) s->xccd_steals++;
      return true;
    }
  }
  return false;
}

void BPF_STRUCT_OPS(ghostbrew_dispatch, s32 cpu, struct task_struct* prev) {
  u64 start = gb_op_start();
  u32 llc = cpu_llc(cpu);
  if (!consume_from_llc(llc, cpu)) steal_work(llc, cpu_ccd(cpu));
  /* Nothing anywhere: a still runnable prev comes back through ops.enqueue with SCX_ENQ_LAST. */
  gb_op_end(GB_OP_DISPATCH, start);
}

/* ---- Accounting ------------------------------------------------------------------------------- */

/* The wake-up that made p runnable ended now: its latency goes to its class's histogram. */
static void end_wakeup(struct task_ctx* tctx) {
  struct gb_hist* h;
  tctx->wake_pending = 0;
  if (tctx->wake_ns && (h = hist_here()))
    h->wake_ns[valid_class(tctx->class)][hist_bucket(bpf_ktime_get_ns() - tctx->wake_ns)]++;
  tctx->wake_ns = 0;
}

static void running(struct task_struct* p) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  s32 cpu = scx_bpf_task_cpu(p);
  u32 zero = 0;
  struct cpu_ctx* cctx = bpf_map_lookup_elem(&cpu_ctx, &zero);
  struct gb_stats* s = stats_here();

  if (!tctx) return;
  tctx->run_start_ns = gb_now();
  tctx->switches++;
  if (tctx->wake_pending) end_wakeup(tctx);
  if (cctx) {
    cctx->class = tctx->class;
    cctx->burst = task_burst(tctx);
  }
  if (s && tctx->last_cpu >= 0) {
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
  tctx->last_cpu = cpu;
}

void BPF_STRUCT_OPS(ghostbrew_running, struct task_struct* p) {
  u64 start = gb_op_start();
  running(p);
  gb_op_end(GB_OP_RUNNING, start);
}

/* p stopped running at now: its burst and its CPU share grow by the time it ran. */
static void account_run(struct task_ctx* tctx, u64 now) {
  u64 ran = now - tctx->run_start_ns, elapsed;
  tctx->burst_ns += ran;
  tctx->util_busy_ns += ran;
  elapsed = now - tctx->util_start_ns;
  if (elapsed < GB_UTIL_WINDOW_NS) return;
  tctx->util_pct = GB_MIN(tctx->util_busy_ns * 100 / elapsed, 100);
  tctx->util_start_ns = now;
  tctx->util_busy_ns = 0;
}

void BPF_STRUCT_OPS(ghostbrew_stopping, struct task_struct* p, bool runnable) {
  u64 start = gb_op_start();
  struct task_ctx* tctx = lookup_task_ctx(p);
  if (tctx) account_run(tctx, gb_now());
  gb_op_end(GB_OP_STOPPING, start);
}

void BPF_STRUCT_OPS(ghostbrew_quiescent, struct task_struct* p, u64 deq_flags) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  if (!tctx || !(deq_flags & SCX_DEQ_SLEEP)) return;
  end_burst(p, tctx);
  /* The burst ends with the sleep: fold it into the score (decay 3/4 per burst). */
  tctx->burst_score = (3 * tctx->burst_score + tctx->burst_ns) / 4;
  tctx->burst_ns = 0;
}

/* A task that exits before its estimate matured (cc1, as, ld) is observed with what it did: its
 * last burst, cut short by the exit, counts as one. */
void BPF_STRUCT_OPS(ghostbrew_exit_task, struct task_struct* p, struct scx_exit_task_args* args) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  if (!tctx || tctx->observed) return;
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
  tctx->util_pct = 100;
  tctx->util_start_ns = gb_now();
  /* A forked process starts with its parent's burst behaviour (BORE's inheritance: a build's
   * children start as BATCH as their make/sh parents are). A new thread starts afresh: a process's
   * setup phase (cyclictest's main thread allocating its histograms, a game loading) says nothing
   * about the threads it starts, and a thread that inherits a long burst waits as BATCH, so it falls
   * behind, catches up in long runs and stays BATCH. A CPU-bound thread is BATCH after
   * burst_threshold_ns of running all the same (task_burst() counts the current burst). */
  if (args->fork && p->tgid == p->pid) {
    struct task_ctx* parent = lookup_task_ctx(bpf_get_current_task_btf());
    if (parent) tctx->burst_score = task_burst(parent);
  }
  return 0;
}

/* ---- Setup: topology cpumasks and DSQs -------------------------------------------------------- */

/* Facts about the whole machine that decide the role masks. */
struct topo_facts {
  bool vcache_split;    /* some but not all CPUs have V-Cache (dual-CCD X3D) */
  bool preferred_split; /* some but not all CPUs are flagged preferred */
  bool hybrid;          /* some but not all CPUs are E-cores */
};

/* A CPU of the frequency side: the non-V-Cache CCD, else a preferred core, else a P-core. */
static bool cpu_is_fast(const struct gb_cpu_info* info, const struct topo_facts* f) {
  if (f->vcache_split) return !(info->flags & GB_CPU_VCACHE);
  if (f->preferred_split) return info->flags & GB_CPU_PREFERRED;
  return f->hybrid && info->type != GB_CPU_TYPE_EFFICIENCY;
}

static bool cpu_suits_games(const struct gb_cpu_info* info, const struct topo_facts* f) {
  if (gb_config.mode != GB_MODE_WORK && f->vcache_split) return info->flags & GB_CPU_VCACHE;
  return cpu_is_fast(info, f);
}

static bool cpu_suits_interactive(const struct gb_cpu_info* info, const struct topo_facts* f) {
  if (gb_config.mode == GB_MODE_GAMING) return cpu_suits_games(info, f);
  return cpu_is_fast(info, f);
}

static bool cpu_suits_batch(const struct gb_cpu_info* info, const struct topo_facts* f) {
  if (f->hybrid) return info->type == GB_CPU_TYPE_EFFICIENCY;
  if (gb_config.mode == GB_MODE_AUTO) return false;
  if (gb_config.mode == GB_MODE_WORK && f->vcache_split) return info->flags & GB_CPU_VCACHE;
  return (f->vcache_split || f->preferred_split) && !cpu_suits_games(info, f);
}

/* Give every entry of a domain map (nr of them) an empty cpumask. */
static s32 alloc_dom_masks(void* map, u32 nr, const char* what) {
  s32 i;
  bpf_for(i, 0, nr) {
    u32 key = i;
    struct dom_ctx* dom = bpf_map_lookup_elem(map, &key);
    struct bpf_cpumask *mask, *old;
    if (!dom) {
      scx_bpf_error("%s map has no entry %d: the loader must size it to the configured count", what, i);
      return -22; /* -EINVAL */
    }
    mask = bpf_cpumask_create();
    if (!mask) return -12;
    old = bpf_kptr_xchg(&dom->cpus, mask);
    if (old) bpf_cpumask_release(old);
  }
  return 0;
}

static s32 alloc_role_mask(struct bpf_cpumask** slot) {
  struct bpf_cpumask *mask = bpf_cpumask_create(), *old;
  if (!mask) return -12;
  old = bpf_kptr_xchg(slot, mask);
  if (old) bpf_cpumask_release(old);
  return 0;
}

/* Add cpu to the cpumask of entry id of a domain map. */
static void dom_add_cpu(void* map, u32 id, s32 cpu, u32 ccd) {
  struct dom_ctx* dom = bpf_map_lookup_elem(map, &id);
  if (!dom) return;
  dom->ccd = ccd;
  if (dom->cpus) bpf_cpumask_set_cpu(cpu, dom->cpus);
}

static void role_add_cpu(struct bpf_cpumask* mask, s32 cpu) {
  if (mask) bpf_cpumask_set_cpu(cpu, mask);
}

static const struct gb_cpu_info no_topology = {.smt_sibling = -1};

/* CPU counts by kind, counted in memory (volatile) rather than in registers: a counter the verifier
 * tracks in a register differs on every pass of the loop, and the loop would never converge. */
static volatile struct { u32 vcache, preferred, efficiency; } census;

/* Build the domain and role cpumasks from cpu_info; errors name the bad entry. */
static s32 build_topology(void) {
  struct topo_facts facts = {};
  s32 cpu, err;

  if ((err = alloc_dom_masks(&llc_ctx, gb_config.nr_llcs, "llc_ctx")) ||
      (err = alloc_dom_masks(&ccd_ctx, gb_config.nr_ccds, "ccd_ctx")) ||
      (err = alloc_dom_masks(&node_ctx, gb_config.nr_nodes, "node_ctx")) ||
      (err = alloc_role_mask(&game_cpus)) || (err = alloc_role_mask(&interactive_cpus)) ||
      (err = alloc_role_mask(&batch_cpus)))
    return err;

  bpf_for(cpu, 0, nr_cpus) {
    const struct gb_cpu_info* info = cpu_topology(cpu) ?: &no_topology;
    if (info->llc >= gb_config.nr_llcs || info->ccd >= gb_config.nr_ccds ||
        info->node >= gb_config.nr_nodes) {
      scx_bpf_error("cpu_info[%d]: llc %u ccd %u node %u out of range (nr_llcs %u nr_ccds %u nr_nodes %u)",
                    cpu, info->llc, info->ccd, info->node, gb_config.nr_llcs, gb_config.nr_ccds,
                    gb_config.nr_nodes);
      return -22;
    }
    census.vcache += !!(info->flags & GB_CPU_VCACHE);
    census.preferred += !!(info->flags & GB_CPU_PREFERRED);
    census.efficiency += info->type == GB_CPU_TYPE_EFFICIENCY;
  }
  facts.vcache_split = census.vcache && census.vcache < nr_cpus;
  facts.preferred_split = census.preferred && census.preferred < nr_cpus;
  facts.hybrid = census.efficiency && census.efficiency < nr_cpus;
  ccd_wider_than_llc = gb_config.nr_llcs > gb_config.nr_ccds;

  bpf_rcu_read_lock();
  bpf_for(cpu, 0, nr_cpus) {
    const struct gb_cpu_info* info = cpu_topology(cpu) ?: &no_topology;
    dom_add_cpu(&llc_ctx, info->llc, cpu, info->ccd);
    dom_add_cpu(&ccd_ctx, info->ccd, cpu, info->ccd);
    dom_add_cpu(&node_ctx, info->node, cpu, info->ccd);
    if (cpu_suits_games(info, &facts)) role_add_cpu(game_cpus, cpu);
    if (cpu_suits_interactive(info, &facts)) role_add_cpu(interactive_cpus, cpu);
    if (cpu_suits_batch(info, &facts)) role_add_cpu(batch_cpus, cpu);
  }
  bpf_rcu_read_unlock();
  return 0;
}

static bool config_is_valid(void) {
  if (gb_config.mode >= GB_NR_MODES || !gb_config.nr_llcs || !gb_config.nr_ccds || !gb_config.nr_nodes ||
      gb_config.slice_ns < 100000 || !gb_config.burst_threshold_ns || !gb_config.max_window_ns) {
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
  if (!info) return;
  info->kind = ei->kind;
  info->exit_code = ei->exit_code;
  bpf_probe_read_kernel_str(info->reason, sizeof(info->reason), ei->reason);
  bpf_probe_read_kernel_str(info->msg, sizeof(info->msg), ei->msg);
}

/* ---- Exec/exit events for userspace detection ------------------------------------------------- */

static void emit_event(struct task_struct* p, u32 kind) {
  struct gb_event* e;

  if (!bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA)) events_pending_since_ns = bpf_ktime_get_ns();
  e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    STAT_INC(ringbuf_drops);
    return;
  }
  e->kind = kind;
  e->pid = BPF_CORE_READ(p, pid);
  e->tgid = BPF_CORE_READ(p, tgid);
  e->ppid = BPF_CORE_READ(p, real_parent, tgid);
  e->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
  e->timestamp_ns = bpf_ktime_get_ns();
  BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
  bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(gb_exec_event, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  struct task_ctx* tctx = lookup_task_ctx(p);
  struct cpu_ctx* cctx;
  u32 zero = 0;

  /* The new program's class (a learned one too) takes effect now, not at the task's next enqueue: it
   * is the class this CPU is running (for preemption decisions) and the class the task started in.
   * Without a prediction that is the class behaviour gives the burst score inherited at fork. */
  if (tctx) {
    note_exec(p, tctx);
    tctx->class = task_class(p, tctx);
    count_start(tctx, tctx->class);
    cctx = bpf_map_lookup_elem(&cpu_ctx, &zero);
    if (cctx) {
      cctx->class = tctx->class;
      cctx->burst = task_burst(tctx);
    }
  }
  emit_event(p, GB_EVENT_EXEC);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(gb_exit_event, struct task_struct* p) {
  if (BPF_CORE_READ(p, pid) == BPF_CORE_READ(p, tgid)) emit_event(p, GB_EVENT_EXIT);
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
    .init_task = (void*)ghostbrew_init_task,
    .exit_task = (void*)ghostbrew_exit_task,
    .init = (void*)ghostbrew_init,
    .exit = (void*)ghostbrew_exit,
    .flags = SCX_OPS_ENQ_LAST,
    .timeout_ms = 5000,
    .name = "ghostbrew",
};
