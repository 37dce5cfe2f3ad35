// A small map keyed by MQTT packet id: a sorted vector of (id, value),
// allocated when the first entry arrives.
//
// A session keeps the QoS 2 messages it received and has not released yet
// (at most max_incoming_qos2, 20 by default) in one of these. Almost always
// it is empty, and there are as many sessions as clients: empty, this is one
// pointer, where an empty std::unordered_map is 56 bytes, and lookups over a
// handful of ids are no slower. The interface is the subset of std::map the
// broker uses; iterators are pointers, invalidated by emplace and erase.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace hearth::mqtt {

template <class Value>
class packet_id_map {
public:
  using value_type = std::pair<std::uint16_t, Value>;
  using iterator = value_type*;
  using const_iterator = const value_type*;

  iterator begin() noexcept { return items_ ? items_->data() : nullptr; }
  iterator end() noexcept { return begin() + size(); }
  const_iterator begin() const noexcept { return items_ ? items_->data() : nullptr; }
  const_iterator end() const noexcept { return begin() + size(); }
  std::size_t size() const noexcept { return items_ ? items_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept { items_.reset(); }

  iterator find(std::uint16_t id) noexcept {
    iterator it = lower_bound(id);
    return it != end() && it->first == id ? it : end();
  }
  const_iterator find(std::uint16_t id) const noexcept { return const_cast<packet_id_map&>(*this).find(id); }
  std::size_t count(std::uint16_t id) const noexcept { return find(id) != end() ? 1 : 0; }

  // Inserts unless `id` is there already (std::map::emplace).
  std::pair<iterator, bool> emplace(std::uint16_t id, Value v) {
    iterator it = lower_bound(id);
    if (it != end() && it->first == id) return {it, false};
    if (!items_) items_ = std::make_unique<std::vector<value_type>>();
    const auto at = items_->begin() + (it - begin());
    return {&*items_->emplace(at, id, std::move(v)), true};
  }

  iterator erase(iterator it) {
    const auto index = it - begin();
    items_->erase(items_->begin() + index);
    if (items_->empty()) {
      items_.reset();  // an idle session keeps nothing
      return end();
    }
    return begin() + index;
  }
  std::size_t erase(std::uint16_t id) {
    iterator it = find(id);
    if (it == end()) return 0;
    erase(it);
    return 1;
  }

private:
  iterator lower_bound(std::uint16_t id) noexcept {
    return std::lower_bound(begin(), end(), id,
                            [](const value_type& item, std::uint16_t key) { return item.first < key; });
  }

  std::unique_ptr<std::vector<value_type>> items_;
};

}  // namespace hearth::mqtt
