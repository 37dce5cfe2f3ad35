// hearthd --demo: simulated satellites as supervised child processes.
#include "hearth/app/demo.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <regex>
#include <set>
#include <cctype>
#include <filesystem>
#include <thread>

#include "hearth/agent/simulate.hpp"
#include "hearth/net/local_client.hpp"
#include "hearth/store/history.hpp"
#include "hearth/web/auth.hpp"
#include "hearth/web/auth_users.hpp"

namespace hearth::home {

namespace {

std::string title(const std::string& room) {
  std::string t = room;
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

// TOML basic string: our values are hex and paths without quotes or
// backslashes, but escape anyway.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const std::vector<std::string>& demo::rooms() {
  static const std::vector<std::string> r{"kitchen", "garden", "bedroom"};
  return r;
}

std::string demo::agent_next_to_self() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto agent = self.parent_path() / "hearth-agent";
  return std::filesystem::exists(agent, ec) ? agent.string() : std::string();
}

demo::demo(net::io_context& ioc, core::logger& log, std::string agent, std::string dir)
    : ioc_(ioc), log_(log), agent_(std::move(agent)), dir_(std::move(dir)), timer_(ioc.get_executor()) {
  std::filesystem::create_directories(dir_);
  for (const auto& r : rooms()) children_.push_back(child{r, web::random_hex(16)});
}

demo::~demo() { stop(); }

void demo::add_credentials(core::password_file& users) const {
  for (const auto& c : children_) users.set("demo-" + c.room, c.password);
}

void demo::prepare_rooms(store::devices& devices) {
  devices_ = &devices;
  const auto existing = devices.rooms();
  for (const auto& r : rooms()) {
    const std::string name = title(r);
    auto it = std::find_if(existing.begin(), existing.end(), [&](const auto& x) { return x.name == name; });
    if (it != existing.end()) {
      unplaced_.emplace_back(r, it->id);
      continue;
    }
    auto made = devices.create_room(name);
    if (made) unplaced_.emplace_back(r, made.id);
    else log_.warn() << "demo: cannot create room " << name << ": " << made.error;
  }
  place_nodes();
}

void demo::place_nodes() {
  // A node exists once it has published; until then it cannot be placed.
  if (!devices_ || unplaced_.empty()) return;
  const auto nodes = devices_->list_nodes();
  std::erase_if(unplaced_, [&](const auto& p) {
    auto n = std::find_if(nodes.begin(), nodes.end(), [&](const auto& x) { return x.name == p.first; });
    if (n == nodes.end()) return false;
    if (!n->room) {
      if (auto placed = devices_->update_node(p.first, n->label, p.second); !placed)
        log_.warn() << "demo: cannot place " << p.first << ": " << placed.error;
    }
    return true;
  });
}

std::string demo::config_text(const child& c) const {
  std::string t = "state_dir = " + quoted(dir_ + "/" + c.room + "-state") + "\n";
  t += agent::simulated_room_toml(c.room);
  if (login_) t += "\n[central]\nusername = " + quoted("demo-" + c.room) + "\npassword = " + quoted(c.password) + "\n";
  return t;
}

void demo::backfill(mqtt::broker& broker, store::database& db, std::int64_t now_ms) {
  std::set<std::string> stored;
  for (const auto& s : store::list_series(db)) stored.insert(s.node + "/" + s.kind + "/" + s.sensor);
  auto client = std::make_shared<local_client>(ioc_, broker);
  if (client->connect("hearthd-demo-history", true) != mqtt::connack_code::accepted) return;
  constexpr std::int64_t step = 5 * 60 * 1000;
  constexpr std::int64_t day = 24 * 3600 * 1000;
  const std::regex thermometer(R"re(id = "(28-[0-9a-f]+)")re");
  std::size_t published = 0;
  for (const auto& room : rooms()) {
    const std::string toml = agent::simulated_room_toml(room);
    std::vector<std::string> ids;
    for (std::sregex_iterator it(toml.begin(), toml.end(), thermometer), end; it != end; ++it)
      if (!stored.contains(room + "/temperature/" + (*it)[1].str())) ids.push_back((*it)[1].str());
    const bool soil = !stored.contains(room + "/moisture/soil");
    // The simulated room's own base temperature (simulate.cpp), on a daily wave.
    const double base = 19.5 + static_cast<double>(std::hash<std::string>{}(room) % 40) / 10.0;
    for (std::int64_t ts = now_ms - day; ts < now_ms - step; ts += step) {
      // A daily wave that ends at the room's base, where the live agent starts.
      const double wave = 2.0 * std::sin(2 * std::numbers::pi * static_cast<double>(ts - now_ms) / day);
      if (!ids.empty()) {
        std::string p = "{";
        for (std::size_t i = 0; i < ids.size(); ++i)
          p += "\"" + ids[i] + "\":" + std::to_string(std::round((base + 0.6 * i + wave) * 16) / 16) + ",";
        p += "\"ts\":" + std::to_string(ts) + "}";
        client->publish("home/" + room + "/temperature", p, 0);
        ++published;
      }
      if (soil) {
        const double percent = 62.0 - 7.0 * static_cast<double>(ts - (now_ms - day)) / day;
        client->publish("home/" + room + "/moisture",
                        "{\"soil\":" + std::to_string(std::round(percent * 10) / 10) + ",\"ts\":" + std::to_string(ts) + "}", 0);
        ++published;
      }
    }
  }
  client->disconnect();
  if (published) log_.info() << "demo: " << published << " past readings published (a day of history)";
}

std::string demo::gas_trigger_path(const std::string& room) const {
  // The simulated room's first GPIO chip is numbered from 512; the gas
  // detector is its line 22.
  return dir_ + "/" + room + "-sys/sys/class/gpio/gpio534/value";
}

void demo::start(std::uint16_t mqtt_port, bool login) {
  port_ = mqtt_port;
  login_ = login;
  if (agent_.empty()) {
    log_.error() << "demo: hearth-agent not found next to hearthd; no simulated satellites";
    return;
  }
  for (auto& c : children_) spawn(c);
  supervise();
}

void demo::spawn(child& c) {
  const std::string conf = dir_ + "/" + c.room + ".toml";
  const std::string log_file = dir_ + "/" + c.room + ".log";
  const std::string sysfs = dir_ + "/" + c.room + "-sys";
  const std::string central = "127.0.0.1:" + std::to_string(port_);
  try {
    web::write_file_atomically(conf, config_text(c));
  } catch (const std::exception& e) {
    log_.error() << "demo: " << e.what();
    return;
  }
  std::vector<std::string> args{agent_, "-c", conf, "--simulate", "--node", c.room, "--central", central,
                                "--sysfs-root", sysfs};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    log_.error() << "demo: cannot start the " << c.room << " agent: fork failed";
    return;
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  c.pid = pid;
  log_.info() << "demo: satellite " << c.room << " started (pid " << pid << ", log " << log_file << ")";
}

void demo::supervise() {
  if (stopped_) return;
  place_nodes();
  const auto now = std::chrono::steady_clock::now();
  for (auto& c : children_) {
    if (c.pid > 0) {
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.pid = -1;
        const auto delay = std::chrono::seconds(std::min(30u, 1u << std::min(c.restarts, 5u)));
        ++c.restarts;
        c.restart_at = now + delay;
        log_.warn() << "demo: satellite " << c.room << " exited ("
                    << (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status)))
                    << "), restarting in " << delay.count() << " s; see " << dir_ << "/" << c.room << ".log";
      }
    } else if (c.restart_at != std::chrono::steady_clock::time_point{} && now >= c.restart_at) {
      c.restart_at = {};
      spawn(c);
    }
  }
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) supervise();
  });
}

void demo::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  for (auto& c : children_)
    if (c.pid > 0) ::kill(c.pid, SIGTERM);
  // Shutdown only: a short blocking wait is fine, the loop is ending.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (auto& c : children_) {
    while (c.pid > 0) {
      int status = 0;
      const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid || r < 0) {
        c.pid = -1;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(c.pid, SIGKILL);
        ::waitpid(c.pid, &status, 0);
        c.pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace hearth::home
