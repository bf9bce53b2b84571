// decimal: exact decimal numbers, coefficient × 10^-scale (a cpp_int
// coefficient and an int32 scale; "19.99" is {1999, 2}).
//
// Payload: be32 scale (int32) then the coefficient in the bigint encoding
// (bignum.hpp). At the boundary a DECIMAL value has bytes = the coefficient's
// bigint encoding and aux = the scale.
//
// Results and rounding:
//   add/sub  exact; result scale = max of the two scales.
//   mul      exact; result scale = sum of the scales (Overflow outside int32).
//   div      rounded half to even (banker's rounding) to RESULT_SCALE places
//            (0..1000); division by zero is InvalidArgument.
//   set_from_float  the double's exact binary value (frexp/ldexp, no printf)
//            rounded half to even to SCALE places (0..1000); NaN and
//            infinities are InvalidArgument. 2.675 gives 2.67 at scale 2 (the
//            double is 2.67499999...), 0.125 gives 0.12, 2.5 gives 2 at 0.
//   get_as_float  the nearest double, correctly rounded (ties to even),
//            computed exactly from the coefficient and the power of ten;
//            values beyond the double range are Overflow, values below half
//            the smallest subnormal give (signed) 0.
//   cmp      numeric, independent of the scale (1.50 == 1.5).
//   to_text  "19.99", "-0.05", "0"; a negative scale appends zeros.
// Size limit: the coefficient's encoding (of every argument, every result
// and every power-of-ten-aligned operand) must fit max_number_bytes(), else
// Overflow and nothing is stored.
#include <cmath>
#include <limits>

#include "bignum.hpp"

