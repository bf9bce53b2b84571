// int: int64 with checked arithmetic. Overflow is an error (Overflow) and
// leaves the stored value unchanged; the Go original wraps silently.
#include <limits>

#include "scalars.hpp"

namespace tower::scalars {

namespace {
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
}  // namespace

void DefineInt(DatatypeBuilder& b) {
  const uint32_t kType = b.type("int", 1);
  auto read = [kType](const Call& c, int64_t* v) { return ReadI64(c, c.key(), kType, v); };
  auto store = [kType](const Call& c, int64_t v) {
    Error e = c.write(c.key(), kType, EncodeI64(v), /*keep_ttl=*/true);
    if (e.ok()) c.set_int(v);
    return e;
  };
  // KEY X:int -> f(current, x) stored and returned.
  auto binary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY X:int", summary, kWrite, 2, 2}, [read, store, f](Call& c) {
      int64_t cur = 0, x = 0;
      Error e = c.get_int(1, &x);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      int64_t out = 0;
      e = f(c, cur, x, &out);
      return e.ok() ? store(c, out) : e;
    });
  };
  // KEY -> f(current) stored and returned.
  auto unary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY", summary, kWrite, 1, 1}, [read, store, f](Call& c) {
      int64_t cur = 0;
      Error e = read(c, &cur);
      if (!e.ok()) return e;
      int64_t out = 0;
      e = f(c, cur, &out);
      return e.ok() ? store(c, out) : e;
    });
  };

  b.command({"int.set", "KEY VALUE:int", "stores VALUE", kWrite, 2, 2}, [kType](Call& c) {
    int64_t v = 0;
    Error e = c.get_int(1, &v);
    if (e.ok()) e = c.write(c.key(), kType, EncodeI64(v));
    if (e.ok()) c.set_null();
    return e;
  });
  b.command({"int.get", "KEY", "returns the integer", kRead, 1, 1}, [read](Call& c) {
    int64_t v = 0;
    Error e = read(c, &v);
    if (e.ok()) c.set_int(v);
    return e;
  });

  binary("int.add", "adds X; returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           return __builtin_add_overflow(a, x, o)
                      ? Overflow(c, c.key(), std::to_string(a) + " + " + std::to_string(x))
                      : Error::Ok();
         });
  binary("int.sub", "subtracts X; returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           return __builtin_sub_overflow(a, x, o)
                      ? Overflow(c, c.key(), std::to_string(a) + " - " + std::to_string(x))
                      : Error::Ok();
         });
  binary("int.mul", "multiplies by X; returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           return __builtin_mul_overflow(a, x, o)
                      ? Overflow(c, c.key(), std::to_string(a) + " * " + std::to_string(x))
                      : Error::Ok();
         });
  binary("int.div", "divides by X (truncating toward zero); returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           if (x == 0) return c.invalid("division by zero");
           if (a == kMin && x == -1) return Overflow(c, c.key(), std::to_string(a) + " / -1");
           *o = a / x;
           return Error::Ok();
         });
  binary("int.mod", "remainder of division by X (sign of the dividend); returns it",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           if (x == 0) return c.invalid("modulo by zero");
           *o = x == -1 ? 0 : a % x;
           return Error::Ok();
         });
  binary("int.and", "bitwise AND with X", [](const Call&, int64_t a, int64_t x, int64_t* o) {
    *o = a & x;
    return Error::Ok();
  });
  binary("int.or", "bitwise OR with X", [](const Call&, int64_t a, int64_t x, int64_t* o) {
    *o = a | x;
    return Error::Ok();
  });
  binary("int.xor", "bitwise XOR with X", [](const Call&, int64_t a, int64_t x, int64_t* o) {
    *o = a ^ x;
    return Error::Ok();
  });
  binary("int.shift_left", "shifts left by X (0..63); Overflow when bits are lost",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           if (x < 0 || x > 63)
             return c.invalid("shift " + std::to_string(x) + " is outside 0..63");
           int64_t r = static_cast<int64_t>(static_cast<uint64_t>(a) << x);
           if ((r >> x) != a)
             return Overflow(c, c.key(), std::to_string(a) + " << " + std::to_string(x));
           *o = r;
           return Error::Ok();
         });
  binary("int.shift_right", "arithmetic shift right by X (0..63)",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           if (x < 0 || x > 63)
             return c.invalid("shift " + std::to_string(x) + " is outside 0..63");
           *o = a >> x;
           return Error::Ok();
         });
  binary("int.min", "stores min(value, X)", [](const Call&, int64_t a, int64_t x, int64_t* o) {
    *o = std::min(a, x);
    return Error::Ok();
  });
  binary("int.max", "stores max(value, X)", [](const Call&, int64_t a, int64_t x, int64_t* o) {
    *o = std::max(a, x);
    return Error::Ok();
  });
  unary("int.inc", "adds 1; returns the new value", [](const Call& c, int64_t a, int64_t* o) {
    return __builtin_add_overflow(a, 1, o) ? Overflow(c, c.key(), std::to_string(a) + " + 1")
                                           : Error::Ok();
  });
  unary("int.dec", "subtracts 1; returns the new value", [](const Call& c, int64_t a, int64_t* o) {
    return __builtin_sub_overflow(a, 1, o) ? Overflow(c, c.key(), std::to_string(a) + " - 1")
                                           : Error::Ok();
  });
  unary("int.neg", "negates; returns the new value", [](const Call& c, int64_t a, int64_t* o) {
    if (a == kMin) return Overflow(c, c.key(), "-(" + std::to_string(a) + ")");
    *o = -a;
    return Error::Ok();
  });
  unary("int.abs", "absolute value; returns it", [](const Call& c, int64_t a, int64_t* o) {
    if (a == kMin) return Overflow(c, c.key(), "|" + std::to_string(a) + "|");
    *o = a < 0 ? -a : a;
    return Error::Ok();
  });
  unary("int.not", "bitwise NOT", [](const Call&, int64_t a, int64_t* o) {
    *o = ~a;
    return Error::Ok();
  });
  b.command({"int.clamp", "KEY MIN:int MAX:int", "clamps into [MIN, MAX]; returns the new value",
             kWrite, 3, 3},
            [read, store](Call& c) {
              int64_t lo = 0, hi = 0, cur = 0;
              Error e = c.get_int(1, &lo);
              if (e.ok()) e = c.get_int(2, &hi);
              if (!e.ok()) return e;
              if (lo > hi)
                return c.invalid("MIN " + std::to_string(lo) + " > MAX " + std::to_string(hi));
              e = read(c, &cur);
              return e.ok() ? store(c, std::clamp(cur, lo, hi)) : e;
            });
  b.command({"int.swap", "KEY VALUE:int", "stores VALUE, returns the old value", kWrite, 2, 2},
            [kType, read](Call& c) {
              int64_t v = 0, old = 0;
              Error e = c.get_int(1, &v);
              if (e.ok()) e = read(c, &old);
              if (e.ok()) e = c.write(c.key(), kType, EncodeI64(v), true);
              if (e.ok()) c.set_int(old);
              return e;
            });
  b.command({"int.compare", "KEY X:int",
             "-1, 0 or 1 as the value is less than, equal to or greater than X", kRead, 2, 2},
            [read](Call& c) {
              int64_t x = 0, cur = 0;
              Error e = c.get_int(1, &x);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) c.set_int(Cmp(cur, x));
              return e;
            });
  // Conditional stores return true when they stored.
  auto conditional = [&b, kType, read](const char* name, const char* usage, const char* summary,
                                       int args, auto&& test) {
    b.command({name, usage, summary, kWrite, args, args}, [kType, read, test, args](Call& c) {
      int64_t v = 0, ref = 0, cur = 0;
      Error e = c.get_int(1, &v);
      if (e.ok() && args == 3) e = c.get_int(2, &ref);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      // set_if_equal KEY EXPECTED NEW: compare against EXPECTED, store NEW.
      int64_t store_v = args == 3 ? ref : v;
      bool ok = test(cur, v);
      if (ok) e = c.write(c.key(), kType, EncodeI64(store_v), true);
      if (e.ok()) c.set_bool(ok);
      return e;
    });
  };
  conditional("int.set_if_greater", "KEY VALUE:int",
              "stores VALUE if it is greater; true if stored", 2,
              [](int64_t cur, int64_t v) { return v > cur; });
  conditional("int.set_if_less", "KEY VALUE:int", "stores VALUE if it is less; true if stored", 2,
              [](int64_t cur, int64_t v) { return v < cur; });
  conditional("int.set_if_equal", "KEY EXPECTED:int NEW:int",
              "compare-and-swap: stores NEW if the value is EXPECTED; true if stored", 3,
              [](int64_t cur, int64_t expected) { return cur == expected; });
}

}  // namespace tower::scalars
