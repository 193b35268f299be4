// libFuzzer target: charset detection and decoding (ingest::DecodeToUtf8,
// ingest::CharsetFromContentType).
//
// Input layout: byte 0 picks the declared charset (low 4 bits, from
// kDeclared) and the sniff_markup flag (bit 7); the rest is the document.
// Checks the documented contract: the result is always valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ingest-service/charset.h"

namespace {

constexpr const char* kDeclared[] = {
    "",
    "utf-8",
    "windows-1252",
    "iso-8859-1",
    "utf-16le",
    "utf-16be",
    "shift_jis",
    "gb18030",
    "koi8-r",
    "euc-jp",
    "iso-2022-jp",
    "big5",
    "x-unknown-charset",
    "UTF-8",
    "us-ascii",
    "utf-7",
};

// Strict UTF-8 check: no overlongs, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  const char* declared = kDeclared[data[0] & 0x0F];
  bool sniff = (data[0] & 0x80) != 0;
  absl::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string out = scr::ingest::DecodeToUtf8(bytes, declared, sniff);
  if (!IsValidUtf8(out)) std::abort();  // "never fails": always UTF-8
  // The Content-Type parameter parser on the same bytes.
  (void)scr::ingest::CharsetFromContentType(bytes);
  (void)scr::ingest::CharsetFromContentType(absl::StrCat("text/html; charset=", declared));
  return 0;
}
