// Shared pieces of the benchmark programs: a workload of random keys, the
// "raw library" baselines (RocksDB C++ API, LMDB C API, the memory store's own
// code called directly) with the options Tower passes, and small helpers.
#ifndef TOWER_BENCH_COMMON_HPP_
#define TOWER_BENCH_COMMON_HPP_

#include <lmdb.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "tower/backend.hpp"
#include "tower/plugin.hpp"
#include "tower/sdk/host.hpp"

// The memory store's own code, for the no-boundary baseline.
#include "../backends/memory/memory.cc"

// Anonymous: each benchmark program includes this header from one file.
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kCache = 64ull << 20;
constexpr uint64_t kMemtable = 64ull << 20;
constexpr uint64_t kBytesPerSync = 1ull << 20;
constexpr uint64_t kLmdbMap = 1ull << 30;

struct Workload {
  std::vector<std::string> keys;
  std::vector<uint32_t> get_order;
  std::string value;
};

[[maybe_unused]] Workload MakeWorkload(size_t n) {
  Workload w;
  std::mt19937_64 rng(42);
  w.keys.resize(n);
  for (auto& k : w.keys) {
    k.resize(16);
    uint64_t a = rng(), b = rng();
    std::memcpy(k.data(), &a, 8);
    std::memcpy(k.data() + 8, &b, 8);
  }
  w.get_order.resize(n);
  for (size_t i = 0; i < n; ++i) w.get_order[i] = static_cast<uint32_t>(i);
  std::shuffle(w.get_order.begin(), w.get_order.end(), rng);
  w.value.assign(100, 'v');
  return w;
}

// One write of an atomic batch: a put, or a delete when `value` is null.
struct RawOp {
  std::string key;
  const std::string* value;
};

// One side of a comparison: opens a fresh store, then puts/gets; `batch`
// applies several writes atomically and `scan` reads up to `max` entries
// from `lo`, handing each to `visit` (returning how many it read).
struct Side {
  std::function<void(const std::string& dir)> open;
  std::function<void(const std::string& k, const std::string& v)> put;
  std::function<bool(const std::string& k, std::string* out)> get;
  std::function<void(const std::vector<RawOp>& ops)> batch;
  // view(k, look): look(bytes) sees the value in place, without a copy,
  // where the library allows (a pinned slice, LMDB's map, the memory
  // store's entry under its lock); false when absent.
  using Look = std::function<void(std::string_view value)>;
  std::function<bool(const std::string& k, const Look& look)> view;
  using Visit = std::function<void(std::string_view key, std::string_view value)>;
  std::function<size_t(const std::string& lo, size_t max, const Visit& visit)> scan;
  std::function<void()> close;
};

using bench::Die;
using bench::Median;

// --- raw baselines -------------------------------------------------------

[[maybe_unused]] Side RawRocks() {
  auto db = std::make_shared<std::unique_ptr<rocksdb::DB>>();
  Side s;
  s.open = [db](const std::string& dir) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(kCache);
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    o.write_buffer_size = kMemtable;
    o.bytes_per_sync = kBytesPerSync;
    o.wal_bytes_per_sync = kBytesPerSync;
    rocksdb::DB* raw = nullptr;
    auto st = rocksdb::DB::Open(o, dir, &raw);
    if (!st.ok()) Die(st.ToString());
    db->reset(raw);
  };
  s.put = [db](const std::string& k, const std::string& v) {
    auto st = (*db)->Put(rocksdb::WriteOptions(), k, v);
    if (!st.ok()) Die(st.ToString());
  };
  s.get = [db](const std::string& k, std::string* out) {
    return (*db)->Get(rocksdb::ReadOptions(), k, out).ok();
  };
  s.view = [db](const std::string& k, const Side::Look& look) {
    rocksdb::PinnableSlice v;
    if (!(*db)->Get(rocksdb::ReadOptions(), (*db)->DefaultColumnFamily(), k, &v).ok()) return false;
    look(std::string_view(v.data(), v.size()));
    return true;
  };
  s.batch = [db](const std::vector<RawOp>& ops) {
    rocksdb::WriteBatch b;
    for (const auto& op : ops) {
      if (op.value) {
        b.Put(op.key, *op.value);
      } else {
        b.Delete(op.key);
      }
    }
    auto st = (*db)->Write(rocksdb::WriteOptions(), &b);
    if (!st.ok()) Die(st.ToString());
  };
  s.scan = [db](const std::string& lo, size_t max, const Side::Visit& visit) {
    std::unique_ptr<rocksdb::Iterator> it((*db)->NewIterator(rocksdb::ReadOptions()));
    size_t n = 0;
    for (it->Seek(lo); it->Valid() && n < max; it->Next(), ++n) {
      visit(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()));
    }
    return n;
  };
  s.close = [db] { db->reset(); };
  return s;
}

