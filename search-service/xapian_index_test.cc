#include "search-service/xapian_index.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/test_util.h"

namespace scr::search {
namespace {

v1::Post MakePost(const std::string& id, const std::string& title, const std::string& body,
                  int64_t version = 1) {
  v1::Post p;
  p.set_id(id);
  p.set_title(title);
  p.set_body(body);
  p.set_version(version);
  p.set_site("example.org");
  return p;
}

// Every test runs on a one-shard and a two-shard index.
class XapianIndexTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto index = XapianIndex::Open(dir_.path() + "/index", nullptr, GetParam());
    ASSERT_TRUE(index.ok()) << index.status();
    ASSERT_EQ(index.value()->shard_count(), GetParam());
    index_ = *std::move(index);
  }
  testing_util::TempDir dir_;
  std::unique_ptr<XapianIndex> index_;
};

TEST_P(XapianIndexTest, UpsertThenSearchFindsPostWithSnippet) {
  v1::Post a = MakePost("u1", "Reviews are improving", "Ofsted found serious case reviews better.");
  a.add_categories("Uncategorized");
  v1::Post b = MakePost("u2", "Publishing in full", "Calls to publish the review in full.");
  b.add_categories("children's social work");
  auto outcomes = index_->Upsert({a, b});
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_EQ((*outcomes)[0], WriteOutcome::kCreated);

  SearchQuery q;
  q.text = "improving";
  q.facets = {"category"};
  auto r = index_->Search(q);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].post.title(), "Reviews are improving");
  EXPECT_TRUE(r->hits[0].post.body().empty()) << "body is omitted unless asked for";
  ASSERT_FALSE(r->hits[0].title.ranges.empty());
  const auto& [start, end] = r->hits[0].title.ranges[0];
  EXPECT_EQ(r->hits[0].title.text.substr(start, end - start), "improving");
  ASSERT_EQ(r->facets.size(), 1u);
  ASSERT_EQ(r->facets[0].values.size(), 1u);
  EXPECT_EQ(r->facets[0].values[0].value, "Uncategorized");
}

TEST_P(XapianIndexTest, SnippetTextIsPlainWithRanges) {
  ASSERT_TRUE(index_->Upsert({MakePost("u1", "T", "Fish & <chips> are good food")}).ok());
  SearchQuery q;
  q.text = "chips";
  auto r = index_->Search(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  const Highlighted& s = r->hits[0].snippet;
  EXPECT_NE(s.text.find("Fish & <chips>"), std::string::npos) << s.text;
  ASSERT_EQ(s.ranges.size(), 1u);
  EXPECT_EQ(s.text.substr(s.ranges[0].first, s.ranges[0].second - s.ranges[0].first), "chips");
}

TEST_P(XapianIndexTest, UpsertIsIdempotentAndVersioned) {
  ASSERT_TRUE(index_->Upsert({MakePost("u1", "First", "old text", 5)}).ok());
  auto again = index_->Upsert({MakePost("u1", "First", "old text", 5)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0], WriteOutcome::kStale);
  auto newer = index_->Upsert({MakePost("u1", "Second", "new text", 6)});
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ((*newer)[0], WriteOutcome::kUpdated);
  auto stats = index_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->document_count, 1);
  auto post = index_->GetPost("u1");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->title(), "Second");
}

TEST_P(XapianIndexTest, DeleteIsNotUndoneByOlderReplay) {
  ASSERT_TRUE(index_->Upsert({MakePost("u1", "T", "text", 5)}).ok());
  auto del = index_->Delete({Deletion{"u1", 7}});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ((*del)[0], WriteOutcome::kDeleted);
  auto replay = index_->Upsert({MakePost("u1", "T", "text", 6)});
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ((*replay)[0], WriteOutcome::kStale);
  EXPECT_EQ(index_->GetPost("u1").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(XapianIndexTest, VersionsOfPostsAndDeletesSurviveAReopen) {
  ASSERT_TRUE(
      index_->Upsert({MakePost("kept", "T", "text", 5), MakePost("gone", "T", "text", 5)}).ok());
  ASSERT_TRUE(index_->Delete({Deletion{"gone", 7}}).ok());
  index_.reset();
  auto reopened = XapianIndex::Open(dir_.path() + "/index", nullptr, GetParam());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  XapianIndex& index = **reopened;
  // A stored post's version is its own; a deleted one's is its delete's.
  auto replays = index.Upsert({MakePost("kept", "T", "text", 5), MakePost("gone", "T", "text", 6)});
  ASSERT_TRUE(replays.ok());
  EXPECT_EQ((*replays)[0], WriteOutcome::kStale);
  EXPECT_EQ((*replays)[1], WriteOutcome::kStale);
  auto old_delete = index.Delete({Deletion{"kept", 4}});
  ASSERT_TRUE(old_delete.ok());
  EXPECT_EQ((*old_delete)[0], WriteOutcome::kStale);
  EXPECT_TRUE(index.GetPost("kept").ok());
  auto newer = index.Upsert({MakePost("gone", "Back", "text", 8)});
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ((*newer)[0], WriteOutcome::kCreated);
  EXPECT_EQ(index.GetPost("gone")->title(), "Back");
}

TEST_P(XapianIndexTest, FiltersAndFieldPrefixes) {
  v1::Post a = MakePost("u1", "Alpha review", "common words here");
  a.add_categories("Uncategorized");
  v1::Post b = MakePost("u2", "Beta review", "common words here");
  b.add_categories("Other");
  ASSERT_TRUE(index_->Upsert({a, b}).ok());
  SearchQuery q;
  q.text = "category:uncategorized";
  auto r = index_->Search(q);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].post.id(), "u1");

  SearchQuery f;
  f.text = "common";
  f.filter.categories = {"Other"};
  f.facets = {"category"};
  r = index_->Search(f);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].post.id(), "u2");
  // Multi-select: the category facet still counts both values.
  ASSERT_EQ(r->facets[0].values.size(), 2u);
  EXPECT_TRUE(r->facets[0].values[0].selected || r->facets[0].values[1].selected);
}

TEST_P(XapianIndexTest, UnknownFacetIsInvalidArgument) {
  SearchQuery q;
  q.facets = {"colour"};
  EXPECT_EQ(index_->Search(q).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(XapianIndexTest, ReopenedIndexKeepsCommittedPosts) {
  ASSERT_TRUE(index_->Upsert({MakePost("u1", "Kept", "durable text")}).ok());
  index_.reset();
  auto reopened = XapianIndex::Open(dir_.path() + "/index");
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->GetPost("u1").ok());
}

TEST_P(XapianIndexTest, SecondWriterGetsClearError) {
  auto second = XapianIndex::Open(dir_.path() + "/index");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("locked"), std::string::npos) << second.status();
}

