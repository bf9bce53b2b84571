// Tower backend plugin "lmdb": an ordered key-value store on LMDB (0.9.x).
//
// Design choices:
//  - On disk only: one LMDB environment (data.mdb + lock.mdb) in the
//    directory options.path, using the unnamed main database.
//  - Env flags: MDB_NOTLS (read transactions belong to their object, not to a
//    thread, so one thread may hold many snapshots/iterators). Read
//    transactions may span threads only when their use is serialised, so
//    a snapshot's read txn, which its iterators share, carries a mutex taken
//    around each call. An iterator opened without a snapshot owns its txn
//    and, like any iterator, is used by one thread at a time: no lock.
//  - Durability and integrity: with TOWER_OPEN_SYNC_WRITES every commit is
//    synced (no MDB_NOSYNC) and the env uses MDB_WRITEMAP (about 3x faster
//    writes). Otherwise the env runs MDB_NOSYNC *without* MDB_WRITEMAP, and a
//    write is synced (mdb_env_sync) only when the caller asks for
//    TOWER_WRITE_SYNC, or on flush(). Unsynced commits survive a process
//    crash (they are in the page cache); an OS crash or power loss may lose
//    the latest of them but, as the LMDB docs state for NOSYNC without
//    WRITEMAP on a write-order-preserving file system, never corrupts the
//    database. NOSYNC together with WRITEMAP gives no such promise, so it is
//    only used when the operator asks for it ("lmdb.writemap" = "true").
//    MDB_MAPASYNC is never used.
//  - Map size: "lmdb.map_size" (default 1 GiB; never below the size recorded
//    in the file). When a write batch hits MDB_MAP_FULL it is aborted, the map
//    is grown (doubled, or more for a large batch) and the batch is retried.
//    mdb_env_set_mapsize needs no transaction active in this process, so
//    every transaction passes a Gate: a counter of open transactions that a
//    resize can close. The resize first waits (without blocking anyone) for
//    the long-lived transactions of snapshots, iterators and checkpoints to
//    end, then closes the gate and waits for the short ones (point reads,
//    writes). A resize that cannot proceed within 5 s fails with
//    TOWER_E_BUSY. (A plain std::shared_mutex would not do: glibc's rwlock
//    prefers readers, so steady point reads could starve the resize, and a
//    writer-preferring one would stall every read behind an open snapshot.)
//    A map grown by another process (MDB_MAP_RESIZED) is adopted the same way
//    with mdb_env_set_mapsize(env, 0). If a remap fails, LMDB is left without
//    a map; the backend then refuses every call with TOWER_E_IO_ERROR.
//  - Snapshots are read transactions kept open; iterators share ownership of
//    their snapshot's transaction, so they may outlive the snapshot handle.
//  - cache_size, memtable_size and bytes_per_sync have no LMDB meaning and
//    are ignored.
#include <lmdb.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "tower/sdk/plugin.hpp"
#include "tower/sdk/text.hpp"

