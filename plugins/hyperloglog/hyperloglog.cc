// The "hyperloglog" data-type plugin: an out-of-tree example built against
// the installed Tower SDK only (find_package(Tower), tower::sdk).
//
// It adds one type, "hll": a HyperLogLog sketch that estimates the number of
// distinct items added to it in a few KiB, and the commands
//
//   hll.create KEY [PRECISION:int]  an empty sketch of 2^PRECISION registers
//                                   (4..18, default 14); AlreadyExists when
//                                   KEY exists
//   hll.add KEY ITEM...             adds items (any value); 1 when a register
//                                   changed, else 0 (like Redis PFADD); creates
//                                   KEY with the default precision
//   hll.count KEY...                the estimated cardinality (of the union
//                                   for several keys, merged in memory);
//                                   missing keys count as empty
//   hll.merge DEST SRC...           DEST := DEST (if present) union SRCs
//   hll.info KEY                    "precision=14 registers=16384 ..."
//
// Payload (type "hll", encoding 1), 2 + 2^p bytes:
//   byte 0      format version (1)
//   byte 1      precision p, 4..18
//   2^p bytes   the registers, one byte each, 0..(64 - p + 1)
// One byte per register (not 6-bit packing) keeps add and merge simple
// byte operations; a p = 14 sketch is 16,386 bytes.
//
// Items are hashed with MurmurHash64A (Austin Appleby's public-domain
// algorithm, implemented here) over a canonical encoding of the value, with
// a seed derived from the value's type: int 42, string "42" and binary "42"
// are three different items. Two items are the same when their values are
// equal (floats: -0.0 equals 0.0, and every NaN is one item). The hash is
// part of the format: sketches can be merged only because every writer
// hashes alike. The top p bits of the hash pick the register; the register
// keeps the maximum over its items of (leading zeros of the other 64 - p
// bits) + 1, which is 64 - p + 1 when they are all zero.
//
// Estimator: Otmar Ertl's improved raw estimator ("New cardinality
// estimation algorithms for HyperLogLog sketches", 2017, arXiv:1702.01284).
// It works from the histogram of register values and is accurate over the
// whole range, from 0 (where it behaves like linear counting) to billions,
// without the empirical bias tables or the linear-counting switch of the
// original HyperLogLog; its relative standard error is about 1.04 / sqrt(m).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/datatype.hpp"
#include "tower/sdk/text.hpp"

