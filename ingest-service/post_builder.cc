#include "ingest-service/post_builder.h"

#include <openssl/evp.h>

#include <array>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/hash.h"
#include "common/text.h"
#include "ingest-service/language.h"
#include "ingest-service/url.h"

namespace scr::ingest {
namespace {

constexpr size_t kIdPrefixWords = 40;

// Folded words: typography and case folded, accents kept, punctuation split off.
std::vector<std::string> FoldedWords(absl::string_view text) {
  std::string folded = common::FoldCase(common::FoldTypography(text));
  std::vector<std::string> words;
  std::string current;
  for (char c : folded) {
    unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || u >= 0x80 || c == '\'') {
      current.push_back(c);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), len));
}

uint64_t SimHash(absl::string_view text) { return SimHashOfWords(FoldedWords(text)); }

uint64_t SimHashOfWords(absl::Span<const std::string> words) {
  // Counts, per bit, the shingle hashes with the bit set; the bit is set in
  // the SimHash when more than half of them have it. The counting is bit-
  // sliced: counters[k] holds, in byte j, the count of bit 8k+j, and is
  // emptied into `counts` before a byte can overflow.
  static constexpr std::array<uint64_t, 256> kSpread = [] {
    std::array<uint64_t, 256> t{};
    for (int v = 0; v < 256; ++v) {
      for (int j = 0; j < 8; ++j) t[v] |= static_cast<uint64_t>((v >> j) & 1) << (8 * j);
    }
    return t;
  }();
  std::array<int64_t, 64> counts{};
  std::array<uint64_t, 8> counters{};
  int pending = 0;
  int64_t total = 0;
  auto flush = [&] {
    for (int k = 0; k < 8; ++k) {
      for (int j = 0; j < 8; ++j) counts[8 * k + j] += (counters[k] >> (8 * j)) & 0xff;
      counters[k] = 0;
    }
    pending = 0;
  };
  auto add = [&](uint64_t h) {
    // Mix so that short shingles spread over all bits.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    for (int k = 0; k < 8; ++k) counters[k] += kSpread[(h >> (8 * k)) & 0xff];
    ++total;
    if (++pending == 255) flush();
  };
  if (words.size() < 3) {
    for (const std::string& w : words) add(common::Fnv1a64(w, common::kFnvLegacyBasis));
  } else {
    // FNV-1a of the three words joined by single spaces, without joining.
    for (size_t i = 0; i + 2 < words.size(); ++i) {
      uint64_t h = common::Fnv1a64(words[i], common::kFnvLegacyBasis);
      h = common::Fnv1a64(words[i + 1], common::Fnv1a64(" ", h));
      h = common::Fnv1a64(words[i + 2], common::Fnv1a64(" ", h));
      add(h);
    }
  }
  flush();
  uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (2 * counts[b] > total) out |= (1ull << b);
  }
  return out;
}

v1::Post BuildPost(const ParsedPost& parsed, const ItemContext& context) {
  v1::Post post;
  std::string permalink;
  if (!parsed.permalink.empty()) {
    auto c = CanonicalizeUrl(parsed.permalink, context.source_url);
    if (c.ok()) permalink = *c;
  }
  post.set_canonical_url(permalink);
  if (!permalink.empty()) post.add_source_urls(permalink);
  if (!context.source_url.empty() && context.source_url != permalink) {
    post.add_source_urls(context.source_url);
  }
  std::string site = SiteOfUrl(!permalink.empty() ? permalink : context.source_url);
  post.set_site(site);

  post.set_title(common::ToNfc(parsed.title));
  std::vector<std::string> paragraphs;
  for (const std::string& p : parsed.paragraphs) paragraphs.push_back(common::ToNfc(p));
  post.set_body(absl::StrJoin(paragraphs, "\n\n"));
  post.set_author(common::ToNfc(parsed.author));
  if (parsed.published) *post.mutable_published() = ToTimestamp(*parsed.published);
  for (const std::string& c : parsed.categories) post.add_categories(common::ToNfc(c));
  for (const std::string& t : parsed.tags) post.add_tags(common::ToNfc(t));
  post.set_comment_count(parsed.comment_count);
  post.set_language(!context.language.empty() ? context.language
                                              : GuessLanguage(post.title() + "\n" + post.body()));
  if (context.lexicon != nullptr) {
    for (v1::Entity& e : context.lexicon->FindEntities(post.title() + "\n\n" + post.body())) {
      *post.add_entities() = std::move(e);
    }
  }
  post.set_body_is_excerpt(parsed.excerpt);
  post.set_version(context.version);
  if (context.fetch_time != absl::InfinitePast()) {
    *post.mutable_fetched() = ToTimestamp(context.fetch_time);
  }

  std::vector<std::string> title_words = FoldedWords(post.title());
  std::vector<std::string> body_words = FoldedWords(post.body());
  std::string folded_title = absl::StrJoin(title_words, " ");
  std::string folded_body = absl::StrJoin(body_words, " ");
  post.set_content_hash(Sha256Hex(absl::StrCat(folded_title, "\n", folded_body)));
  post.set_simhash(SimHashOfWords(post.body().empty() ? title_words : body_words));

  if (!permalink.empty()) {
    post.set_id(absl::StrCat("u", Sha256Hex(permalink).substr(0, 16)));
  } else {
    std::vector<std::string> prefix(
        body_words.begin(), body_words.begin() + std::min(body_words.size(), kIdPrefixWords));
    post.set_id(absl::StrCat(
        "f", Sha256Hex(absl::StrCat(site, "\n", folded_title, "\n", absl::StrJoin(prefix, " ")))
                 .substr(0, 16)));
  }
  return post;
}

}  // namespace scr::ingest
