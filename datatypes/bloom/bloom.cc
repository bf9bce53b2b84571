// The "bloom" data type: a scalable bloom filter (docs/types.md, "Bloom
// filter").
//
//   bloom.create KEY CAPACITY:int ERROR_RATE:float [EXPANSION]
//   bloom.create_slots KEY SLOTS:int      bloom.add KEY ITEM...
//   bloom.contains KEY ITEM               bloom.contains_many KEY ITEM...
//   bloom.count KEY   bloom.clear KEY     bloom.delete KEY
//   bloom.exists KEY  bloom.info KEY
//
// A filter is a chain of sub-filters. Sub-filter i is sized for its
// capacity n and error rate p: m = ceil(-n ln p / (ln 2)^2) bits and
// k = round(m / n * ln 2) hash functions. An item is hashed once through
// its value_codec encoding with XXH64 (two seeds: h1, h2), and its bits are
// g_j = (h1 + j * h2) mod m for j < k (Kirsch-Mitzenmacher). When the newest
// sub-filter holds `capacity` items, a new one with capacity * EXPANSION and
// error rate * 0.5 is appended (as RedisBloom does); contains checks all.
//
// Storage: the value is the metadata (see Meta); the bits of sub-filter f
// are items of up to 4 KiB, subkey = be32 f, be32 block index. A block never
// written is all zeros, so an add or a lookup reads and writes at most k
// blocks per sub-filter, whatever the filter's size, and a batch of items
// touches each block once.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tower/sdk/collection.hpp"
#include "tower/sdk/datatype.hpp"
#include "tower/sdk/value_codec.hpp"
#include "xxhash64.hpp"

namespace {

using tower::sdk::Call;
using tower::sdk::DatatypeBuilder;
using tower::sdk::Error;

constexpr uint32_t kWrite = TOWER_CMD_WRITE | TOWER_CMD_ITEMS;
constexpr uint32_t kRead = TOWER_CMD_READ_ONLY | TOWER_CMD_ITEMS;
constexpr uint8_t kVersion = 1;
constexpr size_t kHeader = 17;  // version, expansion, count, filters
constexpr size_t kFilterSize = 36;
constexpr uint64_t kBlockBytes = 4096;
constexpr uint64_t kBlockBits = kBlockBytes * 8;
constexpr uint64_t kMaxBits = uint64_t{1} << 40;  // per sub-filter (128 GiB)
constexpr uint32_t kMaxFilters = 64;
constexpr uint32_t kMaxExpansion = 1024;
constexpr uint32_t kMaxHashes = 64;
constexpr int64_t kSlotsCapacity = 100000;  // bloom.create_slots
constexpr uint64_t kSeed2 = 0x9E3779B97F4A7C15ULL;
constexpr double kLn2 = 0.69314718055994530942;

uint32_t kBloom = 0;

void Put64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void Put32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t Get64(std::string_view s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}
uint32_t Get32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}
uint64_t Bits(double d) {
  uint64_t b = 0;
  std::memcpy(&b, &d, 8);
  return b;
}
double FromBits(uint64_t b) {
  double d = 0;
  std::memcpy(&d, &b, 8);
  return d;
}

// One sub-filter: 36 bytes of metadata (be64 capacity, be64 error-rate
// bits, be32 k, be64 m, be64 count).
struct Filter {
  uint64_t capacity = 0;
  double error = 0;
  uint32_t k = 0;
  uint64_t m = 0;
  uint64_t count = 0;
};

// The optimal sizing for n items at error rate p; false when m > kMaxBits.
bool Size(uint64_t n, double p, Filter* f) {
  double m = std::ceil(-static_cast<double>(n) * std::log(p) / (kLn2 * kLn2));
  if (!(m >= 1) || m > static_cast<double>(kMaxBits)) return false;
  f->capacity = n;
  f->error = p;
  f->m = static_cast<uint64_t>(m);
  double k = std::round(static_cast<double>(f->m) / static_cast<double>(n) * kLn2);
  f->k = static_cast<uint32_t>(std::clamp(k, 1.0, static_cast<double>(kMaxHashes)));
  f->count = 0;
  return true;
}