namespace {

using tower::sdk::Call;
using tower::sdk::Error;

constexpr uint32_t kRead = TOWER_CMD_READ_ONLY;
constexpr uint32_t kWrite = TOWER_CMD_WRITE;

constexpr uint8_t kFormatVersion = 1;
constexpr int64_t kMinPrecision = 4;
constexpr int64_t kMaxPrecision = 18;
constexpr int kDefaultPrecision = 14;
constexpr size_t kHeaderSize = 2;  // version, precision

// ---- hashing ----

uint64_t Load64(const unsigned char* p) {  // little-endian, on any host
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void Store64(uint64_t v, unsigned char* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

// MurmurHash64A (64-bit, for 64-bit machines), with little-endian loads so
// that every host computes the same registers.
uint64_t MurmurHash64A(const unsigned char* data, size_t len, uint64_t seed) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ull;
  constexpr int kShift = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * kMul);
  const unsigned char* end = data + (len & ~size_t{7});
  for (; data != end; data += 8) {
    uint64_t k = Load64(data);
    k *= kMul;
    k ^= k >> kShift;
    k *= kMul;
    h ^= k;
    h *= kMul;
  }
  size_t tail = len & 7;
  if (tail != 0) {
    for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(data[i]) << (8 * i);
    h *= kMul;
  }
  h ^= h >> kShift;
  h *= kMul;
  h ^= h >> kShift;
  return h;
}

// A strong 64-bit mixer (the splitmix64 finalizer) for deriving seeds.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The seed for items of value type `type`; `extra` carries the parts of a
// value that are not in its bytes (a decimal's scale).
uint64_t TypeSeed(uint32_t type, uint64_t extra = 0) {
  constexpr uint64_t kSeed = 0x9e3779b97f4a7c15ull;
  return Mix64(kSeed ^ (static_cast<uint64_t>(type) << 56) ^ extra);
}

// The hash of argument `i` (an item) over its canonical encoding.
Error ItemHash(const Call& c, size_t i, uint64_t* out) {
  const tower_value& v = c.arg(i);
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.bytes.data);
  unsigned char fixed[16];
  switch (v.type) {
    case TOWER_VALUE_NULL:
    case TOWER_VALUE_STRING:
    case TOWER_VALUE_BINARY:
    case TOWER_VALUE_UUID:
    case TOWER_VALUE_BIGINT:
      *out = MurmurHash64A(bytes, v.bytes.size, TypeSeed(v.type));
      return Error::Ok();
    case TOWER_VALUE_DECIMAL:
      *out = MurmurHash64A(bytes, v.bytes.size,
                           TypeSeed(v.type, static_cast<uint32_t>(v.aux)));  // the scale
      return Error::Ok();
    case TOWER_VALUE_INT:
    case TOWER_VALUE_BOOL:
    case TOWER_VALUE_TIMESTAMP:
    case TOWER_VALUE_DURATION:
      Store64(static_cast<uint64_t>(v.i), fixed);
      *out = MurmurHash64A(fixed, 8, TypeSeed(v.type));
      return Error::Ok();
    case TOWER_VALUE_FLOAT: {
      double f = v.f == 0.0 ? 0.0 : v.f;  // -0.0 == 0.0
      if (std::isnan(f)) f = std::numeric_limits<double>::quiet_NaN();
      Store64(std::bit_cast<uint64_t>(f), fixed);
      *out = MurmurHash64A(fixed, 8, TypeSeed(v.type));
      return Error::Ok();
    }
    case TOWER_VALUE_TIME:  // the instant and the zone offset it is shown in
      Store64(static_cast<uint64_t>(v.i), fixed);
      Store64(static_cast<uint64_t>(v.nanos) | static_cast<uint64_t>(static_cast<uint32_t>(v.aux))
                                                   << 32,
              fixed + 8);
      *out = MurmurHash64A(fixed, 16, TypeSeed(v.type));
      return Error::Ok();
    default:
      return c.invalid("argument " + std::to_string(i + 1) + " (an item) has type " +
                       tower::sdk::value_type_name(v.type) + "; items are single values");
  }
}

// ---- sketches ----

size_t Registers(int p) { return size_t{1} << p; }
size_t PayloadSize(int p) { return kHeaderSize + Registers(p); }
// The largest register value at precision p: 64 - p hash bits all zero.
int MaxRank(int p) { return 64 - p + 1; }

// Register index and value of one item's hash.
inline void Place(uint64_t h, int p, size_t* index, uint8_t* rank) {
  *index = static_cast<size_t>(h >> (64 - p));
  uint64_t rest = h << p;  // the other 64 - p bits, then p zero bits
  *rank = static_cast<uint8_t>(std::min(std::countl_zero(rest), 64 - p) + 1);
}

// A parsed sketch (a view of a payload).
struct Sketch {
  int precision = 0;
  const uint8_t* registers = nullptr;
  size_t m = 0;
};

Error Corrupt(const Call& c, std::string_view key, const std::string& why) {
  return Error::Make(TOWER_E_CORRUPTION, std::string(c.name()) + ": the hll sketch of key " +
                                             tower::sdk::quote(key) + " is corrupt: " + why);
}

// Checks a stored payload (header, length and register range) and views it.
Error Parse(const Call& c, std::string_view key, std::string_view payload, Sketch* out) {
  if (payload.size() < kHeaderSize) {
    return Corrupt(c, key, "truncated to " + std::to_string(payload.size()) + " bytes");
  }
  const auto* b = reinterpret_cast<const uint8_t*>(payload.data());
  if (b[0] != kFormatVersion) {
    return Corrupt(c, key,
                   "unknown format version " + std::to_string(b[0]) + " (this plugin reads " +
                       std::to_string(kFormatVersion) + ")");
  }
  int p = b[1];
  if (p < kMinPrecision || p > kMaxPrecision) {
    return Corrupt(c, key, "precision " + std::to_string(p) + " is outside 4..18");
  }
  if (payload.size() != PayloadSize(p)) {
    return Corrupt(c, key,
                   std::to_string(payload.size()) + " bytes where precision " + std::to_string(p) +
                       " needs " + std::to_string(PayloadSize(p)));
  }
  const uint8_t* regs = b + kHeaderSize;
  uint8_t top = 0;
  for (size_t j = 0; j < Registers(p); ++j) top = std::max(top, regs[j]);
  if (top > MaxRank(p)) {
    return Corrupt(c, key,
                   "register value " + std::to_string(top) + " exceeds " +
                       std::to_string(MaxRank(p)) + " (precision " + std::to_string(p) + ")");
  }
  *out = {p, regs, Registers(p)};
  return Error::Ok();
}

