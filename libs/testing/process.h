// Child processes for tests: stopped by their PID, and never left running when a test ends (the
// destructor kills and reaps; PR_SET_PDEATHSIG kills them should the test process die first).
#ifndef LIBS_TESTING_PROCESS_H_
#define LIBS_TESTING_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace casework::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now, below the ephemeral range (so no
// outgoing connection takes it before the caller's server binds it).
int FreeTcpPort();

// Directory holding the project's executables (build/bin): the running test's own directory.
std::string BinaryDir();

class ChildProcess {
 public:
  // Starts argv[0] with the given arguments; stdout and stderr go to `log_path` when given.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(std::vector<std::string> argv,
                                                             std::string log_path = "");
  ~ChildProcess();  // SIGKILL and reap if still running

  pid_t pid() const { return pid_; }
  void Signal(int signal) const;
  // Waits up to `timeout` for the process to exit; returns its wait status, or nullopt.
  std::optional<int> WaitForExit(absl::Duration timeout);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
};

// The text an HTTP GET of http://127.0.0.1:port/path answers (body only), or an error.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// Runs a shell command with `input` on its stdin; returns its exit code and combined output.
struct CommandResult {
  int exit_code;
  std::string output;
};
CommandResult RunCommand(const std::string& command, const std::string& input = "");

}  // namespace casework::testing

#endif  // LIBS_TESTING_PROCESS_H_
