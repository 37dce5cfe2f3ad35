#include "hearth/hal/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hearth::hal {
namespace {

constexpr double adc_scale_mv = 0.125;  // an ADS1115 at +-4.096 V full scale

long to_raw(double mv) { return std::lround(mv / adc_scale_mv); }

}  // namespace

room_simulator::room_simulator(fake_tree& tree, simulated_room room, std::uint32_t seed)
    : tree_(tree), room_(std::move(room)), rng_(seed) {}

void room_simulator::install() {
  for (const auto& id : room_.thermometers) tree_.add_ds18b20(id, static_cast<std::int32_t>(room_.base_celsius * 1000));
  if (room_.soil_channel || room_.gas_channel) tree_.add_iio_device(room_.adc_name);
  if (room_.gas_input) {
    // Idle: the detector's output is inactive.
    tree_.set_gpio_level(room_.gas_input->chip, room_.gas_input->offset, room_.gas_input->active_low ? 1 : 0);
  }
  step(0);
}

void room_simulator::step(double seconds) {
  t_ += seconds;
  std::normal_distribution<double> noise(0.0, 1.0);
  for (std::size_t i = 0; i < room_.thermometers.size(); ++i) {
    const double c = room_.base_celsius + 0.6 * static_cast<double>(i) +
                     1.5 * std::sin(2 * std::numbers::pi * t_ / 900.0 + static_cast<double>(i)) + 0.05 * noise(rng_);
    // The DS18B20 resolves 1/16 degC; the driver prints millidegrees.
    const auto sixteenths = std::lround(c * 16.0);
    tree_.set_temperature(room_.thermometers[i], static_cast<std::int32_t>(sixteenths * 1000 / 16));
  }
  if (room_.valve) {
    const int level = tree_.gpio_level(room_.valve->chip, room_.valve->offset);
    const bool open = level >= 0 && ((level == 1) != room_.valve->active_low);
    soil_percent_ += seconds * (open ? 0.8 : -0.02);
  } else {
    soil_percent_ -= seconds * 0.02;
  }
  soil_percent_ = std::clamp(soil_percent_, 5.0, 95.0);
  if (room_.soil_channel) {
    const double mv = room_.soil_dry_mv + (room_.soil_wet_mv - room_.soil_dry_mv) * soil_percent_ / 100.0 +
                      3.0 * noise(rng_);
    tree_.set_iio_channel(room_.adc_name, *room_.soil_channel, to_raw(mv), adc_scale_mv);
  }
  if (room_.gas_channel) {
    tree_.set_iio_channel(room_.adc_name, *room_.gas_channel, to_raw(310 + 8 * noise(rng_)), adc_scale_mv);
  }
}

}  // namespace hearth::hal
