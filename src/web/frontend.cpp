// hearthd's web side: listeners, certificate, static files, Engine.IO mounts.
#include "hearth/web/frontend.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <csignal>

#include "hearth/web/eio_server.hpp"
#include "hearth/web/http_server.hpp"
#include "hearth/web/static_files.hpp"
#include "hearth/web/tls.hpp"

namespace hearth::web {

namespace {

http_limits limits_of(const core::web_config& w) {
  http_limits l;
  l.max_header_bytes = w.max_header_bytes;
  l.request_timeout = w.request_timeout;
  l.idle_timeout = w.idle_timeout;
  l.max_connections = w.max_connections;
  return l;
}

tcp::endpoint endpoint_of(const core::listen_address& a) {
  return tcp::endpoint(net::ip::make_address(a.host), a.port);  // validated by the config
}

}  // namespace

frontend::frontend(net::io_context& ioc, core::logger& log, const core::config& cfg)
    : ioc_(ioc),
      log_(log),
      cfg_(cfg),
      server_(std::make_unique<http_server>(ioc, log, routes_, limits_of(cfg.web))),
      hangup_(ioc, SIGHUP) {
  const auto& w = cfg.web;
  if (w.cert_file.empty() != w.key_file.empty())
    throw core::config_error("web.cert_file and web.key_file go together: set both, or neither for a self-signed pair");
  if (w.redirect_http && (!cfg.https || !cfg.http))
    throw core::config_error("web.redirect_http needs both --https and --http");
  if (cfg.https) {
    try {
      cert_files files{w.cert_file, w.key_file};
      if (files.cert_file.empty()) files = ensure_self_signed(cfg.data_dir, log);
      cert_file_ = files.cert_file;
      key_file_ = files.key_file;
      make_server_context(files);  // fail at start-up, not at the first connection
    } catch (const core::config_error&) {
      throw;
    } catch (const std::exception& e) {
      throw core::config_error(e.what());
    }
  }
  mount_static(routes_, embedded_files());
  if (cfg.https) wait_hangup();
}

void frontend::wait_hangup() {
  hangup_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopped_) return;
    reload_certificate();
    wait_hangup();
  });
}

frontend::~frontend() { stop(); }

void frontend::mount_engine_io(eio::handler& h, std::string path) {
  eio_settings s;
  s.path = std::move(path);
  s.session.ping_interval = cfg_.web.ping_interval;
  s.session.ping_timeout = cfg_.web.ping_timeout;
  s.session.max_payload = cfg_.web.max_body_bytes;
  s.cors_origin = cfg_.web.cors_origin;
  engines_.push_back(std::make_unique<eio_server>(ioc_, log_, h, std::move(s)));
  engines_.back()->mount(routes_);
}

void frontend::listen() {
  if (cfg_.https) {
    listener_options o;
    o.name = "https";
    o.tls = make_server_context(cert_files{cert_file_, key_file_});
    https_ep_ = server_->listen(endpoint_of(*cfg_.https), std::move(o));
    log_.info() << "https certificate " << cert_file_ << " SHA-256 " << sha256_fingerprint(cert_file_);
  }
  if (cfg_.http) {
    listener_options o;
    o.name = "http";
    if (cfg_.web.redirect_http && https_ep_) o.redirect_to_https_port = https_ep_->port();
    http_ep_ = server_->listen(endpoint_of(*cfg_.http), std::move(o));
  }
}

void frontend::reload_certificate() {
  if (!cfg_.https) return;
  try {
    server_->set_tls_context(make_server_context(cert_files{cert_file_, key_file_}));
    log_.info() << "reload: https certificate " << cert_file_ << " SHA-256 " << sha256_fingerprint(cert_file_)
                << " (new connections)";
  } catch (const std::exception& e) {
    log_.error() << "reload: keeping the previous https certificate: " << e.what();
  }
}

void frontend::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  hangup_.cancel(ignored);
  for (auto& e : engines_) e->close_all();
  server_->stop();
}

}  // namespace hearth::web
