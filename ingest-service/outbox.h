// Outbox: the ingest service's durable queue of writes waiting for the
// search service, in SQLite (WAL journal, synchronous=FULL), plus a
// dead-letter table for writes the index rejected permanently.
//
// Thread safety: every method may be called from any thread; calls are
// serialized internally.
#ifndef SCR_INGEST_OUTBOX_H_
#define SCR_INGEST_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "scr/v1/index.pb.h"
#include "scr/v1/post.pb.h"

struct sqlite3;

namespace scr::ingest {

// One queued write: an upsert (post set) or a delete (deletion set).
struct OutboxEntry {
  int64_t seq = 0;  // order of acceptance; assigned by Append
  bool is_delete = false;
  v1::Post post;
  v1::PostDeletion deletion;
  int attempts = 0;
};

struct DeadLetter {
  int64_t seq = 0;
  std::string post_id;
  bool is_delete = false;
  std::string error;
  absl::Time failed_at;
};

class Outbox {
 public:
  // Opens or creates `path`. FAILED_PRECONDITION when it cannot be opened
  // or is not an outbox database.
  static absl::StatusOr<std::unique_ptr<Outbox>> Open(const std::string& path);
  ~Outbox();

  // Appends entries in one transaction. On OK they are on disk (fsynced)
  // and will be delivered even if the process dies now. Errors: UNAVAILABLE
  // (I/O error, disk full) with nothing appended.
  absl::Status Append(absl::Span<const OutboxEntry> entries);

  // Up to `limit` entries in seq order, oldest first, leaving out those
  // whose seq is in `skip` (neither parsed nor counted).
  absl::StatusOr<std::vector<OutboxEntry>> Peek(int limit,
                                                const absl::flat_hash_set<int64_t>& skip = {});

  // Removes delivered entries.
  absl::Status Remove(absl::Span<const int64_t> seqs);

  // Records a failed attempt for these entries.
  absl::Status RecordAttempt(absl::Span<const int64_t> seqs);

  // Moves an entry to the dead-letter table with the reason.
  absl::Status MoveToDeadLetters(int64_t seq, const std::string& error);

  // Dead letters, oldest first, at most `limit`.
  absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(int limit);

  // Moves dead letters back into the outbox (all when `seqs` is empty).
  // Returns how many were requeued.
  absl::StatusOr<int> RequeueDeadLetters(absl::Span<const int64_t> seqs);

  // Entries waiting in the outbox (cached; exact after every call here).
  int64_t size() const;

  // OK unless the last write failed; after a failure, tries a small write
  // and returns its status (OK once the disk is usable again).
  absl::Status Probe();

  // Number of dead letters.
  absl::StatusOr<int64_t> DeadLetterCount();

 private:
  Outbox() = default;
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(absl::string_view what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RefreshSize() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `body` in an IMMEDIATE transaction: commits when it returns OK,
  // rolls back otherwise; records the outcome as the write health.
  absl::Status InTransaction(const std::function<absl::Status()>& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string path_;
  int64_t size_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status write_health_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scr::ingest

#endif  // SCR_INGEST_OUTBOX_H_
