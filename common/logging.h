// Logging for both services and scrctl: one line per message on stderr,
//   2026-11-27T10:54:53.123456Z I search-service] message
// Thread-safe: each line is written with a single write(2).
#ifndef SCR_COMMON_LOGGING_H_
#define SCR_COMMON_LOGGING_H_

#include <sstream>
#include <string>

#include "absl/strings/string_view.h"

namespace scr::common {

enum class LogSeverity { kInfo, kWarning, kError, kFatal };

// Sets the program name printed on each line. Call once from main.
void SetLogProgramName(absl::string_view name);

// Minimum severity printed; lower ones are dropped. Default kInfo.
void SetMinLogSeverity(LogSeverity severity);

// Writes one line. kFatal aborts the process after writing.
void LogLine(LogSeverity severity, absl::string_view message);

// Collects one message and writes it on destruction.
class LogMessage {
 public:
  explicit LogMessage(LogSeverity severity) : severity_(severity) {}
  ~LogMessage() { LogLine(severity_, stream_.str()); }
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogSeverity severity_;
  std::ostringstream stream_;
};

}  // namespace scr::common

#define SCR_LOG_INFO ::scr::common::LogSeverity::kInfo
#define SCR_LOG_WARNING ::scr::common::LogSeverity::kWarning
#define SCR_LOG_ERROR ::scr::common::LogSeverity::kError
#define SCR_LOG_FATAL ::scr::common::LogSeverity::kFatal

// Usage: SCR_LOG(INFO) << "listening on " << address;
#define SCR_LOG(severity) ::scr::common::LogMessage(SCR_LOG_##severity).stream()

#endif  // SCR_COMMON_LOGGING_H_
