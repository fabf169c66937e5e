// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The embedded BPF objects as libbpf and the kernel will see them, checked without loading (the host
// kernel has no sched_ext): the struct_ops maps, every program with its attach section, every map
// with the key/value sizes of the ABI in <ghostbrew/bpf/abi.h>, and the BPF compiler's own layout
// of the ABI structs (from the object's BTF) against the C++ compiler's.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <ghostbrew/bpf/abi.h>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/tuning/settings.hpp"
#include "ghostbrew_bpfobj.h"
#include "refsched_bpfobj.h"

namespace {

struct ObjectCloser {
  void operator()(bpf_object* obj) const { bpf_object__close(obj); }
};
using ObjectPtr = std::unique_ptr<bpf_object, ObjectCloser>;

ObjectPtr open_embedded(std::span<const std::byte> image, const char* name) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
  bpf_object* obj = bpf_object__open_mem(image.data(), image.size(), &opts);
  EXPECT_NE(obj, nullptr) << "bpf_object__open_mem(" << name << "): " << std::strerror(errno);
  return ObjectPtr(obj);
}

bpf_map* map_named(bpf_object* obj, const char* name) {
  bpf_map* map = bpf_object__find_map_by_name(obj, name);
  EXPECT_NE(map, nullptr) << "no map " << name;
  return map;
}

// Size of struct NAME as the BPF compiler laid it out (from the object's BTF), -1 when absent.
long btf_struct_size(bpf_object* obj, const char* name) {
  const btf* b = bpf_object__btf(obj);
  int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
  return id < 0 ? -1 : static_cast<long>(btf__type_by_id(b, static_cast<__u32>(id))->size);
}

// Byte offset of member MEMBER of struct NAME in the object's BTF, -1 when absent.
long btf_member_offset(bpf_object* obj, const char* name, const char* member) {
  const btf* b = bpf_object__btf(obj);
  int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
  if (id < 0) return -1;
  const btf_type* t = btf__type_by_id(b, static_cast<__u32>(id));
  const btf_member* m = btf_members(t);
  for (unsigned i = 0; i < btf_vlen(t); ++i, ++m)
    if (std::string(btf__name_by_offset(b, m->name_off)) == member)
      return static_cast<long>(btf_member_bit_offset(t, i) / 8);
  return -1;
}

class GhostbrewObject : public ::testing::Test {
 protected:
  void SetUp() override {
    obj_ = open_embedded(ghostbrew_bpf_object(), "ghostbrew");
    ASSERT_NE(obj_, nullptr);
  }
  /// The object's compiled-in gb_config (.rodata.config's initial value); null, with a failure
  /// recorded, when the map is missing or has another size.
  const gb_config* initial_config() {
    bpf_map* config = map_named(obj_.get(), GB_MAP_CONFIG);
    if (config == nullptr) {
      ADD_FAILURE() << "no map " << GB_MAP_CONFIG;
      return nullptr;
    }
    size_t size = 0;
    const auto* cfg = static_cast<const gb_config*>(bpf_map__initial_value(config, &size));
    if (cfg == nullptr || size != sizeof(gb_config)) {
      ADD_FAILURE() << GB_MAP_CONFIG << ": initial value of " << size << " bytes";
      return nullptr;
    }
    return cfg;
  }
  ObjectPtr obj_;
};

TEST_F(GhostbrewObject, StructOpsMapIsTheGhostbrewOps) {
  bpf_map* ops = map_named(obj_.get(), GB_MAP_OPS);
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(bpf_map__type(ops), BPF_MAP_TYPE_STRUCT_OPS);
  // The ops name the kernel shows in /sys/kernel/sched_ext/root/ops, and the watchdog timeout.
  size_t size = 0;
  const void* data = bpf_map__initial_value(ops, &size);
  ASSERT_NE(data, nullptr);
  const btf* b = bpf_object__btf(obj_.get());
  int id = btf__find_by_name_kind(b, "sched_ext_ops", BTF_KIND_STRUCT);
  ASSERT_GE(id, 0);
  const btf_type* t = btf__type_by_id(b, static_cast<__u32>(id));
  const btf_member* m = btf_members(t);
  std::string name;
  unsigned timeout_ms = 0;
  unsigned long long flags = 0;
  for (unsigned i = 0; i < btf_vlen(t); ++i, ++m) {
    std::string member = btf__name_by_offset(b, m->name_off);
    const char* at = static_cast<const char*>(data) + btf_member_bit_offset(t, i) / 8;
    if (member == "name") name = at;
    if (member == "timeout_ms") std::memcpy(&timeout_ms, at, sizeof(timeout_ms));
    if (member == "flags") std::memcpy(&flags, at, sizeof(flags));
  }
  EXPECT_EQ(name, "ghostbrew");
  EXPECT_EQ(timeout_ms, 5000u);
  // SCX_OPS_ENQ_LAST (2), SCX_OPS_ENQ_EXITING (4) and SCX_OPS_ENQ_MIGRATION_DISABLED (16), nothing
  // else: see the flags paragraph of bpf/ghostbrew.bpf.c.
  EXPECT_EQ(flags, 2u | 4u | 16u);
}

