// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Errors as values: every reader of the system returns Result<T>, and the caller decides what is fatal.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace ghostbrew {

/// What went wrong and where (usually a file path): formats as one line, "where: what".
struct Error {
  std::string where;
  std::string what;

  [[nodiscard]] std::string message() const {
    return where.empty() ? what : fmt::format("{}: {}", where, what);
  }
};

/// A value or the Error that prevented it.
template <class T>
using Result = tl::expected<T, Error>;

/// Builds the error branch of a Result: `return fail(path, "not a number: '{}'", text);`
template <class... Args>
[[nodiscard]] tl::unexpected<Error> fail(std::string where, fmt::format_string<Args...> fmt_str,
                                         Args&&... args) {
  return tl::unexpected<Error>(Error{std::move(where), fmt::format(fmt_str, std::forward<Args>(args)...)});
}

}  // namespace ghostbrew
