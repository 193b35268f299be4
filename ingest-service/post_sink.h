// PostSink is where the ingest core hands normalized posts: the seam between
// normalization and delivery. Implementations: IndexClientSink (writes
// straight through IndexService), fakes in tests.
#ifndef SCR_INGEST_POST_SINK_H_
#define SCR_INGEST_POST_SINK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "scr/v1/index.pb.h"
#include "scr/v1/post.pb.h"

namespace scr::ingest {

class PostSink {
 public:
  virtual ~PostSink() = default;

  // Accepts posts for delivery. OK means the posts are durable: they will
  // reach the index even if this process dies now. Returns one outcome per
  // post, in order. Thread-safe.
  virtual absl::StatusOr<std::vector<v1::WriteResult::Outcome>> Deliver(
      absl::Span<const v1::Post> posts) = 0;

  // Accepts deletions, with the same durability promise. Thread-safe.
  virtual absl::Status DeletePosts(absl::Span<const v1::PostDeletion> deletions) = 0;
};

}  // namespace scr::ingest

#endif  // SCR_INGEST_POST_SINK_H_
