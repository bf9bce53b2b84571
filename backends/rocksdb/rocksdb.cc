// Tower backend plugin "rocksdb": an ordered key-value store on RocksDB (7.x).
//
// Design choices:
//  - On disk at options.path, or fully in memory (TOWER_OPEN_IN_MEMORY) on a
//    rocksdb::NewMemEnv owned by the backend and destroyed after the DB. An
//    in-memory store runs without a WAL: nothing can survive the process, so
//    the WAL would only cost copies; TOWER_WRITE_SYNC is then a no-op.
//  - Durability: TOWER_OPEN_SYNC_WRITES makes every write WriteOptions::sync;
//    otherwise a write is synced only when the caller asks (TOWER_WRITE_SYNC).
//    Unsynced writes survive a process crash (the WAL is in the page cache)
//    but not a power loss. flush() = FlushWAL(sync), plus a memtable flush
//    when syncing. A batch is one rocksdb::WriteBatch, so it is atomic.
//  - Tuning: cache_size -> LRU block cache, always with a 10-bit bloom
//    filter; memtable_size -> write_buffer_size; bytes_per_sync -> bytes_per_sync
//    and wal_bytes_per_sync. Extra options: rocksdb.max_open_files,
//    rocksdb.compression (none|snappy|lz4|zstd), rocksdb.increase_parallelism.
//  - Snapshots and iterators share ownership of the rocksdb::Snapshot, so an
//    iterator stays valid even if the host frees its snapshot first.
//  - checkpoint(): rocksdb::Checkpoint on disk; in memory, the pairs of a
//    snapshot are copied into a fresh on-disk database (~1 MiB batches), so a
//    checkpoint always opens as an ordinary on-disk "rocksdb" store.
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tower/sdk/plugin.hpp"
#include "tower/sdk/text.hpp"

