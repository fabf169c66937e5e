// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The control socket's wire format, scx_stats' protocol: one JSON object per line each way.
//   request  {"req":"stats","args":{"target":"top"}}     (args: string values, optional)
//   reply    {"errno":0,"args":{"resp":{...}}}            errno 0: resp is the answer
//            {"errno":22,"args":{"resp":"what is wrong"}} errno != 0: resp is a message
// Parsing never throws and never trusts the line: too long, not JSON, invalid UTF-8, nested too
// deeply, wrong types, each comes back as an error Reply saying so.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "ghostbrew/core/error.hpp"

namespace ghostbrew::ctl {

/// Where ghost-sched listens unless told otherwise (systemd's RuntimeDirectory=ghostbrew).
inline constexpr std::string_view kDefaultSocket = "/run/ghostbrew/ghost-sched.sock";

/// The longest request line a server accepts (a request is a few dozen bytes).
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;
/// Requests are flat: {"req":..,"args":{..}} is depth 2; deeper input is refused before parsing.
inline constexpr int kMaxRequestDepth = 4;

/// One request: its name and its arguments (all strings, as scx_stats has them).
struct Request {
  std::string req;
  std::map<std::string, std::string> args;

  /// The argument `name`, or `fallback` when absent.
  [[nodiscard]] std::string arg(const std::string& name, const std::string& fallback = {}) const {
    auto it = args.find(name);
    return it == args.end() ? fallback : it->second;
  }
};

/// One reply: errno 0 and the answer, or an errno and a message (resp is then a string).
struct Reply {
  int err = 0;
  nlohmann::json resp;

  /// The reply as one line, newline included. Text that is not valid UTF-8 (echoed from a request)
  /// is replaced, never thrown about.
  [[nodiscard]] std::string line() const {
    nlohmann::json j{{"errno", err}, {"args", {{"resp", resp}}}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
};

[[nodiscard]] inline Reply ok(nlohmann::json resp) { return Reply{0, std::move(resp)}; }

template <class... Args>
[[nodiscard]] Reply refuse(int err, fmt::format_string<Args...> f, Args&&... args) {
  return Reply{err, fmt::format(f, std::forward<Args>(args)...)};
}

namespace detail {
/// How deeply brackets nest in `line`, outside strings (a cheap guard before the real parser).
inline int nesting_depth(std::string_view line) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      deepest = std::max(deepest, ++depth);
    else if (c == '}' || c == ']')
      --depth;
  }
  return deepest;
}

/// A short, printable excerpt of untrusted text for an error message.
inline std::string excerpt(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (char c : s.substr(0, kMax)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > kMax) out += "...";
  return out;
}
}  // namespace detail

/// Reads one request line (without its newline). Errors are the Reply to send back.
[[nodiscard]] inline tl::expected<Request, Reply> parse_request(std::string_view line) {
  using nlohmann::json;
  if (line.size() > kMaxRequestBytes)
    return tl::unexpected(
        refuse(E2BIG, "request of {} bytes is longer than {}", line.size(), kMaxRequestBytes));
  if (detail::nesting_depth(line) > kMaxRequestDepth)
    return tl::unexpected(refuse(EINVAL, "request nests deeper than {} levels", kMaxRequestDepth));
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return tl::unexpected(refuse(EINVAL, "request is not valid JSON (UTF-8): '{}'", detail::excerpt(line)));
  if (!j.is_object()) return tl::unexpected(refuse(EINVAL, "request is not a JSON object"));
  Request r;
  auto req = j.find("req");
  if (req == j.end() || !req->is_string())
    return tl::unexpected(refuse(EINVAL, "request has no string \"req\""));
  r.req = req->get<std::string>();
  if (auto args = j.find("args"); args != j.end() && !args->is_null()) {
    if (!args->is_object()) return tl::unexpected(refuse(EINVAL, "\"args\" is not an object"));
    for (const auto& [k, v] : args->items()) {
      if (!v.is_string())
        return tl::unexpected(refuse(EINVAL, "argument \"{}\" is not a string", detail::excerpt(k)));
      r.args.emplace(k, v.get<std::string>());
    }
  }
  return r;
}

/// A request line (newline included) for a client.
[[nodiscard]] inline std::string request_line(const std::string& req,
                                              const std::map<std::string, std::string>& args = {}) {
  nlohmann::json j{{"req", req}};
  if (!args.empty()) j["args"] = args;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

/// A reply line as a client reads it: the answer, or an error carrying the server's message
/// ("message (errno N)", no prefix: the client says who it is).
[[nodiscard]] inline Result<nlohmann::json> parse_reply(std::string_view line) {
  using nlohmann::json;
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("control socket", "reply is not a JSON object");
  auto err = j.find("errno");
  auto args = j.find("args");
  if (err == j.end() || !err->is_number_integer() || args == j.end() || !args->is_object() ||
      !args->contains("resp"))
    return fail("control socket", "reply lacks errno or args.resp");
  const json& resp = (*args)["resp"];
  if (err->get<int>() != 0)
    return fail("", "{} (errno {})", resp.is_string() ? resp.get<std::string>() : resp.dump(),
                err->get<int>());
  return resp;
}

}  // namespace ghostbrew::ctl
