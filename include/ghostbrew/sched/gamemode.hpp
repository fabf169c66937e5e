// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Follows Feral GameMode (gamemoded, com.feralinteractive.GameMode on each user's session bus): the
// games it has registered (gamemoderun's libgamemodeauto, Lutris' and Steam's by-pid calls) are
// reported one pid at a time, so the daemon makes them GAMING at once with the rule "gamemode", and
// again when GameMode unregisters them or goes. Buses are found without a timer: the gamemoded
// processes running at start (scan()) and those that exec later (on_exec(); D-Bus activates it when
// the first game asks). A pid is trusted only when its real and effective uid are the bus owner's:
// a user cannot make another user's process GAMING. No GameMode: nothing happens.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/event_loop.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/procfs/io.hpp"
#include "ghostbrew/procfs/process.hpp"
#include "ghostbrew/sched/bus.hpp"
#include "ghostbrew/sched/options.hpp"

namespace ghostbrew::sched {

/// GameMode's names on the bus, and the rule text a registered game is classified by.
inline constexpr const char* kGameModeService = "com.feralinteractive.GameMode";
inline constexpr const char* kGameModePath = "/com/feralinteractive/GameMode";
inline constexpr const char* kGameModeInterface = "com.feralinteractive.GameMode";
using detect::kGameModeRule;
inline constexpr std::string_view kGameModeComm = "gamemoded";

/// A process's real and effective user and group ids (the Uid:/Gid: lines of <root>/proc/PID/status).
struct ProcessIds {
  uid_t uid = 0, euid = 0;
  gid_t gid = 0, egid = 0;
};

inline Result<ProcessIds> read_process_ids(const std::filesystem::path& root, int pid) {
  const auto path = root / "proc" / std::to_string(pid) / "status";
  auto f = procfs::read_file(path);
  if (!f.ok()) return fail(path.string(), "cannot read");
  ProcessIds ids;
  int found = 0;
  std::string_view text = f.text;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    unsigned long a = 0, b = 0;  // NOLINT(google-runtime-int): sscanf's %lu
    const std::string l(line);
    if (std::sscanf(l.c_str(), "Uid: %lu %lu", &a, &b) == 2) {
      ids.uid = static_cast<uid_t>(a), ids.euid = static_cast<uid_t>(b), ++found;
    } else if (std::sscanf(l.c_str(), "Gid: %lu %lu", &a, &b) == 2) {
      ids.gid = static_cast<gid_t>(a), ids.egid = static_cast<gid_t>(b), ++found;
    }
  }
  if (found != 2) return fail(path.string(), "no Uid:/Gid: lines");
  return ids;
}

/// The pids GameMode has registered on `bus` (ListGames).
inline Result<std::vector<int>> list_gamemode_games(Bus& bus) {
  sd_bus_error e{};  // SD_BUS_ERROR_NULL is a C compound literal
  sd_bus_message* reply = nullptr;
  int r = sd_bus_call_method(bus.get(), kGameModeService, kGameModePath, kGameModeInterface, "ListGames", &e,
                             &reply, "");
  if (r < 0) {
    auto err = fail(bus.address(), "ListGames: {}", bus_error_text(&e, r));
    sd_bus_error_free(&e);
    return err;
  }
  std::vector<int> pids;
  r = sd_bus_message_enter_container(reply, 'a', "(io)");
  while (r > 0) {
    int pid = 0;
    const char* path = nullptr;
    r = sd_bus_message_read(reply, "(io)", &pid, &path);
    if (r > 0) pids.push_back(pid);
  }
  sd_bus_message_unref(reply);
  if (r < 0) return fail(bus.address(), "ListGames: bad reply: {}", std::strerror(-r));
  return pids;
}

/// The session bus a gamemoded process serves: the DBUS_SESSION_BUS_ADDRESS it was started with,
/// else its user's <root>/run/user/UID/bus; and that user's ids.
struct SessionBus {
  std::string address;
  ProcessIds owner;
};

inline Result<SessionBus> session_bus_of(const std::filesystem::path& root, int pid) {
  auto ids = read_process_ids(root, pid);
  if (!ids) return tl::unexpected(ids.error());
  auto p = procfs::read_process(root, pid,
                                {.threads = false, .device_fds = false, .environ = true, .cgroup = false});
  if (!p) return tl::unexpected(p.error());
  if (auto a = p->env("DBUS_SESSION_BUS_ADDRESS"); a && !a->empty()) return SessionBus{std::string(*a), *ids};
  return SessionBus{"unix:path=" + (root / "run/user" / std::to_string(ids->uid) / "bus").string(), *ids};
}

