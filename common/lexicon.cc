#include "common/lexicon.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text.h"

namespace scr::common {

// Defined in the generated lexicon_data.cc.
extern const char kDefaultLexiconTsv[];

namespace {

bool IsAllCaps(absl::string_view s) {
  bool letter = false;
  for (char c : s) {
    if (absl::ascii_islower(static_cast<unsigned char>(c))) return false;
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) letter = true;
  }
  return letter;
}

std::string Lower(absl::string_view s) { return FoldCase(s); }

// True when text word `word` matches variant word `want`, allowing a plural
// -s / -es / -'s / -S on the last word of a variant.
bool WordMatches(absl::string_view word, absl::string_view want, bool last) {
  if (word == want) return true;
  if (!last || !absl::StartsWith(word, want)) return false;
  absl::string_view rest = word.substr(want.size());
  return rest == "s" || rest == "es" || rest == "'s" || rest == "S";
}

// The words of `folded` (Words' folded text) as views into it.
std::vector<absl::string_view> WordSpans(absl::string_view folded) {
  std::vector<absl::string_view> words;
  size_t start = 0;
  bool in_word = false;
  for (size_t i = 0; i < folded.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(folded[i]);
    bool apostrophe_inside = c == '\'' && in_word && i + 1 < folded.size() &&
                             absl::ascii_isalpha(static_cast<unsigned char>(folded[i + 1]));
    if (absl::ascii_isalnum(c) || c >= 0x80 || apostrophe_inside) {
      if (!in_word) start = i;
      in_word = true;
    } else if (in_word) {
      words.push_back(folded.substr(start, i - start));
      in_word = false;
    }
  }
  if (in_word) words.push_back(folded.substr(start));
  return words;
}

}  // namespace

std::vector<std::string> Lexicon::Words(absl::string_view text) {
  std::string folded = StripAccents(FoldTypography(text));
  std::vector<std::string> words;
  for (absl::string_view w : WordSpans(folded)) words.emplace_back(w);
  return words;
}

absl::StatusOr<Lexicon> Lexicon::Parse(absl::string_view tsv, absl::string_view source) {
  Lexicon lex;
  std::set<std::string> ids;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(tsv, '\n')) {
    ++line_no;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line_no, ": ", why));
    };
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 4) return bad("expected 4 TAB-separated fields: id, kind, name, variants");
    LexiconEntry e;
    e.id = fields[0];
    if (e.id.empty() ||
        e.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
      return bad("id must be lowercase ASCII letters, digits and '-'");
    }
    if (!ids.insert(e.id).second) return bad(absl::StrCat("duplicate id \"", e.id, "\""));
    const std::string& kind = fields[1];
    if (kind == "term") {
      e.kind = v1::ENTITY_KIND_TERM;
    } else if (kind == "body") {
      e.kind = v1::ENTITY_KIND_BODY;
    } else if (kind == "case") {
      e.kind = v1::ENTITY_KIND_CASE;
    } else if (kind == "report") {
      e.kind = v1::ENTITY_KIND_REPORT;
    } else {
      return bad(absl::StrCat("kind \"", kind, "\" is not term, body, case or report"));
    }
    e.name = ToNfc(fields[2]);
    if (e.name.empty()) return bad("name is empty");
    std::vector<std::string> texts = absl::StrSplit(fields[3], '|', absl::SkipWhitespace());
    texts.push_back(e.name);
    std::set<std::string> seen;
    for (std::string t : texts) {
      t = std::string(absl::StripAsciiWhitespace(t));
      LexiconVariant v;
      v.exact_case = !t.empty() && t[0] == '=';
      if (v.exact_case) t = t.substr(1);
      v.exact_case = v.exact_case || IsAllCaps(t);
      v.text = ToNfc(t);
      v.words = Words(v.text);
      if (!v.exact_case) {
        for (auto& w : v.words) w = Lower(w);
      }
      if (v.words.empty()) return bad(absl::StrCat("variant \"", t, "\" has no words"));
      std::string key = absl::StrCat(v.exact_case ? "=" : "", absl::StrJoin(v.words, " "));
      if (!seen.insert(key).second) continue;
      e.variants.push_back(std::move(v));
    }
    lex.entries_.push_back(std::move(e));
  }
  for (size_t i = 0; i < lex.entries_.size(); ++i) {
    for (size_t j = 0; j < lex.entries_[i].variants.size(); ++j) {
      lex.by_first_word_[Lower(lex.entries_[i].variants[j].words[0])].push_back({i, j});
    }
  }
  for (auto& [word, list] : lex.by_first_word_) {
    std::stable_sort(list.begin(), list.end(), [&](const Candidate& a, const Candidate& b) {
      return lex.entries_[a.entry].variants[a.variant].words.size() >
             lex.entries_[b.entry].variants[b.variant].words.size();
    });
  }
  return lex;
}

