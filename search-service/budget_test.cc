#include "search-service/budget.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace scr::search {
namespace {

TEST(BudgetTest, GrantsWhatIsFreeAndTakesItBack) {
  Budget budget(10);
  EXPECT_EQ(budget.Acquire(4), 4u);
  EXPECT_EQ(budget.Acquire(8), 6u);  // only 6 left
  EXPECT_EQ(budget.Acquire(1), 0u);
  EXPECT_EQ(budget.held(), 10u);
  budget.Release(4);
  EXPECT_EQ(budget.held(), 6u);
  EXPECT_EQ(budget.Acquire(5), 4u);
  budget.Release(10);
  EXPECT_EQ(budget.held(), 0u);
  EXPECT_EQ(budget.Acquire(0), 0u);
  EXPECT_EQ(budget.capacity(), 10u);
}

TEST(BudgetTest, ZeroCapacityGrantsNothing) {
  Budget budget(0);
  EXPECT_EQ(budget.Acquire(3), 0u);
  EXPECT_EQ(budget.held(), 0u);
}

TEST(BudgetTest, ConcurrentCallersNeverHoldMoreThanTheCapacity) {
  Budget budget(100);
  std::atomic<size_t> out{0};
  std::atomic<bool> over{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100000; ++i) {
        const size_t got = budget.Acquire(static_cast<size_t>(1 + (i + t) % 37));
        const size_t now = out.fetch_add(got) + got;
        if (now > budget.capacity()) over = true;
        out.fetch_sub(got);
        budget.Release(got);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(over.load());
  EXPECT_EQ(budget.held(), 0u);
}

}  // namespace
}  // namespace scr::search
