// The plugin manager: finds, loads, validates and lists plugins.
//
// A plugin is a shared object named tower-<name>.so that exports
// "tower_plugin_entry" (see tower/sdk/abi.h). The manager looks for it in,
// in order: the directories given by the caller (from the config file), the
// directories in $TOWER_PLUGIN_PATH (colon-separated), then DefaultDirs():
// <libdir>/tower/plugins beside an installed libtower, else the build tree's
// plugin directory and the configured install prefix's lib/tower/plugins.
//
// A loaded plugin is shared: every object made from it (a backend, its
// snapshots and iterators) holds a std::shared_ptr<const Plugin>, so the
// library stays mapped until the last such object is gone, even if the
// manager itself is destroyed first.
#ifndef TOWER_PLUGIN_HPP_
#define TOWER_PLUGIN_HPP_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tower/sdk/abi.h"
#include "tower/sdk/backend.h"
#include "tower/sdk/crypto.h"
#include "tower/sdk/mesh.h"
#include "tower/status.hpp"

namespace tower {

enum class PluginKind : uint32_t {
  kBackend = TOWER_KIND_BACKEND,
  kDatatype = TOWER_KIND_DATATYPE,
  kCrypto = TOWER_KIND_CRYPTO,
  kMesh = TOWER_KIND_MESH,
};

// "backend", "datatype", "crypto", "mesh" (or "unknown").
const char* PluginKindName(PluginKind kind);

// What a loaded plugin says about itself.
struct PluginInfo {
  std::string name;
  PluginKind kind;
  std::string version;
  std::string description;
  uint16_t abi_major = 0;  // the ABI the plugin was built against
  uint16_t abi_minor = 0;
  std::filesystem::path file;
};

// One loaded plugin library. Immutable once loaded; thread-safe.
class Plugin {
 public:
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const PluginInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  PluginKind kind() const { return info_.kind; }
  // The backend table. REQUIRES: kind() == PluginKind::kBackend.
  const tower_backend_api* backend_api() const { return desc_->backend; }
  // The data-type table. REQUIRES: kind() == PluginKind::kDatatype.
  const tower_datatype_api* datatype_api() const { return desc_->datatype; }
  // The crypto provider's table. REQUIRES: kind() == PluginKind::kCrypto.
  const tower_crypto_api* crypto_api() const { return desc_->crypto; }
  // The mesh plugin's table. REQUIRES: kind() == PluginKind::kMesh.
  const tower_mesh_api* mesh_api() const { return desc_->mesh; }
  const tower_plugin_descriptor* descriptor() const { return desc_; }

 private:
  friend class PluginManager;
  struct Library;
  Plugin() = default;
  std::unique_ptr<Library> lib_;  // declared first: unloaded last
  const tower_plugin_descriptor* desc_ = nullptr;
  PluginInfo info_;
};

using PluginPtr = std::shared_ptr<const Plugin>;

class PluginManager {
 public:
  // `dirs` are searched before the defaults (see the file comment).
  explicit PluginManager(std::vector<std::filesystem::path> dirs = {});

  // Loads tower-<name>.so from the search path (or returns the plugin already
  // loaded under that name). NotFound lists the directories searched and the
  // plugins available there.
  Result<PluginPtr> Load(const std::string& name);
  // Like Load, and checks the plugin's kind.
  Result<PluginPtr> Load(const std::string& name, PluginKind kind);
  // Loads a plugin from an explicit file. Refuses files that are not Tower
  // plugins, incompatible ABIs, truncated descriptors and a second plugin
  // claiming a name that is already loaded from another file.
  Result<PluginPtr> LoadFile(const std::filesystem::path& file);

  // The plugins loaded so far, sorted by name.
  std::vector<PluginInfo> Loaded() const;
  // Names of the plugin files present in the search path (tower-<name>.so),
  // sorted, without loading them.
  std::vector<std::string> Available() const;
  // The names of the available plugins of one kind (loads each to ask it;
  // files that fail to load are skipped).
  std::vector<std::string> Available(PluginKind kind);
  // The search path, in order.
  const std::vector<std::filesystem::path>& search_dirs() const { return dirs_; }
  // The search path as "a, b, c" for messages.
  std::string SearchPathText() const;

  // The directories searched after the caller's and $TOWER_PLUGIN_PATH: an
  // installed libtower's <libdir>/tower/plugins, else the build tree's plugin
  // directory and the configured install directory.
  static std::vector<std::filesystem::path> DefaultDirs();

  // The host table handed to every plugin's entry function.
  static const tower_host_api* HostApi();

 private:
  Result<PluginPtr> LoadLocked(const std::filesystem::path& file);
  std::vector<std::filesystem::path> dirs_;
  mutable std::mutex mu_;
  std::map<std::string, PluginPtr> loaded_;  // by plugin name
};

}  // namespace tower

#endif  // TOWER_PLUGIN_HPP_
