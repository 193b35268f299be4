#include "ingest-service/url.h"

#include <gtest/gtest.h>

namespace scr::ingest {
namespace {

TEST(UrlTest, Canonicalizes) {
  EXPECT_EQ(*CanonicalizeUrl("HTTP://WWW.Example.ORG:80/a/b/?utm_source=x&id=3&fbclid=y#frag"),
            "http://www.example.org/a/b?id=3");
  EXPECT_EQ(*CanonicalizeUrl("https://example.org:443/"), "https://example.org/");
  EXPECT_EQ(*CanonicalizeUrl("https://example.org/a/./b/../c/"), "https://example.org/a/c");
  EXPECT_EQ(*CanonicalizeUrl("https://example.org:8443/x"), "https://example.org:8443/x");
}

TEST(UrlTest, ResolvesRelative) {
  EXPECT_EQ(*CanonicalizeUrl("/2010/04/post/", "https://blog.example.org/tag/x/"),
            "https://blog.example.org/2010/04/post");
  EXPECT_EQ(*CanonicalizeUrl("../y", "https://blog.example.org/tag/x/"),
            "https://blog.example.org/tag/y");
}

TEST(UrlTest, RejectsBadUrls) {
  EXPECT_EQ(CanonicalizeUrl("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CanonicalizeUrl("ftp://x.org/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CanonicalizeUrl("/relative").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CanonicalizeUrl("http://exa mple.org/").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UrlTest, Site) {
  EXPECT_EQ(SiteOfUrl("https://WWW.Example.org/x"), "example.org");
  EXPECT_EQ(SiteOfUrl("not a url"), "");
}

}  // namespace
}  // namespace scr::ingest
