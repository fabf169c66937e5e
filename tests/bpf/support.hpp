// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Shared by the BPF layer tests: the root check and a Result assertion that prints the error.
#pragma once

#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

/// Skips the test with a clear message unless running as root (bpf() on the host kernel).
#define GB_REQUIRE_ROOT()                                                                   \
  do {                                                                                      \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: loads BPF programs into the kernel"; \
  } while (0)

/// Asserts that Result `r` holds a value, printing its error otherwise.
#define GB_ASSERT_OK(r) ASSERT_TRUE(r) << (r).error().message()

/// Asserts that Result `r` is an error whose message contains `text`.
#define GB_EXPECT_ERROR(r, text)                                                               \
  do {                                                                                         \
    const auto& gb_r = (r);                                                                    \
    ASSERT_FALSE(gb_r) << "expected an error containing '" << (text) << "'";                   \
    EXPECT_NE(gb_r.error().message().find(text), std::string::npos) << gb_r.error().message(); \
  } while (0)
