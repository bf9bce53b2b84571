// The "map" data-type plugin: hash maps whose fields and values are any
// primitive value (string, int, float, bool, binary, timestamp, duration,
// uuid, bigint, decimal, time, null), each keeping its exact type: int 42 and
// string "42" are two different fields.
//
// Storage (docs/types.md, "Map"): the key's value is 9 bytes of metadata,
// a format version byte (1) then the field count as big-endian uint64; each
// field is one item, subkey = encode_value(field), value =
// encode_value(value) (tower/sdk/value_codec.hpp). Keys, values and get_all
// list fields in subkey order (numbers of one type in numeric order).
//
//   map.create KEY               map.set KEY FIELD VALUE -> bool (new field)
//   map.delete KEY               map.get KEY FIELD
//   map.exists KEY -> bool       map.delete_field KEY FIELD... -> removed count
//   map.length KEY               map.has_field KEY FIELD -> bool
//   map.keys KEY                 map.values KEY
//   map.get_all KEY -> [f1, v1, f2, v2, ...]
//   map.clear KEY -> the number of fields dropped (O(1))
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
uint32_t kMap = 0;

std::string EncodeMeta(uint64_t length) { return tower::sdk::encode_count_meta(kFormat, length); }

// Reads the map at KEY (argument 0): NotFound naming the key, TypeMismatch
// for another type, Corruption for metadata this version cannot read.
Error ReadLength(const Call& c, uint64_t* length) {
  return tower::sdk::read_count_meta(c, c.key(), kMap, kFormat, "map", length);
}

Error WriteLength(const Call& c, uint64_t length) {
  return c.write(c.key(), kMap, EncodeMeta(length), /*keep_ttl=*/true);
}

// Argument i encoded as an element; InvalidArgument naming the argument.
Error EncodeArg(const Call& c, size_t i, const char* what, std::string* out) {
  out->clear();
  const tower_value& v = c.arg(i);
  if (v.type == TOWER_VALUE_ARRAY || !tower::sdk::encode_value(v, out).ok()) {
    return c.invalid(std::string(what) + " (argument " + std::to_string(i + 1) +
                     ") must be a primitive value, got " + tower::sdk::value_type_name(v.type));
  }
  return Error::Ok();
}

// A field for messages: its type and value ("string 'name'", "int 42").
std::string Describe(const tower_value& v) {
  std::string t = tower::sdk::value_type_name(v.type);
  switch (v.type) {
    case TOWER_VALUE_NULL: return t;
    case TOWER_VALUE_INT:
    case TOWER_VALUE_TIMESTAMP:
    case TOWER_VALUE_DURATION: return t + " " + std::to_string(v.i);
    case TOWER_VALUE_BOOL: return t + (v.i != 0 ? " true" : " false");
    case TOWER_VALUE_FLOAT: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v.f);
      return t + " " + buf;
    }
    default: return t + " " + tower::sdk::quote(tower::sdk::view(v.bytes));
  }
}

// Every item of the map at KEY, in subkey order.
Error Items(const Call& c, std::vector<std::pair<std::string, std::string>>* out) {
  return c.item_scan(c.key(), std::nullopt, std::nullopt, false,
                     [out](std::string_view sub, std::string_view v) {
                       out->emplace_back(sub, v);
                       return true;
                     });
}

// Pushes a stored element onto the array result.
Error PushDecoded(const Call& c, std::string_view enc) {
  tower_value v;
  Error e = tower::sdk::decode_value(enc, &v);
  if (e.ok()) c.push(v);
  return e;
}

// keys / values / get_all: pushes what `which` selects from each item.
Error List(const Call& c, bool fields, bool values) {
  uint64_t n = 0;
  if (Error e = ReadLength(c, &n); !e.ok()) return e;
  std::vector<std::pair<std::string, std::string>> items;
  items.reserve(n);
  if (Error e = Items(c, &items); !e.ok()) return e;
  c.set(Call::make(TOWER_VALUE_ARRAY));
  for (const auto& [f, v] : items) {
    if (fields) {
      if (Error e = PushDecoded(c, f); !e.ok()) return e;
    }
    if (values) {
      if (Error e = PushDecoded(c, v); !e.ok()) return e;
    }
  }
  return Error::Ok();
}