// Metadata: version (1), be32 expansion (0 = no scaling), be64 count of
// items added, be32 number of sub-filters, then each sub-filter's 36 bytes.
struct Meta {
  uint32_t expansion = 2;
  uint64_t count = 0;
  std::vector<Filter> filters;

  std::string Encode() const {
    std::string s;
    s.push_back(static_cast<char>(kVersion));
    Put32(&s, expansion);
    Put64(&s, count);
    Put32(&s, static_cast<uint32_t>(filters.size()));
    for (const Filter& f : filters) {
      Put64(&s, f.capacity);
      Put64(&s, Bits(f.error));
      Put32(&s, f.k);
      Put64(&s, f.m);
      Put64(&s, f.count);
    }
    return s;
  }
};

Error Corrupt(const Call& c, const std::string& why) {
  return Error::Make(TOWER_E_CORRUPTION,
                     "bloom filter '" + std::string(c.key()) + "' is corrupt: " + why);
}

Error ReadMeta(const Call& c, Meta* m) {
  std::string p;
  Error e = c.read(c.key(), kBloom, &p);
  if (!e.ok()) return e;
  if (p.size() < kHeader || static_cast<uint8_t>(p[0]) != kVersion) {
    return Corrupt(c, "bad metadata header");
  }
  m->expansion = Get32(p, 1);
  m->count = Get64(p, 5);
  uint32_t n = Get32(p, 13);
  if (n == 0 || n > kMaxFilters || p.size() != kHeader + n * kFilterSize) {
    return Corrupt(c, "metadata size does not match its " + std::to_string(n) + " sub-filters");
  }
  m->filters.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = kHeader + i * kFilterSize;
    Filter& f = m->filters[i];
    f.capacity = Get64(p, at);
    f.error = FromBits(Get64(p, at + 8));
    f.k = Get32(p, at + 16);
    f.m = Get64(p, at + 20);
    f.count = Get64(p, at + 28);
    if (f.capacity == 0 || !(f.error > 0 && f.error < 1) || f.k == 0 || f.k > kMaxHashes ||
        f.m == 0 || f.m > kMaxBits) {
      return Corrupt(c, "sub-filter " + std::to_string(i) + " has bad parameters");
    }
  }
  return Error::Ok();
}

Error WriteMeta(const Call& c, const Meta& m) {
  return c.write(c.key(), kBloom, m.Encode(), /*keep_ttl=*/true);
}

// The two hashes of an item: XXH64 of its value_codec encoding.
struct Hashes {
  uint64_t h1 = 0, h2 = 0;
};

Error HashArg(const Call& c, size_t i, Hashes* h) {
  std::string enc;
  Error e = tower::sdk::encode_value(c.arg(i), &enc);
  if (!e.ok()) return c.invalid("ITEM " + std::to_string(i) + ": " + e.message);
  h->h1 = tower::bloom::XXH64(enc, 0);
  h->h2 = tower::bloom::XXH64(enc, kSeed2);
  return Error::Ok();
}

// The bit blocks a command touches, read once and written back once.
class Blocks {
 public:
  // A read-only Blocks (contains) looks at each bit in the backend's bytes
  // and keeps no copy; one that may write caches each block it reads.
  explicit Blocks(const Call& c, bool read_only = false) : c_(c), read_only_(read_only) {}

