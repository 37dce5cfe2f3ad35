// The command line: one pass over argv into cli_options, then the merge of
// defaults, config file and options into one validated config.
#include "hearth/core/cli.hpp"

#include <string_view>

namespace hearth::core {

namespace {

[[noreturn]] void fail(std::string_view option, std::string_view what) {
  throw config_error(std::string(option) + ": " + std::string(what));
}

listen_address address_option(std::string_view option, std::string_view value) {
  std::string why;
  auto addr = parse_listen_address(value, why);
  if (!addr) fail(option, why);
  return *addr;
}

}  // namespace

cli_options parse_command_line(std::span<const char* const> args) {
  cli_options out;
  if (!args.empty() && std::string_view(args[0]) == "passwd") {
    // The password comes from stdin, never from the command line, where
    // other users of the machine could read it (ps, /proc).
    if (args.size() != 3) fail("passwd", "usage: hearthd passwd FILE USER (the password is read from stdin)");
    out.what = cli_options::action::passwd;
    out.passwd_file = args[1];
    out.passwd_user = args[2];
    return out;
  }
  if (!args.empty() && std::string_view(args[0]) == "backup") {
    // The rest are the usual options: they say where the data directory is.
    if (args.size() < 2 || std::string_view(args[1]).starts_with("-"))
      fail("backup", "usage: hearthd backup FILE [-c CONFIG] [--data-dir DIR]");
    cli_options rest = parse_command_line(args.subspan(2));
    if (rest.what != cli_options::action::run) fail("backup", "usage: hearthd backup FILE [-c CONFIG] [--data-dir DIR]");
    rest.what = cli_options::action::backup;
    rest.backup_file = args[1];
    return rest;
  }
  if (!args.empty() && std::string_view(args[0]) == "token") {
    // Like backup: the usual options say where the data directory and the
    // users are.
    constexpr std::string_view use = "usage: hearthd token NAME USER [-c CONFIG] [--data-dir DIR] [--password-file FILE]";
    if (args.size() < 3 || std::string_view(args[1]).starts_with("-") || std::string_view(args[2]).starts_with("-"))
      fail("token", use);
    cli_options rest = parse_command_line(args.subspan(3));
    if (rest.what != cli_options::action::run) fail("token", use);
    rest.what = cli_options::action::token;
    rest.token_name = args[1];
    rest.token_user = args[2];
    return rest;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    // The value of an option: after '=' or the next argument.
    auto value = [&]() -> std::string_view {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) fail(name, "missing value");
      return args[++i];
    };
    auto flag = [&] {
      if (inline_value) fail(name, "takes no value");
    };

    if (name == "-h" || name == "--help") {
      flag();
      out.what = cli_options::action::help;
    } else if (name == "--version") {
      flag();
      out.what = cli_options::action::version;
    } else if (name == "-c" || name == "--config") {
      out.config_file = std::string(value());
    } else if (name == "--data-dir") {
      out.data_dir = std::string(value());
      if (out.data_dir->empty()) fail(name, "must not be empty");
    } else if (name == "--mqtt") {
      out.mqtt = address_option(name, value());
    } else if (name == "--mqtts") {
      out.mqtts = address_option(name, value());
    } else if (name == "--https") {
      out.https = address_option(name, value());
    } else if (name == "--http") {
      out.http = address_option(name, value());
    } else if (name == "--password-file") {
      out.password_file = std::string(value());
    } else if (name == "--acl-file") {
      out.acl_file = std::string(value());
    } else if (name == "--log-level") {
      log_level level;
      if (!parse_log_level(value(), level)) fail(name, "expected one of debug, info, warning, error, off");
      out.level = level;
    } else if (name == "--allow-anonymous") {
      flag();
      out.allow_anonymous = true;
    } else if (name == "--demo") {
      flag();
      out.demo = true;
    } else if (name == "passwd") {
      fail("passwd", "must come first: hearthd passwd FILE USER");
    } else if (name.starts_with("-")) {
      fail(name, "unknown option (see hearthd --help)");
    } else {
      fail(name, "unexpected argument (see hearthd --help)");
    }
  }
  return out;
}

