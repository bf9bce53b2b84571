// timestamp: an instant, int64 nanoseconds since 1970-01-01T00:00:00Z
// (payload: 8 bytes, big-endian two's complement). Arithmetic with durations
// is checked: overflow is an error (Overflow) and leaves the value unchanged.
#include "scalars.hpp"

namespace tower::scalars {

namespace {
std::string Ns(int64_t v) { return std::to_string(v) + "ns"; }
}  // namespace

void DefineTimestamp(DatatypeBuilder& b) {
  const uint32_t kType = b.type("timestamp", 1);
  auto read = [kType](const Call& c, int64_t* v) { return ReadI64(c, c.key(), kType, v); };
  auto store = [kType](const Call& c, int64_t v) {
    Error e = c.write(c.key(), kType, EncodeI64(v), /*keep_ttl=*/true);
    if (e.ok()) c.set_timestamp(v);
    return e;
  };

  b.command({"timestamp.set", "KEY VALUE:timestamp", "stores VALUE", kWrite, 2, 2},
            [kType](Call& c) {
              int64_t v = 0;
              Error e = c.get_timestamp(1, &v);
              if (e.ok()) e = c.write(c.key(), kType, EncodeI64(v));
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"timestamp.get", "KEY", "returns the timestamp", kRead, 1, 1}, [read](Call& c) {
    int64_t v = 0;
    Error e = read(c, &v);
    if (e.ok()) c.set_timestamp(v);
    return e;
  });
  auto shift = [&b, read, store](const char* name, const char* summary, bool add) {
    b.command({name, "KEY D:duration", summary, kWrite, 2, 2}, [read, store, add](Call& c) {
      int64_t d = 0, cur = 0, out = 0;
      Error e = c.get_duration(1, &d);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      bool over = add ? __builtin_add_overflow(cur, d, &out) : __builtin_sub_overflow(cur, d, &out);
      if (over) return Overflow(c, c.key(), Ns(cur) + (add ? " + " : " - ") + Ns(d));
      return store(c, out);
    });
  };
  shift("timestamp.add_duration", "moves the instant forward by D; returns the new value", true);
  shift("timestamp.sub_duration", "moves the instant back by D; returns the new value", false);
  b.command({"timestamp.diff", "KEY T:timestamp", "the duration value - T", kRead, 2, 2},
            [read](Call& c) {
              int64_t t = 0, cur = 0, out = 0;
              Error e = c.get_timestamp(1, &t);
              if (e.ok()) e = read(c, &cur);
              if (!e.ok()) return e;
              if (__builtin_sub_overflow(cur, t, &out)) {
                return Overflow(c, c.key(), Ns(cur) + " - " + Ns(t));
              }
              c.set_duration(out);
              return Error::Ok();
            });
  // Read-only comparisons with T.
  auto compare = [&b, read](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY T:timestamp", summary, kRead, 2, 2}, [read, f](Call& c) {
      int64_t t = 0, cur = 0;
      Error e = c.get_timestamp(1, &t);
      if (e.ok()) e = read(c, &cur);
      if (e.ok()) f(c, cur, t);
      return e;
    });
  };
  compare("timestamp.compare", "-1, 0 or 1 as the value is before, equal to or after T",
          [](const Call& c, int64_t cur, int64_t t) { c.set_int(Cmp(cur, t)); });
  compare("timestamp.before", "true when the value is before T",
          [](const Call& c, int64_t cur, int64_t t) { c.set_bool(cur < t); });
  compare("timestamp.after", "true when the value is after T",
          [](const Call& c, int64_t cur, int64_t t) { c.set_bool(cur > t); });
  // Conditional stores return true when they stored.
  auto conditional = [&b, kType, read](const char* name, const char* usage, const char* summary,
                                       int args, auto&& test) {
    b.command({name, usage, summary, kWrite, args, args}, [kType, read, test, args](Call& c) {
      int64_t v = 0, ref = 0, cur = 0;
      Error e = c.get_timestamp(1, &v);
      if (e.ok() && args == 3) e = c.get_timestamp(2, &ref);
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
  conditional("timestamp.set_if_greater", "KEY VALUE:timestamp",
              "stores VALUE if it is later; true if stored", 2,
              [](int64_t cur, int64_t v) { return v > cur; });
  conditional("timestamp.set_if_less", "KEY VALUE:timestamp",
              "stores VALUE if it is earlier; true if stored", 2,
              [](int64_t cur, int64_t v) { return v < cur; });
  conditional("timestamp.set_if_equal", "KEY EXPECTED:timestamp NEW:timestamp",
              "compare-and-swap: stores NEW if the value is EXPECTED; true if stored", 3,
              [](int64_t cur, int64_t expected) { return cur == expected; });
}

}  // namespace tower::scalars
