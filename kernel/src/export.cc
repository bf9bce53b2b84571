// Db::export_jsonl and Db::import_jsonl: the whole database as JSON Lines
// (docs/format.md, "Export files").
//
// An export is written from one snapshot and is the stored form of every
// unexpired key, not a rendering of it: the type's name (not its
// per-database id), the value's encoding version, its expiry deadline, its
// payload and a collection's items, binary parts in base64. Import maps
// type names back to this database's ids and gives each collection a fresh
// items version, so the result reads exactly as the source did.
#include <algorithm>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "db_internal.hpp"
#include "lock_table.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"
#include "tower/sdk/base64.hpp"
#include "tower/value_text.hpp"

namespace tower {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr int kExportVersion = 1;
constexpr int kFormatVersion = 1;  // docs/format.md
// Items of one collection are written in batches of about this many bytes
// before the batch that writes its value.
constexpr size_t kItemBatchBytes = 4 << 20;
// Progress is reported every this many keys (export) or lines (import).
constexpr uint64_t kProgressEvery = 1024;

// Writes one item line: ["<subkey>","<value>"], both base64.
void PutItemLine(std::ostream& out, std::string_view subkey, std::string_view value) {
  std::string line = "[\"";
  line += sdk::Base64Encode(subkey);
  line += "\",\"";
  line += sdk::Base64Encode(value);
  line += "\"]\n";
  out << line;
}

// A line being read: its number and text, for messages.
struct Line {
  uint64_t number = 0;
  std::string text;
  bool unterminated = false;  // the input ended inside this line

  Status Bad(const std::string& why) const {
    if (unterminated) {
      return Status::Corruption("import: the input ends inside line " + std::to_string(number) +
                                "; it is truncated");
    }
    return Status::InvalidArgument("import: line " + std::to_string(number) + ": " + why);
  }
};

// Decodes the base64 string `field` of `rec` into *out.
Status Base64Field(const Line& line, const json& rec, const char* field, std::string* out) {
  auto it = rec.find(field);
  if (it == rec.end() || !it->is_string())
    return line.Bad(std::string("\"") + field + "\" must be a base64 string");
  if (!sdk::Base64Decode(it->get_ref<const std::string&>(), out))
    return line.Bad(std::string("\"") + field + "\" is not valid base64");
  return Status::OK();
}

// An item line's subkey and value. The fast path reads the exact form
// export writes; anything else goes through the JSON parser.
Status ParseItem(const Line& line, std::string* subkey, std::string* value) {
  subkey->clear();
  value->clear();
  std::string_view t = line.text;
  if (t.size() >= 7 && t.substr(0, 2) == "[\"" && t.substr(t.size() - 2) == "\"]") {
    std::string_view inner = t.substr(2, t.size() - 4);
    size_t sep = inner.find("\",\"");
    if (sep != std::string_view::npos && inner.find('"', sep + 3) == std::string_view::npos &&
        sdk::Base64Decode(inner.substr(0, sep), subkey) &&
        sdk::Base64Decode(inner.substr(sep + 3), value))
      return Status::OK();
    subkey->clear();
    value->clear();
  }
  json a = json::parse(line.text, nullptr, /*allow_exceptions=*/false);
  if (!a.is_array() || a.size() != 2 || !a[0].is_string() || !a[1].is_string())
    return line.Bad("an item must be [\"<subkey base64>\", \"<value base64>\"]");
  if (!sdk::Base64Decode(a[0].get_ref<const std::string&>(), subkey) ||
      !sdk::Base64Decode(a[1].get_ref<const std::string&>(), value))
    return line.Bad("an item's subkey or value is not valid base64");
  return Status::OK();
}

// Reads an unsigned integer field; nullopt when absent.
Result<std::optional<uint64_t>> UintField(const Line& line, const json& rec, const char* field) {
  auto it = rec.find(field);
  if (it == rec.end()) return std::optional<uint64_t>();
  if (!it->is_number_unsigned())
    return line.Bad(std::string("\"") + field + "\" must be a non-negative integer");
  return std::optional<uint64_t>(it->get<uint64_t>());
}

}  // namespace

