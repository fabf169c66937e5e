// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-topo: prints the CPU topology ghostbrew sees, as a tree or (--json) one JSON document.
// Exit status: 0 on success, 2 when the root is not a usable sysfs tree (one line on stderr). Facts
// recorded as unknown (an id of -1) are one "ghost-topo: warning:" line each on stderr, exit status 0.
#include <cstdio>
#include <string>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "ghostbrew/core/text.hpp"
#include "ghostbrew/topology/discover.hpp"
#include "ghostbrew/topology/json.hpp"
#include "ghostbrew/topology/print.hpp"
#include "ghostbrew/version.hpp"
#include "ghostbrew_revision.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Show the CPU topology: NUMA nodes, CCDs, LLCs, cores, CPUs, V-Cache, prefcore ranks, P/E types"};
  std::string root = "/";
  bool json = false;
  app.add_option("--root", root, "Filesystem root holding sys/ and proc/ (a fixture tree)");
  app.add_flag("--json", json, "Print one JSON document instead of the tree");
  app.set_version_flag("--version", ghostbrew::version_line("ghost-topo", GHOSTBREW_GIT_REVISION));
  CLI11_PARSE(app, argc, argv);

  const auto topo = ghostbrew::topology::discover(root);
  if (!topo) {
    fmt::print(stderr, "ghost-topo: {}\n", ghostbrew::text::escape(topo.error().message()));
    return 2;
  }
  for (const auto& w : topo->warnings)
    fmt::print(stderr, "ghost-topo: warning: {}\n", ghostbrew::text::escape(w));
  if (json)
    fmt::print("{}\n", ghostbrew::text::dump(ghostbrew::topology::to_json(*topo), 2));
  else
    fmt::print("{}", ghostbrew::topology::to_text(*topo));
  return 0;
}