namespace tower::backends::lmdb_plugin {
namespace {

namespace fs = std::filesystem;
using sdk::Error;

constexpr size_t kDefaultMapSize = size_t{1} << 30;
constexpr size_t kMapGranule = size_t{1} << 20;  // map sizes are rounded up to this
constexpr unsigned kDefaultMaxReaders = 1024;
constexpr auto kResizeTimeout = std::chrono::seconds(5);
constexpr int kMaxResizeAttempts = 16;

MDB_val mval(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }
std::string_view sv(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

using sdk::quote;

int32_t code_of(int rc) {
  switch (rc) {
    case MDB_SUCCESS: return TOWER_OK;
    case MDB_NOTFOUND:
    case ENOENT: return TOWER_E_NOT_FOUND;
    case MDB_KEYEXIST:
    case EEXIST: return TOWER_E_ALREADY_EXISTS;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID: return TOWER_E_CORRUPTION;
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE: return TOWER_E_INCOMPATIBLE;
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_MAP_RESIZED:
    case EAGAIN:
    case EBUSY: return TOWER_E_BUSY;
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_BAD_VALSIZE:
    case EINVAL: return TOWER_E_INVALID_ARGUMENT;
    case EACCES:
    case EROFS: return TOWER_E_NOT_SUPPORTED;
    case ENOMEM: return TOWER_E_INTERNAL;
    default: return rc > 0 ? TOWER_E_IO_ERROR : TOWER_E_INTERNAL;
  }
}

Error invalid(std::string msg) { return Error::Make(TOWER_E_INVALID_ARGUMENT, std::move(msg)); }

size_t round_up(size_t n, size_t granule) { return (n + granule - 1) / granule * granule; }

// Admission of LMDB transactions, so that the map can be resized while none
// is active in this process (see the file comment).
class Gate {
 public:
  void enter(bool long_lived) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !closed_; });
    ++active_;
    if (long_lived) ++long_lived_;
  }
  void leave(bool long_lived) {
    std::lock_guard lk(mu_);
    --active_;
    if (long_lived) --long_lived_;
    if (lockers_ > 0) cv_.notify_all();
  }
  // Waits until no transaction is active and keeps new ones out until
  // unlock(). On timeout returns false with *still_open = the long-lived
  // transactions that were in the way.
  bool lock(size_t* still_open) {
    auto deadline = std::chrono::steady_clock::now() + kResizeTimeout;
    std::unique_lock lk(mu_);
    ++lockers_;
    bool ok = cv_.wait_until(lk, deadline, [&] { return long_lived_ == 0 && !closed_; });
    if (ok) {
      closed_ = true;
      ok = cv_.wait_until(lk, deadline, [&] { return active_ == 0; });
      if (!ok) {
        closed_ = false;
        cv_.notify_all();
      }
    }
    --lockers_;
    *still_open = long_lived_;
    return ok;
  }
  void unlock() {
    std::lock_guard lk(mu_);
    closed_ = false;
    cv_.notify_all();
  }
  size_t long_lived() {
    std::lock_guard lk(mu_);
    return long_lived_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t active_ = 0;      // transactions in flight (all kinds)
  size_t long_lived_ = 0;  // of which snapshots, iterators, checkpoints
  size_t lockers_ = 0;     // resizers waiting in lock()
  bool closed_ = false;    // a resize is draining or running
};

// Leaves the gate at the end of a scope that entered it (used around calls
// that touch the map without a transaction of ours, e.g. mdb_env_sync).
class GateHold {
 public:
  GateHold(Gate* g, bool long_lived) : g_(g), long_lived_(long_lived) {}
  ~GateHold() { g_->leave(long_lived_); }
  GateHold(const GateHold&) = delete;
  GateHold& operator=(const GateHold&) = delete;

 private:
  Gate* g_;
  bool long_lived_;
};

// An LMDB transaction admitted through the gate: aborted (unless committed)
// and let out of the gate on destruction. `mu` serialises the use of a read
// transaction shared by a snapshot and its iterators.
class Txn {
 public:
  Txn(Gate* g, MDB_txn* txn, bool long_lived) : g_(g), txn_(txn), long_lived_(long_lived) {}
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    g_->leave(long_lived_);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  MDB_txn* get() const { return txn_; }
  int commit() { return mdb_txn_commit(std::exchange(txn_, nullptr)); }

  std::mutex mu;

