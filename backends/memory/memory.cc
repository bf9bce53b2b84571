// The "memory" backend: an ordered, thread-safe, in-memory store with
// snapshots. The fastest choice for tests and caches; nothing survives the
// process unless a checkpoint is written.
//
// Design: multi-version concurrency control on one ordered std::map whose
// entries are (key, sequence) -> value-or-tombstone, sorted by key ascending
// then sequence descending (LevelDB's memtable ordering). Every write batch
// takes the next sequence number under an exclusive lock, so a batch is
// atomic; a reader at sequence S sees, for each key, its newest entry with
// sequence <= S. Snapshots and iterators register their sequence; a version
// is erased as soon as no registered sequence can see it, so without live
// snapshots each key holds exactly one entry. std::map nodes never move, so
// an iterator's position (always a version its own sequence can see, hence
// never erased while it lives) stays valid across concurrent writes; it takes
// the shared lock only while it moves.
//
// Checkpoint writes the snapshot's contents to DIR/MEMORY-CHECKPOINT; opening
// the memory backend with a path that holds such a file loads it.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "tower/sdk/plugin.hpp"

namespace {

using tower::sdk::Error;
namespace fs = std::filesystem;

constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();
constexpr char kCheckpointFile[] = "MEMORY-CHECKPOINT";
constexpr char kCheckpointMagic[] = "TOWER-MEMORY-CHECKPOINT-1\n";

struct VKey {
  std::string key;
  uint64_t seq;
};
struct VKeyRef {
  std::string_view key;
  uint64_t seq;
};

// key ascending, then sequence descending.
struct VKeyLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    int c = std::string_view(a.key).compare(std::string_view(b.key));
    if (c != 0) return c < 0;
    return a.seq > b.seq;
  }
};

struct Entry {
  bool tombstone;
  std::string value;
};

using Table = std::map<VKey, Entry, VKeyLess>;

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class MemoryStore;

class MemorySnapshot final : public tower::sdk::SnapshotBase {
 public:
  MemorySnapshot(MemoryStore* store, uint64_t seq) : store_(store), seq_(seq) {}
  ~MemorySnapshot() override;
  uint64_t seq() const { return seq_; }

 private:
  MemoryStore* store_;
  uint64_t seq_;
};

class MemoryIterator;

class MemoryStore final : public tower::sdk::BackendBase {
 public:
  static Error Open(const tower::sdk::OpenOptions& o, std::unique_ptr<MemoryStore>* out) {
    for (const auto& [k, v] : o.extra()) {
      return Error::Make(TOWER_E_INVALID_ARGUMENT,
                         "memory backend: unknown option '" + k + "' (it takes none)");
    }
    auto s = std::make_unique<MemoryStore>();
    std::string path = o.path();
    if (!o.in_memory() && !path.empty()) {
      fs::path file = fs::path(path) / kCheckpointFile;
      std::error_code ec;
      if (fs::exists(file, ec)) {
        if (o.error_if_exists()) {
          return Error::Make(TOWER_E_ALREADY_EXISTS,
                             "memory backend: '" + file.string() + "' already exists");
        }
        Error e = s->Load(file);
        if (!e.ok()) return e;
      }
    }
    *out = std::move(s);
    return Error::Ok();
  }

  Error get(const tower::sdk::ReadOptions& ro, std::string_view key,
            const tower::sdk::Sink& value) override {
    std::shared_lock lock(mu_);
    uint64_t seq =
        ro.snapshot() ? static_cast<const MemorySnapshot*>(ro.snapshot())->seq() : last_seq_;
    auto it = table_.lower_bound(VKeyRef{key, seq});
    if (it == table_.end() || it->first.key != key || it->second.tombstone) {
      return Error::Make(TOWER_E_NOT_FOUND, "");
    }
    value.set(it->second.value);
    return Error::Ok();
  }