// Reads the sketch of `key`: NotFound, TypeMismatch (from the kernel) or
// Corruption; *s views host memory valid until the next store call.
Error ReadSketch(const Call& c, uint32_t type, std::string_view key, Sketch* s) {
  thread_local std::string scratch;  // a copy only on hosts older than ABI 1.2
  std::string_view payload;
  Error e = c.read_view(key, type, &payload, &scratch);
  if (!e.ok()) return e;
  return Parse(c, key, payload, s);
}

// Stages key := an empty sketch of precision p, written in place (ABI 1.2):
// *registers points at its staged registers until the next store call.
// NOT_SUPPORTED on an older host.
Error StageSketch(const Call& c, uint32_t type, std::string_view key, int p, bool keep_ttl,
                  uint8_t** registers) {
  char* buf = nullptr;
  Error e = c.write_reserve(key, type, PayloadSize(p), &buf, keep_ttl);
  if (!e.ok()) return e;
  buf[0] = static_cast<char>(kFormatVersion);
  buf[1] = static_cast<char>(p);
  *registers = reinterpret_cast<uint8_t*>(buf + kHeaderSize);
  return Error::Ok();
}

// Stages key := a sketch of precision p with a copy of `registers` (zeros
// when null).
Error WriteSketch(const Call& c, uint32_t type, std::string_view key, int p,
                  const uint8_t* registers, bool keep_ttl) {
  uint8_t* staged = nullptr;
  Error e = StageSketch(c, type, key, p, keep_ttl, &staged);
  if (e.code == TOWER_E_NOT_SUPPORTED) {  // host ABI 1.1: build it here
    std::string payload(PayloadSize(p), '\0');
    payload[0] = static_cast<char>(kFormatVersion);
    payload[1] = static_cast<char>(p);
    if (registers) std::memcpy(payload.data() + kHeaderSize, registers, Registers(p));
    return c.write(key, type, payload, keep_ttl);
  }
  if (e.ok() && registers) std::memcpy(staged, registers, Registers(p));
  return e;
}

// sigma and tau of Ertl's estimator (series evaluated until they stop
// changing in double precision).
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (z != prev);
  return z;
}
double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, prev;
  do {
    x = std::sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != prev);
  return z / 3.0;
}

// Ertl's improved raw estimate from the registers of a (checked) sketch.
double Estimate(const uint8_t* registers, int p) {
  const size_t m = Registers(p);
  const int q = 64 - p;
  uint64_t hist[256] = {};
  for (size_t j = 0; j < m; ++j) ++hist[registers[j]];
  if (hist[0] == m) return 0.0;
  const double md = static_cast<double>(m);
  double z = md * Tau(1.0 - static_cast<double>(hist[q + 1]) / md);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(hist[k]));
  z += md * Sigma(static_cast<double>(hist[0]) / md);
  const double alpha_inf = 1.0 / (2.0 * std::log(2.0));
  return alpha_inf * md * md / z;
}

int64_t Rounded(double estimate) { return static_cast<int64_t>(std::llround(estimate)); }

// Register-wise maximum into `into`; true when a register grew.
bool MaxMerge(uint8_t* into, const uint8_t* from, size_t m) {
  uint8_t grew = 0;
  for (size_t j = 0; j < m; ++j) {
    grew |= static_cast<uint8_t>(from[j] > into[j]);
    into[j] = std::max(into[j], from[j]);
  }
  return grew != 0;
}

Error PrecisionMismatch(const Call& c, std::string_view a, int pa, std::string_view b, int pb) {
  return c.invalid("key " + tower::sdk::quote(b) + " has precision " + std::to_string(pb) +
                   " but key " + tower::sdk::quote(a) + " has precision " + std::to_string(pa) +
                   "; only sketches of equal precision can be combined");
}