 private:
  Gate* g_;
  MDB_txn* txn_;
  bool long_lived_;
};

class LmdbSnapshot final : public sdk::SnapshotBase {
 public:
  explicit LmdbSnapshot(std::shared_ptr<Txn> txn) : txn(std::move(txn)) {}
  std::shared_ptr<Txn> txn;
};

// Positions c on the first key >= target. A target longer than LMDB's key
// limit cannot be passed to MDB_SET_RANGE; its prefix of maxkey bytes is, and
// at most one stored key (the prefix itself) lies between the two.
int seek_ge(MDB_cursor* c, std::string_view target, size_t maxkey, MDB_val* k, MDB_val* v) {
  if (target.empty()) return mdb_cursor_get(c, k, v, MDB_FIRST);
  *k = mval(target.substr(0, maxkey));
  int rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
  if (rc == 0 && target.size() > maxkey && sv(*k) < target) rc = mdb_cursor_get(c, k, v, MDB_NEXT);
  return rc;
}

class LmdbIterator final : public sdk::IteratorBase {
 public:
  // `shared`: the transaction is a snapshot's, which other threads may use.
  LmdbIterator(std::shared_ptr<Txn> txn, bool shared, MDB_cursor* cur, size_t maxkey,
               std::string path, const sdk::ReadOptions& ro)
      : txn_(std::move(txn)), shared_(shared), cur_(cur), maxkey_(maxkey), path_(std::move(path)) {
    if (auto lo = ro.lower_bound()) lower_.emplace(*lo);
    if (auto hi = ro.upper_bound()) upper_.emplace(*hi);
  }
  ~LmdbIterator() override {
    auto lk = lock();
    mdb_cursor_close(cur_);
  }

  bool seek(std::string_view target) override {
    auto lk = lock();
    if (lower_ && target < *lower_) target = *lower_;
    return settle_forward(seek_ge(cur_, target, maxkey_, &k_, &v_));
  }
  bool seek_for_prev(std::string_view target) override {
    auto lk = lock();
    if (upper_ && target >= *upper_) return last();
    int rc = seek_ge(cur_, target, maxkey_, &k_, &v_);
    if (rc == 0 && sv(k_) > target) {
      rc = step(MDB_PREV);
    } else if (rc == MDB_NOTFOUND) {
      rc = step(MDB_LAST);
    }
    return settle_backward(rc);
  }
  bool seek_to_first() override {
    auto lk = lock();
    return settle_forward(lower_ ? seek_ge(cur_, *lower_, maxkey_, &k_, &v_) : step(MDB_FIRST));
  }
  bool seek_to_last() override {
    auto lk = lock();
    return last();
  }
  bool next() override {
    if (!valid_) return false;
    auto lk = lock();
    return settle_forward(step(MDB_NEXT));
  }
  bool prev() override {
    if (!valid_) return false;
    auto lk = lock();
    return settle_backward(step(MDB_PREV));
  }
  bool valid() const override { return valid_; }
  std::string_view key() const override { return sv(k_); }
  std::string_view value() const override { return sv(v_); }
  Error status() const override {
    if (rc_ == 0) return Error::Ok();
    return Error::Make(code_of(rc_), "lmdb " + path_ + ": iterator: " + mdb_strerror(rc_));
  }

 private:
  int step(MDB_cursor_op op) { return mdb_cursor_get(cur_, &k_, &v_, op); }
  // The last key below the upper bound.
  bool last() {
    int rc = MDB_NOTFOUND;
    if (upper_) rc = seek_ge(cur_, *upper_, maxkey_, &k_, &v_);
    if (rc == 0) {
      rc = step(MDB_PREV);
    } else if (rc == MDB_NOTFOUND) {
      rc = step(MDB_LAST);
    }
    return settle_backward(rc);
  }
  bool settle(int rc, bool in_bounds) {
    rc_ = rc == MDB_NOTFOUND ? 0 : rc;
    valid_ = rc == 0 && in_bounds;
    return valid_;
  }
  bool settle_forward(int rc) { return settle(rc, rc == 0 && (!upper_ || sv(k_) < *upper_)); }
  bool settle_backward(int rc) { return settle(rc, rc == 0 && (!lower_ || sv(k_) >= *lower_)); }

  // The transaction's mutex when it is shared; an iterator's own
  // transaction has one user, which needs no lock for each step.
  std::unique_lock<std::mutex> lock() const {
    return shared_ ? std::unique_lock(txn_->mu) : std::unique_lock<std::mutex>();
  }