TEST_P(XapianIndexTest, SightingsOfOnePostMerge) {
  v1::Post archive = MakePost("u1", "T", "The full text of the post.", 1);
  archive.add_source_urls("https://b.example/tag/x");
  archive.add_tags("x");
  v1::Post feed = MakePost("u1", "T", "The full", 2);
  feed.set_body_is_excerpt(true);
  feed.add_source_urls("https://b.example/feed");
  feed.add_categories("Policy");
  ASSERT_TRUE(index_->Upsert({archive}).ok());
  ASSERT_TRUE(index_->Upsert({feed}).ok());
  auto post = index_->GetPost("u1");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->body(), "The full text of the post.");
  EXPECT_EQ(post->source_urls_size(), 2);
  EXPECT_EQ(post->tags_size(), 1);
  EXPECT_EQ(post->categories_size(), 1);
  EXPECT_EQ(index_->Stats()->document_count, 1);
}

// The text terms of an upsert are generated before it is queued, from the
// incoming post; when the merge keeps the stored text instead, the stored
// text is what stays searchable.
TEST_P(XapianIndexTest, MergedTextIsWhatIsIndexed) {
  auto count = [&](const std::string& text) {
    SearchQuery q;
    q.text = text;
    auto r = index_->Search(q);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->estimated_total : -1;
  };
  v1::Post feed = MakePost("u1", "Teaser headline", "The opening lines", 1);
  feed.set_body_is_excerpt(true);
  v1::Post full = MakePost("u1", "Thresholds review", "The opening lines and the thresholds.", 2);
  v1::Post later_feed = MakePost("u1", "Clickbait headline", "The opening", 3);
  later_feed.set_body_is_excerpt(true);
  ASSERT_TRUE(index_->Upsert({feed}).ok());
  EXPECT_EQ(count("teaser"), 1);
  ASSERT_TRUE(index_->Upsert({full}).ok());
  EXPECT_EQ(count("thresholds"), 1);
  EXPECT_EQ(count("teaser"), 0);
  ASSERT_TRUE(index_->Upsert({later_feed}).ok());
  EXPECT_EQ(index_->GetPost("u1")->title(), "Thresholds review");
  EXPECT_EQ(count("thresholds"), 1);
  EXPECT_EQ(count("clickbait"), 0);
}

// Upserts running at once make the text terms of at most
// kMaxPrebuiltTexts posts ahead of the writers; the writers make the rest,
// and every post is indexed either way.
TEST_P(XapianIndexTest, UpsertsPastThePrebuiltTextBudgetIndexEveryPost) {
  constexpr int kThreads = 3;
  constexpr int kPerThread = 3500;  // together more than the budget
  static_assert(kThreads * kPerThread > XapianIndex::kMaxPrebuiltTexts);
  std::vector<std::vector<v1::Post>> batches(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string n = std::to_string(t) + "x" + std::to_string(i);
      batches[t].push_back(MakePost("u" + n, "Post " + n, "Review text marker" + n, 1));
    }
  }
  std::atomic<bool> writing{true};
  std::atomic<size_t> most_held{0};
  std::thread sampler([&] {
    while (writing.load()) {
      most_held = std::max(most_held.load(), index_->prebuilt_texts_held());
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      if (!index_->Upsert(batches[t]).ok()) ++failures;
    });
  }
  for (std::thread& w : writers) w.join();
  writing = false;
  sampler.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(most_held.load(), XapianIndex::kMaxPrebuiltTexts);
  EXPECT_EQ(index_->prebuilt_texts_held(), 0u);
  auto stats = index_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->document_count, kThreads * kPerThread);
  for (const char* n : {"0x0", "1x3499", "2x1750"}) {
    SearchQuery q;
    q.text = std::string("marker") + n;
    auto r = index_->Search(q);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->hits.size(), 1u) << n;
    EXPECT_EQ(r->hits[0].post.id(), std::string("u") + n);
  }
}

TEST_P(XapianIndexTest, NearDuplicatesShareAClusterAndCollapse) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "word" + std::to_string(i) + " reviews safeguarding ";
  v1::Post a = MakePost("u1", "Original", text, 1);
  a.set_simhash(0x123456789abcdef0ull);
  v1::Post b = MakePost("u2", "Repost", text + " Posted from my phone", 1);
  b.set_simhash(0x123456789abcdef3ull);  // 2 bits away
  v1::Post c = MakePost("u3", "Different", text, 1);
  c.set_simhash(0xfedcba9876543210ull);
  // (Near-duplicates are looked for in other shards as of their last
  // commit, so the original is written first.)
  ASSERT_TRUE(index_->Upsert({a}).ok());
  ASSERT_TRUE(index_->Upsert({b, c}).ok());
  EXPECT_EQ(index_->GetPost("u2")->cluster_key(), "u1");
  EXPECT_EQ(index_->GetPost("u3")->cluster_key(), "u3");
  SearchQuery q;
  q.text = "safeguarding";
  q.collapse_duplicates = true;
  auto r = index_->Search(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 2u);
  int folded = r->hits[0].duplicate_count + r->hits[1].duplicate_count;
  EXPECT_EQ(folded, 1);
  SearchQuery expand;
  expand.cluster_key = "u1";
  EXPECT_EQ(index_->Search(expand)->hits.size(), 2u);
}

TEST_P(XapianIndexTest, SuggestCompletesEntitiesAndTitles) {
  v1::Post a = MakePost("u1", "Connelly review published", "About the case of Peter Connelly.");
  v1::Entity* e = a.add_entities();
  e->set_id("peter-connelly");
  e->set_name("Peter Connelly");
  e->set_mentions(1);
  ASSERT_TRUE(index_->Upsert({a}).ok());
  auto s = index_->Suggest("conn", 8);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].kind, "entity");
  EXPECT_EQ((*s)[0].text, "Peter Connelly");
  EXPECT_EQ((*s)[1].kind, "title");
  EXPECT_EQ((*s)[1].post_id, "u1");
  // Entities nobody mentions are not offered.
  auto none = index_->Suggest("climb", 8);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(XapianIndexTest, ConcurrentWritersShareCommits) {
  constexpr int kThreads = 8, kPerThread = 25;
  auto before = index_->Stats();
  ASSERT_TRUE(before.ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = index_->Upsert({MakePost(id, "Title " + id, "body text " + id)});
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << id << ": " << r.status();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto after = index_->Stats();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->document_count, kThreads * kPerThread);
  int64_t commits = after->revision - before->revision;
  EXPECT_LT(commits, kThreads * kPerThread) << "group commit should fold concurrent writes";
  printf("group commit: %d writes in %lld commits\n", kThreads * kPerThread,
         static_cast<long long>(commits));
}

