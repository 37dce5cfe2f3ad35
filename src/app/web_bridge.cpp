// The house's events to Socket.IO, Socket.IO and REST requests to the house
// (web/api_site.hpp).
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "hearth/app/house.hpp"
#include "hearth/net/local_client.hpp"
#include "hearth/web/api.hpp"
#include "hearth/web/api_site.hpp"
#include "hearth/web/frontend.hpp"
#include "hearth/web/sio_asio_scheduler.hpp"
#include "hearth/web/socketio.hpp"

namespace hearth::web {

namespace json = boost::json;

namespace {

constexpr std::size_t max_filters_per_socket = 16;
constexpr std::size_t max_filters = 256;

// The room of the Socket.IO connections opened with one login session.
std::string session_room(std::string_view session_id) { return "session:" + std::string(session_id); }

// The house as the REST API sees it.
class house_adapter final : public house_port {
public:
  explicit house_adapter(home::house& h) : h_(h) {}
  store::database& db() override { return h_.database(); }
  store::devices& devices() override { return h_.devices(); }
  store::audit_log& audit() override { return h_.audit(); }
  std::vector<home::event> latest() const override { return h_.snapshot(); }
  void command(const home::command_request& r, std::function<void(command_reply)> done) override {
    h_.command(r.user, r.node, r.relay, r.state,
               [done = std::move(done)](bool ok, std::string error) { done({ok, std::move(error)}); });
  }
  void flush_readings() override { h_.flush(); }

private:
  home::house& h_;
};

}  // namespace

struct site_state {
  site_state(net::io_context& ioc, core::logger& log, home::house& h, mqtt::broker& broker, user_directory& users,
             std::string backup_dir)
      : log_(log),
        house_(h),
        adapter_(h),
        api_(adapter_, users, sessions_, limiter_, api_options{std::move(backup_dir)}),
        sched_(ioc.get_executor()),
        io_(sched_, log),
        mqtt_(std::make_shared<local_client>(ioc, broker)) {
    sched_.attach(io_);
  }

  void start();
  void on_mqtt_subscribe(sio::socket& s, sio::event& e);
  void on_message(const std::string& filter, const mqtt::message_ptr& m);
  void drop_socket(const std::string& sid);

