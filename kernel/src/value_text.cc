#include "tower/value_text.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "tower/sdk/text.hpp"

namespace tower {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string Hex(std::string_view bytes) {
  std::string s = "0x";
  for (unsigned char c : bytes) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

Status Bad(std::string_view arg, std::string_view type, std::string_view why) {
  return Status::InvalidArgument("argument " + sdk::quote(arg) + " is not a valid " +
                                 std::string(type) + ": " + std::string(why));
}

Result<Binary> ParseHex(std::string_view arg, std::string_view t) {
  if (t.starts_with("0x") || t.starts_with("0X")) t.remove_prefix(2);
  if (t.size() % 2 != 0) return Bad(arg, "binary", "hex needs an even number of digits");
  Binary b;
  b.bytes.reserve(t.size() / 2);
  for (size_t i = 0; i < t.size(); i += 2) {
    int hi = sdk::hex_digit(t[i]), lo = sdk::hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) return Bad(arg, "binary", "not a hex digit");
    b.bytes.push_back(static_cast<char>(hi << 4 | lo));
  }
  return b;
}

Result<Value> ParseFloat(std::string_view arg, std::string_view t) {
  std::string s(t);
  if (s == "nan" || s == "NaN") return Value(std::numeric_limits<double>::quiet_NaN());
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s[0])))
    return Bad(arg, "float", "expected a number such as 1.5, 1e-3, inf or nan");
  if (errno == ERANGE && std::isinf(d)) return Bad(arg, "float", "out of range");
  return Value(d);
}

Result<Value> ParseTimestamp(std::string_view arg, std::string_view t) {
  int64_t ns;
  if (sdk::parse_integer(t, &ns)) return Value(Timestamp{ns});
  auto time = Time::Parse(t);
  if (!time.ok()) return Bad(arg, "timestamp", time.status().message());
  // seconds within years 1..9999 times 1e9 overflows int64 outside ~1678..2262.
  __int128 total = static_cast<__int128>(time->seconds) * 1000000000 + time->nanos;
  if (total > std::numeric_limits<int64_t>::max() || total < std::numeric_limits<int64_t>::min())
    return Bad(arg, "timestamp", "outside the int64 nanosecond range (years 1678..2262)");
  return Value(Timestamp{static_cast<int64_t>(total)});
}

}  // namespace

bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  return out + "\"";
}

Result<int64_t> ParseDuration(std::string_view text) {
  const std::string_view orig = text;
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("duration " + sdk::quote(orig) + ": " + std::string(why) +
                                   " (examples: 300ms, -1.5h, 2h45m, 10s)");
  };
  bool neg = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    neg = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return int64_t{0};
  if (text.empty()) return bad("empty");
  // Accumulate in __int128 nanoseconds; the fraction is exact to 1 ns.
  __int128 total = 0;
  const __int128 kLimit = static_cast<__int128>(std::numeric_limits<int64_t>::max()) + 1;
  while (!text.empty()) {
    __int128 whole = 0;
    size_t i = 0;
    bool digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      whole = whole * 10 + (text[i++] - '0');
      digits = true;
      if (whole > kLimit) return Status::Overflow("duration " + sdk::quote(orig) + " is too long");
    }
    std::string frac;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        frac.push_back(text[i++]);
        digits = true;
      }
    }
    if (!digits) return bad("expected a number");
    size_t u = i;
    while (u < text.size() && !(text[u] >= '0' && text[u] <= '9') && text[u] != '.') ++u;
    std::string_view unit = text.substr(i, u - i);
    int64_t scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs" || unit == "μs")
      scale = 1000;
    else if (unit == "ms")
      scale = 1000000;
    else if (unit == "s")
      scale = 1000000000;
    else if (unit == "m")
      scale = 60LL * 1000000000;
    else if (unit == "h")
      scale = 3600LL * 1000000000;
    else if (unit.empty())
      return bad("missing unit");
    else
      return bad("unknown unit " + sdk::quote(unit));
    __int128 part = whole * scale;
    // The fraction, truncated to whole nanoseconds as Go does.
    __int128 f = 0, div = 1;
    for (char c : frac) {
      if (div > scale) break;
      f = f * 10 + (c - '0');
      div *= 10;
    }
    part += f * scale / div;
    total += part;
    if (total > kLimit) return Status::Overflow("duration " + sdk::quote(orig) + " is too long");
    text.remove_prefix(u);
  }
  if (neg) total = -total;
  if (total > std::numeric_limits<int64_t>::max())
    return Status::Overflow("duration " + sdk::quote(orig) + " is too long");
  return static_cast<int64_t>(total);
}

