// The "roaring" data-type plugin: compressed bitmaps of 32-bit ("roaring.*")
// and 64-bit ("roaring64.*") unsigned integers on CRoaring (Debian
// libroaring-dev), as the Go project offers both.
//
// Layout. A bitmap is a collection (ABI 1.4 items): its value holds a format
// byte and the cardinality; its members are split by their high bits into
// chunks of 65,536 values, one item per non-empty chunk:
//   subkey = be64(value >> 16), item = CRoaring portable serialization of
//   the chunk's low 16 bits.
// So an add or remove reads and writes one small chunk, not the whole
// bitmap, and a bitmap of any size deletes in O(1) with its key.
//
// Export and import use the standard portable formats that every Roaring
// implementation reads: Roaring's for 32-bit bitmaps, Roaring64Map's (a
// bucket count, then per bucket the high 32 bits and a 32-bit portable
// bitmap) for 64-bit ones.
//
// Values: roaring takes ints 0..2^32-1; roaring64 takes ints >= 0 and
// bigints up to 2^64-1 (members >= 2^63 come back as bigints).
#include <roaring/roaring.hh>
#include <roaring/roaring64map.hh>

#include <map>
#include <string>
#include <vector>

#include "tower/sdk/collection.hpp"
#include "tower/sdk/datatype.hpp"
#include "tower/sdk/text.hpp"

namespace tower::roaring_plugin {
namespace {

using sdk::Call;
using sdk::Error;
using Chunks = std::map<uint64_t, Roaring>;  // high bits -> low 16 bits

constexpr uint8_t kFormat = 1;
constexpr size_t kMaxImport = 256u << 20;  // a bitmap import is at most 256 MiB

struct Width {
  const char* prefix;  // "roaring" / "roaring64"
  uint32_t type;       // the plugin's type index
  uint64_t max;        // largest member
};
Width g_widths[2] = {{"roaring", 0, 0xFFFFFFFFull}, {"roaring64", 0, ~0ull}};

std::string Sub(uint64_t high) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(high >> (56 - 8 * i));
  return s;
}
uint64_t High(std::string_view sub) {
  uint64_t h = 0;
  for (unsigned char c : sub) h = h << 8 | c;
  return h;
}

std::string Meta(uint64_t cardinality) { return sdk::encode_count_meta(kFormat, cardinality); }

Error Corrupt(const Call& c, std::string_view key, const std::string& why) {
  return Error::Make(TOWER_E_CORRUPTION,
                     std::string(c.name()) + ": bitmap " + sdk::quote(key) + " is corrupt: " + why);
}

// Reads the bitmap's cardinality; NOT_FOUND / TYPE_MISMATCH from the kernel.
Error ReadCardinality(const Call& c, const Width& w, std::string_view key, uint64_t* card) {
  return sdk::read_count_meta(c, key, w.type, kFormat, "bitmap", card);
}

Error ParseChunk(const Call& c, std::string_view key, std::string_view bytes, Roaring* out) {
  try {
    *out = Roaring::readSafe(bytes.data(), bytes.size());
  } catch (const std::exception& ex) {
    return Corrupt(c, key, std::string("bad chunk: ") + ex.what());
  }
  if (out->getSizeInBytes(true) != bytes.size() || (!out->isEmpty() && out->maximum() > 0xFFFF))
    return Corrupt(c, key, "bad chunk");
  return Error::Ok();
}

std::string Serialize(const Roaring& r) {
  std::string s(r.getSizeInBytes(true), '\0');
  r.write(s.data(), true);
  return s;
}

// Every chunk of a bitmap (missing key: empty, when allow_missing).
Error LoadChunks(const Call& c, const Width& w, std::string_view key, bool allow_missing,
                 Chunks* out) {
  uint64_t card = 0;
  Error e = ReadCardinality(c, w, key, &card);
  if (e.code == TOWER_E_NOT_FOUND && allow_missing) return Error::Ok();
  if (!e.ok()) return e;
  Error inner = Error::Ok();
  e = c.item_scan(key, std::nullopt, std::nullopt, false,
                  [&](std::string_view sub, std::string_view v) {
                    if (sub.size() != 8) {
                      inner = Corrupt(c, key, "bad chunk key");
                      return false;
                    }
                    inner = ParseChunk(c, key, v, &(*out)[High(sub)]);
                    return inner.ok();
                  });
  return e.ok() ? inner : e;
}

// Replaces `key` with `chunks` (creating it); returns the cardinality.
Error Store(const Call& c, const Width& w, std::string_view key, Chunks& chunks, uint64_t* card) {
  uint64_t n = 0;
  for (auto& [h, r] : chunks) n += r.cardinality();
  // A fresh value of this type: write the metadata, drop old items.
  uint64_t old = 0;
  Error e = ReadCardinality(c, w, key, &old);
  if (e.ok()) {
    if (Error x = c.item_clear(key); !x.ok()) return x;
  } else if (e.code != TOWER_E_NOT_FOUND) {
    // Another type: overwriting it is allowed (like Redis BITOP's DEST).
    if (e.code != TOWER_E_TYPE_MISMATCH) return e;
    if (Error x = c.remove(key); !x.ok()) return x;
  }
  if (Error x = c.write(key, w.type, Meta(n), e.ok()); !x.ok()) return x;
  for (auto& [h, r] : chunks) {
    if (r.isEmpty()) continue;
    r.runOptimize();
    if (Error x = c.item_put(key, Sub(h), Serialize(r)); !x.ok()) return x;
  }
  *card = n;
  return Error::Ok();
}

// Argument i as a member of width w.
Error Member(const Call& c, const Width& w, size_t i, uint64_t* out) {
  const tower_value& v = c.arg(i);
  if (v.type == TOWER_VALUE_INT) {
    if (v.i < 0 || static_cast<uint64_t>(v.i) > w.max)
      return c.invalid("member " + std::to_string(v.i) + " is outside 0.." + std::to_string(w.max));
    *out = static_cast<uint64_t>(v.i);
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_BIGINT && w.max == ~0ull) {
    std::string_view b = sdk::view(v.bytes);
    size_t start = 1;
    while (start < b.size() && b[start] == 0) ++start;
    if (b.empty() || (b[0] != 0 && b.size() > start) || b.size() - start > 8)
      return c.invalid("bigint member is outside 0..18446744073709551615");
    uint64_t x = 0;
    for (size_t k = start; k < b.size(); ++k) x = x << 8 | static_cast<unsigned char>(b[k]);
    *out = x;
    return Error::Ok();
  }
  return c.invalid("argument " + std::to_string(i + 1) + " must be a non-negative int" +
                   (w.max == ~0ull ? " or bigint" : "") + ", got " + sdk::value_type_name(v.type));
}

void PushMember(const Call& c, uint64_t m) {
  if (m <= static_cast<uint64_t>(INT64_MAX)) {
    c.push(Call::of_i(TOWER_VALUE_INT, static_cast<int64_t>(m)));
    return;
  }
  std::string b(1, '\0');
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<char>(m >> (8 * i)));
  tower_value v = Call::make(TOWER_VALUE_BIGINT);
  v.bytes = sdk::slice(b);
  c.push(v);
}

