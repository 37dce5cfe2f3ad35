// Subscriptions indexed by topic-filter level, so that matching a topic name
// walks the levels of that name instead of testing every filter.
//
// The tree stores opaque subscriber pointers with their granted QoS. A session
// with overlapping filters appears once per matching filter in match()'s
// output; the broker folds those into one delivery at the highest QoS.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::mqtt {

class session;

struct subscriber_match {
  session* subscriber;
  std::uint8_t qos;
};

class topic_tree {
public:
  topic_tree();
  ~topic_tree();
  topic_tree(const topic_tree&) = delete;
  topic_tree& operator=(const topic_tree&) = delete;

  // Adds or replaces `s`'s subscription to `filter` (a valid filter).
  // Returns true when it is new, false when an existing one got the new QoS.
  bool subscribe(std::string_view filter, session* s, std::uint8_t qos);

  // Removes `s`'s subscription to `filter`; returns false if it had none.
  bool unsubscribe(std::string_view filter, session* s);

  // Appends every (subscriber, qos) whose filter matches `topic`.
  void match(std::string_view topic, std::vector<subscriber_match>& out) const;

  std::size_t subscription_count() const noexcept { return count_; }

private:
  struct node;
  void match_level(const node& n, std::string_view rest, bool at_end, bool first,
                   std::vector<subscriber_match>& out) const;
  std::unique_ptr<node> root_;
  std::size_t count_ = 0;
};

}  // namespace hearth::mqtt
