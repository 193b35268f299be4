#include "ingest-service/index_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"

namespace scr::ingest {
namespace {

constexpr int kAttempts = 4;

bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// Runs `call` with retries; backoff 100 ms, 200 ms, 400 ms.
template <typename Call>
grpc::Status WithRetries(absl::Duration timeout, Call&& call) {
  grpc::Status status;
  absl::Duration backoff = absl::Milliseconds(100);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    ctx.set_wait_for_ready(attempt > 0);
    status = call(&ctx);
    if (status.ok() || !Retryable(status)) return status;
    absl::SleepFor(backoff);
    backoff *= 2;
  }
  return status;
}

}  // namespace

IndexClientSink::IndexClientSink(const std::string& target, absl::Duration rpc_timeout)
    : channel_(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
      stub_(v1::IndexService::NewStub(channel_)),
      rpc_timeout_(rpc_timeout) {}

absl::StatusOr<std::vector<v1::WriteResult::Outcome>> IndexClientSink::Deliver(
    absl::Span<const v1::Post> posts) {
  v1::UpsertPostsRequest request;
  for (const v1::Post& p : posts) *request.add_posts() = p;
  v1::UpsertPostsResponse response;
  grpc::Status status = WithRetries(rpc_timeout_, [&](grpc::ClientContext* ctx) {
    response.Clear();
    return stub_->Upsert(ctx, request, &response);
  });
  if (!status.ok()) {
    absl::Status s = common::FromGrpcStatus(status);
    return absl::Status(s.code(), absl::StrCat("search service Upsert: ", s.message()));
  }
  std::vector<v1::WriteResult::Outcome> outcomes;
  for (const v1::WriteResult& r : response.results()) outcomes.push_back(r.outcome());
  if (outcomes.size() != posts.size()) {
    return absl::InternalError("search service Upsert: answered a different number of results");
  }
  return outcomes;
}

absl::Status IndexClientSink::DeletePosts(absl::Span<const v1::PostDeletion> deletions) {
  v1::DeletePostsRequest request;
  for (const v1::PostDeletion& d : deletions) *request.add_deletions() = d;
  v1::DeletePostsResponse response;
  grpc::Status status = WithRetries(rpc_timeout_, [&](grpc::ClientContext* ctx) {
    response.Clear();
    return stub_->Delete(ctx, request, &response);
  });
  if (!status.ok()) {
    absl::Status s = common::FromGrpcStatus(status);
    return absl::Status(s.code(), absl::StrCat("search service Delete: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace scr::ingest
