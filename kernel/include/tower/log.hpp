// Minimal structured logging for the kernel and its plugins.
//
// One line per event on stderr: "<iso8601> <LEVEL> <component>: <message>".
// The threshold comes from $TOWER_LOG_LEVEL (debug, info, warn, error;
// default warn) or SetLogLevel().
#ifndef TOWER_LOG_HPP_
#define TOWER_LOG_HPP_

#include <string_view>

namespace tower {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void Log(LogLevel level, std::string_view component, std::string_view message);

}  // namespace tower

#endif  // TOWER_LOG_HPP_
