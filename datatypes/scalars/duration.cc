// duration: a signed span of time, int64 nanoseconds (payload: 8 bytes,
// big-endian two's complement). Arithmetic is checked like int: overflow is
// an error (Overflow) and leaves the stored value unchanged.
#include <algorithm>
#include <limits>

#include "scalars.hpp"

namespace tower::scalars {

namespace {
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
std::string Ns(int64_t v) { return std::to_string(v) + "ns"; }
}  // namespace

void DefineDuration(DatatypeBuilder& b) {
  const uint32_t kType = b.type("duration", 1);
  auto read = [kType](const Call& c, int64_t* v) { return ReadI64(c, c.key(), kType, v); };
  auto store = [kType](const Call& c, int64_t v) {
    Error e = c.write(c.key(), kType, EncodeI64(v), /*keep_ttl=*/true);
    if (e.ok()) c.set_duration(v);
    return e;
  };
  // KEY X -> f(current, x) stored and returned; X is a duration or (mul/div) an int.
  auto binary = [&b, read, store](const char* name, const char* usage, uint32_t arg_type,
                                  const char* summary, auto&& f) {
    b.command({name, usage, summary, kWrite, 2, 2}, [read, store, f, arg_type](Call& c) {
      int64_t cur = 0, x = 0;
      Error e = arg_type == TOWER_VALUE_INT ? c.get_int(1, &x) : c.get_duration(1, &x);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      int64_t out = 0;
      e = f(c, cur, x, &out);
      return e.ok() ? store(c, out) : e;
    });
  };
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

  b.command({"duration.set", "KEY VALUE:duration", "stores VALUE", kWrite, 2, 2}, [kType](Call& c) {
    int64_t v = 0;
    Error e = c.get_duration(1, &v);
    if (e.ok()) e = c.write(c.key(), kType, EncodeI64(v));
    if (e.ok()) c.set_null();
    return e;
  });
  b.command({"duration.get", "KEY", "returns the duration", kRead, 1, 1}, [read](Call& c) {
    int64_t v = 0;
    Error e = read(c, &v);
    if (e.ok()) c.set_duration(v);
    return e;
  });

  binary("duration.add", "KEY X:duration", TOWER_VALUE_DURATION, "adds X; returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           return __builtin_add_overflow(a, x, o) ? Overflow(c, c.key(), Ns(a) + " + " + Ns(x))
                                                  : Error::Ok();
         });
  binary("duration.sub", "KEY X:duration", TOWER_VALUE_DURATION,
         "subtracts X; returns the new value", [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           return __builtin_sub_overflow(a, x, o) ? Overflow(c, c.key(), Ns(a) + " - " + Ns(x))
                                                  : Error::Ok();
         });
  binary("duration.mul", "KEY N:int", TOWER_VALUE_INT, "multiplies by N; returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           return __builtin_mul_overflow(a, x, o)
                      ? Overflow(c, c.key(), Ns(a) + " * " + std::to_string(x))
                      : Error::Ok();
         });
  binary("duration.div", "KEY N:int", TOWER_VALUE_INT,
         "divides by N (truncating toward zero); returns the new value",
         [](const Call& c, int64_t a, int64_t x, int64_t* o) {
           if (x == 0) return c.invalid("division by zero");
           if (a == kMin && x == -1) return Overflow(c, c.key(), Ns(a) + " / -1");
           *o = a / x;
           return Error::Ok();
         });
  binary("duration.min", "KEY X:duration", TOWER_VALUE_DURATION, "stores min(value, X)",
         [](const Call&, int64_t a, int64_t x, int64_t* o) {
           *o = std::min(a, x);
           return Error::Ok();
         });
  binary("duration.max", "KEY X:duration", TOWER_VALUE_DURATION, "stores max(value, X)",
         [](const Call&, int64_t a, int64_t x, int64_t* o) {
           *o = std::max(a, x);
           return Error::Ok();
         });
  unary("duration.neg", "negates; returns the new value", [](const Call& c, int64_t a, int64_t* o) {
    if (a == kMin) return Overflow(c, c.key(), "-(" + Ns(a) + ")");
    *o = -a;
    return Error::Ok();
  });
  unary("duration.abs", "absolute value; returns it", [](const Call& c, int64_t a, int64_t* o) {
    if (a == kMin) return Overflow(c, c.key(), "|" + Ns(a) + "|");
    *o = a < 0 ? -a : a;
    return Error::Ok();
  });
  b.command({"duration.clamp", "KEY MIN:duration MAX:duration",
             "clamps into [MIN, MAX]; returns the new value", kWrite, 3, 3},
            [read, store](Call& c) {
              int64_t lo = 0, hi = 0, cur = 0;
              Error e = c.get_duration(1, &lo);
              if (e.ok()) e = c.get_duration(2, &hi);
              if (!e.ok()) return e;
              if (lo > hi) return c.invalid("MIN " + Ns(lo) + " > MAX " + Ns(hi));
              e = read(c, &cur);
              return e.ok() ? store(c, std::clamp(cur, lo, hi)) : e;
            });
  b.command(
      {"duration.swap", "KEY VALUE:duration", "stores VALUE, returns the old value", kWrite, 2, 2},
      [kType, read](Call& c) {
        int64_t v = 0, old = 0;
        Error e = c.get_duration(1, &v);
        if (e.ok()) e = read(c, &old);
        if (e.ok()) e = c.write(c.key(), kType, EncodeI64(v), true);
        if (e.ok()) c.set_duration(old);
        return e;
      });
  b.command({"duration.compare", "KEY X:duration",
             "-1, 0 or 1 as the value is shorter than, equal to or longer than X", kRead, 2, 2},
            [read](Call& c) {
              int64_t x = 0, cur = 0;
              Error e = c.get_duration(1, &x);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) c.set_int(Cmp(cur, x));
              return e;
            });
  // Conditional stores return true when they stored.
  auto conditional = [&b, kType, read](const char* name, const char* usage, const char* summary,
                                       int args, auto&& test) {
    b.command({name, usage, summary, kWrite, args, args}, [kType, read, test, args](Call& c) {
      int64_t v = 0, ref = 0, cur = 0;
      Error e = c.get_duration(1, &v);
      if (e.ok() && args == 3) e = c.get_duration(2, &ref);
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
  conditional("duration.set_if_greater", "KEY VALUE:duration",
              "stores VALUE if it is longer; true if stored", 2,
              [](int64_t cur, int64_t v) { return v > cur; });
  conditional("duration.set_if_less", "KEY VALUE:duration",
              "stores VALUE if it is shorter; true if stored", 2,
              [](int64_t cur, int64_t v) { return v < cur; });
  conditional("duration.set_if_equal", "KEY EXPECTED:duration NEW:duration",
              "compare-and-swap: stores NEW if the value is EXPECTED; true if stored", 3,
              [](int64_t cur, int64_t expected) { return cur == expected; });
}

}  // namespace tower::scalars
