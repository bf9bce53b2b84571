// float: IEEE-754 binary64. Payload: the 8 bytes of the double's bit
// pattern, big-endian (so NaN payloads, infinities and -0.0 round-trip).
//
// NaN, infinities and -0.0, operation by operation:
//   float.set / float.swap   store any double as is: NaN, +-inf and -0.0 too.
//   float.get                returns the stored bits (NaN stays NaN, -0.0 stays -0.0).
//   float.add/sub/mul/div    IEEE arithmetic, with two exceptions:
//                              - div by +0.0 or -0.0 is InvalidArgument "division by zero";
//                              - a non-finite result (inf or NaN) from two FINITE operands
//                                (e.g. 1e308 * 10) is Overflow and nothing is stored.
//                            With a non-finite operand the IEEE result is stored, e.g.
//                            inf + 1 = inf, inf - inf = NaN, NaN * 2 = NaN, 1 / inf = 0.
//                            Signs of zero follow IEEE: -0.0 + -0.0 = -0.0, 0 * -1 = -0.0.
//   float.neg / float.abs    flip / clear the sign bit: neg(0.0) = -0.0, abs(-0.0) = 0.0,
//                            neg(inf) = -inf, abs(-inf) = inf, NaN stays NaN.
//   float.compare            -1/0/1; -0.0 and +0.0 compare equal (0); -inf < every finite
//                            value < inf; a NaN on either side is InvalidArgument
//                            "NaN is unordered".
//   float.set_if_greater/less  a NaN VALUE, or a NaN stored value, is InvalidArgument
//                            "NaN is unordered" (nothing stored). -0.0 is not less than
//                            +0.0, so replacing one zero by the other never happens.
//   float.set_if_equal       compare-and-swap with IEEE ==: -0.0 equals +0.0, NaN never
//                            equals anything (not even a NaN), so a NaN value can only be
//                            replaced by float.set / float.swap. NEW may be NaN or inf.
//   float.clamp              MIN > MAX or a NaN bound is InvalidArgument; infinite bounds are
//                            fine. A NaN stored value stays NaN (it is stored back, unchanged).
//   float.min / float.max    IEEE 754-2019 minimumNumber / maximumNumber (C fmin/fmax):
//                            a NaN operand is ignored (min(NaN, x) = x; min(x, NaN) = x) and
//                            the result is NaN only when both are NaN. For zeros,
//                            min(-0.0, +0.0) = -0.0 and max(-0.0, +0.0) = +0.0.
#include <charconv>
#include <cmath>

#include "scalars.hpp"

