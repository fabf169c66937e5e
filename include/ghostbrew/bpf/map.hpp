// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Typed views of an Object's maps: HashMap<K,V>, LruHashMap<K,V>, ArrayMap<V>, PerCpuArray<V>.
// from() checks the map's type and its key/value sizes against the C++ types (works before load);
// element operations need the loaded map and return errors as values (an absent key is not an error).
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/bpf/detail/errno_text.hpp"
#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::bpf {

/// How update() treats the key's current presence.
enum class UpdateFlag : std::uint64_t {
  any = BPF_ANY,           ///< create or replace
  no_exist = BPF_NOEXIST,  ///< create only: an existing key is an error
  exist = BPF_EXIST,       ///< replace only: a missing key is an error
};

namespace detail {

/// One map of an Object, checked against the sizes the C++ side uses; untyped element operations.
class MapView {
 public:
  /// Checks that map `name` of `obj` is a `type` map with `key_size`-byte keys and `value_size`-byte
  /// values (as the map definition / BTF says).
  static Result<MapView> bind(Object& obj, std::string_view name, bpf_map_type type, std::size_t key_size,
                              std::size_t value_size) {
    auto m = obj.find_map(name);
    if (!m) return tl::unexpected(m.error());
    std::string where = obj.map_where(name);
    if (bpf_map__type(*m) != type)
      return fail(std::move(where), "is a {} map, the C++ type expects {}",
                  Object::type_name(bpf_map__type(*m)), Object::type_name(type));
    if (bpf_map__key_size(*m) != key_size)
      return fail(std::move(where), "key is {} bytes in the map, {} bytes in the C++ type",
                  bpf_map__key_size(*m), key_size);
    if (bpf_map__value_size(*m) != value_size)
      return fail(std::move(where), "value is {} bytes in the map, {} bytes in the C++ type",
                  bpf_map__value_size(*m), value_size);
    return MapView(*m, std::move(where));
  }

  /// The map's fd, or an error when the object is not loaded yet.
  [[nodiscard]] Result<int> fd() const {
    const int fd = bpf_map__fd(map_);
    if (fd < 0) return fail(where_, "not created yet: load the object first");
    return fd;
  }

  Result<void> update(const void* key, const void* value, UpdateFlag flag) const {
    auto f = fd();
    if (!f) return tl::unexpected(f.error());
    const int err = bpf_map_update_elem(*f, key, value, static_cast<std::uint64_t>(flag));
    if (err != 0) return fail(where_, "update failed: {}", errno_text(err));
    return {};
  }

  /// True and `value` filled when the key is present; false when absent.
  Result<bool> lookup(const void* key, void* value) const {
    auto f = fd();
    if (!f) return tl::unexpected(f.error());
    const int err = bpf_map_lookup_elem(*f, key, value);
    if (err == -ENOENT) return false;
    if (err != 0) return fail(where_, "lookup failed: {}", errno_text(err));
    return true;
  }

  /// True when the key was deleted, false when it was absent.
  Result<bool> erase(const void* key) const {
    auto f = fd();
    if (!f) return tl::unexpected(f.error());
    const int err = bpf_map_delete_elem(*f, key);
    if (err == -ENOENT) return false;
    if (err != 0) return fail(where_, "delete failed: {}", errno_text(err));
    return true;
  }

  /// Every key, in the kernel's iteration order (a snapshot; at most max_entries keys).
  template <class K>
  Result<std::vector<K>> keys() const {
    auto f = fd();
    if (!f) return tl::unexpected(f.error());
    std::vector<K> out;
    K key{};
    const K* prev = nullptr;
    while (out.size() < max_entries()) {
      const int err = bpf_map_get_next_key(*f, prev, &key);
      if (err == -ENOENT) break;
      if (err != 0) return fail(where_, "key iteration failed: {}", errno_text(err));
      out.push_back(key);
      prev = &out.back();
    }
    return out;
  }

  [[nodiscard]] std::uint32_t max_entries() const { return bpf_map__max_entries(map_); }
  [[nodiscard]] bpf_map* raw() const noexcept { return map_; }
  [[nodiscard]] const std::string& where() const noexcept { return where_; }

