// Access control in Mosquitto's acl_file format, so an existing Mosquitto
// installation's file works unchanged:
//
//   # rules before the first `user` line apply to anonymous clients
//   topic [read|write|readwrite|deny] <topic filter>
//   user <name>
//   topic [read|write|readwrite|deny] <topic filter>   # rules of that user
//   pattern [read|write|readwrite|deny] <filter>      # everyone; %u user, %c client id
//
// Once a file is loaded, access is denied unless a rule grants it; a `deny`
// rule that matches wins over any grant. Without a file everything is allowed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::mqtt {

enum class acl_access { read = 1, write = 2, readwrite = 3, deny = 4 };

struct acl_rule {
  acl_access access = acl_access::readwrite;
  std::string filter;
  bool pattern = false;  // %u / %c substituted per client
};

struct acl_identity {
  std::optional<std::string> username;
  std::string_view client_id;
};

class acl {
public:
  // Parses an acl_file. Throws std::runtime_error naming the line on a bad line.
  static acl parse(std::string_view text);
  static acl load(const std::string& path);

  // May this client publish to `topic`?
  bool can_write(const acl_identity& who, std::string_view topic) const;
  // May this client receive a message on `topic`?
  bool can_read(const acl_identity& who, std::string_view topic) const;
  // May this client subscribe to `filter`? Every topic the filter can match
  // must be readable under one rule, and no deny rule may cover it.
  bool can_subscribe(const acl_identity& who, std::string_view filter) const;

  std::size_t rule_count() const noexcept;

private:
  enum class check { read, write, subscribe };
  bool allowed(const acl_identity& who, std::string_view topic, check c) const;
  std::vector<acl_rule> anonymous_;
  std::map<std::string, std::vector<acl_rule>, std::less<>> users_;
  std::vector<acl_rule> patterns_;
};

// True when every topic that `filter` matches is also matched by `rule`.
bool filter_covers(std::string_view rule, std::string_view filter) noexcept;

}  // namespace hearth::mqtt
