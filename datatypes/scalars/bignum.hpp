// Big-number helpers shared by bigint.cc and decimal.cc.
//
// Encoding (the ABI's BIGINT, also the bigint payload and the tail of the
// decimal payload): a sign byte (0 = +, 1 = -), then the magnitude
// big-endian without leading zero bytes; zero is the single byte 0.
//
// Size limit: every argument and every result must have an encoding of at
// most Call::max_number_bytes() bytes (Options::max_number_size), else
// Overflow and nothing is stored. Operations that could build a huge
// intermediate (multiplication, scaling by a power of ten) check a lower
// bound of the result size before computing it.
#ifndef TOWER_DATATYPES_SCALARS_BIGNUM_HPP_
#define TOWER_DATATYPES_SCALARS_BIGNUM_HPP_

#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "scalars.hpp"

namespace tower::scalars {

using BigInt = boost::multiprecision::cpp_int;

// log2(10), and a lower bound of the bit length of 10^n (n >= 1).
inline constexpr double kLog2Of10 = 3.321928094887362;
inline uint64_t Pow10BitsLowerBound(uint64_t n) {
  double b = std::floor(static_cast<double>(n) * kLog2Of10) - 1;
  return b > 1 ? static_cast<uint64_t>(b) : 1;
}

inline BigInt Abs(const BigInt& v) { return v < 0 ? BigInt(-v) : v; }

// Bit length of |v| (0 for zero).
inline uint64_t BitLength(const BigInt& v) {
  if (v == 0) return 0;
  return v > 0 ? boost::multiprecision::msb(v) + 1 : boost::multiprecision::msb(BigInt(-v)) + 1;
}
// The encoded size of a number with `bits` bits of magnitude.
inline uint64_t EncodedSizeForBits(uint64_t bits) { return 1 + (bits + 7) / 8; }
inline uint64_t EncodedSize(const BigInt& v) { return EncodedSizeForBits(BitLength(v)); }

inline void AppendBigInt(const BigInt& v, std::string* out) {
  out->push_back(v < 0 ? 1 : 0);
  if (v == 0) return;
  std::vector<unsigned char> mag;
  export_bits(Abs(v), std::back_inserter(mag), 8, true);
  size_t i = 0;
  while (i < mag.size() && mag[i] == 0) ++i;
  out->append(reinterpret_cast<const char*>(mag.data()) + i, mag.size() - i);
}
inline std::string EncodeBigInt(const BigInt& v) {
  std::string s;
  AppendBigInt(v, &s);
  return s;
}

// Decodes the encoding; returns "" or why it is malformed. `strict` also
// rejects leading zero bytes (stored values are canonical).
inline std::string DecodeBigInt(std::string_view b, bool strict, BigInt* out) {
  if (b.empty()) return "missing sign byte";
  unsigned char sign = static_cast<unsigned char>(b[0]);
  if (sign > 1) return "bad sign byte " + std::to_string(sign);
  if (strict && b.size() > 1 && b[1] == '\0') return "leading zero byte in the magnitude";
  BigInt v;
  if (b.size() > 1) import_bits(v, b.begin() + 1, b.end(), 8, true);
  if (sign == 1) {
    if (v == 0) return "negative zero";
    v = -v;
  }
  *out = std::move(v);
  return "";
}

// Overflow: `what` would need `bytes` bytes.
inline Error TooBig(const Call& c, const std::string& what, uint64_t bytes) {
  return Error::Make(TOWER_E_OVERFLOW,
                     std::string(c.name()) + ": " + what + " needs " + std::to_string(bytes) +
                         " bytes, more than the limit of " + std::to_string(c.max_number_bytes()) +
                         " bytes (max_number_size); nothing was stored");
}
inline Error CheckBits(const Call& c, uint64_t bits, const std::string& what) {
  uint64_t n = EncodedSizeForBits(bits);
  return n > c.max_number_bytes() ? TooBig(c, what, n) : Error::Ok();
}
inline Error CheckSize(const Call& c, const BigInt& v, const std::string& what) {
  return CheckBits(c, BitLength(v), what);
}

inline BigInt Pow10(uint64_t n) {
  return boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(n));
}