  std::shared_ptr<Txn> txn_;  // keeps the read transaction open
  bool shared_;
  MDB_cursor* cur_;
  size_t maxkey_;
  std::string path_;
  std::optional<std::string> lower_, upper_;
  MDB_val k_{}, v_{};
  bool valid_ = false;
  int rc_ = 0;
};

class LmdbBackend final : public sdk::BackendBase {
 public:
  static Error Open(const sdk::OpenOptions& o, std::unique_ptr<LmdbBackend>* out) {
    auto self = std::unique_ptr<LmdbBackend>(new LmdbBackend());
    Error e = self->open(o);
    if (!e.ok()) return e;
    *out = std::move(self);
    return Error::Ok();
  }

  ~LmdbBackend() override {
    if (env_ != nullptr) mdb_env_close(env_);
  }

  Error get(const sdk::ReadOptions& ro, std::string_view key, const sdk::Sink& value) override {
    Error e = check_key(key, "get");
    if (!e.ok()) return e;
    return with_read_txn(ro, "get", [&](MDB_txn* txn) {
      MDB_val k = mval(key), v;
      int rc = mdb_get(txn, dbi_, &k, &v);
      if (rc == MDB_NOTFOUND)
        return Error::Make(TOWER_E_NOT_FOUND, "key " + quote(key) + " not found");
      if (rc != 0) return fail(rc, "get " + quote(key));
      value.set(sv(v));
      return Error::Ok();
    });
  }

  Error multi_get(const sdk::ReadOptions& ro, size_t n, const tower_slice* keys,
                  tower_multi_sink* out) override {
    if (n == 0) return Error::Ok();
    return with_read_txn(ro, "multi_get", [&](MDB_txn* txn) {
      for (size_t i = 0; i < n; ++i) {
        std::string_view key = sdk::view(keys[i]);
        Error e = check_key(key, "multi_get");
        if (e.ok()) {
          MDB_val k = mval(key), v;
          int rc = mdb_get(txn, dbi_, &k, &v);
          if (rc == 0) {
            out->item(out->ctx, i, TOWER_OK, static_cast<const char*>(v.mv_data), v.mv_size);
            continue;
          }
          if (rc == MDB_NOTFOUND) {
            out->item(out->ctx, i, TOWER_E_NOT_FOUND, nullptr, 0);
            continue;
          }
          e = fail(rc, "multi_get " + quote(key));
        }
        out->item(out->ctx, i, e.code, e.message.data(), e.message.size());
      }
      return Error::Ok();
    });
  }

  Error write(bool sync, const tower_batch_op* ops, size_t n) override {
    if (read_only_)
      return Error::Make(TOWER_E_NOT_SUPPORTED, "lmdb " + path_ + ": opened read-only");
    // Validate everything first, so that a bad batch writes nothing.
    size_t bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      sdk::BatchOp op = BackendBase::op(ops[i]);
      std::string what = "write op " + std::to_string(i);
      if (op.type == TOWER_OP_PUT || op.type == TOWER_OP_DELETE) {
        Error e = check_key(op.key, what.c_str());
        if (!e.ok()) return e;
      } else if (op.type != TOWER_OP_DELETE_RANGE) {
        return invalid("lmdb " + path_ + ": " + what + " has unknown type " +
                       std::to_string(op.type) + "; nothing was written");
      }
      bytes += op.key.size() + op.value.size() + 64;
    }
    if (n == 0) return Error::Ok();

    std::lock_guard wl(write_mu_);
    for (int attempt = 0;; ++attempt) {
      int rc;
      std::string where;
      {
        MDB_txn* raw = nullptr;
        Error e = begin(0, false, &raw, "write");
        if (!e.ok()) return e;
        Txn txn(&gate_, raw, false);
        rc = apply(raw, ops, n, &where);
        if (rc == 0) {
          where = "commit";
          rc = txn.commit();
        }
      }  // the transaction is over and out of the gate: a resize may run
      if (rc == MDB_MAP_FULL && attempt < kMaxResizeAttempts) {
        Error e = grow(bytes);
        if (!e.ok()) return e;
        continue;
      }
      if (rc != 0) return fail(rc, "write (" + where + ")");
      break;
    }
    if (sync && !sync_writes_) {
      Error e = enter(false);
      if (!e.ok()) return e;
      GateHold hold(&gate_, false);
      int rc = mdb_env_sync(env_, 1);
      if (rc != 0) return fail(rc, "sync after write");
    }
    return Error::Ok();
  }

