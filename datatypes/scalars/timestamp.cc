// timestamp: an instant, int64 nanoseconds since 1970-01-01T00:00:00Z
// (payload: 8 bytes, big-endian two's complement). Arithmetic with durations
// is checked: overflow is an error (Overflow) and leaves the value unchanged.
#include "int64_type.hpp"

namespace tower::scalars {

namespace {
std::string Ns(int64_t v) { return std::to_string(v) + "ns"; }
}  // namespace

void DefineTimestamp(DatatypeBuilder& b) {
  Int64Type t(b, "timestamp", TOWER_VALUE_TIMESTAMP, &Ns);
  t.DefineBasics({"KEY VALUE:timestamp", "KEY EXPECTED:timestamp NEW:timestamp", "KEY T:timestamp",
                  "timestamp", "-1, 0 or 1 as the value is before, equal to or after T", "later",
                  "earlier"});
  auto shift = [&t](const char* op, const char* summary, bool add) {
    t.binary(
        op, "KEY D:duration", summary,
        [add](const Call& c, int64_t cur, int64_t d, int64_t* out) {
          bool over =
              add ? __builtin_add_overflow(cur, d, out) : __builtin_sub_overflow(cur, d, out);
          return over ? Overflow(c, c.key(), Ns(cur) + (add ? " + " : " - ") + Ns(d)) : Error::Ok();
        },
        TOWER_VALUE_DURATION);
  };
  shift("add_duration", "moves the instant forward by D; returns the new value", true);
  shift("sub_duration", "moves the instant back by D; returns the new value", false);
  t.query("diff", "KEY T:timestamp", "the duration value - T",
          [](const Call& c, int64_t cur, int64_t x) {
            int64_t out = 0;
            if (__builtin_sub_overflow(cur, x, &out)) {
              return Overflow(c, c.key(), Ns(cur) + " - " + Ns(x));
            }
            c.set_duration(out);
            return Error::Ok();
          });
  t.query("before", "KEY T:timestamp", "true when the value is before T",
          [](const Call& c, int64_t cur, int64_t x) {
            c.set_bool(cur < x);
            return Error::Ok();
          });
  t.query("after", "KEY T:timestamp", "true when the value is after T",
          [](const Call& c, int64_t cur, int64_t x) {
            c.set_bool(cur > x);
            return Error::Ok();
          });
}

}  // namespace tower::scalars
