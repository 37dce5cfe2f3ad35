// The live web site of the house: the REST API (api.hpp) at /api/ and the
// Socket.IO server at /socket.io/, mounted on the frontend's router, over
// the house (app/house.hpp). Implemented in src/app/web_bridge.cpp.
//
// Socket.IO: a CONNECT without a valid session cookie (or {"token"} auth)
// is refused with CONNECT_ERROR {"message":"login required"}. Connected
// sockets get the house's events (reading, relay, node, alarm) as they
// happen; the UI loads GET /api/house first. Client events:
//   command {node, relay, state} -> ack {ok, error?} once the relay
//     confirmed it or it failed (the house's command tracker);
//   mqtt:subscribe "<filter>" -> ack {ok, error?}; then `mqtt`
//     {topic, payload, qos, retain} for every matching message the user may
//     read under the broker's ACL file (the same rules as an MQTT client
//     with that user name). At most 16 filters per socket, 256 in all.
//
// Users: first start without any user (an empty or missing password file)
// makes an `admin` with a random password and logs it once
// (first_start_password()).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hearth/core/log.hpp"
#include "hearth/mqtt/acl.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/net/net.hpp"
#include "hearth/web/auth_users.hpp"

namespace hearth::home {
class house;
}

namespace hearth::web {

class frontend;

struct site_state;

class api_site {
public:
  // `users` outlives the site. `backup_dir` holds a backup while it is sent.
  api_site(net::io_context& ioc, core::logger& log, home::house& house, mqtt::broker& broker,
           user_directory& users, std::string backup_dir);
  ~api_site();
  api_site(const api_site&) = delete;
  api_site& operator=(const api_site&) = delete;

  // Adds /api/ and /socket.io/ to the frontend.
  void mount(frontend& f);
  // The ACL that `mqtt:subscribe` applies (nullopt: everything allowed, as
  // in the broker without an acl_file).
  void set_acl(std::optional<mqtt::acl> acl);
  // Ends the pass-through client and the Socket.IO timer.
  void stop();

private:
  std::unique_ptr<site_state> state_;
};

// When `users` holds nobody: adds "admin" with a random password and returns
// the password (for the one log line that shows it); nullopt otherwise.
// Throws std::runtime_error when the password file cannot be written.
std::optional<std::string> make_first_user(user_directory& users);

}  // namespace hearth::web
