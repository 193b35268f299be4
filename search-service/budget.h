#ifndef SCR_SEARCH_BUDGET_H_
#define SCR_SEARCH_BUDGET_H_

#include <algorithm>
#include <atomic>
#include <cstddef>

namespace scr::search {

// A fixed number of units that callers take and give back, never more out
// at once than the capacity. Acquire never blocks: it grants what is free.
// Used to bound the memory that work done ahead of time may hold.
//
// Thread-safe.
class Budget {
 public:
  explicit Budget(size_t capacity) : capacity_(capacity) {}

  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  // Takes min(want, units free now) units and returns how many it took.
  size_t Acquire(size_t want) {
    size_t held = held_.load(std::memory_order_relaxed);
    for (;;) {
      const size_t grant = held >= capacity_ ? 0 : std::min(want, capacity_ - held);
      if (grant == 0) return 0;
      if (held_.compare_exchange_weak(held, held + grant, std::memory_order_relaxed)) return grant;
    }
  }

  // Gives back `n` units; `n` must not exceed what the caller acquired and
  // has not given back.
  void Release(size_t n) { held_.fetch_sub(n, std::memory_order_relaxed); }

  // Units taken and not given back, as of some moment during the call.
  size_t held() const { return held_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  std::atomic<size_t> held_{0};
};

}  // namespace scr::search

#endif  // SCR_SEARCH_BUDGET_H_
