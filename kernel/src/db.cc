#include "tower/db.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "db_internal.hpp"
#include "lock_table.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"
#include "tower/log.hpp"

namespace tower {

namespace fs = std::filesystem;

namespace {

constexpr int kFormatVersion = 1;
constexpr char kManifestFile[] = "TOWER";
constexpr char kLockFile[] = "TOWER.lock";
constexpr std::string_view kTypeRecordPrefix = "type/";

std::string ErrnoText() { return std::strerror(errno); }

// Writes `text` to `file` atomically: temp file, fsync, rename, fsync dir.
Status WriteFileAtomic(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create '" + tmp.string() + "': " + ErrnoText());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  std::string err = ok ? "" : ErrnoText();
  ::close(fd);
  if (!ok) return Status::IOError("cannot write '" + tmp.string() + "': " + err);
  if (::rename(tmp.c_str(), file.c_str()) != 0)
    return Status::IOError("cannot rename '" + tmp.string() + "': " + ErrnoText());
  int dfd = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

std::string ManifestText(const ManifestInfo& m) {
  std::ostringstream os;
  os << "# Tower database manifest (docs/format.md). Written by Tower; do not edit.\n"
     << "format=" << m.format << "\n"
     << "backend=" << m.backend << "\n"
     << "backend_version=" << m.backend_version << "\n"
     << "created=" << m.created << "\n";
  return os.str();
}

Result<ManifestInfo> ReadManifest(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return Status::IOError("cannot read manifest '" + file.string() + "'");
  ManifestInfo m;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      return Status::Corruption("manifest '" + file.string() + "' line " + std::to_string(lineno) +
                                " is not key=value");
    }
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "format") {
      m.format = std::atoi(v.c_str());
    } else if (k == "backend") {
      m.backend = v;
    } else if (k == "backend_version") {
      m.backend_version = v;
    } else if (k == "created") {
      m.created = v;
    }  // unknown keys come from newer versions that kept compatibility
  }
  if (m.format < 1 || m.backend.empty()) {
    return Status::Corruption("manifest '" + file.string() + "' has no format or backend");
  }
  if (m.format > kFormatVersion) {
    return Status::Incompatible("database manifest '" + file.string() + "' has format " +
                                std::to_string(m.format) + "; this Tower reads up to format " +
                                std::to_string(kFormatVersion));
  }
  return m;
}

// Checks the data directory and takes its lock. Sets *manifest when the
// directory already holds a database.
Status PrepareDirectory(const Options& o, int* lock_fd, std::optional<ManifestInfo>* manifest) {
  fs::path dir(o.path);
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) {
      return Status::IOError("data directory '" + o.path + "' exists but is not a directory");
    }
  } else {
    if (!o.create_if_missing || o.read_only) {
      return Status::NotFound("data directory '" + o.path +
                              "' does not exist (create_if_missing is off)");
    }
    if (!fs::create_directories(dir, ec) && ec) {
      return Status::IOError("cannot create data directory '" + o.path + "': " + ec.message());
    }
  }
  // Readable? (root bypasses permission bits, so try a real listing.)
  bool has_other_files = false;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::IOError("cannot read data directory '" + o.path + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name != kManifestFile && name != kLockFile) has_other_files = true;
  }
  if (ec) return Status::IOError("cannot read data directory '" + o.path + "': " + ec.message());
  if (::access(dir.c_str(), R_OK | X_OK | (o.read_only ? 0 : W_OK)) != 0) {
    return Status::IOError("cannot use data directory '" + o.path + "': " + ErrnoText());
  }

  fs::path lock_path = dir / kLockFile;
  int fd = ::open(lock_path.c_str(), (o.read_only ? O_RDONLY : O_RDWR) | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::IOError("cannot open lock file '" + lock_path.string() + "': " + ErrnoText());
  if (::flock(fd, (o.read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) {
      return Status::Busy("database at '" + o.path +
                          "' is already open in another process or Db (lock " + lock_path.string() +
                          ")");
    }
    return Status::IOError("cannot lock '" + lock_path.string() + "': " + std::strerror(e));
  }
  *lock_fd = fd;

  fs::path mf = dir / kManifestFile;
  if (fs::exists(mf, ec)) {
    auto m = ReadManifest(mf);
    if (!m.ok()) return m.status();
    if (o.error_if_exists) {
      return Status::AlreadyExists("database at '" + o.path + "' already exists (error_if_exists)");
    }
    *manifest = *m;
  } else if (has_other_files) {
    return Status::InvalidArgument("data directory '" + o.path +
                                   "' is not empty and holds no Tower manifest (" + kManifestFile +
                                   "); refusing to use a directory Tower did not create");
  } else if (o.read_only) {
    return Status::NotFound("no database at '" + o.path + "' (read_only)");
  }
  return Status::OK();
}

}  // namespace

