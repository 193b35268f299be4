#include "search-service/task_pool.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace scr::search {
namespace {

TEST(TaskPoolTest, RunsEveryTaskOnThePoolsThreads) {
  TaskPool pool(2);
  EXPECT_EQ(pool.size(), 2);
  std::atomic<int> sum{0};
  std::atomic<int> on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  absl::BlockingCounter done(100);
  for (int i = 1; i <= 100; ++i) {
    pool.Submit([&, i] {
      sum += i;
      if (std::this_thread::get_id() == caller) ++on_caller;
      done.DecrementCount();
    });
  }
  done.Wait();
  EXPECT_EQ(sum.load(), 5050);
  EXPECT_EQ(on_caller.load(), 0);
}

TEST(TaskPoolTest, OneThreadRunsTasksInOrder) {
  TaskPool pool(1);
  std::vector<int> order;
  absl::Notification done;
  for (int i = 0; i < 10; ++i) pool.Submit([&order, i] { order.push_back(i); });
  pool.Submit([&done] { done.Notify(); });
  done.WaitForNotification();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(TaskPoolTest, DestructorRunsQueuedTasks) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    TaskPool pool(1);
    pool.Submit([&] { release.WaitForNotification(); });
    for (int i = 0; i < 5; ++i) pool.Submit([&] { ++ran; });
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 5);
}

}  // namespace
}  // namespace scr::search
