#include "search-service/convert.h"

#include <gtest/gtest.h>

namespace scr::search {
namespace {

TEST(ConvertTest, DefaultsApply) {
  v1::SearchRequest r;
  r.set_query("scr");
  auto q = SearchQueryFromProto(r);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->limit, SearchLimits::kDefaultPageSize);
  EXPECT_EQ(q->snippet_length, SearchLimits::kDefaultSnippetBytes);
  EXPECT_EQ(q->offset, 0);
}

TEST(ConvertTest, PageSizeOverLimitIsInvalid) {
  v1::SearchRequest r;
  r.set_page_size(101);
  auto q = SearchQueryFromProto(r);
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(q.status().message().find("page_size"), std::string::npos);
}

TEST(ConvertTest, PageTokenRoundTrips) {
  v1::SearchRequest r;
  r.set_query("ofsted");
  r.set_page_token(EncodePageToken(r, 20));
  auto q = SearchQueryFromProto(r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->offset, 20);
}

TEST(ConvertTest, PageTokenForAnotherQueryIsRejected) {
  v1::SearchRequest a;
  a.set_query("ofsted");
  v1::SearchRequest b;
  b.set_query("laming");
  b.set_page_token(EncodePageToken(a, 10));
  EXPECT_EQ(SearchQueryFromProto(b).status().code(), absl::StatusCode::kInvalidArgument);
  b.set_page_token("garbage!");
  EXPECT_EQ(SearchQueryFromProto(b).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConvertTest, ResponseRoundTripKeepsHitsFacetsAndToken) {
  TimedResults t;
  SearchHit hit;
  hit.post.set_id("u1");
  hit.post.set_title("Title");
  hit.snippet = {"a b c", {{2, 3}}};
  t.results.hits = {hit, hit};
  t.results.estimated_total = 5;
  t.results.facets = {{"category", {{"x", 2, true, "X"}}},
                      {"year", {{"2010", 16, false, ""}}, /*sample_one_in=*/8}};
  t.took_micros = 12;
  v1::SearchRequest request;
  SearchQuery q;
  q.limit = 2;
  v1::SearchResponse out = SearchResponseToProto(t, q, request);
  ASSERT_EQ(out.hits_size(), 2);
  EXPECT_EQ(out.hits(0).snippet().highlights(0).start(), 2);
  EXPECT_EQ(out.hits(0).snippet().highlights(0).end(), 3);
  EXPECT_EQ(out.facets(0).values(0).count(), 2);
  EXPECT_TRUE(out.facets(0).values(0).selected());
  EXPECT_EQ(out.facets(0).values(0).label(), "X");
  EXPECT_FALSE(out.facets(0).counts_are_estimates());
  EXPECT_EQ(out.facets(0).sampled_one_in(), 0) << "exact counts have no sample";
  EXPECT_TRUE(out.facets(1).counts_are_estimates());
  EXPECT_EQ(out.facets(1).sampled_one_in(), 8);
  EXPECT_EQ(out.took_micros(), 12);
  ASSERT_FALSE(out.next_page_token().empty());
  EXPECT_EQ(*DecodePageToken(request, out.next_page_token()), 2);
}

TEST(ConvertTest, InvertedDateRangeIsInvalid) {
  v1::Filter f;
  f.mutable_published_after()->set_seconds(200);
  f.mutable_published_before()->set_seconds(100);
  EXPECT_EQ(FilterFromProto(f).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scr::search