/// The gamemoded processes under <root>/proc (comm "gamemoded"), by pid.
inline Result<std::vector<int>> gamemoded_pids(const std::filesystem::path& root) {
  auto pids = procfs::list_pids(root);
  if (!pids) return tl::unexpected(pids.error());
  std::vector<int> out;
  for (int pid : *pids) {
    auto comm = procfs::read_file(root / "proc" / std::to_string(pid) / "comm");
    if (comm.ok() && std::string_view(comm.text).substr(0, comm.text.find('\n')) == kGameModeComm)
      out.push_back(pid);
  }
  return out;
}

/// Whether game `pid`, registered on the session bus of user `bus_uid`, is that user's (real and
/// effective uid): a user cannot make another user's process GAMING. The error says why not.
inline Result<void> check_game_owner(const std::filesystem::path& root, int pid, uid_t bus_uid) {
  auto ids = read_process_ids(root, pid);
  if (!ids) return fail(fmt::format("game {}", pid), "ignored: {}", ids.error().message());
  if (ids->uid != bus_uid || ids->euid != bus_uid)
    return fail(fmt::format("game {}", pid), "ignored: it is user {}'s, not the bus owner {}'s", ids->euid,
                bus_uid);
  return {};
}

/// What gamemode_games() found: the games, and why a bus could not be asked (one line each).
struct GameModeGames {
  std::vector<int> pids;  ///< sorted, what detect::Rules::gamemode_games takes
  std::vector<std::string> errors;
};

/// The games GameMode has registered now, asked once (ListGames) on the session bus of every
/// gamemoded process running: what a one-shot tool (ghost-probe) shows without following. As root
/// every user's bus is asked (as its owner); otherwise only the caller's own user's. No gamemoded:
/// no games, no errors.
inline GameModeGames gamemode_games(const std::filesystem::path& root) {
  GameModeGames out;
  auto pids = gamemoded_pids(root);
  if (!pids) {
    out.errors.push_back(pids.error().message());
    return out;
  }
  std::set<std::string> asked;
  const uid_t me = ::geteuid();
  for (int pid : *pids) {
    auto where = session_bus_of(root, pid);
    if (!where) {
      out.errors.push_back(fmt::format("gamemoded {}: {}", pid, where.error().message()));
      continue;
    }
    if (!asked.insert(where->address).second) continue;
    if (me != 0 && where->owner.uid != me) continue;  // another user's bus: only root may ask it
    auto bus = me == where->owner.uid ? Bus::at(where->address)
                                      : Bus::at_as(where->address, where->owner.uid, where->owner.gid);
    if (!bus) {
      out.errors.push_back(fmt::format("gamemoded {}: {}", pid, bus.error().message()));
      continue;
    }
    auto games = list_gamemode_games(*bus);
    if (!games) {
      out.errors.push_back(fmt::format("gamemoded {}: {}", pid, games.error().message()));
      continue;
    }
    for (int g : *games)
      if (check_game_owner(root, g, where->owner.uid)) out.pids.push_back(g);
  }
  std::sort(out.pids.begin(), out.pids.end());
  out.pids.erase(std::unique(out.pids.begin(), out.pids.end()), out.pids.end());
  return out;
}

/// Follows GameMode on every user's session bus it finds (see the top of this file).
class GameModeFollower {
 public:
  struct Hooks {
    std::function<void(int pid)> registered;    ///< a game to classify GAMING by kGameModeRule
    std::function<void(int pid)> unregistered;  ///< back to the class it has without GameMode
    std::function<void(const std::string&)> debug;
  };

  GameModeFollower(std::filesystem::path root, EventLoop& loop, Hooks hooks)
      : root_(std::move(root)), loop_(&loop), hooks_(std::move(hooks)) {}
  GameModeFollower(const GameModeFollower&) = delete;
  GameModeFollower& operator=(const GameModeFollower&) = delete;

  /// Follows the bus of every gamemoded process running now.
  void scan() {
    sweep();
    auto pids = gamemoded_pids(root_);
    if (!pids) return say(pids.error().message());
    for (int pid : *pids) follow(pid);
  }

  /// An exec: when it is gamemoded, follows its bus.
  void on_exec(int pid, std::string_view comm) {
    sweep();
    if (comm == kGameModeComm) follow(pid);
  }

