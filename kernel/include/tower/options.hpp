// Options: how to open a Tower database, in code or from a TOML file.
//
// The fields mirror the Go original's op.Options (FS: in-memory or on disk,
// Path, CacheSize, MemTableSize, BytesPerSync) plus the backend plugin and
// sync-on-write. docs/operations.md says how each maps onto each backend.
#ifndef TOWER_OPTIONS_HPP_
#define TOWER_OPTIONS_HPP_

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tower/size.hpp"
#include "tower/status.hpp"

namespace tower {

struct Options {
  // The backend plugin: "memory", "rocksdb", "lmdb" or any installed one.
  // Empty on an existing database: use the backend its manifest names.
  std::string backend = "rocksdb";
  // Data directory (on-disk databases).
  std::string path;
  // Keep everything in memory (the Go original's op.InMemory()).
  bool in_memory = false;
  Size cache_size = Size::FromMegabytes(64);
  Size memtable_size = Size::FromMegabytes(16);
  Size bytes_per_sync = Size::FromKilobytes(1024);
  // Make every write durable before it returns (fsync/fdatasync per commit).
  bool sync_writes = false;
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;
  // Extra directories searched for plugins, before the defaults.
  std::vector<std::filesystem::path> plugin_paths;
  // Data-type plugins to load; empty = every data-type plugin found on the
  // search path. Plugins a database's manifest names are loaded regardless.
  std::vector<std::string> datatypes;
  // How often the background sweeper deletes expired keys (through the
  // expiry index); 0 = never (Db::truncate_expired() still works). Expired
  // keys read as absent at once either way.
  std::chrono::milliseconds expiry_sweep_interval{1000};
  // Largest encoded big integer or decimal a command may produce.
  Size max_number_size = Size::FromMegabytes(1);
  // Backend-specific options, passed through verbatim ("lmdb.map_size", ...).
  std::map<std::string, std::string> backend_options;
  // Crypto providers to load, in order of preference; empty = every crypto
  // plugin found on the search path (those that fail to load are skipped
  // with a warning), by name.
  std::vector<std::string> crypto_providers;
  // Algorithm -> provider that must serve it ("aes-256-gcm" -> "openssl").
  std::map<std::string, std::string> crypto_pins;

  // [mesh] (docs/mesh.md): the mesh plugin ("" = no mesh), the options of
  // the node to start ([mesh.node]; empty = start none) and of the client
  // connection ([mesh.client]), as the text options the plugin reads.
  std::string mesh_plugin;
  std::vector<std::pair<std::string, std::string>> mesh_node;
  std::vector<std::pair<std::string, std::string>> mesh_client;

  // An in-memory database on `backend` (RocksDB's in-memory environment by
  // default, like the Go original's InMemory()).
  static Options InMemory(std::string backend = "rocksdb");
  // An on-disk database at `path`.
  static Options OnDisk(std::string path, std::string backend = "rocksdb");

  // Reads a TOML configuration (see docs/operations.md). Unknown keys and
  // bad values are InvalidArgument naming the file, line and key.
  static Result<Options> FromTomlFile(const std::filesystem::path& file);
  // Same, from text; `source` names it in messages.
  static Result<Options> FromTomlString(std::string_view text, std::string_view source = "config");
};

}  // namespace tower

#endif  // TOWER_OPTIONS_HPP_
