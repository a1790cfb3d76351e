// caseworkctl: command-line client of the casework suite. `caseworkctl <command> [args] [--flags]`.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/caseworkctl/commands.h"

namespace {

constexpr char kUsage[] =
    "caseworkctl <command> [args] [flags]\n\n"
    "commands:\n"
    "  session|records|notification <Method> [field=value ...] [--data JSON]\n"
    "          call any RPC of that service; without a method, list them; with --help, the\n"
    "          request's fields. Nested fields with dots (session.protocol_id=intervision),\n"
    "          repeated ones by repeating them; enums by name (kind=QUESTION); times as RFC 3339\n"
    "          or now+1h; durations as 15m.\n"
    "  watch SESSION_NAME [--after N]       follow a session's events live\n"
    "  watch-org organizations/ORG [KIND]   follow reminders and organisation events\n"
    "  token   mint a local development token:\n"
    "          caseworkctl token --user U --org O --role R[,R...] [--team T[,T...]]\n"
    "  health  ask a service whether it is serving:\n"
    "          caseworkctl health [--address host:port] [--service NAME] [--wait]\n\n"
    "common flags: --address (default: the service's local port or $CASEWORK_<SERVICE>_ADDRESS),\n"
    "  --token (default $CASEWORK_TOKEN), --json, --get FIELD (print one field of the reply),\n"
    "  --expect_error REASON, --deadline 10s; watch: --after N, --max_events N;\n"
    "  token: --ttl, --key_file, --issuer, --audience, --org (default $CASEWORK_ORG).\n"
    "Refusals print their reason and what it means; the exit code is 3 for invalid arguments,\n"
    "1 for other refusals, 2 for usage errors.";

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
  // --help after a command asks about that command, not about every flag of the binary.
  bool help = false;
  std::vector<char*> args = {argv[0]};
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      help = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  const std::vector<std::string> positional(rest.begin() + 1, rest.end());
  const std::string address = absl::GetFlag(FLAGS_address);

  if (casework::ctl::IsServiceCommand(command)) {
    return casework::ctl::RunRpcCommand(command, positional, address, help);
  }
  if (help) {
    std::cout << kUsage << "\n";
    return 0;
  }
  if (command == "watch") return casework::ctl::RunWatchCommand(positional, address, false);
  if (command == "watch-org") return casework::ctl::RunWatchCommand(positional, address, true);
  if (command == "token") return casework::ctl::RunTokenCommand();
  if (command == "health") return casework::ctl::RunHealthCommand();
  std::cerr << "caseworkctl: unknown command '" << command << "'\n\n" << kUsage << "\n";
  return 2;
}
