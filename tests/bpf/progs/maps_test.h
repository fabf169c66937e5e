/* SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause */
/* Layouts shared by maps_test.bpf.c and the C++ tests/benchmarks that drive it. */
#ifndef GHOSTBREW_TESTS_MAPS_TEST_H
#define GHOSTBREW_TESTS_MAPS_TEST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifdef __cplusplus
#define GB_TEST_STATIC_ASSERT static_assert
#else
#define GB_TEST_STATIC_ASSERT _Static_assert
#endif

#define GB_TEST_LRU_ENTRIES 16
#define GB_TEST_HASH_ENTRIES 8
#define GB_TEST_ARRAY_ENTRIES 4

/* Value of the `stats` array map. */
struct gb_test_stat {
  __u64 count;
  __u64 sum;
};
GB_TEST_STATIC_ASSERT(sizeof(struct gb_test_stat) == 16, "gb_test_stat layout");

/* One ring buffer record written by the `emit` program. */
struct gb_test_event {
  __u64 seq; /* 0, 1, 2, ... within one run */
  __u32 tag; /* copied from gb_test_emit_args.tag */
  __u32 cpu; /* the CPU the program ran on */
};
GB_TEST_STATIC_ASSERT(sizeof(struct gb_test_event) == 16, "gb_test_event layout");

/* Context of the `emit` syscall program. */
struct gb_test_emit_args {
  __u32 count;       /* well-formed events to write */
  __u32 short_count; /* 4-byte (malformed) records to write after them */
  __u32 tag;
  __u32 written; /* out: records the ring buffer accepted */
};
GB_TEST_STATIC_ASSERT(sizeof(struct gb_test_emit_args) == 16, "gb_test_emit_args layout");

#endif /* GHOSTBREW_TESTS_MAPS_TEST_H */
