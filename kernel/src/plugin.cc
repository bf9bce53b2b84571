#include "tower/plugin.hpp"

#define BOOST_DLL_USE_STD_FS
#include <dlfcn.h>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "tower/log.hpp"
#include "tower/sdk/datatype.h"

namespace tower {

namespace fs = std::filesystem;

struct Plugin::Library {
  boost::dll::shared_library lib;
};

Plugin::~Plugin() = default;

const char* PluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kBackend: return "backend";
    case PluginKind::kDatatype: return "datatype";
    case PluginKind::kCrypto: return "crypto";
    case PluginKind::kMesh: return "mesh";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kPrefix = "tower-";
constexpr std::string_view kSuffix = ".so";

void HostLog(void*, int32_t level, const char* plugin, const char* msg, size_t size) {
  LogLevel l = level <= TOWER_LOG_DEBUG  ? LogLevel::kDebug
               : level == TOWER_LOG_INFO ? LogLevel::kInfo
               : level == TOWER_LOG_WARN ? LogLevel::kWarn
                                         : LogLevel::kError;
  Log(l, std::string("plugin ") + (plugin ? plugin : "?"), std::string_view(msg, size));
}

const tower_host_api kHostApi = {TOWER_ABI_MAJOR, TOWER_ABI_MINOR, sizeof(tower_host_api), nullptr,
                                 &HostLog};

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string AbiText(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Checks that every mandatory ABI 1.0 slot of a backend table is filled.
Status CheckBackendTable(const fs::path& file, const tower_backend_api* api) {
  if (api == nullptr)
    return Status::Incompatible(file.string() + ": backend plugin has no backend table");
  if (api->struct_size < sizeof(tower_backend_api)) {
    return Status::Incompatible(file.string() + ": backend table is truncated (" +
                                std::to_string(api->struct_size) + " bytes, ABI 1.0 needs " +
                                std::to_string(sizeof(tower_backend_api)) + ")");
  }
  const void* const fns[] = {reinterpret_cast<const void*>(api->open),
                             reinterpret_cast<const void*>(api->close),
                             reinterpret_cast<const void*>(api->get),
                             reinterpret_cast<const void*>(api->multi_get),
                             reinterpret_cast<const void*>(api->write),
                             reinterpret_cast<const void*>(api->snapshot_new),
                             reinterpret_cast<const void*>(api->snapshot_free),
                             reinterpret_cast<const void*>(api->iter_new),
                             reinterpret_cast<const void*>(api->iter_free),
                             reinterpret_cast<const void*>(api->iter_seek),
                             reinterpret_cast<const void*>(api->iter_seek_for_prev),
                             reinterpret_cast<const void*>(api->iter_seek_to_first),
                             reinterpret_cast<const void*>(api->iter_seek_to_last),
                             reinterpret_cast<const void*>(api->iter_next),
                             reinterpret_cast<const void*>(api->iter_prev),
                             reinterpret_cast<const void*>(api->iter_valid),
                             reinterpret_cast<const void*>(api->iter_key),
                             reinterpret_cast<const void*>(api->iter_value),
                             reinterpret_cast<const void*>(api->iter_status),
                             reinterpret_cast<const void*>(api->flush),
                             reinterpret_cast<const void*>(api->checkpoint),
                             reinterpret_cast<const void*>(api->property)};
  for (const void* f : fns) {
    if (f == nullptr)
      return Status::Incompatible(file.string() + ": backend table has an empty mandatory slot");
  }
  return Status::OK();
}

// Checks a data-type table: present, big enough, well-formed declarations.
Status CheckDatatypeTable(const fs::path& file, const tower_datatype_api* api) {
  auto bad = [&](const std::string& why) {
    return Status::Incompatible(file.string() + ": data-type table: " + why);
  };
  if (api == nullptr) return bad("missing");
  if (api->struct_size < sizeof(tower_datatype_api)) return bad("truncated");
  if (api->type_count > 0 && api->types == nullptr) return bad("types missing");
  if (api->command_count > 0 && api->commands == nullptr) return bad("commands missing");
  for (size_t i = 0; i < api->type_count; ++i) {
    const auto& t = api->types[i];
    if (t.name == nullptr || !ValidName(t.name))
      return bad("type " + std::to_string(i) + " has a bad name");
    if (t.encoding < 1 || t.encoding > 255)
      return bad(std::string("type '") + t.name + "' has encoding outside 1..255");
  }
  for (size_t i = 0; i < api->command_count; ++i) {
    const auto& c = api->commands[i];
    if (c.struct_size < sizeof(tower_command_def) || c.name == nullptr || c.execute == nullptr)
      return bad("command " + std::to_string(i) + " is incomplete");
    std::string_view n = c.name;
    bool ok = !n.empty() && n.size() <= 64;
    for (char ch : n)
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.');
    if (!ok) return bad("command name '" + std::string(n) + "' is not [a-z0-9_.]+");
    if (c.min_args < 0 || (c.max_args >= 0 && c.max_args < c.min_args))
      return bad("command '" + std::string(n) + "' has bad argument counts");
  }
  return Status::OK();
}

// Checks a mesh plugin's table: present, big enough, every function set,
// operation names listed.
Status CheckMeshTable(const fs::path& file, const tower_mesh_api* api) {
  auto bad = [&](const std::string& why) {
    return Status::Incompatible(file.string() + ": mesh table: " + why);
  };
  if (api == nullptr) return bad("missing");
  if (api->struct_size < sizeof(tower_mesh_api)) return bad("truncated");
  if (!api->node_start || !api->node_info || !api->node_control || !api->node_close ||
      !api->connect || !api->close || !api->call || !api->subscribe || !api->unsubscribe)
    return bad("a function is missing");
  if (!api->op_names || !api->op_usages || !api->op_summaries) return bad("operation list missing");
  for (size_t i = 0; api->op_names[i] != nullptr; ++i) {
    if (api->op_usages[i] == nullptr || api->op_summaries[i] == nullptr)
      return bad(std::string("operation '") + api->op_names[i] + "' lacks usage or summary");
  }
  return Status::OK();
}

// Checks a crypto provider's table: present, big enough, every algorithm
// named and complete.
Status CheckCryptoTable(const fs::path& file, const tower_crypto_api* api) {
  auto bad = [&](const std::string& why) {
    return Status::Incompatible(file.string() + ": crypto table: " + why);
  };
  if (api == nullptr) return bad("missing");
  if (api->struct_size < sizeof(tower_crypto_api)) return bad("truncated");
  auto check = [&](const char* family, size_t count, const auto* defs, auto complete) {
    if (count > 0 && defs == nullptr) return bad(std::string(family) + " list missing");
    for (size_t i = 0; i < count; ++i) {
      const auto& d = defs[i];
      if (d.struct_size < sizeof(d) || d.name == nullptr || !ValidName(d.name) || !complete(d))
        return bad(std::string(family) + " " + std::to_string(i) + " is incomplete or badly named");
    }
    return Status::OK();
  };
  TOWER_RETURN_IF_ERROR(check("aead", api->aead_count, api->aeads, [](const tower_aead_def& d) {
    return d.seal != nullptr && d.open != nullptr && d.key_size > 0;
  }));
  TOWER_RETURN_IF_ERROR(
      check("password hash", api->password_count, api->passwords, [](const tower_password_def& d) {
        return d.hash != nullptr && d.verify != nullptr && d.needs_rehash != nullptr &&
               d.prefixes != nullptr && d.prefixes[0] != nullptr;
      }));
  TOWER_RETURN_IF_ERROR(check("kdf", api->kdf_count, api->kdfs,
                              [](const tower_kdf_def& d) { return d.derive != nullptr; }));
  TOWER_RETURN_IF_ERROR(check("hash", api->hash_count, api->hashes,
                              [](const tower_hash_def& d) { return d.hash != nullptr; }));
  return Status::OK();
}

}  // namespace

const tower_host_api* PluginManager::HostApi() { return &kHostApi; }

PluginManager::PluginManager(std::vector<fs::path> dirs) : dirs_(std::move(dirs)) {
  if (const char* env = std::getenv("TOWER_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string part;
    while (std::getline(ss, part, ':')) {
      if (!part.empty()) dirs_.emplace_back(part);
    }
  }
  for (auto& d : DefaultDirs()) dirs_.push_back(std::move(d));
  // Search each directory once (callers may pass a default one again).
  std::vector<fs::path> unique;
  for (auto& d : dirs_) {
    if (std::find(unique.begin(), unique.end(), d) == unique.end()) unique.push_back(std::move(d));
  }
  dirs_ = std::move(unique);
}

std::vector<fs::path> PluginManager::DefaultDirs() {
  // An installed libtower finds the plugins installed beside it
  // (<libdir>/tower/plugins), wherever the prefix was moved to, and never
  // looks into the build tree it came from.
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&PluginKindName), &info) != 0 && info.dli_fname) {
    std::error_code ec;
    fs::path beside = fs::path(info.dli_fname).parent_path() / "tower" / "plugins";
    if (fs::is_directory(beside, ec)) return {beside};
  }
  std::vector<fs::path> dirs;
