// typed_bench: what the typed-value layer (tower::Db: command dispatch,
// key locks, value frames, one batch per command) costs over the raw
// backend library doing the same reads and writes by hand.
//
// Per backend, in one run (medians of --reps, sides alternating first):
//   set/get   Db::set_string / get_string   vs raw put / get of the key
//   inc       Db::inc_int                   vs raw get, decode, +1, encode, put
// On the memory backend also: set_string from 2 threads on disjoint keys
// against 1 thread (scaling), and --redis mode, which prints SET, GET and
// INCR rates from 2 threads for bench/redis_compare.sh.
//
//   typed_bench [--keys=N] [--reps=R] [--backends=memory,rocksdb,lmdb] [--dir=D]
//   typed_bench --redis [--keys=N]
#include <atomic>
#include <thread>

#include "bench_common.hpp"
#include "tower/db.hpp"

namespace {

double Rate(size_t n, Clock::time_point a, Clock::time_point b) {
  return static_cast<double>(n) / std::chrono::duration<double>(b - a).count();
}

std::unique_ptr<tower::Db> OpenDb(const std::string& backend, const std::string& dir) {
  std::filesystem::remove_all(dir);
  tower::Options o = backend == "memory" ? tower::Options::InMemory("memory")
                                         : tower::Options::OnDisk(dir, backend);
  o.cache_size = tower::Size(kCache);
  o.memtable_size = tower::Size(kMemtable);
  o.bytes_per_sync = tower::Size(kBytesPerSync);
  if (backend == "lmdb") o.backend_options["lmdb.map_size"] = std::to_string(kLmdbMap);
  auto db = tower::Db::open(o);
  if (!db.ok()) Die(db.status().ToString());
  return std::move(*db);
}

struct Rates {
  double set, get, inc;
};

Rates RunRaw(Side& s, const Workload& w, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(std::filesystem::path(dir).parent_path());
  s.open(dir);
  auto t0 = Clock::now();
  for (const auto& k : w.keys) s.put(k, w.value);
  auto t1 = Clock::now();
  std::string out;
  size_t found = 0;
  for (uint32_t i : w.get_order) found += s.get(w.keys[i], &out);
  auto t2 = Clock::now();
  if (found != w.keys.size()) Die("raw get missed");
  // Counters: 8-byte big-endian int64, incremented by get + decode + put.
  std::string zero(8, '\0');
  for (const auto& k : w.keys) s.put(k, zero);
  auto t3 = Clock::now();
  for (uint32_t i : w.get_order) {
    if (!s.get(w.keys[i], &out) || out.size() != 8) Die("raw inc read");
    uint64_t v = 0;
    for (char c : out) v = (v << 8) | static_cast<unsigned char>(c);
    ++v;
    for (int b = 7; b >= 0; --b, v >>= 8) out[static_cast<size_t>(b)] = static_cast<char>(v);
    s.put(w.keys[i], out);
  }
  auto t4 = Clock::now();
  s.close();
  std::filesystem::remove_all(dir);
  ::sync();
  size_t n = w.keys.size();
  return {Rate(n, t0, t1), Rate(n, t1, t2), Rate(n, t3, t4)};
}

Rates RunTower(const std::string& backend, const Workload& w, const std::string& dir) {
  auto db = OpenDb(backend, dir);
  auto t0 = Clock::now();
  for (const auto& k : w.keys) {
    if (!db->set_string(k, w.value).ok()) Die("set_string");
  }
  auto t1 = Clock::now();
  size_t found = 0;
  for (uint32_t i : w.get_order) found += db->get_string(w.keys[i]).ok();
  auto t2 = Clock::now();
  if (found != w.keys.size()) Die("get_string missed");
  for (const auto& k : w.keys) {
    if (!db->set_int(k, 0).ok()) Die("set_int");
  }
  auto t3 = Clock::now();
  for (uint32_t i : w.get_order) {
    if (!db->inc_int(w.keys[i]).ok()) Die("inc_int");
  }
  auto t4 = Clock::now();
  db.reset();
  std::filesystem::remove_all(dir);
  ::sync();
  size_t n = w.keys.size();
  return {Rate(n, t0, t1), Rate(n, t1, t2), Rate(n, t3, t4)};
}

// `threads` threads each doing `per_thread` ops of `op` on their own keys;
// returns total ops/s.
template <class Op>
double Parallel(int threads, size_t per_thread, Op op) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      ++ready;
      while (!go) std::this_thread::yield();
      for (size_t i = 0; i < per_thread; ++i) op(t, i);
    });
  }
  while (ready < threads) std::this_thread::yield();
  auto t0 = Clock::now();
  go = true;
  for (auto& t : ts) t.join();
  return Rate(per_thread * static_cast<size_t>(threads), t0, Clock::now());
}