TEST_P(XapianIndexTest, LargeBatchesAreCommittedInBoundedParts) {
  // 4,500 posts: one shard commits them as three parts of 1,500; two shards
  // get about 2,250 each and commit each share as two parts.
  const size_t n = 2 * XapianIndex::kMaxCommitDocuments + 500;
  std::vector<v1::Post> posts;
  std::vector<Deletion> deletions;
  for (size_t i = 0; i < n; ++i) {
    std::string id = "batch" + std::to_string(i);
    posts.push_back(MakePost(id, "Batch post " + std::to_string(i), "bounded commit " + id));
    deletions.push_back({id, 2});
  }
  auto before = index_->Stats();
  ASSERT_TRUE(before.ok());
  auto written = index_->Upsert(posts);
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->size(), n);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ((*written)[i], WriteOutcome::kCreated) << i;
  auto after = index_->Stats();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->document_count, static_cast<int64_t>(n));
  EXPECT_EQ(after->revision - before->revision, GetParam() == 1 ? 3 : 4);
  SearchQuery q;
  q.text = "batch4499";
  auto found = index_->Search(q);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->hits.size(), 1u);
  EXPECT_EQ(found->hits[0].post.id(), "batch4499");

  // Outcomes come back in the batch's order across the parts.
  std::swap(deletions.front(), deletions.back());
  deletions.back().id = "never-stored";
  auto deleted = index_->Delete(deletions);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  ASSERT_EQ(deleted->size(), n);
  for (size_t i = 0; i + 1 < n; ++i) ASSERT_EQ((*deleted)[i], WriteOutcome::kDeleted) << i;
  EXPECT_EQ(deleted->back(), WriteOutcome::kNotFound);
  auto emptied = index_->Stats();
  ASSERT_TRUE(emptied.ok());
  EXPECT_EQ(emptied->document_count, 1);
}

