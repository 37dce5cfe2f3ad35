#include "hearth/mqtt/topic_tree.hpp"

#include <algorithm>

#include "hearth/mqtt/topic.hpp"

namespace hearth::mqtt {

struct topic_tree::node {
  // Literal levels by name; the wildcard levels apart, so that matching one
  // level of a topic is one map lookup and two pointer tests, not three map
  // lookups (perf: the tree walk was 31 % of hearthd's CPU in QoS 0 fan-in).
  std::map<std::string, std::unique_ptr<node>, std::less<>> children;
  std::unique_ptr<node> plus;  // "+"
  std::unique_ptr<node> hash;  // "#"
  std::vector<subscriber_match> subscribers;
  node* parent = nullptr;
  std::string key;

  bool empty() const noexcept { return children.empty() && !plus && !hash && subscribers.empty(); }

  node* child(std::string_view level) const {
    if (level == "+") return plus.get();
    if (level == "#") return hash.get();
    auto it = children.find(level);
    return it == children.end() ? nullptr : it->second.get();
  }

  node& add_child(std::string_view level) {
    auto c = std::make_unique<node>();
    c->parent = this;
    c->key = std::string(level);
    node& added = *c;
    if (level == "+") {
      plus = std::move(c);
    } else if (level == "#") {
      hash = std::move(c);
    } else {
      children.emplace(added.key, std::move(c));
    }
    return added;
  }

  void remove_child(const node& c) {
    if (&c == plus.get()) {
      plus.reset();
    } else if (&c == hash.get()) {
      hash.reset();
    } else if (auto it = children.find(c.key); it != children.end()) {
      children.erase(it);
    }
  }
};

topic_tree::topic_tree() : root_(std::make_unique<node>()) {}
topic_tree::~topic_tree() = default;

bool topic_tree::subscribe(std::string_view filter, session* s, std::uint8_t qos) {
  node* n = root_.get();
  for (level_iterator it(filter); it; ++it) {
    node* c = n->child(*it);
    n = c ? c : &n->add_child(*it);
  }
  for (auto& sub : n->subscribers) {
    if (sub.subscriber == s) {
      sub.qos = qos;
      return false;
    }
  }
  n->subscribers.push_back({s, qos});
  ++count_;
  return true;
}

bool topic_tree::unsubscribe(std::string_view filter, session* s) {
  node* n = root_.get();
  for (level_iterator it(filter); it; ++it) {
    n = n->child(*it);
    if (!n) return false;
  }
  auto& subs = n->subscribers;
  auto pos = std::find_if(subs.begin(), subs.end(), [&](auto& m) { return m.subscriber == s; });
  if (pos == subs.end()) return false;
  *pos = subs.back();
  subs.pop_back();
  --count_;
  // Prune the branch that no longer leads to any subscription.
  while (n != root_.get() && n->empty()) {
    node* parent = n->parent;
    parent->remove_child(*n);  // destroys n
    n = parent;
  }
  return true;
}

void topic_tree::match(std::string_view topic, std::vector<subscriber_match>& out) const {
  match_level(*root_, topic, false, true, out);
}

// `rest` is the part of the topic not yet consumed; `at_end` is true once the
// last level has been consumed by the caller.
void topic_tree::match_level(const node& n, std::string_view rest, bool at_end, bool first,
                             std::vector<subscriber_match>& out) const {
  // Wildcards at the first level never match '$' topics (MQTT-4.7.2-1).
  const bool dollar = first && !rest.empty() && rest.front() == '$';
  if (!dollar) {
    // "#" matches everything below, and the parent level itself ("a/#" matches "a").
    if (n.hash) out.insert(out.end(), n.hash->subscribers.begin(), n.hash->subscribers.end());
  }
  if (at_end) {
    out.insert(out.end(), n.subscribers.begin(), n.subscribers.end());
    return;
  }
  const auto slash = rest.find('/');
  const std::string_view level = rest.substr(0, slash);
  const std::string_view next = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  const bool last = slash == std::string_view::npos;
  if (!n.children.empty()) {
    if (auto c = n.children.find(level); c != n.children.end()) match_level(*c->second, next, last, false, out);
  }
  if (!dollar && n.plus) match_level(*n.plus, next, last, false, out);
}

}  // namespace hearth::mqtt
