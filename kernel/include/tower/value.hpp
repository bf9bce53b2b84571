// tower::Value: a tagged value — the Go original's PrimitiveData — used
// wherever an operation takes or returns "any primitive", and as the result
// of every command (Db::call).
//
// Types: null, string, int (int64), float (float64), bool, binary,
// timestamp (an instant, ns since the Unix epoch), duration (ns), uuid,
// bigint (arbitrary precision), decimal (bigint coefficient + int32 scale),
// time (an instant plus a zone offset: civil time, RFC 3339), and array
// (results that are lists, e.g. a list range).
#ifndef TOWER_VALUE_HPP_
#define TOWER_VALUE_HPP_

#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tower/sdk/datatype.h"
#include "tower/status.hpp"

namespace tower {

using BigInt = boost::multiprecision::cpp_int;

// Raw bytes, distinct from text.
struct Binary {
  std::string bytes;
  friend bool operator==(const Binary&, const Binary&) = default;
};
// An instant: nanoseconds since 1970-01-01T00:00:00Z.
struct Timestamp {
  int64_t ns = 0;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};
// A signed span of time in nanoseconds.
struct Duration {
  int64_t ns = 0;
  friend auto operator<=>(const Duration&, const Duration&) = default;
};
struct Uuid {
  std::array<uint8_t, 16> bytes{};
  // "6ba7b810-9dad-11d1-80b4-00c04fd430c8" (lower case).
  std::string ToString() const;
  // Accepts the 36-character form, optionally in braces or with "urn:uuid:".
  static Result<Uuid> Parse(std::string_view text);
  int version() const { return bytes[6] >> 4; }
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};
// coefficient × 10^-scale; "19.99" is {1999, 2}.
struct Decimal {
  BigInt coefficient;
  int32_t scale = 0;
  std::string ToString() const;
  static Result<Decimal> Parse(std::string_view text);
  friend bool operator==(const Decimal&, const Decimal&) = default;
};
// Civil time: an instant and the zone offset it is shown in. Years 1..9999
// (RFC 3339); the zero value, as in Go, is 0001-01-01T00:00:00Z.
struct Time {
  static constexpr int64_t kZeroSeconds = -62135596800;  // 0001-01-01T00:00:00Z
  int64_t seconds = kZeroSeconds;  // the instant: seconds since the epoch (UTC)
  uint32_t nanos = 0;              // 0..999,999,999
  int32_t offset_seconds = 0;      // e.g. +09:00 = 32400
  // RFC 3339, with a fraction only when non-zero: "2026-11-25T18:20:31.5+09:00".
  std::string ToString() const;
  // Parses RFC 3339 ("Z" or a ±HH:MM offset, optional fraction up to 9 digits).
  static Result<Time> Parse(std::string_view rfc3339);
  bool is_zero() const { return seconds == kZeroSeconds && nanos == 0; }
  friend bool operator==(const Time&, const Time&) = default;
};

class Value {
 public:
  enum class Type : uint32_t {
    kNull = TOWER_VALUE_NULL,
    kString = TOWER_VALUE_STRING,
    kInt = TOWER_VALUE_INT,
    kFloat = TOWER_VALUE_FLOAT,
    kBool = TOWER_VALUE_BOOL,
    kBinary = TOWER_VALUE_BINARY,
    kTimestamp = TOWER_VALUE_TIMESTAMP,
    kDuration = TOWER_VALUE_DURATION,
    kUuid = TOWER_VALUE_UUID,
    kBigInt = TOWER_VALUE_BIGINT,
    kDecimal = TOWER_VALUE_DECIMAL,
    kTime = TOWER_VALUE_TIME,
    kArray = TOWER_VALUE_ARRAY,
  };

