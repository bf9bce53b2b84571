// time: civil time, an instant plus the zone offset it is shown in (RFC 3339).
// Payload (16 bytes, big-endian): int64 seconds since the epoch (UTC),
// uint32 nanoseconds (0..999,999,999), int32 zone offset in seconds
// (within +-18h). At the boundary a TIME value has i = seconds, nanos, and
// aux = offset.
//
// Valid times show (in their own offset) a date in years 1..9999; TIME
// arguments outside that, with nanoseconds > 999,999,999 or an offset beyond
// +-18h are InvalidArgument, and stored payloads like that are Corruption.
// Every TIME argument may also be given as an RFC 3339 string
// ("2024-02-29T12:00:00.5-05:00"). Comparisons (before, after, equal,
// set_if_*) compare instants: the same instant in two offsets is equal.
// The zero time is 0001-01-01T00:00:00Z (any offset of that instant).
#include <cinttypes>
#include <cstdio>

#include "scalars.hpp"

namespace tower::scalars {

namespace {

constexpr int64_t kNsPerSec = 1000000000;
constexpr int32_t kMaxOffset = 18 * 3600;

using sdk::civil_from_days;
using sdk::days_from_civil;

// Local (offset-applied) seconds of 0001-01-01T00:00:00 and 9999-12-31T23:59:59.
constexpr int64_t kMinLocal = days_from_civil(1, 1, 1) * 86400;
constexpr int64_t kMaxLocal = days_from_civil(10000, 1, 1) * 86400 - 1;
constexpr int64_t kZeroSeconds = -62135596800;  // 0001-01-01T00:00:00Z
static_assert(kMinLocal == kZeroSeconds);

struct CivilTime {
  int64_t seconds = kZeroSeconds;
  uint32_t nanos = 0;
  int32_t offset = 0;
};

bool InRange(const CivilTime& t) {
  // The seconds bound first, so that adding the offset cannot overflow.
  if (t.seconds < kMinLocal - kMaxOffset || t.seconds > kMaxLocal + kMaxOffset) return false;
  int64_t local = t.seconds + t.offset;
  return local >= kMinLocal && local <= kMaxLocal;
}

// What is wrong with t, or "" when it is a valid time.
std::string Invalid(const CivilTime& t) {
  if (t.nanos > 999999999) {
    return "nanoseconds " + std::to_string(t.nanos) + " are outside 0..999999999";
  }
  if (t.offset < -kMaxOffset || t.offset > kMaxOffset) {
    return "zone offset " + std::to_string(t.offset) + "s is outside +-18h";
  }
  if (!InRange(t)) return "seconds " + std::to_string(t.seconds) + " are outside years 1..9999";
  return "";
}

void BreakDown(const CivilTime& t, int64_t* y, unsigned* mo, unsigned* d, int* h, int* mi, int* s) {
  sdk::civil_break_down(t.seconds, t.offset, y, mo, d, h, mi, s);
}

// RFC 3339, with a fraction only when non-zero (for messages).
std::string Format(const CivilTime& t) { return sdk::rfc3339_format(t.seconds, t.nanos, t.offset); }

// Parses RFC 3339; on failure returns false with *why set.
bool Parse(std::string_view text, CivilTime* out, std::string* why) {
  if (const char* w = sdk::rfc3339_parse(text, &out->seconds, &out->nanos, &out->offset)) {
    *why = w;
    return false;
  }
  return true;
}

std::string Encode(const CivilTime& t) {
  std::string s = EncodeI64(t.seconds);
  auto be32 = [&s](uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (24 - 8 * i)));
  };
  be32(t.nanos);
  be32(static_cast<uint32_t>(t.offset));
  return s;
}

uint32_t DecodeU32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

// Argument i as a time: a TIME value or an RFC 3339 string, validated.
Error GetTime(const Call& c, size_t i, CivilTime* out) {
  const tower_value& a = c.arg(i);
  std::string arg = "argument " + std::to_string(i + 1) + ": ";
  if (a.type == TOWER_VALUE_STRING) {
    std::string_view text(a.bytes.data, a.bytes.size);
    std::string why;
    if (!Parse(text, out, &why)) {
      return c.invalid(arg + "bad RFC 3339 time '" + std::string(text) + "': " + why);
    }
  } else {
    Error e = c.want(i, TOWER_VALUE_TIME);
    if (!e.ok()) return e;
    out->seconds = a.i;
    out->nanos = a.nanos;
    out->offset = a.aux;
  }
  std::string why = Invalid(*out);
  return why.empty() ? Error::Ok() : c.invalid(arg + why);
}

