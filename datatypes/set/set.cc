// The "set" data-type plugin: sets of strings and binaries. A string and a
// binary with the same bytes are two different members (each member keeps
// its type, as map fields do); every other type is refused.
//
// Storage (docs/types.md, "Set"): the key's value is 9 bytes of metadata, a
// format version byte (1) then the member count as big-endian uint64; each
// member is one item, subkey = encode_value(member)
// (tower/sdk/value_codec.hpp), empty value. Listings are in subkey order:
// strings (bytewise) before binaries (bytewise).
//
//   set.create KEY                 set.add KEY MEMBER... -> new size
//   set.delete KEY                 set.remove KEY MEMBER... -> new size
//   set.exists KEY -> bool         set.is_member KEY MEMBER -> bool
//   set.cardinality KEY            set.members KEY
//   set.clear KEY (O(1))           set.members_matching KEY PATTERN (glob)
//   set.union KEY...               set.union_store DEST KEY... -> size
//   set.intersection KEY...        set.intersection_store DEST KEY... -> size
//   set.difference KEY...          set.difference_store DEST KEY... -> size
//
// Multi-key commands read missing keys as empty sets (like Redis SUNION);
// all their keys are declared, so the kernel locks them in a fixed order.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/collection.hpp"
#include "tower/sdk/datatype.hpp"
#include "tower/sdk/text.hpp"
#include "tower/sdk/value_codec.hpp"

namespace {

using tower::sdk::Call;
using tower::sdk::DatatypeBuilder;
using tower::sdk::Error;

constexpr uint32_t kWrite = TOWER_CMD_WRITE | TOWER_CMD_ITEMS;
constexpr uint32_t kRead = TOWER_CMD_READ_ONLY | TOWER_CMD_ITEMS;
constexpr char kFormat = 1;  // metadata format version
uint32_t kSet = 0;

std::string EncodeMeta(uint64_t size) { return tower::sdk::encode_count_meta(kFormat, size); }

// Reads the set at `key`: NotFound naming the key, TypeMismatch for another
// type, Corruption for metadata this version cannot read.
Error ReadSize(const Call& c, std::string_view key, uint64_t* size) {
  return tower::sdk::read_count_meta(c, key, kSet, kFormat, "set", size);
}

// Like ReadSize, but a missing key is an empty set (*exists = false).
Error ReadSizeOrEmpty(const Call& c, std::string_view key, uint64_t* size, bool* exists) {
  Error e = ReadSize(c, key, size);
  *exists = e.ok();
  if (e.code == TOWER_E_NOT_FOUND) {
    *size = 0;
    return Error::Ok();
  }
  return e;
}

Error WriteSize(const Call& c, uint64_t size) {
  return c.write(c.key(), kSet, EncodeMeta(size), /*keep_ttl=*/true);
}

// Argument i as a member subkey; InvalidArgument naming it and its type.
Error MemberArg(const Call& c, size_t i, std::string* out) {
  const tower_value& v = c.arg(i);
  if (v.type != TOWER_VALUE_STRING && v.type != TOWER_VALUE_BINARY) {
    return c.invalid("MEMBER (argument " + std::to_string(i + 1) +
                     ") must be a string or binary, got " + tower::sdk::value_type_name(v.type));
  }
  out->clear();
  return tower::sdk::encode_value(v, out);
}

// Every member subkey of the set at `key`, in order.
Error Scan(const Call& c, std::string_view key, std::vector<std::string>* out) {
  return c.item_scan(key, std::nullopt, std::nullopt, false,
                     [out](std::string_view sub, std::string_view) {
                       out->emplace_back(sub);
                       return true;
                     });
}

bool Has(const Call& c, std::string_view key, std::string_view sub, Error* err) {
  std::string v;
  Error e = c.item_get(key, sub, &v);
  if (e.code == TOWER_E_NOT_FOUND) return false;
  if (!e.ok()) *err = e;
  return e.ok();
}

// Pushes the member subkeys as an array result.
Error PushMembers(const Call& c, const std::vector<std::string>& subs) {
  c.set(Call::make(TOWER_VALUE_ARRAY));
  for (const auto& s : subs) {
    tower_value v;
    if (Error e = tower::sdk::decode_value(s, &v); !e.ok()) return e;
    c.push(v);
  }
  return Error::Ok();
}

// Glob match over bytes: * (any run), ? (one byte), [abc], [a-z], [!a] or
// [^a] (negated), \x (x literally). A malformed class ("[ab") matches '['
// literally.
bool ClassMatch(std::string_view p, size_t* pi, unsigned char ch, bool* ok) {
  size_t i = *pi + 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) negate = true, ++i;
  bool matched = false;
  bool first = true;
  for (; i < p.size() && (first || p[i] != ']'); first = false) {
    unsigned char lo = static_cast<unsigned char>(p[i]);
    if (lo == '\\' && i + 1 < p.size()) lo = static_cast<unsigned char>(p[++i]);
    unsigned char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = static_cast<unsigned char>(p[i + 2]);
      i += 2;
      if (hi == '\\' && i + 1 < p.size()) hi = static_cast<unsigned char>(p[++i]);
    }
    if (lo > hi) std::swap(lo, hi);
    if (ch >= lo && ch <= hi) matched = true;
    ++i;
  }
  if (i >= p.size()) {  // no closing bracket: a literal '['
    *ok = false;
    return ch == '[';
  }
  *ok = true;
  *pi = i;  // at the ']'
  return matched != negate;
}

