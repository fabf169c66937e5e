/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew's internal BPF header: the configuration, the maps, the per-task and per-CPU contexts and
 * the small accessors every concern uses. Each concern file (stats, topology, events, learn,
 * task_class, vtime, idle, preempt, balance) includes what it uses and compiles on its own; all are
 * included once, by ghostbrew.bpf.c. The userspace ABI is include/ghostbrew/bpf/abi.h. */
#ifndef GHOSTBREW_BPF_H
#define GHOSTBREW_BPF_H

#include "compat.bpf.h"

#include "classify.bpf.h"

#include <ghostbrew/bpf/abi.h>

/* ---- Configuration (rodata, set by the loader before load) ------------------------------------ */

/* The abi.h this object was built from: the loader checks it before anything else. */
const volatile __u32 gb_abi_version SEC(".rodata.abi") = GB_ABI_VERSION;

const volatile struct gb_config gb_config SEC(".rodata.config") = {
    .slice_ns = 5000000,
    .burst_threshold_ns = 20000000,
    .interactive_burst_ns = 1000000,
    .heartbeat_stale_ns = 5000000000ull,
    .xccd_cooldown_ns = 10000000,
    .max_window_ns = 200000000,
    /* The class latency offsets (vtime.bpf.h): how far after "now" a task's deadline starts. */
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
    .wake_chain_hops = 0, /* off until proven: bpf/NOTES.md */
    .irq_wake_hops = 0,   /* off until proven: bpf/NOTES.md */
    .frame_pacing = 0,    /* off: no gain shown in the guest, bpf/NOTES.md */
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
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct gb_exit_dump);
} exit_dump SEC(".maps");

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

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, GB_MAX_PACED_GAMES);
  __type(key, u32);
  __type(value, struct gb_frame_pace);
} frames SEC(".maps");

/* ---- Per-task state --------------------------------------------------------------------------- */
struct task_ctx {
  /* Classification (classify.bpf.h's chain, cached; see refresh_fixed_class()). */
  u64 comm[2];         /* comm when last classified */
  u64 generation;      /* gb_knobs.generation * 2 + trusted, when last classified; ~0 = never */
  u64 css_set;         /* its css_set (cgroup membership) when last classified */
  u32 fixed_class;     /* from the classification chain, GB_CLASS_NONE when none applies */
  u32 class;           /* the class it was last queued with */
  u32 predicted_class; /* learned class of its comm (GB_MAP_PREDICTIONS), GB_CLASS_NONE if none */
  /* Virtual time (vtime.bpf.h). */
  u64 vtime;            /* virtual runtime: CPU time used, scaled by 100 / weight */
  u64 burst_ns;         /* CPU time since the task last woke (the request grows with it) */
  u64 run_start_ns;     /* when it last started running */
  u64 last_wake_ns;     /* when it last woke up */
  u64 wake_interval_ns; /* decayed average time between its wake-ups (0 until measured) */
  u64 deadline;         /* the deadline it was last queued with */
  /* Placement (idle.bpf.h). */
  u64 last_xccd_ns; /* when it last moved to another CCD */
  s32 last_cpu;     /* where it last ran, -1 before its first run */
  /* Wake-up bookkeeping. */
  u8 wake_pending; /* woken and not yet running: the wake-up is counted once */
  u8 wake_sync;    /* the pending wake-up is a synchronous one (the waker is about to sleep) */
  u8 classified;   /* classified by select_cpu for the ops.enqueue that follows */
  u8 started;      /* the class of its first enqueue since the comm was set is counted */
  u8 observed;     /* folded into the observations */
  u8 pad[3];
  u64 wake_ns; /* when it last woke up (GB_KNOB_HISTOGRAMS), 0 once it runs */
  /* Behaviour since its comm was last set (exec), for the observations (learn.bpf.h). */
  u64 since_ns;      /* when the comm was seen first */
  u64 bursts;        /* bursts ended by a sleep */
  u64 runtime_ns;    /* CPU time of those bursts */
  u64 runtime_sq_us; /* sum of their squares (us^2) */
  u32 wakeups;
  u32 switches;
  /* Wake-up chains (wake_chain.bpf.h). */
  u64 avg_burst_ns; /* decayed average CPU time per burst (run until sleep) */
  u32 chain_class;  /* the class inherited for the current burst, GB_CLASS_NONE when none */
  u8 chain_hops;    /* how many more hops it may pass that class on */
  u8 chain_process; /* an interrupt's bias: passed on only within its process */
  u8 woke_other;    /* it woke another task since its last paced wake-up (frame.bpf.h) */
  u8 pad2;
  /* Frame pacing (frame.bpf.h): main threads of GAMING processes. */
  u64 frame_start_ns;  /* its last wake-up from interrupt context (a frame's start) */
  u64 frame_cpu_ns;    /* runtime_ns at that wake-up */
  u64 frame_period_ns; /* average interval between those wake-ups, 0 until measured */
  u64 frame_jitter_ns; /* average deviation from it */
  u32 frame_count;     /* frames measured in a row */
  u32 pad3;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct task_ctx);
} task_ctx SEC(".maps");

static struct task_ctx* lookup_task_ctx(struct task_struct* p) {
  return bpf_task_storage_get(&task_ctx, p, 0, 0);
}

/* ---- Per-CPU state: what runs there, for preemption decisions (preempt.bpf.h) ------------------ */
struct cpu_ctx {
  u32 class; /* class of the task running there (the last one that started) */
  u32 pad;
  u64 deadline; /* its deadline */
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct cpu_ctx);
} cpu_ctx SEC(".maps");

static struct cpu_ctx* cpu_ctx_of(s32 cpu) {
  u32 zero = 0;
  return bpf_map_lookup_percpu_elem(&cpu_ctx, &zero, cpu);
}

/* This CPU's record: a plain lookup, which the verifier inlines (cpu_ctx_of is a helper call). */
static struct cpu_ctx* cpu_ctx_here(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&cpu_ctx, &zero);
}

/* Role cpumasks built by ops.init: where each kind of work goes first (empty = no preference). */
private(GB) struct bpf_cpumask __kptr* game_cpus;
private(GB) struct bpf_cpumask __kptr* interactive_cpus;
private(GB) struct bpf_cpumask __kptr* batch_cpus;

/* The kernel's nr_cpu_ids, read in ops.init. */
static u32 nr_cpus = 1;
/* Set by ops.init when some CCD holds more than one LLC (Zen 1/2): only then is "an idle CPU of the
 * same CCD" a wider search than "of the same LLC". */
static bool ccd_wider_than_llc;

/* ---- Knobs: the daemon's runtime settings ----------------------------------------------------- */

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

/* The placement mode in force: the daemon's run-time switch (gb_knobs.mode, enum gb_mode + 1) when
 * set and valid, else the load-time gb_config.mode. */
__noinline u32 gb_mode(void) {
  struct gb_knobs* k = knobs_here();
  if (k && k->mode && k->mode <= GB_NR_MODES) return k->mode - 1;
  return gb_config.mode;
}

/* ---- Small helpers ---------------------------------------------------------------------------- */

static u32 valid_class(u32 cls) { return cls < GB_NR_CLASSES ? cls : GB_CLASS_DEFAULT; }

static bool class_is_latency_sensitive(u32 cls) {
  return cls == GB_CLASS_GAMING || cls == GB_CLASS_INTERACTIVE;
}

/* Each CPU has one DSQ, its id the CPU's number. */
static u64 cpu_dsq(s32 cpu) { return (u64)cpu; }

#endif /* GHOSTBREW_BPF_H */
