/* SPDX-License-Identifier: GPL-2.0-only */
/* Test program for load errors and autoload: `good` is a valid syscall program; `bad` dereferences
 * a map lookup result without the NULL check, which the verifier must reject. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type,
         BPF_MAP_TYPE_HASH); /* an array lookup with a constant key needs no NULL check on new kernels */
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

SEC("syscall")
int good(void* ctx) { return 5; }

SEC("syscall")
int bad(void* ctx) {
  __u32 zero = 0;
  __u64* v = bpf_map_lookup_elem(&values, &zero);

  return (int)*v; /* no NULL check: the verifier must refuse this load */
}
