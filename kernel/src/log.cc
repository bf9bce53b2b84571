#include "tower/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace tower {

namespace {

LogLevel LevelFromEnv() {
  const char* v = std::getenv("TOWER_LOG_LEVEL");
  if (v == nullptr) return LogLevel::kWarn;
  std::string s(v);
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kWarn;
}

std::atomic<int>& Threshold() {
  static std::atomic<int> t{static_cast<int>(LevelFromEnv())};
  return t;
}

}  // namespace

void SetLogLevel(LogLevel level) { Threshold().store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(Threshold().load()); }

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) < Threshold().load(std::memory_order_relaxed)) return;
  static const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fprintf(stderr, "%s.%03dZ %s %.*s: %.*s\n", ts, static_cast<int>(ms.count()),
               kNames[static_cast<int>(level)], static_cast<int>(component.size()),
               component.data(), static_cast<int>(message.size()), message.data());
}

}  // namespace tower
