// caseworkctl: command-line client of the casework suite. `caseworkctl <command> [--flags]`.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/caseworkctl/commands.h"

namespace {

constexpr char kUsage[] =
    "caseworkctl <command> [flags]\n\n"
    "commands:\n"
    "  token   mint a local development token:\n"
    "          caseworkctl token --user U --org O --role R[,R...] [--team T[,T...]]\n"
    "  health  ask a service whether it is serving:\n"
    "          caseworkctl health [--address host:port] [--service NAME] [--wait]\n\n"
    "Run 'caseworkctl <command> --help' for the command's flags.";

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
      std::cout << kUsage << "\n";
      return 0;
    }
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string command = argv[1];
  // Parse the flags after the command name.
  std::vector<char*> args = {argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());

  if (command == "token") return casework::ctl::RunTokenCommand();
  if (command == "health") return casework::ctl::RunHealthCommand();
  std::cerr << "caseworkctl: unknown command '" << command << "'\n\n" << kUsage << "\n";
  return 2;
}
