#include "tower/options.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tower/value_text.hpp"

namespace tower {

Options Options::InMemory(std::string backend) {
  Options o;
  o.backend = std::move(backend);
  o.in_memory = true;
  return o;
}

Options Options::OnDisk(std::string path, std::string backend) {
  Options o;
  o.backend = std::move(backend);
  o.path = std::move(path);
  return o;
}

namespace {

class TomlReader {
 public:
  explicit TomlReader(std::string source) : source_(std::move(source)) {}

  Status Error(const toml::node& n, const std::string& what) const {
    return Status::InvalidArgument(source_ + ":" + std::to_string(n.source().begin.line) + ": " +
                                   what);
  }

  // Rejects keys of `table` not in `known`; `where` is the table's dotted path.
  Status OnlyKnown(const toml::table& table, const std::string& where,
                   const std::set<std::string>& known) const {
    for (const auto& [k, v] : table) {
      std::string key(k.str());
      if (!known.count(key)) {
        std::string list;
        for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
        return Error(v, "unknown key '" + Dotted(where, key) + "' (known: " + list + ")");
      }
    }
    return Status::OK();
  }

  static std::string Dotted(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

  Status GetString(const toml::table& t, const std::string& where, const char* key,
                   std::string* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::OK();
    if (!n->is_string()) return Error(*n, "'" + Dotted(where, key) + "' must be a string");
    *out = n->as_string()->get();
    return Status::OK();
  }

  Status GetBool(const toml::table& t, const std::string& where, const char* key, bool* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::OK();
    if (!n->is_boolean()) return Error(*n, "'" + Dotted(where, key) + "' must be true or false");
    *out = n->as_boolean()->get();
    return Status::OK();
  }

  // A size is a string such as "64MiB" or a non-negative integer of bytes.
  Status GetSize(const toml::table& t, const std::string& where, const char* key, Size* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::OK();
    std::string name = Dotted(where, key);
    if (n->is_integer()) {
      int64_t v = n->as_integer()->get();
      if (v < 0) return Error(*n, "'" + name + "' must not be negative");
      *out = Size(v);
      return Status::OK();
    }
    if (!n->is_string()) return Error(*n, "'" + name + "' must be a size such as \"64MiB\"");
    auto s = Size::Parse(n->as_string()->get());
    if (!s.ok()) return Error(*n, "'" + name + "': " + s.status().message());
    *out = *s;
    return Status::OK();
  }

  // An interval is a Go-style duration string ("1s", "250ms", "0" = off).
  Status GetInterval(const toml::table& t, const std::string& where, const char* key,
                     std::chrono::milliseconds* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::OK();
    std::string name = Dotted(where, key);
    if (!n->is_string()) return Error(*n, "'" + name + "' must be a duration such as \"1s\"");
    auto d = ParseDuration(n->as_string()->get());
    if (!d.ok()) return Error(*n, "'" + name + "': " + d.status().message());
    if (*d < 0) return Error(*n, "'" + name + "' must not be negative");
    *out = std::chrono::milliseconds(*d / 1000000);
    return Status::OK();
  }

 private:
  std::string source_;
};

Status ReadStorage(const TomlReader& r, const toml::table& t, Options* o) {
  const std::string w = "storage";
  TOWER_RETURN_IF_ERROR(
      r.OnlyKnown(t, w,
                  {"backend", "path", "in_memory", "cache_size", "memtable_size", "bytes_per_sync",
                   "sync_writes", "create_if_missing", "error_if_exists", "read_only",
                   "max_number_size", "expiry_sweep_interval", "options"}));
  TOWER_RETURN_IF_ERROR(r.GetString(t, w, "backend", &o->backend));
  TOWER_RETURN_IF_ERROR(r.GetString(t, w, "path", &o->path));
  TOWER_RETURN_IF_ERROR(r.GetBool(t, w, "in_memory", &o->in_memory));
  TOWER_RETURN_IF_ERROR(r.GetSize(t, w, "cache_size", &o->cache_size));
  TOWER_RETURN_IF_ERROR(r.GetSize(t, w, "memtable_size", &o->memtable_size));
  TOWER_RETURN_IF_ERROR(r.GetSize(t, w, "bytes_per_sync", &o->bytes_per_sync));
  TOWER_RETURN_IF_ERROR(r.GetBool(t, w, "sync_writes", &o->sync_writes));
  TOWER_RETURN_IF_ERROR(r.GetBool(t, w, "create_if_missing", &o->create_if_missing));
  TOWER_RETURN_IF_ERROR(r.GetBool(t, w, "error_if_exists", &o->error_if_exists));
  TOWER_RETURN_IF_ERROR(r.GetBool(t, w, "read_only", &o->read_only));
  TOWER_RETURN_IF_ERROR(r.GetSize(t, w, "max_number_size", &o->max_number_size));
  TOWER_RETURN_IF_ERROR(r.GetInterval(t, w, "expiry_sweep_interval", &o->expiry_sweep_interval));
  if (const toml::node* n = t.get("options")) {
    if (!n->is_table()) return r.Error(*n, "'storage.options' must be a table");
    for (const auto& [k, v] : *n->as_table()) {
      std::string name(k.str());
      if (v.is_string()) {
        o->backend_options[name] = v.as_string()->get();
      } else if (v.is_integer()) {
        o->backend_options[name] = std::to_string(v.as_integer()->get());
      } else if (v.is_boolean()) {
        o->backend_options[name] = v.as_boolean()->get() ? "true" : "false";
      } else {
        return r.Error(v, "'storage.options." + name + "' must be a string, integer or boolean");
      }
    }
  }
  return Status::OK();
}

Status ReadPlugins(const TomlReader& r, const toml::table& t, Options* o) {
  TOWER_RETURN_IF_ERROR(r.OnlyKnown(t, "plugins", {"paths", "datatypes"}));
  if (const toml::node* n = t.get("datatypes")) {
    if (!n->is_array()) return r.Error(*n, "'plugins.datatypes' must be an array of strings");
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) return r.Error(e, "'plugins.datatypes' must be an array of strings");
      o->datatypes.push_back(e.as_string()->get());
    }
  }
  if (const toml::node* n = t.get("paths")) {
    if (!n->is_array()) return r.Error(*n, "'plugins.paths' must be an array of strings");
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) return r.Error(e, "'plugins.paths' must be an array of strings");
      o->plugin_paths.emplace_back(e.as_string()->get());
    }
  }
  return Status::OK();
}

