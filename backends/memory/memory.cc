// The "memory" backend: an ordered, thread-safe, in-memory store with
// snapshots. The fastest choice for tests and caches; nothing survives the
// process unless a checkpoint is written.
//
// Design: multi-version concurrency control over 16 shards. A key lives in
// the shard its hash picks; each shard is an ordered std::map whose entries
// are (key, sequence) -> value-or-tombstone, sorted by key ascending then
// sequence descending (LevelDB's memtable ordering), behind its own
// reader-writer lock, so writers to different shards run in parallel.
//
// A write batch locks the shards it touches (all of them for a range
// delete) in ascending order, takes the next sequence number and applies
// every operation before unlocking, so a batch is atomic. A reader at
// sequence S sees, for each key, its newest entry with sequence <= S; a
// plain get sees the newest entry. Snapshots and iterators register their
// sequence while holding every shard lock, so no batch is half applied at
// that moment; a version is erased as soon as no registered sequence can
// see it, so without live snapshots each key holds exactly one entry.
// Iterators merge the shards' ordered maps. std::map nodes never move, so
// an iterator's per-shard position (always a version its own sequence can
// see, hence never erased while it lives) stays valid across concurrent
// writes; it takes a shard's shared lock only while it moves in that shard.
//
// Checkpoint writes the snapshot's contents to DIR/MEMORY-CHECKPOINT; opening
// the memory backend with a path that holds such a file loads it.
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
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

constexpr size_t kShards = 16;

// A reader-writer spin lock. A shard's critical sections are a few hundred
// nanoseconds, far shorter than the sleep and wake-up of a futex-based
// lock, which is what two writers meeting on one shard would otherwise pay.
// Spins briefly, then yields the CPU; a waiting writer holds back new
// readers so it cannot starve.
class SpinSharedMutex {
 public:
  void lock() {
    int32_t free = 0;
    if (state_.compare_exchange_strong(free, -1, std::memory_order_acquire)) return;
    writers_waiting_.fetch_add(1, std::memory_order_relaxed);
    for (int spins = 0;; ++spins) {
      free = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(free, -1, std::memory_order_acquire)) {
        break;
      }
      Backoff(spins);
    }
    writers_waiting_.fetch_sub(1, std::memory_order_relaxed);
  }
  void unlock() { state_.store(0, std::memory_order_release); }
  void lock_shared() {
    for (int spins = 0;; ++spins) {
      int32_t s = state_.load(std::memory_order_relaxed);
      if (s >= 0 && writers_waiting_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) {
        return;
      }
      Backoff(spins);
    }
  }
  void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }

 private:
  static void Backoff(int spins) {
    if (spins < 100) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    } else {
      std::this_thread::yield();
    }
  }
  std::atomic<int32_t> state_{0};  // -1: a writer holds it; n > 0: n readers
  std::atomic<int32_t> writers_waiting_{0};
};

// One shard: its lock, its versions, and its keys holding versions kept for
// readers. Aligned so two shards' locks never share a cache line.
struct alignas(64) Shard {
  mutable SpinSharedMutex mu;
  Table table;
  std::set<std::string> dirty;
};