namespace tower::backends::rocksdb_plugin {
namespace {

namespace fs = std::filesystem;
using sdk::Error;

constexpr const char* kMemPath = "/tower-mem";
constexpr size_t kCheckpointBatchBytes = size_t{1} << 20;

rocksdb::Slice rs(std::string_view s) { return {s.data(), s.size()}; }
std::string_view sv(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

using sdk::quote;

int32_t code_of(const rocksdb::Status& s) {
  using C = rocksdb::Status::Code;
  switch (s.code()) {
    case C::kOk: return TOWER_OK;
    case C::kNotFound: return TOWER_E_NOT_FOUND;
    case C::kCorruption: return TOWER_E_CORRUPTION;
    case C::kNotSupported: return TOWER_E_NOT_SUPPORTED;
    case C::kInvalidArgument: return TOWER_E_INVALID_ARGUMENT;
    case C::kIOError:
      return s.subcode() == rocksdb::Status::kPathNotFound ? TOWER_E_NOT_FOUND : TOWER_E_IO_ERROR;
    case C::kBusy:
    case C::kTryAgain:
    case C::kMergeInProgress: return TOWER_E_BUSY;
    case C::kTimedOut:
    case C::kExpired: return TOWER_E_TIMEOUT;
    case C::kAborted:
    case C::kShutdownInProgress:
    case C::kColumnFamilyDropped: return TOWER_E_ABORTED;
    default: return TOWER_E_INTERNAL;
  }
}

// "rocksdb <context>: <RocksDB's text>" with the matching TOWER_E_* code.
Error fail(const rocksdb::Status& s, const std::string& context) {
  return Error::Make(code_of(s), "rocksdb " + context + ": " + s.ToString());
}

Error invalid(std::string msg) { return Error::Make(TOWER_E_INVALID_ARGUMENT, std::move(msg)); }

// Releases the rocksdb::Snapshot when the last owner (snapshot handle or
// iterator) lets go.
class SnapshotRef {
 public:
  SnapshotRef(rocksdb::DB* db, const rocksdb::Snapshot* snap) : db_(db), snap_(snap) {}
  ~SnapshotRef() { db_->ReleaseSnapshot(snap_); }
  SnapshotRef(const SnapshotRef&) = delete;
  SnapshotRef& operator=(const SnapshotRef&) = delete;
  const rocksdb::Snapshot* get() const { return snap_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

class RocksSnapshot final : public sdk::SnapshotBase {
 public:
  explicit RocksSnapshot(std::shared_ptr<SnapshotRef> ref) : ref_(std::move(ref)) {}
  const std::shared_ptr<SnapshotRef>& ref() const { return ref_; }

 private:
  std::shared_ptr<SnapshotRef> ref_;
};

class RocksIterator final : public sdk::IteratorBase {
 public:
  // Copies the bounds, so the caller's slices may die after iter_new.
  RocksIterator(rocksdb::DB* db, const sdk::ReadOptions& ro, std::shared_ptr<SnapshotRef> snap)
      : snap_(std::move(snap)) {
    rocksdb::ReadOptions opts;
    opts.fill_cache = ro.fill_cache();
    if (snap_) opts.snapshot = snap_->get();
    if (auto lo = ro.lower_bound()) {
      lower_.assign(*lo);
      lower_slice_ = rs(lower_);
      opts.iterate_lower_bound = &lower_slice_;
    }
    if (auto hi = ro.upper_bound()) {
      upper_.assign(*hi);
      upper_slice_ = rs(upper_);
      opts.iterate_upper_bound = &upper_slice_;
    }
    it_.reset(db->NewIterator(opts));
  }

  bool seek(std::string_view target) override { return it_->Seek(rs(target)), valid(); }
  bool seek_for_prev(std::string_view target) override {
    return it_->SeekForPrev(rs(target)), valid();
  }
  bool seek_to_first() override { return it_->SeekToFirst(), valid(); }
  bool seek_to_last() override { return it_->SeekToLast(), valid(); }
  bool next() override { return valid() && (it_->Next(), valid()); }
  bool prev() override { return valid() && (it_->Prev(), valid()); }
  bool valid() const override { return it_->Valid(); }
  std::string_view key() const override { return sv(it_->key()); }
  std::string_view value() const override { return sv(it_->value()); }
  Error status() const override {
    rocksdb::Status s = it_->status();
    return s.ok() ? Error::Ok() : fail(s, "iterator");
  }

 private:
  std::shared_ptr<SnapshotRef> snap_;  // outlives it_ (declared first)
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksBackend final : public sdk::BackendBase {
 public:
  static Error Open(const sdk::OpenOptions& o, std::unique_ptr<RocksBackend>* out) {
    auto self = std::unique_ptr<RocksBackend>(new RocksBackend());
    Error e = self->open(o);
    if (!e.ok()) return e;
    *out = std::move(self);
    return Error::Ok();
  }

  ~RocksBackend() override {
    if (db_) {
      rocksdb::Status s = db_->Close();
      if (!s.ok()) sdk::log(TOWER_LOG_WARN, "rocksdb", "close " + path_ + ": " + s.ToString());
      db_.reset();
    }
    // mem_env_ is destroyed after db_ (declared before it).
  }

  Error get(const sdk::ReadOptions& ro, std::string_view key, const sdk::Sink& value) override {
    rocksdb::ReadOptions opts;
    opts.fill_cache = ro.fill_cache();
    opts.snapshot = snap_of(ro);
    rocksdb::PinnableSlice v;
    rocksdb::Status s = db_->Get(opts, db_->DefaultColumnFamily(), rs(key), &v);
    if (s.IsNotFound()) return Error::Make(TOWER_E_NOT_FOUND, "key " + quote(key) + " not found");
    if (!s.ok()) return fail(s, "get " + quote(key) + " in " + path_);
    value.set(sv(v));
    return Error::Ok();
  }

  Error multi_get(const sdk::ReadOptions& ro, size_t n, const tower_slice* keys,
                  tower_multi_sink* out) override {
    if (n == 0) return Error::Ok();
    // One consistent view: the caller's snapshot or an implicit one.
    std::shared_ptr<SnapshotRef> own;
    rocksdb::ReadOptions opts;
    opts.fill_cache = ro.fill_cache();
    opts.snapshot = snap_of(ro);
    if (opts.snapshot == nullptr) {
      own = std::make_shared<SnapshotRef>(db_.get(), db_->GetSnapshot());
      opts.snapshot = own->get();
    }
    std::vector<rocksdb::Slice> ks(n);
    for (size_t i = 0; i < n; ++i) ks[i] = rs(sdk::view(keys[i]));
    std::vector<rocksdb::PinnableSlice> vals(n);
    std::vector<rocksdb::Status> st(n);
    db_->MultiGet(opts, db_->DefaultColumnFamily(), n, ks.data(), vals.data(), st.data());
    for (size_t i = 0; i < n; ++i) {
      if (st[i].ok()) {
        out->item(out->ctx, i, TOWER_OK, vals[i].data(), vals[i].size());
      } else if (st[i].IsNotFound()) {
        out->item(out->ctx, i, TOWER_E_NOT_FOUND, nullptr, 0);
      } else {
        Error e = fail(st[i], "multi_get " + quote(sv(ks[i])) + " in " + path_);
        out->item(out->ctx, i, e.code, e.message.data(), e.message.size());
      }
    }
    return Error::Ok();
  }

  Error write(bool sync, const tower_batch_op* ops, size_t n) override {
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < n; ++i) {
      sdk::BatchOp op = BackendBase::op(ops[i]);
      rocksdb::Status s;
      switch (op.type) {
        case TOWER_OP_PUT: s = batch.Put(rs(op.key), rs(op.value)); break;
        case TOWER_OP_DELETE: s = batch.Delete(rs(op.key)); break;
        case TOWER_OP_DELETE_RANGE:
          if (op.key < op.value) s = batch.DeleteRange(rs(op.key), rs(op.value));
          break;  // an empty range deletes nothing
        default:
          return invalid("rocksdb " + path_ + ": write op " + std::to_string(i) +
                         " has unknown type " + std::to_string(op.type) + "; nothing was written");
      }
      if (!s.ok()) return fail(s, "write batch op " + std::to_string(i) + " " + quote(op.key));
    }
    rocksdb::WriteOptions wo;
    wo.sync = !in_memory_ && (sync || sync_writes_);
    wo.disableWAL = in_memory_;
    rocksdb::Status s = db_->Write(wo, &batch);
    if (!s.ok()) return fail(s, "write to " + path_);
    return Error::Ok();
  }

  Error new_snapshot(std::unique_ptr<sdk::SnapshotBase>* out) override {
    *out = std::make_unique<RocksSnapshot>(
        std::make_shared<SnapshotRef>(db_.get(), db_->GetSnapshot()));
    return Error::Ok();
  }

  Error new_iterator(const sdk::ReadOptions& ro, std::unique_ptr<sdk::IteratorBase>* out) override {
    std::shared_ptr<SnapshotRef> snap;
    if (auto* s = static_cast<const RocksSnapshot*>(ro.snapshot())) snap = s->ref();
    *out = std::make_unique<RocksIterator>(db_.get(), ro, std::move(snap));
    return Error::Ok();
  }

  Error flush(bool sync) override {
    if (read_only_) return Error::Ok();  // nothing was written
    rocksdb::Status s = db_->FlushWAL(sync && !in_memory_);
    if (!s.ok()) return fail(s, "flush WAL of " + path_);
    if (sync) {
      s = db_->Flush(rocksdb::FlushOptions());
      if (!s.ok()) return fail(s, "flush memtables of " + path_);
    }
    return Error::Ok();
  }

  Error checkpoint(const std::string& dir) override {
    std::error_code ec;
    fs::path target = fs::absolute(dir, ec);
    if (ec) return Error::Make(TOWER_E_IO_ERROR, "checkpoint " + dir + ": " + ec.message());
    if (fs::exists(fs::symlink_status(target, ec)))
      return Error::Make(TOWER_E_ALREADY_EXISTS, "checkpoint " + dir + ": already exists");
    if (in_memory_) return copy_to_disk(target.string());
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    if (s.ok()) s = cp->CreateCheckpoint(target.string());
    if (!s.ok()) return fail(s, "checkpoint of " + path_ + " into " + dir);
    return Error::Ok();
  }

  Error property(const std::string& name, std::string* value) override {
    if (name == "tower.max-key-size") {
      *value = "0";
    } else if (name == "tower.properties") {
      *value = "tower.stats\ntower.properties\ntower.max-key-size\n";
      for (const char* p : kRocksProperties) *value += std::string(p) + "\n";
    } else if (name == "tower.stats") {
      std::string stats, keys;
      db_->GetProperty("rocksdb.estimate-num-keys", &keys);
      db_->GetProperty("rocksdb.stats", &stats);
      *value = "backend: rocksdb " + std::to_string(ROCKSDB_MAJOR) + "." +
               std::to_string(ROCKSDB_MINOR) + "." + std::to_string(ROCKSDB_PATCH) +
               "\npath: " + (in_memory_ ? std::string("(in memory)") : path_) +
               "\nestimate-num-keys: " + keys + "\n" + stats;
    } else if (name.starts_with("rocksdb.") && db_->GetProperty(name, value)) {
      // passed through
    } else {
      return Error::Make(TOWER_E_NOT_FOUND, "rocksdb: unknown property '" + name + "'");
    }
    return Error::Ok();
  }

 private:
  // The RocksDB properties listed by "tower.properties"; any other
  // "rocksdb.*" name is passed through to DB::GetProperty as well.
  static constexpr const char* kRocksProperties[] = {
      "rocksdb.stats",
      "rocksdb.dbstats",
      "rocksdb.levelstats",
      "rocksdb.sstables",
      "rocksdb.estimate-num-keys",
      "rocksdb.estimate-live-data-size",
      "rocksdb.total-sst-files-size",
      "rocksdb.live-sst-files-size",
      "rocksdb.cur-size-all-mem-tables",
      "rocksdb.size-all-mem-tables",
      "rocksdb.num-snapshots",
      "rocksdb.num-running-compactions",
      "rocksdb.num-running-flushes",
      "rocksdb.compaction-pending",
      "rocksdb.estimate-pending-compaction-bytes",
      "rocksdb.background-errors",
      "rocksdb.block-cache-capacity",
      "rocksdb.block-cache-usage",
      "rocksdb.block-cache-pinned-usage",
      "rocksdb.estimate-table-readers-mem",
      "rocksdb.aggregated-table-properties",
  };

  RocksBackend() = default;

  static const rocksdb::Snapshot* snap_of(const sdk::ReadOptions& ro) {
    auto* s = static_cast<const RocksSnapshot*>(ro.snapshot());
    return s ? s->ref()->get() : nullptr;
  }

  Error open(const sdk::OpenOptions& o) {
    in_memory_ = o.in_memory();
    sync_writes_ = o.sync_writes();
    read_only_ = o.read_only();
    path_ = in_memory_ ? std::string(kMemPath) : o.path();

    rocksdb::Options opts;
    if (in_memory_) {
      if (read_only_) return invalid("rocksdb: an in-memory store cannot be opened read-only");
      mem_env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
      opts.env = mem_env_.get();
      opts.create_if_missing = true;  // a memory store is always new
    } else {
      if (path_.empty()) return invalid("rocksdb: no path given for an on-disk store");
      opts.create_if_missing = o.create_if_missing();
      opts.error_if_exists = o.error_if_exists();
      std::error_code ec;
      bool exists = fs::exists(fs::path(path_) / "CURRENT", ec);
      if (exists && o.error_if_exists())
        return Error::Make(TOWER_E_ALREADY_EXISTS, "rocksdb " + path_ + ": database exists");
      if (!exists && (read_only_ || !o.create_if_missing()))
        return Error::Make(TOWER_E_NOT_FOUND, "rocksdb " + path_ +
                                                  ": no database there (and create_if_missing "
                                                  "is not set)");
    }

    rocksdb::BlockBasedTableOptions table;
    if (o.cache_size() > 0) table.block_cache = rocksdb::NewLRUCache(o.cache_size());
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    if (o.memtable_size() > 0) opts.write_buffer_size = o.memtable_size();
    // RocksDB's default makes a writer waiting for its write group spin and
    // yield for up to 100 us before it sleeps. On a machine with few cores
    // that burns the CPU the other threads (the group leader among them)
    // need: towerd_bench's 16-client sets went from 0.74 to 0.81 of the raw
    // echo rate with it off. "rocksdb.write_thread_adaptive_yield" = "true"
    // restores it.
    opts.enable_write_thread_adaptive_yield = false;
    if (o.bytes_per_sync() > 0) {
      opts.bytes_per_sync = o.bytes_per_sync();
      opts.wal_bytes_per_sync = o.bytes_per_sync();
    }
    for (const auto& [name, value] : o.extra()) {
      Error e = apply_extra(name, value, &opts);
      if (!e.ok()) return e;
    }

    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = read_only_ ? rocksdb::DB::OpenForReadOnly(opts, path_, &raw)
                                   : rocksdb::DB::Open(opts, path_, &raw);
    db_.reset(raw);
    if (!s.ok()) return fail(s, "open " + path_);
    return Error::Ok();
  }

  static Error apply_extra(const std::string& name, const std::string& value,
                           rocksdb::Options* opts) {
    auto bad = [&](const char* want) {
      return invalid("rocksdb: option " + name + "='" + value + "' is not " + want);
    };
    if (name == "rocksdb.write_thread_adaptive_yield") {
      if (value != "true" && value != "false") return bad("true or false");
      opts->enable_write_thread_adaptive_yield = value == "true";
    } else if (name == "rocksdb.max_open_files") {
      int v = 0;
      if (!sdk::parse_integer(value, &v) || v < -1 || v == 0)
        return bad("-1 or a positive integer");
      opts->max_open_files = v;
    } else if (name == "rocksdb.increase_parallelism") {
      int v = 0;
      if (!sdk::parse_integer(value, &v) || v < 1) return bad("a positive integer");
      opts->IncreaseParallelism(v);
    } else if (name == "rocksdb.compression") {
      static const std::pair<const char*, rocksdb::CompressionType> kTypes[] = {
          {"none", rocksdb::kNoCompression},
          {"snappy", rocksdb::kSnappyCompression},
          {"lz4", rocksdb::kLZ4Compression},
          {"zstd", rocksdb::kZSTD}};
      std::vector<rocksdb::CompressionType> have = rocksdb::GetSupportedCompressions();
      std::string available = "none";
      for (const auto& [n, t] : kTypes)
        if (t != rocksdb::kNoCompression && std::find(have.begin(), have.end(), t) != have.end())
          available += std::string("|") + n;
      for (const auto& [n, t] : kTypes) {
        if (value != n) continue;
        if (t != rocksdb::kNoCompression && std::find(have.begin(), have.end(), t) == have.end())
          return Error::Make(TOWER_E_NOT_SUPPORTED, "rocksdb: option " + name + "='" + value +
                                                        "': not compiled into this RocksDB "
                                                        "(available: " +
                                                        available + ")");
        opts->compression = t;
        return Error::Ok();
      }
      return bad(("one of " + available).c_str());
    } else {
      return invalid("rocksdb: unknown option '" + name + "'");
    }
    return Error::Ok();
  }

  // In-memory checkpoint: copy a snapshot into a new on-disk database.
  Error copy_to_disk(const std::string& dir) {
    rocksdb::Options opts;
    opts.create_if_missing = true;
    opts.error_if_exists = true;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(opts, dir, &raw);
    std::unique_ptr<rocksdb::DB> dst(raw);
    if (s.ok()) {
      SnapshotRef snap(db_.get(), db_->GetSnapshot());
      rocksdb::ReadOptions ro;
      ro.snapshot = snap.get();
      ro.fill_cache = false;  // a full copy must not evict the working set
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
      rocksdb::WriteOptions wo;
      wo.disableWAL = true;  // the final Flush makes the SST files durable
      rocksdb::WriteBatch batch;
      for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
        s = batch.Put(it->key(), it->value());
        if (s.ok() && batch.GetDataSize() >= kCheckpointBatchBytes) {
          s = dst->Write(wo, &batch);
          batch.Clear();
        }
      }
      if (s.ok()) s = it->status();
      if (s.ok() && batch.Count() > 0) s = dst->Write(wo, &batch);
      if (s.ok()) s = dst->Flush(rocksdb::FlushOptions());
      if (s.ok()) s = dst->Close();
    }
    bool created = dst != nullptr;  // Open (error_if_exists) made the directory
    dst.reset();
    if (!s.ok()) {
      std::error_code ec;
      if (created) fs::remove_all(dir, ec);
      return fail(s, "checkpoint of the in-memory store into " + dir);
    }
    return Error::Ok();
  }

  std::unique_ptr<rocksdb::Env> mem_env_;  // must outlive db_
  std::unique_ptr<rocksdb::DB> db_;
  std::string path_;
  bool in_memory_ = false;
  bool sync_writes_ = false;
  bool read_only_ = false;
};

}  // namespace
}  // namespace tower::backends::rocksdb_plugin

TOWER_BACKEND_PLUGIN(tower::backends::rocksdb_plugin::RocksBackend, "rocksdb", "1.0.0",
                     "RocksDB LSM-tree store, on disk or in memory",
                     TOWER_CAP_PERSISTENT | TOWER_CAP_IN_MEMORY | TOWER_CAP_CHECKPOINT |
                         TOWER_CAP_DELETE_RANGE)
