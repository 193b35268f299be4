#include "search-service/http_request.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace scr::search {
namespace {

int64_t UnixSeconds(int y, int mo, int d, int h, int mi, int s) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone()));
}

TEST(SearchRequestFromParamsTest, EmptyParamsGiveAnEmptyRequest) {
  auto r = SearchRequestFromParams({});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->ByteSizeLong(), 0u);
}

TEST(SearchRequestFromParamsTest, MapsEveryParameter) {
  QueryParams p = {
      {"q", "Ofsted inspection"}, {"category", "policy"},      {"tag", "lscb"},
      {"site", "example.org"},    {"author", "Jo Bloggs"},     {"entity", "peter-connelly"},
      {"language", "en"},         {"sort", "newest"},          {"page_size", "20"},
      {"page_token", "abc"},      {"facets", "category,tag"},  {"facet_size", "5"},
      {"collapse", "true"},       {"cluster_key", "k1"},       {"include_body", "1"},
      {"snippet_length", "150"},  {"snippet_disabled", "true"}};
  auto r = SearchRequestFromParams(p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->query(), "Ofsted inspection");
  ASSERT_EQ(r->filter().categories_size(), 1);
  EXPECT_EQ(r->filter().categories(0), "policy");
  EXPECT_EQ(r->filter().tags(0), "lscb");
  EXPECT_EQ(r->filter().sites(0), "example.org");
  EXPECT_EQ(r->filter().authors(0), "Jo Bloggs");
  EXPECT_EQ(r->filter().entities(0), "peter-connelly");
  EXPECT_EQ(r->filter().languages(0), "en");
  EXPECT_EQ(r->sort(), v1::SORT_ORDER_PUBLISHED_DESC);
  EXPECT_EQ(r->page_size(), 20);
  EXPECT_EQ(r->page_token(), "abc");
  ASSERT_EQ(r->facets_size(), 2);
  EXPECT_EQ(r->facets(0), "category");
  EXPECT_EQ(r->facets(1), "tag");
  EXPECT_EQ(r->facet_size(), 5);
  EXPECT_TRUE(r->collapse_duplicates());
  EXPECT_EQ(r->cluster_key(), "k1");
  EXPECT_TRUE(r->include_body());
  EXPECT_TRUE(r->snippet().disabled());
  EXPECT_EQ(r->snippet().max_length(), 150);
}

TEST(SearchRequestFromParamsTest, RepeatedAndCommaListsCombine) {
  QueryParams p = {{"tag", "a,b"},
                   {"tag", "c"},
                   {"tag", " , d "},
                   {"facets", "site"},
                   {"facets", "year,entity"}};
  auto r = SearchRequestFromParams(p);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->filter().tags_size(), 4);
  EXPECT_EQ(r->filter().tags(0), "a");
  EXPECT_EQ(r->filter().tags(1), "b");
  EXPECT_EQ(r->filter().tags(2), "c");
  EXPECT_EQ(r->filter().tags(3), "d");
  EXPECT_EQ(r->facets_size(), 3);
}

