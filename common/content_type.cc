#include "common/content_type.h"

#include "absl/strings/ascii.h"

namespace scr::common {

std::string ContentTypeForFileName(absl::string_view file_name) {
  size_t dot = file_name.rfind('.');
  if (dot == absl::string_view::npos) return "";
  std::string ext = absl::AsciiStrToLower(file_name.substr(dot));
  if (ext == ".txt" || ext == ".text" || ext == ".md") return "text/plain";
  if (ext == ".html" || ext == ".htm" || ext == ".xhtml") return "text/html";
  if (ext == ".rss") return "application/rss+xml";
  if (ext == ".atom") return "application/atom+xml";
  if (ext == ".xml" || ext == ".wxr") return "application/xml";
  return "";
}

}  // namespace scr::common