  Error new_snapshot(std::unique_ptr<sdk::SnapshotBase>* out) override {
    std::shared_ptr<Txn> txn;
    Error e = begin_shared(&txn, "snapshot");
    if (!e.ok()) return e;
    *out = std::make_unique<LmdbSnapshot>(std::move(txn));
    return Error::Ok();
  }

  Error new_iterator(const sdk::ReadOptions& ro, std::unique_ptr<sdk::IteratorBase>* out) override {
    std::shared_ptr<Txn> txn;
    auto* snap = static_cast<const LmdbSnapshot*>(ro.snapshot());
    if (snap != nullptr) {
      txn = snap->txn;
    } else {
      Error e = begin_shared(&txn, "iterator");
      if (!e.ok()) return e;
    }
    MDB_cursor* cur = nullptr;
    int rc;
    {
      std::lock_guard lk(txn->mu);
      rc = mdb_cursor_open(txn->get(), dbi_, &cur);
    }
    if (rc != 0) return fail(rc, "open cursor");
    *out = std::make_unique<LmdbIterator>(std::move(txn), snap != nullptr, cur, maxkey_, path_, ro);
    return Error::Ok();
  }

  Error flush(bool /*sync*/) override {
    if (read_only_) return Error::Ok();  // nothing was written
    Error e = enter(false);
    if (!e.ok()) return e;
    GateHold hold(&gate_, false);
    int rc = mdb_env_sync(env_, 1);
    return rc == 0 ? Error::Ok() : fail(rc, "flush");
  }

