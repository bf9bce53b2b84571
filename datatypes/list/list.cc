// The "list" data-type plugin: a double-ended list of primitive values (the
// Go original's List), one command per operation ("list.push_left", ...).
//
// Storage (docs/types.md, "Lists"). The key's value (type "list", encoding
// 1) is 17 bytes of metadata:
//
//   u8 format (1) | be64 head (int64) | be64 length (int64, >= 0)
//
// and element i (0 <= i < length) is the item at position head + i:
//
//   subkey = be64(position with its sign bit flipped)   (order-preserving)
//   value  = encode_value(element)                       (value_codec.hpp)
//
// push_left writes at head - 1 and decrements head, push_right writes at
// head + length; pop, index and set touch one item; range scans exactly the
// items it returns. Every command's metadata and item writes commit in one
// atomic batch, and deleting a list drops its items in O(1) (the kernel's
// items versions).
#include <cstdint>
#include <limits>
#include <optional>
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
using tower::sdk::quote;

constexpr uint32_t kRead = TOWER_CMD_READ_ONLY;
constexpr uint32_t kReadItems = TOWER_CMD_READ_ONLY | TOWER_CMD_ITEMS;
constexpr uint32_t kWriteItems = TOWER_CMD_WRITE | TOWER_CMD_ITEMS;

constexpr char kMetaFormat = 1;
constexpr size_t kMetaSize = 17;

uint32_t kList = 0;  // the type index, set by Define

struct Meta {
  int64_t head = 0;    // position of element 0
  int64_t length = 0;  // head + length never overflows int64
};

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}

std::string EncodeMeta(const Meta& m) {
  std::string s(1, kMetaFormat);
  PutU64(&s, static_cast<uint64_t>(m.head));
  PutU64(&s, static_cast<uint64_t>(m.length));
  return s;
}

// The subkey of a position: order-preserving int64 (docs/format.md).
std::string Subkey(int64_t position) {
  std::string s;
  s.reserve(8);
  PutU64(&s, static_cast<uint64_t>(position) ^ (uint64_t{1} << 63));
  return s;
}

Error Corrupt(const Call& c, const std::string& why) {
  return Error::Make(TOWER_E_CORRUPTION, "list " + quote(c.key()) + " is corrupt: " + why);
}

// Reads the list's metadata. NOT_FOUND names the command and the key;
// TYPE_MISMATCH (another type there) comes from the kernel.
Error ReadMeta(const Call& c, Meta* m) {
  std::string_view p;
  std::string scratch;
  Error e = c.read_view(c.key(), kList, &p, &scratch);
  if (e.code == TOWER_E_NOT_FOUND) {
    return Error::Make(TOWER_E_NOT_FOUND,
                       std::string(c.name()) + ": list " + quote(c.key()) + " not found");
  }
  if (!e.ok()) return e;
  if (p.size() != kMetaSize || p[0] != kMetaFormat) {
    return Corrupt(c, "metadata is " + std::to_string(p.size()) + " bytes" +
                          (p.empty() ? "" : " of format " + std::to_string(p[0])) +
                          ", want 17 bytes of format 1");
  }
  m->head = static_cast<int64_t>(GetU64(p.data() + 1));
  m->length = static_cast<int64_t>(GetU64(p.data() + 9));
  int64_t end = 0;
  if (m->length < 0 || __builtin_add_overflow(m->head, m->length, &end)) {
    return Corrupt(
        c, "bad head " + std::to_string(m->head) + " / length " + std::to_string(m->length));
  }
  return Error::Ok();
}

// Stages the metadata, keeping the key's expiry. An emptied list restarts
// at position 0 (it has no items, so nothing moves).
Error WriteMeta(const Call& c, Meta m) {
  if (m.length == 0) m.head = 0;
  return c.write(c.key(), kList, EncodeMeta(m), /*keep_ttl=*/true);
}