void Define(DatatypeBuilder& b) {
  b.require_host_minor(4);  // items
  kMap = b.type("map", 1);

  b.command(
      {"map.create", "KEY", "creates an empty map (AlreadyExists if KEY is a map)", kWrite, 1, 1},
      [](Call& c) {
        uint64_t n = 0;
        return tower::sdk::create_if_absent(
            c, ReadLength(c, &n), kMap, EncodeMeta(0),
            "map.create: map " + tower::sdk::quote(c.key()) + " already exists");
      });
  tower::sdk::define_delete_exists(
      b, {"map.delete", "KEY", "deletes the map and all its fields (O(1))", kWrite, 1, 1},
      {"map.exists", "KEY", "true when KEY holds a map (TypeMismatch for another type)", kRead, 1,
       1},
      [](const Call& c) {
        uint64_t n = 0;
        return ReadLength(c, &n);
      });
  b.command({"map.length", "KEY", "the number of fields", kRead, 1, 1}, [](Call& c) {
    uint64_t n = 0;
    Error e = ReadLength(c, &n);
    if (e.ok()) c.set_int(static_cast<int64_t>(n));
    return e;
  });
  b.command(
      {"map.set", "KEY FIELD VALUE", "sets FIELD to VALUE; true when FIELD is new", kWrite, 3, 3},
      [](Call& c) {
        std::string f, v, old;
        if (Error e = EncodeArg(c, 1, "FIELD", &f); !e.ok()) return e;
        if (Error e = EncodeArg(c, 2, "VALUE", &v); !e.ok()) return e;
        uint64_t n = 0;
        if (Error e = ReadLength(c, &n); !e.ok()) return e;
        Error g = c.item_get(c.key(), f, &old);
        if (!g.ok() && g.code != TOWER_E_NOT_FOUND) return g;
        if (Error e = c.item_put(c.key(), f, v); !e.ok()) return e;
        const bool added = !g.ok();
        if (added) {
          if (Error e = WriteLength(c, n + 1); !e.ok()) return e;
        }
        c.set_bool(added);
        return Error::Ok();
      });
  b.command(
      {"map.get", "KEY FIELD", "the value of FIELD (NotFound naming it when absent)", kRead, 2, 2},
      [](Call& c) {
        std::string f, v;
        if (Error e = EncodeArg(c, 1, "FIELD", &f); !e.ok()) return e;
        uint64_t n = 0;
        if (Error e = ReadLength(c, &n); !e.ok()) return e;
        Error g = c.item_get(c.key(), f, &v);
        if (g.code == TOWER_E_NOT_FOUND) {
          return Error::Make(TOWER_E_NOT_FOUND, "map.get: field " + Describe(c.arg(1)) +
                                                    " not found in map " +
                                                    tower::sdk::quote(c.key()));
        }
        if (!g.ok()) return g;
        tower_value out;
        if (Error e = tower::sdk::decode_value(v, &out); !e.ok()) return e;
        c.set(out);
        return Error::Ok();
      });
  b.command({"map.has_field", "KEY FIELD", "true when the map has FIELD", kRead, 2, 2},
            [](Call& c) {
              std::string f, v;
              if (Error e = EncodeArg(c, 1, "FIELD", &f); !e.ok()) return e;
              uint64_t n = 0;
              if (Error e = ReadLength(c, &n); !e.ok()) return e;
              Error g = c.item_get(c.key(), f, &v);
              if (!g.ok() && g.code != TOWER_E_NOT_FOUND) return g;
              c.set_bool(g.ok());
              return Error::Ok();
            });
  b.command({"map.delete_field", "KEY FIELD...", "deletes the FIELDs; returns how many existed",
             kWrite, 2, -1},
            [](Call& c) {
              std::vector<std::string> fields(c.size() - 1);
              for (size_t i = 1; i < c.size(); ++i) {
                if (Error e = EncodeArg(c, i, "FIELD", &fields[i - 1]); !e.ok()) return e;
              }
              uint64_t n = 0;
              if (Error e = ReadLength(c, &n); !e.ok()) return e;
              uint64_t removed = 0;
              std::string old;
              for (const auto& f : fields) {
                Error g = c.item_get(c.key(), f, &old);  // sees this command's deletes
                if (g.code == TOWER_E_NOT_FOUND) continue;
                if (!g.ok()) return g;
                if (Error e = c.item_delete(c.key(), f); !e.ok()) return e;
                ++removed;
              }
              if (removed > 0) {
                if (Error e = WriteLength(c, n - removed); !e.ok()) return e;
              }
              c.set_int(static_cast<int64_t>(removed));
              return Error::Ok();
            });
  b.command({"map.keys", "KEY", "the fields, in subkey order", kRead, 1, 1},
            [](Call& c) { return List(c, true, false); });
  b.command({"map.values", "KEY", "the values, in the order of map.keys", kRead, 1, 1},
            [](Call& c) { return List(c, false, true); });
  b.command(
      {"map.get_all", "KEY", "fields and values flattened: [f1, v1, f2, v2, ...]", kRead, 1, 1},
      [](Call& c) { return List(c, true, true); });
  b.command(
      {"map.clear", "KEY", "drops every field (O(1)); returns how many there were", kWrite, 1, 1},
      [](Call& c) {
        uint64_t n = 0;
        if (Error e = ReadLength(c, &n); !e.ok()) return e;
        if (Error e = c.item_clear(c.key()); !e.ok()) return e;
        if (Error e = WriteLength(c, 0); !e.ok()) return e;
        c.set_int(static_cast<int64_t>(n));
        return Error::Ok();
      });
}

}  // namespace

TOWER_DATATYPE_PLUGIN("map", "1.0.0", "hash maps of typed fields and values (map.*)", Define)