std::string Key(int thread, size_t i) {
  return "t" + std::to_string(thread) + ":" + std::to_string(i);
}

// SET, GET and INCR from 2 threads on the memory backend, like
// redis-benchmark's -t set,get,incr (random keys over a keyspace).
int RedisMode(size_t n) {
  auto db = OpenDb("memory", "");
  const std::string value(3, 'x');  // redis-benchmark's default -d 3
  size_t per = n / 2;
  double set =
      Parallel(2, per, [&](int t, size_t i) { (void)db->set_string(Key(t, i % 100000), value); });
  double get = Parallel(2, per, [&](int t, size_t i) { (void)db->get_string(Key(t, i % 100000)); });
  for (int t = 0; t < 2; ++t) {
    for (size_t i = 0; i < 100000; ++i) (void)db->set_int(Key(t, i) + "c", 0);
  }
  double incr =
      Parallel(2, per, [&](int t, size_t i) { (void)db->inc_int(Key(t, i % 100000) + "c"); });
  std::printf("SET %.0f\nGET %.0f\nINCR %.0f\n", set, get, incr);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 200000;
  int reps = 3;
  bool redis = false;
  std::string backends = "memory,rocksdb,lmdb";
  std::string dir = "/tmp/tower-typed-bench";
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
    else if (a == "--redis")
      redis = true;
    else
      Die("unknown argument " + a + " (see the comment at the top of typed_bench.cc)");
  }
  if (redis) return RedisMode(n);
  Workload w = MakeWorkload(n);
  std::printf("typed_bench: %zu keys (16 B), 100 B strings, %d reps, medians\n", n, reps);
  std::printf("%-8s %-4s %14s %14s %7s %s\n", "backend", "op", "raw ops/s", "tower ops/s", "ratio",
              "target");
  std::stringstream names(backends);
  std::string name;
  while (std::getline(names, name, ',')) {
    Side raw = name == "rocksdb" ? RawRocks() : name == "lmdb" ? RawLmdb() : DirectMemory();
    RunRaw(raw, w, dir + "/raw");  // warm-up, untimed
    RunTower(name, w, dir + "/tower");
    std::vector<double> rs, rg, ri, ts, tg, ti;
    for (int r = 0; r < reps; ++r) {
      Rates a, b;
      if (r % 2 == 0) {
        a = RunRaw(raw, w, dir + "/raw");
        b = RunTower(name, w, dir + "/tower");
      } else {
        b = RunTower(name, w, dir + "/tower");
        a = RunRaw(raw, w, dir + "/raw");
      }
      rs.push_back(a.set), rg.push_back(a.get), ri.push_back(a.inc);
      ts.push_back(b.set), tg.push_back(b.get), ti.push_back(b.inc);
    }
    auto row = [&](const char* op, double raw_rate, double tower_rate, const char* target) {
      std::printf("%-8s %-4s %14.0f %14.0f %7.3f %s\n", name.c_str(), op, raw_rate, tower_rate,
                  tower_rate / raw_rate, target);
    };
    row("set", Median(rs), Median(ts), ">= 0.90");
    row("get", Median(rg), Median(tg), ">= 0.90");
    row("inc", Median(ri), Median(ti), ">= 0.85");
    std::fflush(stdout);
  }
  if (backends.find("memory") != std::string::npos) {
    auto db = OpenDb("memory", "");
    std::vector<double> one, two;
    size_t per = n;
    for (int r = 0; r < reps; ++r) {
      one.push_back(
          Parallel(1, per, [&](int t, size_t i) { (void)db->set_string(Key(t, i), w.value); }));
      two.push_back(
          Parallel(2, per, [&](int t, size_t i) { (void)db->set_string(Key(t + 2, i), w.value); }));
    }
    std::printf(
        "memory set_string: 1 thread %.0f ops/s, 2 threads %.0f ops/s, scaling %.2fx (target >= "
        "1.7x)\n",
        Median(one), Median(two), Median(two) / Median(one));
    // The same from the raw store, for context: what the machine allows.
    Side raw = DirectMemory();
    raw.open("");
    std::vector<double> raw_one, raw_two;
    for (int r = 0; r < reps; ++r) {
      raw_one.push_back(Parallel(1, per, [&](int t, size_t i) { raw.put(Key(t, i), w.value); }));
      raw_two.push_back(
          Parallel(2, per, [&](int t, size_t i) { raw.put(Key(t + 2, i), w.value); }));
    }
    raw.close();
    std::printf("memory raw put:    1 thread %.0f ops/s, 2 threads %.0f ops/s, scaling %.2fx\n",
                Median(raw_one), Median(raw_two), Median(raw_two) / Median(raw_one));
  }
  return 0;
}