 private:
  MapView(bpf_map* map, std::string where) : map_(map), where_(std::move(where)) {}
  bpf_map* map_;
  std::string where_;
};

/// The number of possible CPUs: the slot count of every per-CPU map value.
inline Result<std::size_t> possible_cpus() {
  const int n = libbpf_num_possible_cpus();
  if (n <= 0)
    return fail("/sys/devices/system/cpu/possible", "cannot count possible CPUs: {}", errno_text(n));
  return static_cast<std::size_t>(n);
}

}  // namespace detail

/// A BPF hash map (`Type` BPF_MAP_TYPE_HASH or BPF_MAP_TYPE_LRU_HASH) with keys K and values V.
/// Use the aliases HashMap and LruHashMap. Does not own the map: must not outlive its Object.
template <class K, class V, bpf_map_type Type>
class BasicHashMap {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>,
                "BPF map keys and values are plain bytes");

 public:
  /// Binds map `name` of `obj`, checking its type and key/value sizes (before or after load).
  static Result<BasicHashMap> from(Object& obj, std::string_view name) {
    auto view = detail::MapView::bind(obj, name, Type, sizeof(K), sizeof(V));
    if (!view) return tl::unexpected(view.error());
    return BasicHashMap(std::move(*view));
  }

  /// Sets `key` to `value` (a full plain hash map refuses new keys; an LRU map evicts).
  Result<void> update(const K& key, const V& value, UpdateFlag flag = UpdateFlag::any) {
    return view_.update(&key, &value, flag);
  }
  /// The value of `key`, or nullopt when absent.
  Result<std::optional<V>> lookup(const K& key) const {
    V value{};
    auto found = view_.lookup(&key, &value);
    if (!found) return tl::unexpected(found.error());
    return *found ? std::optional<V>(value) : std::nullopt;
  }
  /// Deletes `key`: true when it was present, false when absent.
  Result<bool> erase(const K& key) { return view_.erase(&key); }
  /// A snapshot of the keys.
  Result<std::vector<K>> keys() const { return view_.template keys<K>(); }

  [[nodiscard]] std::uint32_t max_entries() const { return view_.max_entries(); }
  [[nodiscard]] bpf_map* raw() const noexcept { return view_.raw(); }

 private:
  explicit BasicHashMap(detail::MapView view) : view_(std::move(view)) {}
  detail::MapView view_;
};

/// BPF_MAP_TYPE_HASH with keys K and values V.
template <class K, class V>
using HashMap = BasicHashMap<K, V, BPF_MAP_TYPE_HASH>;
/// BPF_MAP_TYPE_LRU_HASH with keys K and values V: when full, an update evicts a least recently
/// used entry instead of failing.
template <class K, class V>
using LruHashMap = BasicHashMap<K, V, BPF_MAP_TYPE_LRU_HASH>;

/// A BPF_MAP_TYPE_ARRAY of V, indexed by std::uint32_t. Does not own the map.
template <class V>
class ArrayMap {
  static_assert(std::is_trivially_copyable_v<V>, "BPF map values are plain bytes");

 public:
  /// Binds map `name` of `obj`, checking its type and value size (before or after load).
  static Result<ArrayMap> from(Object& obj, std::string_view name) {
    auto view = detail::MapView::bind(obj, name, BPF_MAP_TYPE_ARRAY, sizeof(std::uint32_t), sizeof(V));
    if (!view) return tl::unexpected(view.error());
    return ArrayMap(std::move(*view));
  }

  /// Sets element `index` (an index >= size() is an error).
  Result<void> update(std::uint32_t index, const V& value, UpdateFlag flag = UpdateFlag::any) {
    return view_.update(&index, &value, flag);
  }
  /// Element `index`, or nullopt when the index is out of range.
  Result<std::optional<V>> lookup(std::uint32_t index) const {
    V value{};
    auto found = view_.lookup(&index, &value);
    if (!found) return tl::unexpected(found.error());
    return *found ? std::optional<V>(value) : std::nullopt;
  }
  /// Every element, index 0 first.
  Result<std::vector<V>> values() const {
    std::vector<V> out(size());
    for (std::uint32_t i = 0; i < out.size(); ++i) {
      auto found = view_.lookup(&i, &out[i]);
      if (!found) return tl::unexpected(found.error());
    }
    return out;
  }

