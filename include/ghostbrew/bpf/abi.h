/* The BPF <-> userspace ABI of the ghostbrew scheduler: enums, map value layouts and limits shared by
 * bpf/ghostbrew.bpf.c (C, compiled with clang -target bpf) and the C++ library/daemon.
 * Every struct has a size assertion, so a layout drift fails the build, not the machine.
 * Plain C: fixed-width types only (__u32/__u64 in BPF, the same through <linux/types.h> in userspace). */
#ifndef GHOSTBREW_BPF_ABI_H
#define GHOSTBREW_BPF_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifdef __cplusplus
#define GB_STATIC_ASSERT static_assert
#else
#define GB_STATIC_ASSERT _Static_assert
#endif

/* Workload classes, in priority order for dispatch (lower value = served first within its budget). */
enum gb_class {
  GB_CLASS_GAMING = 0,      /* game processes and their threads (Wine/Proton, native) */
  GB_CLASS_INTERACTIVE = 1, /* desktop, compositor, audio, input */
  GB_CLASS_VM = 2,          /* VM vCPU threads (CPU N/KVM) */
  GB_CLASS_DEFAULT = 3,     /* everything not otherwise classified */
  GB_CLASS_AI = 4,          /* AI inference servers (ollama, llama.cpp, vLLM, ComfyUI) */
  GB_CLASS_CONTAINER = 5,   /* container workloads */
  GB_CLASS_BATCH = 6,       /* nice > 0, builds, system services, CPU hogs */
  GB_NR_CLASSES = 7,
};

#endif /* GHOSTBREW_BPF_ABI_H */
