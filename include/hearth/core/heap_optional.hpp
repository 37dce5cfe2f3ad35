// An optional value kept on the heap: one pointer (8 bytes) whether empty or
// not, where std::optional<T> is sizeof(T) + 8 always.
//
// For fields that are usually empty in objects there are many of: a client's
// will and user name, a session's user name. 2,000 idle anonymous clients
// save about 200 bytes each, which is what keeps an idle connection near
// Mosquitto's size. Reads are as with std::optional; it converts to and from
// std::optional<T>, so codecs and stores keep using the standard type.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace hearth::core {

template <class T>
class heap_optional {
public:
  heap_optional() noexcept = default;
  heap_optional(std::nullopt_t) noexcept {}
  heap_optional(const heap_optional& o) : value_(o ? std::make_unique<T>(*o) : nullptr) {}
  heap_optional(heap_optional&&) noexcept = default;
  heap_optional(const std::optional<T>& o) : value_(o ? std::make_unique<T>(*o) : nullptr) {}
  heap_optional(std::optional<T>&& o) : value_(o ? std::make_unique<T>(std::move(*o)) : nullptr) {}

  heap_optional& operator=(const heap_optional& o) { return *this = heap_optional(o); }
  heap_optional& operator=(heap_optional&&) noexcept = default;
  heap_optional& operator=(std::nullopt_t) noexcept {
    value_.reset();
    return *this;
  }
  heap_optional& operator=(const std::optional<T>& o) { return *this = heap_optional(o); }
  heap_optional& operator=(std::optional<T>&& o) { return *this = heap_optional(std::move(o)); }

  bool has_value() const noexcept { return value_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  T& operator*() noexcept { return *value_; }
  const T& operator*() const noexcept { return *value_; }
  T* operator->() noexcept { return value_.get(); }
  const T* operator->() const noexcept { return value_.get(); }
  void reset() noexcept { value_.reset(); }

  operator std::optional<T>() const& { return value_ ? std::optional<T>(*value_) : std::nullopt; }
  operator std::optional<T>() && { return value_ ? std::optional<T>(std::move(*value_)) : std::nullopt; }

  friend bool operator==(const heap_optional& a, const heap_optional& b) {
    return a.has_value() == b.has_value() && (!a || *a == *b);
  }

private:
  std::unique_ptr<T> value_;
};

}  // namespace hearth::core
