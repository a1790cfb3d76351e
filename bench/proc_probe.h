// Reads the servers' own cost over the measured window from /proc: CPU time (utime + stime of
// /proc/<pid>/stat), resident memory, threads and open descriptors, so a report can say how many
// CPU microseconds each server spent per operation.
#ifndef BENCH_PROC_PROBE_H_
#define BENCH_PROC_PROBE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace casework::bench {

struct ProcSample {
  bool ok = false;
  double cpu_seconds = 0;
  int64_t rss_kib = 0;
  int64_t threads = 0;
  int64_t fds = 0;
};

ProcSample ReadProc(pid_t pid);

// Parses "name:pid,name:pid" (the --servers flag).
std::vector<std::pair<std::string, pid_t>> ParseServers(const std::string& spec);

class ServerProbe {
 public:
  explicit ServerProbe(std::vector<std::pair<std::string, pid_t>> servers)
      : servers_(std::move(servers)), start_(servers_.size()), end_(servers_.size()) {}

  // The load generator's window_probe.
  void Window(bool opening);

  // {"<name>": {"cpu_seconds", "cpu_us_per_op", "rss_kib", "threads", "fds"}, ...} where an
  // operation is whatever `operations` counts (calls, delivered events).
  std::string ToJson(int64_t operations) const;

 private:
  std::vector<std::pair<std::string, pid_t>> servers_;
  std::vector<ProcSample> start_, end_;
};

}  // namespace casework::bench

#endif  // BENCH_PROC_PROBE_H_