Result<Db::TransferStats> Db::export_jsonl(std::ostream& out, const ProgressFn& progress) {
  auto snap = backend_->GetSnapshot();
  if (!snap.ok()) return snap.status().WithContext("export");
  // Copied after the snapshot was taken: a type's record is written before
  // its first value, so every id in the snapshot is in this copy.
  std::vector<ManifestInfo::Type> types;
  {
    std::shared_lock lock(types_mu_);
    types = manifest_.types;
  }
  ReadOptions ro;
  ro.snapshot = snap->get();
  const std::string meta_begin(1, keys::kMeta), meta_end = keys::PrefixEnd(meta_begin);
  ro.lower_bound = meta_begin;
  ro.upper_bound = meta_end;

  uint64_t total = 0;
  if (progress) {
    auto counter = backend_->NewIterator(ro);
    if (!counter.ok()) return counter.status().WithContext("export");
    for (bool v = (*counter)->SeekToFirst(); v; v = (*counter)->Next()) ++total;
    TOWER_RETURN_IF_ERROR((*counter)->status());
  }

  ordered_json header;
  header["tower_export"] = kExportVersion;
  header["format"] = kFormatVersion;
  header["backend"] = manifest_.backend;
  header["exported"] = NowRfc3339();
  header["types"] = ordered_json::array();
  for (const auto& t : types) {
    header["types"].push_back(
        ordered_json{{"name", t.name}, {"plugin", t.plugin}, {"encoding", t.encoding}});
  }
  out << header.dump() << '\n';

  auto it = backend_->NewIterator(ro);
  if (!it.ok()) return it.status().WithContext("export");
  ReadOptions iro;
  iro.snapshot = snap->get();
  const std::string items_begin(1, keys::kSub), items_end = keys::PrefixEnd(items_begin);
  iro.lower_bound = items_begin;
  iro.upper_bound = items_end;
  auto items = backend_->NewIterator(iro);
  if (!items.ok()) return items.status().WithContext("export");

  const int64_t now = now_ns();
  TransferStats stats;
  uint64_t scanned = 0;
  for (bool v = (*it)->SeekToFirst(); v; v = (*it)->Next()) {
    std::string_view key;
    if (!keys::ParseMeta((*it)->key(), &key))
      return Status::Corruption("export: malformed key " + keys::Quote((*it)->key()));
    auto f = DecodeFrame(key, (*it)->value());
    if (!f.ok()) return f.status().WithContext("export");
    if (progress && ++scanned % kProgressEvery == 0) progress(scanned, total);
    if (DeadlinePassed(f->expiry_ms, now)) continue;

    ordered_json rec;
    if (IsUtf8(key)) {
      rec["key"] = std::string(key);
    } else {
      rec["key_b64"] = sdk::Base64Encode(key);
    }
    if (f->type == kTypeBytes) {
      rec["type"] = "bytes";
    } else {
      auto t = std::find_if(types.begin(), types.end(),
                            [&](const ManifestInfo::Type& t) { return t.id == f->type; });
      if (t == types.end()) {
        return Status::Corruption("export: key " + keys::Quote(key) + " has type id " +
                                  std::to_string(f->type) + ", which no type record names");
      }
      rec["type"] = t->name;
    }
    rec["encoding"] = f->encoding;
    if (f->expiry_ms) rec["expires_ms"] = *f->expiry_ms;
    rec["payload"] = sdk::Base64Encode(f->payload);
    if (f->items_version) rec["items"] = true;
    out << rec.dump() << '\n';
    ++stats.keys;

    if (f->items_version) {
      const std::string prefix = keys::SubPrefix(key, *f->items_version);
      for (bool iv = (*items)->Seek(prefix); iv && (*items)->key().starts_with(prefix);
           iv = (*items)->Next()) {
        PutItemLine(out, (*items)->key().substr(prefix.size()), (*items)->value());
        ++stats.items;
      }
      TOWER_RETURN_IF_ERROR((*items)->status());
    }
    if (!out) return Status::IOError("export: writing failed after key " + keys::Quote(key));
  }
  TOWER_RETURN_IF_ERROR((*it)->status());
  out << ordered_json{{"end", true}, {"keys", stats.keys}, {"items", stats.items}}.dump() << '\n';
  out.flush();
  if (!out) return Status::IOError("export: writing the end record failed");
  if (progress) progress(total, total);
  return stats;
}

Result<uint8_t> Db::ImportTypeId(std::string_view type, std::string_view plugin, uint8_t encoding) {
  std::string what = "type '" + std::string(type) + "'";
  if (plugin.empty()) {
    if (type == "bytes") {
      if (encoding != 1)
        return Status::Incompatible(what + " has encoding " + std::to_string(encoding) +
                                    "; this Tower reads encoding 1");
      return kTypeBytes;
    }
    return register_type(type, "", encoding);
  }
  what += " of plugin '" + std::string(plugin) + "'";
  for (const auto& dt : datatypes_) {
    if (!dt->plugin || dt->plugin->name() != plugin) continue;
    for (uint32_t local = 0; local < dt->api->type_count; ++local) {
      const tower_type_def& t = dt->api->types[local];
      if (type != t.name) continue;
      if (encoding > t.encoding) {
        return Status::Incompatible(what + ": the value has encoding " + std::to_string(encoding) +
                                    ", newer than the " + std::to_string(t.encoding) +
                                    " the loaded plugin (version " + dt->plugin->info().version +
                                    ") reads");
      }
      return TypeId(dt.get(), local);
    }
    return Status::NotFound(what + ": the loaded plugin has no such type");
  }
  return Status::NotFound(what + ": the plugin is not loaded in this database");
}