  // Bit j of sub-filter f (index fi) for the item: *set = whether it is 1;
  // with `write`, sets it.
  Error Bit(uint32_t fi, const Filter& f, uint64_t bit, bool write, bool* was) {
    uint64_t block = bit / kBlockBits;
    uint64_t total = (f.m + 7) / 8;
    uint64_t len = std::min(kBlockBytes, total - block * kBlockBytes);
    uint64_t in = bit % kBlockBits;
    unsigned char mask = static_cast<unsigned char>(1u << (in % 8));
    if (read_only_) {
      size_t size = len;
      unsigned char byte = 0;
      Error e = c_.item_view(c_.key(), Sub(fi, block), [&](std::string_view bytes) {
        size = bytes.size();
        if (in / 8 < size) byte = static_cast<unsigned char>(bytes[in / 8]);
      });
      if (!e.ok() && e.code != TOWER_E_NOT_FOUND) return e;  // absent: all zero
      if (size != len) return BadBlock(fi, block, size, len);
      *was = (byte & mask) != 0;
      return Error::Ok();
    }
    uint64_t id = static_cast<uint64_t>(fi) << 32 | block;
    auto it = cache_.find(id);
    if (it == cache_.end()) {
      Entry en;
      Error e = c_.item_get(c_.key(), Sub(fi, block), &en.bytes);
      if (e.code == TOWER_E_NOT_FOUND) {
        en.bytes.assign(len, '\0');
      } else if (!e.ok()) {
        return e;
      } else if (en.bytes.size() != len) {
        return BadBlock(fi, block, en.bytes.size(), len);
      }
      it = cache_.emplace(id, std::move(en)).first;
    }
    auto& byte = reinterpret_cast<unsigned char&>(it->second.bytes[in / 8]);
    *was = (byte & mask) != 0;
    if (write && !*was) {
      byte |= mask;
      it->second.dirty = true;
    }
    return Error::Ok();
  }

  // Whether every bit of the item is set in sub-filter fi; with `write`,
  // sets them all (and *was tells whether they were all set before).
  Error Item(uint32_t fi, const Filter& f, const Hashes& h, bool write, bool* all) {
    *all = true;
    for (uint32_t j = 0; j < f.k; ++j) {
      uint64_t bit = (h.h1 + static_cast<uint64_t>(j) * h.h2) % f.m;
      bool was = false;
      if (Error e = Bit(fi, f, bit, write, &was); !e.ok()) return e;
      if (!was) {
        *all = false;
        if (!write) return Error::Ok();
      }
    }
    return Error::Ok();
  }

  Error Flush() {
    for (const auto& [id, en] : cache_) {
      if (!en.dirty) continue;
      Error e = c_.item_put(
          c_.key(), Sub(static_cast<uint32_t>(id >> 32), static_cast<uint32_t>(id & 0xFFFFFFFFu)),
          en.bytes);
      if (!e.ok()) return e;
    }
    return Error::Ok();
  }

  static std::string Sub(uint32_t fi, uint64_t block) {
    std::string s;
    Put32(&s, fi);
    Put32(&s, static_cast<uint32_t>(block));
    return s;
  }

 private:
  struct Entry {
    std::string bytes;
    bool dirty = false;
  };
  Error BadBlock(uint32_t fi, uint64_t block, size_t size, uint64_t want) const {
    return Corrupt(c_, "block " + std::to_string(block) + " of sub-filter " + std::to_string(fi) +
                           " has " + std::to_string(size) + " bytes, want " + std::to_string(want));
  }

  const Call& c_;
  bool read_only_;
  std::unordered_map<uint64_t, Entry> cache_;
};

// Whether the item may be in any sub-filter.
Error MayContain(const Meta& m, Blocks* blocks, const Hashes& h, bool* found) {
  *found = false;
  for (uint32_t i = static_cast<uint32_t>(m.filters.size()); i-- > 0;) {
    if (Error e = blocks->Item(i, m.filters[i], h, false, found); !e.ok()) return e;
    if (*found) return Error::Ok();
  }
  return Error::Ok();
}

Error CreateWith(Call& c, int64_t capacity, double error, uint32_t expansion) {
  Meta m;
  m.expansion = expansion;
  Filter f;
  if (!Size(static_cast<uint64_t>(capacity), error, &f)) {
    return c.invalid("CAPACITY " + std::to_string(capacity) +
                     " is too large for ERROR_RATE (more than 2^40 bits)");
  }
  m.filters.push_back(f);
  std::string existing;
  return tower::sdk::create_if_absent(
      c, c.read(c.key(), TOWER_ANY_TYPE, &existing), kBloom, m.Encode(),
      std::string(c.name()) + ": key '" + std::string(c.key()) + "' exists");
}

