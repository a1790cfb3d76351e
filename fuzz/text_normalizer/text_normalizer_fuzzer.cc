// libFuzzer target for the text normaliser and the identifying-information detector
// (libs/text_guard): the input bytes are a text, valid UTF-8 or not. Checked on every input:
//   - FoldText and NormalizeForGuard return valid UTF-8 (checked here, not with ICU, so the oracle
//     does not share the code under test), no ASCII upper case or control character, no leading,
//     trailing or double space;
//   - both are idempotent;
//   - neither grows a text beyond kMaxGrowth times its size;
//   - the detector gives the same answer for the text and for its normal form.
// Any violation aborts with the input printed as escaped bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "libs/text_guard/identifying_information.h"
#include "libs/text_guard/testing/guard_cases.h"
#include "libs/text_guard/text_normalizer.h"

namespace {

using casework::text_guard::FindIdentifyingInformation;
using casework::text_guard::FoldText;
using casework::text_guard::kMaxGrowth;
using casework::text_guard::NormalizeForGuard;

[[noreturn]] void Fail(const std::string& input, const char* what) {
  std::fprintf(stderr, "text normaliser invariant violated: %s\ninput:", what);
  for (unsigned char c : input) std::fprintf(stderr, " %02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

// Strict UTF-8: shortest forms only, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80    ? 1
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC2 ? 2
                                         : 0;
    if (length == 0 || lead > 0xF4 || i + length > text.size()) return false;
    uint32_t c = length == 1 ? lead : lead & (0x3F >> (length - 1));
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      c = (c << 6) | (next & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[length] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

void CheckShape(const std::string& input, const std::string& output) {
  if (!IsValidUtf8(output)) Fail(input, "output is not valid UTF-8");
  if (output.size() > kMaxGrowth * input.size()) Fail(input, "output grew beyond kMaxGrowth");
  if (!output.empty() && (output.front() == ' ' || output.back() == ' ')) {
    Fail(input, "output starts or ends with a space");
  }
  for (size_t i = 0; i < output.size(); ++i) {
    const auto c = static_cast<unsigned char>(output[i]);
    if ((c >= 'A' && c <= 'Z') || c < 0x20 || c == 0x7F) Fail(input, "upper case or control");
    if (c == ' ' && i > 0 && output[i - 1] == ' ') Fail(input, "double space");
  }
}

}  // namespace

// The committed corpus: the guard's table of texts and the normaliser's edge cases (invalid
// UTF-8, NFKC's longest expansion, forms whose rewriting could feed a second pass).
std::vector<std::string> FuzzSeeds() {
  std::vector<std::string> seeds = {
      "a\xFF"
      "b\xC3",
      "\uFDFA\uFDFA",
      "x ( @ ) y",
      "((dot)) [(at)]",
      "p at q at r dot org",
      "12 34 5 at y dot com",
      "0\u200B6 1 2\u00AD3 \u0664\u0665"};
  for (const auto& row : casework::text_guard::testing::RefusedTexts()) seeds.push_back(row.text);
  for (const auto& row : casework::text_guard::testing::PassingTexts()) seeds.push_back(row.text);
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string folded = FoldText(input);
  CheckShape(input, folded);
  if (FoldText(folded) != folded) Fail(input, "FoldText is not idempotent");
  const std::string normalized = NormalizeForGuard(input);
  CheckShape(input, normalized);
  if (NormalizeForGuard(normalized) != normalized)
    Fail(input, "NormalizeForGuard is not idempotent");
  if (FindIdentifyingInformation(input) != FindIdentifyingInformation(normalized)) {
    Fail(input, "the detector answers differently for the normal form");
  }
  return 0;
}
