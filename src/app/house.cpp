#include "hearth/app/house.hpp"

#include <chrono>
#include <exception>
#include <filesystem>

#include <boost/asio/post.hpp>

#include "hearth/net/local_client.hpp"
#include "hearth/store/backup.hpp"
#include "hearth/store/retention.hpp"
#include "hearth/store/schema.hpp"

namespace hearth::home {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string db_path(const core::config& cfg) { return (std::filesystem::path(cfg.data_dir) / "readings.db").string(); }

bridge_limits limits_of(const core::config& cfg) {
  bridge_limits l;
  l.max_payload = cfg.bridge.max_payload;
  return l;
}

constexpr auto maintenance_period = std::chrono::hours(1);

}  // namespace

house::house(net::io_context& ioc, mqtt::broker& broker, const core::config& cfg, core::logger& log)
    : ioc_(ioc),
      broker_(broker),
      cfg_(cfg),
      log_(log),
      db_(store::open_house_db(db_path(cfg), cfg.storage.quick_check)),
      readings_(*db_, {cfg.storage.batch_rows, cfg.storage.max_pending}),
      devices_(*db_),
      audit_(*db_),
      rooms_(devices_),
      bridge_(routing_table::from_config(cfg.bridge), rooms_, limits_of(cfg)),
      tracker_(cfg.bridge.prefix, cfg.bridge.command_timeout),
      timer_(ioc.get_executor()),
      next_maintenance_(std::chrono::steady_clock::now() + std::chrono::minutes(1)) {
  checkpointer_ = std::make_unique<store::wal_checkpointer>(*db_);
  bridge_.set_pending_check([this](std::string_view node, std::string_view relay) {
    return tracker_.pending(node, relay);
  });
}

house::~house() = default;

void house::start() {
  client_ = std::make_shared<local_client>(ioc_, broker_);
  if (client_->connect("hearthd-house", true) != mqtt::connack_code::accepted) {
    log_.error() << "house: the broker refused the in-process client hearthd-house; no readings are stored";
    return;
  }
  // One subscription per route filter; a message matching several filters
  // is handled by the one whose route comes first (the bridge's rule).
  for (const route& r : bridge_.routes().routes()) {
    const std::string filter = r.filter;
    const auto granted = client_->subscribe(filter, 1, [this, filter](const mqtt::message_ptr& m) {
      on_message(m, filter);
    });
    if (granted == mqtt::suback_failure)
      log_.warn() << "house: cannot subscribe to " << filter << " (refused by the ACL?)";
  }
  log_.info() << "house: storing readings in " << db_->path();
  arm_timer();
}

void house::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  if (!flush()) log_.error() << "house: " << readings_.pending() << " readings lost at shutdown: " << readings_.last_error();
  if (client_) client_->disconnect();
}

void house::emit(event e) {
  if (sink_) sink_(e.name, boost::json::value(std::move(e.data)));
}

void house::on_message(const mqtt::message_ptr& m, const std::string& filter) {
  auto match = bridge_.routes().find(m->topic);
  if (!match || match->r->filter != filter) return;  // another subscription handles it
  bridge_output out = bridge_.on_message(m->topic, m->payload, m->retain, now_ms());
  // The browsers first, the disk after: storing may write a whole batch to
  // SQLite (milliseconds), which must not stand between a reading and the
  // screens (issue 7's end-to-end latency).
  for (event& e : out.events) {
    if (e.name == "relay") {
      const std::string node(e.data.at("node").as_string());
      const std::string relay(e.data.at("relay").as_string());
      try {
        devices_.seen(node, "relay", relay, now_ms());
      } catch (const store::sqlite_error& err) {
        log_.warn() << "house: cannot record relay " << node << "/" << relay << ": " << err.what();
      }
      finish(tracker_.on_state(node, relay, e.data.at("state").as_string()));
      e.data["pending"] = tracker_.pending(node, relay);
    }
    emit(std::move(e));
  }
  for (store::reading& r : out.readings) {
    try {
      devices_.seen(r.node, r.kind, r.sensor, r.ts);
    } catch (const store::sqlite_error& e) {
      log_.warn() << "house: cannot record device " << r.node << "/" << r.kind << "/" << r.sensor << ": " << e.what();
    }
    readings_.add(std::move(r));
  }
}

void house::command(std::string user, std::string node, std::string relay, std::string state, command_callback done) {
  const std::int64_t ts = now_ms();
  std::int64_t id = 0;
  try {
    id = audit_.record(ts, user, node, relay, state);
  } catch (const store::sqlite_error& e) {
    id = --unlogged_id_;
    log_.warn() << "house: command not in the audit log: " << e.what();
  }
  const auto refuse = [&](const std::string& why) {
    try {
      if (id > 0) audit_.finish(id, "refused", ts, why);
    } catch (const store::sqlite_error&) {
    }
    if (done) done(false, why);
  };
  if (!devices_.known(node, "relay", relay)) return refuse("unknown relay " + node + "/" + relay);
  std::optional<std::string> known;
  if (auto ev = bridge_.relay_event(node, relay)) known = std::string(ev->data.at("state").as_string());
  command_start s = tracker_.submit(id, {std::move(user), node, relay, std::move(state)}, known,
                                    std::chrono::steady_clock::now());
  if (!s.error.empty()) return refuse(s.error);
  finish(std::move(s.superseded));
  callbacks_.emplace(id, std::move(done));
  if (std::error_code ec = client_ ? client_->publish(s.topic, s.payload, s.qos, false)
                                   : std::make_error_code(std::errc::not_connected)) {
    finish(tracker_.on_publish_failed(id, "cannot publish " + s.topic + ": " + ec.message()));
    return;
  }
  if (auto ev = bridge_.relay_event(node, relay)) emit(std::move(*ev));  // now pending
}