std::string usage() {
  return R"(Usage: hearthd [OPTIONS]
       hearthd passwd FILE USER   add or change a user in a password file (password on stdin)
       hearthd backup FILE [-c CONFIG] [--data-dir DIR]
                                  copy the readings database (safe while hearthd runs)
       hearthd token NAME USER [-c CONFIG] [--data-dir DIR] [--password-file FILE]
                                  make an API token acting as USER and print it once
                                  (for scripts: Authorization: Bearer TOKEN, or Socket.IO
                                  auth {"token": TOKEN}); a running hearthd accepts it at once

Hearth's central station: an MQTT 3.1.1 broker, the web UI over HTTPS with
Socket.IO, and SQLite storage of every reading, in one process.

Options:
  -c, --config FILE       read settings from a TOML file (the command line overrides it)
      --data-dir DIR      data directory, created if missing (default /var/lib/hearth)
      --mqtt ADDR:PORT    MQTT listener (default 127.0.0.1:1883; port 0 picks a free port,
                          which is logged as "listening mqtt ADDR:PORT")
      --mqtts ADDR:PORT   MQTT over TLS listener (TLS 1.2+; certificate and key from [tls])
      --https ADDR:PORT   HTTPS listener: web UI, Socket.IO at /socket.io/ (logged as
                          "listening https ADDR:PORT"; without [web] cert_file/key_file a
                          self-signed certificate is made in the data directory)
      --http ADDR:PORT    plain HTTP listener serving the same (or, with [web] redirect_http,
                          redirecting to --https)
      --password-file FILE  users, in Mosquitto's password-file format; with it, clients must log in
                          (unless --allow-anonymous). SIGHUP reloads it, the ACL, the TLS files and [mqtt] limits
      --acl-file FILE     access control, in Mosquitto's acl_file format
      --allow-anonymous   accept clients without a username. Without it and without a password
                          file, only loopback clients are accepted and a listener on another
                          address refuses to start
      --demo              run a demonstration on this machine and print how to try it
      --log-level LEVEL   debug, info (default), warning, error or off
  -h, --help              show this help and exit
      --version           show the version and exit

ADDR is a numeric IPv4 address or a bracketed IPv6 one: 127.0.0.1:1883, 0.0.0.0:1883, [::1]:1883.

Config file keys (TOML), with their defaults:
  data_dir = "/var/lib/hearth"
  log_level = "info"
  allow_anonymous = false
  busy_poll_us = 0                   # microseconds the loop polls after work before sleeping
  acl_file = ""
  password_file = ""                 # Mosquitto format ($7$ PBKDF2-SHA512, or $6$); see hearthd passwd
  [mqtt]
  listen = "127.0.0.1:1883"          # --mqtt
  max_packet_size = 1048576          # bytes of remaining length, at most 268435455
  connect_timeout = 10               # seconds to receive CONNECT after accepting
  max_inflight = 32                  # outbound QoS 1/2 messages awaiting acknowledgement, per client
  max_queued_messages = 1000         # per session, behind the window or while offline
  max_queued_bytes = 16777216        # per session
  max_incoming_qos2 = 20             # QoS 2 messages received and not yet released, per session
  backpressure_timeout = 5           # seconds publishers wait for a subscriber that is behind, 0 = drop
  write_queue_soft_bytes = 1048576   # unsent bytes beyond which QoS 0 messages are dropped (counted)
  write_queue_hard_bytes = 16777216  # unsent bytes beyond which the client is disconnected
  sys_interval = 10                  # seconds between $SYS publications, 0 = off
  session_expiry = 0                 # seconds a persistent session is kept while its client is away,
                                     # then discarded with its queue; 0 = until the client cleans it
  max_memory_bytes = 67108864        # queued + retained message bytes; past it new retained messages
                                     # are refused and QoS 1/2 publishers wait, 0 = unbounded
  [persistence]                      # broker.db: sessions, subscriptions, retained and queued messages
  enabled = true
  ack = "after_commit"               # or "immediate": acknowledge before the batch is on disk
  synchronous = "full"               # or "normal": faster, may lose the last batch on power loss
  commit_interval_ms = 10            # a batch commits at least this often under load (0-1000)
  [storage]                          # readings.db: every reading, for history
  raw_retention_hours = 720          # raw rows; older ones become hourly min/avg/max
  max_bytes = 536870912              # size cap of readings.db (oldest rows go first), 0 = none
  flush_interval_ms = 1000           # readings are written in batched transactions
  batch_rows = 500                   # a full batch is written at once
  max_pending = 20000                # readings kept in memory while the disk fails
  quick_check = false                # PRAGMA quick_check instead of integrity_check at start
  [bridge]                           # MQTT topics -> Socket.IO events and commands
  prefix = "home"                    # of the default routes (DESIGN.md's topic contract) and of commands
  command_timeout = 10               # seconds a relay command waits for the agent's confirmation
  max_payload = 4096                 # bytes; larger messages are counted and dropped
  # [[bridge.routes]] topic = "home/+/pressure", events = ["reading"], unit = "hPa" adds or
  # overrides a route (events: reading, relay, node, alarm, ignore; alarm_threshold = 0.5)
  [tls]                              # the mqtts listener
  listen = ""                        # --mqtts
  cert_file = ""                     # PEM certificate chain
  key_file = ""                      # PEM private key
  ca_file = ""                       # PEM CA for client certificates
  require_certificate = false        # clients need a certificate signed by ca_file
  use_identity_as_username = false   # the certificate's CN is the user name
  handshake_timeout = 10             # seconds for the TLS handshake
  [web]                              # the https and http listeners
  cert_file = ""                     # PEM chain; empty (with key_file): self-signed, made in data_dir
  key_file = ""                      # PEM private key
  redirect_http = false              # --http only redirects to --https
  cors_origin = ""                   # Engine.IO CORS: "" same origin, "*", or one origin
  max_header_bytes = 16384           # a bigger request header gets 431
  max_body_bytes = 1048576           # a bigger body gets 413; also Engine.IO's maxPayload
  request_timeout = 10               # seconds to receive one request
  idle_timeout = 30                  # seconds a keep-alive connection may idle
  max_connections = 1024
  ping_interval = 25000              # Engine.IO heartbeat, milliseconds
  ping_timeout = 20000

Exit status: 0 after SIGINT or SIGTERM, 2 for a bad option or config file, 1 for a runtime failure.
)";
}

