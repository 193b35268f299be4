#include "common/text.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>
#include <mutex>

namespace scr::common {
namespace {

icu::UnicodeString FromUtf8(absl::string_view text) {
  // fromUTF8 replaces ill-formed sequences with U+FFFD.
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

icu::UnicodeString Normalize(const icu::Normalizer2* normalizer, const icu::UnicodeString& s) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = normalizer->normalize(s, status);
  return U_SUCCESS(status) ? out : s;
}

const icu::Normalizer2* Nfc() {
  UErrorCode status = U_ZERO_ERROR;
  return icu::Normalizer2::getNFCInstance(status);
}

const icu::Normalizer2* Nfkc() {
  UErrorCode status = U_ZERO_ERROR;
  return icu::Normalizer2::getNFKCInstance(status);
}

const icu::Normalizer2* Nfd() {
  UErrorCode status = U_ZERO_ERROR;
  return icu::Normalizer2::getNFDInstance(status);
}

bool IsSpace(UChar32 c) { return u_isUWhiteSpace(c) || c == 0x00A0 || c == 0x202F || c == 0x2007; }

}  // namespace

std::string ToNfc(absl::string_view text) { return ToUtf8(Normalize(Nfc(), FromUtf8(text))); }

std::string FoldTypography(absl::string_view text) {
  icu::UnicodeString s = Normalize(Nfkc(), FromUtf8(text));
  icu::UnicodeString out;
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = s.char32At(i);
    i += U16_LENGTH(c);
    switch (c) {
      case 0x2018:
      case 0x2019:
      case 0x201A:
      case 0x201B:
      case 0x2032:
      case 0x02BC:
        out.append(static_cast<UChar>('\''));
        continue;
      case 0x201C:
      case 0x201D:
      case 0x201E:
      case 0x201F:
      case 0x2033:
      case 0x00AB:
      case 0x00BB:
        out.append(static_cast<UChar>('"'));
        continue;
      case 0x2010:
      case 0x2011:
      case 0x2012:
      case 0x2013:
      case 0x2014:
      case 0x2015:
      case 0x2212:
        out.append(static_cast<UChar>('-'));
        continue;
      case 0x00AD:
      case 0x200B:
      case 0x200C:
      case 0x200D:
      case 0x2060:
      case 0xFEFF:
        continue;
      case 0x2026:
        out.append(icu::UnicodeString("..."));
        continue;
      default:
        break;
    }
    if (c != '\n' && IsSpace(c)) {
      out.append(static_cast<UChar>(' '));
    } else {
      out.append(c);
    }
  }
  return ToUtf8(out);
}

std::string FoldCase(absl::string_view text) {
  icu::UnicodeString s = FromUtf8(text);
  s.foldCase();
  return ToUtf8(Normalize(Nfc(), s));
}

std::string StripAccents(absl::string_view text) {
  icu::UnicodeString s = Normalize(Nfd(), FromUtf8(text));
  icu::UnicodeString out;
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = s.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    out.append(c);
  }
  return ToUtf8(Normalize(Nfc(), out));
}

std::string CollapseWhitespace(absl::string_view text) {
  icu::UnicodeString s = FromUtf8(text);
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = s.char32At(i);
    i += U16_LENGTH(c);
    if (IsSpace(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space) out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(c);
  }
  return ToUtf8(out);
}

std::string TruncateUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Step back over continuation bytes so no sequence is cut.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace scr::common