std::string NowRfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::unique_ptr<Db>> Db::open_config(const fs::path& file) {
  auto o = Options::FromTomlFile(file);
  if (!o.ok()) return o.status();
  return open(*o);
}

Result<std::unique_ptr<Db>> Db::open(const Options& options) {
  std::unique_ptr<Db> db(new Db());
  db->options_ = options;
  db->plugins_ = std::make_unique<PluginManager>(options.plugin_paths);
  std::optional<ManifestInfo> existing;
  if (!options.in_memory) {
    if (options.path.empty()) {
      return Status::InvalidArgument(
          "option 'path' is empty: set a data directory, or set in_memory = true");
    }
    TOWER_RETURN_IF_ERROR(PrepareDirectory(options, &db->lock_fd_, &existing));
  }
  std::string backend_name = options.backend;
  if (existing) {
    if (!backend_name.empty() && backend_name != existing->backend) {
      return Status::InvalidArgument("database at '" + options.path + "' was created by backend '" +
                                     existing->backend + "', but option 'backend' asks for '" +
                                     backend_name + "'");
    }
    backend_name = existing->backend;
  }
  if (backend_name.empty()) backend_name = "rocksdb";

  auto plugin = db->plugins_->Load(backend_name, PluginKind::kBackend);
  if (!plugin.ok()) {
    if (existing) {
      return Status(plugin.status().code(),
                    "database at '" + options.path + "' was written by backend plugin '" +
                        backend_name + "', which cannot be loaded: " + plugin.status().message());
    }
    return Status(plugin.status().code(),
                  "unknown backend '" + backend_name + "': " + plugin.status().message());
  }

  BackendOptions bo;
  bo.path = options.path;
  bo.in_memory = options.in_memory;
  bo.create_if_missing = options.create_if_missing;
  bo.error_if_exists = options.error_if_exists && !existing;
  bo.read_only = options.read_only;
  bo.sync_writes = options.sync_writes;
  bo.cache_size = static_cast<uint64_t>(options.cache_size.bytes());
  bo.memtable_size = static_cast<uint64_t>(options.memtable_size.bytes());
  bo.bytes_per_sync = static_cast<uint64_t>(options.bytes_per_sync.bytes());
  bo.extra = options.backend_options;
  bo.plugin_dirs = options.plugin_paths;
  auto backend = Backend::Open(*plugin, bo);
  if (!backend.ok()) return backend.status();
  db->backend_ = *backend;

  uint64_t mks = db->backend_->max_key_size();
  db->max_user_key_size_ = keys::kMaxUserKeySize;
  if (mks > 0)
    db->max_user_key_size_ = std::min<size_t>(db->max_user_key_size_, mks > 13 ? mks - 13 : 0);

  if (existing) {
    db->manifest_ = *existing;
  } else {
    db->manifest_.format = kFormatVersion;
    db->manifest_.backend = backend_name;
    db->manifest_.backend_version = (*plugin)->info().version;
    db->manifest_.created = NowRfc3339();
    if (!options.in_memory) {
      TOWER_RETURN_IF_ERROR(
          WriteFileAtomic(fs::path(options.path) / kManifestFile, ManifestText(db->manifest_)));
    }
  }
  TOWER_RETURN_IF_ERROR(db->LoadTypes());
  TOWER_RETURN_IF_ERROR(db->LoadItemsVersion());
  TOWER_RETURN_IF_ERROR(db->RegisterKernelCommands());
  TOWER_RETURN_IF_ERROR(db->LoadDatatypes());
  auto crypto = CryptoRegistry::Load(*db->plugins_, options.crypto_providers, options.crypto_pins);
  if (!crypto.ok()) return crypto.status();
  db->crypto_ = std::move(*crypto);
  db->StartSweeper();
  return db;
}