  Error checkpoint(const std::string& dir) override {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dir, ec)))
      return Error::Make(TOWER_E_ALREADY_EXISTS, "lmdb checkpoint " + dir + ": already exists");
    if (!fs::create_directory(dir, ec)) {
      if (!ec)
        return Error::Make(TOWER_E_ALREADY_EXISTS, "lmdb checkpoint " + dir + ": already exists");
      return Error::Make(TOWER_E_IO_ERROR, "lmdb checkpoint " + dir + ": " + ec.message());
    }
    int rc;
    {
      Error e = enter(true);  // mdb_env_copy2 runs its own read transaction
      if (!e.ok()) {
        fs::remove(dir, ec);
        return e;
      }
      GateHold hold(&gate_, true);
      rc = mdb_env_copy2(env_, dir.c_str(), MDB_CP_COMPACT);
    }
    if (rc != 0) {
      fs::remove_all(dir, ec);  // it did not exist before this call
      return Error::Make(code_of(rc),
                         "lmdb " + path_ + ": checkpoint into " + dir + ": " + mdb_strerror(rc));
    }
    return Error::Ok();
  }

  Error property(const std::string& name, std::string* value) override {
    if (name == "tower.max-key-size") {
      *value = std::to_string(maxkey_);
      return Error::Ok();
    }
    if (name == "tower.properties") {
      *value = "tower.stats\ntower.properties\ntower.max-key-size\nlmdb.map_size\nlmdb.entries\n";
      return Error::Ok();
    }
    if (name != "tower.stats" && name != "lmdb.map_size" && name != "lmdb.entries")
      return Error::Make(TOWER_E_NOT_FOUND, "lmdb: unknown property '" + name + "'");
    MDB_txn* raw = nullptr;
    Error e = begin(MDB_RDONLY, false, &raw, "property");
    if (!e.ok()) return e;
    Txn txn(&gate_, raw, false);
    MDB_stat st;
    MDB_envinfo info;
    int rc = mdb_stat(raw, dbi_, &st);
    if (rc == 0) rc = mdb_env_info(env_, &info);
    if (rc != 0) return fail(rc, "property " + name);
    if (name == "lmdb.map_size") {
      *value = std::to_string(info.me_mapsize);
    } else if (name == "lmdb.entries") {
      *value = std::to_string(st.ms_entries);
    } else {
      size_t used = info.me_last_pgno + 1;
      auto line = [&](const char* k, const std::string& v) { *value += k + (": " + v) + "\n"; };
      value->clear();
      line("backend", MDB_VERSION_STRING);
      line("path", path_);
      line("durability", sync_writes_ ? "sync on every commit" : "nosync (sync on request)");
      line("map size", std::to_string(info.me_mapsize));
      line("page size", std::to_string(st.ms_psize));
      line("used pages",
           std::to_string(used) + " (" + std::to_string(used * st.ms_psize) + " bytes)");
      line("entries", std::to_string(st.ms_entries));
      line("depth", std::to_string(st.ms_depth));
      line("branch pages", std::to_string(st.ms_branch_pages));
      line("leaf pages", std::to_string(st.ms_leaf_pages));
      line("overflow pages", std::to_string(st.ms_overflow_pages));
      line("readers", std::to_string(info.me_numreaders) + " slots used of " +
                          std::to_string(info.me_maxreaders));
      line("open snapshots/iterators", std::to_string(gate_.long_lived()));
      line("last txn id", std::to_string(info.me_last_txnid));
    }
    return Error::Ok();
  }

 private:
  LmdbBackend() = default;

  Error fail(int rc, const std::string& what) const {
    return Error::Make(code_of(rc), "lmdb " + path_ + ": " + what + ": " + mdb_strerror(rc));
  }

  Error check_key(std::string_view key, const char* what) const {
    if (key.empty()) return invalid("lmdb " + path_ + ": " + what + ": empty key");
    if (key.size() > maxkey_)
      return invalid("lmdb " + path_ + ": " + what + ": key of " + std::to_string(key.size()) +
                     " bytes exceeds LMDB's limit of " + std::to_string(maxkey_) + " bytes");
    return Error::Ok();
  }

  // Enters the gate, unless a failed resize left the environment unmapped.
  Error enter(bool long_lived) {
    gate_.enter(long_lived);
    if (!broken_) return Error::Ok();
    gate_.leave(long_lived);
    return Error::Make(TOWER_E_IO_ERROR,
                       "lmdb " + path_ + ": unusable after a failed map resize; reopen it");
  }

  // Begins a transaction inside the gate; on success the caller wraps *out in
  // a Txn (which leaves the gate). Adopts a map grown by another process.
  Error begin(unsigned flags, bool long_lived, MDB_txn** out, const char* what) {
    for (int attempt = 0;; ++attempt) {
      Error e = enter(long_lived);
      if (!e.ok()) return e;
      int rc = mdb_txn_begin(env_, nullptr, flags, out);
      if (rc == 0) return Error::Ok();
      gate_.leave(long_lived);
      if (rc != MDB_MAP_RESIZED || attempt >= 3) return fail(rc, std::string("begin ") + what);
      e = resize(0);
      if (!e.ok()) return e;
    }
  }

  Error begin_shared(std::shared_ptr<Txn>* out, const char* what) {
    MDB_txn* raw = nullptr;
    Error e = begin(MDB_RDONLY, true, &raw, what);
    if (!e.ok()) return e;
    *out = std::make_shared<Txn>(&gate_, raw, true);
    return Error::Ok();
  }

  // Runs fn(txn) on the snapshot's transaction (serialised with its other
  // users) or on a fresh read transaction.
  template <class F>
  Error with_read_txn(const sdk::ReadOptions& ro, const char* what, F&& fn) {
    if (auto* s = static_cast<const LmdbSnapshot*>(ro.snapshot())) {
      std::lock_guard lk(s->txn->mu);
      return fn(s->txn->get());
    }
    MDB_txn* raw = nullptr;
    Error e = begin(MDB_RDONLY, false, &raw, what);
    if (!e.ok()) return e;
    Txn txn(&gate_, raw, false);
    return fn(raw);
  }

  // Applies the (validated) batch inside txn; returns an LMDB code and, on
  // failure, names the operation in *where.
  int apply(MDB_txn* txn, const tower_batch_op* ops, size_t n, std::string* where) {
    for (size_t i = 0; i < n; ++i) {
      sdk::BatchOp op = BackendBase::op(ops[i]);
      MDB_val k = mval(op.key), v = mval(op.value);
      int rc = 0;
      if (op.type == TOWER_OP_PUT) {
        rc = mdb_put(txn, dbi_, &k, &v, 0);
      } else if (op.type == TOWER_OP_DELETE) {
        rc = mdb_del(txn, dbi_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      } else {
        rc = delete_range(txn, op.key, op.value);
      }
      if (rc != 0) {
        *where = "op " + std::to_string(i) + " on " + quote(op.key);
        return rc;
      }
    }
    return 0;
  }

  int delete_range(MDB_txn* txn, std::string_view begin, std::string_view end) {
    if (!(begin < end)) return 0;
    MDB_cursor* c = nullptr;
    int rc = mdb_cursor_open(txn, dbi_, &c);
    if (rc != 0) return rc;
    MDB_val k, v;
    rc = seek_ge(c, begin, maxkey_, &k, &v);
    while (rc == 0 && sv(k) < end) {
      rc = mdb_cursor_del(c, 0);
      // After a delete the cursor already stands on the next entry; MDB_NEXT
      // returns it without moving.
      if (rc == 0) rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
  }

  // Sets the map size with no transaction active in this process: `size`
  // bytes, or 0 to adopt the size another process recorded.
  Error resize(size_t size) {
    size_t open = 0;
    if (!gate_.lock(&open)) {
      std::string why =
          size == 0 ? "cannot adopt the map size set by another process"
                    : "the map (" + std::to_string(map_size_) + " bytes) is full and cannot grow";
      return Error::Make(TOWER_E_BUSY, "lmdb " + path_ + ": " + why + " while " +
                                           std::to_string(open) +
                                           " snapshots/iterators are open; free them and retry");
    }
    int rc = mdb_env_set_mapsize(env_, size);
    // A failed remap leaves LMDB without a map, and its API cannot restore one.
    if (rc != 0) broken_ = true;
    MDB_envinfo info;
    if (rc == 0) rc = mdb_env_info(env_, &info);
    if (rc == 0) map_size_ = info.me_mapsize;
    gate_.unlock();
    if (rc != 0) return fail(rc, "resize the map to " + std::to_string(size) + " bytes");
    sdk::log(TOWER_LOG_INFO, "lmdb",
             "lmdb " + path_ + ": map size now " + std::to_string(map_size_));
    return Error::Ok();
  }

  // Grows a full map: doubles it, or more when the batch needs it.
  Error grow(size_t batch_bytes) {
    size_t cur = map_size_;
    size_t next = std::max(cur * 2, cur + 2 * batch_bytes);
    return resize(round_up(next, kMapGranule));
  }

  Error open(const sdk::OpenOptions& o) {
    if (o.in_memory())
      return Error::Make(TOWER_E_NOT_SUPPORTED,
                         "lmdb: in-memory stores are not supported; use the 'memory' or 'rocksdb' "
                         "backend");
    path_ = o.path();
    if (path_.empty()) return invalid("lmdb: no path given");
    read_only_ = o.read_only();
    sync_writes_ = o.sync_writes();
    size_t map_size = kDefaultMapSize;
    unsigned max_readers = kDefaultMaxReaders;
    // MDB_WRITEMAP keeps integrity only when every commit is synced; see the
    // file comment.
    bool writemap = sync_writes_;
    for (const auto& [name, value] : o.extra()) {
      if (name == "lmdb.map_size") {
        if (!sdk::parse_integer(value, &map_size) || map_size == 0)
          return invalid("lmdb: option " + name + "='" + value + "' is not a positive integer");
      } else if (name == "lmdb.max_readers") {
        if (!sdk::parse_integer(value, &max_readers) || max_readers == 0)
          return invalid("lmdb: option " + name + "='" + value + "' is not a positive integer");
      } else if (name == "lmdb.writemap") {
        if (value != "true" && value != "false")
          return invalid("lmdb: option " + name + "='" + value + "' is not true or false");
        writemap = value == "true";
      } else {
        return invalid("lmdb: unknown option '" + name + "'");
      }
    }

    std::error_code ec;
    bool exists = fs::exists(fs::path(path_) / "data.mdb", ec);
    if (exists && o.error_if_exists())
      return Error::Make(TOWER_E_ALREADY_EXISTS, "lmdb " + path_ + ": database exists");
    if (!exists) {
      if (read_only_ || !o.create_if_missing())
        return Error::Make(TOWER_E_NOT_FOUND, "lmdb " + path_ +
                                                  ": no database there (and create_if_missing "
                                                  "is not set)");
      fs::create_directories(path_, ec);
      if (ec) return Error::Make(TOWER_E_IO_ERROR, "lmdb " + path_ + ": " + ec.message());
    }

    int rc = mdb_env_create(&env_);
    if (rc != 0) return fail(rc, "create environment");
    rc = mdb_env_set_maxreaders(env_, max_readers);
    if (rc != 0) return fail(rc, "set max readers to " + std::to_string(max_readers));
    unsigned flags = MDB_NOTLS;
    if (read_only_) {
      flags |= MDB_RDONLY;
    } else {
      if (writemap) flags |= MDB_WRITEMAP;
      if (!sync_writes_) flags |= MDB_NOSYNC;
    }
    // The map size is left unset here so that LMDB adopts the size recorded
    // in an existing file; it is raised to the requested size below.
    rc = mdb_env_open(env_, path_.c_str(), flags, 0644);
    if (rc != 0) return fail(rc, "open");
    int dead = 0;
    mdb_reader_check(env_, &dead);
    maxkey_ = static_cast<size_t>(mdb_env_get_maxkeysize(env_));

    MDB_envinfo info;
    rc = mdb_env_info(env_, &info);
    if (rc != 0) return fail(rc, "read environment info");
    map_size_ = info.me_mapsize;
    size_t want = round_up(map_size, kMapGranule);
    if (!read_only_ && want > map_size_) {
      rc = mdb_env_set_mapsize(env_, want);  // no transaction exists yet
      if (rc != 0) return fail(rc, "set the map size to " + std::to_string(want) + " bytes");
      map_size_ = want;
    }

    MDB_txn* txn = nullptr;
    rc = mdb_txn_begin(env_, nullptr, read_only_ ? MDB_RDONLY : 0, &txn);
    if (rc == 0) rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
    } else if (txn != nullptr) {
      mdb_txn_abort(txn);
    }
    if (rc != 0) return fail(rc, "open the main database");
    return Error::Ok();
  }

  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  std::string path_;
  size_t maxkey_ = 0;
  std::atomic<size_t> map_size_{0};  // changed only with the gate locked
  std::atomic<bool> broken_{false};  // a resize failed: the env has no map
  bool read_only_ = false;
  bool sync_writes_ = false;
  Gate gate_;
  std::mutex write_mu_;  // one write batch at a time (LMDB serialises them anyway)
};

}  // namespace
}  // namespace tower::backends::lmdb_plugin

TOWER_BACKEND_PLUGIN(tower::backends::lmdb_plugin::LmdbBackend, "lmdb", "1.0.0",
                     "LMDB memory-mapped B+tree store, on disk",
                     TOWER_CAP_PERSISTENT | TOWER_CAP_CHECKPOINT)
