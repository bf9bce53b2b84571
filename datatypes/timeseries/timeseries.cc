// The "timeseries" data type: numeric points ordered by timestamp, with an
// optional retention window and a duplicate policy (docs/types.md, "Time
// series").
//
//   ts.create KEY [RETENTION:duration] [POLICY:string]   ts.delete KEY
//   ts.exists KEY                 ts.add KEY TIMESTAMP VALUE
//   ts.get KEY TIMESTAMP          ts.remove KEY TIMESTAMP
//   ts.remove_range KEY FROM TO   ts.range KEY FROM TO [AGG BUCKET:duration]
//   ts.latest KEY                 ts.info KEY
//
// Storage: the value is 34 bytes of metadata (see Meta); each point is an
// item whose subkey is the order-preserving encoding of its timestamp
// (big-endian with the sign bit flipped) and whose value is the
// value_codec encoding of an int or a float (the exact type is kept). Every
// operation touches only the points it needs: range and remove_range scan
// [FROM, TO], retention deletes only the expired points.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/collection.hpp"
#include "tower/sdk/datatype.hpp"
#include "tower/sdk/value_codec.hpp"

namespace {

using tower::sdk::Call;
using tower::sdk::DatatypeBuilder;
using tower::sdk::Error;

constexpr uint32_t kWrite = TOWER_CMD_WRITE | TOWER_CMD_ITEMS;
constexpr uint32_t kRead = TOWER_CMD_READ_ONLY | TOWER_CMD_ITEMS;
constexpr uint8_t kVersion = 1;
constexpr size_t kMetaSize = 34;
constexpr uint64_t kSign = uint64_t{1} << 63;
constexpr int64_t kMinTs = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTs = std::numeric_limits<int64_t>::max();

uint32_t kSeries = 0;

enum Policy : uint8_t { kBlock = 0, kFirst, kLast, kMin, kMax, kSum, kPolicies };
const char* const kPolicyNames[kPolicies] = {"block", "first", "last", "min", "max", "sum"};

void Put64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t Get64(std::string_view s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

// The subkey of a point: order-preserving int64 (docs/format.md).
std::string Sub(int64_t ts) {
  std::string s;
  Put64(&s, static_cast<uint64_t>(ts) ^ kSign);
  return s;
}
int64_t FromSub(std::string_view s) { return static_cast<int64_t>(Get64(s, 0) ^ kSign); }

// Metadata, 34 bytes: version (1), policy (1), retention ns (be64), point
// count (be64), first and last timestamps (be64 two's complement; 0 when
// the series is empty).
struct Meta {
  Policy policy = kBlock;
  int64_t retention = 0;
  uint64_t count = 0;
  int64_t first = 0, last = 0;

  std::string Encode() const {
    std::string s;
    s.push_back(static_cast<char>(kVersion));
    s.push_back(static_cast<char>(policy));
    Put64(&s, static_cast<uint64_t>(retention));
    Put64(&s, count);
    Put64(&s, static_cast<uint64_t>(first));
    Put64(&s, static_cast<uint64_t>(last));
    return s;
  }
};

Error Corrupt(const Call& c, const std::string& why) {
  return Error::Make(TOWER_E_CORRUPTION,
                     "time series '" + std::string(c.key()) + "' is corrupt: " + why);
}

Error ReadMeta(const Call& c, Meta* m) {
  std::string p;
  Error e = c.read(c.key(), kSeries, &p);
  if (!e.ok()) return e;
  if (p.size() != kMetaSize) {
    return Corrupt(c, "metadata is " + std::to_string(p.size()) + " bytes, want 34");
  }
  if (static_cast<uint8_t>(p[0]) != kVersion) {
    return Corrupt(c, "unknown metadata version " + std::to_string(static_cast<uint8_t>(p[0])));
  }
  if (static_cast<uint8_t>(p[1]) >= kPolicies) return Corrupt(c, "unknown duplicate policy");
  m->policy = static_cast<Policy>(p[1]);
  m->retention = static_cast<int64_t>(Get64(p, 2));
  m->count = Get64(p, 10);
  m->first = static_cast<int64_t>(Get64(p, 18));
  m->last = static_cast<int64_t>(Get64(p, 26));
  if (m->retention < 0) return Corrupt(c, "negative retention");
  return Error::Ok();
}

Error WriteMeta(const Call& c, const Meta& m) {
  return c.write(c.key(), kSeries, m.Encode(), /*keep_ttl=*/true);
}

// A point's value: an int or a float, kept with its type.
struct Num {
  bool is_int = false;
  int64_t i = 0;
  double f = 0;
  double d() const { return is_int ? static_cast<double>(i) : f; }
  tower_value Value() const {
    if (is_int) return Call::of_i(TOWER_VALUE_INT, i);
    tower_value v = Call::make(TOWER_VALUE_FLOAT);
    v.f = f;
    return v;
  }
  std::string Encode() const {
    std::string s;
    (void)tower::sdk::encode_value(Value(), &s);
    return s;
  }
};

Error DecodeNum(const Call& c, std::string_view bytes, Num* n) {
  tower_value v{};
  Error e = tower::sdk::decode_value(bytes, &v);
  if (!e.ok()) return Corrupt(c, e.message);
  if (v.type == TOWER_VALUE_INT) {
    *n = Num{true, v.i, 0};
  } else if (v.type == TOWER_VALUE_FLOAT) {
    *n = Num{false, 0, v.f};
  } else {
    return Corrupt(c, std::string("a point holds a ") + tower::sdk::value_type_name(v.type));
  }
  return Error::Ok();
}

Error ArgNum(const Call& c, size_t i, Num* n) {
  const tower_value& v = c.arg(i);
  if (v.type == TOWER_VALUE_INT) {
    *n = Num{true, v.i, 0};
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_FLOAT) {
    if (std::isnan(v.f)) return c.invalid("VALUE is NaN");
    *n = Num{false, 0, v.f};
    return Error::Ok();
  }
  return c.invalid("argument " + std::to_string(i + 1) + " (VALUE) must be int or float, got " +
                   tower::sdk::value_type_name(v.type));
}

// Numeric order across int and float (ints compared exactly among
// themselves).
bool Less(const Num& a, const Num& b) {
  if (a.is_int && b.is_int) return a.i < b.i;
  return a.d() < b.d();
}

// old (+) new under policy; ALREADY_EXISTS for block.
Error Combine(const Call& c, Policy p, int64_t ts, const Num& old, const Num& add, Num* out) {
  switch (p) {
    case kBlock:
      return Error::Make(TOWER_E_ALREADY_EXISTS,
                         std::string(c.name()) + ": time series '" + std::string(c.key()) +
                             "' already has a point at " + std::to_string(ts) +
                             " ns (duplicate policy block)");
    case kFirst: *out = old; break;
    case kLast: *out = add; break;
    case kMin: *out = Less(add, old) ? add : old; break;
    case kMax: *out = Less(old, add) ? add : old; break;
    case kSum:
      if (old.is_int && add.is_int) {
        int64_t s = 0;
        if (__builtin_add_overflow(old.i, add.i, &s)) {
          return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": " +
                                                   std::to_string(old.i) + " + " +
                                                   std::to_string(add.i) +
                                                   " overflows int64 (policy sum; nothing stored)");
        }
        *out = Num{true, s, 0};
      } else {
        *out = Num{false, 0, old.d() + add.d()};
      }
      break;
    default: return Corrupt(c, "unknown duplicate policy");
  }
  return Error::Ok();
}

// The oldest timestamp retention keeps when `newest` is the newest point.
int64_t Cutoff(const Meta& m, int64_t newest) {
  if (m.retention == 0) return kMinTs;
  int64_t cut = 0;
  if (__builtin_sub_overflow(newest, m.retention, &cut)) return kMinTs;
  return cut;
}

// The first (or last) point's timestamp, if any.
Error Edge(const Call& c, bool last, std::optional<int64_t>* out) {
  out->reset();
  return c.item_scan(c.key(), std::nullopt, std::nullopt, last,
                     [&](std::string_view sub, std::string_view) {
                       if (sub.size() == 8) *out = FromSub(sub);
                       return false;
                     });
}

// Recomputes first/last after deletions (count already updated).
Error RefreshEdges(const Call& c, Meta* m) {
  if (m->count == 0) {
    m->first = m->last = 0;
    return Error::Ok();
  }
  std::optional<int64_t> lo, hi;
  Error e = Edge(c, false, &lo);
  if (e.ok()) e = Edge(c, true, &hi);
  if (!e.ok()) return e;
  if (!lo || !hi) return Corrupt(c, "the point count says " + std::to_string(m->count));
  m->first = *lo;
  m->last = *hi;
  return Error::Ok();
}

// Visits the points with from <= ts <= to in order: visit(ts, value bytes).
template <class Visit>
Error Points(const Call& c, int64_t from, int64_t to, bool reverse, Visit&& visit) {
  if (from > to) return Error::Ok();
  std::string lo = Sub(from);
  std::optional<std::string> hi;
  if (to != kMaxTs) hi = Sub(to + 1);
  std::optional<std::string_view> hiv;
  if (hi) hiv = *hi;
  Error bad = Error::Ok();
  Error e = c.item_scan(c.key(), std::string_view(lo), hiv, reverse,
                        [&](std::string_view sub, std::string_view v) {
                          if (sub.size() != 8) {
                            bad = Corrupt(c, "a subkey is not 8 bytes");
                            return false;
                          }
                          return visit(FromSub(sub), v);
                        });
  return e.ok() ? bad : e;
}

// Deletes the points in [from, to]; returns how many.
Error DeleteRange(const Call& c, int64_t from, int64_t to, uint64_t* n) {
  std::vector<int64_t> doomed;
  Error e = Points(c, from, to, false, [&](int64_t ts, std::string_view) {
    doomed.push_back(ts);
    return true;
  });
  if (!e.ok()) return e;
  for (int64_t ts : doomed) {
    if (Error d = c.item_delete(c.key(), Sub(ts)); !d.ok()) return d;
  }
  *n = doomed.size();
  return Error::Ok();
}

void PushTs(const Call& c, int64_t ts) { c.push(Call::of_i(TOWER_VALUE_TIMESTAMP, ts)); }

// One bucket of an aggregation.
struct Bucket {
  uint64_t n = 0;
  Num first, last, min, max;
  bool int_sum = true;  // every value an int and the int64 sum exact
  int64_t isum = 0;
  double fsum = 0;