// add / remove: one chunk read and write per touched chunk.
Error Update(Call& c, const Width& w, bool add) {
  std::vector<uint64_t> members(c.size() - 1);
  for (size_t i = 1; i < c.size(); ++i) {
    if (Error e = Member(c, w, i, &members[i - 1]); !e.ok()) return e;
  }
  uint64_t card = 0;
  Error e = ReadCardinality(c, w, c.key(), &card);
  if (e.code == TOWER_E_NOT_FOUND && add) {
    if (Error x = c.write(c.key(), w.type, Meta(0)); !x.ok()) return x;
  } else if (!e.ok()) {
    return e;
  }
  const uint64_t before = card;
  Chunks touched;
  for (uint64_t m : members) {
    uint64_t h = m >> 16;
    if (!touched.count(h)) {
      std::string bytes;
      Error g = c.item_get(c.key(), Sub(h), &bytes);
      if (g.ok()) {
        if (Error x = ParseChunk(c, c.key(), bytes, &touched[h]); !x.ok()) return x;
      } else if (g.code == TOWER_E_NOT_FOUND) {
        touched[h];
      } else {
        return g;
      }
    }
    Roaring& r = touched[h];
    auto low = static_cast<uint32_t>(m & 0xFFFF);
    if (add && r.addChecked(low)) ++card;
    if (!add && r.removeChecked(low)) --card;
  }
  for (auto& [h, r] : touched) {
    Error x = Error::Ok();
    if (r.isEmpty()) {
      x = c.item_delete(c.key(), Sub(h));
    } else {
      r.runOptimize();
      x = c.item_put(c.key(), Sub(h), Serialize(r));
    }
    if (!x.ok()) return x;
  }
  if (Error x = c.write(c.key(), w.type, Meta(card), true); !x.ok()) return x;
  c.set_int(static_cast<int64_t>(add ? card - before : before - card));
  return Error::Ok();
}

// One set operation over the source bitmaps (missing ones are empty).
enum class Op { kUnion, kIntersection, kDifference, kXor };

