// The kernel's view of a backend plugin: an ordered byte-key store.
//
// Backend wraps a plugin's C table (tower/sdk/backend.h) in C++ with Status
// results. Snapshots and iterators keep their Backend (and so the plugin
// library) alive, so they may outlive the code that made them.
//
// Thread safety: Backend and Snapshot are thread-safe; an Iterator is used by
// one thread at a time; WriteBatch is not thread-safe.
#ifndef TOWER_BACKEND_HPP_
#define TOWER_BACKEND_HPP_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tower/plugin.hpp"
#include "tower/sdk/backend.h"
#include "tower/status.hpp"

namespace tower {

class Backend;
class Snapshot;

// How to open a backend. Sizes are bytes; 0 means the backend's default.
struct BackendOptions {
  std::string path;        // data directory (unused when in_memory)
  bool in_memory = false;  // keep everything in memory
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;
  bool sync_writes = false;  // every write durable before it returns
  uint64_t cache_size = 0;
  uint64_t memtable_size = 0;
  uint64_t bytes_per_sync = 0;
  std::map<std::string, std::string> extra;  // backend-specific options
  // Where a stacking backend finds the backends it wraps (searched before the
  // wrapping plugin's own directory and the defaults).
  std::vector<std::filesystem::path> plugin_dirs;
};

struct ReadOptions {
  const Snapshot* snapshot = nullptr;  // nullptr: the latest state
  // Iterator bounds: lower <= key < upper. Copied by NewIterator.
  std::optional<std::string_view> lower_bound;
  std::optional<std::string_view> upper_bound;
};

struct WriteOptions {
  bool sync = false;  // durable before Write returns
};

// An atomic group of writes, applied in order by Backend::Write.
class WriteBatch {
 public:
  void Put(std::string_view key, std::string_view value) { Add(TOWER_OP_PUT, key, value); }
  void Delete(std::string_view key) { Add(TOWER_OP_DELETE, key, {}); }
  // Removes every key k with begin <= k < end.
  void DeleteRange(std::string_view begin, std::string_view end) {
    Add(TOWER_OP_DELETE_RANGE, begin, end);
  }
  void Clear() {
    arena_.clear();
    ops_.clear();
  }
  size_t Count() const { return ops_.size(); }
  // Bytes of keys and values held.
  size_t ByteSize() const { return arena_.size(); }

 private:
  friend class Backend;
  struct Op {
    uint32_t type;
    size_t key_off, key_len, value_off, value_len;
  };
  void Add(uint32_t type, std::string_view key, std::string_view value) {
    Op op{type, arena_.size(), key.size(), arena_.size() + key.size(), value.size()};
    arena_.append(key);
    arena_.append(value);
    ops_.push_back(op);
  }
  std::string arena_;
  std::vector<Op> ops_;
};

// A consistent read view. Release by destroying it.
class Snapshot {
 public:
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

 private:
  friend class Backend;
  Snapshot(std::shared_ptr<Backend> db, tower_snapshot* s) : db_(std::move(db)), snap_(s) {}
  std::shared_ptr<Backend> db_;
  tower_snapshot* snap_;
};

// An ordered cursor. Starts unpositioned; movement functions return Valid().
// key()/value() are valid until the next movement.
class Iterator {
 public:
  ~Iterator();
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;

  bool Seek(std::string_view target) {
    return api_->iter_seek(it_, {target.data(), target.size()});
  }
  bool SeekForPrev(std::string_view target) {
    return api_->iter_seek_for_prev(it_, {target.data(), target.size()});
  }
  bool SeekToFirst() { return api_->iter_seek_to_first(it_); }
  bool SeekToLast() { return api_->iter_seek_to_last(it_); }
  bool Next() { return api_->iter_next(it_); }
  bool Prev() { return api_->iter_prev(it_); }
  bool Valid() const { return api_->iter_valid(it_); }
  std::string_view key() const {
    tower_slice s = api_->iter_key(it_);
    return {s.data, s.size};
  }
  std::string_view value() const {
    tower_slice s = api_->iter_value(it_);
    return {s.data, s.size};
  }
  // OK, or the error that stopped the iteration.
  Status status() const;

 private:
  friend class Backend;
  Iterator(std::shared_ptr<Backend> db, const tower_backend_api* api, tower_iterator* it)
      : db_(std::move(db)), api_(api), it_(it) {}
  std::shared_ptr<Backend> db_;
  const tower_backend_api* api_;
  tower_iterator* it_;
};

class Backend : public std::enable_shared_from_this<Backend> {
 public:
  // Opens a store with a backend plugin. Errors name the plugin and path.
  static Result<std::shared_ptr<Backend>> Open(PluginPtr plugin, const BackendOptions& options);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // Reads key into *value. NotFound when absent.
  Status Get(const ReadOptions& ro, std::string_view key, std::string* value) const;
  // The same, handing the value to `value` (the plugin's bytes, no copy in
  // between); `value` is not called when the key is absent.
  Status Get(const ReadOptions& ro, std::string_view key, tower_sink* value) const;
  // Reads several keys from one consistent view. (*statuses)[i] is OK,
  // NotFound or an error for keys[i].
  Status MultiGet(const ReadOptions& ro, const std::vector<std::string_view>& keys,
                  std::vector<std::string>* values, std::vector<Status>* statuses) const;
  // Applies the batch atomically.
  Status Write(const WriteOptions& wo, const WriteBatch& batch);
  // Applies operations already in ABI form atomically (the command path's
  // copy-free variant of Write).
  Status WriteOps(const WriteOptions& wo, std::span<const tower_batch_op> ops);
  Status Put(const WriteOptions& wo, std::string_view key, std::string_view value);
  Status Delete(const WriteOptions& wo, std::string_view key);

  Result<std::unique_ptr<Snapshot>> GetSnapshot();
  Result<std::unique_ptr<Iterator>> NewIterator(const ReadOptions& ro);

  // Makes everything written so far durable.
  Status Flush(bool sync = true);
  // Writes a consistent copy of the store into `dir` (must not exist).
  Status Checkpoint(const std::string& dir);
  // A named property ("tower.stats", "tower.properties", ...).
  Result<std::string> Property(const std::string& name) const;
  // Largest key the backend accepts, 0 = unlimited.
  uint64_t max_key_size() const { return max_key_size_; }

  const PluginPtr& plugin() const { return plugin_; }
  uint32_t capabilities() const { return api_->capabilities; }
  const std::string& path() const { return path_; }

 private:
  friend class Snapshot;
  Backend(PluginPtr plugin, tower_backend* db, std::string path);
  Status Error(int32_t code, std::string&& message, std::string_view what) const;

  PluginPtr plugin_;  // first member: destroyed last, after close()
  // Backends this one opened through the resolver (stacking): unloaded only
  // after close() has returned.
  std::vector<PluginPtr> inner_;
  const tower_backend_api* api_;
  tower_backend* db_;
  std::string path_;
  uint64_t max_key_size_ = 0;
};

}  // namespace tower

#endif  // TOWER_BACKEND_HPP_