// v × 10^k (k >= 0) when it fits the limit (checked before computing).
inline Error ScaleUp(const Call& c, const BigInt& v, uint64_t k, BigInt* out,
                     const std::string& what) {
  if (v == 0 || k == 0) {
    *out = v;
    return Error::Ok();
  }
  Error e = CheckBits(c, BitLength(v) + Pow10BitsLowerBound(k), what);
  if (!e.ok()) return e;
  *out = v * Pow10(k);
  return CheckSize(c, *out, what);
}

// num / den rounded half to even (den != 0).
inline BigInt DivRoundHalfEven(const BigInt& num, const BigInt& den) {
  BigInt q, r;
  divide_qr(Abs(num), Abs(den), q, r);
  BigInt twice = r * 2;
  BigInt d = Abs(den);
  if (twice > d || (twice == d && bit_test(q, 0))) ++q;
  return (num < 0) != (den < 0) ? BigInt(-q) : q;
}

inline int DigitValue(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'Z') return ch - 'A' + 10;
  return 99;
}

// Parses an optionally signed integer in `base` (2..36). InvalidArgument
// naming the text and the base for bad digits; Overflow (before parsing
// when the digit count alone says so) when it exceeds the limit.
inline Error ParseBigInt(const Call& c, std::string_view text, int base, BigInt* out) {
  auto bad = [&](const std::string& why) {
    return c.invalid("cannot parse '" + std::string(text) + "' as a base-" + std::to_string(base) +
                     " integer: " + why);
  };
  std::string_view t = text;
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  if (t.empty()) return bad("no digits");
  for (char ch : t) {
    if (DigitValue(ch) >= base) return bad(std::string("invalid digit '") + ch + "'");
  }
  while (t.size() > 1 && t[0] == '0') t.remove_prefix(1);
  if (t.size() > 1) {
    double lb = std::floor(static_cast<double>(t.size() - 1) * std::log2(base)) - 1;
    if (lb > 0) {
      Error e = CheckBits(
          c, static_cast<uint64_t>(lb) + 1,
          "the number '" + std::string(text.substr(0, 32)) + (text.size() > 32 ? "...'" : "'"));
      if (!e.ok()) return e;
    }
  }
  // Digits in chunks that fit 64 bits.
  uint64_t chunk_max = UINT64_MAX / static_cast<uint64_t>(base);
  BigInt v;
  size_t i = 0;
  while (i < t.size()) {
    uint64_t acc = 0, mul = 1;
    while (i < t.size() && mul <= chunk_max) {
      acc = acc * static_cast<uint64_t>(base) + static_cast<uint64_t>(DigitValue(t[i]));
      mul *= static_cast<uint64_t>(base);
      ++i;
    }
    v *= mul;
    v += acc;
  }
  if (neg) v = -v;
  Error e = CheckSize(c, v, "the number");
  if (e.ok()) *out = std::move(v);
  return e;
}

// v in `base` (2..36), lower-case digits, '-' for negatives.
inline std::string BigIntToText(const BigInt& v, int base) {
  if (base == 10) return v.str();
  if (v == 0) return "0";
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  uint64_t b = static_cast<uint64_t>(base);
  uint64_t chunk = b;
  int per = 1;
  while (chunk <= UINT64_MAX / b) {
    chunk *= b;
    ++per;
  }
  BigInt m = Abs(v), q, r;
  const BigInt big_chunk(chunk);
  std::string out;  // reversed
  while (m != 0) {
    divide_qr(m, big_chunk, q, r);
    uint64_t part = static_cast<uint64_t>(r);
    m.swap(q);
    for (int k = 0; k < per && (part != 0 || m != 0); ++k) {
      out.push_back(kDigits[part % b]);
      part /= b;
    }
  }
  if (v < 0) out.push_back('-');
  return std::string(out.rbegin(), out.rend());
}

}  // namespace tower::scalars

#endif  // TOWER_DATATYPES_SCALARS_BIGNUM_HPP_