Result<Db::TransferStats> Db::import_jsonl(std::istream& in, const ImportOptions& options) {
  if (options_.read_only) return Status::NotSupported("import: the database is open read-only");
  Line line;
  uint64_t bytes = 0;
  auto next = [&]() -> bool {
    if (!std::getline(in, line.text)) return false;
    ++line.number;
    line.unterminated = in.eof();
    bytes += line.text.size() + 1;
    if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
    if (options.progress && line.number % kProgressEvery == 0)
      options.progress(bytes, options.total_bytes);
    return true;
  };

  if (!next()) return Status::InvalidArgument("import: the input is empty");
  json header = json::parse(line.text, nullptr, false);
  if (!header.is_object() || !header.contains("tower_export"))
    return line.Bad("not a Tower export (no \"tower_export\" header)");
  auto version = UintField(line, header, "tower_export");
  if (!version.ok()) return version.status();
  auto format = UintField(line, header, "format");
  if (!format.ok()) return format.status();
  if (**version > static_cast<uint64_t>(kExportVersion) ||
      format->value_or(0) > static_cast<uint64_t>(kFormatVersion)) {
    return Status::Incompatible("import: the export is version " + std::to_string(**version) +
                                " of format " + std::to_string(format->value_or(0)) +
                                "; this Tower reads version " + std::to_string(kExportVersion) +
                                " of format " + std::to_string(kFormatVersion));
  }
  std::map<std::string, std::string, std::less<>> plugin_of;  // type name -> plugin
  if (auto t = header.find("types"); t != header.end()) {
    if (!t->is_array()) return line.Bad("\"types\" must be an array");
    for (const auto& e : *t) {
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string() ||
          !e.contains("plugin") || !e["plugin"].is_string())
        return line.Bad("each of \"types\" needs a \"name\" and a \"plugin\"");
      plugin_of[e["name"].get<std::string>()] = e["plugin"].get<std::string>();
    }
  }
  std::map<std::pair<std::string, uint8_t>, uint8_t> ids;  // (type, encoding) -> type id

  // Nothing is synced key by key: the import flushes once, at the end, and
  // returns when everything it wrote is durable.
  WriteOptions wo;
  TransferStats stats;
  uint64_t items_seen = 0;  // imported or skipped, for the end record's count
  std::string key, payload, subkey, value, frame, existing;
  bool have = next();
  for (;;) {
    if (!have) {
      return Status::Corruption("import: the input ends after line " + std::to_string(line.number) +
                                " without the end record; it is truncated (" +
                                std::to_string(stats.keys) + " keys were imported)");
    }
    if (line.text.empty()) {
      have = next();
      continue;
    }
    if (line.text[0] == '[') return line.Bad("an item line outside a collection");
    json rec = json::parse(line.text, nullptr, false);
    if (!rec.is_object()) return line.Bad("not a JSON object");
    if (rec.contains("end")) {
      auto keys_n = UintField(line, rec, "keys");
      if (!keys_n.ok()) return keys_n.status();
      auto items_n = UintField(line, rec, "items");
      if (!items_n.ok()) return items_n.status();
      uint64_t seen = stats.keys + stats.expired;
      if (*keys_n != seen || *items_n != items_seen) {
        return Status::Corruption(
            "import: the end record counts " + std::to_string(keys_n->value_or(0)) + " keys and " +
            std::to_string(items_n->value_or(0)) + " items, the input held " +
            std::to_string(seen) + " and " + std::to_string(items_seen) + " (lines lost?)");
      }
      while (next()) {
        if (!line.text.empty()) return line.Bad("data after the end record");
      }
      TOWER_RETURN_IF_ERROR(backend_->Flush(true).WithContext("import: flush"));
      if (options.progress) options.progress(bytes, options.total_bytes);
      return stats;
    }

    // A key record.
    key.clear();
    if (auto k = rec.find("key"); k != rec.end()) {
      if (!k->is_string()) return line.Bad("\"key\" must be a string");
      key = k->get<std::string>();
    } else {
      TOWER_RETURN_IF_ERROR(Base64Field(line, rec, "key_b64", &key));
    }
    if (Status s = CheckKey(key); !s.ok()) return line.Bad(s.message());
    auto t = rec.find("type");
    if (t == rec.end() || !t->is_string()) return line.Bad("\"type\" must be a string");
    const std::string type = t->get<std::string>();
    auto encoding = UintField(line, rec, "encoding");
    if (!encoding.ok()) return encoding.status();
    if (!*encoding || **encoding == 0 || **encoding > 255)
      return line.Bad("\"encoding\" must be 1..255");
    auto expires = UintField(line, rec, "expires_ms");
    if (!expires.ok()) return expires.status();
    const std::optional<uint64_t> expiry_ms = *expires;
    payload.clear();
    TOWER_RETURN_IF_ERROR(Base64Field(line, rec, "payload", &payload));
    bool collection = false;
    if (auto i = rec.find("items"); i != rec.end()) {
      if (!i->is_boolean()) return line.Bad("\"items\" must be true or false");
      collection = i->get<bool>();
    }

    const uint8_t enc = static_cast<uint8_t>(**encoding);
    uint8_t id = 0;
    if (auto known = ids.find({type, enc}); known != ids.end()) {
      id = known->second;
    } else {
      std::string plugin;
      if (type != "bytes") {
        auto p = plugin_of.find(type);
        if (p == plugin_of.end()) return line.Bad("type '" + type + "' is not in the header");
        plugin = p->second;
      }
      auto r = ImportTypeId(type, plugin, enc);
      if (!r.ok()) return r.status().WithContext("import: key " + keys::Quote(key));
      id = ids[{type, enc}] = *r;
    }

    std::string_view key_list[] = {key};
    auto guard = locks_->Lock(key_list, false);
    const int64_t now = now_ns();
    const bool expired = DeadlinePassed(expiry_ms, now);
    std::optional<uint64_t> old_items;
    existing.clear();
    Status got = backend_->Get(ReadOptions(), keys::Meta(key), &existing);
    if (got.ok()) {
      auto f = DecodeFrame(key, existing);
      if (!f.ok()) return f.status().WithContext("import");
      if (!options.replace && !DeadlinePassed(f->expiry_ms, now) && !expired) {
        return Status::AlreadyExists("import: key " + keys::Quote(key) + " already exists (line " +
                                     std::to_string(line.number) +
                                     "; import with replace to overwrite it)");
      }
      old_items = f->items_version;
    } else if (!got.IsNotFound()) {
      return got.WithContext("import");
    }
    std::optional<uint64_t> version;
    if (collection && !expired) {
      auto v = NewItemsVersion();
      if (!v.ok()) return v.status();
      version = *v;
    }
    const uint64_t key_line = line.number;
    WriteBatch batch;
    while ((have = next()) && !line.text.empty() && line.text[0] == '[') {
      if (!collection)
        return line.Bad("an item after key " + keys::Quote(key) + ", which is not a collection");
      TOWER_RETURN_IF_ERROR(ParseItem(line, &subkey, &value));
      ++items_seen;
      if (expired) continue;
      ++stats.items;
      const uint64_t limit = backend_->max_key_size();
      if (limit > 0 && 13 + key.size() + subkey.size() > limit) {
        return line.Bad("key " + keys::Quote(key) + " has an item whose subkey of " +
                        std::to_string(subkey.size()) + " bytes is too long for backend '" +
                        manifest_.backend + "' (item keys up to " + std::to_string(limit) +
                        " bytes)");
      }
      batch.Put(keys::Sub(key, *version, subkey), value);
      if (batch.ByteSize() >= kItemBatchBytes) {
        TOWER_RETURN_IF_ERROR(backend_->Write(wo, batch));
        batch.Clear();
      }
    }
    // Only the next record shows that a collection's items are complete: at
    // the end of the input the key is left out (the loop reports the
    // truncation; items already written are orphans the collector removes).
    if (!have) continue;
    if (expired) {
      ++stats.expired;
      continue;
    }
    if (old_items) batch.Put(keys::Garbage(key, *old_items), "");
    frame.clear();
    EncodeFrame(&frame, id, enc, expiry_ms, payload, version);
    batch.Put(keys::Meta(key), frame);
    if (expiry_ms) batch.Put(keys::Expiry(*expiry_ms, key), "");
    if (Status s = backend_->Write(wo, batch); !s.ok()) {
      return s.WithContext("import: key " + keys::Quote(key) + " (line " +
                           std::to_string(key_line) + ")");
    }
    ++stats.keys;
  }
}

}  // namespace tower