TEST(SearchRequestFromParamsTest, QuotedValueKeepsItsComma) {
  auto r = SearchRequestFromParams({{"category", "\"abuse, neglect\",policy"}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->filter().categories_size(), 2);
  EXPECT_EQ(r->filter().categories(0), "abuse, neglect");
  EXPECT_EQ(r->filter().categories(1), "policy");
  auto bad = SearchRequestFromParams({{"category", "\"abuse"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "category:")) << bad.status();
}

TEST(SearchRequestFromParamsTest, AcceptsProtoFieldNamesAsAliases) {
  auto r =
      SearchRequestFromParams({{"query", "x"}, {"categories", "c"}, {"collapse_duplicates", ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->query(), "x");
  EXPECT_EQ(r->filter().categories(0), "c");
  EXPECT_TRUE(r->collapse_duplicates());  // a bare flag means true
}

TEST(SearchRequestFromParamsTest, SortValues) {
  EXPECT_EQ(SearchRequestFromParams({{"sort", "relevance"}})->sort(), v1::SORT_ORDER_RELEVANCE);
  EXPECT_EQ(SearchRequestFromParams({{"sort", "OLDEST"}})->sort(), v1::SORT_ORDER_PUBLISHED_ASC);
  EXPECT_EQ(SearchRequestFromParams({{"sort", "SORT_ORDER_PUBLISHED_DESC"}})->sort(),
            v1::SORT_ORDER_PUBLISHED_DESC);
  auto bad = SearchRequestFromParams({{"sort", "random"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "sort:")) << bad.status();
}

TEST(SearchRequestFromParamsTest, BadValuesNameTheParameter) {
  struct Case {
    const char* name;
    const char* value;
  } cases[] = {{"page_size", "abc"},      {"page_size", "1.5"},  {"facet_size", ""},
               {"collapse", "maybe"},     {"include_body", "2"}, {"after", "yesterday"},
               {"before", "2010-13-01"},  {"facets", "colour"},  {"snippet_length", "-1"},
               {"snippet_length", "9999"}};
  for (const Case& c : cases) {
    auto r = SearchRequestFromParams({{c.name, c.value}});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.name << "=" << c.value;
    EXPECT_TRUE(absl::StartsWith(r.status().message(), std::string(c.name) + ":")) << r.status();
  }
}

TEST(SearchRequestFromParamsTest, RejectsUnknownAndRepeatedSingleParameters) {
  auto unknown = SearchRequestFromParams({{"qq", "x"}});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(unknown.status().message(), "qq: unknown parameter"))
      << unknown.status();
  auto twice = SearchRequestFromParams({{"q", "a"}, {"q", "b"}});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(twice.status().message(), "q: given 2 times")) << twice.status();
}

TEST(SearchRequestFromParamsTest, RejectsInvalidUtf8) {
  auto r = SearchRequestFromParams({{"q", "caf\xC3"}});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "q: not valid UTF-8");
  EXPECT_TRUE(SearchRequestFromParams({{"q", "Climbi\xC3\xA9"}}).ok());
}

TEST(SearchRequestFromParamsTest, DatesAreInclusiveWholeDaysInUtc) {
  auto r = SearchRequestFromParams({{"after", "2010-01-01"}, {"before", "2010-12-31"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->filter().published_after().seconds(), UnixSeconds(2010, 1, 1, 0, 0, 0));
  EXPECT_EQ(r->filter().published_after().nanos(), 0);
  EXPECT_EQ(r->filter().published_before().seconds(), UnixSeconds(2010, 12, 31, 23, 59, 59));
  EXPECT_EQ(r->filter().published_before().nanos(), 999999999);
}

TEST(SearchRequestFromParamsTest, DatesAcceptYearMonthAndTimestamps) {
  auto year = SearchRequestFromParams({{"after", "2009"}, {"before", "2009"}});
  ASSERT_TRUE(year.ok()) << year.status();
  EXPECT_EQ(year->filter().published_after().seconds(), UnixSeconds(2009, 1, 1, 0, 0, 0));
  EXPECT_EQ(year->filter().published_before().seconds(), UnixSeconds(2009, 12, 31, 23, 59, 59));
  auto month = SearchRequestFromParams({{"before", "2012-02"}});
  ASSERT_TRUE(month.ok()) << month.status();
  EXPECT_EQ(month->filter().published_before().seconds(), UnixSeconds(2012, 2, 29, 23, 59, 59));
  auto ts = SearchRequestFromParams({{"after", "2011-05-06T07:08:09+01:00"}});
  ASSERT_TRUE(ts.ok()) << ts.status();
  EXPECT_EQ(ts->filter().published_after().seconds(), UnixSeconds(2011, 5, 6, 6, 8, 9));
}

TEST(SearchRequestFromParamsTest, RejectsAfterLaterThanBefore) {
  auto r = SearchRequestFromParams({{"after", "2011-01-01"}, {"before", "2010-01-01"}});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(r.status().message(), "after:")) << r.status();
}

TEST(MoreLikeThisRequestFromParamsTest, MapsIdPageSizeAndFilters) {
  auto r = MoreLikeThisRequestFromParams("u0123", {{"page_size", "3"}, {"site", "a.org,b.org"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id(), "u0123");
  EXPECT_EQ(r->page_size(), 3);
  EXPECT_EQ(r->filter().sites_size(), 2);
  EXPECT_EQ(MoreLikeThisRequestFromParams("u1", {{"page_size", "101"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MoreLikeThisRequestFromParams("u1", {{"q", "x"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SuggestRequestFromParamsTest, MapsAndChecksLimits) {
  auto r = SuggestRequestFromParams({{"q", "edl"}, {"limit", "5"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->query(), "edl");
  EXPECT_EQ(r->limit(), 5);
  auto big = SuggestRequestFromParams({{"limit", "51"}});
  EXPECT_TRUE(absl::StartsWith(big.status().message(), "limit:")) << big.status();
  auto word = SuggestRequestFromParams({{"limit", "ten"}});
  EXPECT_TRUE(absl::StartsWith(word.status().message(), "limit:")) << word.status();
  auto long_q = SuggestRequestFromParams({{"q", std::string(300, 'a')}});
  EXPECT_TRUE(absl::StartsWith(long_q.status().message(), "q:")) << long_q.status();
}

TEST(CheckNoParamsTest, NamesTheFirstParameter) {
  EXPECT_TRUE(CheckNoParams({}).ok());
  auto s = CheckNoParams({{"verbose", "1"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(s.message(), "verbose:")) << s;
}

TEST(HttpStatusTest, MapsCanonicalCodes) {
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusFromCode(absl::StatusCode::kDataLoss), 500);
  EXPECT_EQ(CodeFromHttpStatus(404), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeFromHttpStatus(414), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CodeFromHttpStatus(418), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFromHttpStatus(502), absl::StatusCode::kInternal);
}

TEST(ErrorJsonTest, GoogleApiStyleAndEscaped) {
  EXPECT_EQ(ErrorJson(400, absl::StatusCode::kInvalidArgument, "page_size: \"abc\" <b>"),
            R"({"error":{"code":400,"status":"INVALID_ARGUMENT",)"
            R"("message":"page_size: \"abc\" \u003cb\u003e"}})");
  EXPECT_EQ(JsonQuote("a\nb\x01\xFF\xC3\xA9"), "\"a\\nb\\u0001\xEF\xBF\xBD\xC3\xA9\"");
}

TEST(CorsTest, ParsesAndMatchesOrigins) {
  auto none = ParseCorsOrigins("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(CorsAllowOrigin(*none, "https://a.org"));

  auto any = ParseCorsOrigins("*");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(CorsAllowOrigin(*any, "https://a.org"), "*");
  EXPECT_FALSE(CorsAllowOrigin(*any, ""));

  auto list = ParseCorsOrigins("https://A.org/, http://localhost:3000");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(CorsAllowOrigin(*list, "https://a.org"), "https://a.org");
  EXPECT_EQ(CorsAllowOrigin(*list, "http://localhost:3000"), "http://localhost:3000");
  EXPECT_FALSE(CorsAllowOrigin(*list, "http://localhost:3001"));
  EXPECT_FALSE(CorsAllowOrigin(*list, "https://a.org.evil.example"));

  EXPECT_EQ(ParseCorsOrigins("example.org").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCorsOrigins("https://a.org/path").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scr::search
