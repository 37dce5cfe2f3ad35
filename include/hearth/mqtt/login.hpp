// Who may connect: the broker's authenticator (broker::set_authenticator),
// built from the password file, the anonymous policy and client
// certificates, with repeated failures slowed down (login_throttle).
//
// In order:
//  - in-process clients (peer "local:...") are always accepted;
//  - with use_identity_as_username, a verified client certificate's CN is
//    the user name and no password is asked for;
//  - with a password file, a CONNECT with a user name must carry its
//    password: else CONNACK 4 (bad user name or password); one without a
//    user name is accepted only with allow_anonymous, else CONNACK 5;
//  - without a password file, everyone is accepted with allow_anonymous,
//    and otherwise clients from the loopback address or with a verified
//    client certificate (listeners elsewhere refuse to start without users,
//    see core::validate); anyone else gets CONNACK 5.
// Refusals are counted per address, and every answer to an address that
// keeps failing is delayed (auth_verdict::delay); the reason logged says so.
//
// The users can be replaced at any time (SIGHUP); connections already
// accepted are not affected.
#pragma once

#include <memory>

#include "hearth/core/password_file.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/login_throttle.hpp"

namespace hearth::mqtt {

struct login_policy {
  bool allow_anonymous = false;
  bool use_identity_as_username = false;
};

class login_checker {
public:
  explicit login_checker(login_policy policy, login_throttle::limits limits = {})
      : policy_(policy), throttle_(limits) {}

  // Null: no password file.
  void set_users(std::shared_ptr<const core::password_file> users) { users_ = std::move(users); }
  const core::password_file* users() const noexcept { return users_.get(); }
  void set_policy(login_policy p) noexcept { policy_ = p; }

  auth_verdict check(const auth_request& r, clock::time_point now);

  const login_throttle& throttle() const noexcept { return throttle_; }

  // An authenticator for the broker that calls check() with the steady
  // clock. The checker must outlive the broker's use of it.
  authenticator as_authenticator();

private:
  auth_verdict decide(const auth_request& r) const;

  login_policy policy_;
  std::shared_ptr<const core::password_file> users_;
  login_throttle throttle_;
};

}  // namespace hearth::mqtt