Status ReadCrypto(const TomlReader& r, const toml::table& t, Options* o) {
  TOWER_RETURN_IF_ERROR(r.OnlyKnown(t, "crypto", {"providers", "pins"}));
  if (const toml::node* n = t.get("providers")) {
    if (!n->is_array()) return r.Error(*n, "'crypto.providers' must be an array of strings");
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) return r.Error(e, "'crypto.providers' must be an array of strings");
      o->crypto_providers.push_back(e.as_string()->get());
    }
  }
  if (const toml::node* n = t.get("pins")) {
    if (!n->is_table()) return r.Error(*n, "'crypto.pins' must be a table: algorithm = provider");
    for (const auto& [k, v] : *n->as_table()) {
      if (!v.is_string()) {
        return r.Error(v, "'crypto.pins." + std::string(k.str()) + "' must name a provider");
      }
      o->crypto_pins[std::string(k.str())] = v.as_string()->get();
    }
  }
  return Status::OK();
}

// One [mesh.node] / [mesh.client] value as the plugin's option text:
// strings as they are, integers in decimal, booleans as true/false, arrays
// of strings joined with ',', and a table of arrays (gateway_remotes) as
// "NAME=url|url;NAME=url".
Status MeshOptionText(const TomlReader& r, const std::string& where, const toml::node& v,
                      std::string* out) {
  auto join = [&](const toml::array& a, const char* sep, std::string* text) -> Status {
    for (const auto& e : a) {
      if (!e.is_string()) return r.Error(e, "'" + where + "' must hold strings");
      *text += (text->empty() ? "" : sep) + e.as_string()->get();
    }
    return Status::OK();
  };
  if (v.is_string()) {
    *out = v.as_string()->get();
  } else if (v.is_integer()) {
    *out = std::to_string(v.as_integer()->get());
  } else if (v.is_boolean()) {
    *out = v.as_boolean()->get() ? "true" : "false";
  } else if (v.is_array()) {
    TOWER_RETURN_IF_ERROR(join(*v.as_array(), ",", out));
  } else if (v.is_table()) {
    for (const auto& [name, urls] : *v.as_table()) {
      if (!urls.is_array())
        return r.Error(urls,
                       "'" + where + "." + std::string(name.str()) + "' must be an array of URLs");
      std::string list;
      TOWER_RETURN_IF_ERROR(join(*urls.as_array(), "|", &list));
      *out += (out->empty() ? "" : ";") + std::string(name.str()) + "=" + list;
    }
  } else {
    return r.Error(v, "'" + where + "' must be a string, number, boolean or array");
  }
  return Status::OK();
}

