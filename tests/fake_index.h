// FakeIndex: an in-memory Index for unit tests of code above the adapter.
// Matches a post when every query word occurs (case-insensitively) in its
// title or body. Thread-safe.
#ifndef SCR_TESTS_FAKE_INDEX_H_
#define SCR_TESTS_FAKE_INDEX_H_

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "search-service/index.h"

namespace scr::testing_util {

class FakeIndex : public search::Index {
 public:
  // Every later write fails with `status` (OK restores writes).
  void FailWritesWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    write_error_ = std::move(status);
  }

  size_t size() {
    absl::MutexLock lock(&mu_);
    return posts_.size();
  }

  absl::StatusOr<std::vector<search::WriteOutcome>> Upsert(
      absl::Span<const v1::Post> posts) override {
    absl::MutexLock lock(&mu_);
    if (!write_error_.ok()) return write_error_;
    std::vector<search::WriteOutcome> out;
    for (const v1::Post& p : posts) {
      if (versions_[p.id()] >= p.version()) {
        out.push_back(search::WriteOutcome::kStale);
        continue;
      }
      versions_[p.id()] = p.version();
      bool existed = posts_.count(p.id()) > 0;
      posts_[p.id()] = p;
      out.push_back(existed ? search::WriteOutcome::kUpdated : search::WriteOutcome::kCreated);
    }
    return out;
  }

  absl::StatusOr<std::vector<search::WriteOutcome>> Delete(
      absl::Span<const search::Deletion> deletions) override {
    absl::MutexLock lock(&mu_);
    if (!write_error_.ok()) return write_error_;
    std::vector<search::WriteOutcome> out;
    for (const auto& d : deletions) {
      versions_[d.id] = std::max(versions_[d.id], d.version);
      out.push_back(posts_.erase(d.id) ? search::WriteOutcome::kDeleted
                                       : search::WriteOutcome::kNotFound);
    }
    return out;
  }

  absl::StatusOr<search::SearchResults> Search(const search::SearchQuery& query) override {
    absl::MutexLock lock(&mu_);
    search::SearchResults r;
    for (const auto& [id, post] : posts_) {
      std::string text = absl::AsciiStrToLower(post.title() + " " + post.body());
      bool all = true;
      for (absl::string_view w : absl::StrSplit(query.text, ' ', absl::SkipEmpty())) {
        all = all && absl::StrContains(text, absl::AsciiStrToLower(w));
      }
      if (!all) continue;
      search::SearchHit hit;
      hit.post = post;
      r.hits.push_back(hit);
    }
    r.estimated_total = static_cast<int64_t>(r.hits.size());
    r.total_is_exact = true;
    return r;
  }

  absl::StatusOr<search::SearchResults> MoreLikeThis(const std::string& id, int,
                                                     const search::SearchFilter&) override {
    absl::MutexLock lock(&mu_);
    if (!posts_.count(id)) return absl::NotFoundError("post " + id + " not found");
    return search::SearchResults{};
  }

  absl::StatusOr<std::vector<search::Suggestion>> Suggest(const std::string&, int) override {
    return std::vector<search::Suggestion>{};
  }

  absl::StatusOr<v1::Post> GetPost(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    auto it = posts_.find(id);
    if (it == posts_.end()) return absl::NotFoundError("post " + id + " not found");
    return it->second;
  }

  absl::Status Health() override {
    absl::MutexLock lock(&mu_);
    return write_error_;
  }

  absl::StatusOr<search::IndexStats> Stats() override {
    absl::MutexLock lock(&mu_);
    search::IndexStats s;
    s.document_count = static_cast<int64_t>(posts_.size());
    return s;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, v1::Post> posts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> versions_ ABSL_GUARDED_BY(mu_);
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scr::testing_util

#endif  // SCR_TESTS_FAKE_INDEX_H_