  Error write(bool, const tower_batch_op* ops, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      uint32_t t = ops[i].type;
      if (t != TOWER_OP_PUT && t != TOWER_OP_DELETE && t != TOWER_OP_DELETE_RANGE) {
        return Error::Make(TOWER_E_INVALID_ARGUMENT, "memory backend: unknown batch operation " +
                                                         std::to_string(t) + " at index " +
                                                         std::to_string(i) + "; nothing written");
      }
    }
    std::unique_lock lock(mu_);
    uint64_t seq = last_seq_ + 1;
    std::vector<std::string> victims;  // keys removed by DELETE_RANGE
    std::vector<std::string_view> touched;
    for (size_t i = 0; i < n; ++i) {
      auto o = op(ops[i]);
      if (o.type == TOWER_OP_DELETE_RANGE) {
        size_t first = victims.size();
        for (auto it = table_.lower_bound(VKeyRef{o.key, kMaxSeq});
             it != table_.end() && std::string_view(it->first.key) < o.value;) {
          const std::string& k = it->first.key;
          if (!it->second.tombstone) victims.push_back(k);
          it = table_.upper_bound(VKeyRef{k, 0});
        }
        for (size_t v = first; v < victims.size(); ++v) Set(victims[v], seq, true, {});
      } else {
        Set(o.key, seq, o.type == TOWER_OP_DELETE, o.value);
      }
    }
    last_seq_ = seq;
    if (!readers_.empty()) {
      for (size_t i = 0; i < n; ++i) {
        if (ops[i].type != TOWER_OP_DELETE_RANGE) Collect(std::string(op(ops[i]).key));
      }
      for (const auto& k : victims) Collect(k);
    }
    return Error::Ok();
  }

  Error new_snapshot(std::unique_ptr<tower::sdk::SnapshotBase>* out) override {
    *out = std::make_unique<MemorySnapshot>(this, Register());
    return Error::Ok();
  }

  Error new_iterator(const tower::sdk::ReadOptions& ro,
                     std::unique_ptr<tower::sdk::IteratorBase>* out) override;

  Error flush(bool) override { return Error::Ok(); }

  Error checkpoint(const std::string& dir) override {
    std::error_code ec;
    if (fs::exists(dir, ec)) {
      return Error::Make(TOWER_E_ALREADY_EXISTS,
                         "memory backend: checkpoint directory '" + dir + "' already exists");
    }
    if (!fs::create_directories(dir, ec)) {
      return Error::Make(TOWER_E_IO_ERROR,
                         "memory backend: cannot create '" + dir + "': " + ec.message());
    }
    uint64_t seq = Register();
    Error e = Dump(fs::path(dir) / kCheckpointFile, seq);
    Unregister(seq);
    return e;
  }

  Error property(const std::string& name, std::string* value) override {
    if (name == "tower.max-key-size") {
      *value = "0";
    } else if (name == "tower.properties") {
      *value = "tower.stats\ntower.properties\ntower.max-key-size\nmemory.entries\nmemory.bytes\n";
    } else if (name == "memory.entries" || name == "memory.bytes" || name == "tower.stats") {
      std::shared_lock lock(mu_);
      uint64_t bytes = 0;
      for (const auto& [k, v] : table_) bytes += k.key.size() + v.value.size();
      if (name == "memory.entries") {
        *value = std::to_string(table_.size());
      } else if (name == "memory.bytes") {
        *value = std::to_string(bytes);
      } else {
        *value = "memory backend\nentries (all versions): " + std::to_string(table_.size()) +
                 "\nkey+value bytes: " + std::to_string(bytes) +
                 "\nlast sequence: " + std::to_string(last_seq_) +
                 "\nlive snapshots and iterators: " + std::to_string(readers_.size()) + "\n";
      }
    } else {
      return Error::Make(TOWER_E_NOT_FOUND, "memory backend: unknown property '" + name + "'");
    }
    return Error::Ok();
  }

  // Registers a reader at `seq` (default: the current sequence) so that the
  // versions it sees are kept; returns the sequence.
  uint64_t Register(std::optional<uint64_t> seq = std::nullopt) {
    std::unique_lock lock(mu_);
    uint64_t s = seq.value_or(last_seq_);
    readers_.insert(s);
    return s;
  }

  void Unregister(uint64_t seq) {
    std::unique_lock lock(mu_);
    readers_.erase(readers_.find(seq));
    // Versions kept only for this reader can go now.
    std::set<std::string> dirty;
    dirty.swap(dirty_);
    for (const auto& k : dirty) Collect(k);
  }

 private:
  friend class MemoryIterator;

  // Writes one version of `key`. With no live readers nobody can see older
  // versions, so the key's single entry is updated in place (or erased for a
  // delete); otherwise a new version is added and Collect() trims later.
  // REQUIRES: mu_ held exclusively.
  void Set(std::string_view key, uint64_t seq, bool tombstone, std::string_view value) {
    auto it = table_.lower_bound(VKeyRef{key, kMaxSeq});
    bool exists = it != table_.end() && it->first.key == key;
    if (readers_.empty()) {
      if (tombstone) {
        if (exists) table_.erase(it);
      } else if (exists) {
        it->second.value.assign(value);
      } else {
        table_.emplace_hint(it, VKey{std::string(key), seq}, Entry{false, std::string(value)});
      }
      return;
    }
    if (exists && it->first.seq == seq) {  // written earlier in this batch
      it->second.tombstone = tombstone;
      it->second.value.assign(value);
      return;
    }
    table_.emplace_hint(it, VKey{std::string(key), seq}, Entry{tombstone, std::string(value)});
  }

  // Erases the versions of `key` that no reader can see: an older version is
  // kept only while some reader's sequence lies between it and the next newer
  // version, and a newest tombstone only while an older version is kept.
  // REQUIRES: mu_ held exclusively.
  void Collect(const std::string& key) {
    std::vector<Table::iterator> versions;  // newest first
    for (auto it = table_.lower_bound(VKeyRef{key, kMaxSeq});
         it != table_.end() && it->first.key == key; ++it) {
      versions.push_back(it);
    }
    if (versions.empty()) return;
    std::vector<bool> keep(versions.size(), false);
    bool older_kept = false;
    for (size_t i = 1; i < versions.size(); ++i) {
      auto r = readers_.lower_bound(versions[i]->first.seq);
      keep[i] = r != readers_.end() && *r < versions[i - 1]->first.seq;
      older_kept = older_kept || keep[i];
    }
    keep[0] = !versions[0]->second.tombstone || older_kept;
    size_t left = 0;
    for (size_t i = 0; i < versions.size(); ++i) {
      if (keep[i]) {
        ++left;
      } else {
        table_.erase(versions[i]);
      }
    }
    if (older_kept && left > 1) dirty_.insert(key);
  }

  Error Dump(const fs::path& file, uint64_t seq) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) return Error::Make(TOWER_E_IO_ERROR, "memory backend: cannot write " + file.string());
    out.write(kCheckpointMagic, sizeof(kCheckpointMagic) - 1);
    uint64_t count = 0, sum = 14695981039346656037ull;
    auto put64 = [&](uint64_t v) {
      char b[8];
      for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
      out.write(b, 8);
    };
    std::shared_lock lock(mu_);
    for (auto it = table_.begin(); it != table_.end();) {
      auto vis = table_.lower_bound(VKeyRef{it->first.key, seq});
      if (vis != table_.end() && vis->first.key == it->first.key && !vis->second.tombstone) {
        put64(vis->first.key.size());
        out.write(vis->first.key.data(), static_cast<std::streamsize>(vis->first.key.size()));
        put64(vis->second.value.size());
        out.write(vis->second.value.data(), static_cast<std::streamsize>(vis->second.value.size()));
        sum = Fnv1a(Fnv1a(sum, vis->first.key), vis->second.value);
        ++count;
      }
      it = table_.upper_bound(VKeyRef{it->first.key, 0});
    }
    lock.unlock();
    put64(count);
    put64(sum);
    out.flush();
    if (!out)
      return Error::Make(TOWER_E_IO_ERROR, "memory backend: write failed: " + file.string());
    return Error::Ok();
  }

  Error Load(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    auto corrupt = [&](const std::string& why) {
      return Error::Make(TOWER_E_CORRUPTION,
                         "memory backend: checkpoint " + file.string() + " is corrupt: " + why);
    };
    if (!in) return Error::Make(TOWER_E_IO_ERROR, "memory backend: cannot read " + file.string());
    std::string magic(sizeof(kCheckpointMagic) - 1, '\0');
    in.read(magic.data(), static_cast<std::streamsize>(magic.size()));
    if (!in || magic != kCheckpointMagic) return corrupt("bad header");
    auto size = fs::file_size(file);
    auto get64 = [&](uint64_t* v) {
      unsigned char b[8];
      in.read(reinterpret_cast<char*>(b), 8);
      *v = 0;
      for (int i = 0; i < 8; ++i) *v = (*v << 8) | b[i];
      return static_cast<bool>(in);
    };
    uint64_t count = 0, sum = 14695981039346656037ull;
    std::string key, value;
    while (static_cast<uint64_t>(in.tellg()) + 16 < size) {
      uint64_t kl, vl;
      if (!get64(&kl) || kl > size) return corrupt("bad key length");
      key.resize(kl);
      in.read(key.data(), static_cast<std::streamsize>(kl));
      if (!get64(&vl) || vl > size) return corrupt("bad value length");
      value.resize(vl);
      in.read(value.data(), static_cast<std::streamsize>(vl));
      if (!in) return corrupt("truncated record");
      sum = Fnv1a(Fnv1a(sum, key), value);
      table_.emplace(VKey{key, 0}, Entry{false, value});
      ++count;
    }
    uint64_t want_count, want_sum;
    if (!get64(&want_count) || !get64(&want_sum)) return corrupt("truncated trailer");
    if (want_count != count || want_sum != sum) return corrupt("checksum mismatch");
    return Error::Ok();
  }

  mutable std::shared_mutex mu_;
  Table table_;
  uint64_t last_seq_ = 0;
  std::multiset<uint64_t> readers_;  // sequences of live snapshots/iterators
  std::set<std::string> dirty_;      // keys holding versions kept for readers
};