Error Create(Call& c) {
  int64_t capacity = 0;
  double error = 0;
  uint32_t expansion = 2;
  if (Error e = c.get_int(1, &capacity); !e.ok()) return e;
  if (capacity < 1) return c.invalid("CAPACITY must be at least 1");
  if (Error e = c.get_float(2, &error); !e.ok()) return e;
  if (!(error > 0 && error < 1)) return c.invalid("ERROR_RATE must be between 0 and 1 (exclusive)");
  if (c.size() > 3) {
    const tower_value& x = c.arg(3);
    if (x.type == TOWER_VALUE_STRING && tower::sdk::view(x.bytes) == "nonscaling") {
      expansion = 0;
    } else if (x.type == TOWER_VALUE_INT) {
      if (x.i < 0 || x.i > kMaxExpansion) {
        return c.invalid("EXPANSION must be 0 (no scaling) to " + std::to_string(kMaxExpansion));
      }
      expansion = static_cast<uint32_t>(x.i);
    } else {
      return c.invalid(std::string("EXPANSION must be an int or \"nonscaling\", got ") +
                       tower::sdk::value_type_name(x.type));
    }
  }
  return CreateWith(c, capacity, error, expansion);
}

Error CreateSlots(Call& c) {
  int64_t slots = 0;
  if (Error e = c.get_int(1, &slots); !e.ok()) return e;
  if (slots == 0) slots = 3;  // the Go API's default
  if (slots < 3 || slots > 5) return c.invalid("SLOTS must be 3, 4 or 5 (0 = 3)");
  // k = -log2 p is optimal, so k hash functions imply p = 2^-k.
  return CreateWith(c, kSlotsCapacity, std::ldexp(1.0, -static_cast<int>(slots)), 2);
}

Error Add(Call& c) {
  Meta m;
  std::vector<Hashes> hs(c.size() - 1);
  for (size_t i = 1; i < c.size(); ++i) {
    if (Error e = HashArg(c, i, &hs[i - 1]); !e.ok()) return e;
  }
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  Blocks blocks(c);
  int64_t added = 0;
  bool grew = false;
  for (const Hashes& h : hs) {
    bool found = false;
    if (Error e = MayContain(m, &blocks, h, &found); !e.ok()) return e;
    if (found) continue;
    Filter* last = &m.filters.back();
    if (m.expansion > 0 && last->count >= last->capacity) {
      Filter next;
      if (m.filters.size() >= kMaxFilters || last->capacity > UINT64_MAX / m.expansion ||
          !Size(last->capacity * m.expansion, last->error * 0.5, &next)) {
        return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": bloom filter '" +
                                                 std::string(c.key()) +
                                                 "' cannot grow further (nothing added)");
      }
      m.filters.push_back(next);
      last = &m.filters.back();
      grew = true;
    }
    bool all = false;
    uint32_t fi = static_cast<uint32_t>(m.filters.size() - 1);
    if (Error e = blocks.Item(fi, *last, h, true, &all); !e.ok()) return e;
    if (!all) {
      ++last->count;
      ++m.count;
      ++added;
    }
  }
  if (added > 0 || grew) {
    if (Error e = blocks.Flush(); !e.ok()) return e;
    if (Error e = WriteMeta(c, m); !e.ok()) return e;
  }
  c.set_int(added);
  return Error::Ok();
}

