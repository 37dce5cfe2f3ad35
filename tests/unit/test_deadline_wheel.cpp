// The connections' deadline wheel: firing, rescheduling, cancelling, far
// deadlines, clock jumps, and callbacks that change the wheel while it runs.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "hearth/net/deadline_wheel.hpp"

using hearth::deadline_wheel;

namespace {

struct probe : deadline_wheel::entry {
  explicit probe(std::vector<int>& log, int id) : log_(log), id_(id) {}
  std::function<void()> then;
  int fired = 0;

 private:
  void on_deadline() override {
    ++fired;
    log_.push_back(id_);
    if (then) then();
  }
  std::vector<int>& log_;
  int id_;
};

}  // namespace

TEST_CASE("deadline wheel: fires at the due second, not before, once", "[wheel]") {
  deadline_wheel w(8);
  std::vector<int> log;
  probe a(log, 1), b(log, 2);
  w.advance(100);
  w.schedule(a, 102);
  w.schedule(b, 101);
  CHECK(w.size() == 2);
  w.advance(100);
  CHECK(log.empty());
  w.advance(101);
  CHECK(log == std::vector<int>{2});
  CHECK_FALSE(b.scheduled());
  w.advance(102);
  CHECK(log == std::vector<int>{2, 1});
  w.advance(103);
  w.advance(200);
  CHECK(log.size() == 2);
  CHECK(w.empty());
}

TEST_CASE("deadline wheel: rescheduling moves, cancelling removes", "[wheel]") {
  deadline_wheel w(8);
  std::vector<int> log;
  probe a(log, 1);
  w.advance(10);
  w.schedule(a, 12);
  w.schedule(a, 15);  // activity moved the keepalive deadline
  CHECK(w.size() == 1);
  w.advance(14);
  CHECK(log.empty());
  w.advance(15);
  CHECK(log == std::vector<int>{1});
  w.schedule(a, 20);
  w.cancel(a);
  w.advance(30);
  CHECK(log.size() == 1);
}

TEST_CASE("deadline wheel: deadlines beyond one turn wait for their second", "[wheel]") {
  deadline_wheel w(4);
  std::vector<int> log;
  probe far(log, 1);
  w.advance(0);
  w.schedule(far, 9);  // same slot as 1 and 5
  for (int t = 1; t <= 8; ++t) w.advance(t);
  CHECK(log.empty());
  w.advance(9);
  CHECK(log == std::vector<int>{1});
}

TEST_CASE("deadline wheel: a clock jump fires everything overdue", "[wheel]") {
  deadline_wheel w(4);
  std::vector<int> log;
  std::vector<std::unique_ptr<probe>> ps;
  w.advance(0);
  for (int i = 0; i < 10; ++i) {
    ps.push_back(std::make_unique<probe>(log, i));
    w.schedule(*ps.back(), 1 + i);
  }
  w.advance(1000);
  CHECK(log.size() == 10);
}

TEST_CASE("deadline wheel: entries scheduled before the first advance", "[wheel]") {
  deadline_wheel w(4);
  std::vector<int> log;
  probe a(log, 1), b(log, 2);
  w.schedule(a, 50);
  w.schedule(b, 53);
  w.advance(51);
  CHECK(log == std::vector<int>{1});
  w.advance(53);
  CHECK(log == std::vector<int>{1, 2});
}

TEST_CASE("deadline wheel: callbacks may reschedule themselves and cancel or destroy others", "[wheel]") {
  deadline_wheel w(4);
  std::vector<int> log;
  auto a = std::make_unique<probe>(log, 1);
  auto b = std::make_unique<probe>(log, 2);
  probe c(log, 3);
  w.advance(0);
  w.schedule(*a, 2);
  w.schedule(*b, 2);
  w.schedule(c, 2);
  a->then = [&] {
    if (a->fired > 1) return;
    w.schedule(*a, 3);  // reschedules itself
    b.reset();          // destroys another that is due now: it must not fire
  };
  w.advance(2);
  CHECK(log == std::vector<int>{1, 3});
  w.advance(3);
  CHECK(log == std::vector<int>{1, 3, 1});
  CHECK(w.empty());
}

TEST_CASE("deadline wheel: destroyed entries leave the wheel", "[wheel]") {
  deadline_wheel w(4);
  std::vector<int> log;
  {
    probe a(log, 1);
    w.schedule(a, 1);
    CHECK(w.size() == 1);
  }
  CHECK(w.empty());
  w.advance(10);
  CHECK(log.empty());
}

TEST_CASE("deadline wheel: a deadline already past fires at the next advance", "[wheel]") {
  // Its slot was visited already; without care it would wait a whole turn.
  deadline_wheel w(64);
  std::vector<int> log;
  probe a(log, 1), b(log, 2);
  w.advance(100);
  w.schedule(a, 50);
  w.schedule(b, 100);
  w.advance(100);  // the same second again: nothing moves on
  CHECK(log.empty());
  w.advance(101);
  CHECK(log.size() == 2);
  CHECK(w.empty());
}
