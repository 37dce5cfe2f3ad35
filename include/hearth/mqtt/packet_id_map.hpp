// A small map keyed by MQTT packet id: a sorted vector of (id, value).
//
// A session keeps the QoS 2 messages it received and has not released yet
// (at most max_incoming_qos2, 20 by default) in one of these. Almost always
// it is empty, and there are as many sessions as clients: an empty vector is
// 24 bytes, where an empty std::unordered_map is 56, and lookups over a
// handful of ids are no slower. The interface is the subset of std::map the
// broker uses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace hearth::mqtt {

template <class Value>
class packet_id_map {
public:
  using value_type = std::pair<std::uint16_t, Value>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void clear() noexcept { items_.clear(); }

  iterator find(std::uint16_t id) noexcept {
    auto it = lower_bound(id);
    return it != items_.end() && it->first == id ? it : items_.end();
  }
  const_iterator find(std::uint16_t id) const noexcept { return const_cast<packet_id_map&>(*this).find(id); }
  std::size_t count(std::uint16_t id) const noexcept { return find(id) != end() ? 1 : 0; }

  // Inserts unless `id` is there already (std::map::emplace).
  std::pair<iterator, bool> emplace(std::uint16_t id, Value v) {
    auto it = lower_bound(id);
    if (it != items_.end() && it->first == id) return {it, false};
    return {items_.emplace(it, id, std::move(v)), true};
  }

  iterator erase(iterator it) { return items_.erase(it); }
  std::size_t erase(std::uint16_t id) {
    auto it = find(id);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }

private:
  iterator lower_bound(std::uint16_t id) noexcept {
    return std::lower_bound(items_.begin(), items_.end(), id,
                            [](const value_type& item, std::uint16_t key) { return item.first < key; });
  }

  std::vector<value_type> items_;
};

}  // namespace hearth::mqtt
