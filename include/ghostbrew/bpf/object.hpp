// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Object: an owned libbpf bpf_object opened from an ELF image embedded in the executable, with
// checked access to its programs, maps and global variables (.rodata tunables, .bss/.data counters).
#pragma once

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/bpf/detail/errno_text.hpp"
#include "ghostbrew/bpf/link.hpp"
#include "ghostbrew/bpf/log.hpp"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::bpf {

namespace detail {

/// How many verifier/libbpf log lines a failed Object::load() carries in its Error.
inline constexpr std::size_t load_log_lines = 30;

struct ObjectCloser {
  void operator()(bpf_object* obj) const noexcept { bpf_object__close(obj); }
};

struct Unmapper {
  std::size_t size = 0;
  void operator()(std::byte* p) const noexcept { ::munmap(p, size); }
};

/// Our own mapping of a global-data map (.bss/.data/.rodata) after load: the kernel's memory.
struct SectionMapping {
  const bpf_map* map = nullptr;
  std::unique_ptr<std::byte, Unmapper> mem;
  std::size_t size = 0;
  bool read_only = false;
};

/// One global variable found through the object's BTF.
struct GlobalVar {
  std::byte* data = nullptr;  // its first byte in the section's memory
  std::size_t size = 0;       // its BTF size
  std::uint32_t type_id = 0;  // its BTF type
  bool read_only = false;     // .rodata after load: the kernel froze it
};

/// "; libbpf said:\n<last n lines>" or "" when nothing was logged.
inline std::string log_suffix(const LogCapture& log, std::size_t n) {
  return log.empty() ? std::string() : fmt::format("; libbpf said:\n{}", log.tail_text(n));
}

}  // namespace detail

/// A BPF object (programs, maps, global data) opened from memory, owned: move-only, closed on
/// destruction. Lifecycle: open() -> set tunables/max_entries/autoload -> load() -> attach/run.
/// Maps, ring buffers and links made from an Object must not outlive it.
class Object {
 public:
  /// Opens the ELF image `elf` (e.g. `NAME_bpf_object()` from ghostbrew_add_bpf_object) under
  /// `name`, which names the object in every error. `elf` must stay valid until load() returns.
  static Result<Object> open(std::span<const std::byte> elf, std::string name) {
    install_libbpf_log();
    const LogCapture log;
    bpf_object_open_opts opts;
    std::memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    opts.object_name = name.c_str();
    errno = 0;
    bpf_object* obj = bpf_object__open_mem(elf.data(), elf.size(), &opts);
    if (obj == nullptr) {
      const int err = errno != 0 ? errno : EINVAL;
      return fail(describe(name), "open failed ({} bytes of ELF): {}{}", elf.size(), detail::errno_text(err),
                  detail::log_suffix(log, 5));
    }
    return Object(obj, std::move(name));
  }

  /// Loads every program (autoload on) and creates every map in the kernel. On failure the Error
  /// carries the last lines of the verifier/libbpf log. An object loads at most once.
  Result<void> load() {
    if (state_ != State::opened)
      return fail(where(), "{}",
                  state_ == State::loaded ? "already loaded" : "an earlier load failed; open it again");
    const LogCapture log(400);
    const int err = bpf_object__load(obj_.get());
    if (err != 0) {
      state_ = State::failed;
      return fail(where(), "load failed: {}{}", detail::errno_text(err),
                  detail::log_suffix(log, detail::load_log_lines));
    }
    state_ = State::loaded;
    return {};
  }

  /// True once load() succeeded.
  [[nodiscard]] bool loaded() const noexcept { return state_ == State::loaded; }
  /// The name given to open().
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The libbpf object, still owned by this Object.
  [[nodiscard]] bpf_object* raw() const noexcept { return obj_.get(); }

