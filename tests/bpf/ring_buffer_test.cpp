// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// RingBuffer<E> fed by a real BPF producer: the `emit` syscall program writes records with
// bpf_ringbuf_output, and the consumer must deliver them typed, in order, and count malformed ones.
#include <sys/epoll.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "gbt_maps_test_bpfobj.h"
#include "ghostbrew/bpf/ring_buffer.hpp"
#include "ghostbrew/core/unique_fd.hpp"
#include "maps_fixture.hpp"
#include "maps_test.h"
#include "support.hpp"

namespace ghostbrew::bpf {
namespace {

class BpfRingBuffer : public testing::MapsTestObject<true> {
 protected:
  // Runs the producer: `count` events tagged `tag`, then `short_count` 4-byte records.
  void emit(std::uint32_t count, std::uint32_t tag, std::uint32_t short_count = 0) {
    gb_test_emit_args args{count, short_count, tag, 0};
    auto ret = obj_->run("emit", args);
    ASSERT_TRUE(ret) << ret.error().message();
    ASSERT_EQ(args.written, count + short_count) << "the ring buffer refused records";
  }
};

TEST_F(BpfRingBuffer, DeliversEveryEventTypedAndInOrder) {
  std::vector<gb_test_event> seen;
  auto rb =
      RingBuffer<gb_test_event>::create(obj(), "events", [&](const gb_test_event& e) { seen.push_back(e); });
  GB_ASSERT_OK(rb);
  emit(1000, 7);
  auto n = rb->consume();
  GB_ASSERT_OK(n);
  EXPECT_EQ(*n, 1000);
  ASSERT_EQ(seen.size(), 1000U);
  for (std::uint64_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].seq, i);
    EXPECT_EQ(seen[i].tag, 7U);
  }
  EXPECT_EQ(rb->consume().value(), 0);  // drained
  EXPECT_EQ(rb->delivered(), 1000U);
  EXPECT_EQ(rb->malformed(), 0U);
}

TEST_F(BpfRingBuffer, RecordsOfTheWrongSizeAreCountedNotDelivered) {
  int delivered = 0;
  auto rb = RingBuffer<gb_test_event>::create(obj(), "events", [&](const gb_test_event&) { ++delivered; });
  GB_ASSERT_OK(rb);
  emit(5, 1, 3);
  EXPECT_EQ(rb->consume().value(), 5);
  EXPECT_EQ(delivered, 5);
  EXPECT_EQ(rb->malformed(), 3U);
}

TEST_F(BpfRingBuffer, EpollFdBecomesReadableWhenEventsWait) {
  int delivered = 0;
  auto rb = RingBuffer<gb_test_event>::create(obj(), "events", [&](const gb_test_event&) { ++delivered; });
  GB_ASSERT_OK(rb);
  const UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  ASSERT_TRUE(ep.valid());
  epoll_event want{};
  want.events = EPOLLIN;
  ASSERT_EQ(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, rb->epoll_fd(), &want), 0);
  epoll_event got{};
  EXPECT_EQ(::epoll_wait(ep.get(), &got, 1, 0), 0);  // nothing yet
  emit(3, 2);
  EXPECT_EQ(::epoll_wait(ep.get(), &got, 1, 1000), 1);
  EXPECT_EQ(rb->consume().value(), 3);
  EXPECT_EQ(delivered, 3);
}

TEST_F(BpfRingBuffer, PollWaitsAndTimesOutWithZero) {
  int delivered = 0;
  auto rb = RingBuffer<gb_test_event>::create(obj(), "events", [&](const gb_test_event&) { ++delivered; });
  GB_ASSERT_OK(rb);
  EXPECT_EQ(rb->poll(20).value(), 0);
  emit(4, 3);
  EXPECT_EQ(rb->poll(1000).value(), 4);
  EXPECT_EQ(delivered, 4);
}

TEST_F(BpfRingBuffer, HandlerExceptionStopsConsumptionAndPropagates) {
  std::vector<std::uint64_t> seen;
  auto rb = RingBuffer<gb_test_event>::create(obj(), "events", [&](const gb_test_event& e) {
    if (e.seq == 2 && seen.size() == 2) throw std::runtime_error("handler refused");
    seen.push_back(e.seq);
  });
  GB_ASSERT_OK(rb);
  emit(5, 4);
  EXPECT_THROW((void)rb->consume(), std::runtime_error);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(rb->consume().value(), 2);  // the refused record was consumed; the rest follow
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1, 3, 4}));
}

TEST_F(BpfRingBuffer, MovedConsumerKeepsDelivering) {
  int delivered = 0;
  auto rb = RingBuffer<gb_test_event>::create(obj(), "events", [&](const gb_test_event&) { ++delivered; });
  GB_ASSERT_OK(rb);
  RingBuffer<gb_test_event> moved = std::move(*rb);
  emit(2, 5);
  EXPECT_EQ(moved.consume().value(), 2);
  EXPECT_EQ(delivered, 2);
}

}  // namespace
}  // namespace ghostbrew::bpf
