// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// bpf::Fd: the BPF layer's name for core's UniqueFd (one fd owner in the library).
#pragma once

#include "ghostbrew/core/unique_fd.hpp"

namespace ghostbrew::bpf {

/// Owns one file descriptor (a BPF map/prog/link fd, an epoll fd, ...); see UniqueFd.
using Fd = UniqueFd;

}  // namespace ghostbrew::bpf
