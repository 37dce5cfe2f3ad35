// hearth-sio-testserver --port N: the program the official Engine.IO and
// Socket.IO server test suites run against (plain HTTP on 127.0.0.1).
//   /engine.io/  a raw Engine.IO echo: every message sent back, binary as binary
//   /socket.io/  the Socket.IO conformance handlers (sio_conformance.hpp)
// with pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1,000,000 and
// CORS "*", as the suites expect. Exit: 0 on SIGINT/SIGTERM, 2 on bad
// arguments, 1 when the port cannot be bound.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string_view>

#include "hearth/web/eio_server.hpp"
#include "hearth/web/http_server.hpp"
#ifdef HEARTH_TESTSERVER_SIO
#include "hearth/web/sio_asio_scheduler.hpp"
#include "hearth/web/sio_conformance.hpp"
#include "hearth/web/socketio.hpp"
#endif

namespace {

using namespace hearth;

class echo_handler final : public web::eio::handler {
public:
  void on_open(web::eio::connection&) override {}
  void on_message(web::eio::connection& c, web::eio::message&& m) override { c.send(std::move(m)); }
  void on_close(web::eio::connection&, std::string_view) override {}
};

web::eio_settings suite_settings(std::string_view path) {
  web::eio_settings s;
  s.path.assign(path.data(), path.size());
  s.session.ping_interval = std::chrono::milliseconds(300);
  s.session.ping_timeout = std::chrono::milliseconds(200);
  s.session.max_payload = 1000000;
  s.cors_origin = "*";
  s.ws_open_delay = std::chrono::milliseconds(20);
  return s;
}

int usage(FILE* out, int code) {
  std::fputs(
      "Usage: hearth-sio-testserver --port N [--log-level LEVEL]\n"
      "Serves a raw Engine.IO echo at /engine.io/ and the Socket.IO conformance handlers at\n"
      "/socket.io/ on 127.0.0.1:N (pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000,\n"
      "CORS *), for the official protocol test suites.\n",
      out);
  return code;
}

}  // namespace

int main(int argc, char* argv[]) {
  long port = -1;
  core::log_level level = core::log_level::warning;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return usage(stdout, 0);
    if ((a == "--port" || a == "--log-level") && i + 1 >= argc) {
      std::fprintf(stderr, "hearth-sio-testserver: %s: missing value\n", argv[i]);
      return 2;
    }
    if (a == "--port") {
      const std::string_view v = argv[++i];
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
      if (ec != std::errc() || end != v.data() + v.size() || port < 0 || port > 65535) {
        std::fprintf(stderr, "hearth-sio-testserver: --port: '%s' is not a port number (0-65535)\n", argv[i]);
        return 2;
      }
    } else if (a == "--log-level") {
      if (!core::parse_log_level(argv[++i], level)) {
        std::fprintf(stderr, "hearth-sio-testserver: --log-level: expected debug, info, warning, error or off\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "hearth-sio-testserver: unknown argument '%s'\n", argv[i]);
      return usage(stderr, 2);
    }
  }
  if (port < 0) return usage(stderr, 2);

  try {
    core::logger log(level);
    net::io_context ioc{1};
    web::router routes;
    web::http_server server(ioc, log, routes, web::http_limits{});

    echo_handler echo;
    web::eio_server engine(ioc, log, echo, suite_settings("/engine.io/"));
    engine.mount(routes);

#ifdef HEARTH_TESTSERVER_SIO
    web::sio::asio_scheduler sched(ioc.get_executor());
    web::sio::server_options sio_opts;
    sio_opts.connect_timeout = std::chrono::milliseconds(1000);
    web::sio::server io(sched, log, sio_opts);
    sched.attach(io);
    web::sio::mount_conformance_handlers(io);
    web::eio_server sio_engine(ioc, log, io, suite_settings("/socket.io/"));
    sio_engine.mount(routes);
#endif

    const auto ep = tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port));
    // The log line tells scripts the port; print it whatever the log level.
    const auto bound = server.listen(ep, web::listener_options{});
    std::printf("listening http 127.0.0.1:%u\n", static_cast<unsigned>(bound.port()));
    std::fflush(stdout);

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      server.stop();
      engine.close_all();
#ifdef HEARTH_TESTSERVER_SIO
      sio_engine.close_all();
      sched.cancel();
#endif
    });
    ioc.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth-sio-testserver: %s\n", e.what());
    return 1;
  }
}