namespace tower::scalars {

namespace {

struct Dec {
  BigInt c;
  int32_t s = 0;
};

constexpr int64_t kMaxRoundScale = 1000;

std::string EncodeDec(const Dec& d) {
  std::string p(4, '\0');
  uint32_t u = static_cast<uint32_t>(d.s);
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(u >> (24 - 8 * i));
  AppendBigInt(d.c, &p);
  return p;
}

Error ParseDec(const Call& c, std::string_view text, Dec* out) {
  auto bad = [&](const std::string& why) {
    return c.invalid("cannot parse '" + std::string(text) + "' as a decimal: " + why);
  };
  bool neg = false;
  std::string digits;
  int64_t scale = 0;
  if (const char* why = sdk::split_decimal(text, &neg, &digits, &scale)) return bad(why);
  Dec d;
  Error e = ParseBigInt(c, digits, 10, &d.c);
  if (!e.ok()) return e;
  if (neg) d.c = -d.c;
  d.s = static_cast<int32_t>(scale);
  *out = std::move(d);
  return Error::Ok();
}

// Argument i: DECIMAL, or STRING text when `text` is set.
Error DecArg(const Call& c, size_t i, bool text, Dec* out) {
  const tower_value& v = c.arg(i);
  if (v.type == TOWER_VALUE_DECIMAL) {
    std::string_view b = sdk::view(v.bytes);
    if (b.size() > c.max_number_bytes()) {
      return TooBig(c, "argument " + std::to_string(i + 1), b.size());
    }
    std::string why = DecodeBigInt(b, /*strict=*/false, &out->c);
    if (!why.empty()) return c.invalid("argument " + std::to_string(i + 1) + ": " + why);
    out->s = v.aux;
    return Error::Ok();
  }
  if (text && v.type == TOWER_VALUE_STRING) return ParseDec(c, sdk::view(v.bytes), out);
  return c.invalid("argument " + std::to_string(i + 1) + " must be decimal" +
                   (text ? std::string(" or string") : std::string()) + ", got " +
                   sdk::value_type_name(v.type));
}

Error ScaleArg(const Call& c, size_t i, int32_t* out) {
  int64_t s = 0;
  Error e = c.get_int(i, &s);
  if (!e.ok()) return e;
  if (s < 0 || s > kMaxRoundScale) {
    return c.invalid("scale " + std::to_string(s) + " is outside 0.." +
                     std::to_string(kMaxRoundScale));
  }
  *out = static_cast<int32_t>(s);
  return Error::Ok();
}

// Both operands at the larger scale.
Error Align(const Call& c, const Dec& a, const Dec& b, BigInt* x, BigInt* y, int32_t* s) {
  *s = std::max(a.s, b.s);
  Error e = ScaleUp(c, a.c, static_cast<uint64_t>(int64_t{*s} - a.s), x, "the aligned operand");
  if (e.ok())
    e = ScaleUp(c, b.c, static_cast<uint64_t>(int64_t{*s} - b.s), y, "the aligned operand");
  return e;
}

Error Mul(const Call& c, const Dec& a, const Dec& b, Dec* out) {
  int64_t s = int64_t{a.s} + b.s;
  if (s < std::numeric_limits<int32_t>::min() || s > std::numeric_limits<int32_t>::max()) {
    return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": the result scale " +
                                             std::to_string(s) + " overflows int32");
  }
  if (a.c != 0 && b.c != 0) {
    Error e = CheckBits(c, BitLength(a.c) + BitLength(b.c) - 1, "the product");
    if (!e.ok()) return e;
  }
  out->c = a.c * b.c;
  out->s = static_cast<int32_t>(s);
  return Error::Ok();
}

// a / b rounded half to even to `rs` places:
// round(A × 10^(rs + sb - sa) / B).
Error Div(const Call& c, const Dec& a, const Dec& b, int32_t rs, Dec* out) {
  if (b.c == 0) return c.invalid("division by zero");
  out->s = rs;
  if (a.c == 0) {
    out->c = 0;
    return Error::Ok();
  }
  int64_t e = int64_t{rs} + b.s - a.s;
  uint64_t ba = BitLength(a.c), bb = BitLength(b.c);
  if (e >= 0) {
    uint64_t k = static_cast<uint64_t>(e);
    // |quotient| >= 2^(bits(num) - bits(den) - 1)
    uint64_t num_lb = ba + (k > 0 ? Pow10BitsLowerBound(k) : 0);
    if (num_lb > bb + 1) {
      Error err = CheckBits(c, num_lb - bb - 1, "the quotient");
      if (!err.ok()) return err;
    }
    BigInt num = k > 0 ? BigInt(a.c * Pow10(k)) : a.c;
    out->c = DivRoundHalfEven(num, b.c);
  } else {
    uint64_t k = static_cast<uint64_t>(-e);
    // |num / den| < 2^(bits(a) - bits(den) + 1) <= 1/4 rounds to 0.
    if (bb + Pow10BitsLowerBound(k) > ba + 2) {
      out->c = 0;
      return Error::Ok();
    }
    out->c = DivRoundHalfEven(a.c, b.c * Pow10(k));
  }
  return CheckSize(c, out->c, "the quotient");
}

// -1, 0, 1 comparing |x|×10^-sx with |y|×10^-sy (x, y > 0).
int CmpMag(const BigInt& x, int32_t sx, const BigInt& y, int32_t sy) {
  if (sx == sy) return x < y ? -1 : (x > y ? 1 : 0);
  // log2 of the values lies in [bits - 1 - s×log2(10), bits - s×log2(10)).
  double lx = static_cast<double>(BitLength(x)) - sx * kLog2Of10;
  double ly = static_cast<double>(BitLength(y)) - sy * kLog2Of10;
  if (lx - 1 > ly + 2) return 1;
  if (ly - 1 > lx + 2) return -1;
  // Close in magnitude: the scale difference is small, align exactly.
  if (sx < sy) {
    BigInt x2 = x * Pow10(static_cast<uint64_t>(int64_t{sy} - sx));
    return x2 < y ? -1 : (x2 > y ? 1 : 0);
  }
  BigInt y2 = y * Pow10(static_cast<uint64_t>(int64_t{sx} - sy));
  return x < y2 ? -1 : (x > y2 ? 1 : 0);
}

int CmpDec(const Dec& a, const Dec& b) {
  int sa = a.c.sign(), sb = b.c.sign();
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int m = CmpMag(Abs(a.c), a.s, Abs(b.c), b.s);
  return sa > 0 ? m : -m;
}

// num / den (both > 0) correctly rounded to a double (ties to even),
// including subnormals; +inf when it is beyond the range.
double RatioToDouble(const BigInt& num, const BigInt& den) {
  int64_t e = static_cast<int64_t>(BitLength(num)) - static_cast<int64_t>(BitLength(den));
  int64_t sh = 56 - e;  // q = floor(num × 2^sh / den) has 55..57 bits
  BigInt n2 = sh >= 0 ? BigInt(num << static_cast<unsigned>(sh)) : num;
  BigInt d2 = sh >= 0 ? den : BigInt(den << static_cast<unsigned>(-sh));
  BigInt q, r;
  divide_qr(n2, d2, q, r);
  bool sticky = r != 0;
  int64_t qbits = static_cast<int64_t>(BitLength(q));
  int64_t exp2 = qbits - 1 - sh;  // value in [2^exp2, 2^(exp2+1))
  if (exp2 > 1023) return std::numeric_limits<double>::infinity();
  int64_t keep = 53;
  if (exp2 < -1022) keep = 53 - (-1022 - exp2);
  if (keep < 0) return 0.0;     // below half the smallest subnormal
  int64_t drop = qbits - keep;  // >= 2
  BigInt m = q >> static_cast<unsigned>(drop);
  BigInt rest = q - (m << static_cast<unsigned>(drop));
  BigInt half = BigInt(1) << static_cast<unsigned>(drop - 1);
  if (rest > half || (rest == half && (sticky || bit_test(m, 0)))) ++m;
  return std::ldexp(static_cast<double>(m), static_cast<int>(drop - sh));
}

Error ToDouble(const Call& c, const Dec& d, double* out) {
  if (d.c == 0) {
    *out = 0.0;
    return Error::Ok();
  }
  BigInt mag = Abs(d.c);
  double l = static_cast<double>(BitLength(mag)) - d.s * kLog2Of10;
  auto too_big = [&] {
    return Error::Make(TOWER_E_OVERFLOW,
                       std::string(c.name()) + ": the value is beyond the range of a float");
  };
  double r = 0.0;
  if (l - 1 > 1030) return too_big();
  if (l < -1080) {
    r = 0.0;
  } else if (d.s <= 0) {
    r = RatioToDouble(mag * Pow10(static_cast<uint64_t>(-int64_t{d.s})), BigInt(1));
  } else {
    r = RatioToDouble(mag, Pow10(static_cast<uint64_t>(d.s)));
  }
  if (std::isinf(r)) return too_big();
  *out = d.c < 0 ? -r : r;
  return Error::Ok();
}

Error FromDouble(const Call& c, double f, int32_t scale, Dec* out) {
  if (!std::isfinite(f)) return c.invalid("cannot convert a NaN or infinity to a decimal");
  out->s = scale;
  if (f == 0) {
    out->c = 0;
    return Error::Ok();
  }
  int exp = 0;
  double m = std::frexp(std::fabs(f), &exp);             // |f| = m × 2^exp, m in [0.5, 1)
  BigInt mant(static_cast<int64_t>(std::ldexp(m, 53)));  // exact: 53 bits
  int64_t e2 = int64_t{exp} - 53;
  BigInt num = mant * Pow10(static_cast<uint64_t>(scale));
  BigInt r = e2 >= 0 ? BigInt(num << static_cast<unsigned>(e2))
                     : DivRoundHalfEven(num, BigInt(1) << static_cast<unsigned>(-e2));
  out->c = f < 0 ? BigInt(-r) : r;
  return CheckSize(c, out->c, "the result");
}

Error ToText(const Call& c, const Dec& d, std::string* out) {
  // Guard the length: a huge scale would mean a huge run of zeros.
  uint64_t limit = 3 * c.max_number_bytes() + 1024;
  uint64_t digits_ub = BitLength(d.c) * 30103 / 100000 + 2;
  uint64_t zeros = d.c == 0 ? 0 : static_cast<uint64_t>(d.s < 0 ? -int64_t{d.s} : int64_t{d.s});
  if (d.s > 0) zeros = static_cast<uint64_t>(d.s);
  if (digits_ub + zeros > limit) {
    return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": the text would exceed " +
                                             std::to_string(limit) + " characters");
  }
  bool neg = d.c < 0;
  std::string digits = Abs(d.c).str();
  if (d.s > 0) {
    size_t s = static_cast<size_t>(d.s);
    if (digits.size() <= s) digits.insert(0, s - digits.size() + 1, '0');
    digits.insert(digits.size() - s, ".");
  } else if (d.s < 0 && d.c != 0) {
    digits.append(static_cast<size_t>(-int64_t{d.s}), '0');
  }
  *out = neg ? "-" + digits : digits;
  return Error::Ok();
}

}  // namespace

