#include "ingest-service/charset.h"

#include <unicode/ucnv.h>

#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text.h"

namespace scr::ingest {
namespace {

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = 0;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xE) {
      n = 2;
    } else if ((c >> 3) == 0x1E) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// Finds charset declared in the first 2 KiB of markup.
std::string SniffMarkupCharset(absl::string_view bytes) {
  std::string head = absl::AsciiStrToLower(bytes.substr(0, 2048));
  for (std::string key : {"charset=", "encoding="}) {
    size_t pos = head.find(key);
    while (pos != std::string::npos) {
      size_t start = pos + key.size();
      while (start < head.size() &&
             (head[start] == '"' || head[start] == '\'' || head[start] == ' '))
        ++start;
      size_t end = start;
      while (end < head.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(head[end])) || head[end] == '-' ||
              head[end] == '_' || head[end] == ':' || head[end] == '.'))
        ++end;
      if (end > start) return head.substr(start, end - start);
      pos = head.find(key, pos + 1);
    }
  }
  return "";
}

bool Convert(absl::string_view bytes, const std::string& charset, std::string* out) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* conv = ucnv_open(charset.c_str(), &status);
  if (U_FAILURE(status) || conv == nullptr) return false;
  std::unique_ptr<UConverter, void (*)(UConverter*)> holder(conv, ucnv_close);
  // Substitute U+FFFD for undecodable bytes.
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr, &status);
  std::vector<UChar> utf16(bytes.size() * 2 + 16);
  status = U_ZERO_ERROR;
  int32_t len = ucnv_toUChars(conv, utf16.data(), static_cast<int32_t>(utf16.size()), bytes.data(),
                              static_cast<int32_t>(bytes.size()), &status);
  if (U_FAILURE(status)) return false;
  UErrorCode s2 = U_ZERO_ERROR;
  UConverter* utf8 = ucnv_open("UTF-8", &s2);
  if (U_FAILURE(s2)) return false;
  std::unique_ptr<UConverter, void (*)(UConverter*)> holder8(utf8, ucnv_close);
  out->resize(static_cast<size_t>(len) * 3 + 16);
  int32_t n =
      ucnv_fromUChars(utf8, out->data(), static_cast<int32_t>(out->size()), utf16.data(), len, &s2);
  if (U_FAILURE(s2)) return false;
  out->resize(n);
  return true;
}

bool IsUtf8Name(const std::string& c) { return c == "utf-8" || c == "utf8"; }

}  // namespace

std::string CharsetFromContentType(absl::string_view content_type) {
  for (absl::string_view part : absl::StrSplit(content_type, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::StartsWithIgnoreCase(part, "charset=")) {
      std::string v(absl::StripAsciiWhitespace(part.substr(8)));
      v = std::string(absl::StripPrefix(absl::StripSuffix(v, "\""), "\""));
      return absl::AsciiStrToLower(v);
    }
  }
  return "";
}

std::string DecodeToUtf8(absl::string_view bytes, absl::string_view declared, bool sniff_markup) {
  if (absl::StartsWith(bytes, "\xEF\xBB\xBF")) return common::ToNfc(bytes.substr(3));
  std::string out;
  if (absl::StartsWith(bytes, "\xFF\xFE") && Convert(bytes.substr(2), "UTF-16LE", &out))
    return common::ToNfc(out);
  if (absl::StartsWith(bytes, "\xFE\xFF") && Convert(bytes.substr(2), "UTF-16BE", &out))
    return common::ToNfc(out);
  std::string charset = absl::AsciiStrToLower(declared);
  if (charset.empty() && sniff_markup) charset = SniffMarkupCharset(bytes);
  // Browsers read latin-1 labels as windows-1252; so do we.
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "us-ascii" || charset == "ascii")
    charset = "windows-1252";
  if (!charset.empty() && !IsUtf8Name(charset) && Convert(bytes, charset, &out)) {
    return common::ToNfc(out);
  }
  if (IsValidUtf8(bytes)) return common::ToNfc(bytes);
  // Undeclared and not UTF-8: the most common legacy web charset.
  if (charset.empty() && Convert(bytes, "windows-1252", &out)) return common::ToNfc(out);
  return common::ToNfc(bytes);
}

}  // namespace scr::ingest
