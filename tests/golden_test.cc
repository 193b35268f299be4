// Golden tests: every file in samples/ normalized with ingest::Normalizer
// (fixed version and fetch time, no source URL, content type by extension as
// `scrctl ingest` sends it) and compared with tests/golden/<file>.json, the
// NormalizeResponse as proto3 JSON (snake_case names, every field printed,
// fields in field-number order).
//
// On a mismatch the test prints a line diff (- golden, + actual). To accept
// new output after an intended change, regenerate and review the diff:
//   SCR_UPDATE_GOLDEN=1 ctest -R GoldenTest   (or run golden_test directly)
//   git diff tests/golden/
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/content_type.h"
#include "ingest-service/normalizer.h"
#include "scr/v1/ingest.pb.h"
#include "tests/test_util.h"

namespace scr {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kVersion = 1;

fs::path SamplesDir() { return fs::path(SCR_SOURCE_DIR) / "samples"; }
fs::path GoldenDir() { return fs::path(SCR_SOURCE_DIR) / "tests" / "golden"; }

bool UpdateRequested() {
  const char* v = std::getenv("SCR_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// The sample files, sorted; notes (README*) are not items.
std::vector<std::string> SampleNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(SamplesDir(), ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name[0] != '.' && !absl::StartsWith(name, "README")) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The golden JSON of one sample, or an error text starting with "ERROR".
std::string NormalizeToJson(const std::string& name) {
  fs::path path = SamplesDir() / name;
  ingest::RawItem item;
  item.content = testing_util::ReadFile(path.string());
  item.content_type = common::ContentTypeForFileName(path.filename().string());
  item.fetch_time = absl::FromCivil(absl::CivilSecond(2024, 1, 2, 3, 4, 5), absl::UTCTimeZone());
  ingest::Normalizer normalizer;
  auto result = normalizer.Normalize(item, kVersion);
  if (!result.ok()) return absl::StrCat("ERROR ", result.status().ToString(), "\n");
  v1::NormalizeResponse response;
  for (const auto& post : result->posts) *response.add_posts() = post;
  response.set_detected_format(result->format);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(response, &json, options);
  if (!status.ok()) return absl::StrCat("ERROR ", status.ToString(), "\n");
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

// A line diff from a longest common subsequence: "-" golden, "+" actual,
// with two lines of context around each change.
std::string LineDiff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> a = absl::StrSplit(expected, '\n');
  std::vector<std::string> b = absl::StrSplit(actual, '\n');
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  struct Line {
    char op;
    size_t line;  // 1-based line in the golden (for ' ' and '-') or actual ('+')
    std::string text;
  };
  std::vector<Line> script;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      script.push_back({' ', i + 1, a[i]});
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      script.push_back({'-', i + 1, a[i]});
      ++i;
    } else {
      script.push_back({'+', j + 1, b[j]});
      ++j;
    }
  }
  constexpr size_t kContext = 2;
  std::vector<bool> show(script.size(), false);
  for (size_t k = 0; k < script.size(); ++k) {
    if (script[k].op == ' ') continue;
    size_t lo = k >= kContext ? k - kContext : 0;
    size_t hi = std::min(script.size() - 1, k + kContext);
    for (size_t x = lo; x <= hi; ++x) show[x] = true;
  }
  std::ostringstream out;
  bool gap = true;
  for (size_t k = 0; k < script.size(); ++k) {
    if (!show[k]) {
      gap = true;
      continue;
    }
    if (gap) out << "@@ golden line " << script[k].line << " @@\n";
    gap = false;
    out << script[k].op << script[k].text << "\n";
  }
  return out.str();
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesGolden) {
  const std::string& name = GetParam();
  fs::path golden = GoldenDir() / (name + ".json");
  std::string actual = NormalizeToJson(name);
  if (UpdateRequested()) {
    fs::create_directories(GoldenDir());
    std::ofstream out(golden, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << golden;
    std::cerr << "updated " << golden.string() << "\n";
    return;
  }
  ASSERT_FALSE(absl::StartsWith(actual, "ERROR")) << name << ": " << actual;
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with SCR_UPDATE_GOLDEN=1 "
                                  << "to write it, then review it";
  std::string expected = testing_util::ReadFile(golden.string());
  if (expected != actual) {
    ADD_FAILURE() << name << " no longer normalizes to " << golden.string()
                  << " (- golden, + actual). If the change is intended, rerun with "
                  << "SCR_UPDATE_GOLDEN=1 and review git diff tests/golden/.\n"
                  << LineDiff(expected, actual);
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string out;
  for (char c : info.param) out.push_back(absl::ascii_isalnum(c) ? c : '_');
  return out;
}

INSTANTIATE_TEST_SUITE_P(Samples, GoldenTest, ::testing::ValuesIn(SampleNames()), TestName);

// Every golden belongs to a sample, and there is at least one sample.
TEST(GoldenFilesTest, NoStaleGoldens) {
  std::vector<std::string> samples = SampleNames();
  ASSERT_FALSE(samples.empty()) << "no files in " << SamplesDir();
  std::set<std::string> expected;
  for (const auto& s : samples) expected.insert(s + ".json");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(GoldenDir(), ec)) {
    std::string name = entry.path().filename().string();
    if (absl::EndsWith(name, ".json")) {
      EXPECT_TRUE(expected.count(name) > 0) << name << " has no sample in samples/; remove it";
    }
  }
}

}  // namespace
}  // namespace scr