// bloom.contains (one bool) and bloom.contains_many (an array of bools).
Error Contains(Call& c, bool many) {
  Meta m;
  std::vector<Hashes> hs(c.size() - 1);
  for (size_t i = 1; i < c.size(); ++i) {
    if (Error e = HashArg(c, i, &hs[i - 1]); !e.ok()) return e;
  }
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  Blocks blocks(c, /*read_only=*/true);
  std::vector<bool> out;
  for (const Hashes& h : hs) {
    bool found = false;
    if (Error e = MayContain(m, &blocks, h, &found); !e.ok()) return e;
    out.push_back(found);
  }
  if (!many) {
    c.set_bool(out[0]);
    return Error::Ok();
  }
  c.set(Call::make(TOWER_VALUE_ARRAY));
  for (bool b : out) c.push(Call::of_i(TOWER_VALUE_BOOL, b ? 1 : 0));
  return Error::Ok();
}

Error Info(Call& c) {
  Meta m;
  if (Error e = ReadMeta(c, &m); !e.ok()) return e;
  uint64_t capacity = 0, bits = 0;
  for (const Filter& f : m.filters) {
    capacity += f.capacity;
    bits += f.m;
  }
  c.set(Call::make(TOWER_VALUE_ARRAY));
  c.push(Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(capacity)));
  tower_value p = Call::make(TOWER_VALUE_FLOAT);
  p.f = m.filters[0].error;
  c.push(p);
  c.push(Call::of_i(TOWER_VALUE_INT, m.filters[0].k));
  c.push(Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(bits)));
  c.push(Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(m.filters.size())));
  c.push(Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(m.count)));
  c.push(Call::of_i(TOWER_VALUE_INT, m.expansion));
  return Error::Ok();
}

void Define(DatatypeBuilder& b) {
  b.require_host_minor(4);  // items
  kBloom = b.type("bloom", 1);
  b.command({"bloom.create", "KEY CAPACITY:int ERROR_RATE:float [EXPANSION]",
             "creates an empty bloom filter for CAPACITY items at ERROR_RATE; EXPANSION "
             "(default 2; 0 or \"nonscaling\" = fixed size) grows it past CAPACITY",
             kWrite, 3, 4},
            Create);
  b.command({"bloom.create_slots", "KEY SLOTS:int",
             "creates a bloom filter with SLOTS (3..5, 0 = 3) hash functions for 100,000 items "
             "at error rate 2^-SLOTS, scaling by 2",
             kWrite, 2, 2},
            CreateSlots);
  b.command({"bloom.add", "KEY ITEM...",
             "adds the items; returns how many were new (set at least one bit)", kWrite, 2, -1},
            Add);
  b.command({"bloom.contains", "KEY ITEM", "whether ITEM may have been added", kRead, 2, 2},
            [](Call& c) { return Contains(c, false); });
  b.command({"bloom.contains_many", "KEY ITEM...", "bloom.contains for each item, as an array",
             kRead, 2, -1},
            [](Call& c) { return Contains(c, true); });
  b.command(
      {"bloom.count", "KEY", "how many items were added (new ones only; approximate)", kRead, 1, 1},
      [](Call& c) {
        Meta m;
        Error e = ReadMeta(c, &m);
        if (e.ok()) c.set_int(static_cast<int64_t>(m.count));
        return e;
      });
  b.command(
      {"bloom.clear", "KEY", "empties the filter (back to its first sub-filter)", kWrite, 1, 1},
      [](Call& c) {
        Meta m;
        Error e = ReadMeta(c, &m);
        if (e.ok()) e = c.item_clear(c.key());
        if (!e.ok()) return e;
        m.filters.resize(1);
        m.filters[0].count = 0;
        m.count = 0;
        e = WriteMeta(c, m);
        if (e.ok()) c.set_null();
        return e;
      });
  tower::sdk::define_delete_exists(
      b, {"bloom.delete", "KEY", "deletes the filter", kWrite, 1, 1},
      {"bloom.exists", "KEY", "whether KEY holds a bloom filter", kRead, 1, 1}, [](const Call& c) {
        Meta m;
        return ReadMeta(c, &m);
      });
  b.command(
      {"bloom.info", "KEY",
       "[capacity, error rate, hash functions, bits, sub-filters, count, expansion]", kRead, 1, 1},
      Info);
}

}  // namespace

TOWER_DATATYPE_PLUGIN("bloom", "1.0.0", "scalable bloom filters", Define)
