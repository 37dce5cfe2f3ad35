// Deadlines of many connections on one timer: a hashed timing wheel of
// one-second slots.
//
// Every connection has a deadline at all times (the TLS handshake, then the
// connect deadline, then 1.5 x keepalive, then the bound on flushing at
// close). A steady_timer per connection costs about 200 bytes and a timer
// queue entry each; the wheel costs one intrusive node (two pointers and the
// due second) per connection, and hearthd's one-second tick advances it
// (transport_context::advance_deadlines). Keepalive deadlines are defined in
// whole seconds, so a one-second resolution changes nothing a client can
// observe (Mosquitto also checks keepalives once a second).
//
// Rescheduling (every packet received moves the keepalive deadline) is O(1):
// unlink and link into another slot. advance() visits only the slots the
// clock moved past; an entry due beyond one turn of the wheel stays in its
// slot and is skipped until its second comes.
//
// Pure: no Asio, no clock. Entries unlink themselves when destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace hearth {

class deadline_wheel {
 public:
  // Derive from entry; on_deadline() is called once when the deadline passes
  // (the entry is already unlinked, so it may reschedule itself).
  class entry {
   public:
    entry() = default;
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;
    bool scheduled() const noexcept { return next_ != nullptr; }
    std::int64_t due() const noexcept { return due_; }

   protected:
    ~entry() { unlink(); }

   private:
    friend class deadline_wheel;
    virtual void on_deadline() = 0;
    void unlink() noexcept;
    entry* prev_ = nullptr;
    entry* next_ = nullptr;
    std::int64_t due_ = 0;
  };

  explicit deadline_wheel(std::size_t slots = 64);
  deadline_wheel(const deadline_wheel&) = delete;
  deadline_wheel& operator=(const deadline_wheel&) = delete;
  ~deadline_wheel();

  // Due at the end of second `due`; a second advance() has passed already
  // counts as the next one, so a deadline in the past fires at the next
  // advance() that moves on. Moves the entry if it was scheduled already.
  void schedule(entry& e, std::int64_t due);
  void cancel(entry& e) noexcept { e.unlink(); }

  // Fires every entry due at or before `now`. Entries scheduled or cancelled
  // by the callbacks are handled correctly, including the one being fired.
  void advance(std::int64_t now);

  std::size_t size() const noexcept;  // O(slots); for tests and statistics
  bool empty() const noexcept { return size() == 0; }

 private:
  // Sentinel heads: an entry unlinks without knowing which list holds it.
  struct head final : entry {
    head() { prev_ = next_ = this; }
    void on_deadline() override {}
  };
  static void link_before(entry& pos, entry& e) noexcept;

  std::unique_ptr<head[]> slots_;
  std::size_t slot_count_;
  std::int64_t last_ = 0;  // the last second advance() processed
  bool started_ = false;
};

}  // namespace hearth
