// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Link: an owned libbpf attachment (program or struct_ops map), detached when destroyed.
#pragma once

#include <bpf/libbpf.h>

#include <string>
#include <utility>

#include "ghostbrew/bpf/detail/errno_text.hpp"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::bpf {

/// Owns a bpf_link: move-only; destroying it detaches the program (or unregisters the struct_ops
/// map). detach() does the same explicitly and reports the kernel's answer.
class Link {
 public:
  Link() = default;
  /// Takes ownership of `link`; `what` names it in errors ("bpf object 'x' prog 'y'").
  Link(bpf_link* link, std::string what) noexcept : link_(link), what_(std::move(what)) {}
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  Link(Link&& other) noexcept : link_(std::exchange(other.link_, nullptr)), what_(std::move(other.what_)) {}
  Link& operator=(Link&& other) noexcept {
    if (this != &other) {
      (void)detach();
      link_ = std::exchange(other.link_, nullptr);
      what_ = std::move(other.what_);
    }
    return *this;
  }
  ~Link() { (void)detach(); }

  /// Detaches and frees the link now. Detaching an already detached (or empty) Link succeeds.
  Result<void> detach() {
    if (link_ == nullptr) return {};
    const int err = bpf_link__destroy(std::exchange(link_, nullptr));
    if (err < 0) return fail(what_, "detach failed: {}", detail::errno_text(err));
    return {};
  }

  /// True while attached.
  [[nodiscard]] bool attached() const noexcept { return link_ != nullptr; }
  /// The link's fd (-1 when detached); still owned by this Link.
  [[nodiscard]] int fd() const noexcept { return link_ != nullptr ? bpf_link__fd(link_) : -1; }
  /// The libbpf link, still owned by this Link (nullptr when detached).
  [[nodiscard]] bpf_link* raw() const noexcept { return link_; }
  /// What this link attaches, as used in its errors.
  [[nodiscard]] const std::string& what() const noexcept { return what_; }

 private:
  bpf_link* link_ = nullptr;
  std::string what_;
};

}  // namespace ghostbrew::bpf