  void Add(const Num& v) {
    if (n == 0) first = min = max = v;
    if (Less(v, min)) min = v;
    if (Less(max, v)) max = v;
    last = v;
    ++n;
    fsum += v.d();
    if (int_sum && (!v.is_int || __builtin_add_overflow(isum, v.i, &isum))) int_sum = false;
  }
};

enum Agg { kAvg, kSumAgg, kMinAgg, kMaxAgg, kCount, kFirstAgg, kLastAgg };

tower_value Result(const Bucket& b, Agg a) {
  tower_value f = Call::make(TOWER_VALUE_FLOAT);
  switch (a) {
    case kAvg: f.f = b.fsum / static_cast<double>(b.n); return f;
    case kSumAgg:
      if (b.int_sum) return Call::of_i(TOWER_VALUE_INT, b.isum);
      f.f = b.fsum;
      return f;
    case kMinAgg: return b.min.Value();
    case kMaxAgg: return b.max.Value();
    case kCount: return Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(b.n));
    case kFirstAgg: return b.first.Value();
    case kLastAgg: return b.last.Value();
  }
  return f;
}

// The start of ts's bucket: floor(ts / width) * width (clamped to int64).
int64_t BucketStart(int64_t ts, int64_t width) {
  int64_t q = ts / width;
  if (ts % width != 0 && ts < 0) --q;
  int64_t s = 0;
  if (__builtin_mul_overflow(q, width, &s)) return kMinTs;
  return s;
}

