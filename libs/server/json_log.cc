// JSON-lines logging over an spdlog stdout logger whose pattern is the bare message.
#include "libs/server/json_log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace casework {
namespace {

struct LogState {
  std::shared_ptr<spdlog::logger> logger;
  std::string service;
};

LogState& State() {
  static LogState* state = [] {
    auto* s = new LogState;
    s->logger = spdlog::stdout_logger_mt("casework-json");
    s->logger->set_pattern("%v");
    s->logger->flush_on(spdlog::level::trace);
    s->service = "casework";
    return s;
  }();
  return *state;
}

spdlog::level::level_enum ToSpdlog(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kDebug:
      return spdlog::level::debug;
    case LogSeverity::kInfo:
      return spdlog::level::info;
    case LogSeverity::kWarning:
      return spdlog::level::warn;
    case LogSeverity::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* SeverityName(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kDebug:
      return "DEBUG";
    case LogSeverity::kInfo:
      return "INFO";
    case LogSeverity::kWarning:
      return "WARNING";
    case LogSeverity::kError:
      return "ERROR";
  }
  return "INFO";
}

}  // namespace

absl::Status InitJsonLogging(absl::string_view service, absl::string_view min_severity) {
  LogState& state = State();
  state.service = std::string(service);
  if (min_severity == "debug") {
    state.logger->set_level(spdlog::level::debug);
  } else if (min_severity == "info") {
    state.logger->set_level(spdlog::level::info);
  } else if (min_severity == "warning") {
    state.logger->set_level(spdlog::level::warn);
  } else if (min_severity == "error") {
    state.logger->set_level(spdlog::level::err);
  } else {
    return absl::InvalidArgumentError("log level must be debug, info, warning or error");
  }
  return absl::OkStatus();
}

bool LogEnabled(LogSeverity severity) { return State().logger->should_log(ToSpdlog(severity)); }

void Log(LogSeverity severity, absl::string_view message, const LogFields& fields) {
  if (!LogEnabled(severity)) return;
  nlohmann::json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone())},
      {"severity", SeverityName(severity)},
      {"service", State().service},
      {"message", std::string(message)},
  };
  // Not a structured binding: clang 14 (the sanitizer build) cannot capture one in a lambda.
  for (const auto& field : fields) {
    std::visit([&line, &field](const auto& v) { line[field.first] = v; }, field.second);
  }
  State().logger->log(ToSpdlog(severity),
                      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace casework
