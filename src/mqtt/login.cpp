#include "hearth/mqtt/login.hpp"

#include <string>

namespace hearth::mqtt {

namespace {

bool is_loopback_peer(std::string_view peer) {
  return peer.starts_with("127.") || peer.starts_with("[::1]") || peer.starts_with("[::ffff:127.");
}

auth_verdict refused(connack_code code, std::string reason) {
  auth_verdict v;
  v.code = code;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

auth_verdict login_checker::decide(const auth_request& r) const {
  const connect_packet& p = r.connect;
  if (r.peer.starts_with("local:")) return {};
  if (policy_.use_identity_as_username && !r.certificate_name.empty()) {
    auth_verdict v;
    v.username = std::string(r.certificate_name);
    return v;
  }
  if (users_) {
    if (!p.username) {
      if (policy_.allow_anonymous) return {};
      return refused(connack_code::not_authorized, "no user name, and anonymous clients are not allowed");
    }
    // verify() costs the same for unknown users and wrong passwords.
    if (!users_->verify(*p.username, p.password.value_or(std::string())))
      return refused(connack_code::bad_username_or_password, "bad user name or password for '" + *p.username + "'");
    return {};
  }
  if (policy_.allow_anonymous || is_loopback_peer(r.peer) || !r.certificate_name.empty()) return {};
  return refused(connack_code::not_authorized, "not allowed from this address (no --password-file, no --allow-anonymous)");
}

auth_verdict login_checker::check(const auth_request& r, clock::time_point now) {
  auth_verdict v = decide(r);
  if (r.peer.starts_with("local:")) return v;
  const std::string_view address = login_throttle::address_of(r.peer);
  if (v.code != connack_code::accepted) {
    const unsigned n = throttle_.failed(address, now);
    v.delay = throttle_.delay(address, now);
    v.reason += " (failure " + std::to_string(n) + " from " + std::string(address) + "; answered after " +
                std::to_string(v.delay.count()) + " ms)";
  } else {
    v.delay = throttle_.delay(address, now);
  }
  return v;
}

authenticator login_checker::as_authenticator() {
  return [this](const auth_request& r) { return check(r, clock::now()); };
}

}  // namespace hearth::mqtt