Error CheckPolicy(const Call& c, size_t i, Policy* p) {
  std::string_view s;
  if (Error e = c.get_bytes(i, TOWER_VALUE_STRING, &s); !e.ok()) return e;
  for (int k = 0; k < kPolicies; ++k) {
    if (s == kPolicyNames[k]) {
      *p = static_cast<Policy>(k);
      return Error::Ok();
    }
  }
  return c.invalid("unknown POLICY '" + std::string(s) +
                   "' (want block, first, last, min, max or sum)");
}

Error Create(Call& c) {
  Meta m;
  if (c.size() > 1 && c.arg(1).type != TOWER_VALUE_NULL) {
    if (Error e = c.get_duration(1, &m.retention); !e.ok()) return e;
    if (m.retention < 0) return c.invalid("RETENTION must not be negative");
  }
  if (c.size() > 2 && c.arg(2).type != TOWER_VALUE_NULL) {
    if (Error e = CheckPolicy(c, 2, &m.policy); !e.ok()) return e;
  }
  std::string existing;
  return tower::sdk::create_if_absent(
      c, c.read(c.key(), TOWER_ANY_TYPE, &existing), kSeries, m.Encode(),
      std::string(c.name()) + ": key '" + std::string(c.key()) + "' exists");
}

Error Add(Call& c) {
  int64_t ts = 0;
  Num v;
  Meta m;
  if (Error e = c.get_timestamp(1, &ts); !e.ok()) return e;
  if (Error e = ArgNum(c, 2, &v); !e.ok()) return e;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  std::string sub = Sub(ts), old;
  Error g = c.item_get(c.key(), sub, &old);
  if (g.ok()) {  // a duplicate: the policy decides
    Num prev, out;
    if (Error e = DecodeNum(c, old, &prev); !e.ok()) return e;
    if (Error e = Combine(c, m.policy, ts, prev, v, &out); !e.ok()) return e;
    std::string enc = out.Encode();
    if (enc != old) {
      if (Error e = c.item_put(c.key(), sub, enc); !e.ok()) return e;
    }
    c.set(out.Value());
    return Error::Ok();
  }
  if (g.code != TOWER_E_NOT_FOUND) return g;
  int64_t newest = m.count == 0 ? ts : std::max(m.last, ts);
  int64_t cut = Cutoff(m, newest);
  if (ts < cut) {
    return c.invalid("TIMESTAMP " + std::to_string(ts) +
                     " is older than the retention window of time series '" + std::string(c.key()) +
                     "' (oldest kept: " + std::to_string(cut) + ")");
  }
  if (m.count > 0 && m.first < cut) {  // retention: drop what fell out of the window
    uint64_t n = 0;
    if (Error e = DeleteRange(c, kMinTs, cut - 1, &n); !e.ok()) return e;
    if (n > m.count) return Corrupt(c, "more points than the count");
    m.count -= n;
    if (Error e = RefreshEdges(c, &m); !e.ok()) return e;
  }
  if (Error e = c.item_put(c.key(), sub, v.Encode()); !e.ok()) return e;
  if (m.count == 0) {
    m.first = m.last = ts;
  } else {
    m.first = std::min(m.first, ts);
    m.last = std::max(m.last, ts);
  }
  ++m.count;
  if (Error e = WriteMeta(c, m); !e.ok()) return e;
  c.set(v.Value());
  return Error::Ok();
}