TEST_F(GhostbrewObject, HasEveryCallbackAndEventProgram) {
  struct Expected {
    const char* name;
    bpf_prog_type type;
    const char* section;
  };
  const std::vector<Expected> expected = {
      {"ghostbrew_select_cpu", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_select_cpu"},
      {"ghostbrew_enqueue", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_enqueue"},
      {"ghostbrew_dispatch", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_dispatch"},
      {"ghostbrew_cpu_release", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_cpu_release"},

      {"ghostbrew_running", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_running"},
      {"ghostbrew_stopping", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_stopping"},
      {"ghostbrew_quiescent", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_quiescent"},
      {"ghostbrew_init_task", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_init_task"},
      {"ghostbrew_exit_task", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_exit_task"},
      {"ghostbrew_init", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops.s/ghostbrew_init"},
      {"ghostbrew_exit", BPF_PROG_TYPE_STRUCT_OPS, "struct_ops/ghostbrew_exit"},
      {GB_PROG_EXEC, BPF_PROG_TYPE_TRACING, "tp_btf/sched_process_exec"},
      {GB_PROG_EXIT, BPF_PROG_TYPE_TRACING, "tp_btf/sched_process_exit"},
  };
  for (const auto& e : expected) {
    bpf_program* prog = bpf_object__find_program_by_name(obj_.get(), e.name);
    ASSERT_NE(prog, nullptr) << "no program " << e.name;
    EXPECT_EQ(bpf_program__type(prog), e.type) << e.name;
    EXPECT_STREQ(bpf_program__section_name(prog), e.section) << e.name;
  }
  size_t count = 0;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj_.get())++ count;
  EXPECT_EQ(count, expected.size()) << "a program was added or removed: update this list and the ABI";
}

TEST_F(GhostbrewObject, MapsHaveTheAbiLayouts) {
  struct Expected {
    const char* name;
    bpf_map_type type;
    unsigned key_size;
    unsigned value_size;
  };
  const std::vector<Expected> expected = {
      {GB_MAP_CPU_INFO, BPF_MAP_TYPE_ARRAY, 4, sizeof(gb_cpu_info)},
      {GB_MAP_KNOBS, BPF_MAP_TYPE_ARRAY, 4, sizeof(gb_knobs)},
      {GB_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(gb_stats)},
      {GB_MAP_EXIT_INFO, BPF_MAP_TYPE_ARRAY, 4, sizeof(gb_exit_info)},
      {GB_MAP_TID_CLASS, BPF_MAP_TYPE_HASH, 4, 4},
      {GB_MAP_TGID_CLASS, BPF_MAP_TYPE_HASH, 4, 4},
      {GB_MAP_CGROUP_CLASS, BPF_MAP_TYPE_HASH, 8, 4},
      {GB_MAP_OBSERVATIONS, BPF_MAP_TYPE_LRU_HASH, sizeof(gb_comm_key), sizeof(gb_observation)},
      {GB_MAP_PREDICTIONS, BPF_MAP_TYPE_HASH, sizeof(gb_comm_key), sizeof(gb_prediction)},
      {GB_MAP_HIST, BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(gb_hist)},
      {GB_MAP_FRAMES, BPF_MAP_TYPE_LRU_HASH, 4, sizeof(gb_frame_pace)},
      {GB_MAP_CONFIG, BPF_MAP_TYPE_ARRAY, 4, sizeof(gb_config)},
      {GB_MAP_ABI, BPF_MAP_TYPE_ARRAY, 4, 4},
  };
  for (const auto& e : expected) {
    bpf_map* map = map_named(obj_.get(), e.name);
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(bpf_map__type(map), e.type) << e.name;
    EXPECT_EQ(bpf_map__key_size(map), e.key_size) << e.name;
    EXPECT_EQ(bpf_map__value_size(map), e.value_size) << e.name;
  }
  bpf_map* events = map_named(obj_.get(), GB_MAP_EVENTS);
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(bpf_map__type(events), BPF_MAP_TYPE_RINGBUF);
  EXPECT_EQ(bpf_map__max_entries(events), static_cast<__u32>(GB_EVENTS_RING_BYTES));
  EXPECT_EQ(bpf_map__max_entries(map_named(obj_.get(), GB_MAP_TGID_CLASS)), GB_MAX_CLASS_PIDS);
  EXPECT_EQ(bpf_map__max_entries(map_named(obj_.get(), GB_MAP_CGROUP_CLASS)), GB_MAX_CLASS_CGROUPS);
  EXPECT_EQ(bpf_map__max_entries(map_named(obj_.get(), GB_MAP_FRAMES)), GB_MAX_PACED_GAMES);
  bpf_map* tasks = map_named(obj_.get(), GB_MAP_TASK_CTX);
  ASSERT_NE(tasks, nullptr);
  EXPECT_EQ(bpf_map__type(tasks), BPF_MAP_TYPE_TASK_STORAGE);
}

TEST_F(GhostbrewObject, TopologyMapsAreSizedByTheLoader) {
  // Without a loader they hold one entry (one LLC/CCD/node, CPU 0 described); the loader resizes
  // them before load, which libbpf allows for every one of them.
  for (const char* name : {GB_MAP_CPU_INFO, GB_MAP_LLC_CTX, GB_MAP_CCD_CTX, GB_MAP_NODE_CTX}) {
    bpf_map* map = map_named(obj_.get(), name);
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(bpf_map__type(map), BPF_MAP_TYPE_ARRAY) << name;
    EXPECT_EQ(bpf_map__max_entries(map), 1u) << name;
    EXPECT_EQ(bpf_map__set_max_entries(map, 384), 0) << name;
    EXPECT_EQ(bpf_map__max_entries(map), 384u) << name;
  }
}

TEST_F(GhostbrewObject, ConfigDefaultsAreTheDocumentedOnes) {
  const gb_config* cfg = initial_config();
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(cfg->slice_ns, 5'000'000u);
  EXPECT_EQ(cfg->burst_threshold_ns, 20'000'000u);
  EXPECT_EQ(cfg->interactive_burst_ns, 1'000'000u);
  EXPECT_EQ(cfg->heartbeat_stale_ns, 5'000'000'000u);
  EXPECT_EQ(cfg->xccd_cooldown_ns, 10'000'000u);
  EXPECT_EQ(cfg->max_window_ns, 200'000'000u);
  EXPECT_EQ(cfg->mode, static_cast<__u32>(GB_MODE_AUTO));
  EXPECT_EQ(cfg->nr_llcs, 1u);
  EXPECT_EQ(cfg->nr_ccds, 1u);
  EXPECT_EQ(cfg->nr_nodes, 1u);
  EXPECT_EQ(cfg->xccd_steal_min, 2u);
  // Priority through windows: each class waits no longer than the one after it, all under the cap.
  for (int c = 1; c < GB_NR_CLASSES; ++c)
    EXPECT_LE(cfg->class_window_ns[c - 1], cfg->class_window_ns[c]) << "class " << c;
  EXPECT_LT(cfg->class_window_ns[GB_CLASS_BATCH], cfg->max_window_ns);
}

// The settings table (tuning/settings.hpp) is the one home of the defaults; the object compiles its
// own into .rodata.config (bpf/ghostbrew.bpf.h) and they must not drift apart.
TEST_F(GhostbrewObject, ConfigDefaultsAreTheSettingsTableDefaults) {
  namespace t = ghostbrew::tuning;
  const gb_config* cfg = initial_config();
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(cfg->slice_ns, t::default_value(t::Setting::slice) * 1000);
  EXPECT_EQ(cfg->burst_threshold_ns, t::default_value(t::Setting::burst_threshold) * 1000);
  EXPECT_EQ(cfg->interactive_burst_ns, t::default_value(t::Setting::interactive_burst) * 1000);
  EXPECT_EQ(cfg->class_window_ns[GB_CLASS_GAMING], t::default_value(t::Setting::game_window) * 1000);
  EXPECT_EQ(cfg->heartbeat_stale_ns, t::default_value(t::Setting::heartbeat_stale) * 1'000'000);
  EXPECT_EQ(cfg->mode, static_cast<__u32>(t::kDefaultMode));
  EXPECT_EQ(cfg->wake_chain_hops, t::default_value(t::Setting::wake_chain_hops));
  EXPECT_EQ(cfg->irq_wake_hops, t::default_value(t::Setting::irq_wake_hops));
  EXPECT_EQ(cfg->frame_pacing, t::default_value(t::Setting::frame_pacing));
  // So the loader, given the default options, changes no byte of the object's configuration.
  gb_config applied = *cfg;
  ghostbrew::sched::apply(ghostbrew::sched::Options{}, applied);
  EXPECT_EQ(std::memcmp(&applied, cfg, sizeof applied), 0);
}

TEST_F(GhostbrewObject, ConfigIsWritableBeforeLoad) {
  bpf_map* config = map_named(obj_.get(), GB_MAP_CONFIG);
  ASSERT_NE(config, nullptr);
  size_t size = 0;
  auto* cfg = static_cast<gb_config*>(bpf_map__initial_value(config, &size));
  ASSERT_NE(cfg, nullptr);
  cfg->nr_llcs = 4;
  cfg->mode = GB_MODE_GAMING;
  const auto* again = static_cast<const gb_config*>(bpf_map__initial_value(config, &size));
  EXPECT_EQ(again->nr_llcs, 4u);
  EXPECT_EQ(again->mode, static_cast<__u32>(GB_MODE_GAMING));
}

TEST_F(GhostbrewObject, BpfCompilerLaysOutTheAbiLikeCpp) {
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_config"), static_cast<long>(sizeof(gb_config)));
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_cpu_info"), static_cast<long>(sizeof(gb_cpu_info)));
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_knobs"), static_cast<long>(sizeof(gb_knobs)));
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_stats"), static_cast<long>(sizeof(gb_stats)));
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_event"), static_cast<long>(sizeof(gb_event)));
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_exit_info"), static_cast<long>(sizeof(gb_exit_info)));
  EXPECT_EQ(btf_struct_size(obj_.get(), "gb_frame_pace"), static_cast<long>(sizeof(gb_frame_pace)));
#define GB_EXPECT_OFFSET(type, member)                                                                \
  EXPECT_EQ(btf_member_offset(obj_.get(), #type, #member), static_cast<long>(offsetof(type, member))) \
      << #type "." #member
  GB_EXPECT_OFFSET(gb_config, class_window_ns);
  GB_EXPECT_OFFSET(gb_config, mode);
  GB_EXPECT_OFFSET(gb_config, nr_llcs);
  GB_EXPECT_OFFSET(gb_config, xccd_steal_min);
  GB_EXPECT_OFFSET(gb_config, irq_wake_hops);
  GB_EXPECT_OFFSET(gb_config, frame_pacing);
  GB_EXPECT_OFFSET(gb_cpu_info, smt_sibling);
  GB_EXPECT_OFFSET(gb_cpu_info, flags);
  GB_EXPECT_OFFSET(gb_cpu_info, type);
  GB_EXPECT_OFFSET(gb_knobs, generation);
  GB_EXPECT_OFFSET(gb_stats, direct_dispatches);
  GB_EXPECT_OFFSET(gb_stats, ringbuf_drops);
  GB_EXPECT_OFFSET(gb_stats, stale_heartbeat);
  GB_EXPECT_OFFSET(gb_event, cgroup_id);
  GB_EXPECT_OFFSET(gb_event, comm);
  GB_EXPECT_OFFSET(gb_exit_info, exit_code);
  GB_EXPECT_OFFSET(gb_exit_info, msg);
  GB_EXPECT_OFFSET(gb_frame_pace, frames);
  GB_EXPECT_OFFSET(gb_frame_pace, comm);
#undef GB_EXPECT_OFFSET
}

TEST(RefschedObject, IsAMinimalStructOpsScheduler) {
  ObjectPtr obj = open_embedded(refsched_bpf_object(), "refsched");
  ASSERT_NE(obj, nullptr);
  bpf_map* ops = map_named(obj.get(), "refsched_ops");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(bpf_map__type(ops), BPF_MAP_TYPE_STRUCT_OPS);
  for (const char* name : {"refsched_select_cpu", "refsched_enqueue", "refsched_dispatch", "refsched_running",
                           "refsched_stopping", "refsched_enable", "refsched_init"}) {
    bpf_program* prog = bpf_object__find_program_by_name(obj.get(), name);
    ASSERT_NE(prog, nullptr) << "no program " << name;
    EXPECT_EQ(bpf_program__type(prog), BPF_PROG_TYPE_STRUCT_OPS) << name;
  }
  bpf_map* stats = map_named(obj.get(), "stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(bpf_map__type(stats), BPF_MAP_TYPE_PERCPU_ARRAY);
}

}  // namespace