#ifdef TOWER_PLUGIN_BUILD_DIR
  dirs.emplace_back(TOWER_PLUGIN_BUILD_DIR);
#endif
#ifdef TOWER_PLUGIN_INSTALL_DIR
  dirs.emplace_back(TOWER_PLUGIN_INSTALL_DIR);
#endif
  return dirs;
}

std::string PluginManager::SearchPathText() const {
  std::string out;
  for (const auto& d : dirs_) {
    if (!out.empty()) out += ", ";
    out += d.string();
  }
  return out.empty() ? "(none)" : out;
}

std::vector<std::string> PluginManager::Available() const {
  std::set<std::string> names;
  for (const auto& d : dirs_) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      std::string f = e.path().filename().string();
      if (f.size() > kPrefix.size() + kSuffix.size() && f.starts_with(kPrefix) &&
          f.ends_with(kSuffix)) {
        names.insert(f.substr(kPrefix.size(), f.size() - kPrefix.size() - kSuffix.size()));
      }
    }
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> PluginManager::Available(PluginKind kind) {
  std::vector<std::string> out;
  for (const auto& name : Available()) {
    auto p = Load(name);
    if (p.ok() && (*p)->kind() == kind) out.push_back(name);
  }
  return out;
}

Result<PluginPtr> PluginManager::Load(const std::string& name) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("bad plugin name '" + name +
                                   "': names use only a-z, 0-9, '_' and '-'");
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = loaded_.find(name); it != loaded_.end()) return it->second;
    for (const auto& d : dirs_) {
      fs::path file = d / (std::string(kPrefix) + name + std::string(kSuffix));
      std::error_code ec;
      if (!fs::is_regular_file(file, ec)) continue;
      auto p = LoadLocked(file);
      if (!p.ok()) return p;
      if ((*p)->name() != name) {
        return Status::Incompatible(file.string() + " declares plugin '" + (*p)->name() +
                                    "', expected '" + name + "'");
      }
      return p;
    }
  }
  std::string avail;
  for (const auto& n : Available()) avail += (avail.empty() ? "" : ", ") + n;
  return Status::NotFound("plugin '" + name + "' not found (searched: " + SearchPathText() +
                          "; available: " + (avail.empty() ? "none" : avail) + ")");
}