Error Get(Call& c) {
  int64_t ts = 0;
  Meta m;
  if (Error e = c.get_timestamp(1, &ts); !e.ok()) return e;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  std::string bytes;
  Error e = c.item_get(c.key(), Sub(ts), &bytes);
  if (e.code == TOWER_E_NOT_FOUND) {
    return Error::Make(TOWER_E_NOT_FOUND, std::string(c.name()) + ": time series '" +
                                              std::string(c.key()) + "' has no point at " +
                                              std::to_string(ts) + " ns");
  }
  if (!e.ok()) return e;
  Num n;
  if (e = DecodeNum(c, bytes, &n); !e.ok()) return e;
  c.set(n.Value());
  return Error::Ok();
}

Error Remove(Call& c) {
  int64_t ts = 0;
  Meta m;
  if (Error e = c.get_timestamp(1, &ts); !e.ok()) return e;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  uint64_t n = 0;
  if (Error e = DeleteRange(c, ts, ts, &n); !e.ok()) return e;
  if (n > 0) {
    if (m.count < n) return Corrupt(c, "more points than the count");
    m.count -= n;
    if (Error e = RefreshEdges(c, &m); !e.ok()) return e;
    if (Error e = WriteMeta(c, m); !e.ok()) return e;
  }
  c.set_bool(n > 0);
  return Error::Ok();
}