size_t ShardOf(std::string_view key) { return std::hash<std::string_view>{}(key) % kShards; }

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
    const Shard& sh = shards_[ShardOf(key)];
    std::shared_lock lock(sh.mu);
    // Without a snapshot the newest version is the answer: a batch that
    // writes this shard holds its lock until it is complete.
    uint64_t seq =
        ro.snapshot() ? static_cast<const MemorySnapshot*>(ro.snapshot())->seq() : kMaxSeq;
    auto it = sh.table.lower_bound(VKeyRef{key, seq});
    if (it == sh.table.end() || it->first.key != key || it->second.tombstone) {
      return Error::Make(TOWER_E_NOT_FOUND, "");
    }
    value.set(it->second.value);
    return Error::Ok();
  }

  Error write(bool, const tower_batch_op* ops, size_t n) override {
    uint32_t mask = 0;  // the shards this batch touches
    for (size_t i = 0; i < n; ++i) {
      uint32_t t = ops[i].type;
      if (t == TOWER_OP_PUT || t == TOWER_OP_DELETE) {
        mask |= 1u << ShardOf(op(ops[i]).key);
      } else if (t == TOWER_OP_DELETE_RANGE) {
        mask = (1u << kShards) - 1;
      } else {
        return Error::Make(TOWER_E_INVALID_ARGUMENT, "memory backend: unknown batch operation " +
                                                         std::to_string(t) + " at index " +
                                                         std::to_string(i) + "; nothing written");
      }
    }
    for (size_t s = 0; s < kShards; ++s) {
      if (mask & (1u << s)) shards_[s].mu.lock();
    }
    // With no reader registered, versions need no sequence: a reader that
    // registers later sees everything written before it, so sequence 0 is
    // right, and writers skip the shared counter's cache line.
    bool keep_versions = !readers_.empty();
    uint64_t seq = keep_versions ? last_seq_.fetch_add(1, std::memory_order_relaxed) + 1 : 0;
    std::vector<std::pair<size_t, std::string>> victims;  // keys removed by DELETE_RANGE
    for (size_t i = 0; i < n; ++i) {
      auto o = op(ops[i]);
      if (o.type == TOWER_OP_DELETE_RANGE) {
        for (size_t s = 0; s < kShards; ++s) {
          Table& t = shards_[s].table;
          size_t first = victims.size();
          for (auto it = t.lower_bound(VKeyRef{o.key, kMaxSeq});
               it != t.end() && std::string_view(it->first.key) < o.value;) {
            const std::string& k = it->first.key;
            if (!it->second.tombstone) victims.emplace_back(s, k);
            it = t.upper_bound(VKeyRef{k, 0});
          }
          for (size_t v = first; v < victims.size(); ++v) {
            Set(shards_[s], victims[v].second, seq, true, {}, keep_versions);
          }
        }
      } else {
        Set(shards_[ShardOf(o.key)], o.key, seq, o.type == TOWER_OP_DELETE, o.value, keep_versions);
      }
    }
    if (keep_versions) {
      for (size_t i = 0; i < n; ++i) {
        if (ops[i].type == TOWER_OP_DELETE_RANGE) continue;
        std::string_view k = op(ops[i]).key;
        Collect(shards_[ShardOf(k)], std::string(k));
      }
      for (const auto& [s, k] : victims) Collect(shards_[s], k);
    }
    for (size_t s = kShards; s-- > 0;) {
      if (mask & (1u << s)) shards_[s].mu.unlock();
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
      uint64_t bytes = 0, entries = 0;
      for (const Shard& sh : shards_) {
        std::shared_lock lock(sh.mu);
        entries += sh.table.size();
        for (const auto& [k, v] : sh.table) bytes += k.key.size() + v.value.size();
      }
      if (name == "memory.entries") {
        *value = std::to_string(entries);
      } else if (name == "memory.bytes") {
        *value = std::to_string(bytes);
      } else {
        AllLocks all(this);
        *value = "memory backend\nshards: " + std::to_string(kShards) +
                 "\nentries (all versions): " + std::to_string(entries) +
                 "\nkey+value bytes: " + std::to_string(bytes) +
                 "\nlast sequence: " + std::to_string(last_seq_.load()) +
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
    AllLocks all(this);
    uint64_t s = seq.value_or(last_seq_.load(std::memory_order_relaxed));
    readers_.insert(s);
    return s;
  }

  void Unregister(uint64_t seq) {
    AllLocks all(this);
    readers_.erase(readers_.find(seq));
    // Versions kept only for this reader can go now.
    for (Shard& sh : shards_) {
      std::set<std::string> dirty;
      dirty.swap(sh.dirty);
      for (const auto& k : dirty) Collect(sh, k);
    }
  }

 private:
  friend class MemoryIterator;

  // Every shard locked exclusively (in ascending order): no batch is in
  // flight, so readers_ may change and last_seq_ is complete.
  class AllLocks {
   public:
    explicit AllLocks(MemoryStore* s) : s_(s) {
      for (Shard& sh : s_->shards_) sh.mu.lock();
    }
    ~AllLocks() {
      for (size_t i = kShards; i-- > 0;) s_->shards_[i].mu.unlock();
    }

   private:
    MemoryStore* s_;
  };

  // Writes one version of `key`. With no live readers nobody can see older
  // versions, so the key's single entry is updated in place (or erased for a
  // delete); otherwise a new version is added and Collect() trims later.
  // REQUIRES: sh.mu held exclusively.
  static void Set(Shard& sh, std::string_view key, uint64_t seq, bool tombstone,
                  std::string_view value, bool keep_versions) {
    Table& t = sh.table;
    auto it = t.lower_bound(VKeyRef{key, kMaxSeq});
    bool exists = it != t.end() && it->first.key == key;
    if (!keep_versions) {
      if (tombstone) {
        if (exists) t.erase(it);
      } else if (exists) {
        it->second.value.assign(value);
      } else {
        t.emplace_hint(it, VKey{std::string(key), seq}, Entry{false, std::string(value)});
      }
      return;
    }
    if (exists && it->first.seq == seq) {  // written earlier in this batch
      it->second.tombstone = tombstone;
      it->second.value.assign(value);
      return;
    }
    t.emplace_hint(it, VKey{std::string(key), seq}, Entry{tombstone, std::string(value)});
  }

  // Erases the versions of `key` that no reader can see: an older version is
  // kept only while some reader's sequence lies between it and the next newer
  // version, and a newest tombstone only while an older version is kept.
  // REQUIRES: sh.mu held exclusively (readers_ is stable under any shard lock).
  void Collect(Shard& sh, const std::string& key) {
    Table& t = sh.table;
    std::vector<Table::iterator> versions;  // newest first
    for (auto it = t.lower_bound(VKeyRef{key, kMaxSeq}); it != t.end() && it->first.key == key;
         ++it) {
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
        t.erase(versions[i]);
      }
    }
    if (older_kept && left > 1) sh.dirty.insert(key);
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
    for (const Shard& sh : shards_) {
      std::shared_lock lock(sh.mu);
      const Table& t = sh.table;
      for (auto it = t.begin(); it != t.end();) {
        auto vis = t.lower_bound(VKeyRef{it->first.key, seq});
        if (vis != t.end() && vis->first.key == it->first.key && !vis->second.tombstone) {
          put64(vis->first.key.size());
          out.write(vis->first.key.data(), static_cast<std::streamsize>(vis->first.key.size()));
          put64(vis->second.value.size());
          out.write(vis->second.value.data(),
                    static_cast<std::streamsize>(vis->second.value.size()));
          sum = Fnv1a(Fnv1a(sum, vis->first.key), vis->second.value);
          ++count;
        }
        it = t.upper_bound(VKeyRef{it->first.key, 0});
      }
    }
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
      shards_[ShardOf(key)].table.emplace(VKey{key, 0}, Entry{false, value});
      ++count;
    }
    uint64_t want_count, want_sum;
    if (!get64(&want_count) || !get64(&want_sum)) return corrupt("truncated trailer");
    if (want_count != count || want_sum != sum) return corrupt("checksum mismatch");
    return Error::Ok();
  }

  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> last_seq_{0};
  // Sequences of live snapshots and iterators. Changed only with every
  // shard locked exclusively; read with any one shard lock held.
  std::multiset<uint64_t> readers_;
};