  /// The number of elements (max_entries).
  [[nodiscard]] std::uint32_t size() const { return view_.max_entries(); }
  [[nodiscard]] bpf_map* raw() const noexcept { return view_.raw(); }

 private:
  explicit ArrayMap(detail::MapView view) : view_(std::move(view)) {}
  detail::MapView view_;
};

/// A BPF_MAP_TYPE_PERCPU_ARRAY of V: each element holds one V per possible CPU. Does not own the map.
template <class V>
class PerCpuArray {
  static_assert(std::is_trivially_copyable_v<V>, "BPF map values are plain bytes");

 public:
  /// Binds map `name` of `obj`, checking its type and value size (before or after load).
  static Result<PerCpuArray> from(Object& obj, std::string_view name) {
    auto view = detail::MapView::bind(obj, name, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(std::uint32_t), sizeof(V));
    if (!view) return tl::unexpected(view.error());
    auto cpus = detail::possible_cpus();
    if (!cpus) return tl::unexpected(cpus.error());
    return PerCpuArray(std::move(*view), *cpus);
  }

  /// Element `index` on every possible CPU (CPU 0 first; size() == cpus()).
  Result<std::vector<V>> lookup_all(std::uint32_t index) const {
    std::vector<std::byte> buf(stride() * cpus_);
    auto found = view_.lookup(&index, buf.data());
    if (!found) return tl::unexpected(found.error());
    if (!*found) return fail(view_.where(), "index {} out of range (size {})", index, size());
    std::vector<V> out(cpus_);
    for (std::size_t cpu = 0; cpu < cpus_; ++cpu)
      std::memcpy(&out[cpu], buf.data() + cpu * stride(), sizeof(V));
    return out;
  }

  /// Folds element `index` over every possible CPU: fold(fold(init, cpu0), cpu1)...
  template <class Acc, class Fold>
  Result<Acc> fold(std::uint32_t index, Acc init, Fold&& f) const {
    auto all = lookup_all(index);
    if (!all) return tl::unexpected(all.error());
    for (const V& v : *all) init = f(std::move(init), v);
    return init;
  }

  /// The sum of element `index` over every possible CPU (V must support +).
  Result<V> sum(std::uint32_t index) const {
    return fold(index, V{}, [](V acc, const V& v) { return acc + v; });
  }

  /// Sets element `index` on every CPU to `value`.
  Result<void> update(std::uint32_t index, const V& value) {
    return update_all(index, std::vector<V>(cpus_, value));
  }
  /// Sets element `index` CPU by CPU: `per_cpu.size()` must equal cpus().
  Result<void> update_all(std::uint32_t index, std::span<const V> per_cpu) {
    if (per_cpu.size() != cpus_)
      return fail(view_.where(), "update of index {} gives {} values for {} possible CPUs", index,
                  per_cpu.size(), cpus_);
    std::vector<std::byte> buf(stride() * cpus_);
    for (std::size_t cpu = 0; cpu < cpus_; ++cpu)
      std::memcpy(buf.data() + cpu * stride(), &per_cpu[cpu], sizeof(V));
    return view_.update(&index, buf.data(), UpdateFlag::any);
  }

  /// The number of possible CPUs (values per element).
  [[nodiscard]] std::size_t cpus() const noexcept { return cpus_; }
  /// The number of elements (max_entries).
  [[nodiscard]] std::uint32_t size() const { return view_.max_entries(); }
  [[nodiscard]] bpf_map* raw() const noexcept { return view_.raw(); }

 private:
  PerCpuArray(detail::MapView view, std::size_t cpus) : view_(std::move(view)), cpus_(cpus) {}
  // The kernel lays each CPU's value out on an 8-byte boundary.
  static constexpr std::size_t stride() { return (sizeof(V) + 7) / 8 * 8; }
  detail::MapView view_;
  std::size_t cpus_;
};

}  // namespace ghostbrew::bpf
