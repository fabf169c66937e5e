// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The ABI version check between the embedded object and the loader (sched::check_abi): the object
// built here carries abi.h's GB_ABI_VERSION, and an object carrying another number is refused with one
// line naming both.
#include <gtest/gtest.h>

#include <ghostbrew/bpf/abi.h>
#include <cstdint>
#include <string>

#include "ghostbrew/bpf/object.hpp"
#include "ghostbrew/sched/scheduler.hpp"
#include "ghostbrew_bpfobj.h"

namespace {

using ghostbrew::bpf::Object;

TEST(AbiVersion, EmbeddedObjectCarriesTheHeadersVersion) {
  auto obj = Object::open(ghostbrew_bpf_object(), "ghostbrew");
  ASSERT_TRUE(obj) << obj.error().message();
  auto v = obj->global<const std::uint32_t>(GB_MAP_ABI, GB_ABI_VERSION_VAR);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(**v, GB_ABI_VERSION);
  auto ok = ghostbrew::sched::check_abi(*obj);
  EXPECT_TRUE(ok) << ok.error().message();
}

TEST(AbiVersion, AnotherVersionIsRefusedWithBothNumbers) {
  auto obj = Object::open(ghostbrew_bpf_object(), "ghostbrew");
  ASSERT_TRUE(obj) << obj.error().message();
  auto v = obj->global<std::uint32_t>(GB_MAP_ABI, GB_ABI_VERSION_VAR);
  ASSERT_TRUE(v) << v.error().message();
  **v = GB_ABI_VERSION + 1;  // as an object built from a newer abi.h would carry
  auto r = ghostbrew::sched::check_abi(*obj);
  ASSERT_FALSE(r);
  const std::string msg = r.error().message();
  EXPECT_NE(msg.find("ABI version " + std::to_string(GB_ABI_VERSION + 1) + " does not match this loader's " +
                     std::to_string(GB_ABI_VERSION)),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
}

}  // namespace
