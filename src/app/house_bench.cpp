// hearth-house-bench: how many readings per second the store sustains in
// batched mode on this machine, into a real readings.db (WAL,
// synchronous=NORMAL) in a directory of your choice (the SD card's, to
// measure that).
//
//   hearth-house-bench [--dir DIR] [--rows N] [--batch N] [--series N] [--bridge]
//
// --bridge also parses each reading as an MQTT payload through the bridge
// first (the whole path of a reading inside hearthd, minus the broker).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

#include "hearth/app/bridge.hpp"
#include "hearth/store/readings.hpp"
#include "hearth/store/schema.hpp"

namespace {

struct no_rooms : hearth::home::room_resolver {
  std::string room_of(std::string_view, std::string_view, std::string_view) const override { return {}; }
};

long arg_number(int& i, int argc, char** argv) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "hearth-house-bench: %s needs a value\n", argv[i]);
    std::exit(2);
  }
  char* end = nullptr;
  const long v = std::strtol(argv[++i], &end, 10);
  if (*end || v <= 0) {
    std::fprintf(stderr, "hearth-house-bench: %s: not a positive number: %s\n", argv[i - 1], argv[i]);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hearth;
  std::string dir = std::filesystem::temp_directory_path().string();
  long rows = 200000, batch = 500, series = 20;
  bool through_bridge = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--rows") rows = arg_number(i, argc, argv);
    else if (a == "--batch") batch = arg_number(i, argc, argv);
    else if (a == "--series") series = arg_number(i, argc, argv);
    else if (a == "--bridge") through_bridge = true;
    else {
      std::fprintf(stderr, "usage: hearth-house-bench [--dir DIR] [--rows N] [--batch N] [--series N] [--bridge]\n");
      return 2;
    }
  }
  const std::string path = (std::filesystem::path(dir) / ("hearth-house-bench-" + std::to_string(::getpid()) + ".db")).string();
  try {
    auto db = store::open_house_db(path);
    store::readings_store store(*db, {static_cast<std::size_t>(batch), static_cast<std::size_t>(batch) * 4,
                                      static_cast<std::size_t>(series) + 1});
    no_rooms rooms;
    home::bridge bridge(home::routing_table::defaults(), rooms);
    const std::int64_t t0 = 1'700'000'000'000;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < rows; ++i) {
      const std::string sensor = "28-" + std::to_string(i % series);
      if (through_bridge) {
        auto out = bridge.on_message("home/n1/temperature",
                                     "{\"" + sensor + "\": " + std::to_string(20.0 + (i % 100) * 0.01) + "}", false,
                                     t0 + i);
        for (auto& r : out.readings) store.add(std::move(r));
      } else {
        store.add({"n1", "temperature", sensor, 20.0 + (i % 100) * 0.01, t0 + i});
      }
    }
    store.flush();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("rows=%ld batch=%ld series=%ld bridge=%s stored=%llu dropped=%llu transactions=%llu seconds=%.3f "
                "readings_per_s=%.0f file_bytes=%llu\n",
                rows, batch, series, through_bridge ? "yes" : "no",
                static_cast<unsigned long long>(store.stats().stored),
                static_cast<unsigned long long>(store.stats().dropped),
                static_cast<unsigned long long>(store.stats().flushes), secs, static_cast<double>(rows) / secs,
                static_cast<unsigned long long>(store::used_bytes(*db)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth-house-bench: %s\n", e.what());
    std::filesystem::remove(path);
    return 1;
  }
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ignored);
  return 0;
}
