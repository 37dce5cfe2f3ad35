#include "hearth/mqtt/retained_store.hpp"

#include "hearth/mqtt/topic.hpp"

namespace hearth::mqtt {

retained_store::~retained_store() {
  if (meter_)
    for (auto& [topic, m] : messages_) meter_->release(*m);
}

void retained_store::put(const message_ptr& m) {
  auto it = messages_.find(m->topic);
  if (it != messages_.end()) {
    bytes_ -= it->second->payload.size() + it->second->topic.size();
    if (meter_) meter_->release(*it->second);
    if (m->payload.empty()) {
      messages_.erase(it);
      return;
    }
    it->second = m;
  } else {
    if (m->payload.empty()) return;
    messages_.emplace(m->topic, m);
  }
  if (meter_) meter_->hold(*m);
  bytes_ += m->payload.size() + m->topic.size();
}

void retained_store::match(std::string_view filter, std::vector<message_ptr>& out) const {
  if (filter.find_first_of("+#") == std::string_view::npos) {
    if (auto it = messages_.find(filter); it != messages_.end()) out.push_back(it->second);
    return;
  }
  // A filter with a literal first part can only match topics that start with
  // it; walk just that range of the ordered map.
  auto literal = filter.substr(0, filter.find_first_of("+#"));
  // "sport/#" also matches "sport" itself, which sorts before "sport/": the
  // range has to start at the parent level, without the separator.
  if (!literal.empty() && literal.back() == '/' && filter[literal.size()] == '#') literal.remove_suffix(1);
  for (auto it = messages_.lower_bound(literal); it != messages_.end(); ++it) {
    if (it->first.compare(0, literal.size(), literal) != 0) break;
    if (topic_matches(filter, it->first)) out.push_back(it->second);
  }
}

const message_ptr* retained_store::find(std::string_view topic) const {
  auto it = messages_.find(topic);
  return it == messages_.end() ? nullptr : &it->second;
}

}  // namespace hearth::mqtt
