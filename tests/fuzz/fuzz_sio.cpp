// libFuzzer target for the Socket.IO v5 codec and server (sio_codec.hpp,
// socketio.hpp).
//
// The input is a series of Engine.IO messages as the polling transport frames
// them: separated by 0x1e, a leading 'b' marking a binary message (its bytes
// raw, not base64). Each message goes
//   1. to a decoder, and every packet it completes must
//      - re-encode into messages that decode to an equal packet (doubles
//        within a few ulps: Boost.JSON 1.81 parses long numbers without
//        correct rounding), and
//      - carry exactly as many attachments as its header announced;
//   2. to a server with the conformance handlers on a fake connection, which
//      must not crash, leak or write after it asked to close; a tick with the
//      clock moved on covers the timeout paths.
// A violation aborts with a description, which libFuzzer records as a crash.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/web/sio_codec.hpp"
#include "hearth/web/sio_conformance.hpp"
#include "hearth/web/socketio.hpp"
#include "sio_fake.hpp"

namespace {

using namespace hearth;
using namespace hearth::web;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_sio: %s\n  %.*s\n", what, static_cast<int>(std::min<std::size_t>(detail.size(), 300)),
               detail.data());
  std::abort();
}

std::vector<eio::message> split(std::string_view in) {
  std::vector<eio::message> ms;
  std::size_t start = 0;
  while (start <= in.size()) {
    auto end = in.find('\x1e', start);
    if (end == std::string_view::npos) end = in.size();
    auto part = in.substr(start, end - start);
    if (!part.empty() && part.front() == 'b')
      ms.push_back({true, std::string(part.substr(1))});
    else
      ms.push_back({false, std::string(part)});
    start = end + 1;
  }
  return ms;
}

bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_json(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
      if (i->key() != j->key() || !same_json(i->value(), j->value())) return false;
    return true;
  }
  return a == b;
}

bool same_packet(const sio::packet& a, const sio::packet& b) {
  if (a.type != b.type || a.nsp != b.nsp || a.id != b.id || a.attachments != b.attachments) return false;
  if (a.data.has_value() != b.data.has_value()) return false;
  return !a.data || same_json(*a.data, *b.data);
}

void check_round_trip(const sio::packet& p) {
  auto encoded = sio::encode(p);
  std::size_t announced = 0;
  sio::packet header;
  if (auto ec = sio::decode_header(encoded.front().data, sio::codec_limits{}, header, announced))
    fail("re-encoded header does not decode", encoded.front().data);
  if (announced != p.attachments.size()) fail("attachment count changed", encoded.front().data);
  sio::decoder d;
  std::optional<sio::packet> again;
  for (auto& m : encoded)
    if (d.feed(std::move(m), again)) fail("re-encoded packet does not decode", "");
  if (!again) fail("re-encoded packet incomplete", "");
  if (!same_packet(*again, p)) fail("round trip changed the packet", sio::encode(p).front().data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto messages = split(in);

  sio::decoder d;
  for (auto m : messages) {
    std::optional<sio::packet> p;
    if (d.feed(std::move(m), p)) {
      d = sio::decoder{};
      continue;
    }
    if (p) check_round_trip(*p);
  }

  test::fake_scheduler sched;
  std::string sink;
  core::logger log(core::log_level::off, &sink);
  sio::server_options opts;
  opts.connect_timeout = std::chrono::milliseconds(1000);
  sio::server io(sched, log, opts);
  sio::mount_conformance_handlers(io);
  test::fake_eio_connection c("fuzz");
  io.on_open(c);
  for (auto m : messages) {
    if (c.closed) {
      const auto before = c.sent.size();
      io.on_message(c, std::move(m));
      if (c.sent.size() != before) fail("server wrote after close()", "");
      continue;
    }
    io.on_message(c, std::move(m));
  }
  sched.advance(std::chrono::seconds(10));
  io.tick();
  io.on_close(c, "transport close");
  if (io.client_count() != 0) fail("client left behind after on_close", "");
  return 0;
}
