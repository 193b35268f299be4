#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace scr::common {
namespace {

std::string& ProgramName() {
  static auto* name = new std::string("scr");
  return *name;
}

std::atomic<int> min_severity{0};

char SeverityLetter(LogSeverity s) {
  switch (s) {
    case LogSeverity::kInfo:
      return 'I';
    case LogSeverity::kWarning:
      return 'W';
    case LogSeverity::kError:
      return 'E';
    case LogSeverity::kFatal:
      return 'F';
  }
  return '?';
}

}  // namespace

void SetLogProgramName(absl::string_view name) { ProgramName() = std::string(name); }

void SetMinLogSeverity(LogSeverity severity) { min_severity = static_cast<int>(severity); }

void LogLine(LogSeverity severity, absl::string_view message) {
  if (static_cast<int>(severity) >= min_severity.load()) {
    std::string line = absl::StrCat(
        absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone()), " ",
        std::string(1, SeverityLetter(severity)), " ", ProgramName(), "] ", message, "\n");
    // One write per line keeps concurrent lines whole.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
  }
  if (severity == LogSeverity::kFatal) std::abort();
}

}  // namespace scr::common
