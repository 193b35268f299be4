#include "ingest-service/text_parser.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text.h"
#include "ingest-service/text_rules.h"

namespace scr::ingest {
namespace {

// Splits the text into blocks: paragraphs separated by blank lines, or lines
// when the text has no blank lines at all. Each block is a list of lines.
std::vector<std::vector<std::string>> SplitBlocks(absl::string_view text) {
  std::vector<std::string> lines;
  bool has_blank = false;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    lines.push_back(common::CollapseWhitespace(raw));
    if (lines.back().empty()) has_blank = true;
  }
  std::vector<std::vector<std::string>> blocks;
  std::vector<std::string> current;
  for (std::string& line : lines) {
    if (line.empty() || !has_blank) {
      if (!line.empty()) current.push_back(std::move(line));
      if (!current.empty()) blocks.push_back(std::move(current));
      current.clear();
      continue;
    }
    current.push_back(std::move(line));
  }
  if (!current.empty()) blocks.push_back(std::move(current));
  return blocks;
}

class TextPageBuilder {
 public:
  void AddBlock(const std::vector<std::string>& lines) {
    // A block made only of recognised lines (footers, widgets) is handled
    // line by line; anything else is one paragraph.
    std::vector<LineInfo> infos;
    bool all_known = true;
    for (const std::string& line : lines) {
      infos.push_back(ClassifyLine(line));
      if (infos.back().kind == LineKind::kContent) all_known = false;
    }
    if (all_known) {
      for (const LineInfo& info : infos) AddLine(info);
      return;
    }
    AddContent(absl::StrJoin(lines, " "));
  }

  ParsedItem Finish() {
    EndPost();
    ParsedItem item;
    item.format = "text";
    for (ParsedPost& p : posts_) {
      if (p.paragraphs.empty()) continue;
      if (p.title.empty()) p.title = DeriveTitle(p.paragraphs.front());
      for (const std::string& t : page_tags_) AddUniqueLabel(p.tags, t);
      for (const std::string& c : page_categories_) AddUniqueLabel(p.categories, c);
      item.posts.push_back(std::move(p));
    }
    return item;
  }

 private:
  void AddLine(const LineInfo& info) {
    bool has_body = current_ && !current_->paragraphs.empty();
    switch (info.kind) {
      case LineKind::kArchiveTag:
        for (const auto& l : info.labels) AddUniqueLabel(page_tags_, l);
        return;
      case LineKind::kArchiveCategory:
        for (const auto& l : info.labels) AddUniqueLabel(page_categories_, l);
        return;
      case LineKind::kNoise:
        if (has_body) in_footer_ = true;
        return;
      case LineKind::kMore:
        if (current_) current_->excerpt = true;
        if (has_body) in_footer_ = true;
        return;
      case LineKind::kComments:
        if (ParsedPost* p = FooterTarget()) {
          p->comment_count = std::max(p->comment_count, info.count);
          if (has_body) in_footer_ = true;
        }
        return;
      case LineKind::kTags:
        if (ParsedPost* p = FooterTarget()) {
          for (const auto& l : info.labels) AddUniqueLabel(p->tags, l);
          if (has_body) in_footer_ = true;
        }
        return;
      case LineKind::kCategories:
        if (current_) {
          for (const auto& l : info.labels) AddUniqueLabel(current_->categories, l);
          for (const auto& l : info.tags) AddUniqueLabel(current_->tags, l);
          current_->comment_count = std::max(current_->comment_count, info.count);
          // A category line after the body closes the post; tag and comment
          // lines right after it still belong to that post.
          if (has_body) {
            EndPost();
            closed_by_footer_ = true;
          }
        }
        return;
      case LineKind::kMeta:
        if (current_ && !in_footer_) {
          if (current_->author.empty()) current_->author = info.author;
          if (!current_->published) current_->published = info.published;
        }
        return;
      case LineKind::kContent:
        return;
    }
  }

  // The post a footer line belongs to: the open one, or the one a category
  // line just closed.
  ParsedPost* FooterTarget() {
    if (current_) return &*current_;
    if (closed_by_footer_ && !posts_.empty()) return &posts_.back();
    return nullptr;
  }

  void AddContent(const std::string& block) {
    closed_by_footer_ = false;
    bool title_like = LooksLikeTitle(block);
    if (!current_) {
      StartPost();
      if (title_like) {
        current_->title = block;
        return;
      }
    } else if (in_footer_) {
      // After a footer, only a new title starts more content; other text
      // (comment threads, sidebars) is dropped.
      if (!title_like) return;
      EndPost();
      StartPost();
      current_->title = block;
      return;
    } else if (current_->paragraphs.empty() && title_like) {
      // Consecutive short lines before any body: the last one is the title
      // (earlier ones are site names and navigation).
      current_->title = block;
      return;
    }
    current_->paragraphs.push_back(block);
  }

  void StartPost() {
    current_ = ParsedPost();
    in_footer_ = false;
  }

  void EndPost() {
    if (current_) posts_.push_back(std::move(*current_));
    current_.reset();
    in_footer_ = false;
  }

  static std::string DeriveTitle(const std::string& paragraph) {
    std::string t = common::TruncateUtf8(paragraph, 80);
    return t.size() < paragraph.size() ? t + "\xE2\x80\xA6" : t;
  }

  std::vector<ParsedPost> posts_;
  std::optional<ParsedPost> current_;
  bool in_footer_ = false;
  bool closed_by_footer_ = false;
  std::vector<std::string> page_tags_;
  std::vector<std::string> page_categories_;
};

}  // namespace

absl::StatusOr<ParsedItem> ParseTextPage(absl::string_view text) {
  TextPageBuilder builder;
  for (const auto& block : SplitBlocks(text)) builder.AddBlock(block);
  ParsedItem item = builder.Finish();
  if (item.posts.empty()) {
    return absl::InvalidArgumentError("content: no post with body text found in the text");
  }
  return item;
}

}  // namespace scr::ingest
