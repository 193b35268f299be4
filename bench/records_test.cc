// The slicing that bench/run.sh's interleaved ingest relies on.
#include "bench/records.h"

#include <gtest/gtest.h>

namespace scr::bench {
namespace {

TEST(ParsePartTest, AcceptsKOfN) {
  long part = -1, parts = -1;
  ASSERT_TRUE(ParsePart("0/4", &part, &parts));
  EXPECT_EQ(part, 0);
  EXPECT_EQ(parts, 4);
  ASSERT_TRUE(ParsePart("3/4", &part, &parts));
  EXPECT_EQ(part, 3);
}

TEST(ParsePartTest, RejectsWhatIsNotASlice) {
  long part = 7, parts = 7;
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "1/4x", "a/b", "", "1/1001"}) {
    EXPECT_FALSE(ParsePart(bad, &part, &parts)) << bad;
  }
  EXPECT_EQ(part, 7);  // untouched on failure
  EXPECT_EQ(parts, 7);
}

TEST(PartRangeTest, SlicesCoverEveryRecordOnceInOrder) {
  for (size_t count : {0u, 1u, 3u, 10u, 1001u}) {
    for (long parts : {1L, 2L, 4L, 7L}) {
      size_t expected_first = 0;
      for (long k = 0; k < parts; ++k) {
        auto [first, last] = PartRange(count, k, parts);
        EXPECT_EQ(first, expected_first) << count << " " << k << "/" << parts;
        EXPECT_LE(first, last);
        EXPECT_LE(last - first, count / static_cast<size_t>(parts) + 1);
        expected_first = last;
      }
      EXPECT_EQ(expected_first, count) << count << " in " << parts;
    }
  }
}

TEST(KeepPartTest, KeepsTheSlice) {
  std::vector<Record> records;
  for (int i = 0; i < 10; ++i) records.push_back({{"id", std::to_string(i)}});
  KeepPart(records, 1, 4);  // records 2..4
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.front().at("id"), "2");
  EXPECT_EQ(records.back().at("id"), "4");
}

}  // namespace
}  // namespace scr::bench