  /// "bpf object 'NAME'": how errors name this object.
  [[nodiscard]] std::string where() const { return describe(name_); }
  /// "bpf object 'NAME' map 'MAP'".
  [[nodiscard]] std::string map_where(std::string_view map) const {
    return fmt::format("{} map '{}'", where(), map);
  }
  /// "bpf object 'NAME' prog 'PROG'".
  [[nodiscard]] std::string prog_where(std::string_view prog) const {
    return fmt::format("{} prog '{}'", where(), prog);
  }

  /// The map called `map` (a ".maps" name, or a section such as ".bss" / ".rodata").
  [[nodiscard]] Result<bpf_map*> find_map(std::string_view map) const {
    bpf_map* m = bpf_object__find_map_by_name(obj_.get(), std::string(map).c_str());
    if (m == nullptr) return fail(map_where(map), "no such map in the object");
    return m;
  }

  /// The program whose function is called `prog`.
  [[nodiscard]] Result<bpf_program*> find_program(std::string_view prog) const {
    bpf_program* p = bpf_object__find_program_by_name(obj_.get(), std::string(prog).c_str());
    if (p == nullptr) return fail(prog_where(prog), "no such program in the object");
    return p;
  }

  /// Sets a map's max_entries; only before load().
  Result<void> set_max_entries(std::string_view map, std::uint32_t n) {
    auto m = find_map(map);
    if (!m) return tl::unexpected(m.error());
    if (state_ != State::opened) return fail(map_where(map), "max_entries can only be set before load");
    const int err = bpf_map__set_max_entries(*m, n);
    if (err != 0) return fail(map_where(map), "set max_entries {}: {}", n, detail::errno_text(err));
    return {};
  }

  /// Whether load() loads `prog` (default true); only before load().
  Result<void> set_autoload(std::string_view prog, bool on) {
    auto p = find_program(prog);
    if (!p) return tl::unexpected(p.error());
    const int err = bpf_program__set_autoload(*p, on);
    if (err != 0) return fail(prog_where(prog), "set autoload: {}", detail::errno_text(err));
    return {};
  }

  /// Whether libbpf's automatic attachment (bpf_object__attach_skeleton and friends) includes `prog`.
  Result<void> set_autoattach(std::string_view prog, bool on) {
    auto p = find_program(prog);
    if (!p) return tl::unexpected(p.error());
    bpf_program__set_autoattach(*p, on);
    return {};
  }

  /// A pointer to global variable `var` of data section `section` (".rodata", ".bss", ".data", or
  /// a named one like ".data.stats"), checked against the variable's BTF size: sizeof(T) must equal
  /// it (for an array variable, T is the whole array type, e.g. `std::uint32_t[4]`).
  /// Before load the pointer is the initial value (set .rodata tunables there); after load it is
  /// the kernel's memory (read .bss/.data counters), valid while the Object lives. After load,
  /// .rodata is frozen: ask for `const T`.
  template <class T>
  Result<T*> global(std::string_view section, std::string_view var) {
    static_assert(std::is_trivially_copyable_v<T>,
                  "a BPF global is plain bytes: T must be trivially copyable");
    auto g = locate_global(section, var);
    if (!g) return tl::unexpected(g.error());
    if (g->size != sizeof(T))
      return fail(global_where(section, var), "is {} bytes in BTF, the C++ type is {} bytes", g->size,
                  sizeof(T));
    if (g->read_only && !std::is_const_v<T>)
      return fail(global_where(section, var), "is read-only after load: ask for a const type");
    return reinterpret_cast<T*>(g->data);
  }

