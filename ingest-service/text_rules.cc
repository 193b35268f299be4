#include "ingest-service/text_rules.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text.h"

namespace scr::ingest {
namespace {

// Lines that are never post text, compared case-insensitively after folding
// typography and trimming trailing punctuation noise.
constexpr std::array<absl::string_view, 52> kNoiseLines = {
    "advertisements",
    "advertisement",
    "share this:",
    "share this",
    "like this:",
    "like this",
    "like",
    "loading...",
    "loading",
    "related",
    "related posts",
    "reblog",
    "twitter",
    "facebook",
    "email",
    "print",
    "linkedin",
    "reddit",
    "tumblr",
    "pinterest",
    "whatsapp",
    "telegram",
    "pocket",
    "more",
    "share",
    "tweet",
    "older posts",
    "newer posts",
    "older entries",
    "newer entries",
    "<< older entries",
    "newer entries >>",
    "previous post",
    "next post",
    "previous",
    "next",
    "report this ad",
    "be the first to like this.",
    "like loading...",
    "posts navigation",
    "post navigation",
    "search",
    "menu",
    "skip to content",
    "leave a reply",
    "cancel reply",
    "follow",
    "subscribe",
    "share on facebook",
    "share on twitter",
    "click to share on twitter (opens in new window)",
    "edit"};

std::string Folded(absl::string_view line) {
  return absl::AsciiStrToLower(common::CollapseWhitespace(common::FoldTypography(line)));
}

// What ClassifyLine needs of Folded(line): all of it for a short line; for
// a paragraph, a head of it. The head is the folding of the line up to an
// ASCII space (nothing combines across one, so it is a prefix of
// Folded(line)); it is used only when it is long enough, and has enough
// words, that every rule decides the same on it as on the whole: the rules
// compare at most the first three words, prefixes and phrases far shorter
// than kMinHead, and lengths below 100.
std::string FoldedForRules(absl::string_view line) {
  constexpr size_t kHeadBytes = 512;
  constexpr size_t kMinHead = 200;
  if (line.size() <= 2 * kHeadBytes) return Folded(line);
  const size_t cut = line.find(' ', kHeadBytes);
  if (cut == absl::string_view::npos || cut > 2 * kHeadBytes) return Folded(line);
  std::string head = Folded(line.substr(0, cut));
  if (head.size() < kMinHead || std::count(head.begin(), head.end(), ' ') < 3) {
    return Folded(line);
  }
  return head;
}

std::vector<std::string> SplitLabels(absl::string_view list) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(list, absl::ByAnyChar(",|"))) {
    std::string label = common::CollapseWhitespace(part);
    label = std::string(absl::StripSuffix(label, "."));
    if (!label.empty()) out.push_back(label);
  }
  return out;
}

// Returns the rest of `line` after a case-insensitive `prefix`, if present.
std::optional<absl::string_view> AfterPrefix(absl::string_view line, absl::string_view folded,
                                             absl::string_view prefix) {
  if (!absl::StartsWith(folded, prefix)) return std::nullopt;
  // `folded` may differ in length from `line` only by typography; labels are
  // taken from the original line at the same word position.
  size_t words = std::count(prefix.begin(), prefix.end(), ' ') + 1;
  size_t pos = 0;
  for (size_t w = 0; w < words && pos != absl::string_view::npos; ++w) {
    pos = line.find(' ', pos == 0 ? 0 : pos + 1);
  }
  if (pos == absl::string_view::npos) {
    // The prefix ends with ':' glued to the label ("Tags:X").
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return absl::string_view();
    return absl::StripAsciiWhitespace(line.substr(colon + 1));
  }
  return absl::StripAsciiWhitespace(line.substr(pos));
}

std::optional<int> ParseCount(absl::string_view word) {
  int n = 0;
  if (absl::SimpleAtoi(word, &n) && n >= 0) return n;
  if (word == "one") return 1;
  if (word == "no" || word == "zero") return 0;
  if (word == "two") return 2;
  if (word == "three") return 3;
  return std::nullopt;
}

}  // namespace

