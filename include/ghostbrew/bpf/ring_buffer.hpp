// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// RingBuffer<E>: consumes a BPF_MAP_TYPE_RINGBUF map and delivers each record as a typed event.
// It plugs into the caller's epoll loop (epoll_fd()) or polls by itself.
#pragma once

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ghostbrew/bpf/detail/errno_text.hpp"
#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::bpf {

namespace detail {

struct RingBufferFree {
  void operator()(ring_buffer* rb) const noexcept { ring_buffer__free(rb); }
};

}  // namespace detail

/// Consumer of one ring buffer map whose records are E. A record whose size differs from sizeof(E)
/// is counted in malformed() and dropped. Move-only; must not outlive its Object.
template <class E>
class RingBuffer {
  static_assert(std::is_trivially_copyable_v<E>, "ring buffer events are plain bytes");

 public:
  /// Called once per well-formed event, on the thread calling consume()/poll(). An exception it
  /// throws stops consumption and propagates out of that consume()/poll().
  using Handler = std::function<void(const E&)>;

  /// Opens ring buffer map `map` of the loaded `obj`, delivering events to `on_event`.
  static Result<RingBuffer> create(Object& obj, std::string_view map, Handler on_event) {
    auto m = obj.find_map(map);
    if (!m) return tl::unexpected(m.error());
    std::string where = obj.map_where(map);
    if (bpf_map__type(*m) != BPF_MAP_TYPE_RINGBUF)
      return fail(std::move(where), "is a {} map, not ringbuf", Object::type_name(bpf_map__type(*m)));
    const int fd = bpf_map__fd(*m);
    if (fd < 0) return fail(std::move(where), "not created yet: load the object first");
    if (!on_event) return fail(std::move(where), "no event handler given");
    auto state = std::make_unique<State>();
    state->on_event = std::move(on_event);
    errno = 0;
    ring_buffer* rb = ring_buffer__new(fd, &RingBuffer::sample, state.get(), nullptr);
    if (rb == nullptr)
      return fail(std::move(where), "ring buffer setup failed: {}",
                  detail::errno_text(errno != 0 ? errno : EINVAL));
    return RingBuffer(std::move(state), rb, std::move(where));
  }

  /// An fd that becomes readable when events are waiting: add it to an epoll set (EPOLLIN), then
  /// call consume(). Owned by this RingBuffer.
  [[nodiscard]] int epoll_fd() const { return ring_buffer__epoll_fd(rb_.get()); }

  /// Delivers every waiting event without blocking; returns how many were delivered (malformed
  /// records are not counted).
  Result<int> consume() {
    return drain([this] { return ring_buffer__consume(rb_.get()); });
  }

  /// Waits up to `timeout_ms` (-1: forever) for events, then delivers them; returns how many were
  /// delivered (0 on timeout or when a signal interrupted the wait).
  Result<int> poll(int timeout_ms) {
    return drain([this, timeout_ms] { return ring_buffer__poll(rb_.get(), timeout_ms); });
  }

  /// Records dropped because their size was not sizeof(E).
  [[nodiscard]] std::uint64_t malformed() const noexcept { return state_->malformed; }
  /// Events delivered so far.
  [[nodiscard]] std::uint64_t delivered() const noexcept { return state_->delivered; }

 private:
  struct State {
    Handler on_event;
    std::uint64_t malformed = 0;
    std::uint64_t delivered = 0;
    std::exception_ptr thrown;
  };

  RingBuffer(std::unique_ptr<State> state, ring_buffer* rb, std::string where)
      : state_(std::move(state)), rb_(rb), where_(std::move(where)) {}

  // libbpf's C callback: no exception may cross it, so one is parked and rethrown by drain().
  static int sample(void* ctx, void* data, std::size_t size) {
    auto* st = static_cast<State*>(ctx);
    if (size != sizeof(E)) {
      ++st->malformed;
      return 0;
    }
    E event;
    std::memcpy(&event, data, sizeof(E));
    try {
      st->on_event(event);
    } catch (...) {
      st->thrown = std::current_exception();
      return -ECANCELED;
    }
    ++st->delivered;
    return 0;
  }

  template <class Step>
  Result<int> drain(Step step) {
    const std::uint64_t before = state_->delivered;
    const int err = step();
    if (state_->thrown) std::rethrow_exception(std::exchange(state_->thrown, nullptr));
    if (err < 0 && err != -EINTR) return fail(where_, "ring buffer read failed: {}", detail::errno_text(err));
    return static_cast<int>(state_->delivered - before);
  }

  std::unique_ptr<State> state_;  // declared first: freed after rb_, which points into it
  std::unique_ptr<ring_buffer, detail::RingBufferFree> rb_;
  std::string where_;
};

}  // namespace ghostbrew::bpf