void house::finish(std::vector<command_done> done) {
  const std::int64_t ts = now_ms();
  for (command_done& d : done) {
    try {
      if (d.id > 0) audit_.finish(d.id, to_string(d.outcome), ts, d.detail);
    } catch (const store::sqlite_error& e) {
      log_.warn() << "house: audit log: " << e.what();
    }
    if (auto it = callbacks_.find(d.id); it != callbacks_.end()) {
      command_callback cb = std::move(it->second);
      callbacks_.erase(it);
      const bool ok = d.outcome == command_outcome::confirmed;
      if (cb) cb(ok, ok ? std::string() : std::string(to_string(d.outcome)) + ": " + d.detail);
    }
    if (d.outcome != command_outcome::superseded)
      if (auto ev = bridge_.relay_event(d.request.node, d.request.relay)) emit(std::move(*ev));
  }
}

bool house::flush() {
  const bool ok = readings_.flush();
  if (!ok && !flush_failing_) log_.error() << "house: cannot store readings (kept in memory for now): " << readings_.last_error();
  if (ok && flush_failing_) log_.info() << "house: storing readings again";
  flush_failing_ = !ok;
  return ok;
}

store::history house::history(const store::history_query& q) {
  flush();
  return store::query_history(*db_, q);
}

void house::backup(const std::string& path) {
  flush();
  store::backup_to(*db_, path);
}

void house::backup_async(std::string path, std::function<void(std::string)> done) {
  flush();
  std::shared_ptr<store::backup_job> job;
  try {
    job = std::make_shared<store::backup_job>(*db_, std::move(path));
  } catch (const std::exception& e) {
    if (done) done(e.what());
    return;
  }
  // Each turn copies some pages and yields to the loop; the job (and its
  // .tmp file) dies with the last handler if hearthd stops meanwhile.
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, job, done = std::move(done), weak = std::weak_ptr(step)] {
    try {
      if (!job->step(256)) {
        if (stopped_) {
          if (done) done("hearthd stopped before the backup was complete");
        } else if (auto again = weak.lock()) {
          net::post(ioc_, [again] { (*again)(); });
        }
        return;
      }
      log_.info() << "house: backup written to " << job->dest();
      if (done) done({});
    } catch (const std::exception& e) {
      if (done) done(e.what());
    }
  };
  net::post(ioc_, [step] { (*step)(); });
}

void house::arm_timer() {
  timer_.expires_after(cfg_.storage.flush_interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) on_timer();
  });
}

void house::on_timer() {
  flush();
  finish(tracker_.expire(std::chrono::steady_clock::now()));
  if (std::chrono::steady_clock::now() >= next_maintenance_) {
    next_maintenance_ = std::chrono::steady_clock::now() + maintenance_period;
    maintenance();
  }
  arm_timer();
}

void house::maintenance() {
  try {
    const auto kept = store::apply_retention(*db_, now_ms(), cfg_.storage.raw_retention);
    const auto capped = store::enforce_size_cap(*db_, cfg_.storage.max_bytes);
    if (capped.bytes_before > capped.bytes_after)
      log_.warn() << "house: readings.db over its size cap of " << cfg_.storage.max_bytes << " bytes: "
                  << capped.raw_summarised << " raw rows summarised, " << capped.hourly_dropped
                  << " hourly rows dropped";
    if (kept.raw_summarised > 0) log_.debug() << "house: " << kept.raw_summarised << " raw rows summarised by hour";
    audit_.prune();
  } catch (const store::sqlite_error& e) {
    log_.error() << "house: maintenance of readings.db failed: " << e.what();
  }
  const auto& b = bridge_.stats();
  if (b.problems() > reported_problems_) {
    log_.warn() << "house: " << (b.problems() - reported_problems_) << " bad MQTT messages or values ignored (total: "
                << b.oversized << " oversized, " << b.not_json << " not JSON objects, " << b.bad_values
                << " bad values, " << b.bad_sensors << " bad sensor ids); last: " << bridge_.last_problem();
    reported_problems_ = b.problems();
  }
  if (checkpointer_->failures() > reported_checkpoint_failures_) {
    log_.warn() << "house: " << (checkpointer_->failures() - reported_checkpoint_failures_)
                << " background WAL checkpoints of readings.db failed (the loop checkpoints instead): "
                << checkpointer_->last_error();
    reported_checkpoint_failures_ = checkpointer_->failures();
  }
  const auto& r = readings_.stats();
  if (r.dropped > reported_drops_) {
    log_.warn() << "house: " << (r.dropped - reported_drops_) << " readings dropped (storage failing or too many sensors)";
    reported_drops_ = r.dropped;
  }
}

int backup_command(const core::config& cfg, const std::string& dest, core::logger& log) {
  try {
    const std::string path = db_path(cfg);
    if (!std::filesystem::exists(path)) {
      log.error() << "backup: no database at " << path << " (is --data-dir right?)";
      return 1;
    }
    auto db = store::open_house_db(path, true);
    store::backup_to(*db, dest);
    log.info() << "backup: " << path << " copied to " << dest;
    return 0;
  } catch (const std::exception& e) {
    log.error() << "backup: " << e.what();
    return 1;
  }
}

}  // namespace hearth::home