MemorySnapshot::~MemorySnapshot() { store_->Unregister(seq_); }

// Merges the shards: one position per shard (its first or last visible key
// in the direction of travel); the current key is the smallest (forward) or
// largest (backward) of them.
class MemoryIterator final : public tower::sdk::IteratorBase {
 public:
  MemoryIterator(MemoryStore* store, const tower::sdk::ReadOptions& ro) : store_(store) {
    // Pin our sequence so the versions this iterator walks are kept.
    std::optional<uint64_t> at;
    if (ro.snapshot()) at = static_cast<const MemorySnapshot*>(ro.snapshot())->seq();
    seq_ = store_->Register(at);
    if (auto l = ro.lower_bound()) lower_ = std::string(*l), has_lower_ = true;
    if (auto u = ro.upper_bound()) upper_ = std::string(*u), has_upper_ = true;
  }
  ~MemoryIterator() override { store_->Unregister(seq_); }

  bool seek(std::string_view target) override {
    if (has_lower_ && target < lower_) target = lower_;
    std::string t(target);
    for (size_t s = 0; s < kShards; ++s) {
      std::shared_lock lock(shard(s).mu);
      Forward(s, shard(s).table.lower_bound(VKeyRef{t, kMaxSeq}));
    }
    return Pick(true);
  }
  bool seek_for_prev(std::string_view target) override {
    std::string t(target);
    for (size_t s = 0; s < kShards; ++s) {
      std::shared_lock lock(shard(s).mu);
      const Table& tb = shard(s).table;
      if (has_upper_ && t >= upper_) {
        Backward(s, tb.lower_bound(VKeyRef{upper_, kMaxSeq}));
      } else {
        Backward(s, tb.upper_bound(VKeyRef{t, 0}));
      }
    }
    return Pick(false);
  }
  bool seek_to_first() override {
    for (size_t s = 0; s < kShards; ++s) {
      std::shared_lock lock(shard(s).mu);
      const Table& tb = shard(s).table;
      Forward(s, has_lower_ ? tb.lower_bound(VKeyRef{lower_, kMaxSeq}) : tb.begin());
    }
    return Pick(true);
  }
  bool seek_to_last() override {
    for (size_t s = 0; s < kShards; ++s) {
      std::shared_lock lock(shard(s).mu);
      const Table& tb = shard(s).table;
      Backward(s, has_upper_ ? tb.lower_bound(VKeyRef{upper_, kMaxSeq}) : tb.end());
    }
    return Pick(false);
  }
  bool next() override {
    if (current_ < 0) return false;
    std::string at(key());
    // Every shard moves to its first visible key after `at` (after a change
    // of direction the others sit before it; the current one sits on it).
    for (size_t s = 0; s < kShards; ++s) {
      if (forward_ && static_cast<int>(s) != current_) continue;
      std::shared_lock lock(shard(s).mu);
      Forward(s, shard(s).table.upper_bound(VKeyRef{at, 0}));
    }
    return Pick(true);
  }
  bool prev() override {
    if (current_ < 0) return false;
    std::string at(key());
    for (size_t s = 0; s < kShards; ++s) {
      if (!forward_ && static_cast<int>(s) != current_) continue;
      std::shared_lock lock(shard(s).mu);
      Backward(s, shard(s).table.lower_bound(VKeyRef{at, kMaxSeq}));
    }
    return Pick(false);
  }
  bool valid() const override { return current_ >= 0; }
  std::string_view key() const override { return pos_[current_]->first.key; }
  std::string_view value() const override { return pos_[current_]->second.value; }

