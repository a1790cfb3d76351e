// posix_spawn-based child processes, loopback HTTP GET and shell commands for tests.
#include "libs/testing/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"

namespace casework::testing {

namespace {

// True when nothing is bound to 127.0.0.1:`port` right now (0: any port; the chosen one is
// written back).
bool BindsOnLoopback(int& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (bound) port = ntohs(addr.sin_port);
  return bound;
}

// The first port the kernel hands out to outgoing connections (ip_local_port_range).
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (!(range >> low) || low <= 0) low = 32768;
  return low;
}

}  // namespace

// Below the ephemeral range: a port picked there can be taken, between this check and the
// server's bind, by any outgoing connection on the machine (other tests' clients), which made
// parallel tests collide now and then. Random, so concurrent test processes pick apart.
int FreeTcpPort() {
  const int high = EphemeralLow() - 1;
  constexpr int kLow = 10000;
  if (high > kLow) {
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> pick(kLow, high);
    for (int attempt = 0; attempt < 200; ++attempt) {
      int port = pick(random);
      if (BindsOnLoopback(port)) return port;
    }
  }
  int port = 0;
  return BindsOnLoopback(port) ? port : 0;
}

std::string BinaryDir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(std::vector<std::string> argv,
                                                                  std::string log_path) {
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("cannot fork for ", argv[0]));
  if (pid == 0) {
    // The child dies with the test, even when the test itself is killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (!log_path.empty()) {
      int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
    }
    execv(args[0], args.data());
    _exit(127);
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() {
  if (reaped_) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void ChildProcess::Signal(int signal) const {
  if (!reaped_) kill(pid_, signal);
}

std::optional<int> ChildProcess::WaitForExit(absl::Duration timeout) {
  if (reaped_) return std::nullopt;
  // A pidfd becomes readable when the process exits: a wait with a timeout, no polling.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd entry{pidfd, POLLIN, 0};
    poll(&entry, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    close(pidfd);
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  reaped_ = true;
  return status;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port));
  }
  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("short write");
  }
  std::string response;
  std::array<char, 65536> buffer;
  ssize_t n;
  while ((n = read(fd, buffer.data(), buffer.size())) > 0) response.append(buffer.data(), n);
  close(fd);
  size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return absl::DataLossError("no HTTP header");
  if (response.rfind("HTTP/1.1 200", 0) != 0 && response.rfind("HTTP/1.0 200", 0) != 0) {
    return absl::UnavailableError(response.substr(0, response.find("\r\n")));
  }
  return response.substr(body + 4);
}

CommandResult RunCommand(const std::string& command, const std::string& input) {
  std::string input_path = std::filesystem::temp_directory_path() /
                           absl::StrCat("casework-cmd-", getpid(), "-", rand(), ".in");
  std::ofstream(input_path) << input;
  FILE* pipe = popen(absl::StrCat(command, " <", input_path, " 2>&1").c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  int status = pclose(pipe);
  std::filesystem::remove(input_path);
  return CommandResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace casework::testing
