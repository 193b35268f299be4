// IngestCore is the ingest service's application layer: normalize a raw
// item, stamp versions, hand the posts to the sink, report per-post results.
// The gRPC handlers call it; it knows nothing of gRPC.
//
// Thread safety: all methods may be called concurrently.
#ifndef SCR_INGEST_INGEST_CORE_H_
#define SCR_INGEST_INGEST_CORE_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ingest-service/normalizer.h"
#include "ingest-service/post_sink.h"
#include "scr/v1/ingest.pb.h"

namespace scr::ingest {

class IngestCore {
 public:
  using Clock = std::function<absl::Time()>;

  // `sink` must outlive the core. `clock` defaults to absl::Now.
  IngestCore(Normalizer normalizer, PostSink* sink, Clock clock = nullptr);

  // Normalizes and delivers. OK only when every post is durable in the sink.
  absl::StatusOr<std::vector<v1::PostResult>> Ingest(const RawItem& item);

  // Ingests several items, one result per item in order, each what Ingest
  // would return for it alone, except that the posts of all the items that
  // normalize are delivered to the sink in one call (one outbox transaction):
  // when that call fails, each of those items gets its error.
  std::vector<absl::StatusOr<std::vector<v1::PostResult>>> IngestBatch(
      absl::Span<const RawItem> items);

  // Normalizes without delivering.
  absl::StatusOr<NormalizedItem> Normalize(const RawItem& item);

  // Deletes by id, or by URL (canonicalized to the id) when id is empty.
  // Returns the id deleted.
  absl::StatusOr<std::string> Delete(const std::string& id, const std::string& url);

 private:
  // A strictly increasing version: microseconds since the epoch.
  int64_t NextVersion();

  Normalizer normalizer_;
  PostSink* sink_;
  Clock clock_;
  std::atomic<int64_t> last_version_{0};
};

}  // namespace scr::ingest

#endif  // SCR_INGEST_INGEST_CORE_H_