 private:
  Shard& shard(size_t s) { return store_->shards_[s]; }

  // Positions shard s on the first visible key at or after `it`.
  // REQUIRES: the shard's lock.
  void Forward(size_t s, Table::const_iterator it) {
    const Table& t = shard(s).table;
    valid_[s] = false;
    while (it != t.end()) {
      if (has_upper_ && it->first.key >= upper_) break;
      auto vis = t.lower_bound(VKeyRef{it->first.key, seq_});
      if (vis != t.end() && vis->first.key == it->first.key && !vis->second.tombstone) {
        pos_[s] = vis;
        valid_[s] = true;
        return;
      }
      it = t.upper_bound(VKeyRef{it->first.key, 0});
    }
  }
  // Positions shard s on the last visible key strictly before `it`.
  // REQUIRES: the shard's lock.
  void Backward(size_t s, Table::const_iterator it) {
    const Table& t = shard(s).table;
    valid_[s] = false;
    while (it != t.begin()) {
      --it;
      const std::string& k = it->first.key;
      if (has_lower_ && k < lower_) break;
      auto vis = t.lower_bound(VKeyRef{k, seq_});
      if (vis != t.end() && vis->first.key == k && !vis->second.tombstone) {
        pos_[s] = vis;
        valid_[s] = true;
        return;
      }
      it = t.lower_bound(VKeyRef{k, kMaxSeq});
    }
  }
  // Makes the smallest (forward) or largest (backward) shard key current.
  // Positions are versions our sequence sees, never erased or changed while
  // we are registered, so comparing them needs no lock.
  bool Pick(bool forward) {
    forward_ = forward;
    current_ = -1;
    for (size_t s = 0; s < kShards; ++s) {
      if (!valid_[s]) continue;
      if (current_ < 0) {
        current_ = static_cast<int>(s);
        continue;
      }
      const std::string& k = pos_[s]->first.key;
      const std::string& best = pos_[current_]->first.key;
      if (forward ? k < best : k > best) current_ = static_cast<int>(s);
    }
    return current_ >= 0;
  }

  MemoryStore* store_;
  uint64_t seq_ = 0;
  std::string lower_, upper_;
  bool has_lower_ = false, has_upper_ = false;
  std::array<Table::const_iterator, kShards> pos_{};
  std::array<bool, kShards> valid_{};
  int current_ = -1;  // shard holding the current key, -1 = not valid
  bool forward_ = true;
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