bool GlobMatch(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    bool step = false;
    if (pi < p.size()) {
      const char pc = p[pi];
      const unsigned char ch = static_cast<unsigned char>(s[si]);
      if (pc == '*') {
        star_p = pi++;
        star_s = si;
        continue;
      }
      if (pc == '?') {
        step = true;
        ++pi;
      } else if (pc == '[') {
        bool closed = false;
        size_t end = pi;
        if (ClassMatch(p, &end, ch, &closed)) {
          step = true;
          pi = closed ? end + 1 : pi + 1;
        }
      } else if (pc == '\\' && pi + 1 < p.size()) {
        if (static_cast<unsigned char>(p[pi + 1]) == ch) step = true, pi += 2;
      } else if (static_cast<unsigned char>(pc) == ch) {
        step = true;
        ++pi;
      }
    }
    if (step) {
      ++si;
    } else if (star_p != std::string_view::npos) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

enum class Op { kUnion, kIntersection, kDifference };

// The result of OP over the sets at arguments first..end (missing = empty),
// as sorted member subkeys.
Error Combine(const Call& c, Op op, size_t first, std::vector<std::string>* out) {
  const size_t nkeys = c.size() - first;
  std::vector<uint64_t> sizes(nkeys);
  std::vector<bool> exists(nkeys);
  for (size_t i = 0; i < nkeys; ++i) {
    uint64_t n = 0;
    bool ex = false;
    if (Error e = ReadSizeOrEmpty(c, c.key(first + i), &n, &ex); !e.ok()) return e;
    sizes[i] = n;
    exists[i] = ex;
  }
  Error err = Error::Ok();
  switch (op) {
    case Op::kUnion: {
      std::set<std::string> all;
      for (size_t i = 0; i < nkeys; ++i) {
        if (!exists[i]) continue;
        std::vector<std::string> subs;
        if (Error e = Scan(c, c.key(first + i), &subs); !e.ok()) return e;
        all.insert(subs.begin(), subs.end());
      }
      out->assign(all.begin(), all.end());
      return Error::Ok();
    }
    case Op::kIntersection: {
      // Scan the smallest set and probe the others.
      size_t smallest = 0;
      for (size_t i = 0; i < nkeys; ++i) {
        if (!exists[i]) return Error::Ok();  // an empty set: an empty result
        if (sizes[i] < sizes[smallest]) smallest = i;
      }
      std::vector<std::string> subs;
      if (Error e = Scan(c, c.key(first + smallest), &subs); !e.ok()) return e;
      for (const auto& s : subs) {
        bool all = true;
        for (size_t i = 0; i < nkeys && all; ++i) {
          if (i != smallest && !Has(c, c.key(first + i), s, &err)) all = false;
          if (!err.ok()) return err;
        }
        if (all) out->push_back(s);
      }
      return Error::Ok();
    }
    case Op::kDifference: {
      if (!exists[0]) return Error::Ok();
      std::vector<std::string> subs;
      if (Error e = Scan(c, c.key(first), &subs); !e.ok()) return e;
      for (const auto& s : subs) {
        bool keep = true;
        for (size_t i = 1; i < nkeys && keep; ++i) {
          if (exists[i] && Has(c, c.key(first + i), s, &err)) keep = false;
          if (!err.ok()) return err;
        }
        if (keep) out->push_back(s);
      }
      return Error::Ok();
    }
  }
  return Error::Ok();
}

// DEST := the members `subs` (a new value: any expiry of DEST is dropped).
// TypeMismatch when DEST holds another type.
Error Store(const Call& c, const std::vector<std::string>& subs) {
  uint64_t n = 0;
  bool exists = false;
  if (Error e = ReadSizeOrEmpty(c, c.key(), &n, &exists); !e.ok()) return e;
  if (Error e = c.write(c.key(), kSet, EncodeMeta(subs.size())); !e.ok()) return e;
  // Also when DEST is missing: an expired set still names its old items
  // (see set.create).
  if (Error e = c.item_clear(c.key()); !e.ok()) return e;
  for (const auto& s : subs) {
    if (Error e = c.item_put(c.key(), s, ""); !e.ok()) return e;
  }
  return Error::Ok();
}

void Define(DatatypeBuilder& b) {
  b.require_host_minor(4);  // items
  kSet = b.type("set", 1);

  b.command(
      {"set.create", "KEY", "creates an empty set (AlreadyExists if KEY is a set)", kWrite, 1, 1},
      [](Call& c) {
        uint64_t n = 0;
        return tower::sdk::create_if_absent(
            c, ReadSize(c, c.key(), &n), kSet, EncodeMeta(0),
            "set.create: set " + tower::sdk::quote(c.key()) + " already exists");
      });
  tower::sdk::define_delete_exists(
      b, {"set.delete", "KEY", "deletes the set and all its members (O(1))", kWrite, 1, 1},
      {"set.exists", "KEY", "true when KEY holds a set (TypeMismatch for another type)", kRead, 1,
       1},
      [](const Call& c) {
        uint64_t n = 0;
        return ReadSize(c, c.key(), &n);
      });
  b.command({"set.cardinality", "KEY", "the number of members", kRead, 1, 1}, [](Call& c) {
    uint64_t n = 0;
    Error e = ReadSize(c, c.key(), &n);
    if (e.ok()) c.set_int(static_cast<int64_t>(n));
    return e;
  });
  b.command({"set.add", "KEY MEMBER...", "adds the MEMBERs; returns the new size", kWrite, 2, -1},
            [](Call& c) {
              std::vector<std::string> subs(c.size() - 1);
              for (size_t i = 1; i < c.size(); ++i) {
                if (Error e = MemberArg(c, i, &subs[i - 1]); !e.ok()) return e;
              }
              uint64_t n = 0;
              if (Error e = ReadSize(c, c.key(), &n); !e.ok()) return e;
              const uint64_t before = n;
              Error err = Error::Ok();
              for (const auto& s : subs) {
                if (Has(c, c.key(), s, &err)) continue;  // sees this command's puts
                if (!err.ok()) return err;
                if (Error e = c.item_put(c.key(), s, ""); !e.ok()) return e;
                ++n;
              }
              if (n != before) {
                if (Error e = WriteSize(c, n); !e.ok()) return e;
              }
              c.set_int(static_cast<int64_t>(n));
              return Error::Ok();
            });
  b.command(
      {"set.remove", "KEY MEMBER...", "removes the MEMBERs; returns the new size", kWrite, 2, -1},
      [](Call& c) {
        std::vector<std::string> subs(c.size() - 1);
        for (size_t i = 1; i < c.size(); ++i) {
          if (Error e = MemberArg(c, i, &subs[i - 1]); !e.ok()) return e;
        }
        uint64_t n = 0;
        if (Error e = ReadSize(c, c.key(), &n); !e.ok()) return e;
        const uint64_t before = n;
        Error err = Error::Ok();
        for (const auto& s : subs) {
          if (!Has(c, c.key(), s, &err)) {
            if (!err.ok()) return err;
            continue;
          }
          if (Error e = c.item_delete(c.key(), s); !e.ok()) return e;
          --n;
        }
        if (n != before) {
          if (Error e = WriteSize(c, n); !e.ok()) return e;
        }
        c.set_int(static_cast<int64_t>(n));
        return Error::Ok();
      });
  b.command({"set.is_member", "KEY MEMBER", "true when MEMBER is in the set", kRead, 2, 2},
            [](Call& c) {
              std::string s;
              if (Error e = MemberArg(c, 1, &s); !e.ok()) return e;
              uint64_t n = 0;
              if (Error e = ReadSize(c, c.key(), &n); !e.ok()) return e;
              Error err = Error::Ok();
              bool has = Has(c, c.key(), s, &err);
              if (err.ok()) c.set_bool(has);
              return err;
            });
  b.command({"set.members", "KEY", "the members (strings, then binaries; bytewise)", kRead, 1, 1},
            [](Call& c) {
              uint64_t n = 0;
              if (Error e = ReadSize(c, c.key(), &n); !e.ok()) return e;
              std::vector<std::string> subs;
              subs.reserve(n);
              if (Error e = Scan(c, c.key(), &subs); !e.ok()) return e;
              return PushMembers(c, subs);
            });
  b.command({"set.members_matching", "KEY PATTERN:string",
             "the members matching a glob (* ? [abc] [a-z] [!a] \\x)", kRead, 2, 2},
            [](Call& c) {
              std::string_view pattern;
              if (c.arg(1).type != TOWER_VALUE_STRING) {
                return c.invalid(std::string("PATTERN (argument 2) must be a string, got ") +
                                 tower::sdk::value_type_name(c.arg(1).type));
              }
              pattern = tower::sdk::view(c.arg(1).bytes);
              uint64_t n = 0;
              if (Error e = ReadSize(c, c.key(), &n); !e.ok()) return e;
              std::vector<std::string> subs;
              Error e = c.item_scan(c.key(), std::nullopt, std::nullopt, false,
                                    [&](std::string_view sub, std::string_view) {
                                      // The member's bytes follow its type byte.
                                      if (!sub.empty() && GlobMatch(pattern, sub.substr(1))) {
                                        subs.emplace_back(sub);
                                      }
                                      return true;
                                    });
              if (!e.ok()) return e;
              return PushMembers(c, subs);
            });
  b.command(
      {"set.clear", "KEY", "drops every member (O(1)); returns how many there were", kWrite, 1, 1},
      [](Call& c) {
        uint64_t n = 0;
        if (Error e = ReadSize(c, c.key(), &n); !e.ok()) return e;
        if (Error e = c.item_clear(c.key()); !e.ok()) return e;
        if (Error e = WriteSize(c, 0); !e.ok()) return e;
        c.set_int(static_cast<int64_t>(n));
        return Error::Ok();
      });

  struct Multi {
    const char* name;
    const char* store;
    Op op;
    const char* summary;
    const char* store_summary;
  };
  for (const Multi& m : {
           Multi{"set.union", "set.union_store", Op::kUnion, "the members of any KEY",
                 "DEST := the union of the KEYs; returns its size"},
           Multi{"set.intersection", "set.intersection_store", Op::kIntersection,
                 "the members of every KEY",
                 "DEST := the intersection of the KEYs; returns its size"},
           Multi{"set.difference", "set.difference_store", Op::kDifference,
                 "the members of the first KEY in none of the others",
                 "DEST := the first KEY minus the others; returns its size"},
       }) {
    const Op op = m.op;
    b.command({m.name, "KEY...", m.summary, kRead, 1, -1, 0, -1, 1}, [op](Call& c) {
      std::vector<std::string> subs;
      if (Error e = Combine(c, op, 0, &subs); !e.ok()) return e;
      return PushMembers(c, subs);
    });
    b.command({m.store, "DEST KEY...", m.store_summary, kWrite, 2, -1, 0, -1, 1}, [op](Call& c) {
      std::vector<std::string> subs;
      if (Error e = Combine(c, op, 1, &subs); !e.ok()) return e;
      if (Error e = Store(c, subs); !e.ok()) return e;
      c.set_int(static_cast<int64_t>(subs.size()));
      return Error::Ok();
    });
  }
}

}  // namespace

TOWER_DATATYPE_PLUGIN("set", "1.0.0", "sets of strings and binaries (set.*)", Define)
