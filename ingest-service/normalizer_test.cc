#include "ingest-service/normalizer.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

#include "absl/strings/match.h"
#include "common/hash.h"
#include "ingest-service/language.h"
#include "ingest-service/post_builder.h"

namespace scr::ingest {
namespace {

TEST(LanguageTest, GuessesFromTheFirstWords) {
  const std::string english =
      "The review of the case found that it was not shared with the board. ";
  const std::string french = "Le rapport est dans la revue et les services sont pour une famille. ";
  std::string en, fr;
  for (int i = 0; i < 5; ++i) en += english, fr += french;
  EXPECT_EQ(GuessLanguage(en), "en");
  EXPECT_EQ(GuessLanguage(fr), "fr");
  EXPECT_EQ(GuessLanguage("The review"), "");  // too few words
  // Words past the first folded piece count, up to 400 words in all.
  std::string filler;
  for (int i = 0; i < 300; ++i) filler += "zzzz" + std::to_string(i) + " ";
  ASSERT_GT(filler.size(), 2048u);
  EXPECT_EQ(GuessLanguage(filler + fr), "fr");
  for (int i = 300; i < 400; ++i) filler += "zzzz" + std::to_string(i) + " ";
  EXPECT_EQ(GuessLanguage(filler + fr), "");
  // Case is folded.
  std::string upper;
  for (int i = 0; i < 5; ++i)
    upper += "LE RAPPORT EST DANS LA REVUE ET LES SERVICES SONT POUR UNE FAMILLE. ";
  EXPECT_EQ(GuessLanguage(upper), "fr");
}

TEST(NormalizerTest, DetectsFormats) {
  EXPECT_EQ(DetectFormat("text/plain; charset=utf-8", "x"), "text");
  EXPECT_EQ(DetectFormat("text/html", "x"), "html");
  EXPECT_EQ(DetectFormat("application/rss+xml", "x"), "xml");
  EXPECT_EQ(DetectFormat("", "  <!DOCTYPE html><html>"), "html");
  EXPECT_EQ(DetectFormat("", "<?xml version='1.0'?><rss>"), "xml");
  EXPECT_EQ(DetectFormat("", "Just words"), "text");
  EXPECT_EQ(DetectFormat("image/png", "x"), "");
}

TEST(NormalizerTest, BuildsIdsHashesAndSite) {
  Normalizer n;
  RawItem item;
  item.content = "A title\n\nSome body text here.\n";
  item.content_type = "text/plain";
  item.source_url = "https://WWW.Blog.example/page/?utm_source=x";
  auto out = n.Normalize(item, 42);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->posts.size(), 1u);
  const v1::Post& p = out->posts[0];
  EXPECT_EQ(p.site(), "blog.example");
  EXPECT_EQ(p.version(), 42);
  EXPECT_EQ(p.id().size(), 17u);
  EXPECT_EQ(p.id()[0], 'f');
  EXPECT_EQ(p.content_hash().size(), 64u);
  EXPECT_EQ(p.source_urls(0), "https://www.blog.example/page");
  // Same text, again: same id and hash.
  auto again = n.Normalize(item, 43);
  EXPECT_EQ(again->posts[0].id(), p.id());
  EXPECT_EQ(again->posts[0].content_hash(), p.content_hash());
}

TEST(NormalizerTest, DecodesLegacyCharsets) {
  Normalizer n;
  RawItem item;
  item.content = "Caf\xE9 title\n\nA paragraph with \x93quotes\x94.\n";
  item.content_type = "text/plain; charset=windows-1252";
  auto out = n.Normalize(item, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->posts[0].title(), "Caf\xC3\xA9 title");
  EXPECT_TRUE(absl::StrContains(out->posts[0].body(), "\xE2\x80\x9Cquotes\xE2\x80\x9D"));
}

TEST(NormalizerTest, LimitsNameTheLimit) {
  NormalizeLimits limits;
  limits.max_item_bytes = 10;
  Normalizer n(limits);
  RawItem item;
  item.content = "0123456789abc";
  auto out = n.Normalize(item, 1);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(out.status().message(), "limit of 10 bytes")) << out.status();
}

TEST(NormalizerTest, BadSourceUrlIsInvalid) {
  Normalizer n;
  RawItem item;
  item.content = "T\n\nBody.";
  item.source_url = "ftp://x/";
  auto out = n.Normalize(item, 1);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(out.status().message(), "item.source_url")) << out.status();
}

TEST(NormalizerTest, UnsupportedContentTypeIsInvalid) {
  Normalizer n;
  RawItem item;
  item.content = "x";
  item.content_type = "image/png";
  EXPECT_EQ(n.Normalize(item, 1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PostBuilderTest, SimHashIsCloseForNearDuplicates) {
  std::string base =
      "Serious case reviews are improving and forty percent are now good with only one in six "
      "inadequate according to the latest figures from the regulator covering many reviews";
  uint64_t a = SimHash(base);
  uint64_t b = SimHash(base + " Posted from my phone.");
  uint64_t c = SimHash(
      "A completely different text about football results and transfer news "
      "from the weekend matches across the country");
  EXPECT_LT(__builtin_popcountll(a ^ b), 12);
  EXPECT_GT(__builtin_popcountll(a ^ c), 12);
}

// The plain definition: +1 per shingle with the bit set, -1 without.
uint64_t ReferenceSimHash(const std::vector<std::string>& words) {
  std::array<int, 64> weights{};
  auto add = [&](uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    for (int b = 0; b < 64; ++b) weights[b] += ((h >> b) & 1) ? 1 : -1;
  };
  if (words.size() < 3) {
    for (const std::string& w : words) add(common::Fnv1a64(w, common::kFnvLegacyBasis));
  } else {
    for (size_t i = 0; i + 2 < words.size(); ++i) {
      add(common::Fnv1a64(words[i] + " " + words[i + 1] + " " + words[i + 2],
                          common::kFnvLegacyBasis));
    }
  }
  uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (weights[b] > 0) out |= 1ull << b;
  }
  return out;
}

TEST(PostBuilderTest, SimHashMatchesThePlainDefinitionAtEveryLength) {
  std::mt19937 rng(7);
  const std::vector<std::string> vocabulary = {"child", "review", "board", "social",  "care",
                                               "a",     "the",    "of",    "neglect", "école"};
  // Lengths around the counters' flush every 255 shingles, and short texts.
  for (size_t n : {0, 1, 2, 3, 4, 50, 256, 257, 258, 511, 512, 513, 2000}) {
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<std::string> words;
      for (size_t i = 0; i < n; ++i) words.push_back(vocabulary[rng() % vocabulary.size()]);
      const std::vector<absl::string_view> views(words.begin(), words.end());
      EXPECT_EQ(SimHashOfWords(views), ReferenceSimHash(words)) << n << " words";
    }
  }
}

}  // namespace
}  // namespace scr::ingest
