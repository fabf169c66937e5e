// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A D-Bus connection for what the daemon follows on a bus (a game registered with Feral GameMode on
// a user's session bus, the power profile power-profiles-daemon sets on the system bus), through
// libsystemd's sd-bus: no hand-written D-Bus. The connection's fd is served by the daemon's
// EventLoop; signals reach their handlers from there. Method calls and property reads wait for the
// reply (sd-bus's own timeout), so they belong at start and in handlers, never in a tight loop.
// Programs that include this header link libsystemd.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/event_loop.hpp"

namespace ghostbrew::sched {

/// A message's handler: the message, or why the call failed. Return value ignored by sd-bus's rules
/// for matches (>= 0 carries on).
using BusHandler = std::function<void(sd_bus_message*)>;

/// An sd-bus error as one line: "name: message" when the peer sent one, else errno's text.
inline std::string bus_error_text(const sd_bus_error* e, int r) {
  if (e != nullptr && sd_bus_error_is_set(e) != 0)
    return fmt::format("{}: {}", e->name, e->message != nullptr ? e->message : "");
  return std::strerror(r < 0 ? -r : r);
}

/// A subscription (a match rule and its handler): unsubscribed when destroyed.
class BusSlot {
 public:
  BusSlot() = default;

 private:
  friend class Bus;
  struct SlotUnref {
    void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
  };
  std::unique_ptr<BusHandler> handler_;  // freed after the slot (declared first, destroyed last)
  std::unique_ptr<sd_bus_slot, SlotUnref> slot_;
};

/// One sd-bus connection, closed when destroyed. `where` in its errors is the bus's address. Once
/// attach()ed to a loop it must stay where it is (the loop's handler points at it): keep it in a
/// std::optional or a unique_ptr that outlives the attachment.
class Bus {
 public:
  /// The system bus (sd-bus honours $DBUS_SYSTEM_BUS_ADDRESS: a test's private bus).
  static Result<Bus> system() {
    sd_bus* b = nullptr;
    if (int r = sd_bus_open_system(&b); r < 0)
      return fail("system bus", "cannot connect: {}", std::strerror(-r));
    return Bus(b, "system bus");
  }

  /// The bus at `address` ("unix:path=/run/user/1000/bus"), as a client that says Hello (a
  /// session bus, or a private one a test started).
  static Result<Bus> at(const std::string& address) {
    sd_bus* b = nullptr;
    if (int r = sd_bus_new(&b); r < 0) return fail(address, "sd_bus_new: {}", std::strerror(-r));
    Bus bus(b, address);
    if (int r = sd_bus_set_address(b, address.c_str()); r < 0)
      return fail(address, "not a D-Bus address: {}", std::strerror(-r));
    (void)sd_bus_set_bus_client(b, 1);
    if (int r = sd_bus_start(b); r < 0) return fail(address, "cannot connect: {}", std::strerror(-r));
    return bus;
  }

  /// at(), connected as user `uid`/`gid`: a session bus lets in its owner only (dbus-daemon's
  /// default policy refuses even root). The effective ids are switched for the connect and the
  /// authentication (the bus daemon records the peer's credentials at connect()) and restored before
  /// this returns. Needs CAP_SETUID and CAP_SETGID.
  static Result<Bus> at_as(const std::string& address, uid_t uid, gid_t gid) {
    const uid_t euid = ::geteuid();
    const gid_t egid = ::getegid();
    if (::setresgid(static_cast<gid_t>(-1), gid, static_cast<gid_t>(-1)) != 0)
      return fail(address, "cannot act as group {}: {}", gid, std::strerror(errno));
    if (::setresuid(static_cast<uid_t>(-1), uid, static_cast<uid_t>(-1)) != 0) {
      const int e = errno;
      (void)::setresgid(static_cast<gid_t>(-1), egid, static_cast<gid_t>(-1));
      return fail(address, "cannot act as user {}: {}", uid, std::strerror(e));
    }
    auto bus = at(address);
    if (bus) {  // wait for the authentication and Hello while still the user
      const char* unique = nullptr;
      if (int r = sd_bus_get_unique_name(bus->get(), &unique); r < 0)
        bus = fail(address, "cannot connect as user {}: {}", uid, std::strerror(-r));
    }
    const bool back = ::setresuid(static_cast<uid_t>(-1), euid, static_cast<uid_t>(-1)) == 0 &&
                      ::setresgid(static_cast<gid_t>(-1), egid, static_cast<gid_t>(-1)) == 0;
    if (!back) return fail(address, "cannot switch back to user {}: {}", euid, std::strerror(errno));
    return bus;
  }

