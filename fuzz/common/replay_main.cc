// Replays a fuzzer's inputs without libFuzzer (any compiler): every file named on the command
// line, or every file in a named directory, is fed to LLVMFuzzerTestOneInput once. CI uses it to
// run each committed corpus in the regular build; the sanitizer build fuzzes.
// `--write-seeds DIR` writes the target's seed inputs (its FuzzSeeds(), built from valid
// requests) into DIR, one file per seed named by its content's hash, for the committed corpus.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Defined by the targets that have seeds.
__attribute__((weak)) std::vector<std::string> FuzzSeeds();

namespace {

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

int WriteSeeds(const std::filesystem::path& dir) {
  if (FuzzSeeds == nullptr) {
    std::fprintf(stderr, "this target has no seeds\n");
    return 1;
  }
  std::filesystem::create_directories(dir);
  const std::vector<std::string> seeds = FuzzSeeds();
  for (const std::string& seed : seeds) {
    char name[32];
    std::snprintf(name, sizeof(name), "seed-%016zx", std::hash<std::string>()(seed));
    std::ofstream(dir / name, std::ios::binary) << seed;
  }
  std::printf("wrote %zu seeds to %s\n", seeds.size(), dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") return WriteSeeds(argv[2]);
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) inputs += RunFile(entry.path()) == 0;
      }
    } else {
      inputs += RunFile(path) == 0;
    }
  }
  std::printf("replayed %d inputs\n", inputs);
  return inputs > 0 ? 0 : 1;
}