// The union of several sketches, built in memory by MergeKeys.
struct Union {
  int precision = 0;
  std::string_view first_key;  // whose precision the others must match
  std::vector<uint8_t>* registers = nullptr;
  bool grew = false;  // a key after the first raised a register
};
// Merges the sketches of keys c.key(first)..c.key(last) into *u (register-
// wise maximum), skipping missing keys; u->precision stays 0 while none
// exists. InvalidArgument when the precisions differ.
Error MergeKeys(const Call& c, uint32_t type, size_t first, size_t last, Union* u) {
  for (size_t i = first; i <= last; ++i) {
    Sketch s;
    Error e = ReadSketch(c, type, c.key(i), &s);
    if (e.code == TOWER_E_NOT_FOUND) continue;
    if (!e.ok()) return e;
    if (u->precision == 0) {
      u->precision = s.precision;
      u->first_key = c.key(i);
      u->registers->assign(s.registers, s.registers + s.m);
    } else if (s.precision != u->precision) {
      return PrecisionMismatch(c, u->first_key, u->precision, c.key(i), s.precision);
    } else {
      u->grew |= MaxMerge(u->registers->data(), s.registers, s.m);
    }
  }
  return Error::Ok();
}

// Registers being built by a command (a union, or a changed copy), reused
// across the commands of a thread.
std::vector<uint8_t>& Scratch() {
  thread_local std::vector<uint8_t> buffer;
  return buffer;
}

// ---- commands ----

Error Create(Call& c, uint32_t type) {
  int64_t p = kDefaultPrecision;
  if (c.size() > 1) {
    Error e = c.get_int(1, &p);
    if (!e.ok()) return e;
  }
  if (p < kMinPrecision || p > kMaxPrecision) {
    return c.invalid("precision " + std::to_string(p) +
                     " is outside 4..18 (the sketch has 2^precision registers)");
  }
  thread_local std::string scratch;
  std::string_view existing;
  uint32_t found = 0;
  Error e = c.read_view(c.key(), TOWER_ANY_TYPE, &existing, &scratch, &found);
  if (e.ok()) {
    return Error::Make(TOWER_E_ALREADY_EXISTS,
                       std::string(c.name()) + ": key " + tower::sdk::quote(c.key()) +
                           " already exists" +
                           (found == type ? " (an hll sketch)" : " (a value of another type)"));
  }
  if (e.code != TOWER_E_NOT_FOUND) return e;
  e = WriteSketch(c, type, c.key(), static_cast<int>(p), nullptr, /*keep_ttl=*/false);
  if (e.ok()) c.set_null();
  return e;
}

Error Add(Call& c, uint32_t type) {
  uint64_t hash = 0;
  Sketch s;
  Error e = ReadSketch(c, type, c.key(), &s);
  if (e.code == TOWER_E_NOT_FOUND) {
    // A new sketch: hash straight into the staged registers (or, on a host
    // older than ABI 1.2, into a local copy written at the end).
    const int p = kDefaultPrecision;
    uint8_t* regs = nullptr;
    e = StageSketch(c, type, c.key(), p, /*keep_ttl=*/false, &regs);
    const bool local = e.code == TOWER_E_NOT_SUPPORTED;
    if (local) {
      Scratch().assign(Registers(p), 0);
      regs = Scratch().data();
    } else if (!e.ok()) {
      return e;
    }
    for (size_t i = 1; i < c.size(); ++i) {
      e = ItemHash(c, i, &hash);
      if (!e.ok()) return e;
      size_t j;
      uint8_t rank;
      Place(hash, p, &j, &rank);
      regs[j] = std::max(regs[j], rank);
    }
    e = local ? WriteSketch(c, type, c.key(), p, regs, /*keep_ttl=*/false) : Error::Ok();
    if (e.ok()) c.set_int(1);
    return e;
  }
  if (!e.ok()) return e;
  // Compare against the stored registers without a copy; copy them only
  // once an item raises one.
  std::vector<uint8_t>& copy = Scratch();
  const uint8_t* current = s.registers;
  bool changed = false;
  for (size_t i = 1; i < c.size(); ++i) {
    e = ItemHash(c, i, &hash);
    if (!e.ok()) return e;
    size_t j;
    uint8_t rank;
    Place(hash, s.precision, &j, &rank);
    if (rank <= current[j]) continue;
    if (!changed) {
      copy.assign(s.registers, s.registers + s.m);
      current = copy.data();
      changed = true;
    }
    copy[j] = rank;
  }
  if (changed) e = WriteSketch(c, type, c.key(), s.precision, copy.data(), /*keep_ttl=*/true);
  if (e.ok()) c.set_int(changed ? 1 : 0);
  return e;
}

