// Fault-suite conventions shared by the tests that publish a figure: the long form is selected
// with CASEWORK_LONG=1 (script/faults), and each test prints its headline result as one line
// `FIGURE <id>: <text>` on stdout, which script/faults collects into build/faults/<time>.md.
#ifndef LIBS_TESTING_FIGURES_H_
#define LIBS_TESTING_FIGURES_H_

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace casework::testing {

// True when the long forms are asked for (CASEWORK_LONG=1).
inline bool LongForm() {
  const char* value = std::getenv("CASEWORK_LONG");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

// Prints `FIGURE <id>: <text>` on its own line and flushes, so it survives a later crash.
inline void PrintFigure(const std::string& id, const std::string& text) {
  std::printf("\nFIGURE %s: %s%s\n", id.c_str(), text.c_str(), LongForm() ? "" : " (short form)");
  std::fflush(stdout);
}

}  // namespace casework::testing

#endif  // LIBS_TESTING_FIGURES_H_
