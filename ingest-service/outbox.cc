#include "ingest-service/outbox.h"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace scr::ingest {
namespace {

// Finalizes a prepared statement on scope exit.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() {
    if (s != nullptr) sqlite3_finalize(s);
  }
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  post_id TEXT NOT NULL,
  is_delete INTEGER NOT NULL,
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  enqueued_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  post_id TEXT NOT NULL,
  is_delete INTEGER NOT NULL,
  payload BLOB NOT NULL,
  error TEXT NOT NULL,
  failed_us INTEGER NOT NULL
);
)sql";

}  // namespace

absl::StatusOr<std::unique_ptr<Outbox>> Outbox::Open(const std::string& path) {
  std::unique_ptr<Outbox> box(new Outbox());
  box->path_ = path;
  absl::MutexLock lock(&box->mu_);
  if (sqlite3_open_v2(path.c_str(), &box->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("outbox ", path, ": ", box->db_ ? sqlite3_errmsg(box->db_) : "cannot open"));
  }
  sqlite3_busy_timeout(box->db_, 5000);
  // secure_delete=FAST: Debian builds SQLite with SECURE_DELETE, which
  // zeroes every freed page and so writes each delivered entry's pages once
  // more (WAL and checkpoint); FAST zeroes only what is written anyway. The
  // outbox holds public posts that the index keeps.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=FAST"}) {
    if (auto s = box->Exec(pragma); !s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("outbox ", path, ": ", s.message()));
    }
  }
  if (auto s = box->Exec(kSchema); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("outbox ", path, ": ", s.message()));
  }
  if (auto s = box->RefreshSize(); !s.ok()) return s;
  return box;
}

Outbox::~Outbox() {
  absl::MutexLock lock(&mu_);
  if (db_ != nullptr) sqlite3_close(db_);
}

absl::Status Outbox::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return absl::UnavailableError(absl::StrCat("outbox: ", msg));
  }
  return absl::OkStatus();
}

absl::Status Outbox::Error(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("outbox ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status Outbox::RefreshSize() {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM outbox", -1, &st.s, nullptr) != SQLITE_OK ||
      sqlite3_step(st.s) != SQLITE_ROW) {
    return Error("count");
  }
  size_ = sqlite3_column_int64(st.s, 0);
  return absl::OkStatus();
}

int64_t Outbox::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

absl::Status Outbox::InTransaction(const std::function<absl::Status()>& body) {
  if (auto s = Exec("BEGIN IMMEDIATE"); !s.ok()) {
    write_health_ = s;
    return s;
  }
  absl::Status s = body();
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) (void)Exec("ROLLBACK");
  write_health_ = s;
  return s;
}

absl::Status Outbox::Append(absl::Span<const OutboxEntry> entries) {
  absl::MutexLock lock(&mu_);
  absl::Status s = InTransaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    Stmt st;
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO outbox (post_id, is_delete, payload, enqueued_us) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &st.s, nullptr) != SQLITE_OK) {
      return Error("append");
    }
    int64_t now = absl::ToUnixMicros(absl::Now());
    for (const OutboxEntry& entry : entries) {
      std::string payload =
          entry.is_delete ? entry.deletion.SerializeAsString() : entry.post.SerializeAsString();
      const std::string& id = entry.is_delete ? entry.deletion.id() : entry.post.id();
      sqlite3_reset(st.s);
      sqlite3_bind_text(st.s, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int(st.s, 2, entry.is_delete ? 1 : 0);
      sqlite3_bind_blob(st.s, 3, payload.data(), static_cast<int>(payload.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int64(st.s, 4, now);
      if (sqlite3_step(st.s) != SQLITE_DONE) return Error("append");
    }
    return absl::OkStatus();
  });
  if (s.ok()) size_ += static_cast<int64_t>(entries.size());
  return s;
}

