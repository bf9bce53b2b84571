// backend_bench: what the plugin boundary costs.
//
// N random 16-byte keys with 100-byte values: N single-key puts, then N
// random gets, through the kernel's Backend interface (C ABI, plugin
// adapter, host wrapper) and directly through the raw library with the same
// options, in the same run. Each side runs --reps times in fresh stores
// (alternating which goes first); the table shows median ops/s and the ratio
// tower/raw (1.00 = no cost).
//
// For the memory backend, "raw" is the same store code compiled into this
// program and called as a C++ object: the difference is the boundary's cost
// per call in nanoseconds. Its "hot" row gets one key 5M times, so the
// store's own work is small and the boundary's cost stands out.
//
//   backend_bench [--keys=N] [--reps=R] [--backends=memory,rocksdb,lmdb] [--dir=D]
#include <lmdb.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

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

#include "tower/backend.hpp"
#include "tower/plugin.hpp"
#include "tower/sdk/host.hpp"

// The memory store's own code, for the no-boundary baseline.
#include "../backends/memory/memory.cc"

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

Workload MakeWorkload(size_t n) {
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

// One side of a comparison: opens a fresh store, then puts/gets.
struct Side {
  std::function<void(const std::string& dir)> open;
  std::function<void(const std::string& k, const std::string& v)> put;
  std::function<bool(const std::string& k, std::string* out)> get;
  std::function<void()> close;
};

struct Rates {
  double put, get;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "backend_bench: %s\n", what.c_str());
  std::exit(1);
}

Rates RunSide(Side& s, const Workload& w, const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(fs::path(dir).parent_path());
  s.open(dir);
  auto t0 = Clock::now();
  for (const auto& k : w.keys) s.put(k, w.value);
  auto t1 = Clock::now();
  std::string out;
  size_t found = 0;
  for (uint32_t i : w.get_order) found += s.get(w.keys[i], &out);
  auto t2 = Clock::now();
  if (found != w.keys.size()) Die("a get missed a key that was put");
  s.close();
  fs::remove_all(dir);
  double n = static_cast<double>(w.keys.size());
  return {n / std::chrono::duration<double>(t1 - t0).count(),
          n / std::chrono::duration<double>(t2 - t1).count()};
}

// Gets of one key, many times: ops/s.
double HotGets(Side& s, const std::string& dir) {
  constexpr int kCalls = 5000000;
  fs::remove_all(dir);
  fs::create_directories(fs::path(dir).parent_path());
  s.open(dir);
  s.put("hot-key", std::string(100, 'v'));
  std::string out;
  size_t found = 0;
  auto t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) found += s.get("hot-key", &out);
  auto t1 = Clock::now();
  s.close();
  fs::remove_all(dir);
  if (found != kCalls) Die("hot get missed");
  return kCalls / std::chrono::duration<double>(t1 - t0).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// --- raw baselines -------------------------------------------------------

Side RawRocks() {
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
  s.close = [db] { db->reset(); };
  return s;
}

Side RawLmdb() {
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
  s.close = [st] {
    mdb_env_close(st->env);
    st->env = nullptr;
  };
  return s;
}

// The memory store called directly as a C++ object: no C ABI, no wrapper.
Side DirectMemory() {
  auto db = std::make_shared<std::unique_ptr<MemoryStore>>();
  Side s;
  s.open = [db](const std::string&) {
    tower_backend_options o{sizeof(tower_backend_options), TOWER_OPEN_IN_MEMORY, "", 0, 0, 0,
                            nullptr, 0};
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
  s.close = [db] { db->reset(); };
  return s;
}

// --- through the kernel --------------------------------------------------

Side Kernel(tower::PluginPtr plugin, bool in_memory) {
  auto db = std::make_shared<std::shared_ptr<tower::Backend>>();
  Side s;
  s.open = [db, plugin, in_memory](const std::string& dir) {
    tower::BackendOptions o;
    o.path = dir;
    o.in_memory = in_memory;
    o.cache_size = kCache;
    o.memtable_size = kMemtable;
    o.bytes_per_sync = kBytesPerSync;
    if (plugin->name() == "lmdb") o.extra["lmdb.map_size"] = std::to_string(kLmdbMap);
    auto b = tower::Backend::Open(plugin, o);
    if (!b.ok()) Die(b.status().ToString());
    *db = *b;
  };
  s.put = [db](const std::string& k, const std::string& v) {
    auto st = (*db)->Put({}, k, v);
    if (!st.ok()) Die(st.ToString());
  };
  s.get = [db](const std::string& k, std::string* out) { return (*db)->Get({}, k, out).ok(); };
  s.close = [db] { db->reset(); };
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000;
  int reps = 3;
  std::string backends = "memory,rocksdb,lmdb";
  std::string dir = "/tmp/tower-backend-bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--keys=", 0) == 0) n = std::stoul(a.substr(7));
    else if (a.rfind("--reps=", 0) == 0) reps = std::stoi(a.substr(7));
    else if (a.rfind("--backends=", 0) == 0) backends = a.substr(11);
    else if (a.rfind("--dir=", 0) == 0) dir = a.substr(6);
    else Die("unknown argument " + a + " (see the comment at the top of backend_bench.cc)");
  }
  Workload w = MakeWorkload(n);
  tower::PluginManager pm;
  std::printf("backend_bench: %zu keys (16 B) x 100 B values, %d reps, medians\n", n, reps);
  std::printf("%-8s %-4s %14s %14s %7s %12s\n", "backend", "op", "raw ops/s", "tower ops/s",
              "ratio", "cost ns/op");
  std::stringstream names(backends);
  std::string name;
  while (std::getline(names, name, ',')) {
    auto plugin = pm.Load(name, tower::PluginKind::kBackend);
    if (!plugin.ok()) Die(plugin.status().ToString());
    Side raw = name == "rocksdb" ? RawRocks() : name == "lmdb" ? RawLmdb() : DirectMemory();
    Side kern = Kernel(*plugin, false);
    std::vector<double> rp, rg, kp, kg;
    // One untimed round each first, so that neither side pays alone for
    // the page faults of a fresh heap or a cold file cache.
    RunSide(raw, w, dir + "/raw");
    RunSide(kern, w, dir + "/tower");
    for (int r = 0; r < reps; ++r) {
      Rates a, b;
      if (r % 2 == 0) {
        a = RunSide(raw, w, dir + "/raw");
        b = RunSide(kern, w, dir + "/tower");
      } else {
        b = RunSide(kern, w, dir + "/tower");
        a = RunSide(raw, w, dir + "/raw");
      }
      rp.push_back(a.put), rg.push_back(a.get), kp.push_back(b.put), kg.push_back(b.get);
    }
    auto row = [&](const char* op, double raw_rate, double tower_rate) {
      double cost_ns = 1e9 / tower_rate - 1e9 / raw_rate;
      std::printf("%-8s %-4s %14.0f %14.0f %7.3f %12.1f\n", name.c_str(), op, raw_rate, tower_rate,
                  tower_rate / raw_rate, cost_ns);
    };
    row("put", Median(rp), Median(kp));
    row("get", Median(rg), Median(kg));
    if (name == "memory") {
      // The boundary alone: one hot key, so the store's own work is tiny.
      std::vector<double> rh, kh;
      for (int r = 0; r < reps; ++r) {
        rh.push_back(HotGets(raw, dir + "/raw"));
        kh.push_back(HotGets(kern, dir + "/tower"));
      }
      row("hot", Median(rh), Median(kh));
    }
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  return 0;
}
