// End-to-end: real search-service and ingest-service binaries on 127.0.0.1
// with port 0 and temporary data folders.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "scr/v1/ingest.grpc.pb.h"
#include "scr/v1/search.grpc.pb.h"
#include "tests/test_util.h"

namespace scr {
namespace {

using testing_util::ReadFile;
using testing_util::Subprocess;
using testing_util::TempDir;

class IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = testing_util::StartServices(dir_.path());
    ASSERT_TRUE(pair.ok()) << pair.status();
    services_ = *std::move(pair);
    ingest_ = v1::IngestService::NewStub(
        grpc::CreateChannel(services_.ingest_address, grpc::InsecureChannelCredentials()));
    search_ = v1::SearchService::NewStub(
        grpc::CreateChannel(services_.search_address, grpc::InsecureChannelCredentials()));
  }

  v1::SearchResponse Search(const std::string& query) {
    grpc::ClientContext ctx;
    v1::SearchRequest req;
    req.set_query(query);
    v1::SearchResponse resp;
    grpc::Status s = search_->Search(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  void WaitForDocuments(int64_t n) {
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      grpc::ClientContext ctx;
      v1::Stats stats;
      if (search_->GetStats(&ctx, v1::GetStatsRequest(), &stats).ok() &&
          stats.document_count() >= n) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    FAIL() << "the index did not reach " << n << " documents";
  }

  void WaitForOutboxEmpty() {
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      grpc::ClientContext ctx;
      v1::DeliveryStatus status;
      if (ingest_->GetDeliveryStatus(&ctx, v1::GetDeliveryStatusRequest(), &status).ok() &&
          status.pending() == 0) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    FAIL() << "the outbox did not drain";
  }

  // Runs scrctl with the services' addresses; returns exit status and stdout.
  int RunScrctl(const std::string& args, std::string* out) {
    return testing_util::RunCommand(
        absl::StrCat(testing_util::BuiltBinary("scrctl/scrctl"),
                     " --ingest=", services_.ingest_address, " --search=", services_.search_address,
                     " ", args, " 2>&1"),
        out);
  }

  TempDir dir_;
  testing_util::ServicePair services_;
  std::unique_ptr<v1::IngestService::Stub> ingest_;
  std::unique_ptr<v1::SearchService::Stub> search_;
};

TEST_F(IntegrationTest, SeedIngestedThroughGrpcIsSearchable) {
  auto seed = testing_util::SharedPath("seeds/000_43de76a84da1bddb.txt");
  if (!seed) GTEST_SKIP() << "../shared/seeds is missing; this test needs the seed";
  grpc::ClientContext ctx;
  v1::IngestRequest req;
  req.mutable_item()->set_content(ReadFile(*seed));
  req.mutable_item()->set_content_type("text/plain");
  req.set_request_id("seed");
  v1::IngestResponse resp;
  grpc::Status s = ingest_->Ingest(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.request_id(), "seed");
  ASSERT_EQ(resp.results_size(), 2);
  // Acknowledged means durable in the outbox; searchable once delivered.
  WaitForDocuments(2);

  v1::SearchResponse edlington = Search("Edlington");
  ASSERT_EQ(edlington.hits_size(), 1);
  EXPECT_EQ(edlington.hits(0).post().title(), "SCRs: to publish or not to publish?");
  EXPECT_FALSE(edlington.hits(0).snippet().highlights().empty());

  v1::SearchResponse both = Search("serious case reviews");
  ASSERT_EQ(both.hits_size(), 2);
  std::set<std::string> titles = {both.hits(0).post().title(), both.hits(1).post().title()};
  EXPECT_TRUE(titles.count("Serious case reviews are improving"));
  EXPECT_TRUE(titles.count("SCRs: to publish or not to publish?"));

  grpc::ClientContext get_ctx;
  v1::GetPostRequest get;
  get.set_id(resp.results(1).post_id());
  v1::Post post;
  ASSERT_TRUE(search_->GetPost(&get_ctx, get, &post).ok());
  EXPECT_EQ(post.title(), "Serious case reviews are improving");
  EXPECT_TRUE(absl::EndsWith(post.body(), "We will have to wait and see."));

  grpc::ClientContext stats_ctx;
  v1::Stats stats;
  ASSERT_TRUE(search_->GetStats(&stats_ctx, v1::GetStatsRequest(), &stats).ok());
  EXPECT_EQ(stats.document_count(), 2);

  // The same item again: still two documents.
  grpc::ClientContext again_ctx;
  ASSERT_TRUE(ingest_->Ingest(&again_ctx, req, &resp).ok());
  WaitForOutboxEmpty();
  grpc::ClientContext stats2;
  ASSERT_TRUE(search_->GetStats(&stats2, v1::GetStatsRequest(), &stats).ok());
  EXPECT_EQ(stats.document_count(), 2);
}

TEST_F(IntegrationTest, ScrctlIngestWaitThenSearchJson) {
  auto seed = testing_util::SharedPath("seeds/000_43de76a84da1bddb.txt");
  if (!seed) GTEST_SKIP() << "../shared/seeds is missing; this test needs the seed";
  std::string out;
  ASSERT_EQ(RunScrctl("ingest --wait " + *seed, &out), 0) << out;
  ASSERT_EQ(RunScrctl("search Edlington --json", &out), 0) << out;
  v1::SearchResponse resp;
  auto parsed = google::protobuf::util::JsonStringToMessage(out, &resp);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << out;
  ASSERT_EQ(resp.hits_size(), 1);
  EXPECT_EQ(resp.hits(0).post().title(), "SCRs: to publish or not to publish?");
  EXPECT_TRUE(absl::StrContains(out, "\"estimated_total_size\"")) << "snake_case names expected";
}

TEST_F(IntegrationTest, ScrctlReportsFailedItems) {
  std::string bad = dir_.path() + "/empty.txt";
  FILE* f = fopen(bad.c_str(), "w");
  fputs("Advertisements\n", f);
  fclose(f);
  std::string out;
  EXPECT_EQ(RunScrctl("ingest " + bad, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "FAILED")) << out;
  EXPECT_TRUE(absl::StrContains(out, "INVALID_ARGUMENT")) << out;
  EXPECT_EQ(RunScrctl("ingest " + dir_.path() + "/missing.txt", &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "no such file")) << out;
}

TEST_F(IntegrationTest, BadRequestsGetInvalidArgument) {
  grpc::ClientContext ctx;
  v1::IngestRequest req;
  req.mutable_item()->set_content("<html><body></body></html>");
  req.mutable_item()->set_content_type("text/html");
  v1::IngestResponse resp;
  grpc::Status s = ingest_->Ingest(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "content")) << s.error_message();

  grpc::ClientContext sctx;
  v1::SearchRequest sreq;
  sreq.set_page_size(1000);
  v1::SearchResponse sresp;
  s = search_->Search(&sctx, sreq, &sresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "page_size")) << s.error_message();

