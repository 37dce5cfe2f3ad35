// libFuzzer target for what the house parses from the outside world: MQTT
// messages through the bridge (home::bridge::on_message) and pairing.conf
// files (store::parse_pairing_conf).
//
// The first byte chooses: even -> a pairing.conf, odd -> an MQTT message
// "topic\npayload" (bit 1 of that byte sets retain). Checked on the way:
//   - the bridge never yields more events than two per value it may take,
//     every stored reading is finite with a valid sensor id, nothing is
//     stored from a retained message, and every problem is counted;
//   - a parsed pairing.conf has entries only when it has no errors, each
//     with a valid sensor id and room name.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hearth/app/bridge.hpp"
#include "hearth/store/pairing_conf.hpp"

namespace {

struct rooms : hearth::home::room_resolver {
  std::string room_of(std::string_view, std::string_view kind, std::string_view) const override {
    return kind == "gas" ? "Kitchen" : "";
  }
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_bridge: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hearth;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    const store::pairing_conf conf = store::parse_pairing_conf(input);
    if (!conf.ok() && !conf.entries.empty()) fail("entries despite errors");
    for (const auto& e : conf.entries)
      if (!store::is_valid_device_id(e.sensor) || !store::is_valid_room_name(e.room)) fail("invalid entry accepted");
    return 0;
  }
  static rooms r;
  static home::bridge b(home::routing_table::defaults(), r, {.max_payload = 4096, .max_values = 16});
  const auto nl = input.find('\n');
  const std::string_view topic = input.substr(0, nl);
  const std::string_view payload = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  const bool retain = (data[0] & 2) != 0;
  const auto before = b.stats();
  const home::bridge_output out = b.on_message(topic, payload, retain, 1'700'000'000'000);
  if (b.stats().messages != before.messages + 1) fail("message not counted");
  if (out.events.size() > 2 * 16 + 1) fail("too many events");
  if (retain && !out.readings.empty()) fail("a retained reading was stored");
  for (const auto& rd : out.readings) {
    if (!std::isfinite(rd.value)) fail("non-finite value stored");
    if (!store::is_valid_device_id(rd.sensor)) fail("invalid sensor id stored");
  }
  return 0;
}