Error Combine(Call& c, const Width& w, Op op) {
  Chunks acc;
  for (size_t i = 1; i < c.size(); ++i) {
    Chunks src;
    if (Error e = LoadChunks(c, w, c.key(i), true, &src); !e.ok()) return e;
    if (i == 1) {
      acc = std::move(src);
      continue;
    }
    switch (op) {
      case Op::kUnion:
      case Op::kXor:
        for (auto& [h, r] : src) {
          auto it = acc.find(h);
          if (it == acc.end()) {
            acc.emplace(h, std::move(r));
          } else if (op == Op::kUnion) {
            it->second |= r;
          } else {
            it->second ^= r;
          }
        }
        break;
      case Op::kIntersection:
        for (auto it = acc.begin(); it != acc.end();) {
          auto s = src.find(it->first);
          if (s == src.end()) {
            it = acc.erase(it);
          } else {
            it->second &= s->second;
            ++it;
          }
        }
        break;
      case Op::kDifference:
        for (auto& [h, r] : src) {
          if (auto it = acc.find(h); it != acc.end()) it->second -= r;
        }
        break;
    }
  }
  uint64_t card = 0;
  if (Error e = Store(c, w, c.key(0), acc, &card); !e.ok()) return e;
  c.set_int(static_cast<int64_t>(card));
  return Error::Ok();
}

std::string Export(const Width& w, const Chunks& chunks) {
  if (w.max == 0xFFFFFFFFull) {
    Roaring all;
    for (const auto& [h, r] : chunks) {
      for (uint32_t low : r) all.add(static_cast<uint32_t>(h << 16) | low);
    }
    all.runOptimize();
    return Serialize(all);
  }
  Roaring64Map all;
  for (const auto& [h, r] : chunks) {
    for (uint32_t low : r) all.add((h << 16) | low);
  }
  all.runOptimize();
  std::string s(all.getSizeInBytes(true), '\0');
  all.write(s.data(), true);
  return s;
}

Error Import(const Call& c, const Width& w, std::string_view blob, Chunks* out) {
  try {
    if (w.max == 0xFFFFFFFFull) {
      Roaring r = Roaring::readSafe(blob.data(), blob.size());
      if (r.getSizeInBytes(true) != blob.size()) throw std::runtime_error("trailing bytes");
      for (uint32_t v : r) (*out)[v >> 16].add(v & 0xFFFF);
    } else {
      Roaring64Map r = Roaring64Map::readSafe(blob.data(), blob.size());
      if (r.getSizeInBytes(true) != blob.size()) throw std::runtime_error("trailing bytes");
      for (uint64_t v : r) (*out)[v >> 16].add(static_cast<uint32_t>(v & 0xFFFF));
    }
  } catch (const std::exception& ex) {
    return c.invalid(std::string("DATA is not a portable ") +
                     (w.max == 0xFFFFFFFFull ? "Roaring" : "Roaring64Map") +
                     " bitmap: " + ex.what());
  }
  return Error::Ok();
}