Error Count(Call& c, uint32_t type) {
  if (c.size() == 1) {  // one key: estimate from the stored registers, no copy
    Sketch s;
    Error e = ReadSketch(c, type, c.key(), &s);
    if (e.code == TOWER_E_NOT_FOUND) {
      c.set_int(0);
      return Error::Ok();
    }
    if (e.ok()) c.set_int(Rounded(Estimate(s.registers, s.precision)));
    return e;
  }
  Union u;
  u.registers = &Scratch();
  Error e = MergeKeys(c, type, 0, c.size() - 1, &u);
  if (!e.ok()) return e;
  c.set_int(u.precision == 0 ? 0 : Rounded(Estimate(u.registers->data(), u.precision)));
  return Error::Ok();
}

Error Merge(Call& c, uint32_t type) {
  Union u;
  u.registers = &Scratch();
  Error e = MergeKeys(c, type, 0, 0, &u);  // the destination, when present
  if (!e.ok()) return e;
  const bool dest_exists = u.precision != 0;
  e = MergeKeys(c, type, 1, c.size() - 1, &u);
  if (!e.ok()) return e;
  if (u.precision == 0) {  // nothing exists: an empty sketch, like PFMERGE
    u.precision = kDefaultPrecision;
    u.registers->assign(Registers(kDefaultPrecision), 0);
  }
  if (!dest_exists || u.grew) {
    e = WriteSketch(c, type, c.key(), u.precision, u.registers->data(), /*keep_ttl=*/true);
  }
  if (e.ok()) c.set_null();
  return e;
}

Error Info(Call& c, uint32_t type) {
  Sketch s;
  Error e = ReadSketch(c, type, c.key(), &s);
  if (!e.ok()) return e;
  size_t empty = static_cast<size_t>(std::count(s.registers, s.registers + s.m, uint8_t{0}));
  char error[32];
  std::snprintf(error, sizeof error, "%.6g", 1.04 / std::sqrt(static_cast<double>(s.m)));
  c.set_string("precision=" + std::to_string(s.precision) + " registers=" + std::to_string(s.m) +
               " standard_error=" + error + " empty_registers=" + std::to_string(empty) +
               " format=" + std::to_string(kFormatVersion) +
               " bytes=" + std::to_string(PayloadSize(s.precision)));
  return Error::Ok();
}

void Define(tower::sdk::DatatypeBuilder& b) {
  const uint32_t kType = b.type("hll", 1);
  b.command({"hll.create", "KEY [PRECISION:int]",
             "creates an empty sketch of 2^PRECISION registers (4..18, default 14)", kWrite, 1, 2},
            [kType](Call& c) { return Create(c, kType); });
  b.command(
      {"hll.add", "KEY ITEM...",
       "adds the items (any values); 1 when the estimate may have changed, else 0", kWrite, 2, -1},
      [kType](Call& c) { return Add(c, kType); });
  b.command({"hll.count", "KEY...",
             "the estimated number of distinct items (of the union for several keys; missing "
             "keys are empty)",
             kRead, 1, -1, /*first_key=*/0, /*last_key=*/-1},
            [kType](Call& c) { return Count(c, kType); });
  b.command({"hll.merge", "DEST SRC...",
             "DEST := the union of DEST (if present) and the SRC sketches (equal precisions)",
             kWrite, 2, -1, /*first_key=*/0, /*last_key=*/-1},
            [kType](Call& c) { return Merge(c, kType); });
  b.command({"hll.info", "KEY",
             "\"precision=P registers=M standard_error=E empty_registers=N format=1 bytes=B\"",
             kRead, 1, 1},
            [kType](Call& c) { return Info(c, kType); });
}

}  // namespace

TOWER_DATATYPE_PLUGIN("hyperloglog", "1.0.0", "HyperLogLog cardinality sketches (type hll)", Define)