  [[nodiscard]] sd_bus* get() const { return bus_.get(); }
  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] int fd() const { return sd_bus_get_fd(bus_.get()); }

  /// Calls `handler` for every message matching `rule` (a D-Bus match rule). Synchronous: the bus
  /// daemon has the rule when this returns.
  Result<BusSlot> add_match(const std::string& rule, BusHandler handler) {
    BusSlot slot;
    slot.handler_ = std::make_unique<BusHandler>(std::move(handler));
    sd_bus_slot* s = nullptr;
    const int r = sd_bus_add_match(bus_.get(), &s, rule.c_str(), &Bus::dispatch, slot.handler_.get());
    if (r < 0) return fail(address_, "cannot subscribe to '{}': {}", rule, std::strerror(-r));
    slot.slot_.reset(s);
    return slot;
  }

  /// Reads string property `interface.name` of `path` at `service`.
  Result<std::string> get_string(const char* service, const char* path, const char* interface,
                                 const char* name) {
    sd_bus_error e{};  // SD_BUS_ERROR_NULL is a C compound literal
    char* value = nullptr;
    const int r = sd_bus_get_property_string(bus_.get(), service, path, interface, name, &e, &value);
    if (r < 0) {
      auto err = fail(address_, "{} {}.{}: {}", service, interface, name, bus_error_text(&e, r));
      sd_bus_error_free(&e);
      return err;
    }
    std::string out(value != nullptr ? value : "");
    std::free(value);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocated it
    return out;
  }

  /// Whether `service` has an owner on this bus now.
  Result<bool> has_owner(const char* service) {
    sd_bus_error e{};  // SD_BUS_ERROR_NULL is a C compound literal
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(bus_.get(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &e, &reply, "s", service);
    if (r < 0) {
      auto err = fail(address_, "NameHasOwner {}: {}", service, bus_error_text(&e, r));
      sd_bus_error_free(&e);
      return err;
    }
    int owned = 0;
    r = sd_bus_message_read(reply, "b", &owned);
    sd_bus_message_unref(reply);
    if (r < 0) return fail(address_, "NameHasOwner {}: bad reply: {}", service, std::strerror(-r));
    return owned != 0;
  }

  /// Handles every message already received (signals reach their handlers). An error when the
  /// connection is gone (the bus daemon stopped).
  Result<void> process() {
    for (;;) {
      const int r = sd_bus_process(bus_.get(), nullptr);
      if (r < 0) return fail(address_, "connection lost: {}", std::strerror(-r));
      if (r == 0) return {};
    }
  }

  /// Serves this connection from `loop`: what arrives is processed as it comes; when the connection
  /// is lost it leaves the loop and `lost` is called with why (the owner of the Bus then destroys it,
  /// not from inside `lost`'s call stack if it is the handler's owner: defer that).
  Result<void> attach(EventLoop& loop, std::function<void(const Error&)> lost) {
    const int f = fd();
    if (f < 0) return fail(address_, "no fd: {}", std::strerror(-f));
    // Messages read while a method call waited for its reply are already queued: handle them now.
    if (auto p = process(); !p) return p;
    return loop.add(f, [this, &loop, f, lost = std::move(lost)] {
      if (auto p = process(); !p) {
        (void)loop.remove(f);
        if (lost) lost(p.error());
      }
    });
  }

 private:
  struct BusUnref {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
  };
  Bus(sd_bus* b, std::string address) : bus_(b), address_(std::move(address)) {}

  static int dispatch(sd_bus_message* m, void* userdata, sd_bus_error* /*ret_error*/) {
    auto* h = static_cast<BusHandler*>(userdata);
    if (h != nullptr && *h) (*h)(m);
    return 0;
  }

  std::unique_ptr<sd_bus, BusUnref> bus_;
  std::string address_;
};

}  // namespace ghostbrew::sched