TEST_P(XapianIndexTest, ConcurrentSearchesAndWritesAreSafe) {
  // Regressions: a stemmer shared between threads crashed concurrent
  // searches; a reader reopened outside the retry loop failed with
  // DatabaseModifiedError when a commit landed during the reopen.
  std::vector<v1::Post> posts;
  for (int i = 0; i < 50; ++i) {
    posts.push_back(MakePost("p" + std::to_string(i),
                             "Reviews and inspections " + std::to_string(i),
                             "Serious case reviews, Ofsted inspections and safeguarding boards "
                             "publishing their learning " +
                                 std::to_string(i)));
  }
  ASSERT_TRUE(index_->Upsert(posts).ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        SearchQuery q;
        q.text = i % 2 ? "reviewing inspections" : "Baby P safeguarding";
        q.facets = {"category"};
        auto r = index_->Search(q);
        if (!r.ok() || r->hits.empty()) {
          ++failures;
          ADD_FAILURE() << q.text << ": " << (r.ok() ? "no hits" : r.status().ToString());
        }
        if (t == 0 && i % 10 == 0) {
          if (!index_->Upsert({MakePost("w" + std::to_string(i), "New review", "text", 1)}).ok()) {
            ++failures;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(XapianIndexTest, ShardsOpenAsOneDatabaseAndKeepTheirCount) {
  std::vector<v1::Post> posts;
  for (int i = 0; i < 40; ++i) {
    posts.push_back(MakePost("s" + std::to_string(i), "Shard post " + std::to_string(i),
                             "inspection text " + std::to_string(i)));
  }
  ASSERT_TRUE(index_->Upsert(posts).ok());
  const std::string path = dir_.path() + "/index";
  EXPECT_TRUE(std::filesystem::exists(path + "/XAPIANDB"));
  for (int i = 0; i < GetParam(); ++i) {
    EXPECT_TRUE(std::filesystem::exists(path + "/shard-" + std::to_string(i) + "/iamglass"));
  }
  index_.reset();
  // Asking for another count does not re-shard an existing index.
  auto reopened = XapianIndex::Open(path, nullptr, 3);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->shard_count(), GetParam());
  for (const v1::Post& p : posts) EXPECT_TRUE((*reopened)->GetPost(p.id()).ok()) << p.id();
  SearchQuery q;
  q.text = "inspection";
  q.limit = 100;
  auto r = (*reopened)->Search(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hits.size(), posts.size());
  EXPECT_EQ((*reopened)->Stats()->document_count, 40);
  // Versions are kept per shard: replays are stale, deletes find their post.
  auto replay = (*reopened)->Upsert(posts);
  ASSERT_TRUE(replay.ok());
  for (WriteOutcome o : *replay) EXPECT_EQ(o, WriteOutcome::kStale);
  std::vector<Deletion> deletions;
  for (const v1::Post& p : posts) deletions.push_back({p.id(), 2});
  auto deleted = (*reopened)->Delete(deletions);
  ASSERT_TRUE(deleted.ok());
  for (WriteOutcome o : *deleted) EXPECT_EQ(o, WriteOutcome::kDeleted);
  EXPECT_EQ((*reopened)->Stats()->document_count, 0);
}

// The writer adds spelling words once per commit group instead of through
// TermGenerator's FLAG_SPELLING; the spelling table must come out the same:
// every word of titles and bodies, counted once per occurrence.
TEST_P(XapianIndexTest, SpellingTableMatchesTermGeneratorSpelling) {
  std::vector<v1::Post> posts = {
      MakePost("p1", "Neglect review", "The review found neglect, neglect and delay."),
      MakePost("p2", "Safeguarding board", "Board members met; the board's review was late."),
      MakePost("p3", "Café 2009 report", "Naïve agencies in 2009 missed the café owner's report."),
  };
  for (int i = 0; i < 20; ++i) {
    posts.push_back(MakePost("q" + std::to_string(i), "Serious case review " + std::to_string(i),
                             "Agencies shared information late in case " + std::to_string(i)));
  }
  // Two calls, so words also accumulate across commits.
  ASSERT_TRUE(index_->Upsert(absl::MakeConstSpan(posts).subspan(0, 10)).ok());
  ASSERT_TRUE(index_->Upsert(absl::MakeConstSpan(posts).subspan(10)).ok());

  Xapian::WritableDatabase expected(dir_.path() + "/expected",
                                    Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("english"));
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  tg.set_database(expected);
  tg.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
  for (const v1::Post& p : posts) {
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(p.title(), 1, "S");
    tg.index_text(p.title());
    tg.index_text(p.body());
  }
  expected.commit();

  std::map<std::string, Xapian::doccount> want, got;
  for (auto w = expected.spellings_begin(); w != expected.spellings_end(); ++w) {
    want[*w] = w.get_termfreq();
  }
  index_.reset();
  // A sharded index sums the shards' spelling tables.
  Xapian::Database db(dir_.path() + "/index");
  for (auto w = db.spellings_begin(); w != db.spellings_end(); ++w) got[*w] = w.get_termfreq();
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(got, want);
  EXPECT_EQ(db.get_spelling_suggestion("neglet"), "neglect");
}

TEST_P(XapianIndexTest, NearDuplicatesAreFoundAcrossShards) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "term" + std::to_string(i) + " neglect review ";
  v1::Post original = MakePost("orig", "Original", text, 1);
  original.set_simhash(0x0f0f0f0f0f0f0f0full);
  ASSERT_TRUE(index_->Upsert({original}).ok());
  // Reposts under many ids land in every shard.
  for (int i = 0; i < 8; ++i) {
    v1::Post copy = MakePost("copy" + std::to_string(i), "Copy", text + " footer", 1);
    copy.set_simhash(0x0f0f0f0f0f0f0f0full ^ (1ull << i));
    ASSERT_TRUE(index_->Upsert({copy}).ok());
    EXPECT_EQ(index_->GetPost(copy.id())->cluster_key(), "orig") << copy.id();
  }
}

// The shards' SimHashes are kept in memory and loaded again at open: what
// earlier sessions wrote (and deleted) still counts.
TEST_P(XapianIndexTest, NearDuplicatesOfEarlierSessionsAreFound) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "line" + std::to_string(i) + " case review ";
  const uint64_t kPrint = 0x00ff00ff00ff00ffull;
  std::vector<v1::Post> originals;
  for (int i = 0; i < 6; ++i) {
    v1::Post p = MakePost("orig" + std::to_string(i), "Original", text, 1);
    p.set_simhash(kPrint ^ (0xf0ull << (8 * i)));  // 8 bits from one another
    originals.push_back(p);
  }
  ASSERT_TRUE(index_->Upsert(originals).ok());
  ASSERT_TRUE(index_->Delete({{"orig5", 2}}).ok());
  auto reopen = [&] {
    index_.reset();
    auto reopened = XapianIndex::Open(dir_.path() + "/index", nullptr, GetParam());
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    index_ = *std::move(reopened);
  };
  reopen();
  for (int i = 0; i < 6; ++i) {
    v1::Post copy = MakePost("copy" + std::to_string(i), "Copy", text + " footer", 1);
    copy.set_simhash(kPrint ^ (0xf0ull << (8 * i)) ^ 0x3);
    ASSERT_TRUE(index_->Upsert({copy}).ok());
    std::string expected = i == 5 ? copy.id() : "orig" + std::to_string(i);
    EXPECT_EQ(index_->GetPost(copy.id())->cluster_key(), expected) << copy.id();
  }
}

// Within one shard's group commit, a post is compared with the posts written
// before it in the same group, and no longer with what they replaced.
TEST(XapianIndexNearDuplicateTest, GroupSeesItsOwnEarlierWrites) {
  testing_util::TempDir dir;
  auto index = XapianIndex::Open(dir.path() + "/index", nullptr, 1);
  ASSERT_TRUE(index.ok()) << index.status();
  std::string text;
  for (int i = 0; i < 40; ++i) text += "word" + std::to_string(i) + " serious case ";
  const uint64_t kFirst = 0x1111222233334444ull, kSecond = 0x9999aaaabbbbccccull;
  v1::Post a = MakePost("a", "A", text, 1);
  a.set_simhash(kFirst);
  v1::Post b = MakePost("b", "B", text + " again", 1);
  b.set_simhash(kFirst ^ 0x5);  // 2 bits from a, in the same group
  ASSERT_TRUE((*index)->Upsert({a, b}).ok());
  EXPECT_EQ((*index)->GetPost("b")->cluster_key(), "a");

  // a moves away from kFirst. c is 3 bits from a's old fingerprint (5 from
  // b's) and written in the same group as a's change: a's replaced document
  // must not make it a near-duplicate.
  v1::Post a2 = MakePost("a", "A", "Rewritten. " + text, 2);
  a2.set_simhash(kSecond);
  v1::Post c = MakePost("c", "C", text + " once more", 1);
  c.set_simhash(kFirst ^ 0x70000);
  ASSERT_TRUE((*index)->Upsert({a2, c}).ok());
  EXPECT_EQ((*index)->GetPost("c")->cluster_key(), "c");
  v1::Post d = MakePost("d", "D", text + " and again", 1);
  d.set_simhash(kSecond ^ 0x1);
  ASSERT_TRUE((*index)->Upsert({d}).ok());
  EXPECT_EQ((*index)->GetPost("d")->cluster_key(), "a") << "a's new fingerprint is found";

  // e is 1 bit from b (and 6 from c): once b is deleted, e has no near-duplicate.
  ASSERT_TRUE((*index)->Delete({{"b", 2}}).ok());
  v1::Post e = MakePost("e", "E", text + " last", 1);
  e.set_simhash(kFirst ^ 0x7);
  ASSERT_TRUE((*index)->Upsert({e}).ok());
  EXPECT_EQ((*index)->GetPost("e")->cluster_key(), "e");
}

// A collapsed search split by shard collapses within each group of shards
// and then across them: a cluster whose posts lie in both shards is one hit,
// counting all its other posts, as in one match over every shard.
TEST(XapianIndexSideBySideTest, CollapsedSearchFoldsClustersAcrossShards) {
  testing_util::TempDir dir;
  std::vector<v1::Post> originals, copies;
  for (int k = 0; k < 6; ++k) {
    std::string text = "review of case " + std::to_string(k) + " and its findings";
    // Long enough for near-duplicate detection.
    for (int w = 0; w < 40; ++w) text += " word" + std::to_string(w) + "k" + std::to_string(k);
    v1::Post o = MakePost("o" + std::to_string(k), "Original " + std::to_string(k), text);
    const uint64_t simhash = 0x0123456789abcdefULL * static_cast<uint64_t>(2 * k + 1);
    o.set_simhash(simhash);
    originals.push_back(o);
    for (int c = 0; c < 2; ++c) {
      v1::Post d = MakePost("d" + std::to_string(k) + "x" + std::to_string(c), "Copy", text);
      d.set_simhash(simhash ^ (uint64_t{1} << (c + 1)));
      copies.push_back(d);
    }
  }
  std::map<int, std::vector<SearchResults>> answers;  // by query threads
  for (int threads : {1, 2}) {
    auto index = XapianIndex::Open(dir.path() + "/index" + std::to_string(threads), nullptr,
                                   /*shards=*/2, /*max_exact_facet_matches=*/100, threads);
    ASSERT_TRUE(index.ok()) << index.status();
    // Originals first: near-duplicates are found in other shards as of
    // their last commit.
    ASSERT_TRUE((*index)->Upsert(originals).ok());
    ASSERT_TRUE((*index)->Upsert(copies).ok());
    for (int k = 0; k < 6; ++k) {
      EXPECT_EQ((*index)->GetPost("d" + std::to_string(k) + "x1")->cluster_key(),
                "o" + std::to_string(k));
    }
    for (bool facets : {false, true}) {
      SearchQuery q;
      q.text = "review";
      q.collapse_duplicates = true;
      if (facets) q.facets = {"site"};
      auto r = (*index)->Search(q);
      ASSERT_TRUE(r.ok()) << r.status();
      answers[threads].push_back(*r);
    }
    if (threads == 2) {
      EXPECT_GE((*index)->side_by_side_searches(), 2);
    }
  }
  for (int threads : {1, 2}) {
    for (const SearchResults& r : answers[threads]) {
      SCOPED_TRACE(testing::Message() << threads << " threads");
      ASSERT_EQ(r.hits.size(), 6u);
      std::set<std::string> clusters;
      for (const SearchHit& h : r.hits) {
        clusters.insert(h.post.cluster_key());
        EXPECT_EQ(h.duplicate_count, 2) << h.post.id();
      }
      EXPECT_EQ(clusters.size(), 6u);
    }
  }
  for (size_t i = 0; i < answers[1].size(); ++i) {
    for (size_t h = 0; h < 6; ++h) {
      EXPECT_EQ(answers[2][i].hits[h].post.id(), answers[1][i].hits[h].post.id());
    }
  }
  ASSERT_EQ(answers[2][1].facets.size(), 1u);
  ASSERT_EQ(answers[2][1].facets[0].values.size(), 1u);
  EXPECT_EQ(answers[2][1].facets[0].values[0].count, 18);
}

// Searching a query's shards side by side (one thread per group of shards)
// must give exactly what one match over every shard gives: the same posts in
// the same order with the same weights, whatever the sort, page or filter,
// ties included.
TEST(XapianIndexSideBySideTest, MatchesOneMatchOverEveryShard) {
  testing_util::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<std::string> words = {"review", "neglect", "board",  "child",
                                          "agency", "school",  "police", "health"};
  std::vector<v1::Post> posts;
  for (int i = 0; i < 300; ++i) {
    // Few distinct texts and dates: many posts tie on weight, date or both.
    std::string body;
    for (int w = 0; w <= i % 5; ++w) body += words[(i * 7 + w * 3) % words.size()] + " ";
    v1::Post p = MakePost("p" + std::to_string(i), "Post " + words[i % words.size()], body);
    p.mutable_published()->set_seconds(1'600'000'000 + 86400 * (i % 13));
    p.add_categories(i % 2 == 0 ? "even" : "odd");
    posts.push_back(std::move(p));
  }
  std::vector<SearchQuery> queries;
  for (const char* text : {"review", "neglect board", "child OR police", "\"agency school\"",
                           "review -health", "post", "", "title:board", "nosuchword"}) {
    for (SortOrder sort :
         {SortOrder::kRelevance, SortOrder::kNewestFirst, SortOrder::kOldestFirst}) {
      for (int offset : {0, 7, 95}) {
        SearchQuery q;
        q.text = text;
        q.sort = sort;
        q.offset = offset;
        q.limit = 20;
        queries.push_back(q);
        q.filter.categories = {"odd"};
        q.snippet_length = 80;
        queries.push_back(q);
      }
    }
  }
  // A faceted search counts its facets beside the page's match when that
  // count is a match of its own (collapsed, or sampled: facets are exact up
  // to 100 matches here); a collapsed one splits its page by shard, and with
  // facets its facet match too. (Collapsing across shards is tested with
  // real clusters above.)
  const size_t split_queries = queries.size();
  for (const char* text : {"review", "post", "", "child OR police", "nosuchword"}) {
    for (bool collapse : {false, true}) {
      for (bool selected : {false, true}) {
        SearchQuery q;
        q.text = text;
        q.limit = 20;
        q.collapse_duplicates = collapse;
        q.facets = {"category", "year", "site"};
        if (selected) q.filter.categories = {"even"};
        queries.push_back(q);
      }
    }
  }
  // Each layout: shards, and threads a query may use.
  std::map<std::pair<int, int>, std::vector<SearchResults>> answers;
  for (const auto& [shards, threads] :
       std::vector<std::pair<int, int>>{{3, 1}, {3, 3}, {3, 2}, {4, 2}, {4, 1}}) {
    const std::string at = path + std::to_string(shards);
    auto index = XapianIndex::Open(at, nullptr, shards, /*max_exact_facet_matches=*/100, threads);
    ASSERT_TRUE(index.ok()) << index.status();
    if (!std::filesystem::exists(at + "/populated")) {
      ASSERT_TRUE((*index)->Upsert(posts).ok());
      std::ofstream(at + "/populated") << "";
    }
    for (const SearchQuery& q : queries) {
      auto r = (*index)->Search(q);
      ASSERT_TRUE(r.ok()) << q.text << ": " << r.status();
      answers[{shards, threads}].push_back(*std::move(r));
    }
    if (threads == 1) {
      EXPECT_EQ((*index)->side_by_side_searches(), 0);
    } else {
      // Every unfaceted, uncollapsed query, and some faceted ones.
      EXPECT_GT((*index)->side_by_side_searches(), split_queries);
    }
  }
  for (const auto& [layout, results] : answers) {
    const std::vector<SearchResults>& want = answers[{layout.first, 1}];
    for (size_t i = 0; i < queries.size(); ++i) {
      SCOPED_TRACE(testing::Message()
                   << layout.first << " shards, " << layout.second << " threads, query \""
                   << queries[i].text << "\" sort " << static_cast<int>(queries[i].sort)
                   << " offset " << queries[i].offset << " filtered "
                   << queries[i].filter.categories.size());
      ASSERT_EQ(results[i].hits.size(), want[i].hits.size());
      for (size_t h = 0; h < want[i].hits.size(); ++h) {
        EXPECT_EQ(results[i].hits[h].post.id(), want[i].hits[h].post.id()) << "hit " << h;
        EXPECT_EQ(results[i].hits[h].score, want[i].hits[h].score) << "hit " << h;
        EXPECT_EQ(results[i].hits[h].snippet.text, want[i].hits[h].snippet.text);
        EXPECT_EQ(results[i].hits[h].snippet.ranges, want[i].hits[h].snippet.ranges);
      }
      // Counts are estimates unless a match saw every candidate; each
      // group's match does more often than one match over every shard.
      if (want[i].total_is_exact && results[i].total_is_exact) {
        EXPECT_EQ(results[i].estimated_total, want[i].estimated_total);
      }
      // An uncollapsed search counting its facets exactly saw every match,
      // split or not, so its total stays exact.
      if (!queries[i].facets.empty() && !queries[i].collapse_duplicates &&
          !want[i].facets.empty() && !want[i].facets[0].estimated()) {
        EXPECT_TRUE(results[i].total_is_exact);
        EXPECT_EQ(results[i].estimated_total, want[i].estimated_total);
      }
      EXPECT_EQ(results[i].corrected_query, want[i].corrected_query);
      ASSERT_EQ(results[i].facets.size(), want[i].facets.size());
      for (size_t f = 0; f < want[i].facets.size(); ++f) {
        const FacetResult& got = results[i].facets[f];
        const FacetResult& expected = want[i].facets[f];
        EXPECT_EQ(got.name, expected.name);
        EXPECT_EQ(got.estimated(), expected.estimated()) << got.name;
        ASSERT_EQ(got.values.size(), expected.values.size()) << got.name;
        for (size_t v = 0; v < expected.values.size(); ++v) {
          EXPECT_EQ(got.values[v].value, expected.values[v].value) << got.name;
          EXPECT_EQ(got.values[v].count, expected.values[v].count) << got.name;
          EXPECT_EQ(got.values[v].selected, expected.values[v].selected) << got.name;
        }
      }
      for (size_t h = 0; h < want[i].hits.size(); ++h) {
        EXPECT_EQ(results[i].hits[h].duplicate_count, want[i].hits[h].duplicate_count);
      }
    }
  }
  // Some facet counts were sampled, some exact.
  size_t sampled = 0, exact = 0;
  for (const SearchResults& r : answers[{3, 1}]) {
    for (const FacetResult& f : r.facets) (f.estimated() ? sampled : exact) += 1;
  }
  EXPECT_GT(sampled, 0u);
  EXPECT_GT(exact, 0u);
  // The comparison is not empty: most queries fill their page.
  size_t full_pages = 0;
  for (const SearchResults& r : answers[{3, 1}]) full_pages += r.hits.size() == 20 ? 1 : 0;
  EXPECT_GT(full_pages, queries.size() / 2);
}

// One searching thread (so that searches go side by side, and facets
// beside) while another keeps committing: readers are reopened between
// searches and pool threads match on them while commits land. Every search
// succeeds and finds what was there before. (Commits here rarely discard a
// revision under a running match, so the DatabaseModifiedError retry is not
// forced; errors from pool threads reach the caller as the first group's.)
TEST(XapianIndexSideBySideTest, SurvivesCommitsDuringSearches) {
  testing_util::TempDir dir;
  auto index = XapianIndex::Open(dir.path() + "/index", nullptr, 2,
                                 /*max_exact_facet_matches=*/50, /*query_threads=*/2);
  ASSERT_TRUE(index.ok()) << index.status();
  std::vector<v1::Post> posts;
  for (int i = 0; i < 400; ++i) {
    v1::Post p = MakePost("p" + std::to_string(i), "Serious case review " + std::to_string(i),
                          "The review found neglect and delay " + std::to_string(i));
    p.add_categories(i % 3 == 0 ? "health" : "police");
    posts.push_back(std::move(p));
  }
  ASSERT_TRUE((*index)->Upsert(posts).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load() && i < 2000; ++i) {
      // Rewrites existing posts, so that their blocks change under readers.
      v1::Post p = posts[static_cast<size_t>(i) % posts.size()];
      p.set_version(2 + i);
      EXPECT_TRUE((*index)->Upsert({p}).ok());
      ++commits;
    }
  });
  const int64_t before = (*index)->side_by_side_searches();
  // Searches until the writer has committed 30 times (bounded).
  for (int i = 0; i < 20000 && (i < 150 || commits.load() < 30); ++i) {
    SearchQuery q;
    q.text = i % 2 ? "review neglect" : "delay";
    if (i % 3 == 1) q.facets = {"category"};
    if (i % 3 == 2) {
      q.facets = {"category", "year"};
      q.collapse_duplicates = true;
    }
    auto r = (*index)->Search(q);
    if (!r.ok()) {
      // Stops the writer before failing, so the failure is reported.
      ADD_FAILURE() << i << ": " << r.status();
      break;
    }
    EXPECT_EQ(r->hits.size(), 10u) << i;
    if (!q.facets.empty()) {
      EXPECT_FALSE(r->facets[0].values.empty()) << i;
    }
  }
  stop = true;
  writer.join();
  EXPECT_GE(commits.load(), 30);
  EXPECT_GT((*index)->side_by_side_searches(), before);
}