  /// Follows the bus gamemoded process `pid` serves (nothing when it is followed already).
  void follow(int pid) {
    auto where = session_bus_of(root_, pid);
    if (!where) return say(fmt::format("gamemoded {}: {}", pid, where.error().message()));
    if (buses_.contains(where->address)) return;
    auto bus = Bus::at_as(where->address, where->owner.uid, where->owner.gid);
    if (!bus) return say(fmt::format("gamemoded {}: {}", pid, bus.error().message()));
    auto c =
        std::make_unique<Conn>(Conn{std::make_unique<Bus>(std::move(*bus)), where->owner.uid, {}, {}, false});
    Conn* conn = c.get();
    const std::string sig =
        fmt::format("type='signal',sender='{}',path='{}',interface='{}',member=", kGameModeService,
                    kGameModePath, kGameModeInterface);
    const auto on_game = [this, conn](bool reg) {
      return [this, conn, reg](sd_bus_message* m) {
        int game = 0;
        const char* path = nullptr;
        if (sd_bus_message_read(m, "io", &game, &path) < 0) return;
        reg ? add(*conn, game) : remove(*conn, game);
      };
    };
    const std::string owner = fmt::format(
        "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{}'", kGameModeService);
    for (auto [rule, handler] : std::vector<std::pair<std::string, BusHandler>>{
             {sig + "'GameRegistered'", on_game(true)},
             {sig + "'GameUnregistered'", on_game(false)},
             {owner, [this, conn](sd_bus_message* m) {
                const char *name = nullptr, *from = nullptr, *to = nullptr;
                if (sd_bus_message_read(m, "sss", &name, &from, &to) < 0) return;
                if (to != nullptr && *to != '\0')
                  list(*conn);  // GameMode came (activated): what it registered before our match
                else
                  drop_all(*conn);  // GameMode went: its games with it
              }}}) {
      auto slot = conn->bus->add_match(rule, std::move(handler));
      if (!slot) return say(slot.error().message());
      conn->slots.push_back(std::move(*slot));
    }
    if (auto a = conn->bus->attach(
            *loop_,
            [this, conn](const Error& e) {
              say(e.message());
              drop_all(*conn);
              conn->dead = true;  // destroyed at the next sweep(), not from inside its own handler
            });
        !a)
      return say(a.error().message());
    say(fmt::format("following GameMode on {} (user {})", where->address, where->owner.uid));
    auto& placed = buses_[where->address] = std::move(c);
    if (auto owned = placed->bus->has_owner(kGameModeService); owned && *owned) list(*placed);
  }

  /// Every game followed now, by pid.
  [[nodiscard]] std::set<int> games() const {
    std::set<int> out;
    for (const auto& [a, c] : buses_) out.insert(c->games.begin(), c->games.end());
    return out;
  }
  [[nodiscard]] std::size_t buses() const { return buses_.size(); }

 private:
  struct Conn {
    std::unique_ptr<Bus> bus;
    uid_t uid = 0;
    std::vector<BusSlot> slots;
    std::set<int> games;
    bool dead = false;
  };

  void say(const std::string& s) const {
    if (hooks_.debug) hooks_.debug("gamemode: " + s);
  }

  void list(Conn& c) {
    auto games = list_gamemode_games(*c.bus);
    if (!games) return say(games.error().message());
    for (int g : *games) add(c, g);
  }

  void add(Conn& c, int pid) {
    if (c.games.contains(pid)) return;
    if (auto own = check_game_owner(root_, pid, c.uid); !own) return say(own.error().message());
    c.games.insert(pid);
    if (hooks_.registered) hooks_.registered(pid);
  }

  void remove(Conn& c, int pid) {
    if (c.games.erase(pid) > 0 && hooks_.unregistered) hooks_.unregistered(pid);
  }

  void drop_all(Conn& c) {
    for (int pid : std::exchange(c.games, {}))
      if (hooks_.unregistered) hooks_.unregistered(pid);
  }

  void sweep() {
    std::erase_if(buses_, [](const auto& kv) { return kv.second->dead; });
  }

  std::filesystem::path root_;
  EventLoop* loop_;
  Hooks hooks_;
  std::map<std::string, std::unique_ptr<Conn>> buses_;
};

/// The follower the options ask for, following the gamemoded processes running now (scan()): none
/// when detection or follow_gamemode is off (no scan, no bus connection).
inline std::unique_ptr<GameModeFollower> start_gamemode_follower(const Options& o, EventLoop& loop,
                                                                 GameModeFollower::Hooks hooks) {
  if (!o.detect || o.follow_gamemode == 0) return nullptr;
  auto f = std::make_unique<GameModeFollower>(o.root, loop, std::move(hooks));
  f->scan();
  return f;
}

}  // namespace ghostbrew::sched
