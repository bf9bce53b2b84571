// tower::Db: an open Tower database, the object applications embed.
//
// Db::open loads the backend plugin named by the options (or by the
// database's manifest), checks that every plugin that wrote the database is
// available, and takes an exclusive lock on the data directory so that two
// processes never open one database. Methods follow the Go original's names
// in snake_case and return Status / Result<T>; all are thread-safe.
#ifndef TOWER_DB_HPP_
#define TOWER_DB_HPP_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tower/backend.hpp"
#include "tower/options.hpp"
#include "tower/plugin.hpp"
#include "tower/status.hpp"

namespace tower {

// What the manifest says about a database (see docs/format.md).
struct ManifestInfo {
  int format = 0;               // on-disk format version
  std::string backend;          // backend plugin that created it
  std::string backend_version;  // that plugin's version at creation
  std::string created;          // RFC 3339 UTC
  // Data types recorded in the database: name, owning plugin, type id,
  // encoding version.
  struct Type {
    std::string name;
    std::string plugin;
    uint8_t id = 0;
    uint8_t encoding = 0;
  };
  std::vector<Type> types;
};

class Db {
 public:
  // Opens (or creates) a database. Errors name the path, option or plugin.
  static Result<std::unique_ptr<Db>> open(const Options& options);
  // Reads the TOML config file and opens the database it describes.
  static Result<std::unique_ptr<Db>> open_config(const std::filesystem::path& file);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Raw byte values (the kernel's own "bytes" type).
  Status put(std::string_view key, std::string_view value);
  // NotFound names the key; TypeMismatch when the key holds another type.
  Result<std::string> get(std::string_view key);
  // Removes a key of any type; OK when it is absent.
  Status del(std::string_view key);
  Result<bool> exists(std::string_view key);

  // Makes all writes durable.
  Status flush();
  // Writes a consistent copy of the database (data and manifest) into `dir`,
  // which must not exist; the copy opens with Db::open on the same backend.
  Status checkpoint(const std::string& dir);
  // Human-readable statistics of the backend.
  Result<std::string> stats();

  // Records that data type `type` of plugin `plugin` (encoding version
  // `encoding`) writes to this database, assigning it a type id. Idempotent.
  // A later open fails unless `plugin` is available.
  Result<uint8_t> register_type(std::string_view type, std::string_view plugin, uint8_t encoding);

  const ManifestInfo& manifest() const { return manifest_; }
  const Options& options() const { return options_; }
  PluginManager& plugins() { return *plugins_; }
  Backend& backend() { return *backend_; }
  // The longest user key this database accepts.
  size_t max_user_key_size() const { return max_user_key_size_; }

 private:
  Db() = default;
  Status CheckKey(std::string_view key) const;
  Status LoadTypes();

  Options options_;
  std::unique_ptr<PluginManager> plugins_;
  std::shared_ptr<Backend> backend_;
  ManifestInfo manifest_;
  int lock_fd_ = -1;
  size_t max_user_key_size_ = 0;
  std::mutex types_mu_;
};

}  // namespace tower

#endif  // TOWER_DB_HPP_