Error RemoveRange(Call& c) {
  int64_t from = 0, to = 0;
  Meta m;
  if (Error e = c.get_timestamp(1, &from); !e.ok()) return e;
  if (Error e = c.get_timestamp(2, &to); !e.ok()) return e;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  uint64_t n = 0;
  if (Error e = DeleteRange(c, from, to, &n); !e.ok()) return e;
  if (n > 0) {
    if (m.count < n) return Corrupt(c, "more points than the count");
    m.count -= n;
    if (Error e = RefreshEdges(c, &m); !e.ok()) return e;
    if (Error e = WriteMeta(c, m); !e.ok()) return e;
  }
  c.set_int(static_cast<int64_t>(n));
  return Error::Ok();
}

Error Range(Call& c) {
  int64_t from = 0, to = 0, width = 0;
  Meta m;
  if (Error e = c.get_timestamp(1, &from); !e.ok()) return e;
  if (Error e = c.get_timestamp(2, &to); !e.ok()) return e;
  std::optional<Agg> agg;
  if (c.size() == 4) return c.invalid("AGG needs a BUCKET duration");
  if (c.size() == 5) {
    std::string_view s;
    if (Error e = c.get_bytes(3, TOWER_VALUE_STRING, &s); !e.ok()) return e;
    static const std::pair<const char*, Agg> kAggs[] = {
        {"avg", kAvg},     {"sum", kSumAgg},     {"min", kMinAgg},  {"max", kMaxAgg},
        {"count", kCount}, {"first", kFirstAgg}, {"last", kLastAgg}};
    for (const auto& [name, a] : kAggs) {
      if (s == name) agg = a;
    }
    if (!agg) {
      return c.invalid("unknown AGG '" + std::string(s) +
                       "' (want avg, sum, min, max, count, first or last)");
    }
    if (Error e = c.get_duration(4, &width); !e.ok()) return e;
    if (width <= 0) return c.invalid("BUCKET must be a positive duration");
  }
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  if (m.count > 0) from = std::max(from, Cutoff(m, m.last));  // never expired points
  c.set(Call::make(TOWER_VALUE_ARRAY));
  Error bad = Error::Ok();
  if (!agg) {
    Error e = Points(c, from, to, false, [&](int64_t ts, std::string_view bytes) {
      Num n;
      bad = DecodeNum(c, bytes, &n);
      if (!bad.ok()) return false;
      PushTs(c, ts);
      c.push(n.Value());
      return true;
    });
    return e.ok() ? bad : e;
  }
  std::optional<int64_t> cur;
  Bucket b;
  auto flush = [&] {
    if (!cur) return;
    PushTs(c, *cur);
    c.push(Result(b, *agg));
  };
  Error e = Points(c, from, to, false, [&](int64_t ts, std::string_view bytes) {
    Num n;
    bad = DecodeNum(c, bytes, &n);
    if (!bad.ok()) return false;
    int64_t start = BucketStart(ts, width);
    if (!cur || *cur != start) {
      flush();
      cur = start;
      b = Bucket();
    }
    b.Add(n);
    return true;
  });
  if (!e.ok()) return e;
  if (!bad.ok()) return bad;
  flush();
  return Error::Ok();
}