Db::~Db() {
  StopSweeper();
  if (backend_ && !options_.read_only) {
    Status s = backend_->Flush(options_.sync_writes);
    if (!s.ok()) Log(LogLevel::kWarn, "db", "flush on close failed: " + s.ToString());
  }
  backend_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status Db::LoadTypes() {
  std::string prefix = keys::System(kTypeRecordPrefix);
  std::string end = keys::PrefixEnd(prefix);
  ReadOptions ro;
  ro.lower_bound = prefix;
  ro.upper_bound = end;
  auto it = backend_->NewIterator(ro);
  if (!it.ok()) return it.status();
  std::vector<std::string> missing;
  for (bool v = (*it)->SeekToFirst(); v; v = (*it)->Next()) {
    std::string_view k = (*it)->key(), val = (*it)->value();
    if (val.size() < 2) {
      return Status::Corruption("manifest record " + keys::Quote(k) + " is truncated");
    }
    ManifestInfo::Type t;
    t.name = std::string(k.substr(prefix.size()));
    t.id = static_cast<uint8_t>(val[0]);
    t.encoding = static_cast<uint8_t>(val[1]);
    t.plugin = std::string(val.substr(2));
    manifest_.types.push_back(t);
  }
  TOWER_RETURN_IF_ERROR((*it)->status());
  std::string why;
  for (const auto& t : manifest_.types) {
    if (t.plugin.empty()) continue;  // kernel-owned
    auto p = plugins_->Load(t.plugin, PluginKind::kDatatype);
    if (!p.ok()) {
      why += (why.empty() ? "" : "; ") + std::string("type '") + t.name + "' needs plugin '" +
             t.plugin + "' (" + p.status().message() + ")";
    }
  }
  if (!why.empty()) {
    std::string where =
        options_.in_memory ? "in-memory database" : "database at '" + options_.path + "'";
    return Status::NotFound(where + " was written with plugins that are not available: " + why);
  }
  return Status::OK();
}

Result<uint8_t> Db::register_type(std::string_view type, std::string_view plugin,
                                  uint8_t encoding) {
  std::lock_guard lock(types_mu_);
  auto it = std::find_if(manifest_.types.begin(), manifest_.types.end(),
                         [&](const ManifestInfo::Type& t) { return t.name == type; });
  if (it != manifest_.types.end()) {
    if (it->plugin != plugin) {
      return Status::AlreadyExists("type '" + std::string(type) + "' already belongs to plugin '" +
                                   it->plugin + "', not '" + std::string(plugin) + "'");
    }
    if (it->encoding >= encoding) return it->id;
  }
  uint8_t id = kTypeBytes + 1;
  if (it != manifest_.types.end()) {
    id = it->id;
  } else {
    for (const auto& t : manifest_.types) {
      if (t.id == 255) {
        return Status::Overflow("no free type id left for type '" + std::string(type) + "'");
      }
      id = std::max<uint8_t>(id, static_cast<uint8_t>(t.id + 1));
    }
  }
  std::string value;
  value.push_back(static_cast<char>(id));
  value.push_back(static_cast<char>(encoding));
  value.append(plugin);
  WriteOptions wo;
  wo.sync = true;
  TOWER_RETURN_IF_ERROR(
      backend_->Put(wo, keys::System(std::string(kTypeRecordPrefix) + std::string(type)), value));
  if (it != manifest_.types.end()) {
    it->encoding = encoding;
  } else {
    manifest_.types.push_back({std::string(type), std::string(plugin), id, encoding});
  }
  return id;
}

Status Db::CheckKey(std::string_view key) const {
  if (key.empty()) return Status::InvalidArgument("key must not be empty");
  if (key.size() > max_user_key_size_) {
    return Status::InvalidArgument("key of " + std::to_string(key.size()) +
                                   " bytes is longer than the " +
                                   std::to_string(max_user_key_size_) +
                                   "-byte maximum of backend '" + manifest_.backend + "'");
  }
  return Status::OK();
}

Status Db::put(std::string_view key, std::string_view value) {
  TOWER_RETURN_IF_ERROR(CheckKey(key));
  std::string frame;
  EncodeFrame(&frame, kTypeBytes, 1, std::nullopt, value);
  WriteOptions wo;
  wo.sync = options_.sync_writes;
  std::string_view k[] = {key};
  auto guard = locks_->Lock(k, false);
  return backend_->Put(wo, keys::Meta(key), frame);
}

Result<std::string> Db::get(std::string_view key) {
  TOWER_RETURN_IF_ERROR(CheckKey(key));
  std::string raw;
  Status s = backend_->Get(ReadOptions(), keys::Meta(key), &raw);
  if (s.IsNotFound()) return Status::NotFound("key " + keys::Quote(key) + " not found");
  if (!s.ok()) return s;
  auto f = DecodeFrame(key, raw);
  if (!f.ok()) return f.status();
  if (Expired(f->expiry_ms)) {
    return Status::NotFound("key " + keys::Quote(key) + " not found");
  }
  if (f->type != kTypeBytes) {
    return Status::TypeMismatch("key " + keys::Quote(key) + " holds a " + TypeName(f->type) +
                                " value, not bytes");
  }
  return std::string(f->payload);
}

Status Db::del(std::string_view key) { return delete_key(key).status(); }

Status Db::flush() { return backend_->Flush(true); }

Status Db::checkpoint(const std::string& dir) {
  TOWER_RETURN_IF_ERROR(backend_->Checkpoint(dir));
  ManifestInfo m = manifest_;
  m.types.clear();
  return WriteFileAtomic(fs::path(dir) / kManifestFile, ManifestText(m));
}

Result<std::string> Db::stats() { return backend_->Property("tower.stats"); }

}  // namespace tower