MemorySnapshot::~MemorySnapshot() { store_->Unregister(seq_); }

class MemoryIterator final : public tower::sdk::IteratorBase {
 public:
  MemoryIterator(MemoryStore* store, const tower::sdk::ReadOptions& ro) : store_(store) {
    // Pin our sequence so the versions this iterator walks are kept.
    std::optional<uint64_t> at;
    if (ro.snapshot()) at = static_cast<const MemorySnapshot*>(ro.snapshot())->seq();
    seq_ = store_->Register(at);
    if (auto l = ro.lower_bound()) lower_ = std::string(*l), has_lower_ = true;
    if (auto u = ro.upper_bound()) upper_ = std::string(*u), has_upper_ = true;
    pos_ = store_->table_.end();
  }
  ~MemoryIterator() override { store_->Unregister(seq_); }

  bool seek(std::string_view target) override {
    std::shared_lock lock(store_->mu_);
    if (has_lower_ && target < lower_) target = lower_;
    return Forward(store_->table_.lower_bound(VKeyRef{target, kMaxSeq}));
  }
  bool seek_for_prev(std::string_view target) override {
    std::shared_lock lock(store_->mu_);
    if (has_upper_ && target >= upper_)
      return Backward(store_->table_.lower_bound(VKeyRef{upper_, kMaxSeq}));
    return Backward(store_->table_.upper_bound(VKeyRef{target, 0}));
  }
  bool seek_to_first() override {
    std::shared_lock lock(store_->mu_);
    if (has_lower_) return Forward(store_->table_.lower_bound(VKeyRef{lower_, kMaxSeq}));
    return Forward(store_->table_.begin());
  }
  bool seek_to_last() override {
    std::shared_lock lock(store_->mu_);
    if (has_upper_) return Backward(store_->table_.lower_bound(VKeyRef{upper_, kMaxSeq}));
    return Backward(store_->table_.end());
  }
  bool next() override {
    if (!valid_) return false;
    std::shared_lock lock(store_->mu_);
    return Forward(store_->table_.upper_bound(VKeyRef{pos_->first.key, 0}));
  }
  bool prev() override {
    if (!valid_) return false;
    std::shared_lock lock(store_->mu_);
    return Backward(store_->table_.lower_bound(VKeyRef{pos_->first.key, kMaxSeq}));
  }
  bool valid() const override { return valid_; }
  std::string_view key() const override { return pos_->first.key; }
  std::string_view value() const override { return pos_->second.value; }