std::optional<absl::Time> ParseLooseDate(absl::string_view text) {
  std::string s = common::CollapseWhitespace(common::FoldTypography(text));
  // Drop ordinal suffixes: "5th April" -> "5 April".
  static constexpr const char* kFormats[] = {"%Y-%m-%dT%H:%M:%E*S%Ez",
                                             "%Y-%m-%dT%H:%M:%E*SZ",
                                             "%Y-%m-%dT%H:%M:%S",
                                             "%Y-%m-%d %H:%M:%S",
                                             "%Y-%m-%d",
                                             "%a, %d %b %Y %H:%M:%S %z",
                                             "%a, %d %b %Y %H:%M:%S %Z",
                                             "%d %b %Y %H:%M:%S %z",
                                             "%B %d, %Y",
                                             "%b %d, %Y",
                                             "%d %B %Y",
                                             "%d %b %Y",
                                             "%B %d %Y",
                                             "%A, %B %d, %Y",
                                             "%A %d %B %Y",
                                             "%d/%m/%Y",
                                             "%Y/%m/%d"};
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, s, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return std::nullopt;
}

LineInfo ClassifyLine(absl::string_view line) {
  LineInfo info;
  std::string f = FoldedForRules(line);
  std::string bare(absl::StripSuffix(absl::StripSuffix(f, " ->"), " →"));
  for (absl::string_view noise : kNoiseLines) {
    if (bare == noise) {
      info.kind = LineKind::kNoise;
      return info;
    }
  }
  if (absl::StartsWith(f, "continue reading") || f == "read more" || f == "read more..." ||
      f == "[...]" || f == "(more...)" || absl::StartsWith(f, "read the rest of this entry")) {
    info.kind = LineKind::kMore;
    return info;
  }
  if (absl::StartsWith(f, "tag archives:") || absl::StartsWith(f, "tag archive:") ||
      absl::StartsWith(f, "posts tagged ") || absl::StartsWith(f, "tag:")) {
    info.kind = LineKind::kArchiveTag;
    size_t colon = line.find(':');
    absl::string_view rest = colon != absl::string_view::npos
                                 ? line.substr(colon + 1)
                                 : line.substr(std::min(line.size(), sizeof("Posts tagged ") - 1));
    info.labels = {common::CollapseWhitespace(rest)};
    return info;
  }
  if (absl::StartsWith(f, "category archives:") || absl::StartsWith(f, "category archive:") ||
      absl::StartsWith(f, "category:")) {
    info.kind = LineKind::kArchiveCategory;
    info.labels = {common::CollapseWhitespace(line.substr(line.find(':') + 1))};
    return info;
  }
  if (f == "leave a comment" || f == "leave a reply" || f == "comments off" ||
      absl::StartsWith(f, "comments are closed")) {
    info.kind = LineKind::kComments;
    return info;
  }
  {
    // The first three words, and the rest (`f` has single spaces): a
    // paragraph is not split into all its words.
    std::vector<absl::string_view> words = absl::StrSplit(f, absl::MaxSplits(' ', 3));
    if (words.size() == 2 || (words.size() >= 3 && words[1] == "thoughts" && words[2] == "on") ||
        (words.size() >= 3 && words[1] == "thought" && words[2] == "on") ||
        (words.size() >= 3 && words[1] == "responses" && words[2] == "to") ||
        (words.size() >= 3 && words[1] == "response" && words[2] == "to") ||
        (words.size() >= 3 && words[1] == "comments" && words[2] == "on")) {
      static constexpr absl::string_view kNouns[] = {"comment", "comments", "response", "responses",
                                                     "reply",   "replies",  "thought",  "thoughts"};
      if (std::find(std::begin(kNouns), std::end(kNouns), words[1]) != std::end(kNouns)) {
        if (auto n = ParseCount(words[0])) {
          info.kind = LineKind::kComments;
          info.count = *n;
          return info;
        }
      }
    }
  }
  for (absl::string_view prefix : {"filed under", "posted in", "categories:", "categorised in",
                                   "categorized in", "categorised:", "categorized:"}) {
    if (auto rest = AfterPrefix(line, f, prefix)) {
      // "Posted in X | Tagged Y | Leave a comment" carries several footers.
      info.kind = LineKind::kCategories;
      bool first = true;
      for (absl::string_view segment : absl::StrSplit(*rest, '|')) {
        absl::string_view trimmed = absl::StripAsciiWhitespace(segment);
        if (first) {
          first = false;
          for (auto& l : SplitLabels(trimmed)) info.labels.push_back(std::move(l));
          continue;
        }
        LineInfo sub = ClassifyLine(trimmed);
        if (sub.kind == LineKind::kTags) {
          for (auto& l : sub.labels) info.tags.push_back(std::move(l));
        } else if (sub.kind == LineKind::kComments) {
          info.count = sub.count;
        }
      }
      return info;
    }
  }
  for (absl::string_view prefix : {"tagged", "tags:", "tagged with", "tagged:"}) {
    if (auto rest = AfterPrefix(line, f, prefix)) {
      info.kind = LineKind::kTags;
      std::string r(*rest);
      r = std::string(absl::StripPrefix(r, "with "));
      for (absl::string_view segment : absl::StrSplit(r, '|')) {
        info.labels = SplitLabels(segment);
        break;
      }
      return info;
    }
  }
  if (f.size() < 100 &&
      (absl::StartsWith(f, "posted on ") || absl::StartsWith(f, "published on ") ||
       absl::StartsWith(f, "published ") || absl::StartsWith(f, "posted by ") ||
       (absl::StartsWith(f, "by ") && f.size() < 60))) {
    info.kind = LineKind::kMeta;
    std::string rest = common::CollapseWhitespace(common::FoldTypography(line));
    for (absl::string_view p : {"Posted on ", "Published on ", "Published ", "Posted by ", "By "}) {
      if (absl::StartsWithIgnoreCase(rest, p)) {
        rest = rest.substr(p.size());
        break;
      }
    }
    std::string date_part = rest;
    size_t by = absl::AsciiStrToLower(rest).find(" by ");
    if (absl::StartsWith(f, "by ") || absl::StartsWith(f, "posted by ")) {
      size_t on = absl::AsciiStrToLower(rest).find(" on ");
      info.author = on == std::string::npos ? rest : rest.substr(0, on);
      date_part = on == std::string::npos ? "" : rest.substr(on + 4);
    } else if (by != std::string::npos) {
      info.author = rest.substr(by + 4);
      date_part = rest.substr(0, by);
    }
    info.author = common::CollapseWhitespace(info.author);
    if (!date_part.empty()) info.published = ParseLooseDate(date_part);
    if (info.author.empty() && !info.published) info.kind = LineKind::kContent;
    return info;
  }
  return info;
}

void AddUniqueLabel(std::vector<std::string>& list, absl::string_view label) {
  std::string value = common::ToNfc(common::CollapseWhitespace(label));
  if (value.empty()) return;
  std::string key = common::FoldCase(value);
  for (const std::string& v : list) {
    if (common::FoldCase(v) == key) return;
  }
  list.push_back(std::move(value));
}

bool LooksLikeTitle(absl::string_view block) {
  if (block.empty() || block.size() > 200) return false;
  if (block.find('\n') != absl::string_view::npos) return false;
  int words = static_cast<int>(std::count(block.begin(), block.end(), ' ')) + 1;
  if (words > 25) return false;
  char last = block.back();
  return last != '.' && last != ',' && last != ';' && last != ':';
}

}  // namespace scr::ingest
