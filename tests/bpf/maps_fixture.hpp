// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The fixture shared by the tests that need the maps_test object opened (and loaded) for real.
#pragma once

#include <optional>
#include <utility>

#include <gtest/gtest.h>

#include "gbt_maps_test_bpfobj.h"
#include "ghostbrew/bpf/object.hpp"
#include "support.hpp"

namespace ghostbrew::bpf::testing {

/// Opens the maps_test object (root only) and, when Load is true, loads it into the kernel.
template <bool Load>
class MapsTestObject : public ::testing::Test {
 protected:
  void SetUp() override {
    GB_REQUIRE_ROOT();
    auto o = Object::open(gbt_maps_test_bpf_object(), "maps_test");
    GB_ASSERT_OK(o);
    obj_.emplace(std::move(*o));
    if constexpr (Load) {
      GB_ASSERT_OK(obj_->load());
    }
  }
  Object& obj() { return *obj_; }
  std::optional<Object> obj_;
};

}  // namespace ghostbrew::bpf::testing