 private:
  // Positions on the first visible key at or after `it`. REQUIRES: lock.
  bool Forward(Table::iterator it) {
    auto& t = store_->table_;
    while (it != t.end()) {
      if (has_upper_ && it->first.key >= upper_) break;
      auto vis = t.lower_bound(VKeyRef{it->first.key, seq_});
      if (vis != t.end() && vis->first.key == it->first.key && !vis->second.tombstone) {
        pos_ = vis;
        return valid_ = true;
      }
      it = t.upper_bound(VKeyRef{it->first.key, 0});
    }
    return valid_ = false;
  }
  // Positions on the last visible key strictly before `it`. REQUIRES: lock.
  bool Backward(Table::iterator it) {
    auto& t = store_->table_;
    while (it != t.begin()) {
      --it;
      const std::string& k = it->first.key;
      if (has_lower_ && k < lower_) break;
      auto vis = t.lower_bound(VKeyRef{k, seq_});
      if (vis != t.end() && vis->first.key == k && !vis->second.tombstone) {
        pos_ = vis;
        return valid_ = true;
      }
      it = t.lower_bound(VKeyRef{k, kMaxSeq});
    }
    return valid_ = false;
  }

  MemoryStore* store_;
  uint64_t seq_ = 0;
  std::string lower_, upper_;
  bool has_lower_ = false, has_upper_ = false;
  bool valid_ = false;
  Table::iterator pos_;
};

Error MemoryStore::new_iterator(const tower::sdk::ReadOptions& ro,
                                std::unique_ptr<tower::sdk::IteratorBase>* out) {
  *out = std::make_unique<MemoryIterator>(this, ro);
  return Error::Ok();
}

}  // namespace

#ifndef TOWER_MEMORY_PLUGIN_NAME  // tests build copies under other names
#define TOWER_MEMORY_PLUGIN_NAME "memory"
#endif
TOWER_BACKEND_PLUGIN(MemoryStore, TOWER_MEMORY_PLUGIN_NAME, "1.0.0",
                     "ordered in-memory store with MVCC snapshots",
                     TOWER_CAP_IN_MEMORY | TOWER_CAP_CHECKPOINT)
