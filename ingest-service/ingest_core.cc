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
  auto normalized = Normalize(item);
  if (!normalized.ok()) return normalized.status();
  std::vector<v1::PostResult> results;
  if (normalized->posts.empty()) return results;
  auto outcomes = sink_->Deliver(normalized->posts);
  if (!outcomes.ok()) return outcomes.status();
  for (size_t i = 0; i < normalized->posts.size(); ++i) {
    const v1::Post& p = normalized->posts[i];
    v1::PostResult r;
    r.set_post_id(p.id());
    r.set_canonical_url(p.canonical_url());
    r.set_title(p.title());
    r.set_version(p.version());
    r.set_outcome((*outcomes)[i] == v1::WriteResult::OUTCOME_STALE
                      ? v1::PostResult::OUTCOME_UNCHANGED
                      : v1::PostResult::OUTCOME_ACCEPTED);
    results.push_back(std::move(r));
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