Result<PluginPtr> PluginManager::Load(const std::string& name, PluginKind kind) {
  auto p = Load(name);
  if (!p.ok()) return p;
  if ((*p)->kind() != kind) {
    return Status::InvalidArgument("plugin '" + name + "' is a " + PluginKindName((*p)->kind()) +
                                   " plugin, not a " + PluginKindName(kind) + " plugin");
  }
  return p;
}

Result<PluginPtr> PluginManager::LoadFile(const fs::path& file) {
  std::lock_guard lock(mu_);
  return LoadLocked(file);
}

Result<PluginPtr> PluginManager::LoadLocked(const fs::path& file) {
  std::error_code ec;
  fs::path abs = fs::absolute(file, ec);
  if (ec) abs = file;
  for (const auto& [name, p] : loaded_) {
    if (fs::equivalent(p->info().file, abs, ec)) return p;
  }
  auto lib = std::make_unique<Plugin::Library>();
  try {
    lib->lib.load(abs, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot load plugin file " + abs.string() +
                                   ": not a loadable shared object (" + e.what() + ")");
  }
  if (!lib->lib.has(TOWER_PLUGIN_ENTRY_SYMBOL)) {
    return Status::InvalidArgument(abs.string() + " is not a Tower plugin: it does not export '" +
                                   TOWER_PLUGIN_ENTRY_SYMBOL + "'");
  }
  auto entry = lib->lib.get<const tower_plugin_descriptor*(const tower_host_api*)>(
      TOWER_PLUGIN_ENTRY_SYMBOL);
  const tower_plugin_descriptor* d = entry(&kHostApi);
  if (d == nullptr) {
    return Status::Incompatible(abs.string() + ": the entry function returned no descriptor");
  }
  // The first two fields are readable in every ABI version.
  if (d->abi_major != TOWER_ABI_MAJOR) {
    return Status::Incompatible(abs.string() + " was built for Tower plugin ABI " +
                                AbiText(d->abi_major, d->abi_minor) + " but this host speaks ABI " +
                                AbiText(TOWER_ABI_MAJOR, TOWER_ABI_MINOR) +
                                " (the major versions must match; rebuild the plugin)");
  }
  if (d->struct_size < TOWER_DESCRIPTOR_MIN_SIZE) {
    return Status::Incompatible(abs.string() + ": plugin descriptor is truncated (" +
                                std::to_string(d->struct_size) + " bytes; ABI " +
                                AbiText(TOWER_ABI_MAJOR, 0) + " needs at least " +
                                std::to_string(TOWER_DESCRIPTOR_MIN_SIZE) + ")");
  }
  if (d->min_host_minor > TOWER_ABI_MINOR) {
    return Status::Incompatible(
        abs.string() + " (plugin ABI " + AbiText(d->abi_major, d->abi_minor) +
        ") needs a host with ABI >= " + AbiText(TOWER_ABI_MAJOR, d->min_host_minor) +
        "; this host speaks ABI " + AbiText(TOWER_ABI_MAJOR, TOWER_ABI_MINOR));
  }
  std::string name = d->name ? d->name : "";
  if (!ValidName(name)) {
    return Status::Incompatible(abs.string() + ": plugin declares an invalid name '" + name + "'");
  }
  PluginKind kind = static_cast<PluginKind>(d->kind);
  switch (kind) {
    case PluginKind::kBackend: TOWER_RETURN_IF_ERROR(CheckBackendTable(abs, d->backend)); break;
    case PluginKind::kDatatype: TOWER_RETURN_IF_ERROR(CheckDatatypeTable(abs, d->datatype)); break;
    case PluginKind::kCrypto: TOWER_RETURN_IF_ERROR(CheckCryptoTable(abs, d->crypto)); break;
    case PluginKind::kMesh: TOWER_RETURN_IF_ERROR(CheckMeshTable(abs, d->mesh)); break;
    default:
      return Status::Incompatible(abs.string() + ": unknown plugin kind " +
                                  std::to_string(d->kind));
  }
  if (auto it = loaded_.find(name); it != loaded_.end()) {
    return Status::AlreadyExists("two plugins claim the name '" + name +
                                 "': " + it->second->info().file.string() + " (loaded) and " +
                                 abs.string());
  }
  auto plugin = std::shared_ptr<Plugin>(new Plugin());
  plugin->lib_ = std::move(lib);
  plugin->desc_ = d;
  plugin->info_ = PluginInfo{name,
                             kind,
                             d->version ? d->version : "",
                             d->description ? d->description : "",
                             d->abi_major,
                             d->abi_minor,
                             abs};
  Log(LogLevel::kInfo, "plugins",
      "loaded " + std::string(PluginKindName(kind)) + " plugin '" + name + "' " +
          plugin->info_.version + " from " + abs.string());
  loaded_[name] = plugin;
  return PluginPtr(plugin);
}

std::vector<PluginInfo> PluginManager::Loaded() const {
  std::lock_guard lock(mu_);
  std::vector<PluginInfo> out;
  for (const auto& [name, p] : loaded_) out.push_back(p->info());
  return out;
}

}  // namespace tower
