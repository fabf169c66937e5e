// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// UniqueFd, the library's one fd owner: closes on destruction, moves ownership, releases it.
#include "ghostbrew/core/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

#include <gtest/gtest.h>

namespace ghostbrew {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe(fds.data()), 0); }
  std::array<int, 2> fds{-1, -1};
};

TEST(UniqueFdTest, ClosesItsDescriptorOnDestruction) {
  Pipe p;
  { const UniqueFd r(p.fds[0]); }
  EXPECT_FALSE(is_open(p.fds[0]));
  const UniqueFd w(p.fds[1]);
}

TEST(UniqueFdTest, MoveTransfersOwnershipAndEmptiesTheSource) {
  Pipe p;
  UniqueFd a(p.fds[0]);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
  EXPECT_EQ(b.get(), p.fds[0]);
  UniqueFd c(p.fds[1]);
  c = std::move(b);  // closes the write end, takes the read end
  EXPECT_FALSE(is_open(p.fds[1]));
  EXPECT_TRUE(is_open(p.fds[0]));
}

TEST(UniqueFdTest, ReleaseGivesUpOwnershipWithoutClosing) {
  Pipe p;
  int raw = -1;
  {
    UniqueFd r(p.fds[0]);
    raw = r.release();
    EXPECT_FALSE(r);
  }
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
  const UniqueFd w(p.fds[1]);
}

}  // namespace
}  // namespace ghostbrew
