// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The control socket's request parser (ctl/protocol.hpp) on arbitrary bytes, as a line from any root
// client could be: it never throws, crashes, leaks or hits UB; a refusal has a non-zero errno and a
// message; every reply, echoing whatever the request held, is one line of valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ghostbrew/ctl/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ctl = ghostbrew::ctl;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto r = ctl::parse_request(line);
  const ctl::Reply reply = r ? ctl::ok({{"req", r->req}, {"args", r->args}}) : r.error();
  if (!r && (reply.err == 0 || !reply.resp.is_string())) __builtin_trap();
  const std::string out = reply.line();
  if (out.find('\n') != out.size() - 1) __builtin_trap();
  if (nlohmann::json::parse(out, nullptr, false).is_discarded()) __builtin_trap();
  if (!ctl::parse_reply(out).has_value() == static_cast<bool>(r)) __builtin_trap();
  return 0;
}
