#include "tower/value.hpp"

#include "tower/sdk/text.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace tower {

namespace {

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

// --- Uuid -----------------------------------------------------------------

std::string Uuid::ToString() const { return sdk::uuid_to_text(bytes.data()); }

Result<Uuid> Uuid::Parse(std::string_view text) {
  Uuid u;
  if (!sdk::uuid_from_text(text, u.bytes.data())) {
    return Status::InvalidArgument("bad UUID '" + std::string(text) +
                                   "': want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  }
  return u;
}

// --- Decimal --------------------------------------------------------------

std::string Decimal::ToString() const {
  bool neg = coefficient < 0;
  std::string digits = (neg ? BigInt(-coefficient) : coefficient).str();
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale))
      digits.insert(0, static_cast<size_t>(scale) - digits.size() + 1, '0');
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  } else if (scale < 0 && coefficient != 0) {
    digits.append(static_cast<size_t>(-static_cast<int64_t>(scale)), '0');
  }
  return neg ? "-" + digits : digits;
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  bool neg = false;
  std::string digits;
  int64_t scale = 0;
  if (const char* why = sdk::split_decimal(text, &neg, &digits, &scale)) {
    return Status::InvalidArgument("bad decimal '" + std::string(text) + "': " + why);
  }
  Decimal d;
  d.coefficient = BigInt(digits);
  if (neg) d.coefficient = -d.coefficient;
  d.scale = static_cast<int32_t>(scale);
  return d;
}

// --- Time -------------------------------------------------------------------

std::string Time::ToString() const { return sdk::rfc3339_format(seconds, nanos, offset_seconds); }

Result<Time> Time::Parse(std::string_view text) {
  Time t;
  if (const char* why = sdk::rfc3339_parse(text, &t.seconds, &t.nanos, &t.offset_seconds)) {
    return Status::InvalidArgument("bad RFC 3339 time '" + std::string(text) + "': " + why);
  }
  return t;
}

// --- durations --------------------------------------------------------------

std::string FormatDuration(int64_t ns) {
  // Go's time.Duration.String().
  if (ns == 0) return "0s";
  bool neg = ns < 0;
  uint64_t u = neg ? uint64_t(0) - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  auto frac = [](uint64_t v, int prec) {  // v with `prec` decimals, trailing zeros cut
    std::string whole = std::to_string(v / static_cast<uint64_t>(std::pow(10, prec)));
    std::string f = std::to_string(v % static_cast<uint64_t>(std::pow(10, prec)));
    f.insert(0, static_cast<size_t>(prec) - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    return f.empty() ? whole : whole + "." + f;
  };
  std::string out;
  if (u < 1000) {
    out = std::to_string(u) + "ns";
  } else if (u < 1000000) {
    out = frac(u, 3) + "µs";
  } else if (u < 1000000000) {
    out = frac(u, 6) + "ms";
  } else {
    uint64_t secs = u / 1000000000, sub = u % 1000000000;
    uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
    std::string sec = frac(s * 1000000000 + sub, 9) + "s";
    if (h > 0)
      out = std::to_string(h) + "h" + std::to_string(m) + "m" + sec;
    else if (m > 0)
      out = std::to_string(m) + "m" + sec;
    else
      out = sec;
  }
  return neg ? "-" + out : out;
}

// --- Value ------------------------------------------------------------------

const char* Value::TypeName(Type t) {
  switch (t) {
    case Type::kNull: return "null";
    case Type::kString: return "string";
    case Type::kInt: return "int";
    case Type::kFloat: return "float";
    case Type::kBool: return "bool";
    case Type::kBinary: return "binary";
    case Type::kTimestamp: return "timestamp";
    case Type::kDuration: return "duration";
    case Type::kUuid: return "uuid";
    case Type::kBigInt: return "bigint";
    case Type::kDecimal: return "decimal";
    case Type::kTime: return "time";
    case Type::kArray: return "array";
  }
  return "unknown";
}

std::string Value::ToString() const {
  switch (type()) {
    case Type::kNull: return "null";
    case Type::kString: return as_string();
    case Type::kInt: return std::to_string(as_int());
    case Type::kFloat: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", as_float());
      return buf;
    }
    case Type::kBool: return as_bool() ? "true" : "false";
    case Type::kBinary: {
      std::string s = "0x";
      for (unsigned char c : as_binary().bytes) {
        s.push_back(kHex[c >> 4]);
        s.push_back(kHex[c & 15]);
      }
      return s;
    }
    case Type::kTimestamp: {
      int64_t ns = as_timestamp().ns;
      Time t;
      t.seconds = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
      t.nanos = static_cast<uint32_t>(ns - t.seconds * 1000000000);
      return t.ToString();
    }
    case Type::kDuration: return FormatDuration(as_duration().ns);
    case Type::kUuid: return as_uuid().ToString();
    case Type::kBigInt: return as_bigint().str();
    case Type::kDecimal: return as_decimal().ToString();
    case Type::kTime: return as_time().ToString();
    case Type::kArray: {
      std::string s = "[";
      for (const auto& v : as_array()) {
        if (s.size() > 1) s += ", ";
        s += v.ToString();
      }
      return s + "]";
    }
  }
  return "?";
}