Result<Value> ParseValueArg(std::string_view arg) {
  if (arg == "null") return Value();
  size_t colon = arg.find(':');
  if (colon == std::string_view::npos) return Value(std::string(arg));
  std::string_view type = arg.substr(0, colon), t = arg.substr(colon + 1);
  if (type == "str") return Value(std::string(t));
  if (type == "int") {
    int64_t i;
    if (!sdk::parse_integer(t, &i))
      return Bad(arg, "int", "expected an integer within the int64 range");
    return Value(i);
  }
  if (type == "float") return ParseFloat(arg, t);
  if (type == "bool") {
    if (t == "true" || t == "1") return Value(true);
    if (t == "false" || t == "0") return Value(false);
    return Bad(arg, "bool", "expected true, false, 1 or 0");
  }
  if (type == "bin") {
    auto b = ParseHex(arg, t);
    if (!b.ok()) return b.status();
    return Value(std::move(*b));
  }
  if (type == "ts") return ParseTimestamp(arg, t);
  if (type == "dur") {
    int64_t ns;
    if (sdk::parse_integer(t, &ns)) return Value(Duration{ns});
    auto d = ParseDuration(t);
    if (!d.ok()) return Bad(arg, "duration", d.status().message());
    return Value(Duration{*d});
  }
  if (type == "uuid") {
    auto u = Uuid::Parse(t);
    if (!u.ok()) return Bad(arg, "uuid", u.status().message());
    return Value(*u);
  }
  if (type == "bigint") {
    std::string_view digits = t;
    bool neg = !digits.empty() && digits[0] == '-';
    if (neg || (!digits.empty() && digits[0] == '+')) digits.remove_prefix(1);
    bool hex = digits.starts_with("0x") || digits.starts_with("0X");
    std::string_view body = hex ? digits.substr(2) : digits;
    bool ok = !body.empty();
    for (char c : body) ok = ok && (hex ? sdk::hex_digit(c) >= 0 : (c >= '0' && c <= '9'));
    if (!ok) return Bad(arg, "bigint", "expected decimal digits or 0x and hex digits");
    BigInt b{std::string(digits)};
    if (neg) b = -b;
    return Value(std::move(b));
  }
  if (type == "dec") {
    auto d = Decimal::Parse(t);
    if (!d.ok()) return Bad(arg, "decimal", d.status().message());
    return Value(std::move(*d));
  }
  if (type == "time") {
    auto tm = Time::Parse(t);
    if (!tm.ok()) return Bad(arg, "time", tm.status().message());
    return Value(*tm);
  }
  return Value(std::string(arg));  // "a:b" with no known type: a string
}

std::string ValueToJson(const Value& v) {
  auto obj = [&](std::string_view value_json) {
    return std::string("{\"type\":\"") + v.type_name() + "\",\"value\":" + std::string(value_json) +
           "}";
  };
  using T = Value::Type;
  switch (v.type()) {
    case T::kNull: return "{\"type\":\"null\"}";
    case T::kString:
      if (!IsUtf8(v.as_string()))
        return "{\"type\":\"string\",\"hex\":\"" + Hex(v.as_string()) + "\"}";
      return obj(JsonQuote(v.as_string()));
    case T::kInt: return obj(std::to_string(v.as_int()));
    case T::kFloat: {
      double d = v.as_float();
      if (std::isnan(d)) return obj("\"NaN\"");
      if (std::isinf(d)) return obj(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return obj(buf);
    }
    case T::kBool: return obj(v.as_bool() ? "true" : "false");
    case T::kBinary: return obj("\"" + Hex(v.as_binary().bytes) + "\"");
    case T::kTimestamp: return obj(std::to_string(v.as_timestamp().ns));
    case T::kDuration: return obj(std::to_string(v.as_duration().ns));
    case T::kUuid:
    case T::kBigInt:
    case T::kDecimal:
    case T::kTime: return obj(JsonQuote(v.ToString()));
    case T::kArray: {
      std::string s = "[";
      for (const auto& e : v.as_array()) {
        if (s.size() > 1) s += ",";
        s += ValueToJson(e);
      }
      return obj(s + "]");
    }
  }
  return obj("null");
}

}  // namespace tower
