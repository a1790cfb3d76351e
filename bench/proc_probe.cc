// /proc readers for the server probe.
#include "bench/proc_probe.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace casework::bench {

ProcSample ReadProc(pid_t pid) {
  ProcSample sample;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return sample;
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return sample;
  std::vector<std::string> fields = absl::StrSplit(line.substr(close + 2), ' ');
  int64_t utime = 0, stime = 0, threads = 0, rss_pages = 0;
  // utime is field 14, stime 15, num_threads 20, rss 24; fields[0] is field 3.
  if (fields.size() < 22 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime) || !absl::SimpleAtoi(fields[17], &threads) ||
      !absl::SimpleAtoi(fields[21], &rss_pages)) {
    return sample;
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  sample.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  sample.threads = threads;
  sample.rss_kib = rss_pages * sysconf(_SC_PAGESIZE) / 1024;
  if (DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++sample.fds;
    }
    closedir(dir);
  }
  sample.ok = true;
  return sample;
}

std::vector<std::pair<std::string, pid_t>> ParseServers(const std::string& spec) {
  std::vector<std::pair<std::string, pid_t>> servers;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> parts = absl::StrSplit(item, absl::MaxSplits(':', 1));
    int pid = 0;
    if (absl::SimpleAtoi(parts.second, &pid)) servers.emplace_back(parts.first, pid);
  }
  return servers;
}

void ServerProbe::Window(bool opening) {
  for (size_t i = 0; i < servers_.size(); ++i) {
    (opening ? start_ : end_)[i] = ReadProc(servers_[i].second);
  }
}

std::string ServerProbe::ToJson(int64_t operations) const {
  std::vector<std::string> parts;
  for (size_t i = 0; i < servers_.size(); ++i) {
    const ProcSample& a = start_[i];
    const ProcSample& b = end_[i];
    if (!a.ok || !b.ok) {
      parts.push_back(absl::StrCat("\"", servers_[i].first, "\":{\"error\":\"not readable\"}"));
      continue;
    }
    const double cpu = b.cpu_seconds - a.cpu_seconds;
    const double per_op = operations > 0 ? cpu * 1e6 / static_cast<double>(operations) : 0;
    parts.push_back(absl::StrCat("\"", servers_[i].first, "\":{\"pid\":", servers_[i].second,
                                 ",\"cpu_seconds\":", cpu, ",\"cpu_us_per_op\":", per_op,
                                 ",\"rss_kib\":", b.rss_kib, ",\"threads\":", b.threads,
                                 ",\"fds\":", b.fds, "}"));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

}  // namespace casework::bench
