// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The exec/exit event stream of ghostbrew.bpf.c on the host kernel (label bpf: needs root). The host
// has no sched_ext, so the object is loaded without its struct_ops map and callbacks: what runs is
// the real tp_btf programs writing the real ring buffer, observed from a real fork + exec.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ghostbrew/bpf/abi.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ghostbrew_bpfobj.h"

namespace {

struct ObjectCloser {
  void operator()(bpf_object* obj) const { bpf_object__close(obj); }
};
struct RingCloser {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};
struct LinkCloser {
  void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};

// The object with everything sched_ext-only switched off, loaded, its event programs attached.
class GhostbrewEventStream : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for BPF";
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "ghostbrew");
    auto image = ghostbrew_bpf_object();
    obj_.reset(bpf_object__open_mem(image.data(), image.size(), &opts));
    ASSERT_NE(obj_, nullptr) << std::strerror(errno);
    bpf_map* ops = bpf_object__find_map_by_name(obj_.get(), GB_MAP_OPS);
    ASSERT_NE(ops, nullptr);
    ASSERT_EQ(bpf_map__set_autocreate(ops, false), 0);
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj_.get()) {
      if (bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS) {
        ASSERT_EQ(bpf_program__set_autoload(prog, false), 0);
      }
    }
    if (ring_bytes_) {
      ASSERT_EQ(
          bpf_map__set_max_entries(bpf_object__find_map_by_name(obj_.get(), GB_MAP_EVENTS), ring_bytes_), 0);
    }
    ASSERT_EQ(bpf_object__load(obj_.get()), 0) << "load: " << std::strerror(errno);
    for (const char* name : {GB_PROG_EXEC, GB_PROG_EXIT}) {
      bpf_link* link = bpf_program__attach(bpf_object__find_program_by_name(obj_.get(), name));
      ASSERT_NE(link, nullptr) << "attach " << name << ": " << std::strerror(errno);
      links_.emplace_back(link);
    }
  }

  int map_fd(const char* name) { return bpf_map__fd(bpf_object__find_map_by_name(obj_.get(), name)); }

  // Forks a child that execs /bin/true; returns its pid once it has been reaped.
  static pid_t run_true() {
    pid_t child = fork();
    if (child == 0) {
      execl("/bin/true", "true", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return child;
  }

  // Like run_true(), but the child is put in tgid_class (as the daemon does with what it classifies)
  // before it execs and exits.
  pid_t run_true_classified() {
    int go[2];
    EXPECT_EQ(pipe(go), 0);
    pid_t child = fork();
    if (child == 0) {
      char c = 0;
      close(go[1]);
      if (read(go[0], &c, 1) != 1) _exit(126);
      execl("/bin/true", "true", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(go[0]);
    const __u32 key = static_cast<__u32>(child), cls = GB_CLASS_GAMING;
    EXPECT_EQ(bpf_map_update_elem(map_fd(GB_MAP_TGID_CLASS), &key, &cls, BPF_ANY), 0) << std::strerror(errno);
    EXPECT_EQ(write(go[1], "x", 1), 1);
    close(go[1]);
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return child;
  }

  // The events of `pid` that arrive within `wait`.
  std::vector<gb_event> events_of(ring_buffer* rb, std::vector<gb_event>& events, pid_t pid,
                                  std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) ring_buffer__poll(rb, 50);
    std::vector<gb_event> out;
    for (const auto& e : events)
      if (e.pid == static_cast<__u32>(pid)) out.push_back(e);
    return out;
  }

  __u32 ring_bytes_ = 0;
  std::unique_ptr<bpf_object, ObjectCloser> obj_;
  std::vector<std::unique_ptr<bpf_link, LinkCloser>> links_;
};

int collect(void* ctx, void* data, size_t size) {
  if (size >= sizeof(gb_event)) {
    gb_event e{};
    std::memcpy(&e, data, sizeof(e));
    static_cast<std::vector<gb_event>*>(ctx)->push_back(e);
  }
  return 0;
}

// The cgroup v2 id of this process: the inode of its cgroup directory under the cgroup2 mount,
// 0 when there is no cgroup2 mount.
__u64 own_cgroup_id() {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line, mount_point;
  while (std::getline(mounts, line)) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string id, parent, dev, root;
    fields >> id >> parent >> dev >> root >> mount_point;
    break;
  }
  std::ifstream cgroup("/proc/self/cgroup");
  std::string path;
  while (std::getline(cgroup, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  struct stat st {};
  if (mount_point.empty() || path.empty() || stat((mount_point + path).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

TEST_F(GhostbrewEventStream, ExecAndExitOfAClassifiedChildAreReported) {
  std::vector<gb_event> events;
  std::unique_ptr<ring_buffer, RingCloser> rb(
      ring_buffer__new(map_fd(GB_MAP_EVENTS), collect, &events, nullptr));
  ASSERT_NE(rb, nullptr);
  const pid_t child = run_true_classified();

  const gb_event* exec = nullptr;
  const gb_event* exit = nullptr;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((!exec || !exit) && std::chrono::steady_clock::now() < deadline) {
    ring_buffer__poll(rb.get(), 100);
    for (const auto& e : events) {
      if (e.pid != static_cast<__u32>(child)) continue;
      if (e.kind == GB_EVENT_EXEC) exec = &e;
      if (e.kind == GB_EVENT_EXIT) exit = &e;
    }
  }
  ASSERT_NE(exec, nullptr) << "no exec event for pid " << child << " among " << events.size();
  ASSERT_NE(exit, nullptr) << "no exit event for pid " << child << " among " << events.size();
  EXPECT_EQ(exec->tgid, static_cast<__u32>(child));
  EXPECT_EQ(exec->ppid, static_cast<__u32>(getpid()));
  EXPECT_STREQ(exec->comm, "true");  // the new comm: the event comes after the exec
  EXPECT_STREQ(exit->comm, "true");
  EXPECT_LE(exec->timestamp_ns, exit->timestamp_ns);
  if (__u64 cgid = own_cgroup_id()) {
    EXPECT_EQ(exec->cgroup_id, cgid) << "the child runs in our cgroup";
  }
  EXPECT_NE(exec->cgroup_id, 0u);
}

// A build's thousands of exits must not wake the daemon: only the exec of an unclassified child.
TEST_F(GhostbrewEventStream, ExitOfAnUnclassifiedChildIsNotReported) {
  std::vector<gb_event> events;
  std::unique_ptr<ring_buffer, RingCloser> rb(
      ring_buffer__new(map_fd(GB_MAP_EVENTS), collect, &events, nullptr));
  ASSERT_NE(rb, nullptr);
  const pid_t child = run_true();
  const auto mine = events_of(rb.get(), events, child, std::chrono::milliseconds(500));
  ASSERT_EQ(mine.size(), 1U) << "events for pid " << child;
  EXPECT_EQ(mine[0].kind, static_cast<__u32>(GB_EVENT_EXEC));
}

TEST_F(GhostbrewEventStream, ThreadExitsAreNotReported) {
  std::vector<gb_event> events;
  std::unique_ptr<ring_buffer, RingCloser> rb(
      ring_buffer__new(map_fd(GB_MAP_EVENTS), collect, &events, nullptr));
  ASSERT_NE(rb, nullptr);
  pid_t tid = 0;
  std::thread([&] { tid = gettid(); }).join();
  ring_buffer__poll(rb.get(), 200);
  for (const auto& e : events)
    EXPECT_FALSE(e.kind == GB_EVENT_EXIT && e.pid == static_cast<__u32>(tid)) << "thread " << tid;
}

class GhostbrewFullEventStream : public GhostbrewEventStream {
 protected:
  void SetUp() override {
    ring_bytes_ = static_cast<__u32>(sysconf(_SC_PAGESIZE));  // room for ~70 events
    GhostbrewEventStream::SetUp();
  }
};

TEST_F(GhostbrewFullEventStream, EventsThatDoNotFitAreCountedAsDrops) {
  // Nobody consumes: 200 execs (their exits are not sent: nothing classified them) overflow a
  // one-page ring.
  for (int i = 0; i < 200; ++i) run_true();
  const int ncpus = libbpf_num_possible_cpus();
  ASSERT_GT(ncpus, 0);
  std::vector<gb_stats> per_cpu(static_cast<size_t>(ncpus));
  __u32 key = 0;
  ASSERT_EQ(bpf_map_lookup_elem(map_fd(GB_MAP_STATS), &key, per_cpu.data()), 0) << std::strerror(errno);
  __u64 drops = 0;
  for (const auto& s : per_cpu) drops += s.ringbuf_drops;
  // 200 events of 56 bytes (48 + an 8-byte header) into 4096 bytes: at least 200 - 73 are lost.
  EXPECT_GE(drops, 120u);
}

}  // namespace
