#include "hearth/net/deadline_wheel.hpp"

#include <cassert>

namespace hearth {

void deadline_wheel::entry::unlink() noexcept {
  if (!next_) return;
  prev_->next_ = next_;
  next_->prev_ = prev_;
  prev_ = next_ = nullptr;
}

deadline_wheel::deadline_wheel(std::size_t slots)
    : slots_(std::make_unique<head[]>(slots ? slots : 1)), slot_count_(slots ? slots : 1) {}

deadline_wheel::~deadline_wheel() {
  // Entries outlive the wheel only in tests; leave them unscheduled rather
  // than pointing at freed heads.
  for (std::size_t i = 0; i < slot_count_; ++i) {
    head& h = slots_[i];
    while (h.next_ != &h) h.next_->unlink();
  }
}

void deadline_wheel::link_before(entry& pos, entry& e) noexcept {
  e.prev_ = pos.prev_;
  e.next_ = &pos;
  pos.prev_->next_ = &e;
  pos.prev_ = &e;
}

void deadline_wheel::schedule(entry& e, std::int64_t due) {
  // Slots at or before last_ are not visited again until the wheel turns.
  if (started_ && due <= last_) due = last_ + 1;
  e.unlink();
  e.due_ = due;
  const auto n = static_cast<std::int64_t>(slot_count_);
  link_before(slots_[static_cast<std::size_t>(((due % n) + n) % n)], e);
}

void deadline_wheel::advance(std::int64_t now) {
  const auto n = static_cast<std::int64_t>(slot_count_);
  // A full turn when the clock jumped by more than one (or on the first call,
  // when entries may be due in any slot).
  const bool first_call = !started_;
  const std::int64_t first = (first_call || now - last_ >= n) ? now - n + 1 : last_ + 1;
  started_ = true;
  for (std::int64_t second = first; second <= now; ++second) {
    head& slot = slots_[static_cast<std::size_t>(((second % n) + n) % n)];
    if (slot.next_ == &slot) continue;
    // Move the slot's entries to a private list, then fire or put back each.
    head pending;
    pending.next_ = slot.next_;
    pending.prev_ = slot.prev_;
    pending.next_->prev_ = &pending;
    pending.prev_->next_ = &pending;
    slot.next_ = slot.prev_ = &slot;
    while (pending.next_ != &pending) {
      entry& e = *pending.next_;
      e.unlink();
      if (e.due_ <= now) {
        e.on_deadline();
      } else {
        link_before(slot, e);
      }
    }
  }
  if (first_call || now > last_) last_ = now;
}

std::size_t deadline_wheel::size() const noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < slot_count_; ++i)
    for (const entry* e = slots_[i].next_; e != &slots_[i]; e = e->next_) ++count;
  return count;
}

}  // namespace hearth
