/* SPDX-License-Identifier: GPL-2.0-only */
/* A BPF program built by the installed ghostbrew_add_bpf_object() from the installed BPF-side
 * headers: the sched_ext compatibility layer (and vmlinux.h through it) and the ABI. */
#include <ghostbrew/bpf/compat.bpf.h> /* first: vmlinux.h's types, which abi.h then uses */

#include <ghostbrew/bpf/abi.h>

char _license[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, GB_NR_CLASSES);
  __type(key, __u32);
  __type(value, __u64);
} class_counts SEC(".maps");

SEC("syscall")
int count(void* ctx) {
  __u32 key = GB_CLASS_GAMING;
  __u64* v = bpf_map_lookup_elem(&class_counts, &key);
  if (v) __sync_fetch_and_add(v, 1);
  return 0;
}
