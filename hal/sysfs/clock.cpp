#include "hearth/hal/clock.hpp"

#include <thread>

namespace hearth::hal {

time_point system_clock::now() { return std::chrono::steady_clock::now(); }

void system_clock::sleep_until(time_point t) { std::this_thread::sleep_until(t); }

}  // namespace hearth::hal