absl::StatusOr<std::vector<OutboxEntry>> Outbox::Peek(int limit,
                                                      const absl::flat_hash_set<int64_t>& skip) {
  // The seq ranges between runs of skipped seqs, read by rowid range: a
  // skipped row's page is never read (rows are a few KB, most a page each,
  // and the entries in flight are usually the oldest).
  std::vector<int64_t> skipped(skip.begin(), skip.end());
  std::sort(skipped.begin(), skipped.end());
  std::vector<std::pair<int64_t, int64_t>> ranges;  // inclusive
  int64_t from = std::numeric_limits<int64_t>::min();
  for (size_t i = 0; i < skipped.size(); ++i) {
    if (skipped[i] > from) ranges.emplace_back(from, skipped[i] - 1);
    if (skipped[i] == std::numeric_limits<int64_t>::max()) return std::vector<OutboxEntry>();
    from = skipped[i] + 1;
  }
  ranges.emplace_back(from, std::numeric_limits<int64_t>::max());

  absl::MutexLock lock(&mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "SELECT seq, is_delete, payload, attempts FROM outbox "
                         "WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return Error("peek");
  }
  std::vector<OutboxEntry> out;
  for (const auto& [lo, hi] : ranges) {
    if (out.size() >= static_cast<size_t>(limit)) break;
    sqlite3_reset(st.s);
    sqlite3_bind_int64(st.s, 1, lo);
    sqlite3_bind_int64(st.s, 2, hi);
    sqlite3_bind_int64(st.s, 3, static_cast<int64_t>(limit) - static_cast<int64_t>(out.size()));
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      OutboxEntry e;
      e.seq = sqlite3_column_int64(st.s, 0);
      e.is_delete = sqlite3_column_int(st.s, 1) != 0;
      const void* blob = sqlite3_column_blob(st.s, 2);
      int len = sqlite3_column_bytes(st.s, 2);
      bool parsed =
          e.is_delete ? e.deletion.ParseFromArray(blob, len) : e.post.ParseFromArray(blob, len);
      if (!parsed)
        return absl::DataLossError(absl::StrCat("outbox entry ", e.seq, " does not parse"));
      e.attempts = sqlite3_column_int(st.s, 3);
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return Error("peek");
  }
  return out;
}

absl::Status Outbox::Remove(absl::Span<const int64_t> seqs) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  absl::Status s = InTransaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    Stmt st;
    if (sqlite3_prepare_v2(db_, "DELETE FROM outbox WHERE seq = ?", -1, &st.s, nullptr) !=
        SQLITE_OK) {
      return Error("remove");
    }
    for (int64_t seq : seqs) {
      sqlite3_reset(st.s);
      sqlite3_bind_int64(st.s, 1, seq);
      if (sqlite3_step(st.s) != SQLITE_DONE) return Error("remove");
      removed += sqlite3_changes(db_);
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  size_ -= removed;
  return absl::OkStatus();
}

absl::Status Outbox::RecordAttempt(absl::Span<const int64_t> seqs) {
  absl::MutexLock lock(&mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", -1, &st.s,
                         nullptr) != SQLITE_OK) {
    return Error("record attempt");
  }
  for (int64_t seq : seqs) {
    sqlite3_reset(st.s);
    sqlite3_bind_int64(st.s, 1, seq);
    if (sqlite3_step(st.s) != SQLITE_DONE) return Error("record attempt");
  }
  return absl::OkStatus();
}