Error Latest(Call& c) {
  Meta m;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  if (m.count == 0) {
    c.set_null();
    return Error::Ok();
  }
  std::string bytes;
  if (Error e = c.item_get(c.key(), Sub(m.last), &bytes); !e.ok()) {
    return e.code == TOWER_E_NOT_FOUND ? Corrupt(c, "the last point is missing") : e;
  }
  Num n;
  if (Error e = DecodeNum(c, bytes, &n); !e.ok()) return e;
  c.set(Call::make(TOWER_VALUE_ARRAY));
  PushTs(c, m.last);
  c.push(n.Value());
  return Error::Ok();
}

Error Info(Call& c) {
  Meta m;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  c.set(Call::make(TOWER_VALUE_ARRAY));
  c.push(Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(m.count)));
  if (m.count == 0) {
    c.push(Call::make(TOWER_VALUE_NULL));
    c.push(Call::make(TOWER_VALUE_NULL));
  } else {
    PushTs(c, m.first);
    PushTs(c, m.last);
  }
  c.push(Call::of_i(TOWER_VALUE_DURATION, m.retention));
  tower_value p = Call::make(TOWER_VALUE_STRING);
  std::string_view name = kPolicyNames[m.policy];
  p.bytes = tower::sdk::slice(name);
  c.push(p);
  return Error::Ok();
}

void Define(DatatypeBuilder& b) {
  b.require_host_minor(4);  // items
  kSeries = b.type("timeseries", 1);
  b.command({"ts.create", "KEY [RETENTION:duration] [POLICY:string]",
             "creates an empty time series (retention 0 = forever; policy block, first, last, "
             "min, max or sum)",
             kWrite, 1, 3},
            Create);
  tower::sdk::define_delete_exists(
      b, {"ts.delete", "KEY", "deletes the time series and every point", kWrite, 1, 1},
      {"ts.exists", "KEY", "whether KEY holds a time series", kRead, 1, 1}, [](const Call& c) {
        Meta m;
        return ReadMeta(c, &m);
      });
  b.command({"ts.add", "KEY TIMESTAMP:timestamp VALUE",
             "adds a point (int or float); returns the value stored after the duplicate policy",
             kWrite, 3, 3},
            Add);
  b.command({"ts.get", "KEY TIMESTAMP:timestamp", "the point at TIMESTAMP", kRead, 2, 2}, Get);
  b.command({"ts.remove", "KEY TIMESTAMP:timestamp",
             "removes the point at TIMESTAMP; returns whether there was one", kWrite, 2, 2},
            Remove);
  b.command({"ts.remove_range", "KEY FROM:timestamp TO:timestamp",
             "removes the points in [FROM, TO]; returns how many", kWrite, 3, 3},
            RemoveRange);
  b.command({"ts.range", "KEY FROM:timestamp TO:timestamp [AGG:string BUCKET:duration]",
             "the points in [FROM, TO] as t1, v1, t2, v2...; with AGG (avg, sum, min, max, "
             "count, first, last), one aggregate per non-empty BUCKET-aligned bucket",
             kRead, 3, 5},
            Range);
  b.command(
      {"ts.latest", "KEY", "the newest point as [timestamp, value] (null when empty)", kRead, 1, 1},
      Latest);
  b.command({"ts.info", "KEY", "[count, first timestamp, last timestamp, retention, policy]", kRead,
             1, 1},
            Info);
}

}  // namespace

TOWER_DATATYPE_PLUGIN("timeseries", "1.0.0", "time series of numeric points", Define)