void EncodeBigInt(const BigInt& b, std::string* out) {
  out->push_back(b < 0 ? 1 : 0);
  if (b == 0) return;
  std::vector<unsigned char> mag;
  export_bits(b < 0 ? BigInt(-b) : b, std::back_inserter(mag), 8, true);
  size_t i = 0;
  while (i < mag.size() && mag[i] == 0) ++i;
  out->append(reinterpret_cast<const char*>(mag.data()) + i, mag.size() - i);
}

Result<BigInt> DecodeBigInt(std::string_view bytes) {
  if (bytes.empty() || static_cast<unsigned char>(bytes[0]) > 1) {
    return Status::InvalidArgument("bad big integer encoding: missing or bad sign byte");
  }
  BigInt b;
  if (bytes.size() > 1) {
    import_bits(b, bytes.begin() + 1, bytes.end(), 8, true);
  }
  if (bytes[0] == 1) {
    if (b == 0) return Status::InvalidArgument("bad big integer encoding: negative zero");
    b = -b;
  }
  return b;
}

tower_value ToAbiValue(const Value& v, std::string* scratch) {
  tower_value t{};
  t.type = static_cast<uint32_t>(v.type());
  auto bytes = [&](const std::string& s) { t.bytes = {s.data(), s.size()}; };
  switch (v.type()) {
    case Value::Type::kNull:
    case Value::Type::kArray: break;
    case Value::Type::kString: bytes(v.as_string()); break;
    case Value::Type::kInt: t.i = v.as_int(); break;
    case Value::Type::kFloat: t.f = v.as_float(); break;
    case Value::Type::kBool: t.i = v.as_bool() ? 1 : 0; break;
    case Value::Type::kBinary: bytes(v.as_binary().bytes); break;
    case Value::Type::kTimestamp: t.i = v.as_timestamp().ns; break;
    case Value::Type::kDuration: t.i = v.as_duration().ns; break;
    case Value::Type::kUuid:
      t.bytes = {reinterpret_cast<const char*>(v.as_uuid().bytes.data()), 16};
      break;
    case Value::Type::kBigInt:
      scratch->clear();
      EncodeBigInt(v.as_bigint(), scratch);
      bytes(*scratch);
      break;
    case Value::Type::kDecimal:
      scratch->clear();
      EncodeBigInt(v.as_decimal().coefficient, scratch);
      bytes(*scratch);
      t.aux = v.as_decimal().scale;
      break;
    case Value::Type::kTime:
      t.i = v.as_time().seconds;
      t.nanos = v.as_time().nanos;
      t.aux = v.as_time().offset_seconds;
      break;
  }
  return t;
}

Result<Value> FromAbiValue(const tower_value& t) {
  std::string_view b(t.bytes.data ? t.bytes.data : "", t.bytes.size);
  switch (t.type) {
    case TOWER_VALUE_NULL: return Value();
    case TOWER_VALUE_STRING: return Value(std::string(b));
    case TOWER_VALUE_INT: return Value(t.i);
    case TOWER_VALUE_FLOAT: return Value(t.f);
    case TOWER_VALUE_BOOL: return Value(t.i != 0);
    case TOWER_VALUE_BINARY: return Value(Binary{std::string(b)});
    case TOWER_VALUE_TIMESTAMP: return Value(Timestamp{t.i});
    case TOWER_VALUE_DURATION: return Value(Duration{t.i});
    case TOWER_VALUE_UUID: {
      if (b.size() != 16) return Status::InvalidArgument("a UUID value must have 16 bytes");
      Uuid u;
      std::copy(b.begin(), b.end(), u.bytes.begin());
      return Value(u);
    }
    case TOWER_VALUE_BIGINT: {
      auto v = DecodeBigInt(b);
      if (!v.ok()) return v.status();
      return Value(std::move(*v));
    }
    case TOWER_VALUE_DECIMAL: {
      auto v = DecodeBigInt(b);
      if (!v.ok()) return v.status();
      return Value(Decimal{std::move(*v), t.aux});
    }
    case TOWER_VALUE_TIME:
      if (t.nanos > 999999999) return Status::InvalidArgument("time nanoseconds out of range");
      return Value(Time{t.i, t.nanos, t.aux});
    case TOWER_VALUE_ARRAY: return Value(std::vector<Value>{});
    default: return Status::InvalidArgument("unknown value type " + std::to_string(t.type));
  }
}

}  // namespace tower