void DefineDecimal(DatatypeBuilder& b) {
  const uint32_t kType = b.type("decimal", 1);
  auto read = [kType](const Call& c, Dec* d) {
    std::string p;
    Error e = c.read(c.key(), kType, &p);
    if (!e.ok()) return e;
    auto corrupt = [&](const std::string& why) {
      return Error::Make(TOWER_E_CORRUPTION,
                         "value of key '" + std::string(c.key()) + "' is corrupt: " + why);
    };
    if (p.size() < 5) return corrupt("want at least 5 bytes, found " + std::to_string(p.size()));
    uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(p[i]);
    d->s = static_cast<int32_t>(u);
    std::string why = DecodeBigInt(std::string_view(p).substr(4), /*strict=*/true, &d->c);
    return why.empty() ? Error::Ok() : corrupt(why);
  };
  auto result = [](const Call& c, const Dec& d) {
    c.set_bytes(TOWER_VALUE_DECIMAL, EncodeBigInt(d.c), d.s);
  };
  auto store = [kType, result](const Call& c, const Dec& d, bool keep_ttl) {
    Error e = CheckSize(c, d.c, "the result");
    if (e.ok()) e = c.write(c.key(), kType, EncodeDec(d), keep_ttl);
    if (e.ok()) result(c, d);
    return e;
  };
  // KEY X:decimal -> f(current, x) stored and returned.
  auto binary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY X:decimal", summary, kWrite, 2, 2}, [read, store, f](Call& c) {
      Dec cur, x, out;
      Error e = DecArg(c, 1, false, &x);
      if (e.ok()) e = read(c, &cur);
      if (e.ok()) e = f(c, cur, x, &out);
      return e.ok() ? store(c, out, true) : e;
    });
  };

  b.command({"decimal.set", "KEY VALUE:decimal|string", "stores VALUE (text like \"19.99\")",
             kWrite, 2, 2},
            [kType](Call& c) {
              Dec d;
              Error e = DecArg(c, 1, true, &d);
              if (e.ok()) e = c.write(c.key(), kType, EncodeDec(d));
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"decimal.get", "KEY", "returns the decimal", kRead, 1, 1}, [read, result](Call& c) {
    Dec d;
    Error e = read(c, &d);
    if (e.ok()) result(c, d);
    return e;
  });
  b.command({"decimal.set_from_float", "KEY F:float SCALE:int",
             "stores F rounded half to even to SCALE (0..1000) places; returns it", kWrite, 3, 3},
            [store](Call& c) {
              double f = 0;
              int32_t scale = 0;
              Dec d;
              Error e = c.get_float(1, &f);
              if (e.ok()) e = ScaleArg(c, 2, &scale);
              if (e.ok()) e = FromDouble(c, f, scale, &d);
              return e.ok() ? store(c, d, false) : e;
            });
  b.command({"decimal.get_as_float", "KEY", "the nearest float (correctly rounded)", kRead, 1, 1},
            [read](Call& c) {
              Dec d;
              double f = 0;
              Error e = read(c, &d);
              if (e.ok()) e = ToDouble(c, d, &f);
              if (e.ok()) c.set_float(f);
              return e;
            });
  binary("decimal.add", "adds X (result scale: the larger); returns the new value",
         [](const Call& c, const Dec& a, const Dec& x, Dec* o) {
           BigInt p, q;
           Error e = Align(c, a, x, &p, &q, &o->s);
           if (e.ok()) o->c = p + q;
           return e;
         });
  binary("decimal.sub", "subtracts X (result scale: the larger); returns the new value",
         [](const Call& c, const Dec& a, const Dec& x, Dec* o) {
           BigInt p, q;
           Error e = Align(c, a, x, &p, &q, &o->s);
           if (e.ok()) o->c = p - q;
           return e;
         });
  binary("decimal.mul", "multiplies by X (result scale: the sum); returns the new value",
         [](const Call& c, const Dec& a, const Dec& x, Dec* o) { return Mul(c, a, x, o); });
  b.command({"decimal.div", "KEY X:decimal RESULT_SCALE:int",
             "divides by X, rounded half to even to RESULT_SCALE (0..1000) places; returns it",
             kWrite, 3, 3},
            [read, store](Call& c) {
              Dec cur, x, out;
              int32_t rs = 0;
              Error e = DecArg(c, 1, false, &x);
              if (e.ok()) e = ScaleArg(c, 2, &rs);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) e = Div(c, cur, x, rs, &out);
              return e.ok() ? store(c, out, true) : e;
            });
  b.command({"decimal.cmp", "KEY X:decimal",
             "-1, 0 or 1 as the value is less than, equal to or greater than X (numerically)",
             kRead, 2, 2},
            [read](Call& c) {
              Dec cur, x;
              Error e = DecArg(c, 1, false, &x);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) c.set_int(CmpDec(cur, x));
              return e;
            });
  b.command({"decimal.to_text", "KEY", "the value as text (\"19.99\", \"-0.05\")", kRead, 1, 1},
            [read](Call& c) {
              Dec d;
              std::string s;
              Error e = read(c, &d);
              if (e.ok()) e = ToText(c, d, &s);
              if (e.ok()) c.set_string(s);
              return e;
            });
  b.command(
      {"decimal.from_text", "KEY TEXT:string", "parses TEXT, stores and returns it", kWrite, 2, 2},
      [store](Call& c) {
        std::string_view text;
        Dec d;
        Error e = c.get_bytes(1, TOWER_VALUE_STRING, &text);
        if (e.ok()) e = ParseDec(c, text, &d);
        return e.ok() ? store(c, d, false) : e;
      });
}

}  // namespace tower::scalars
