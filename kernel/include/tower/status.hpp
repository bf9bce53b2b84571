// Status and Result<T>: how every Tower call reports success or failure.
//
// A Status is a code plus a message that names the key, option, type or file
// involved. Codes share their numbers with the C ABI (TOWER_E_* in
// tower/sdk/abi.h), so a plugin's error crosses the boundary unchanged.
// Nothing in Tower's public API throws for an expected failure.
#ifndef TOWER_STATUS_HPP_
#define TOWER_STATUS_HPP_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "tower/sdk/abi.h"

namespace tower {

enum class Code : int32_t {
  kOk = TOWER_OK,
  kNotFound = TOWER_E_NOT_FOUND,
  kAlreadyExists = TOWER_E_ALREADY_EXISTS,
  kTypeMismatch = TOWER_E_TYPE_MISMATCH,
  kInvalidArgument = TOWER_E_INVALID_ARGUMENT,
  kOverflow = TOWER_E_OVERFLOW,
  kCorruption = TOWER_E_CORRUPTION,
  kIOError = TOWER_E_IO_ERROR,
  kNotSupported = TOWER_E_NOT_SUPPORTED,
  kAuthFailed = TOWER_E_AUTH_FAILED,
  kBusy = TOWER_E_BUSY,
  kTimeout = TOWER_E_TIMEOUT,
  kAborted = TOWER_E_ABORTED,
  kInternal = TOWER_E_INTERNAL,
  kIncompatible = TOWER_E_INCOMPATIBLE,
};

// The code's name, e.g. "NotFound".
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status TypeMismatch(std::string m) { return {Code::kTypeMismatch, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Overflow(std::string m) { return {Code::kOverflow, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status NotSupported(std::string m) { return {Code::kNotSupported, std::move(m)}; }
  static Status AuthFailed(std::string m) { return {Code::kAuthFailed, std::move(m)}; }
  static Status Busy(std::string m) { return {Code::kBusy, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Incompatible(std::string m) { return {Code::kIncompatible, std::move(m)}; }
  // From a C ABI code (unknown codes become Internal).
  static Status FromAbi(int32_t code, std::string message);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // "NotFound: key 'x' not found"; "OK" when ok.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

// A value or the Status explaining why there is none.
// REQUIRES: value() only when ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::Internal("Result built from an OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  // The value, or `fallback` when not ok.
  T value_or(T fallback) const { return ok() ? *value_ : std::move(fallback); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace tower

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define TOWER_RETURN_IF_ERROR(expr) \
  do {                              \
    ::tower::Status _st = (expr);   \
    if (!_st.ok()) return _st;      \
  } while (0)

#endif  // TOWER_STATUS_HPP_
