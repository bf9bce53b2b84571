// Small text and calendar helpers shared by the kernel and plugins
// (header-only, no dependencies): key quoting for messages, strict integer
// parsing, the proleptic Gregorian calendar, RFC 3339, UUID text, decimal
// text.
#ifndef TOWER_SDK_TEXT_HPP_
#define TOWER_SDK_TEXT_HPP_

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace tower::sdk {

// `key` quoted for messages: printable ASCII as is, other bytes (and the
// quote and backslash) as \xNN, cut after `max` bytes with "...".
inline std::string quote(std::string_view key, size_t max = 64) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (size_t i = 0; i < key.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (key.size() > max) out += "...";
  return out + "'";
}

// Strict integer parse: the whole text must be one integer that fits T.
template <class T>
bool parse_integer(std::string_view text, T* out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && p == end;
}

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
// Hinnant's public-domain algorithms).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
constexpr void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

// Local date and time-of-day of an instant shown at `offset` seconds.
inline void civil_break_down(int64_t seconds, int32_t offset, int64_t* y, unsigned* mo, unsigned* d,
                             int* h, int* mi, int* s) {
  int64_t local = seconds + offset;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t sod = local - days * 86400;
  civil_from_days(days, y, mo, d);
  *h = static_cast<int>(sod / 3600);
  *mi = static_cast<int>(sod / 60 % 60);
  *s = static_cast<int>(sod % 60);
}

// RFC 3339 text of an instant (seconds since the epoch + nanos) shown at a
// zone offset, with a fraction only when non-zero:
// "2024-02-29T23:30:00.5-05:00", "1970-01-01T00:00:00Z".
inline std::string rfc3339_format(int64_t seconds, uint32_t nanos, int32_t offset) {
  int64_t y;
  unsigned mo, d;
  int h, mi, s;
  civil_break_down(seconds, offset, &y, &mo, &d, &h, &mi, &s);
  char buf[80];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(y), mo, d, h, mi, s);
  std::string out(buf, static_cast<size_t>(n));
  if (nanos != 0) {
    std::snprintf(buf, sizeof buf, ".%09u", nanos);
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  if (offset == 0) {
    out += "Z";
  } else {
    int off = offset < 0 ? -offset : offset;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+', off / 3600,
                  off / 60 % 60);
    out += buf;
  }
  return out;
}

// Parses RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), with up
// to 9 fraction digits and offsets within +-18:00. Returns nullptr, or what
// is wrong.
inline const char* rfc3339_parse(std::string_view text, int64_t* seconds, uint32_t* nanos_out,
                                 int32_t* offset_out) {
  auto num = [&](size_t pos, size_t len, int* v) {
    if (pos + len > text.size()) return false;
    int r = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      r = r * 10 + (text[i] - '0');
    }
    *v = r;
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 20 || !num(0, 4, &y) || text[4] != '-' || !num(5, 2, &mo) || text[7] != '-' ||
      !num(8, 2, &d) || (text[10] != 'T' && text[10] != 't') || !num(11, 2, &h) ||
      text[13] != ':' || !num(14, 2, &mi) || text[16] != ':' || !num(17, 2, &s)) {
    return "want YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM)";
  }
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
      h > 23 || mi > 59 || s > 59) {
    return "field out of range";
  }
  size_t i = 19;
  uint32_t nanos = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (digits < 9) nanos = nanos * 10 + static_cast<uint32_t>(text[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 9) return "fraction must have 1 to 9 digits";
    for (int k = digits; k < 9; ++k) nanos *= 10;
  }
  int32_t offset = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int oh = 0, om = 0;
    if (!num(i + 1, 2, &oh) || i + 3 >= text.size() || text[i + 3] != ':' || !num(i + 4, 2, &om) ||
        om > 59 || oh * 60 + om > 18 * 60) {
      return "bad zone offset (want +HH:MM within +-18:00)";
    }
    offset = (oh * 3600 + om * 60) * (text[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return "missing zone (Z or +HH:MM)";
  }
  if (i != text.size()) return "trailing characters";
  *seconds = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
             h * 3600 + mi * 60 + s - offset;
  *nanos_out = nanos;
  *offset_out = offset;
  return nullptr;
}

// "6ba7b810-9dad-11d1-80b4-00c04fd430c8" (lower case) for 16 bytes.
inline std::string uuid_to_text(const unsigned char* b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 15]);
  }
  return s;
}

// Parses the 36-character form, in either case, optionally {braced} or
// with a "urn:uuid:" prefix, into out[16]. False on anything else.
inline bool uuid_from_text(std::string_view t, unsigned char* out) {
  if (t.starts_with("urn:uuid:")) {
    t.remove_prefix(9);
  } else if (t.size() == 38 && t.front() == '{' && t.back() == '}') {
    t = t.substr(1, 36);
  }
  if (t.size() != 36) return false;
  size_t j = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (t[i] != '-') return false;
      ++i;
      continue;
    }
    int h = hex_digit(t[i]), l = hex_digit(t[i + 1]);
    if (h < 0 || l < 0) return false;
    out[j++] = static_cast<unsigned char>(h * 16 + l);
    i += 2;
  }
  return true;
}

// Splits decimal text ("-19.99", "+3", "0.5") into sign, digits and the
// number of fraction digits. Returns nullptr, or what is wrong.
inline const char* split_decimal(std::string_view t, bool* negative, std::string* digits,
                                 int64_t* scale) {
  *negative = false;
  *scale = 0;
  digits->clear();
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    *negative = t[0] == '-';
    t.remove_prefix(1);
  }
  bool dot = false;
  for (char ch : t) {
    if (ch == '.' && !dot) {
      dot = true;
    } else if (ch >= '0' && ch <= '9') {
      digits->push_back(ch);
      if (dot) ++*scale;
    } else {
      return "expected digits with at most one '.'";
    }
  }
  if (digits->empty()) return "no digits";
  if (*scale > INT32_MAX) return "too many fraction digits";
  return nullptr;
}

}  // namespace tower::sdk

#endif  // TOWER_SDK_TEXT_HPP_