[[maybe_unused]] Side RawLmdb() {
  struct State {
    MDB_env* env = nullptr;
    MDB_dbi dbi = 0;
  };
  auto st = std::make_shared<State>();
  Side s;
  s.open = [st](const std::string& dir) {
    fs::create_directories(dir);
    if (mdb_env_create(&st->env) || mdb_env_set_mapsize(st->env, kLmdbMap) ||
        mdb_env_set_maxreaders(st->env, 1024) ||
        mdb_env_open(st->env, dir.c_str(), MDB_NOTLS | MDB_NOSYNC, 0644)) {
      Die("lmdb open failed");
    }
    MDB_txn* txn;
    mdb_txn_begin(st->env, nullptr, 0, &txn);
    mdb_dbi_open(txn, nullptr, 0, &st->dbi);
    mdb_txn_commit(txn);
  };
  s.put = [st](const std::string& k, const std::string& v) {
    MDB_txn* txn;
    if (mdb_txn_begin(st->env, nullptr, 0, &txn)) Die("lmdb txn");
    MDB_val key{k.size(), const_cast<char*>(k.data())}, val{v.size(), const_cast<char*>(v.data())};
    if (mdb_put(txn, st->dbi, &key, &val, 0) || mdb_txn_commit(txn)) Die("lmdb put");
  };
  s.get = [st](const std::string& k, std::string* out) {
    MDB_txn* txn;
    if (mdb_txn_begin(st->env, nullptr, MDB_RDONLY, &txn)) Die("lmdb read txn");
    MDB_val key{k.size(), const_cast<char*>(k.data())}, val;
    bool ok = mdb_get(txn, st->dbi, &key, &val) == 0;
    if (ok) out->assign(static_cast<const char*>(val.mv_data), val.mv_size);
    mdb_txn_abort(txn);
    return ok;
  };
  s.view = [st](const std::string& k, const Side::Look& look) {
    MDB_txn* txn;
    if (mdb_txn_begin(st->env, nullptr, MDB_RDONLY, &txn)) Die("lmdb read txn");
    MDB_val key{k.size(), const_cast<char*>(k.data())}, val;
    bool ok = mdb_get(txn, st->dbi, &key, &val) == 0;
    if (ok) look(std::string_view(static_cast<const char*>(val.mv_data), val.mv_size));
    mdb_txn_abort(txn);
    return ok;
  };
  s.batch = [st](const std::vector<RawOp>& ops) {
    MDB_txn* txn;
    if (mdb_txn_begin(st->env, nullptr, 0, &txn)) Die("lmdb txn");
    for (const auto& op : ops) {
      MDB_val key{op.key.size(), const_cast<char*>(op.key.data())};
      int rc;
      if (op.value) {
        MDB_val val{op.value->size(), const_cast<char*>(op.value->data())};
        rc = mdb_put(txn, st->dbi, &key, &val, 0);
      } else {
        rc = mdb_del(txn, st->dbi, &key, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc) Die("lmdb batch");
    }
    if (mdb_txn_commit(txn)) Die("lmdb commit");
  };
  s.scan = [st](const std::string& lo, size_t max, const Side::Visit& visit) {
    MDB_txn* txn;
    MDB_cursor* cur;
    if (mdb_txn_begin(st->env, nullptr, MDB_RDONLY, &txn) || mdb_cursor_open(txn, st->dbi, &cur))
      Die("lmdb cursor");
    MDB_val key{lo.size(), const_cast<char*>(lo.data())}, val;
    size_t n = 0;
    for (int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0 && n < max;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT), ++n) {
      visit(std::string_view(static_cast<const char*>(key.mv_data), key.mv_size),
            std::string_view(static_cast<const char*>(val.mv_data), val.mv_size));
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
  };
  s.close = [st] {
    mdb_env_close(st->env);
    st->env = nullptr;
  };
  return s;
}

// The memory store called directly as a C++ object: no C ABI, no wrapper.
[[maybe_unused]] Side DirectMemory() {
  auto db = std::make_shared<std::unique_ptr<MemoryStore>>();
  Side s;
  s.open = [db](const std::string&) {
    tower_backend_options o{
        sizeof(tower_backend_options), TOWER_OPEN_IN_MEMORY, "", 0, 0, 0, nullptr, 0, nullptr};
    if (!MemoryStore::Open(tower::sdk::OpenOptions(&o), db.get()).ok()) Die("memory open");
  };
  s.put = [db](const std::string& k, const std::string& v) {
    tower_batch_op op{TOWER_OP_PUT, 0, {k.data(), k.size()}, {v.data(), v.size()}};
    if (!(*db)->write(false, &op, 1).ok()) Die("memory put");
  };
  s.get = [db](const std::string& k, std::string* out) {
    tower::sdk::StringSink sink(out);
    return (*db)->get(tower::sdk::ReadOptions(nullptr), k, tower::sdk::Sink(&sink.sink)).ok();
  };
  s.view = [db](const std::string& k, const Side::Look& look) {
    tower_sink sink{const_cast<Side::Look*>(&look), [](void* c, const char* d, size_t n) {
                      (*static_cast<Side::Look*>(c))(std::string_view(d, n));
                    }};
    return (*db)->get(tower::sdk::ReadOptions(nullptr), k, tower::sdk::Sink(&sink)).ok();
  };
  s.batch = [db](const std::vector<RawOp>& ops) {
    std::vector<tower_batch_op> abi(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      abi[i] = {
          ops[i].value ? TOWER_OP_PUT : TOWER_OP_DELETE,
          0,
          {ops[i].key.data(), ops[i].key.size()},
          {ops[i].value ? ops[i].value->data() : nullptr, ops[i].value ? ops[i].value->size() : 0}};
    }
    if (!(*db)->write(false, abi.data(), abi.size()).ok()) Die("memory batch");
  };
  s.scan = [db](const std::string& lo, size_t max, const Side::Visit& visit) {
    std::unique_ptr<tower::sdk::IteratorBase> it;
    if (!(*db)->new_iterator(tower::sdk::ReadOptions(nullptr), &it).ok()) Die("memory iterator");
    size_t n = 0;
    for (bool v = it->seek(lo); v && n < max; v = it->next(), ++n) visit(it->key(), it->value());
    return n;
  };
  s.close = [db] { db->reset(); };
  return s;
}

// --- through the kernel --------------------------------------------------

}  // namespace

#endif  // TOWER_BENCH_COMMON_HPP_