Status ReadMesh(const TomlReader& r, const toml::table& t, Options* o) {
  TOWER_RETURN_IF_ERROR(r.OnlyKnown(t, "mesh", {"plugin", "node", "client"}));
  o->mesh_plugin = "nats";
  TOWER_RETURN_IF_ERROR(r.GetString(t, "mesh", "plugin", &o->mesh_plugin));
  for (auto [key, out] : {std::pair{"node", &o->mesh_node}, std::pair{"client", &o->mesh_client}}) {
    const toml::node* n = t.get(key);
    if (n == nullptr) continue;
    if (!n->is_table()) return r.Error(*n, std::string("'mesh.") + key + "' must be a table");
    // The plugin checks the names (it knows them); the kernel only converts.
    for (const auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), text;
      TOWER_RETURN_IF_ERROR(MeshOptionText(r, std::string("mesh.") + key + "." + name, v, &text));
      out->emplace_back(std::move(name), std::move(text));
    }
  }
  return Status::OK();
}

}  // namespace

Result<Options> Options::FromTomlString(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, std::string(source));
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(std::string(source) + ":" +
                                   std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  TomlReader r{std::string(source)};
  Options o;
  TOWER_RETURN_IF_ERROR(r.OnlyKnown(root, "", {"storage", "plugins", "crypto", "mesh"}));
  for (const char* section : {"storage", "plugins", "crypto", "mesh"}) {
    const toml::node* n = root.get(section);
    if (n && !n->is_table()) return r.Error(*n, std::string("'") + section + "' must be a table");
  }
  if (const toml::table* t = root["storage"].as_table())
    TOWER_RETURN_IF_ERROR(ReadStorage(r, *t, &o));
  if (const toml::table* t = root["plugins"].as_table())
    TOWER_RETURN_IF_ERROR(ReadPlugins(r, *t, &o));
  if (const toml::table* t = root["crypto"].as_table())
    TOWER_RETURN_IF_ERROR(ReadCrypto(r, *t, &o));
  if (const toml::table* t = root["mesh"].as_table()) TOWER_RETURN_IF_ERROR(ReadMesh(r, *t, &o));
  return o;
}

Result<Options> Options::FromTomlFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Status::IOError("cannot read config file '" + file.string() + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  auto o = FromTomlString(ss.str(), file.string());
  if (!o.ok()) return o;
  // Relative paths in a config file are relative to the file's directory.
  auto base = file.parent_path();
  if (!o->path.empty() && std::filesystem::path(o->path).is_relative() && !base.empty())
    o->path = (base / o->path).lexically_normal().string();
  for (auto& p : o->plugin_paths) {
    if (p.is_relative() && !base.empty()) p = (base / p).lexically_normal();
  }
  for (auto& [name, value] : o->mesh_node) {
    bool is_path = name == "store_dir" || name == "work_dir" || name == "log_file";
    if (is_path && !value.empty() && std::filesystem::path(value).is_relative() && !base.empty())
      value = (base / value).lexically_normal().string();
  }
  return o;
}

}  // namespace tower
