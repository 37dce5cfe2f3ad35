// The GPIO character device, v2 uAPI (Linux 5.10+). One line request (one
// file descriptor) per line keeps the code and the failure modes simple: a
// line that cannot be requested fails alone.
#include <fcntl.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "hearth/hal/gpio.hpp"

namespace hearth::hal {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

class line_fd {
public:
  explicit line_fd(int fd) : fd_(fd) {}
  ~line_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  line_fd(const line_fd&) = delete;
  line_fd& operator=(const line_fd&) = delete;
  int get() const noexcept { return fd_; }

private:
  int fd_;
};

class chardev_output final : public output_line {
public:
  explicit chardev_output(int fd) : fd_(fd) {}
  std::error_code set(bool active) override {
    gpio_v2_line_values v{};
    v.mask = 1;
    v.bits = active ? 1 : 0;  // logical: the kernel applies ACTIVE_LOW
    if (::ioctl(fd_.get(), GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) return last_error();
    return {};
  }

private:
  line_fd fd_;
};

class chardev_input final : public input_line {
public:
  explicit chardev_input(int fd) : fd_(fd) {}
  std::error_code read(bool& active) override {
    gpio_v2_line_values v{};
    v.mask = 1;
    if (::ioctl(fd_.get(), GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return last_error();
    active = (v.bits & 1) != 0;
    return {};
  }

private:
  line_fd fd_;
};

class chardev_backend final : public gpio_backend {
public:
  explicit chardev_backend(std::string root) : root_(std::move(root)) {}
  std::string_view name() const override { return "chardev"; }

  std::unique_ptr<output_line> open_output(const line_address& a, bool initial_active,
                                           std::error_code& ec) override {
    gpio_v2_line_request req{};
    std::uint64_t flags = GPIO_V2_LINE_FLAG_OUTPUT;
    if (a.active_low) flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
    req.config.flags = flags;
    // The initial value is part of the request, so the line never shows the
    // other level between "output" and the first write.
    req.config.num_attrs = 1;
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[0].attr.values = initial_active ? 1 : 0;
    req.config.attrs[0].mask = 1;
    const int fd = request(a, req, ec);
    if (fd < 0) return nullptr;
    return std::make_unique<chardev_output>(fd);
  }

  std::unique_ptr<input_line> open_input(const line_address& a, std::chrono::microseconds debounce,
                                         std::error_code& ec) override {
    gpio_v2_line_request req{};
    std::uint64_t flags = GPIO_V2_LINE_FLAG_INPUT;
    if (a.active_low) flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
    req.config.flags = flags;
    if (debounce.count() > 0) {
      req.config.num_attrs = 1;
      req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
      req.config.attrs[0].attr.debounce_period_us = static_cast<std::uint32_t>(debounce.count());
      req.config.attrs[0].mask = 1;
    }
    const int fd = request(a, req, ec);
    if (fd < 0) return nullptr;
    return std::make_unique<chardev_input>(fd);
  }

private:
  // Finds the chip whose label (or name) is `chip` among root/dev/gpiochip*.
  int open_chip(const std::string& chip, std::error_code& ec) const {
    std::vector<std::string> paths;
    std::error_code dir_ec;
    for (const auto& e : std::filesystem::directory_iterator(root_ + "/dev", dir_ec)) {
      if (e.path().filename().string().rfind("gpiochip", 0) == 0) paths.push_back(e.path().string());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      const int fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        ec = last_error();
        continue;
      }
      gpiochip_info info{};
      if (::ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info) == 0 &&
          (chip == info.label || chip == info.name)) {
        ec.clear();
        return fd;
      }
      ::close(fd);
    }
    if (!ec) ec = std::make_error_code(std::errc::no_such_device);
    return -1;
  }

  int request(const line_address& a, gpio_v2_line_request& req, std::error_code& ec) const {
    const int chip_fd = open_chip(a.chip, ec);
    if (chip_fd < 0) return -1;
    line_fd chip(chip_fd);
    req.offsets[0] = a.offset;
    req.num_lines = 1;
    std::snprintf(req.consumer, sizeof req.consumer, "hearth-agent");
    if (::ioctl(chip.get(), GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
      ec = last_error();
      return -1;
    }
    ec.clear();
    return req.fd;
  }

  std::string root_;
};

}  // namespace

std::unique_ptr<gpio_backend> make_chardev_backend(const std::string& root) {
  return std::make_unique<chardev_backend>(root);
}

}  // namespace hearth::hal
