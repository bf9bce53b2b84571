// Small text and calendar helpers shared by the kernel and plugins
// (header-only, no dependencies): key quoting for messages, strict integer
// parsing, the proleptic Gregorian calendar, UUID text, decimal text.
#ifndef TOWER_SDK_TEXT_HPP_
#define TOWER_SDK_TEXT_HPP_

#include <charconv>
#include <cstdint>
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