config build_config(const cli_options& cli, std::string_view toml_text, std::string_view origin) {
  config cfg;
  if (!toml_text.empty()) apply_toml(cfg, toml_text, origin);


  if (cli.data_dir) cfg.data_dir = *cli.data_dir;
  if (cli.mqtt) cfg.mqtt.listen = *cli.mqtt;
  if (cli.acl_file) cfg.acl_file = *cli.acl_file;
  if (cli.mqtts) cfg.mqtts = *cli.mqtts;
  if (cli.password_file) cfg.password_file = *cli.password_file;
  if (cli.mqtts) cfg.mqtts = *cli.mqtts;
  if (cli.https) cfg.https = *cli.https;
  if (cli.http) cfg.http = *cli.http;
  if (cli.password_file) cfg.password_file = *cli.password_file;
  if (cli.level) cfg.level = *cli.level;
  if (cli.allow_anonymous) cfg.allow_anonymous = true;
  cfg.demo = cli.demo;
  validate(cfg);
  return cfg;
}

config load_config(const cli_options& cli) {
  if (!cli.config_file) return build_config(cli, {}, {});
  const std::string text = read_config_file(*cli.config_file);
  config cfg = build_config(cli, text, *cli.config_file);
  cfg.config_file = *cli.config_file;
  return cfg;
}

}  // namespace hearth::core
