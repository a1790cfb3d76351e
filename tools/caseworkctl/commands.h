// caseworkctl's subcommands; each returns the process exit code.
#ifndef TOOLS_CASEWORKCTL_COMMANDS_H_
#define TOOLS_CASEWORKCTL_COMMANDS_H_

namespace casework::ctl {

int RunTokenCommand();
int RunHealthCommand();

}  // namespace casework::ctl

#endif  // TOOLS_CASEWORKCTL_COMMANDS_H_
