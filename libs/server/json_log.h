// Structured logs: one JSON object per line on stdout (spdlog underneath), with time, severity,
// service and message plus the fields a call adds (method, code, request id). Callers must never
// pass a token, a contribution's text or anything identifying a client.
#ifndef LIBS_SERVER_JSON_LOG_H_
#define LIBS_SERVER_JSON_LOG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace casework {

enum class LogSeverity { kDebug, kInfo, kWarning, kError };

using LogValue = std::variant<std::string, int64_t, double, bool>;
using LogFields = std::vector<std::pair<std::string, LogValue>>;

// Sets the service name every line carries and the minimum severity ("debug", "info",
// "warning", "error"). Safe to call again (tests).
absl::Status InitJsonLogging(absl::string_view service, absl::string_view min_severity);

bool LogEnabled(LogSeverity severity);
void Log(LogSeverity severity, absl::string_view message, const LogFields& fields = {});

}  // namespace casework

#endif  // LIBS_SERVER_JSON_LOG_H_
