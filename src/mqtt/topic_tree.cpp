#include "hearth/mqtt/topic_tree.hpp"

#include <algorithm>

#include "hearth/mqtt/topic.hpp"

namespace hearth::mqtt {

struct topic_tree::node {
  std::map<std::string, std::unique_ptr<node>, std::less<>> children;  // includes "+" and "#"
  std::vector<subscriber_match> subscribers;
  node* parent = nullptr;
  std::string key;

  bool empty() const noexcept { return children.empty() && subscribers.empty(); }
};

topic_tree::topic_tree() : root_(std::make_unique<node>()) {}
topic_tree::~topic_tree() = default;

bool topic_tree::subscribe(std::string_view filter, session* s, std::uint8_t qos) {
  node* n = root_.get();
  for (level_iterator it(filter); it; ++it) {
    auto found = n->children.find(*it);
    if (found == n->children.end()) {
      auto child = std::make_unique<node>();
      child->parent = n;
      child->key = std::string(*it);
      found = n->children.emplace(child->key, std::move(child)).first;
    }
    n = found->second.get();
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
    auto found = n->children.find(*it);
    if (found == n->children.end()) return false;
    n = found->second.get();
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
    parent->children.erase(n->key);
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
    if (auto h = n.children.find(std::string_view("#")); h != n.children.end())
      out.insert(out.end(), h->second->subscribers.begin(), h->second->subscribers.end());
  }
  if (at_end) {
    out.insert(out.end(), n.subscribers.begin(), n.subscribers.end());
    return;
  }
  const auto slash = rest.find('/');
  const std::string_view level = rest.substr(0, slash);
  const std::string_view next = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  const bool last = slash == std::string_view::npos;
  if (auto c = n.children.find(level); c != n.children.end())
    match_level(*c->second, next, last, false, out);
  if (!dollar) {
    if (auto p = n.children.find(std::string_view("+")); p != n.children.end())
      match_level(*p->second, next, last, false, out);
  }
}

}  // namespace hearth::mqtt
