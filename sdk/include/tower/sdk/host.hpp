// Host-side C++ helpers for the Tower ABI (header-only): sinks that collect
// plugin output into std::string, and small adapters used by the kernel and
// by test runners that drive a plugin table directly.
#ifndef TOWER_SDK_HOST_HPP_
#define TOWER_SDK_HOST_HPP_

#include <string>
#include <string_view>

#include "tower/sdk/abi.h"
#include "tower/sdk/backend.h"

namespace tower::sdk {

// A tower_sink that assigns into a std::string it does not own.
struct StringSink {
  explicit StringSink(std::string* target) : sink{target, &assign} {}
  static void assign(void* ctx, const char* data, size_t size) {
    static_cast<std::string*>(ctx)->assign(data, size);
  }
  tower_sink sink;
};

// A tower_sink holding an error message.
struct ErrorSink {
  ErrorSink() : sink{&message, &StringSink::assign} {}
  ErrorSink(const ErrorSink&) = delete;
  ErrorSink& operator=(const ErrorSink&) = delete;
  std::string message;
  tower_sink sink;
};

// Fills a tower_read_options with defaults.
inline tower_read_options default_read_options() {
  return tower_read_options{sizeof(tower_read_options), 0, nullptr, {nullptr, 0}, {nullptr, 0}};
}

// A human-readable name for a TOWER_* code.
inline const char* code_name(int32_t code) {
  switch (code) {
    case TOWER_OK: return "OK";
    case TOWER_E_NOT_FOUND: return "NotFound";
    case TOWER_E_ALREADY_EXISTS: return "AlreadyExists";
    case TOWER_E_TYPE_MISMATCH: return "TypeMismatch";
    case TOWER_E_INVALID_ARGUMENT: return "InvalidArgument";
    case TOWER_E_OVERFLOW: return "Overflow";
    case TOWER_E_CORRUPTION: return "Corruption";
    case TOWER_E_IO_ERROR: return "IOError";
    case TOWER_E_NOT_SUPPORTED: return "NotSupported";
    case TOWER_E_AUTH_FAILED: return "AuthFailed";
    case TOWER_E_BUSY: return "Busy";
    case TOWER_E_TIMEOUT: return "Timeout";
    case TOWER_E_ABORTED: return "Aborted";
    case TOWER_E_INTERNAL: return "Internal";
    case TOWER_E_INCOMPATIBLE: return "Incompatible";
    default: return "Unknown";
  }
}

}  // namespace tower::sdk

#endif  // TOWER_SDK_HOST_HPP_
