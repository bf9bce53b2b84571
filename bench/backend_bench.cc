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
#include "bench_common.hpp"

namespace {

struct Rates {
  double put, get;
};

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
  // Write back this run's dirty pages now, untimed, so that the next run
  // (the other side) does not pay for them.
  ::sync();
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
    if (a.rfind("--keys=", 0) == 0)
      n = std::stoul(a.substr(7));
    else if (a.rfind("--reps=", 0) == 0)
      reps = std::stoi(a.substr(7));
    else if (a.rfind("--backends=", 0) == 0)
      backends = a.substr(11);
    else if (a.rfind("--dir=", 0) == 0)
      dir = a.substr(6);
    else
      Die("unknown argument " + a + " (see the comment at the top of backend_bench.cc)");
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