absl::StatusOr<Lexicon> Lexicon::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("lexicon ", path, ": cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

absl::StatusOr<std::unique_ptr<Lexicon>> Lexicon::LoadIfSet(const std::string& path) {
  if (path.empty()) return std::unique_ptr<Lexicon>();
  auto loaded = Load(path);
  if (!loaded.ok()) return loaded.status();
  return std::make_unique<Lexicon>(*std::move(loaded));
}

const Lexicon& Lexicon::Default() {
  static const Lexicon* lexicon = [] {
    auto parsed = Parse(kDefaultLexiconTsv, "built-in lexicon/entities.tsv");
    // The built-in copy is checked by tests; a broken one is a build defect.
    if (!parsed.ok()) std::abort();
    return new Lexicon(*std::move(parsed));
  }();
  return *lexicon;
}

const LexiconEntry* Lexicon::Find(absl::string_view id) const {
  for (const LexiconEntry& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

std::vector<v1::Entity> Lexicon::FindEntities(absl::string_view text) const {
  const std::string folded = StripAccents(FoldTypography(text));
  const std::vector<absl::string_view> words = WordSpans(folded);
  // The lowercased words, end to end in one buffer (one allocation for
  // them all; the views are made once it has stopped growing).
  std::string lower_text;
  lower_text.reserve(folded.size());
  std::vector<std::pair<size_t, size_t>> lower_at(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    size_t at = lower_text.size();
    bool ascii = std::all_of(words[i].begin(), words[i].end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      for (char c : words[i])
        lower_text.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else {
      lower_text += Lower(words[i]);
    }
    lower_at[i] = {at, lower_text.size() - at};
  }
  std::vector<absl::string_view> lower(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    lower[i] = absl::string_view(lower_text).substr(lower_at[i].first, lower_at[i].second);
  }
  std::vector<v1::Entity> found;
  std::map<size_t, size_t> slot_of_entry;
  for (size_t i = 0; i < words.size();) {
    auto it = by_first_word_.find(lower[i]);
    if (it == by_first_word_.end()) {
      // Plural of a one-word variant: "SCRs", "reviews".
      absl::string_view stem = lower[i];
      if (stem.size() > 2 && stem.back() == 's') stem.remove_suffix(1);
      it = by_first_word_.find(stem);
      if (it == by_first_word_.end()) {
        ++i;
        continue;
      }
    }
    size_t matched = 0;
    for (const Candidate& c : it->second) {
      const LexiconVariant& v = entries_[c.entry].variants[c.variant];
      if (i + v.words.size() > words.size()) continue;
      bool ok = true;
      for (size_t k = 0; k < v.words.size() && ok; ++k) {
        absl::string_view w = v.exact_case ? words[i + k] : lower[i + k];
        ok = WordMatches(w, v.words[k], k + 1 == v.words.size());
      }
      if (!ok) continue;
      auto [pos, inserted] = slot_of_entry.emplace(c.entry, found.size());
      if (inserted) {
        v1::Entity e;
        e.set_id(entries_[c.entry].id);
        e.set_name(entries_[c.entry].name);
        e.set_kind(entries_[c.entry].kind);
        found.push_back(std::move(e));
      }
      v1::Entity& e = found[pos->second];
      e.set_mentions(e.mentions() + 1);
      matched = v.words.size();
      break;
    }
    i += matched > 0 ? matched : 1;
  }
  return found;
}

}  // namespace scr::common