// The stored element at `position` (which must be inside the list).
Error GetItem(const Call& c, int64_t position, std::string* raw) {
  Error e = c.item_get(c.key(), Subkey(position), raw);
  if (e.code == TOWER_E_NOT_FOUND) {
    return Corrupt(c, "the item at position " + std::to_string(position) + " is missing");
  }
  return e;
}

// Decodes a stored element and sets it as the result (or pushes it onto an
// array result).
Error Emit(const Call& c, std::string_view raw, bool push) {
  tower_value v{};
  Error e = tower::sdk::decode_value(raw, &v);
  if (!e.ok()) return Corrupt(c, e.message);
  if (push) {
    c.push(v);
  } else {
    c.set(v);
  }
  return Error::Ok();
}

// Pushes the elements [first, last] (list indices, inside the list) onto
// the array result with one item scan, checking that none is missing.
Error EmitRange(const Call& c, const Meta& m, int64_t first, int64_t last) {
  c.set(Call::make(TOWER_VALUE_ARRAY));
  if (first > last) return Error::Ok();
  const std::string lo = Subkey(m.head + first);
  // head + last + 1 <= head + length, which fits (ReadMeta checks it).
  const std::string hi = Subkey(m.head + last + 1);
  int64_t seen = 0;
  Error bad = Error::Ok();
  Error e = c.item_scan(c.key(), lo, hi, false, [&](std::string_view, std::string_view raw) {
    bad = Emit(c, raw, /*push=*/true);
    ++seen;
    return bad.ok();
  });
  if (!e.ok()) return e;
  if (!bad.ok()) return bad;
  if (seen != last - first + 1) {
    return Corrupt(c, "found " + std::to_string(seen) + " items for indices " +
                          std::to_string(first) + ".." + std::to_string(last));
  }
  return Error::Ok();
}

// Encodes the arguments from `first` on as elements.
Error EncodeItems(const Call& c, size_t first, std::vector<std::string>* out) {
  for (size_t i = first; i < c.size(); ++i) {
    std::string s;
    Error e = tower::sdk::encode_value(c.arg(i), &s);
    if (!e.ok()) return c.invalid("argument " + std::to_string(i + 1) + ": " + e.message);
    out->push_back(std::move(s));
  }
  return Error::Ok();
}

// A list index (negative counts from the end) as 0..length-1, or nullopt
// when it is outside the list.
std::optional<int64_t> Normalize(int64_t index, int64_t length) {
  if (index < 0) index += length;  // cannot overflow: length >= 0
  if (index < 0 || index >= length) return std::nullopt;
  return index;
}

// Redis LRANGE/LTRIM bounds: inclusive, negative from the end, clamped;
// returns false when the range is empty.
bool Clamp(int64_t start, int64_t stop, int64_t length, int64_t* first, int64_t* last) {
  if (start < 0) start += length;
  if (stop < 0) stop += length;
  if (start < 0) start = 0;
  if (stop >= length) stop = length - 1;
  if (start > stop || start >= length) return false;
  *first = start;
  *last = stop;
  return true;
}

std::string OutOfRange(const Call& c, int64_t index, int64_t length) {
  return std::string(c.name()) + ": index " + std::to_string(index) + " is out of range for list " +
         quote(c.key()) + " of length " + std::to_string(length);
}

Error Push(Call& c, bool left) {
  std::vector<std::string> items;
  Error e = EncodeItems(c, 1, &items);
  if (!e.ok()) return e;
  Meta m;
  if (e = ReadMeta(c, &m); !e.ok()) return e;
  const auto k = static_cast<int64_t>(items.size());
  int64_t bound = 0, length = 0;
  if (__builtin_add_overflow(m.length, k, &length) ||
      (left ? __builtin_sub_overflow(m.head, k, &bound)
            : __builtin_add_overflow(m.head + m.length, k, &bound))) {
    return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": list " + quote(c.key()) +
                                             " has no room for " + std::to_string(k) +
                                             " more element(s) on this side");
  }
  for (int64_t j = 0; j < k; ++j) {
    // push_left a b c leaves c b a in front (like Redis LPUSH).
    const int64_t pos = left ? m.head - 1 - j : m.head + m.length + j;
    if (e = c.item_put(c.key(), Subkey(pos), items[j]); !e.ok()) return e;
  }
  if (left) m.head = bound;
  m.length = length;
  if (e = WriteMeta(c, m); !e.ok()) return e;
  c.set_int(m.length);
  return Error::Ok();
}

