#include "common/text.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"

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

// The ASCII white space of Unicode's White_Space property.
bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= 0x09 && c <= 0x0D); }

bool IsAscii(absl::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Applies `slow` (ICU) to the stretches of `text` that hold non-ASCII bytes
// and `fast` to each byte of the rest. A stretch starts one byte early when
// an ASCII character precedes it, since that character may combine with the
// marks that follow ("e" + U+0301); nothing combines across the start of an
// ASCII character, so normalizing stretch by stretch equals normalizing the
// whole text. Most text is nearly all ASCII, and ICU's conversions cost far
// more than the byte loop.
template <typename Fast, typename Slow>
std::string BySegments(absl::string_view text, Fast fast, Slow slow) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && static_cast<unsigned char>(text[j]) < 0x80) ++j;
    if (j == text.size()) {
      for (size_t k = i; k < j; ++k) fast(text[k], out);
      break;
    }
    size_t start = j > i ? j - 1 : j;
    for (size_t k = i; k < start; ++k) fast(text[k], out);
    size_t end = j;
    while (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) ++end;
    out += slow(text.substr(start, end - start));
    i = end;
  }
  return out;
}

// FoldTypography by ICU, for any text.
std::string FoldTypographySlow(absl::string_view text) {
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

}  // namespace

std::string ToNfc(absl::string_view text) {
  if (IsAscii(text)) return std::string(text);
  return ToUtf8(Normalize(Nfc(), FromUtf8(text)));
}

std::string FoldTypography(absl::string_view text) {
  return BySegments(
      text,
      [](char c, std::string& out) {
        out.push_back(c != '\n' && IsAsciiSpace(static_cast<unsigned char>(c)) ? ' ' : c);
      },
      FoldTypographySlow);
}

std::string FoldCase(absl::string_view text) {
  if (IsAscii(text)) return absl::AsciiStrToLower(text);
  icu::UnicodeString s = FromUtf8(text);
  s.foldCase();
  return ToUtf8(Normalize(Nfc(), s));
}

std::string StripAccents(absl::string_view text) {
  if (IsAscii(text)) return std::string(text);
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
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  const int32_t n = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c = static_cast<unsigned char>(text[i]);
    bool space;
    if (c < 0x80) {
      ++i;
      space = IsAsciiSpace(static_cast<unsigned char>(c));
    } else {
      U8_NEXT(text.data(), i, n, c);
      space = c >= 0 && IsSpace(c);
    }
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    if (c < 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD for an ill-formed sequence
    } else {
      out.append(text.data() + start, i - start);
    }
  }
  return out;
}

std::string TruncateUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Step back over continuation bytes so no sequence is cut.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace scr::common