namespace tower::scalars {

namespace {

std::string EncodeF64(double d) {
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  return EncodeU64(bits);
}

std::string Fmt(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

Error FloatOverflow(const Call& c, const std::string& what) {
  return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": " + what +
                                           " overflows float64 (key '" + std::string(c.key()) +
                                           "'; the stored value is unchanged)");
}

Error Unordered(const Call& c) { return c.invalid("NaN is unordered"); }

// A finite-inputs check for arithmetic results.
Error Checked(const Call& c, double a, double x, double r, const char* op, double* out) {
  if (std::isfinite(a) && std::isfinite(x) && !std::isfinite(r)) {
    return FloatOverflow(c, Fmt(a) + " " + op + " " + Fmt(x));
  }
  *out = r;
  return Error::Ok();
}

}  // namespace

void DefineFloat(DatatypeBuilder& b) {
  const uint32_t kType = b.type("float", 1);
  auto read = [kType](const Call& c, double* v) {
    std::string p;
    Error e = c.read(c.key(), kType, &p);
    if (!e.ok()) return e;
    if (p.size() != 8) {
      return Error::Make(TOWER_E_CORRUPTION, "value of key '" + std::string(c.key()) +
                                                 "' is corrupt: want 8 bytes, found " +
                                                 std::to_string(p.size()));
    }
    uint64_t bits = DecodeU64(p);
    std::memcpy(v, &bits, sizeof bits);
    return Error::Ok();
  };
  auto store = [kType](const Call& c, double v) {
    Error e = c.write(c.key(), kType, EncodeF64(v), /*keep_ttl=*/true);
    if (e.ok()) c.set_float(v);
    return e;
  };
  // KEY X:float -> f(current, x) stored and returned.
  auto binary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY X:float", summary, kWrite, 2, 2}, [read, store, f](Call& c) {
      double cur = 0, x = 0;
      Error e = c.get_float(1, &x);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      double out = 0;
      e = f(c, cur, x, &out);
      return e.ok() ? store(c, out) : e;
    });
  };
  // KEY -> f(current) stored and returned.
  auto unary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY", summary, kWrite, 1, 1}, [read, store, f](Call& c) {
      double cur = 0;
      Error e = read(c, &cur);
      return e.ok() ? store(c, f(cur)) : e;
    });
  };

  b.command(
      {"float.set", "KEY VALUE:float", "stores VALUE (NaN and infinities included)", kWrite, 2, 2},
      [kType](Call& c) {
        double v = 0;
        Error e = c.get_float(1, &v);
        if (e.ok()) e = c.write(c.key(), kType, EncodeF64(v));
        if (e.ok()) c.set_null();
        return e;
      });
  b.command({"float.get", "KEY", "returns the float", kRead, 1, 1}, [read](Call& c) {
    double v = 0;
    Error e = read(c, &v);
    if (e.ok()) c.set_float(v);
    return e;
  });

  binary(
      "float.add", "adds X; returns the new value",
      [](const Call& c, double a, double x, double* o) { return Checked(c, a, x, a + x, "+", o); });
  binary(
      "float.sub", "subtracts X; returns the new value",
      [](const Call& c, double a, double x, double* o) { return Checked(c, a, x, a - x, "-", o); });
  binary(
      "float.mul", "multiplies by X; returns the new value",
      [](const Call& c, double a, double x, double* o) { return Checked(c, a, x, a * x, "*", o); });
  binary("float.div", "divides by X (not zero); returns the new value",
         [](const Call& c, double a, double x, double* o) {
           if (x == 0.0) return c.invalid("division by zero");
           return Checked(c, a, x, a / x, "/", o);
         });
  binary("float.min", "stores min(value, X) (a NaN operand is ignored)",
         [](const Call&, double a, double x, double* o) {
           *o = (a == 0.0 && x == 0.0) ? (std::signbit(a) ? a : x) : std::fmin(a, x);
           return Error::Ok();
         });
  binary("float.max", "stores max(value, X) (a NaN operand is ignored)",
         [](const Call&, double a, double x, double* o) {
           *o = (a == 0.0 && x == 0.0) ? (std::signbit(a) ? x : a) : std::fmax(a, x);
           return Error::Ok();
         });
  unary("float.neg", "negates (flips the sign); returns the new value",
        [](double a) { return -a; });
  unary("float.abs", "absolute value (clears the sign); returns it",
        [](double a) { return std::fabs(a); });
  b.command({"float.clamp", "KEY MIN:float MAX:float",
             "clamps into [MIN, MAX]; returns the new value", kWrite, 3, 3},
            [read, store](Call& c) {
              double lo = 0, hi = 0, cur = 0;
              Error e = c.get_float(1, &lo);
              if (e.ok()) e = c.get_float(2, &hi);
              if (!e.ok()) return e;
              if (std::isnan(lo) || std::isnan(hi)) return c.invalid("MIN and MAX must not be NaN");
              if (lo > hi) return c.invalid("MIN " + Fmt(lo) + " > MAX " + Fmt(hi));
              e = read(c, &cur);
              if (!e.ok()) return e;
              return store(c, std::isnan(cur) ? cur : (cur < lo ? lo : (hi < cur ? hi : cur)));
            });
  b.command({"float.swap", "KEY VALUE:float", "stores VALUE, returns the old value", kWrite, 2, 2},
            [kType, read](Call& c) {
              double v = 0, old = 0;
              Error e = c.get_float(1, &v);
              if (e.ok()) e = read(c, &old);
              if (e.ok()) e = c.write(c.key(), kType, EncodeF64(v), true);
              if (e.ok()) c.set_float(old);
              return e;
            });
  b.command({"float.compare", "KEY X:float",
             "-1, 0 or 1 as the value is less than, equal to or greater than X (NaN: error)", kRead,
             2, 2},
            [read](Call& c) {
              double x = 0, cur = 0;
              Error e = c.get_float(1, &x);
              if (e.ok()) e = read(c, &cur);
              if (!e.ok()) return e;
              if (std::isnan(cur) || std::isnan(x)) return Unordered(c);
              c.set_int(Cmp(cur, x));
              return Error::Ok();
            });
  // Conditional stores return true when they stored.
  auto ordered = [&b, kType, read](const char* name, const char* summary, auto&& test) {
    b.command({name, "KEY VALUE:float", summary, kWrite, 2, 2}, [kType, read, test](Call& c) {
      double v = 0, cur = 0;
      Error e = c.get_float(1, &v);
      if (e.ok() && std::isnan(v)) return Unordered(c);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      if (std::isnan(cur)) return Unordered(c);
      bool ok = test(cur, v);
      if (ok) e = c.write(c.key(), kType, EncodeF64(v), true);
      if (e.ok()) c.set_bool(ok);
      return e;
    });
  };
  ordered("float.set_if_greater", "stores VALUE if it is greater; true if stored",
          [](double cur, double v) { return v > cur; });
  ordered("float.set_if_less", "stores VALUE if it is less; true if stored",
          [](double cur, double v) { return v < cur; });
  b.command({"float.set_if_equal", "KEY EXPECTED:float NEW:float",
             "compare-and-swap (IEEE ==, NaN never equal): stores NEW if the value is EXPECTED; "
             "true if stored",
             kWrite, 3, 3},
            [kType, read](Call& c) {
              double expected = 0, v = 0, cur = 0;
              Error e = c.get_float(1, &expected);
              if (e.ok()) e = c.get_float(2, &v);
              if (e.ok()) e = read(c, &cur);
              if (!e.ok()) return e;
              bool ok = cur == expected;
              if (ok) e = c.write(c.key(), kType, EncodeF64(v), true);
              if (e.ok()) c.set_bool(ok);
              return e;
            });
}

}  // namespace tower::scalars