TEST(XapianIndexLayoutTest, IndexMadeBeforeShardsOpensAsOneShard) {
  testing_util::TempDir dir;
  const std::string path = dir.path() + "/index";
  {
    // A plain glass database in the index folder, as made before shards.
    auto index = XapianIndex::Open(dir.path() + "/tmp", nullptr, 1);
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->Upsert({MakePost("old", "Old post", "kept across the upgrade")}).ok());
  }
  std::filesystem::rename(dir.path() + "/tmp/shard-0", path);
  auto index = XapianIndex::Open(path, nullptr, 2);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ((*index)->shard_count(), 1);
  EXPECT_TRUE((*index)->GetPost("old").ok());
  EXPECT_FALSE(std::filesystem::exists(path + "/XAPIANDB"));
}

TEST(XapianIndexFacetTest, BroadQueriesGetEstimatedFacetCounts) {
  testing_util::TempDir dir;
  // Facets are counted exactly over 100 matches at most; broader queries
  // count a sample of about 100.
  auto index = XapianIndex::Open(dir.path() + "/index", nullptr, 2, 100);
  ASSERT_TRUE(index.ok()) << index.status();
  std::vector<v1::Post> posts;
  for (int i = 0; i < 1000; ++i) {
    v1::Post p = MakePost("f" + std::to_string(i), "Review " + std::to_string(i),
                          "neglect review text " + std::to_string(i));
    p.add_categories(i % 4 == 0 ? "rare" : "common");
    if (i < 5) p.set_body(p.body() + " narrowword");
    posts.push_back(p);
  }
  ASSERT_TRUE((*index)->Upsert(posts).ok());

  SearchQuery broad;
  broad.text = "neglect";
  broad.facets = {"category"};
  auto r = (*index)->Search(broad);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->facets.size(), 1u);
  EXPECT_TRUE(r->facets[0].estimated());
  ASSERT_EQ(r->facets[0].values.size(), 2u);
  EXPECT_EQ(r->facets[0].values[0].value, "common");
  int64_t total = r->facets[0].values[0].count + r->facets[0].values[1].count;
  EXPECT_GT(total, 800) << "scaled towards the 1000 matches";
  EXPECT_LT(total, 1200);
  EXPECT_GT(r->facets[0].values[1].count, 150) << "a quarter are rare";
  EXPECT_LT(r->facets[0].values[1].count, 350);

  // Collapsed: counted in a match of its own, on the same sample.
  broad.collapse_duplicates = true;
  auto collapsed = (*index)->Search(broad);
  ASSERT_TRUE(collapsed.ok());
  EXPECT_TRUE(collapsed->facets[0].estimated());
  EXPECT_EQ(collapsed->facets[0].values[0].count, r->facets[0].values[0].count);
  broad.collapse_duplicates = false;

  // A filter on the facet itself is counted by a second match: estimated too.
  broad.filter.categories = {"rare"};
  r = (*index)->Search(broad);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->facets[0].estimated());

  SearchQuery narrow;
  narrow.text = "narrowword";
  narrow.facets = {"category"};
  r = (*index)->Search(narrow);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->facets[0].estimated());
  EXPECT_EQ(r->facets[0].sample_one_in, 1);
  int64_t exact = 0;
  for (const FacetValueCount& v : r->facets[0].values) exact += v.count;
  EXPECT_EQ(exact, 5);

  EXPECT_EQ(XapianIndex::Open(dir.path() + "/other", nullptr, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(XapianIndexFacetTest, PhrasesAndNearAreSampledOnAnEighthOfTheBudget) {
  testing_util::TempDir dir;
  // 1,600 posts that all hold the phrase "neglect review"; each has a tag of
  // its own, so a sampled post's tag counts 2^r, r the sample's level.
  auto index = XapianIndex::Open(dir.path() + "/index", nullptr, 1, 400);
  ASSERT_TRUE(index.ok()) << index.status();
  std::vector<v1::Post> posts;
  for (int i = 0; i < 1600; ++i) {
    v1::Post p = MakePost("p" + std::to_string(i), "Post " + std::to_string(i),
                          "a neglect review of case " + std::to_string(i));
    p.add_tags("t" + std::to_string(i));
    posts.push_back(p);
  }
  ASSERT_TRUE((*index)->Upsert(posts).ok());
  auto level_count = [&](const std::string& text) -> int64_t {
    SearchQuery q;
    q.text = text;
    q.facets = {"tag"};
    auto r = (*index)->Search(q);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->facets.empty() || r->facets[0].values.empty()) return -1;
    EXPECT_TRUE(r->facets[0].estimated()) << text;
    EXPECT_EQ(r->facets[0].sample_one_in, r->facets[0].values[0].count) << text;
    return r->facets[0].values[0].count;
  };
  // Words: 1,600 matches on a budget of 400, 1 in 4.
  EXPECT_EQ(level_count("neglect review"), 4);
  // A phrase or NEAR: a budget of 50 (XapianIndex::kPositionalFacetShare).
  // Xapian estimates a phrase's matches at a quarter of its words' (400: 1
  // in 8, where a budget of 400 would count exactly) and NEAR's at half
  // (800: 1 in 16, not 1 in 2).
  static_assert(XapianIndex::kPositionalFacetShare == 8);
  EXPECT_EQ(level_count("\"neglect review\""), 8);
  EXPECT_EQ(level_count("neglect NEAR review"), 16);
  EXPECT_EQ(level_count("case OR \"neglect review\""), 32) << "a phrase inside a query";
}

TEST(XapianIndexFacetTest, PairFilteredPhrasesAreSampledByTheirRarestPair) {
  testing_util::TempDir dir;
  // 1,600 posts hold the phrase "the new year" and 3,200 its words apart, so
  // its two pairs qualify (each in a third of the words' posts) and filter
  // the phrase. Each post has a tag of its own, so a sampled post's tag
  // counts 2^r, r the sample's level.
  auto index = XapianIndex::Open(dir.path() + "/index", nullptr, 1, 400);
  ASSERT_TRUE(index.ok()) << index.status();
  std::vector<v1::Post> posts;
  for (int i = 0; i < 4800; ++i) {
    v1::Post p = MakePost("p" + std::to_string(i), "Post " + std::to_string(i),
                          i < 1600 ? "see the new year of case " + std::to_string(i)
                                   : "year after year new and old, the case " + std::to_string(i));
    p.add_tags("t" + std::to_string(i));
    posts.push_back(p);
  }
  ASSERT_TRUE((*index)->Upsert(posts).ok());
  SearchQuery q;
  q.text = "\"the new year\"";
  q.facets = {"tag"};
  auto r = (*index)->Search(q);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->parsed_query.find("XPnew year"), std::string::npos) << r->parsed_query;
  EXPECT_EQ(r->estimated_total, 1600);
  ASSERT_EQ(r->facets.size(), 1u);
  ASSERT_FALSE(r->facets[0].values.empty());
  EXPECT_TRUE(r->facets[0].estimated());
  // The rarest pair's 1,600 posts on the phrase budget of 50 (400 /
  // XapianIndex::kPositionalFacetShare): 1 in 32, where Xapian's estimate
  // of the filter alone would count them on a lower level.
  static_assert(XapianIndex::kPositionalFacetShare == 8);
  EXPECT_EQ(r->facets[0].sample_one_in, 32);
  EXPECT_EQ(r->facets[0].values[0].count, 32);
}

