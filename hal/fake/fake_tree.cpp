#include "hearth/hal/fake.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "hearth/hal/file_io.hpp"

namespace fs = std::filesystem;

namespace hearth::hal {
namespace {

std::string w1_text(bool crc_ok, std::int32_t millicelsius) {
  // The driver's format: scratchpad bytes, CRC verdict; the same bytes, t=.
  const char* bytes = "72 01 4b 46 7f ff 0e 10 57";
  return std::string(bytes) + " : crc=57 " + (crc_ok ? "YES" : "NO") + "\n" + bytes + " t=" +
         std::to_string(millicelsius) + "\n";
}

std::string read_or_empty(const std::string& path) {
  std::string s;
  if (read_text(path, s)) return {};
  return std::string(trim(s));
}

}  // namespace

void write_file(const std::string& path, std::string_view text) {
  // Write then rename, so a reader never sees half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("fake tree: cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("fake tree: cannot replace " + path + ": " + ec.message());
}

fake_tree::fake_tree(std::string root) : root_(std::move(root)) {
  fs::create_directories(root_ + "/sys/bus/w1/devices");
  fs::create_directories(root_ + "/sys/bus/iio/devices");
  fs::create_directories(root_ + "/sys/class/gpio");
  if (!fs::exists(root_ + "/sys/class/gpio/export")) write_file(root_ + "/sys/class/gpio/export", "");
}

void fake_tree::add_ds18b20(std::string_view id, std::int32_t millicelsius) {
  fs::create_directories(root_ + "/sys/bus/w1/devices/" + std::string(id));
  set_temperature(id, millicelsius);
}

void fake_tree::set_temperature(std::string_view id, std::int32_t millicelsius) {
  write_w1_slave(id, w1_text(true, millicelsius));
}

void fake_tree::inject_crc_failure(std::string_view id) { write_w1_slave(id, w1_text(false, 21000)); }

void fake_tree::inject_power_on_value(std::string_view id) { write_w1_slave(id, w1_text(true, 85000)); }

void fake_tree::write_w1_slave(std::string_view id, std::string_view text) {
  write_file(root_ + "/sys/bus/w1/devices/" + std::string(id) + "/w1_slave", text);
}

void fake_tree::remove_ds18b20(std::string_view id) {
  fs::remove_all(root_ + "/sys/bus/w1/devices/" + std::string(id));
}

void fake_tree::add_gpio_chip(std::string_view label, unsigned base, unsigned ngpio) {
  const std::string chip = root_ + "/sys/class/gpio/gpiochip" + std::to_string(base);
  fs::create_directories(chip);
  write_file(chip + "/label", std::string(label) + "\n");
  write_file(chip + "/base", std::to_string(base) + "\n");
  write_file(chip + "/ngpio", std::to_string(ngpio) + "\n");
  for (unsigned i = 0; i < ngpio; ++i) {
    const std::string line = root_ + "/sys/class/gpio/gpio" + std::to_string(base + i);
    fs::create_directories(line);
    write_file(line + "/direction", "in\n");
    write_file(line + "/value", "0\n");
  }
}

std::string fake_tree::line_dir(std::string_view label, unsigned offset) const {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ + "/sys/class/gpio", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("gpiochip", 0) != 0) continue;
    if (read_or_empty(e.path().string() + "/label") != label) continue;
    const long base = std::stol(read_or_empty(e.path().string() + "/base"));
    return root_ + "/sys/class/gpio/gpio" + std::to_string(base + static_cast<long>(offset));
  }
  throw std::runtime_error("fake tree: no GPIO chip labelled " + std::string(label));
}

int fake_tree::gpio_level(std::string_view label, unsigned offset) const {
  long v = 0;
  if (read_long(line_dir(label, offset) + "/value", v)) return -1;
  return static_cast<int>(v);
}

std::string fake_tree::gpio_direction(std::string_view label, unsigned offset) const {
  return read_or_empty(line_dir(label, offset) + "/direction");
}

void fake_tree::set_gpio_level(std::string_view label, unsigned offset, int level) {
  write_file(line_dir(label, offset) + "/value", level ? "1\n" : "0\n");
}

void fake_tree::fail_gpio_writes(std::string_view label, unsigned offset, bool fail) {
  const std::string value = line_dir(label, offset) + "/value";
  fs::remove_all(value);
  if (fail) fs::create_directory(value);
  else write_file(value, "0\n");
}

std::string fake_tree::iio_dir(std::string_view name) const {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ + "/sys/bus/iio/devices", ec)) {
    if (read_or_empty(e.path().string() + "/name") == name) return e.path().string();
  }
  throw std::runtime_error("fake tree: no IIO device named " + std::string(name));
}

void fake_tree::add_iio_device(std::string_view name) {
  unsigned n = 0;
  while (fs::exists(root_ + "/sys/bus/iio/devices/iio:device" + std::to_string(n))) ++n;
  const std::string dir = root_ + "/sys/bus/iio/devices/iio:device" + std::to_string(n);
  fs::create_directories(dir);
  write_file(dir + "/name", std::string(name) + "\n");
}

void fake_tree::set_iio_channel(std::string_view name, unsigned channel, long raw, double scale_mv) {
  const std::string dir = iio_dir(name);
  const std::string ch = dir + "/in_voltage" + std::to_string(channel);
  write_file(ch + "_raw", std::to_string(raw) + "\n");
  char scale[32];
  std::snprintf(scale, sizeof scale, "%.9f\n", scale_mv);
  write_file(ch + "_scale", scale);
}

}  // namespace hearth::hal