  /// The elements of array variable `var` of `section` as a span; the BTF element size must equal
  /// sizeof(U). Same before/after load rules as global().
  template <class U>
  Result<std::span<U>> global_array(std::string_view section, std::string_view var) {
    static_assert(std::is_trivially_copyable_v<U>,
                  "a BPF global is plain bytes: U must be trivially copyable");
    auto g = locate_global(section, var);
    if (!g) return tl::unexpected(g.error());
    const btf* b = bpf_object__btf(obj_.get());
    const int resolved = btf__resolve_type(b, g->type_id);
    const btf_type* t = resolved > 0 ? btf__type_by_id(b, static_cast<std::uint32_t>(resolved)) : nullptr;
    if (t == nullptr || !btf_is_array(t)) return fail(global_where(section, var), "is not an array in BTF");
    const long long elem = btf__resolve_size(b, btf_array(t)->type);
    if (elem != static_cast<long long>(sizeof(U)))
      return fail(global_where(section, var), "has {}-byte elements in BTF, the C++ type is {} bytes", elem,
                  sizeof(U));
    if (g->read_only && !std::is_const_v<U>)
      return fail(global_where(section, var), "is read-only after load: ask for a const element type");
    return std::span<U>(reinterpret_cast<U*>(g->data), g->size / sizeof(U));
  }

  /// Attaches `prog` the way its SEC() says (bpf_program__attach); after load().
  Result<Link> attach(std::string_view prog) {
    auto p = find_program(prog);
    if (!p) return tl::unexpected(p.error());
    if (state_ != State::loaded) return fail(prog_where(prog), "cannot attach before the object is loaded");
    const LogCapture log;
    errno = 0;
    bpf_link* link = bpf_program__attach(*p);
    if (link == nullptr)
      return fail(prog_where(prog), "attach failed: {}{}", detail::errno_text(errno != 0 ? errno : EINVAL),
                  detail::log_suffix(log, 5));
    return Link(link, prog_where(prog));
  }

  /// Registers struct_ops map `map` (e.g. a sched_ext_ops) with the kernel; after load(). The
  /// returned Link unregisters it when detached or destroyed (for .struct_ops.link maps).
  Result<Link> attach_struct_ops(std::string_view map) {
    auto m = find_map(map);
    if (!m) return tl::unexpected(m.error());
    if (bpf_map__type(*m) != BPF_MAP_TYPE_STRUCT_OPS)
      return fail(map_where(map), "is a {} map, not struct_ops", type_name(bpf_map__type(*m)));
    if (state_ != State::loaded) return fail(map_where(map), "cannot attach before the object is loaded");
    const LogCapture log;
    errno = 0;
    bpf_link* link = bpf_map__attach_struct_ops(*m);
    if (link == nullptr)
      return fail(map_where(map), "struct_ops attach failed: {}{}",
                  detail::errno_text(errno != 0 ? errno : EINVAL), detail::log_suffix(log, 5));
    return Link(link, map_where(map));
  }

  /// Runs program `prog` once with BPF_PROG_TEST_RUN and no context (SEC("syscall") programs);
  /// returns the program's return value.
  Result<int> run(std::string_view prog) { return run_raw(prog, nullptr, 0); }

  /// Runs `prog` once with `ctx` as its context; for SEC("syscall") programs the kernel copies the
  /// context back, so the program can return data through it.
  template <class Ctx>
  Result<int> run(std::string_view prog, Ctx& ctx) {
    static_assert(std::is_trivially_copyable_v<Ctx>, "a program context is plain bytes");
    return run_raw(prog, &ctx, sizeof(Ctx));
  }

  /// libbpf's name for a map type ("hash", "ringbuf", ...).
  [[nodiscard]] static std::string type_name(bpf_map_type type) {
    const char* s = libbpf_bpf_map_type_str(type);
    return s != nullptr ? s : fmt::format("type {}", static_cast<int>(type));
  }

 private:
  enum class State { opened, loaded, failed };

  Object(bpf_object* obj, std::string name) : obj_(obj), name_(std::move(name)) {}

  static std::string describe(std::string_view name) { return fmt::format("bpf object '{}'", name); }
  [[nodiscard]] std::string global_where(std::string_view section, std::string_view var) const {
    return fmt::format("{} global '{}' in '{}'", where(), var, section);
  }

