#include "ingest-service/ingest_core.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ingest-service/post_builder.h"
#include "ingest-service/url.h"

namespace scr::ingest {

IngestCore::IngestCore(Normalizer normalizer, PostSink* sink, Clock clock)
    : normalizer_(std::move(normalizer)),
      sink_(sink),
      clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

int64_t IngestCore::NextVersion() {
  int64_t now = absl::ToUnixMicros(clock_());
  int64_t last = last_version_.load();
  while (true) {
    int64_t next = std::max(now, last + 1);
    if (last_version_.compare_exchange_weak(last, next)) return next;
  }
}

absl::StatusOr<NormalizedItem> IngestCore::Normalize(const RawItem& item) {
  RawItem copy = item;
  if (copy.fetch_time == absl::InfinitePast()) copy.fetch_time = clock_();
  return normalizer_.Normalize(copy, NextVersion());
}

absl::StatusOr<std::vector<v1::PostResult>> IngestCore::Ingest(const RawItem& item) {
  return std::move(IngestBatch({&item, 1})[0]);
}

std::vector<absl::StatusOr<std::vector<v1::PostResult>>> IngestCore::IngestBatch(
    absl::Span<const RawItem> items) {
  std::vector<absl::StatusOr<NormalizedItem>> normalized;
  normalized.reserve(items.size());
  std::vector<v1::Post> posts;
  for (const RawItem& item : items) {
    normalized.push_back(Normalize(item));
    if (!normalized.back().ok()) continue;
    for (v1::Post& p : normalized.back()->posts) posts.push_back(std::move(p));
  }
  absl::StatusOr<std::vector<v1::WriteResult::Outcome>> outcomes =
      posts.empty() ? std::vector<v1::WriteResult::Outcome>() : sink_->Deliver(posts);
  std::vector<absl::StatusOr<std::vector<v1::PostResult>>> results;
  results.reserve(items.size());
  size_t next = 0;  // the first post of the item in `posts`
  for (absl::StatusOr<NormalizedItem>& n : normalized) {
    if (!n.ok()) {
      results.push_back(n.status());
      continue;
    }
    const size_t count = n->posts.size();
    if (!outcomes.ok() && count > 0) {
      results.push_back(outcomes.status());
      next += count;
      continue;
    }
    std::vector<v1::PostResult> item_results;
    for (size_t i = next; i < next + count; ++i) {
      const v1::Post& p = posts[i];
      v1::PostResult r;
      r.set_post_id(p.id());
      r.set_canonical_url(p.canonical_url());
      r.set_title(p.title());
      r.set_version(p.version());
      r.set_outcome((*outcomes)[i] == v1::WriteResult::OUTCOME_STALE
                        ? v1::PostResult::OUTCOME_UNCHANGED
                        : v1::PostResult::OUTCOME_ACCEPTED);
      item_results.push_back(std::move(r));
    }
    next += count;
    results.push_back(std::move(item_results));
  }
  return results;
}

absl::StatusOr<std::string> IngestCore::Delete(const std::string& id, const std::string& url) {
  std::string target = id;
  if (target.empty()) {
    if (url.empty()) return absl::InvalidArgumentError("id or canonical_url is required");
    auto canonical = CanonicalizeUrl(url);
    if (!canonical.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("canonical_url: ", canonical.status().message()));
    }
    target = absl::StrCat("u", Sha256Hex(*canonical).substr(0, 16));
  }
  v1::PostDeletion d;
  d.set_id(target);
  d.set_version(NextVersion());
  if (auto s = sink_->DeletePosts({d}); !s.ok()) return s;
  return target;
}

}  // namespace scr::ingest