// Three-way comparison of instants.
int64_t CmpInstant(const CivilTime& a, const CivilTime& b) {
  if (a.seconds != b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return Cmp(a.nanos, b.nanos);
}

}  // namespace

void DefineTime(DatatypeBuilder& b) {
  const uint32_t kType = b.type("time", 1);
  auto read = [kType](const Call& c, CivilTime* t) {
    std::string p;
    Error e = c.read(c.key(), kType, &p);
    if (!e.ok()) return e;
    auto corrupt = [&c](const std::string& why) {
      return Error::Make(TOWER_E_CORRUPTION,
                         "value of key '" + std::string(c.key()) + "' is corrupt: " + why);
    };
    if (p.size() != 16) return corrupt("want 16 bytes, found " + std::to_string(p.size()));
    t->seconds = static_cast<int64_t>(DecodeU64(p));
    t->nanos = DecodeU32(std::string_view(p).substr(8));
    t->offset = static_cast<int32_t>(DecodeU32(std::string_view(p).substr(12)));
    std::string why = Invalid(*t);
    return why.empty() ? Error::Ok() : corrupt(why);
  };
  auto result = [](const Call& c, const CivilTime& t) {
    tower_value v = Call::make(TOWER_VALUE_TIME);
    v.i = t.seconds;
    v.nanos = t.nanos;
    v.aux = t.offset;
    c.set(v);
  };

  b.command({"time.set", "KEY T:time", "stores T (a time or an RFC 3339 string)", kWrite, 2, 2},
            [kType](Call& c) {
              CivilTime t;
              Error e = GetTime(c, 1, &t);
              if (e.ok()) e = c.write(c.key(), kType, Encode(t));
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"time.get", "KEY", "returns the time", kRead, 1, 1}, [read, result](Call& c) {
    CivilTime t;
    Error e = read(c, &t);
    if (e.ok()) result(c, t);
    return e;
  });
  auto shift = [&b, kType, read, result](const char* name, const char* summary, bool add) {
    b.command({name, "KEY D:duration", summary, kWrite, 2, 2}, [kType, read, result, add](Call& c) {
      int64_t d = 0;
      CivilTime t;
      Error e = c.get_duration(1, &d);
      if (e.ok()) e = read(c, &t);
      if (!e.ok()) return e;
      // Split D so that nothing overflows: |seconds| < 2^38, |D / 1e9| < 2^34.
      int64_t ds = d / kNsPerSec, dn = d % kNsPerSec;
      if (!add) ds = -ds, dn = -dn;
      CivilTime n = t;
      int64_t nanos = static_cast<int64_t>(t.nanos) + dn;
      if (nanos < 0) nanos += kNsPerSec, --ds;
      if (nanos >= kNsPerSec) nanos -= kNsPerSec, ++ds;
      n.seconds = t.seconds + ds;
      n.nanos = static_cast<uint32_t>(nanos);
      if (!InRange(n)) {
        return Error::Make(TOWER_E_OVERFLOW,
                           std::string(c.name()) + ": " + Format(t) + (add ? " + " : " - ") +
                               std::to_string(d) + "ns is outside years 1..9999 (key '" +
                               std::string(c.key()) + "'; the stored value is unchanged)");
      }
      e = c.write(c.key(), kType, Encode(n), /*keep_ttl=*/true);
      if (e.ok()) result(c, n);
      return e;
    });
  };
  shift("time.add_duration", "moves the time forward by D (keeping the offset); returns it", true);
  shift("time.sub_duration", "moves the time back by D (keeping the offset); returns it", false);

  // Read-only comparisons with T.
  auto compare = [&b, read](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY T:time", summary, kRead, 2, 2}, [read, f](Call& c) {
      CivilTime t, cur;
      Error e = GetTime(c, 1, &t);
      if (e.ok()) e = read(c, &cur);
      if (e.ok()) c.set_bool(f(CmpInstant(cur, t)));
      return e;
    });
  };
  compare("time.before", "true when the value is an earlier instant than T",
          [](int64_t r) { return r < 0; });
  compare("time.after", "true when the value is a later instant than T",
          [](int64_t r) { return r > 0; });
  compare("time.equal", "true when the value is the same instant as T (offsets may differ)",
          [](int64_t r) { return r == 0; });
  b.command({"time.diff", "KEY T:time", "the duration value - T", kRead, 2, 2}, [read](Call& c) {
    CivilTime t, cur;
    Error e = GetTime(c, 1, &t);
    if (e.ok()) e = read(c, &cur);
    if (!e.ok()) return e;
    // Give both parts the same sign first, so that seconds * 1e9 overflows
    // only when the whole difference does.
    int64_t ds = cur.seconds - t.seconds;
    int64_t dn = static_cast<int64_t>(cur.nanos) - static_cast<int64_t>(t.nanos);
    if (ds > 0 && dn < 0) --ds, dn += kNsPerSec;
    if (ds < 0 && dn > 0) ++ds, dn -= kNsPerSec;
    int64_t out = 0;
    if (__builtin_mul_overflow(ds, kNsPerSec, &out) || __builtin_add_overflow(out, dn, &out)) {
      return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": " + Format(cur) + " - " +
                                               Format(t) + " does not fit a duration (int64 ns)");
    }
    c.set_duration(out);
    return Error::Ok();
  });
  b.command({"time.is_zero", "KEY", "true when the value is the zero time 0001-01-01T00:00:00Z",
             kRead, 1, 1},
            [read](Call& c) {
              CivilTime t;
              Error e = read(c, &t);
              if (e.ok()) c.set_bool(t.seconds == kZeroSeconds && t.nanos == 0);
              return e;
            });
  // Conditional stores return true when they stored.
  auto conditional = [&b, kType, read](const char* name, const char* usage, const char* summary,
                                       int args, auto&& test) {
    b.command({name, usage, summary, kWrite, args, args}, [kType, read, test, args](Call& c) {
      CivilTime v, ref, cur;
      Error e = GetTime(c, 1, &v);
      if (e.ok() && args == 3) e = GetTime(c, 2, &ref);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      // set_if_equal KEY EXPECTED NEW: compare against EXPECTED, store NEW.
      const CivilTime& store_v = args == 3 ? ref : v;
      bool ok = test(CmpInstant(v, cur));
      if (ok) e = c.write(c.key(), kType, Encode(store_v), true);
      if (e.ok()) c.set_bool(ok);
      return e;
    });
  };
  conditional("time.set_if_greater", "KEY T:time",
              "stores T if it is a later instant; true if stored", 2,
              [](int64_t r) { return r > 0; });
  conditional("time.set_if_less", "KEY T:time",
              "stores T if it is an earlier instant; true if stored", 2,
              [](int64_t r) { return r < 0; });
  conditional("time.set_if_equal", "KEY EXPECTED:time NEW:time",
              "compare-and-swap: stores NEW if the value is the instant EXPECTED; true if stored",
              3, [](int64_t r) { return r == 0; });

  // Read-only fields, in the value's own offset.
  auto field = [&b, read](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY", summary, kRead, 1, 1}, [read, f](Call& c) {
      CivilTime t;
      Error e = read(c, &t);
      if (!e.ok()) return e;
      int64_t y;
      unsigned mo, d;
      int h, mi, s;
      BreakDown(t, &y, &mo, &d, &h, &mi, &s);
      c.set_int(f(t, y, mo, d, h, mi, s));
      return Error::Ok();
    });
  };
  using U = unsigned;
  field("time.year", "the year (1..9999) in the value's offset",
        [](const CivilTime&, int64_t y, U, U, int, int, int) -> int64_t { return y; });
  field("time.month", "the month (1..12) in the value's offset",
        [](const CivilTime&, int64_t, U mo, U, int, int, int) -> int64_t { return mo; });
  field("time.day", "the day of the month (1..31) in the value's offset",
        [](const CivilTime&, int64_t, U, U d, int, int, int) -> int64_t { return d; });
  field("time.hour", "the hour (0..23) in the value's offset",
        [](const CivilTime&, int64_t, U, U, int h, int, int) -> int64_t { return h; });
  field("time.minute", "the minute (0..59) in the value's offset",
        [](const CivilTime&, int64_t, U, U, int, int mi, int) -> int64_t { return mi; });
  field("time.second", "the second (0..59)",
        [](const CivilTime&, int64_t, U, U, int, int, int s) -> int64_t { return s; });
  field("time.nanosecond", "the nanosecond within the second (0..999999999)",
        [](const CivilTime& t, int64_t, U, U, int, int, int) -> int64_t { return t.nanos; });
}

}  // namespace tower::scalars