  Result<int> run_raw(std::string_view prog, void* ctx, std::size_t ctx_size) {
    auto p = find_program(prog);
    if (!p) return tl::unexpected(p.error());
    const int fd = bpf_program__fd(*p);
    if (fd < 0) return fail(prog_where(prog), "not loaded (load the object first; is autoload off?)");
    bpf_test_run_opts opts;
    std::memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    opts.ctx_in = ctx;
    opts.ctx_size_in = static_cast<std::uint32_t>(ctx_size);
    const int err = bpf_prog_test_run_opts(fd, &opts);
    if (err != 0)
      return fail(prog_where(prog), "test run failed: {}", detail::errno_text(err != -1 ? err : errno));
    return static_cast<int>(opts.retval);
  }

  // After load, global() reaches the kernel's memory through our own mapping of the section's map
  // (made on first use), whatever the libbpf version does with its initial-value buffer.
  Result<const detail::SectionMapping*> section_mapping(bpf_map* m) {
    for (const auto& mapping : mappings_) {
      if (mapping.map == m) return &mapping;
    }
    if (bpf_map__type(m) != BPF_MAP_TYPE_ARRAY || (bpf_map__map_flags(m) & BPF_F_MMAPABLE) == 0)
      return fail(map_where(bpf_map__name(m)), "is not memory-mappable after load (no BPF_F_MMAPABLE)");
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t size = bpf_map__value_size(m);
    const std::size_t len = (size + page - 1) / page * page;
    const bool read_only = (bpf_map__map_flags(m) & BPF_F_RDONLY_PROG) != 0;
    void* p =
        ::mmap(nullptr, len, read_only ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
    if (p == MAP_FAILED)
      return fail(map_where(bpf_map__name(m)), "mmap of global data failed: {}", detail::errno_text(errno));
    mappings_.push_back(detail::SectionMapping{
        m, std::unique_ptr<std::byte, detail::Unmapper>(static_cast<std::byte*>(p), detail::Unmapper{len}),
        size, read_only});
    return &mappings_.back();
  }

  Result<detail::GlobalVar> locate_global(std::string_view section, std::string_view var) {
    if (section.empty() || section.front() != '.')
      return fail(global_where(section, var), "a data section name starts with '.' (\".bss\", \".rodata\")");
    auto m = find_map(section);
    if (!m) return tl::unexpected(m.error());
    const btf* b = bpf_object__btf(obj_.get());
    if (b == nullptr) return fail(global_where(section, var), "the object has no BTF (compile with -g)");
    const int sec_id = btf__find_by_name_kind(b, std::string(section).c_str(), BTF_KIND_DATASEC);
    if (sec_id < 0) return fail(global_where(section, var), "no BTF data section '{}'", section);
    const btf_type* sec = btf__type_by_id(b, static_cast<std::uint32_t>(sec_id));
    const btf_var_secinfo* info = btf_var_secinfos(sec);
    for (std::uint16_t i = 0; i < btf_vlen(sec); ++i) {
      const btf_type* v = btf__type_by_id(b, info[i].type);
      if (v == nullptr || var != btf__name_by_offset(b, v->name_off)) continue;
      std::byte* base = nullptr;
      std::size_t size = 0;
      bool read_only = false;
      if (state_ == State::loaded) {
        auto mapping = section_mapping(*m);
        if (!mapping) return tl::unexpected(mapping.error());
        base = (*mapping)->mem.get();
        size = (*mapping)->size;
        read_only = (*mapping)->read_only;
      } else {
        base = static_cast<std::byte*>(bpf_map__initial_value(*m, &size));
        if (base == nullptr) return fail(global_where(section, var), "section has no initial-value memory");
      }
      if (std::size_t{info[i].offset} + info[i].size > size)
        return fail(global_where(section, var), "lies outside its section ({} + {} > {} bytes)",
                    info[i].offset, info[i].size, size);
      return detail::GlobalVar{base + info[i].offset, info[i].size, v->type, read_only};
    }
    return fail(global_where(section, var), "no such variable in the section");
  }

  std::unique_ptr<bpf_object, detail::ObjectCloser> obj_;
  std::string name_;
  State state_ = State::opened;
  std::vector<detail::SectionMapping> mappings_;
};

}  // namespace ghostbrew::bpf
