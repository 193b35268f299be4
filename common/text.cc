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

// Applies `slow` to the stretches of `text` that hold non-ASCII bytes and
// `fast` to each byte of the rest, which it rewrites in place (`fast` maps
// ASCII to ASCII). A stretch starts one byte early when an ASCII character
// precedes it, since that character may combine with the marks that follow
// ("e" + U+0301); nothing combines across the start of an ASCII character,
// so normalizing stretch by stretch equals normalizing the whole text. Most
// text is nearly all ASCII, and ICU's conversions cost far more than the
// byte loop.
template <typename Fast, typename Slow>
std::string BySegments(absl::string_view text, Fast fast, Slow slow) {
  std::string out;
  out.reserve(text.size());
  auto ascii = [&](size_t from, size_t to) {
    size_t at = out.size();
    out.append(text.data() + from, to - from);
    for (size_t k = at; k < out.size(); ++k) out[k] = fast(out[k]);
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && static_cast<unsigned char>(text[j]) < 0x80) ++j;
    if (j == text.size()) {
      ascii(i, j);
      break;
    }
    size_t start = j > i ? j - 1 : j;
    ascii(i, start);
    size_t end = j;
    while (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) ++end;
    slow(text.substr(start, end - start), out);
    i = end;
  }
  return out;
}

// Appends `stretch` to `out` with `map` applied to each code point when
// every non-ASCII one is well-formed and `simple` holds for it, and returns
// true; otherwise appends nothing and returns false. `simple` must only hold
// for code points that normalization leaves alone and that never combine
// with their neighbours (ICU's isInert), so that mapping them one by one
// gives what the ICU path gives for the whole stretch.
template <typename Simple, typename Map>
bool MapSimple(absl::string_view stretch, Simple simple, Map map, std::string& out) {
  const int32_t n = static_cast<int32_t>(stretch.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = static_cast<unsigned char>(stretch[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    U8_NEXT(stretch.data(), i, n, c);
    if (c < 0 || !simple(c)) return false;
  }
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(stretch.data(), i, n, c);
    map(c, out);
  }
  return true;
}

// Appends code point `c` (valid: from U8_NEXT, not negative) as UTF-8.
void AppendUtf8(UChar32 c, std::string& out) {
  char buf[U8_MAX_LENGTH];
  int32_t len = 0;
  U8_APPEND_UNSAFE(buf, len, c);
  out.append(buf, static_cast<size_t>(len));
}

// FoldTypography's replacement of one code point (after NFKC): the ASCII
// text it becomes, or null when it is kept (or becomes ' ', see IsSpace).
const char* TypographyReplacement(UChar32 c) {
  switch (c) {
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
    case 0x02BC:
      return "'";
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
    case 0x00AB:
    case 0x00BB:
      return "\"";
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      return "-";
    case 0x00AD:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return "";
    case 0x2026:
      return "...";
    default:
      return nullptr;
  }
}

}  // namespace

namespace internal {

std::string FoldTypographyIcu(absl::string_view text) {
  icu::UnicodeString s = Normalize(Nfkc(), FromUtf8(text));
  icu::UnicodeString out;
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = s.char32At(i);
    i += U16_LENGTH(c);
    if (const char* r = TypographyReplacement(c)) {
      out.append(icu::UnicodeString(r));
    } else if (c != '\n' && IsSpace(c)) {
      out.append(static_cast<UChar>(' '));
    } else {
      out.append(c);
    }
  }
  return ToUtf8(out);
}

std::string ToNfcIcu(absl::string_view text) { return ToUtf8(Normalize(Nfc(), FromUtf8(text))); }

std::string FoldCaseIcu(absl::string_view text) {
  icu::UnicodeString s = FromUtf8(text);
  s.foldCase();
  return ToUtf8(Normalize(Nfc(), s));
}

std::string StripAccentsIcu(absl::string_view text) {
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

}  // namespace internal

std::string ToNfc(absl::string_view text) {
  return BySegments(
      text, [](char c) { return c; },
      [](absl::string_view stretch, std::string& out) {
        const icu::Normalizer2* nfc = Nfc();
        bool simple = MapSimple(
            stretch, [nfc](UChar32 c) { return nfc->isInert(c); },
            [](UChar32 c, std::string& o) { AppendUtf8(c, o); }, out);
        if (!simple) out += internal::ToNfcIcu(stretch);
      });
}

std::string FoldTypography(absl::string_view text) {
  auto ascii = [](char c) {
    return c != '\n' && IsAsciiSpace(static_cast<unsigned char>(c)) ? ' ' : c;
  };
  return BySegments(text, ascii, [&](absl::string_view stretch, std::string& out) {
    const icu::Normalizer2* nfkc = Nfkc();
    bool simple = MapSimple(
        stretch, [nfkc](UChar32 c) { return nfkc->isInert(c); },
        [&](UChar32 c, std::string& o) {
          if (c < 0x80) {
            o.push_back(ascii(static_cast<char>(c)));
          } else if (const char* r = TypographyReplacement(c)) {
            o.append(r);
          } else if (IsSpace(c)) {
            o.push_back(' ');
          } else {
            AppendUtf8(c, o);
          }
        },
        out);
    if (!simple) out += internal::FoldTypographyIcu(stretch);
  });
}

std::string FoldCase(absl::string_view text) {
  auto ascii = [](char c) { return absl::ascii_tolower(static_cast<unsigned char>(c)); };
  return BySegments(text, ascii, [&](absl::string_view stretch, std::string& out) {
    const icu::Normalizer2* nfc = Nfc();
    bool simple = MapSimple(
        stretch,
        [nfc](UChar32 c) {
          return nfc->isInert(c) && !u_hasBinaryProperty(c, UCHAR_CHANGES_WHEN_CASEFOLDED);
        },
        [&](UChar32 c, std::string& o) {
          if (c < 0x80) {
            o.push_back(ascii(static_cast<char>(c)));
          } else {
            AppendUtf8(c, o);
          }
        },
        out);
    if (!simple) out += internal::FoldCaseIcu(stretch);
  });
}

std::string StripAccents(absl::string_view text) {
  return BySegments(
      text, [](char c) { return c; },
      [](absl::string_view stretch, std::string& out) {
        const icu::Normalizer2* nfd = Nfd();
        const icu::Normalizer2* nfc = Nfc();
        bool simple = MapSimple(
            stretch,
            [nfd, nfc](UChar32 c) {
              return nfd->isInert(c) && nfc->isInert(c) && u_charType(c) != U_NON_SPACING_MARK;
            },
            [](UChar32 c, std::string& o) { AppendUtf8(c, o); }, out);
        if (!simple) out += internal::StripAccentsIcu(stretch);
      });
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
      // The rest of a run of ASCII characters that are not spaces.
      while (!space && i < n && static_cast<unsigned char>(text[i]) < 0x80 &&
             !IsAsciiSpace(static_cast<unsigned char>(text[i]))) {
        ++i;
      }
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
