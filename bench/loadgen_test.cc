// What scr_loadgen counts (not how fast anything is): a real search-service
// on 127.0.0.1 with port 0 and an empty index, a small query file, and the
// load generator's JSON line.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/test_util.h"

namespace scr {
namespace {

using testing_util::TempDir;

class LoadGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto search = testing_util::StartSearchService(dir_.path(), &address_);
    ASSERT_TRUE(search.ok()) << search.status();
    search_ = *std::move(search);
    queries_ = dir_.path() + "/queries.tsv";
    std::ofstream out(queries_);
    out << "# CLASS\tFLAGS\tQUERY\n"
           "term\t-\tneglect\n"
           "two\t-\tcase review\n"
           "facets\tfacets\tsafeguarding\n"
           "full\tfacets,snippets,collapse\tserious case\n"
           "phrase\t-\t\"child protection\"\n";
  }

  // Runs scr_loadgen against the service (with the query file unless
  // `with_queries` is false); returns its exit status and the last line of
  // its stdout (the JSON summary).
  int RunLoadgen(const std::string& flags, std::string* last_line, bool with_queries = true) {
    std::string out;
    const int code = testing_util::RunCommand(
        absl::StrCat(testing_util::BuiltBinary("bench/scr_loadgen"), " --target=", address_,
                     with_queries ? absl::StrCat(" --queries=", queries_) : "", " ", flags,
                     " 2>&1"),
        &out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    *last_line = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    return code;
  }

  TempDir dir_;
  std::string address_;
  std::string queries_;
  std::unique_ptr<testing_util::Subprocess> search_;
};

TEST_F(LoadGeneratorTest, WarmUpPassesSendEveryQueryAndStayOutOfTheFigures) {
  std::string json;
  ASSERT_EQ(RunLoadgen("--concurrency=2 --count=7 --warmup_passes=2", &json), 0) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"errors\":0,")) << json;
  // The measured figures hold the 7 counted requests only.
  EXPECT_TRUE(absl::StrContains(json, "\"latency\":{\"n\":7,")) << json;
  // The first warm-up pass: each of the 5 queries once, by class.
  EXPECT_TRUE(absl::StrContains(json, "\"first_pass\":{\"latency\":{\"n\":5,")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"full\":{\"n\":1,")) << json;
}

TEST_F(LoadGeneratorTest, WithoutWarmUpPassesThereIsNoFirstPass) {
  std::string json;
  ASSERT_EQ(RunLoadgen("--count=3", &json), 0) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"latency\":{\"n\":3,")) << json;
  EXPECT_FALSE(absl::StrContains(json, "first_pass")) << json;
}

TEST_F(LoadGeneratorTest, MinPassesMeasuresBeyondTheDurationUntilEnoughPasses) {
  std::string json;
  // 10 ms would hold a handful of requests; 40 passes over the 5 queries
  // must be measured all the same.
  ASSERT_EQ(RunLoadgen("--duration_s=0.01 --warmup_s=0 --min_passes=40", &json), 0) << json;
  const std::string key = "\"latency\":{\"n\":";
  const size_t at = json.find(key);
  ASSERT_NE(at, std::string::npos) << json;
  EXPECT_GE(std::stol(json.substr(at + key.size())), 200) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"errors\":0,")) << json;
}

TEST_F(LoadGeneratorTest, MinPassesNeedsADurationRun) {
  std::string out;
  EXPECT_EQ(RunLoadgen("--count=3 --min_passes=2", &out), 2);
  EXPECT_TRUE(absl::StrContains(out, "--min_passes")) << out;
}

TEST_F(LoadGeneratorTest, RejectsANegativeWarmUp) {
  std::string out;
  EXPECT_EQ(RunLoadgen("--count=3 --warmup_passes=-1", &out), 2);
  EXPECT_TRUE(absl::StrContains(out, "--warmup_passes")) << out;
}

TEST_F(LoadGeneratorTest, HealthModeTimesHealthChecksWithoutAQueryFile) {
  std::string json;
  ASSERT_EQ(RunLoadgen("--health --count=4", &json, /*with_queries=*/false), 0) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"mode\":\"grpc-health\"")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"errors\":0,")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"latency\":{\"n\":4,")) << json;
  // Every sample is a health check: no query classes, no search time.
  EXPECT_TRUE(absl::StrContains(json, "\"classes\":{\"health\":{\"n\":4,")) << json;
  EXPECT_FALSE(absl::StrContains(json, "_plain")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"server_classes\":{}")) << json;
}

TEST_F(LoadGeneratorTest, HealthNamesTheFailedCall) {
  search_.reset();  // stops the service: nothing listens on the address any more
  std::string out;
  const int code =
      testing_util::RunCommand(absl::StrCat(testing_util::BuiltBinary("bench/scr_loadgen"),
                                            " --health --count=1 --target=", address_, " 2>&1"),
                               &out);
  EXPECT_EQ(code, 1) << out;  // every request failed
  EXPECT_TRUE(absl::StrContains(out, "first error: grpc 14: ")) << out;
  EXPECT_TRUE(absl::StrContains(out, "(Health/Check)")) << out;
}

TEST_F(LoadGeneratorTest, WithoutHealthAQueryFileIsRequired) {
  std::string out;
  EXPECT_EQ(RunLoadgen("--count=3", &out, /*with_queries=*/false), 2);
  EXPECT_TRUE(absl::StrContains(out, "--queries is required")) << out;
}

TEST_F(LoadGeneratorTest, HealthIsNotAnHttpCall) {
  std::string out;
  EXPECT_EQ(RunLoadgen("--health --http --count=3", &out), 2);
  EXPECT_TRUE(absl::StrContains(out, "cannot be combined with --http")) << out;
}

}  // namespace
}  // namespace scr