TEST(XapianIndexFacetTest, IndexWithoutFacetBundleStillCountsFacets) {
  testing_util::TempDir dir;
  const std::string path = dir.path() + "/index";
  {
    auto index = XapianIndex::Open(path, nullptr, 1, 10);
    ASSERT_TRUE(index.ok()) << index.status();
    std::vector<v1::Post> posts;
    for (int i = 0; i < 200; ++i) {
      v1::Post p = MakePost("f" + std::to_string(i), "Review",
                            i < 5 ? "neglect review text narrowword" : "neglect review text");
      p.add_categories(i % 3 == 0 ? "rare" : "common");
      posts.push_back(p);
    }
    ASSERT_TRUE((*index)->Upsert(posts).ok());
  }
  {
    // Posts as written before the facet bundle (value slot 10) existed.
    Xapian::WritableDatabase db(path + "/shard-0");
    for (Xapian::docid id = 1; id <= db.get_lastdocid(); ++id) {
      Xapian::Document doc = db.get_document(id);
      ASSERT_FALSE(doc.get_value(10).empty());
      doc.remove_value(10);
      db.replace_document(id, doc);
    }
    db.commit();
  }
  auto index = XapianIndex::Open(path, nullptr, 1, 10);
  ASSERT_TRUE(index.ok()) << index.status();
  SearchQuery broad;
  broad.text = "neglect";
  broad.facets = {"category"};
  auto r = (*index)->Search(broad);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->facets.size(), 1u);
  EXPECT_TRUE(r->facets[0].estimated());
  ASSERT_EQ(r->facets[0].values.size(), 2u);
  const int64_t total = r->facets[0].values[0].count + r->facets[0].values[1].count;
  EXPECT_GT(total, 120) << "a sample of all 200 matches, read from the facets' own slots";
  EXPECT_LT(total, 280);

  // Exact counts read each facet's own slot.
  SearchQuery narrow;
  narrow.text = "narrowword";
  narrow.facets = {"category", "site"};
  r = (*index)->Search(narrow);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->facets.size(), 2u);
  ASSERT_FALSE(r->facets[1].estimated());
  ASSERT_EQ(r->facets[1].values.size(), 1u);
  EXPECT_EQ(r->facets[1].values[0].count, 5);
  ASSERT_EQ(r->facets[0].values.size(), 2u);
  EXPECT_EQ(r->facets[0].values[0].count + r->facets[0].values[1].count, 5);
}

