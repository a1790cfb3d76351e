// caseworkctl's subcommands; each returns the process exit code.
#ifndef TOOLS_CASEWORKCTL_COMMANDS_H_
#define TOOLS_CASEWORKCTL_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, address);

namespace casework::ctl {

int RunTokenCommand();
int RunHealthCommand();

// `session`, `records` or `notification`.
bool IsServiceCommand(const std::string& command);
// args: the method and its field=value arguments (none: list the methods).
int RunRpcCommand(const std::string& command, const std::vector<std::string>& args,
                  const std::string& address, bool help);
// args: the session name (watch) or the organisation and event kinds (watch-org).
int RunWatchCommand(const std::vector<std::string>& args, const std::string& address,
                    bool organization);

}  // namespace casework::ctl

#endif  // TOOLS_CASEWORKCTL_COMMANDS_H_