void DefineWidth(sdk::DatatypeBuilder& b, Width& w) {
  w.type = b.type(w.prefix, 1);
  const std::string p = w.prefix;
  auto name = [&](const char* op) { return b.intern(p + "." + op); };
  constexpr uint32_t kW = TOWER_CMD_WRITE | TOWER_CMD_ITEMS;
  constexpr uint32_t kR = TOWER_CMD_READ_ONLY | TOWER_CMD_ITEMS;
  const char* member = w.max == ~0ull ? "KEY VALUE:int|bigint..." : "KEY VALUE:int...";
  Width* wp = &w;
  b.command({name("add"), member, "adds members (creating the bitmap); returns how many were new",
             kW, 2, -1},
            [wp](Call& c) { return Update(c, *wp, true); });
  b.command({name("remove"), member, "removes members; returns how many were there", kW, 2, -1},
            [wp](Call& c) { return Update(c, *wp, false); });
  b.command({name("contains"), w.max == ~0ull ? "KEY VALUE:int|bigint" : "KEY VALUE:int",
             "true when the bitmap holds the member", kR, 2, 2},
            [wp](Call& c) {
              uint64_t m = 0, card = 0;
              if (Error e = Member(c, *wp, 1, &m); !e.ok()) return e;
              if (Error e = ReadCardinality(c, *wp, c.key(), &card); !e.ok()) return e;
              std::string bytes;
              Error g = c.item_get(c.key(), Sub(m >> 16), &bytes);
              if (g.code == TOWER_E_NOT_FOUND) {
                c.set_bool(false);
                return Error::Ok();
              }
              if (!g.ok()) return g;
              Roaring r;
              if (Error e = ParseChunk(c, c.key(), bytes, &r); !e.ok()) return e;
              c.set_bool(r.contains(static_cast<uint32_t>(m & 0xFFFF)));
              return Error::Ok();
            });
  b.command({name("cardinality"), "KEY", "the number of members", kR, 1, 1}, [wp](Call& c) {
    uint64_t card = 0;
    Error e = ReadCardinality(c, *wp, c.key(), &card);
    if (e.ok()) c.set_int(static_cast<int64_t>(card));
    return e;
  });
  b.command({name("members"), "KEY [OFFSET:int] [LIMIT:int]",
             "members in ascending order (from OFFSET, at most LIMIT)", kR, 1, 3},
            [wp](Call& c) {
              int64_t offset = 0, limit = -1;
              if (c.size() > 1)
                if (Error e = c.get_int(1, &offset); !e.ok()) return e;
              if (c.size() > 2)
                if (Error e = c.get_int(2, &limit); !e.ok()) return e;
              if (offset < 0 || (c.size() > 2 && limit < 0))
                return c.invalid("OFFSET and LIMIT must not be negative");
              Chunks chunks;
              if (Error e = LoadChunks(c, *wp, c.key(), false, &chunks); !e.ok()) return e;
              c.set(Call::make(TOWER_VALUE_ARRAY));
              int64_t skipped = 0, pushed = 0;
              for (const auto& [h, r] : chunks) {
                for (uint32_t low : r) {
                  if (skipped++ < offset) continue;
                  if (limit >= 0 && pushed >= limit) return Error::Ok();
                  PushMember(c, (h << 16) | low);
                  ++pushed;
                }
              }
              return Error::Ok();
            });
  struct Named {
    const char* op;
    Op value;
    const char* what;
  };
  for (const Named& n : {Named{"union", Op::kUnion, "union"},
                         Named{"intersection", Op::kIntersection, "intersection"},
                         Named{"difference", Op::kDifference, "first minus the others"},
                         Named{"xor", Op::kXor, "symmetric difference"}}) {
    sdk::CommandSpec s{name(n.op),
                       "DEST KEY KEY...",
                       b.intern(std::string("DEST := the ") + n.what +
                                " of the bitmaps (missing ones are empty); returns its size"),
                       kW,
                       3,
                       -1};
    s.first_key = 0;
    s.last_key = -1;
    Op op = n.value;
    b.command(s, [wp, op](Call& c) { return Combine(c, *wp, op); });
  }
  b.command({name("export"), "KEY",
             w.max == ~0ull ? "the bitmap in the portable Roaring64Map format"
                            : "the bitmap in the portable Roaring format",
             kR, 1, 1},
            [wp](Call& c) {
              Chunks chunks;
              if (Error e = LoadChunks(c, *wp, c.key(), false, &chunks); !e.ok()) return e;
              std::string blob = Export(*wp, chunks);
              c.set_bytes(TOWER_VALUE_BINARY, blob);
              return Error::Ok();
            });
  b.command({name("import"), "KEY DATA:binary",
             "replaces the key with a bitmap in the portable format; returns its size", kW, 2, 2},
            [wp](Call& c) {
              std::string_view blob;
              if (Error e = c.get_bytes(1, TOWER_VALUE_BINARY, &blob); !e.ok()) return e;
              if (blob.size() > kMaxImport)
                return c.invalid("DATA of " + std::to_string(blob.size()) +
                                 " bytes is over the 256 MiB import limit");
              Chunks chunks;
              if (Error e = Import(c, *wp, blob, &chunks); !e.ok()) return e;
              uint64_t card = 0;
              if (Error e = Store(c, *wp, c.key(), chunks, &card); !e.ok()) return e;
              c.set_int(static_cast<int64_t>(card));
              return Error::Ok();
            });
  b.command({name("clear"), "KEY", "removes every member, keeps the empty bitmap", kW, 1, 1},
            [wp](Call& c) {
              uint64_t card = 0;
              if (Error e = ReadCardinality(c, *wp, c.key(), &card); !e.ok()) return e;
              if (Error e = c.item_clear(c.key()); !e.ok()) return e;
              return c.write(c.key(), wp->type, Meta(0), true);
            });
}

void Define(sdk::DatatypeBuilder& b) {
  b.require_host_minor(4);  // items
  DefineWidth(b, g_widths[0]);
  DefineWidth(b, g_widths[1]);
}

}  // namespace
}  // namespace tower::roaring_plugin

TOWER_DATATYPE_PLUGIN("roaring", "1.0.0",
                      "compressed bitmaps of 32- and 64-bit integers (CRoaring), chunked by the "
                      "high bits",
                      tower::roaring_plugin::Define)