TEST_P(XapianIndexTest, FacetValuesDifferingInCaseAreOneValue) {
  std::vector<v1::Post> posts;
  for (int i = 0; i < 5; ++i) {
    v1::Post p = MakePost("c" + std::to_string(i), "Policy " + std::to_string(i), "policy text");
    p.add_categories(i < 3 ? "Policy" : "policy");
    posts.push_back(p);
  }
  ASSERT_TRUE(index_->Upsert(posts).ok());
  SearchQuery q;
  q.text = "policy";
  q.facets = {"category"};
  q.filter.categories = {"POLICY"};
  auto r = index_->Search(q);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->facets.size(), 1u);
  ASSERT_EQ(r->facets[0].values.size(), 1u);
  EXPECT_EQ(r->facets[0].values[0].value, "Policy") << "the most frequent spelling";
  EXPECT_EQ(r->facets[0].values[0].count, 5);
  EXPECT_TRUE(r->facets[0].values[0].selected);
}

// Facet counts come from each shard's in-memory table of facet values
// when the facets get a match of their own (collapsed here); the table
// follows replacements, deletions and a reopen, and counts as reading the
// values does.
TEST_P(XapianIndexTest, FacetCountsFollowReplacementsDeletionsAndReopens) {
  std::vector<v1::Post> posts;
  for (int i = 0; i < 6; ++i) {
    v1::Post p = MakePost("n" + std::to_string(i), "Budget " + std::to_string(i), "budget text");
    p.add_categories(i < 3 ? "Health" : "Schools");
    posts.push_back(p);
  }
  ASSERT_TRUE(index_->Upsert(posts).ok());
  auto counts = [](XapianIndex& index, bool collapse) {
    SearchQuery q;
    q.text = "budget";
    q.facets = {"category"};
    q.collapse_duplicates = collapse;
    auto r = index.Search(q);
    std::map<std::string, int64_t> out;
    if (!r.ok() || r->facets.size() != 1) return out;
    for (const auto& v : r->facets[0].values) out[v.value] = v.count;
    return out;
  };
  using Counts = std::map<std::string, int64_t>;
  EXPECT_EQ(counts(*index_, true), (Counts{{"Health", 3}, {"Schools", 3}}));
  // A newer sighting of n0 adds its category to the stored ones (merge).
  v1::Post moved = posts[0];
  moved.set_version(2);
  moved.clear_categories();
  moved.add_categories("Schools");
  ASSERT_TRUE(index_->Upsert({moved}).ok());
  EXPECT_EQ(counts(*index_, true), (Counts{{"Health", 3}, {"Schools", 4}}));
  auto deleted = index_->Delete({Deletion{"n1", 3}});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ((*deleted)[0], WriteOutcome::kDeleted);
  const Counts after{{"Health", 2}, {"Schools", 4}};
  EXPECT_EQ(counts(*index_, true), after);
  EXPECT_EQ(counts(*index_, false), after);
  index_.reset();
  auto reopened = XapianIndex::Open(dir_.path() + "/index", nullptr, GetParam());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(counts(**reopened, true), after);
  v1::Post added = MakePost("n6", "Budget 6", "budget text");
  added.add_categories("Health");
  ASSERT_TRUE((*reopened)->Upsert({added}).ok());
  EXPECT_EQ(counts(**reopened, true), (Counts{{"Health", 3}, {"Schools", 4}}));
}