  Value() = default;                                 // null
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT: implicit on purpose
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(int64_t i) : v_(i) {}                        // NOLINT
  Value(int i) : v_(int64_t{i}) {}                   // NOLINT
  Value(double f) : v_(f) {}                         // NOLINT
  Value(bool b) : v_(b) {}                           // NOLINT
  Value(Binary b) : v_(std::move(b)) {}              // NOLINT
  Value(Timestamp t) : v_(t) {}                      // NOLINT
  Value(Duration d) : v_(d) {}                       // NOLINT
  Value(Uuid u) : v_(u) {}                           // NOLINT
  Value(BigInt b) : v_(std::move(b)) {}              // NOLINT
  Value(Decimal d) : v_(std::move(d)) {}             // NOLINT
  Value(Time t) : v_(t) {}                           // NOLINT
  Value(std::vector<Value> a) : v_(std::move(a)) {}  // NOLINT

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  // "string", "int", ... as used in messages and the CLI.
  static const char* TypeName(Type t);
  const char* type_name() const { return TypeName(type()); }

  // Accessors. REQUIRES: the value has that type (check type() first, or use
  // Get<T>(), which returns TypeMismatch instead).
  const std::string& as_string() const { return std::get<std::string>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  bool as_bool() const { return std::get<bool>(v_); }
  const Binary& as_binary() const { return std::get<Binary>(v_); }
  Timestamp as_timestamp() const { return std::get<Timestamp>(v_); }
  Duration as_duration() const { return std::get<Duration>(v_); }
  const Uuid& as_uuid() const { return std::get<Uuid>(v_); }
  const BigInt& as_bigint() const { return std::get<BigInt>(v_); }
  const Decimal& as_decimal() const { return std::get<Decimal>(v_); }
  const Time& as_time() const { return std::get<Time>(v_); }
  const std::vector<Value>& as_array() const { return std::get<std::vector<Value>>(v_); }

  // The value as T, or TypeMismatch naming both types.
  template <class T>
  Result<T> Get() const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    return Status::TypeMismatch(std::string("expected a ") + TypeName(TypeOf<T>()) +
                                " value, got " + type_name());
  }

  // A human-readable rendering: strings as they are, binary as hex, times as
  // RFC 3339, durations as Go prints them ("1h2m3.5s"), arrays as [a, b].
  std::string ToString() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  template <class T>
  static constexpr Type TypeOf() {
    using V = decltype(v_);
    return static_cast<Type>(IndexOf<T, V>());
  }
  template <class T, class V, size_t I = 0>
  static constexpr size_t IndexOf() {
    if constexpr (std::is_same_v<std::variant_alternative_t<I, V>, T>) {
      return I;
    } else {
      return IndexOf<T, V, I + 1>();
    }
  }

  std::variant<std::monostate, std::string, int64_t, double, bool, Binary, Timestamp, Duration,
               Uuid, BigInt, Decimal, Time, std::vector<Value>>
      v_;
};

// For test frameworks and logs: "int 42", "string hello".
inline std::ostream& operator<<(std::ostream& os, const Value& v) {
  return os << v.type_name() << " " << v.ToString();
}

// Go-style duration text: "1h2m3.5s", "150ms", "-2µs", "0s".
std::string FormatDuration(int64_t ns);

// Conversions at the plugin boundary (used by the kernel and test tools).
// Bytes of the result point into `v` (or into `scratch` for big numbers),
// which must outlive the tower_value.
tower_value ToAbiValue(const Value& v, std::string* scratch);
// Copies an ABI value; InvalidArgument when it is malformed (a UUID that is
// not 16 bytes, a big integer with a bad sign byte, an unknown type).
Result<Value> FromAbiValue(const tower_value& v);

// Big integers at the boundary: sign byte (0 = +, 1 = -), then the
// magnitude big-endian without leading zero bytes (zero = just the sign).
void EncodeBigInt(const BigInt& b, std::string* out);
Result<BigInt> DecodeBigInt(std::string_view bytes);

}  // namespace tower

#endif  // TOWER_VALUE_HPP_
