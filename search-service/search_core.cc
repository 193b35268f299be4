#include "search-service/search_core.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace scr::search {
namespace {

constexpr size_t kMaxIdBytes = 128;

absl::Status ValidateId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": id is required"));
  if (id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": id is longer than ", kMaxIdBytes, " bytes"));
  }
  for (char c : id) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": id must be printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TimedResults> SearchCore::Search(const SearchQuery& query) {
  absl::Time start = absl::Now();
  auto results = index_->Search(query);
  if (!results.ok()) return results.status();
  return TimedResults{*std::move(results), absl::ToInt64Microseconds(absl::Now() - start)};
}

absl::StatusOr<TimedResults> SearchCore::MoreLikeThis(const std::string& id, int limit,
                                                      const SearchFilter& filter) {
  if (auto s = ValidateId("id", id); !s.ok()) return s;
  absl::Time start = absl::Now();
  auto results = index_->MoreLikeThis(id, limit, filter);
  if (!results.ok()) return results.status();
  return TimedResults{*std::move(results), absl::ToInt64Microseconds(absl::Now() - start)};
}

absl::StatusOr<std::vector<Suggestion>> SearchCore::Suggest(const std::string& prefix, int limit) {
  return index_->Suggest(prefix, limit);
}

absl::StatusOr<v1::Post> SearchCore::GetPost(const std::string& id) {
  if (auto s = ValidateId("id", id); !s.ok()) return s;
  return index_->GetPost(id);
}

absl::StatusOr<IndexStats> SearchCore::Stats() { return index_->Stats(); }

absl::StatusOr<std::vector<WriteOutcome>> SearchCore::Upsert(absl::Span<const v1::Post> posts) {
  if (posts.size() > static_cast<size_t>(SearchLimits::kMaxWriteBatch)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "posts: batch of ", posts.size(), " is over the limit of ", SearchLimits::kMaxWriteBatch));
  }
  for (size_t i = 0; i < posts.size(); ++i) {
    const v1::Post& p = posts[i];
    std::string field = absl::StrCat("posts[", i, "]");
    if (auto s = ValidateId(field, p.id()); !s.ok()) return s;
    if (p.version() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " (", p.id(), "): version must be positive"));
    }
    if (p.title().empty() && p.body().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " (", p.id(), "): a post needs a title or a body"));
    }
  }
  return index_->Upsert(posts);
}

absl::StatusOr<std::vector<WriteOutcome>> SearchCore::Delete(absl::Span<const Deletion> deletions) {
  if (deletions.size() > static_cast<size_t>(SearchLimits::kMaxWriteBatch)) {
    return absl::InvalidArgumentError(absl::StrCat("deletions: batch of ", deletions.size(),
                                                   " is over the limit of ",
                                                   SearchLimits::kMaxWriteBatch));
  }
  for (size_t i = 0; i < deletions.size(); ++i) {
    if (auto s = ValidateId(absl::StrCat("deletions[", i, "]"), deletions[i].id); !s.ok()) return s;
  }
  return index_->Delete(deletions);
}

}  // namespace scr::search