// A phrase of common words is filtered by its word pairs on a new index,
// and matched as a plain phrase on one whose shards were written before
// word pairs; both answer alike, snippets included.
TEST_P(XapianIndexTest, PhrasesOfCommonWordsUseWordPairsOnlyWhereEveryShardHasThem) {
  std::vector<v1::Post> posts = {
      MakePost("p1", "He has a plan", "He has spoken. She said he has the review in the end."),
      MakePost("p2", "Has he?", "has he read it? He, has. the end"),
      MakePost("p3", "In the news", "The review was in the news; he had it."),
      MakePost("p4", "Quiet", "Nothing of the sort: it was his and has gone."),
  };
  // Posts with the words apart, so that the pairs are rare enough to use.
  for (int i = 0; i < 8; ++i) {
    posts.push_back(MakePost("apart" + std::to_string(i), "Apart", "he x has x in x the x of x"));
  }
  ASSERT_TRUE(index_->Upsert(posts).ok());
  auto answer = [](XapianIndex& index, const std::string& text) {
    SearchQuery q;
    q.text = text;
    q.snippet_length = 200;
    absl::StatusOr<SearchResults> r = index.Search(q);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    for (const SearchHit& h : r->hits) {
      std::string line = h.post.id();
      for (const auto& [b, e] : h.snippet.ranges)
        absl::StrAppend(&line, " ", h.snippet.text.substr(b, e - b));
      out.push_back(line);
    }
    return std::make_pair(r->parsed_query, out);
  };
  const std::vector<std::string> queries = {"\"he has\"", "\"in the\" review", "\"of the\""};
  std::vector<std::vector<std::string>> with_pairs;
  for (const std::string& text : queries) {
    auto [parsed, hits] = answer(*index_, text);
    EXPECT_NE(parsed.find("XP"), std::string::npos) << text << ": " << parsed;
    with_pairs.push_back(hits);
  }
  EXPECT_EQ(with_pairs[0], (std::vector<std::string>{"p2 He, has", "p1 He has he has"}))
      << "the phrase (across a comma, as Xapian's phrases) and only it is highlighted";

  // Shards written before word pairs: no key. Pairs are not used, so a
  // post without them would still be found.
  index_.reset();
  for (int i = 0; i < GetParam(); ++i) {
    Xapian::WritableDatabase(dir_.path() + "/index/shard-" + std::to_string(i))
        .set_metadata("word_pairs", "");
  }
  auto reopened = XapianIndex::Open(dir_.path() + "/index", nullptr, GetParam());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  for (size_t i = 0; i < queries.size(); ++i) {
    auto [parsed, hits] = answer(**reopened, queries[i]);
    EXPECT_EQ(parsed.find("XP"), std::string::npos) << queries[i] << ": " << parsed;
    EXPECT_EQ(hits, with_pairs[i]) << queries[i];
  }
}

TEST(XapianIndexLayoutTest, BadShardCountIsInvalidArgument) {
  testing_util::TempDir dir;
  EXPECT_EQ(XapianIndex::Open(dir.path() + "/index", nullptr, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(XapianIndex::Open(dir.path() + "/index", nullptr, 65).status().code(),
            absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Shards, XapianIndexTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return std::to_string(param.param) + "shard";
                         });

}  // namespace
}  // namespace scr::search