  grpc::ClientContext gctx;
  v1::GetPostRequest g;
  g.set_id("nope");
  v1::Post p;
  EXPECT_EQ(search_->GetPost(&gctx, g, &p).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IntegrationTest, IngestStreamAnswersEachItemInOrder) {
  grpc::ClientContext ctx;
  auto stream = ingest_->IngestStream(&ctx);
  for (int i = 0; i < 3; ++i) {
    v1::IngestRequest req;
    req.set_request_id(absl::StrCat("r", i));
    req.mutable_item()->set_content_type("text/plain");
    req.mutable_item()->set_content(
        i == 1 ? "Advertisements" : absl::StrCat("Post number ", i, "\n\nBody text ", i, "."));
    ASSERT_TRUE(stream->Write(req));
    v1::IngestResponse resp;
    ASSERT_TRUE(stream->Read(&resp));
    EXPECT_EQ(resp.request_id(), absl::StrCat("r", i));
    if (i == 1) {
      EXPECT_EQ(resp.status().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    } else {
      EXPECT_EQ(resp.status().code(), 0);
      EXPECT_EQ(resp.results_size(), 1);
    }
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

// Items sent without waiting for answers are read ahead and ingested
// together; each is still answered, in order, with its own outcome.
TEST_F(IntegrationTest, IngestStreamAnswersPipelinedItemsInOrder) {
  grpc::ClientContext ctx;
  auto stream = ingest_->IngestStream(&ctx);
  constexpr int kItems = 40;
  for (int i = 0; i < kItems; ++i) {
    v1::IngestRequest req;
    req.set_request_id(absl::StrCat("p", i));
    if (i % 10 != 7) {  // every tenth has no item
      req.mutable_item()->set_content_type("text/plain");
      req.mutable_item()->set_content(
          i % 10 == 3 ? "Advertisements"
                      : absl::StrCat("Pipelined post ", i, "\n\nBody of post ", i, "."));
    }
    ASSERT_TRUE(stream->Write(req));
  }
  stream->WritesDone();
  std::set<std::string> ids;
  for (int i = 0; i < kItems; ++i) {
    v1::IngestResponse resp;
    ASSERT_TRUE(stream->Read(&resp)) << i;
    EXPECT_EQ(resp.request_id(), absl::StrCat("p", i));
    if (i % 10 == 3 || i % 10 == 7) {
      EXPECT_EQ(resp.status().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) << i;
      EXPECT_EQ(resp.results_size(), 0) << i;
      if (i % 10 == 7) {
        EXPECT_EQ(resp.status().message(), "item: required");
      }
    } else {
      EXPECT_EQ(resp.status().code(), 0) << i << ": " << resp.status().message();
      ASSERT_EQ(resp.results_size(), 1) << i;
      EXPECT_EQ(resp.results(0).title(), absl::StrCat("Pipelined post ", i));
      ids.insert(resp.results(0).post_id());
    }
  }
  v1::IngestResponse extra;
  EXPECT_FALSE(stream->Read(&extra));
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(ids.size(), 32u);
}

// A client that goes away with items unanswered leaves the service serving.
TEST_F(IntegrationTest, IngestStreamCancelledMidwayLeavesTheServiceServing) {
  {
    grpc::ClientContext ctx;
    auto stream = ingest_->IngestStream(&ctx);
    for (int i = 0; i < 30; ++i) {
      v1::IngestRequest req;
      req.mutable_item()->set_content_type("text/plain");
      req.mutable_item()->set_content(absl::StrCat("Abandoned post ", i, "\n\nBody ", i, "."));
      if (!stream->Write(req)) break;
    }
    ctx.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  grpc::ClientContext ctx;
  v1::IngestRequest req;
  req.mutable_item()->set_content_type("text/plain");
  req.mutable_item()->set_content("After the cancel\n\nStill served.");
  v1::IngestResponse resp;
  ASSERT_TRUE(ingest_->Ingest(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).title(), "After the cancel");
}

TEST_F(IntegrationTest, SigtermStopsBothCleanly) {
  services_.ingest->Signal(SIGTERM);
  auto ingest_status = services_.ingest->Wait(absl::Seconds(15));
  ASSERT_TRUE(ingest_status.ok());
  EXPECT_TRUE(WIFEXITED(*ingest_status) && WEXITSTATUS(*ingest_status) == 0);
  services_.search->Signal(SIGTERM);
  auto search_status = services_.search->Wait(absl::Seconds(15));
  ASSERT_TRUE(search_status.ok());
  EXPECT_TRUE(WIFEXITED(*search_status) && WEXITSTATUS(*search_status) == 0);
  EXPECT_TRUE(absl::StrContains(ReadFile(services_.search->log_path()), "stopped"));
}

// Start-up errors: no service needed.
TEST(StartupTest, BadFlagsAndDataDirExitWithAClearMessage) {
  TempDir dir;
  std::string blocker = dir.path() + "/file";
  FILE* f = fopen(blocker.c_str(), "w");
  fputs("x", f);
  fclose(f);
  struct Case {
    std::vector<std::string> argv;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{testing_util::BuiltBinary("search-service/search-service"), "--listen=127.0.0.1:0",
        "--data_dir=" + blocker},
       "data_dir"},
      {{testing_util::BuiltBinary("search-service/search-service"), "--listen=nonsense",
        "--data_dir=" + dir.path() + "/d"},
       "listen"},
      {{testing_util::BuiltBinary("ingest-service/ingest-service"), "--listen=127.0.0.1:0",
        "--data_dir="},
       "data_dir"},
      {{testing_util::BuiltBinary("ingest-service/ingest-service"), "--listen=127.0.0.1:99999",
        "--data_dir=" + dir.path() + "/i"},
       "port"},
      {{testing_util::BuiltBinary("search-service/search-service"), "--listen=127.0.0.1:0",
        "--data_dir=" + dir.path() + "/s", "--lexicon=" + dir.path() + "/no-such.tsv"},
       "lexicon"},
      {{testing_util::BuiltBinary("ingest-service/ingest-service"), "--listen=127.0.0.1:0",
        "--data_dir=" + dir.path() + "/i2", "--lexicon=" + blocker},
       blocker + ":1"},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::string log = absl::StrCat(dir.path(), "/log", n++);
    auto p = Subprocess::Start(c.argv, log);
    ASSERT_TRUE(p.ok());
    auto status = (*p)->Wait(absl::Seconds(20));
    ASSERT_TRUE(status.ok());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0);
    EXPECT_TRUE(absl::StrContains(ReadFile(log), c.expect)) << ReadFile(log);
  }
}

}  // namespace
}  // namespace scr