absl::Status Outbox::MoveToDeadLetters(int64_t seq, const std::string& error) {
  absl::MutexLock lock(&mu_);
  absl::Status s = InTransaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    Stmt ins, del;
    if (sqlite3_prepare_v2(db_,
                           "INSERT OR REPLACE INTO dead_letters (seq, post_id, is_delete, payload, "
                           "error, failed_us) SELECT seq, post_id, is_delete, payload, ?, ? FROM "
                           "outbox WHERE seq = ?",
                           -1, &ins.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "DELETE FROM outbox WHERE seq = ?", -1, &del.s, nullptr) !=
            SQLITE_OK) {
      return Error("dead-letter");
    }
    sqlite3_bind_text(ins.s, 1, error.data(), static_cast<int>(error.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins.s, 2, absl::ToUnixMicros(absl::Now()));
    sqlite3_bind_int64(ins.s, 3, seq);
    sqlite3_bind_int64(del.s, 1, seq);
    if (sqlite3_step(ins.s) != SQLITE_DONE || sqlite3_step(del.s) != SQLITE_DONE) {
      return Error("dead-letter");
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return RefreshSize();
}

absl::StatusOr<std::vector<DeadLetter>> Outbox::ListDeadLetters(int limit) {
  absl::MutexLock lock(&mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "SELECT seq, post_id, is_delete, error, failed_us FROM dead_letters "
                         "ORDER BY seq LIMIT ?",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return Error("list dead letters");
  }
  sqlite3_bind_int(st.s, 1, limit);
  std::vector<DeadLetter> out;
  while (sqlite3_step(st.s) == SQLITE_ROW) {
    DeadLetter d;
    d.seq = sqlite3_column_int64(st.s, 0);
    d.post_id = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
    d.is_delete = sqlite3_column_int(st.s, 2) != 0;
    d.error = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 3));
    d.failed_at = absl::FromUnixMicros(sqlite3_column_int64(st.s, 4));
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<int> Outbox::RequeueDeadLetters(absl::Span<const int64_t> seqs) {
  absl::MutexLock lock(&mu_);
  int moved = 0;
  // Moves the dead letters `where` selects (binding `seq` when >= 0).
  auto requeue = [&](const char* where, int64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Stmt ins, del;
    std::string insert = absl::StrCat(
        "INSERT INTO outbox (post_id, is_delete, payload, enqueued_us) SELECT post_id, "
        "is_delete, payload, failed_us FROM dead_letters ",
        where, " ORDER BY seq");
    std::string remove = absl::StrCat("DELETE FROM dead_letters ", where);
    if (sqlite3_prepare_v2(db_, insert.c_str(), -1, &ins.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, remove.c_str(), -1, &del.s, nullptr) != SQLITE_OK) {
      return Error("requeue dead letters");
    }
    if (seq >= 0) {
      sqlite3_bind_int64(ins.s, 1, seq);
      sqlite3_bind_int64(del.s, 1, seq);
    }
    if (sqlite3_step(ins.s) != SQLITE_DONE) return Error("requeue dead letters");
    moved += sqlite3_changes(db_);
    if (sqlite3_step(del.s) != SQLITE_DONE) return Error("requeue dead letters");
    return absl::OkStatus();
  };
  absl::Status s = InTransaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    if (seqs.empty()) return requeue("", -1);
    for (int64_t seq : seqs) {
      if (auto r = requeue("WHERE seq = ?", seq); !r.ok()) return r;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (auto r = RefreshSize(); !r.ok()) return r;
  return moved;
}

absl::Status Outbox::Probe() {
  absl::MutexLock lock(&mu_);
  if (write_health_.ok()) return absl::OkStatus();
  // After a failed write, only a real write proves the disk is usable again.
  absl::Status s = Exec(
      "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS probe (at INTEGER); "
      "INSERT INTO probe VALUES (1); DELETE FROM probe; COMMIT");
  if (!s.ok()) (void)Exec("ROLLBACK");
  write_health_ = s;
  return s;
}

absl::StatusOr<int64_t> Outbox::DeadLetterCount() {
  absl::MutexLock lock(&mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM dead_letters", -1, &st.s, nullptr) !=
          SQLITE_OK ||
      sqlite3_step(st.s) != SQLITE_ROW) {
    return Error("count dead letters");
  }
  return sqlite3_column_int64(st.s, 0);
}

}  // namespace scr::ingest
