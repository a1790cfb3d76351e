// The Unicode part of the normaliser: ICU's NFKC_Casefold between two passes that map single
// characters. The first pass removes format characters before normalisation, so that
// normalisation composes what they separated; the second maps what normalisation produced (a
// non-breaking hyphen becomes U+2010, which is a dash). Mapped characters are ASCII starters that
// never compose with a neighbour, so the result is still NFKC_Casefold and folding it again
// changes nothing.
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "libs/text_guard/normalizer_passes.h"

namespace casework::text_guard::internal {
namespace {

// What one character becomes: kDrop, an ASCII character, or kKeep (itself).
constexpr int kDrop = -1;
constexpr int kKeep = -2;

// Punctuation outside the dash category mapped to ASCII.
constexpr std::pair<UChar32, char> kPunctuation[] = {
    {0x2212, '-'},                                                   // minus sign
    {0x2018, '\''}, {0x2019, '\''}, {0x201A, '\''}, {0x201B, '\''},  // single quotes
    {0x201C, '"'},  {0x201D, '"'},  {0x201E, '"'},  {0x201F, '"'},   // double quotes
    {0x00AB, '"'},  {0x00BB, '"'},                                   // guillemets
    {0x3002, '.'},  // ideographic full stop, a dot of internationalised domain names
};

int MapCharacter(UChar32 c) {
  if (c < 0x80) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) return ' ';
    if (c < 0x20 || c == 0x7F) return kDrop;
    return c;
  }
  if (u_isUWhiteSpace(c)) return ' ';
  switch (u_charType(c)) {
    case U_FORMAT_CHAR:
    case U_CONTROL_CHAR:
      return kDrop;
    case U_DECIMAL_DIGIT_NUMBER:
      return '0' + u_charDigitValue(c);
    case U_DASH_PUNCTUATION:
      return '-';
    default:
      break;
  }
  for (const auto& [from, to] : kPunctuation) {
    if (c == from) return to;
  }
  return kKeep;
}

// One pass over `text`, decoding each character from a window of at most 4 bytes (ICU's macros
// take 32-bit offsets); invalid UTF-8 becomes U+FFFD. Sets *ascii when the result is all ASCII.
std::string MapCharacters(absl::string_view text, bool* ascii) {
  std::string out;
  out.reserve(text.size());
  *ascii = true;
  size_t pos = 0;
  while (pos < text.size()) {
    const auto* window = reinterpret_cast<const uint8_t*>(text.data() + pos);
    const int32_t length = static_cast<int32_t>(std::min<size_t>(4, text.size() - pos));
    int32_t used = 0;
    UChar32 c = 0;
    U8_NEXT(window, used, length, c);
    pos += static_cast<size_t>(used);
    if (c < 0) c = 0xFFFD;
    const int mapped = MapCharacter(c);
    if (mapped == kDrop) continue;
    if (mapped != kKeep) {
      out.push_back(static_cast<char>(mapped));
      continue;
    }
    char bytes[U8_MAX_LENGTH];
    int32_t n = 0;
    U8_APPEND_UNSAFE(bytes, n, c);
    out.append(bytes, static_cast<size_t>(n));
    *ascii = *ascii && n == 1;
  }
  return out;
}

const icu::Normalizer2* NfkcCasefold() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
    return U_SUCCESS(status) ? normalizer : nullptr;
  }();
  return instance;
}

// NFKC_Casefold of valid UTF-8. ICU's StringPiece holds a 32-bit length; texts that large never
// reach the guard (gRPC caps a message at 4 MiB), but they are still folded, in pieces cut at a
// character boundary.
std::string NormalizeUtf8(absl::string_view text) {
  const icu::Normalizer2* normalizer = NfkcCasefold();
  std::string out;
  out.reserve(text.size());
  icu::StringByteSink<std::string> sink(&out);
  constexpr size_t kPiece = size_t{1} << 30;
  while (!text.empty()) {
    size_t cut = std::min(text.size(), kPiece);
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    UErrorCode status = U_ZERO_ERROR;
    if (normalizer != nullptr) {
      normalizer->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(cut)), sink,
                                nullptr, status);
    }
    if (normalizer == nullptr || U_FAILURE(status)) out.append(text.data(), cut);
    text.remove_prefix(cut);
  }
  return out;
}

}  // namespace

std::string FoldCharacters(absl::string_view text) {
  bool ascii = false;
  std::string mapped = MapCharacters(text, &ascii);
  if (ascii) {  // NFKC_Casefold of ASCII is its lower case
    for (char& c : mapped) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return mapped;
  }
  return MapCharacters(NormalizeUtf8(mapped), &ascii);
}

}  // namespace casework::text_guard::internal
