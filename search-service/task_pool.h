#ifndef SCR_SEARCH_TASK_POOL_H_
#define SCR_SEARCH_TASK_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace scr::search {

// A fixed set of threads that run submitted tasks in the order submitted.
// Used to search the shards of one query side by side; a task must not wait
// on another task of the same pool (there may be only one thread).
//
// Thread-safe. The destructor runs every task already submitted, then joins
// the threads; nothing may be submitted once it has begun.
class TaskPool {
 public:
  // Starts `threads` (>= 1) threads.
  explicit TaskPool(int threads);
  ~TaskPool();

  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Queues `task` to run on one of the pool's threads. The task must not
  // throw: the caller catches what it can raise and hands it back itself.
  void Submit(absl::AnyInvocable<void() &&> task);

  int size() const { return static_cast<int>(threads_.size()); }

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace scr::search

#endif  // SCR_SEARCH_TASK_POOL_H_