Error Pop(Call& c, bool left) {
  Meta m;
  Error e = ReadMeta(c, &m);
  if (!e.ok()) return e;
  if (m.length == 0) {
    return Error::Make(TOWER_E_NOT_FOUND,
                       std::string(c.name()) + ": list " + quote(c.key()) + " is empty");
  }
  const int64_t pos = left ? m.head : m.head + m.length - 1;
  std::string raw;
  if (e = GetItem(c, pos, &raw); !e.ok()) return e;
  if (e = c.item_delete(c.key(), Subkey(pos)); !e.ok()) return e;
  if (left) ++m.head;
  --m.length;
  if (e = WriteMeta(c, m); !e.ok()) return e;
  return Emit(c, raw, /*push=*/false);
}

void Define(DatatypeBuilder& b) {
  b.require_host_minor(4);  // collection items
  kList = b.type("list", 1);

  b.command({"list.create", "KEY", "creates an empty list; AlreadyExists if the key exists",
             TOWER_CMD_WRITE, 1, 1},
            [](Call& c) {
              std::string_view p;
              std::string scratch;
              return tower::sdk::create_if_absent(
                  c, c.read_view(c.key(), TOWER_ANY_TYPE, &p, &scratch), kList, EncodeMeta(Meta{}),
                  "list.create: key " + quote(c.key()) + " already exists");
            });
  b.command({"list.delete", "KEY",
             "deletes the list and all its elements (O(1)); false when there was none",
             TOWER_CMD_WRITE, 1, 1},
            [](Call& c) {
              // Only the type is checked, so that a corrupt list can be deleted.
              std::string_view p;
              std::string scratch;
              Error e = c.read_view(c.key(), kList, &p, &scratch);
              if (e.code == TOWER_E_NOT_FOUND) {
                c.set_bool(false);
                return Error::Ok();
              }
              if (e.ok()) e = c.remove(c.key());  // the kernel drops the items
              if (e.ok()) c.set_bool(true);
              return e;
            });
  b.command({"list.exists", "KEY", "true when KEY holds a list", kRead, 1, 1}, [](Call& c) {
    std::string_view p;
    std::string scratch;
    Error e = c.read_view(c.key(), kList, &p, &scratch);
    if (e.code == TOWER_E_NOT_FOUND || e.code == TOWER_E_TYPE_MISMATCH) {
      c.set_bool(false);
      return Error::Ok();
    }
    if (e.ok()) c.set_bool(true);
    return e;
  });
  b.command({"list.length", "KEY", "the number of elements", kRead, 1, 1}, [](Call& c) {
    Meta m;
    Error e = ReadMeta(c, &m);
    if (e.ok()) c.set_int(m.length);
    return e;
  });
  b.command({"list.push_left", "KEY ITEM...",
             "prepends each ITEM in turn (the last ends up first); returns the new length",
             kWriteItems, 2, -1},
            [](Call& c) { return Push(c, /*left=*/true); });
  b.command({"list.push_right", "KEY ITEM...", "appends each ITEM in turn; returns the new length",
             kWriteItems, 2, -1},
            [](Call& c) { return Push(c, /*left=*/false); });
  b.command({"list.pop_left", "KEY", "removes and returns the first element", kWriteItems, 1, 1},
            [](Call& c) { return Pop(c, /*left=*/true); });
  b.command({"list.pop_right", "KEY", "removes and returns the last element", kWriteItems, 1, 1},
            [](Call& c) { return Pop(c, /*left=*/false); });
  b.command({"list.index", "KEY INDEX:int",
             "the element at INDEX (negative counts from the end); NotFound outside the list",
             kReadItems, 2, 2},
            [](Call& c) {
              int64_t index = 0;
              Error e = c.get_int(1, &index);
              Meta m;
              if (e.ok()) e = ReadMeta(c, &m);
              if (!e.ok()) return e;
              std::optional<int64_t> i = Normalize(index, m.length);
              if (!i) return Error::Make(TOWER_E_NOT_FOUND, OutOfRange(c, index, m.length));
              std::string raw;
              if (e = GetItem(c, m.head + *i, &raw); !e.ok()) return e;
              return Emit(c, raw, /*push=*/false);
            });
  b.command({"list.range", "KEY START:int STOP:int",
             "the elements START..STOP, inclusive (Redis LRANGE: negative from the end, "
             "clamped)",
             kReadItems, 3, 3},
            [](Call& c) {
              int64_t start = 0, stop = 0;
              Error e = c.get_int(1, &start);
              if (e.ok()) e = c.get_int(2, &stop);
              Meta m;
              if (e.ok()) e = ReadMeta(c, &m);
              if (!e.ok()) return e;
              int64_t first = 0, last = -1;
              Clamp(start, stop, m.length, &first, &last);
              return EmitRange(c, m, first, last);
            });
  b.command({"list.set", "KEY INDEX:int ITEM",
             "replaces the element at INDEX (negative counts from the end)", kWriteItems, 3, 3},
            [](Call& c) {
              int64_t index = 0;
              Error e = c.get_int(1, &index);
              std::vector<std::string> item;
              if (e.ok()) e = EncodeItems(c, 2, &item);
              Meta m;
              if (e.ok()) e = ReadMeta(c, &m);
              if (!e.ok()) return e;
              std::optional<int64_t> i = Normalize(index, m.length);
              if (!i) return Error::Make(TOWER_E_INVALID_ARGUMENT, OutOfRange(c, index, m.length));
              e = c.item_put(c.key(), Subkey(m.head + *i), item[0]);
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"list.trim", "KEY START:int STOP:int",
             "keeps only the elements START..STOP (Redis LTRIM); an emptied list stays",
             kWriteItems, 3, 3},
            [](Call& c) {
              int64_t start = 0, stop = 0;
              Error e = c.get_int(1, &start);
              if (e.ok()) e = c.get_int(2, &stop);
              Meta m;
              if (e.ok()) e = ReadMeta(c, &m);
              if (!e.ok()) return e;
              int64_t first = 0, last = -1;
              if (!Clamp(start, stop, m.length, &first, &last)) {
                if (m.length > 0) {
                  if (e = c.item_clear(c.key()); !e.ok()) return e;  // O(1)
                  e = WriteMeta(c, Meta{});
                }
                if (e.ok()) c.set_null();
                return e;
              }
              // O(removed): one item delete per dropped element.
              for (int64_t i = 0; i < first; ++i) {
                if (e = c.item_delete(c.key(), Subkey(m.head + i)); !e.ok()) return e;
              }
              for (int64_t i = last + 1; i < m.length; ++i) {
                if (e = c.item_delete(c.key(), Subkey(m.head + i)); !e.ok()) return e;
              }
              if (first > 0 || last < m.length - 1) {
                e = WriteMeta(c, Meta{m.head + first, last - first + 1});
              }
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"list.take_all", "KEY",
             "returns every element in order and deletes the list, atomically", kWriteItems, 1, 1},
            [](Call& c) {
              Meta m;
              Error e = ReadMeta(c, &m);
              if (e.ok()) e = EmitRange(c, m, 0, m.length - 1);
              if (e.ok()) e = c.remove(c.key());  // the kernel drops the items
              return e;
            });
}

}  // namespace

TOWER_DATATYPE_PLUGIN("list", "1.0.0", "double-ended lists of primitive values", Define)
