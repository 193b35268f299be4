#include "ingest-service/language.h"

#include <array>
#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/text.h"

namespace scr::ingest {
namespace {

struct Language {
  const char* code;
  std::set<std::string> words;
};

const std::array<Language, 8>& Languages() {
  static const auto* langs = new std::array<Language, 8>{{
      {"en", {"the",  "and", "of",   "to", "is",  "that", "in",   "it",   "for",   "was",
              "with", "are", "this", "be", "not", "have", "from", "they", "which", "would"}},
      {"cy", {"y",    "yr",  "a",   "ac", "yn", "i",  "o",   "ar", "mae", "gan",
              "wedi", "bod", "hyn", "ei", "eu", "am", "fel", "sy", "ond", "neu"}},
      {"fr", {"le",  "la",   "les",  "et",  "des", "est", "une",  "un", "du",   "que",
              "qui", "dans", "pour", "pas", "sur", "au",  "avec", "ce", "sont", "par"}},
      {"de", {"der", "die", "das",  "und", "ist", "nicht", "ein", "eine", "zu", "den",
              "mit", "von", "sich", "auf", "dem", "auch",  "es",  "wird", "im", "sind"}},
      {"es", {"el",  "la",  "los", "las",  "y",   "que", "de", "en", "es", "un",
              "una", "por", "con", "para", "del", "se",  "no", "su", "al", "lo"}},
      {"it", {"il",  "di",    "che", "e",  "la",  "per", "un",  "non",   "sono", "una",
              "del", "della", "con", "si", "gli", "le",  "nel", "anche", "ma",   "questo"}},
      {"nl", {"de",   "het", "een",  "en",  "van", "is", "dat",  "niet", "op",  "te",
              "zijn", "met", "voor", "ook", "aan", "er", "maar", "om",   "bij", "wordt"}},
      {"pt", {"o",   "os",   "as",  "e",   "que", "de", "do",  "da",  "em",   "um",
              "uma", "para", "com", "não", "por", "se", "dos", "das", "mais", "ao"}},
  }};
  return *langs;
}

// Each function word -> a bit per language (index into Languages()) whose
// list holds it.
const absl::flat_hash_map<std::string, uint8_t>& LanguagesOfWord() {
  static const auto* words = [] {
    auto* m = new absl::flat_hash_map<std::string, uint8_t>();
    for (size_t i = 0; i < Languages().size(); ++i) {
      for (const std::string& w : Languages()[i].words) (*m)[w] |= static_cast<uint8_t>(1u << i);
    }
    return m;
  }();
  return *words;
}

constexpr int kMaxWords = 400;
// Most of the text looked at, and the size of the pieces it is folded in.
constexpr size_t kMaxBytes = 8192;
constexpr size_t kPieceBytes = 2048;
constexpr int kMinHits = 8;

}  // namespace

std::string GuessLanguage(absl::string_view text) {
  text = text.substr(0, kMaxBytes);
  std::array<int, 8> hits{};
  int n = 0;
  // Folded a piece at a time, each ending at a space (folding splits there
  // unchanged, and a space parts words), as the first kMaxWords words
  // seldom need all kMaxBytes.
  while (!text.empty() && n <= kMaxWords) {
    size_t cut = text.size() <= kPieceBytes ? text.size() : text.find(' ', kPieceBytes);
    if (cut == absl::string_view::npos) cut = text.size();
    const std::string folded = common::FoldCase(text.substr(0, cut));
    text.remove_prefix(cut);
    for (absl::string_view w :
         absl::StrSplit(folded, absl::ByAnyChar(" \n\t.,;:!?\"'()[]"), absl::SkipEmpty())) {
      if (++n > kMaxWords) break;
      auto it = LanguagesOfWord().find(w);
      if (it == LanguagesOfWord().end()) continue;
      for (size_t i = 0; i < hits.size(); ++i) {
        if (it->second & (1u << i)) ++hits[i];
      }
    }
  }
  size_t best = 0, second = 1;
  if (hits[second] > hits[best]) std::swap(best, second);
  for (size_t i = 2; i < hits.size(); ++i) {
    if (hits[i] > hits[best]) {
      second = best;
      best = i;
    } else if (hits[i] > hits[second]) {
      second = i;
    }
  }
  if (hits[best] < kMinHits || hits[best] * 2 < hits[second] * 3) return "";
  return Languages()[best].code;
}

}  // namespace scr::ingest
