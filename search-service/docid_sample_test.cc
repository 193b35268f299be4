#include "search-service/docid_sample.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

namespace scr::search {
namespace {

// How many docids a sample of `level` takes from a database of docids
// 1..last.
int64_t Sample(Xapian::docid last, int level) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (Xapian::docid d = 1; d <= last; ++d) db.replace_document(d, Xapian::Document());
  DocidSample sample(level);
  sample.init(db);
  int64_t count = 0;
  Xapian::docid prev = 0;
  for (sample.next(0); !sample.at_end(); sample.next(0)) {
    const Xapian::docid d = sample.get_docid();
    EXPECT_GT(d, prev);
    EXPECT_LE(d, last);
    prev = d;
    ++count;
  }
  return count;
}

TEST(DocidSampleTest, TakesOneIn2ToTheLevelToWithinOneRun) {
  for (Xapian::docid last : {1000u, 4000u, 20000u, 150000u}) {
    for (int level = 1; level <= 8; ++level) {
      const int64_t taken = Sample(last, level);
      const int64_t expected = last >> level;
      // Runs are taken whole, so the count can miss by the one run of the
      // last, partial block of 2^level runs; a run is kMaxRun docids, fewer
      // when the database holds fewer than kMinRuns runs of that length a
      // level.
      const int64_t run = std::clamp<int64_t>(
          last / ((int64_t{1} << level) * DocidSample::kMinRuns), 1, DocidSample::kMaxRun);
      EXPECT_LE(std::llabs(taken - expected), run)
          << "last docid " << last << ", level " << level << ": took " << taken
          << " docids, expected " << expected;
    }
  }
}

TEST(DocidSampleTest, SkipToLandsOnTheNextChosenDocid) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (Xapian::docid d = 1; d <= 5000; ++d) db.replace_document(d, Xapian::Document());
  DocidSample walk(3), skip(3);
  walk.init(db);
  skip.init(db);
  walk.next(0);
  for (Xapian::docid target = 1; target <= 5000; target += 97) {
    while (!walk.at_end() && walk.get_docid() < target) walk.next(0);
    skip.skip_to(target, 0);
    ASSERT_EQ(skip.at_end(), walk.at_end()) << "skip_to(" << target << ")";
    if (walk.at_end()) break;
    EXPECT_EQ(skip.get_docid(), walk.get_docid()) << "skip_to(" << target << ")";
  }
}

TEST(DocidSampleTest, CloneSamplesTheSameDocids) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (Xapian::docid d = 1; d <= 3000; ++d) db.replace_document(d, Xapian::Document());
  DocidSample a(4);
  std::unique_ptr<Xapian::PostingSource> b(a.clone());
  a.init(db);
  b->init(db);
  a.next(0);
  b->next(0);
  while (!a.at_end()) {
    ASSERT_FALSE(b->at_end());
    EXPECT_EQ(a.get_docid(), b->get_docid());
    a.next(0);
    b->next(0);
  }
  EXPECT_TRUE(b->at_end());
  EXPECT_EQ(a.get_description(), "DocidSample(4)");
}

}  // namespace
}  // namespace scr::search