  core::logger& log_;
  home::house& house_;
  house_adapter adapter_;
  session_store sessions_;
  login_limiter limiter_;
  api api_;
  sio::asio_scheduler sched_;
  sio::server io_;
  std::shared_ptr<local_client> mqtt_;
  std::optional<mqtt::acl> acl_;
  std::map<std::string, std::set<std::string>> filters_;       // filter -> socket ids
  std::map<std::string, std::set<std::string>> socket_filters_;  // socket id -> filters
  bool stopped_ = false;
};

void site_state::start() {
  auto& root = io_.of("/");
  root.use([this](sio::socket& s) -> std::optional<sio::refusal> {
    auto who = api_.authenticate_socket(s.request().headers, s.auth(), auth_clock::now());
    if (!who) return sio::refusal{"login required"};
    s.data()["user"] = who->user;
    s.data()["role"] = to_string(who->role);
    s.data()["session"] = who->session;  // empty for an API token
    return std::nullopt;
  });
  root.on_connection([](sio::socket& s) {
    s.join("house");
    if (const auto& session = s.data().at("session").as_string(); !session.empty())
      s.join(session_room(session));
  });
  // A logout (or a deleted user) ends the live connections of the session
  // too: they would otherwise go on receiving the house's events.
  sessions_.on_ended([this](const std::string& id) {
    const auto* members = io_.of("/").rooms().members(session_room(id));
    if (!members) return;
    const std::vector<std::string> sids(members->begin(), members->end());
    for (const auto& sid : sids)
      if (sio::socket* s = io_.of("/").find(sid)) s->disconnect(true);
  });
  root.on_disconnect([this](sio::socket& s, std::string_view) { drop_socket(s.id()); });
  root.on("command", [this](sio::socket& s, sio::event& e) {
    auto ack = e.ack;
    const json::object* o = !e.data.values.empty() && e.data.values[0].is_object() ? &e.data.values[0].as_object() : nullptr;
    auto str = [&](std::string_view k) {
      const auto* v = o ? o->if_contains(k) : nullptr;
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    if (!o) {
      ack(json::array{json::object{{"ok", false}, {"error", "expected {node, relay, state}"}}});
      return;
    }
    house_.command(std::string(s.data().at("user").as_string()), str("node"), str("relay"), str("state"),
                   [ack](bool ok, std::string error) {
                     json::object r{{"ok", ok}};
                     if (!ok) r["error"] = error;
                     ack(json::array{std::move(r)});
                   });
  });
  root.on("mqtt:subscribe", [this](sio::socket& s, sio::event& e) { on_mqtt_subscribe(s, e); });

  house_.on_event([this](std::string_view name, json::value data) {
    if (stopped_) return;
    io_.of("/").to("house").emit(name, json::array{std::move(data)});
  });
  if (mqtt_->connect("hearthd-web", true) != mqtt::connack_code::accepted)
    log_.warn() << "web: the mqtt:subscribe pass-through could not connect to the broker";
}

void site_state::on_mqtt_subscribe(sio::socket& s, sio::event& e) {
  auto fail = [&](std::string_view why) { e.ack(json::array{json::object{{"ok", false}, {"error", why}}}); };
  if (e.data.values.empty() || !e.data.values[0].is_string()) return fail("expected a topic filter");
  const std::string filter(e.data.values[0].as_string());
  const std::string user(s.data().at("user").as_string());
  if (acl_ && !acl_->can_subscribe(mqtt::acl_identity{user, s.id()}, filter)) return fail("not allowed by the ACL");
  auto& mine = socket_filters_[s.id()];
  if (mine.contains(filter)) return (void)e.ack(json::array{json::object{{"ok", true}}});
  if (mine.size() >= max_filters_per_socket) return fail("too many subscriptions");
  auto it = filters_.find(filter);
  if (it == filters_.end()) {
    if (filters_.size() >= max_filters) return fail("too many subscriptions");
    const auto granted = mqtt_->subscribe(filter, 0, [this, filter](const mqtt::message_ptr& m) { on_message(filter, m); });
    if (granted == mqtt::suback_failure) return fail("invalid or forbidden topic filter");
    it = filters_.emplace(filter, std::set<std::string>{}).first;
  }
  it->second.insert(s.id());
  mine.insert(filter);
  e.ack(json::array{json::object{{"ok", true}}});
}

void site_state::on_message(const std::string& filter, const mqtt::message_ptr& m) {
  auto it = filters_.find(filter);
  if (it == filters_.end()) return;
  auto& root = io_.of("/");
  const json::object ev{{"topic", m->topic}, {"payload", m->payload}, {"qos", m->qos}, {"retain", m->retain}};
  for (const auto& sid : it->second) {
    sio::socket* s = root.find(sid);
    if (!s) continue;
    // Each message is checked against the user's read rules, as the broker
    // does for a subscriber with that user name.
    if (acl_ && !acl_->can_read(mqtt::acl_identity{std::string(s->data().at("user").as_string()), sid}, m->topic))
      continue;
    s->emit("mqtt", json::array{ev});
  }
}

void site_state::drop_socket(const std::string& sid) {
  auto it = socket_filters_.find(sid);
  if (it == socket_filters_.end()) return;
  for (const auto& f : it->second) {
    auto fit = filters_.find(f);
    if (fit == filters_.end()) continue;
    fit->second.erase(sid);
    if (fit->second.empty()) {
      filters_.erase(fit);
      if (!stopped_) mqtt_->unsubscribe(f);
    }
  }
  socket_filters_.erase(it);
}

api_site::api_site(net::io_context& ioc, core::logger& log, home::house& house, mqtt::broker& broker,
                   user_directory& users, std::string backup_dir)
    : state_(std::make_unique<site_state>(ioc, log, house, broker, users, std::move(backup_dir))) {
  state_->start();
}

api_site::~api_site() = default;

void api_site::mount(frontend& f) {
  site_state* st = state_.get();
  f.routes().add("", "/api/", [st](http_request&& req, responder res) {
    st->api_.handle(req, auth_clock::now(), [res](http_response&& r) { res(std::move(r)); });
  });
  f.mount_engine_io(st->io_, "/socket.io/");
}

void api_site::set_acl(std::optional<mqtt::acl> acl) { state_->acl_ = std::move(acl); }

void api_site::stop() {
  if (state_->stopped_) return;
  state_->stopped_ = true;
  state_->house_.on_event(nullptr);
  state_->sched_.cancel();
  state_->mqtt_->disconnect();
}

std::optional<std::string> make_first_user(user_directory& users) {
  if (!users.list().empty()) return std::nullopt;
  const std::string password = random_hex(12);
  if (auto e = users.add("admin", password, role::admin); !e.empty()) throw std::runtime_error(e);
  return password;
}

}  // namespace hearth::web
