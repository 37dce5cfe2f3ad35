// Room for one asynchronous operation's state inside the object that starts
// it (Asio's "custom memory allocation" example). A connection always has a
// read wait and a timer wait pending; without this, each would be a separate
// heap block, and Asio's recycling allocator hands them blocks sized for the
// last operation freed (an accept), not for themselves. Kept inline they cost
// their exact size, which is most of what keeps an idle connection under
// 0.7 KiB.
//
// If the space is taken (a timer re-armed while its cancelled wait has not
// completed yet) or too small, allocation falls back to the heap: the space
// is an optimisation, never a limit.
#pragma once

#include <cstddef>
#include <new>

namespace hearth {

template <std::size_t Size>
class handler_memory {
public:
  handler_memory() = default;
  handler_memory(const handler_memory&) = delete;
  handler_memory& operator=(const handler_memory&) = delete;

  void* allocate(std::size_t size) {
    if (!in_use_ && size <= Size) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }

  void deallocate(void* p) noexcept {
    if (p == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(p);
    }
  }

private:
  alignas(std::max_align_t) unsigned char storage_[Size];
  bool in_use_ = false;
};

// The allocator Asio rebinds to its operation types (net::bind_allocator).
template <class T, std::size_t Size>
class handler_allocator {
public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = handler_allocator<U, Size>;
  };

  explicit handler_allocator(handler_memory<Size>& m) noexcept : memory_(&m) {}
  template <class U>
  handler_allocator(const handler_allocator<U, Size>& other) noexcept : memory_(other.memory_) {}

  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, std::size_t) noexcept { memory_->deallocate(p); }

  template <class U>
  friend bool operator==(const handler_allocator& a, const handler_allocator<U, Size>& b) noexcept {
    return a.memory_ == b.memory_;
  }

private:
  template <class, std::size_t>
  friend class handler_allocator;
  handler_memory<Size>* memory_;
};

}  // namespace hearth
