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

// The folded words of a text (typography and case folded, accents kept,
// punctuation split off): `joined` holds them separated by single spaces,
// `words` views of them into it.
struct FoldedWords {
  explicit FoldedWords(absl::string_view text) {
    const std::string folded = common::FoldCase(common::FoldTypography(text));
    joined.reserve(folded.size());
    std::vector<std::pair<size_t, size_t>> at;  // offset and size in `joined`
    size_t start = std::string::npos;
    for (size_t i = 0; i <= folded.size(); ++i) {
      const unsigned char u = i < folded.size() ? static_cast<unsigned char>(folded[i]) : ' ';
      if (absl::ascii_isalnum(u) || u >= 0x80 || u == '\'') {
        if (start == std::string::npos) {
          if (!joined.empty()) joined.push_back(' ');
          start = joined.size();
        }
        joined.push_back(static_cast<char>(u));
      } else if (start != std::string::npos) {
        at.emplace_back(start, joined.size() - start);
        start = std::string::npos;
      }
    }
    words.reserve(at.size());
    for (const auto& [offset, size] : at)
      words.push_back(absl::string_view(joined).substr(offset, size));
  }
  // Not copyable or movable: `words` point into `joined`.
  FoldedWords(const FoldedWords&) = delete;
  FoldedWords& operator=(const FoldedWords&) = delete;

  // The words up to the `n`th (all when fewer), as in `joined`.
  absl::string_view First(size_t n) const {
    if (words.empty() || n == 0) return {};
    const absl::string_view last = words[std::min(n, words.size()) - 1];
    return absl::string_view(joined).substr(0, last.data() + last.size() - joined.data());
  }

  std::string joined;
  std::vector<absl::string_view> words;
};

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

uint64_t SimHash(absl::string_view text) { return SimHashOfWords(FoldedWords(text).words); }

uint64_t SimHashOfWords(absl::Span<const absl::string_view> words) {
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
    for (absl::string_view w : words) add(common::Fnv1a64(w, common::kFnvLegacyBasis));
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

  const FoldedWords title_words(post.title());
  const FoldedWords body_words(post.body());
  const std::string& folded_title = title_words.joined;
  post.set_content_hash(Sha256Hex(absl::StrCat(folded_title, "\n", body_words.joined)));
  post.set_simhash(SimHashOfWords(post.body().empty() ? title_words.words : body_words.words));

  if (!permalink.empty()) {
    post.set_id(absl::StrCat("u", Sha256Hex(permalink).substr(0, 16)));
  } else {
    post.set_id(absl::StrCat("f", Sha256Hex(absl::StrCat(site, "\n", folded_title, "\n",
                                                         body_words.First(kIdPrefixWords)))
                                      .substr(0, 16)));
  }
  return post;
}

}  // namespace scr::ingest
