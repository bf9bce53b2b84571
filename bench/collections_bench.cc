// collections_bench: collection commands through tower::Db against the raw
// library doing the same reads and writes by hand, in one run per backend.
//
//   collections_bench [--ops=N] [--reps=R] [--backends=memory,rocksdb,lmdb]
//                     [--delete-items=N] [--only=ROW]
//
// Each row times N operations on both sides and prints ops/s (medians of R
// runs) and the ratio tower/raw. The raw side does what the command must
// do, through the raw library (RocksDB C++ API, LMDB C API, the memory
// store's own code): for list push, a point read of the metadata and one
// two-key batch (metadata + item); for pop, two reads and a batch that
// deletes the item; for map/set writes, the metadata and element reads and a
// two-key batch; for gets, the two reads; for time-series add, the
// metadata and point reads and a two-key batch; for a range, one metadata
// read and a scan that decodes the points into a vector; for bloom add, the
// metadata read, k block reads and one batch writing the metadata and the k
// blocks; for contains, the metadata read and k block reads that look at
// the bit in place (no copy, as the plugin does). The last line times
// deleting a collection of --delete-items items (O(1)) and collecting its
// garbage.
#include <cinttypes>
#include <cmath>
#include <map>
#include <optional>

#include "bench_common.hpp"
#include "tower/db.hpp"
#include "tower/keys.hpp"

namespace {

using tower::Value;

struct Args {
  size_t ops = 50000;
  int reps = 3;
  std::vector<std::string> backends = {"memory", "rocksdb", "lmdb"};
  size_t delete_items = 1000000;
  std::string only;  // run only the rows whose name starts with this
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto val = [&](const char* name) -> std::optional<std::string> {
      std::string p = std::string(name) + "=";
      if (s.rfind(p, 0) == 0) return s.substr(p.size());
      return std::nullopt;
    };
    if (auto v = val("--ops")) {
      a.ops = std::stoul(*v);
    } else if (auto v = val("--reps")) {
      a.reps = std::stoi(*v);
    } else if (auto v = val("--delete-items")) {
      a.delete_items = std::stoul(*v);
    } else if (auto v = val("--only")) {
      a.only = *v;
    } else if (auto v = val("--backends")) {
      a.backends.clear();
      std::stringstream ss(*v);
      std::string b;
      while (std::getline(ss, b, ',')) a.backends.push_back(b);
    } else {
      std::fprintf(stderr,
                   "usage: collections_bench [--ops=N] [--reps=R] [--backends=a,b] "
                   "[--delete-items=N] [--only=ROW]\n");
      std::exit(2);
    }
  }
  return a;
}

std::string TempDir() {
  char tmpl[] = "/tmp/tower-collbench-XXXXXX";
  if (!mkdtemp(tmpl)) Die("mkdtemp");
  return tmpl;
}

std::unique_ptr<tower::Db> OpenTower(const std::string& backend, const std::string& dir) {
  tower::Options o = backend == "memory" ? tower::Options::InMemory("memory")
                                         : tower::Options::OnDisk(dir + "/db", backend);
  o.cache_size = tower::Size(kCache);
  o.memtable_size = tower::Size(kMemtable);
  o.bytes_per_sync = tower::Size(kBytesPerSync);
  o.datatypes = {"list", "map", "set", "timeseries", "bloom"};
  o.expiry_sweep_interval = std::chrono::milliseconds(0);
  auto db = tower::Db::open(o);
  if (!db.ok()) Die(db.status().ToString());
  return std::move(*db);
}

Side RawFor(const std::string& backend) {
  if (backend == "rocksdb") return RawRocks();
  if (backend == "lmdb") return RawLmdb();
  return DirectMemory();
}

void Must(const tower::Result<Value>& r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
}

// The order-preserving int64 encoding Tower uses in item keys and points.
std::string Pos(int64_t i) {
  std::string s;
  tower::keys::PutOrderedInt64(&s, i);
  return s;
}

// A time-series point as the plugin stores it: the value's type tag, then
// the int64 in the order-preserving big-endian form.
std::string RawPoint(int64_t v) { return std::string(1, TOWER_VALUE_INT) + Pos(v); }

// One benchmark row: a setup on both sides, then N timed operations.
struct Row {
  const char* name;
  std::function<void(tower::Db&, Side&)> setup;
  std::function<void(tower::Db&, size_t i)> tower_op;
  std::function<void(Side&, size_t i)> raw_op;
};

double Rate(size_t n, Clock::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

// Raw bloom layout, as the plugin keeps it: metadata and 4 KiB blocks of
// bits; k bit positions from two hashes.
constexpr int kBloomK = 7;               // p = 1%
constexpr uint64_t kBloomBits = 958506;  // n = 100,000, p = 1%
constexpr size_t kBlockBytes = 4096;

std::vector<uint64_t> BloomBits(size_t item) {
  uint64_t h1 = std::hash<std::string>{}("item" + std::to_string(item));
  uint64_t h2 = std::hash<std::string>{}("seed" + std::to_string(item)) | 1;
  std::vector<uint64_t> bits;
  for (int i = 0; i < kBloomK; ++i)
    bits.push_back((h1 + static_cast<uint64_t>(i) * h2) % kBloomBits);
  return bits;
}

std::string BloomBlockKey(uint64_t bit) {
  return "sB" + Pos(static_cast<int64_t>(bit / (kBlockBytes * 8)));
}

std::vector<Row> Rows(size_t n) {
  const std::string meta_list = "mlist", meta_map = "mmap", meta_set = "mset", meta_ts = "mts",
                    meta_bloom = "mbloom";
  static const std::string kMeta17(17, 'm'), kItem(12, 'i'), kMeta9(9, 'm'), kMeta34(34, 'm'),
      kEmpty, kBlock(kBlockBytes, '\0');
  std::vector<Row> rows;
  rows.push_back({"list.push_right",
                  [](tower::Db& db, Side&) { Must(db.call("list.create", "L"), "list.create"); },
                  [](tower::Db& db, size_t i) {
                    Must(db.call("list.push_right", "L", static_cast<int64_t>(i)), "push");
                  },
                  [=](Side& s, size_t i) {
                    std::string m;
                    s.get(meta_list, &m);
                    s.batch({{meta_list, &kMeta17}, {"sL" + Pos(static_cast<int64_t>(i)), &kItem}});
                  }});
  rows.push_back({"list.pop_left", nullptr,
                  [](tower::Db& db, size_t) { Must(db.call("list.pop_left", "L"), "pop"); },
                  [=](Side& s, size_t i) {
                    std::string m, item;
                    s.get(meta_list, &m);
                    std::string k = "sL" + Pos(static_cast<int64_t>(i));
                    s.get(k, &item);
                    s.batch({{meta_list, &kMeta17}, {k, nullptr}});
                  }});
  rows.push_back(
      {"map.set", [](tower::Db& db, Side&) { Must(db.call("map.create", "M"), "map.create"); },
       [](tower::Db& db, size_t i) {
         Must(db.call("map.set", "M", "f" + std::to_string(i), static_cast<int64_t>(i)), "map.set");
       },
       [=](Side& s, size_t i) {
         std::string m, f;
         std::string k = "sMf" + std::to_string(i);
         s.get(meta_map, &m);
         s.get(k, &f);
         s.batch({{meta_map, &kMeta9}, {k, &kItem}});
       }});
  rows.push_back({"map.get", nullptr,
                  [](tower::Db& db, size_t i) {
                    Must(db.call("map.get", "M", "f" + std::to_string(i)), "map.get");
                  },
                  [=](Side& s, size_t i) {
                    std::string m, f;
                    s.get(meta_map, &m);
                    if (!s.get("sMf" + std::to_string(i), &f)) Die("raw map get");
                  }});
  rows.push_back({"set.add",
                  [](tower::Db& db, Side&) { Must(db.call("set.create", "S"), "set.create"); },
                  [](tower::Db& db, size_t i) {
                    Must(db.call("set.add", "S", "m" + std::to_string(i)), "set.add");
                  },
                  [=](Side& s, size_t i) {
                    std::string m, x;
                    std::string k = "sSm" + std::to_string(i);
                    s.get(meta_set, &m);
                    s.get(k, &x);
                    s.batch({{meta_set, &kMeta9}, {k, &kEmpty}});
                  }});
  rows.push_back({"ts.add",
                  [](tower::Db& db, Side&) { Must(db.call("ts.create", "T"), "ts.create"); },
                  [](tower::Db& db, size_t i) {
                    Must(db.call("ts.add", "T", tower::Timestamp{static_cast<int64_t>(i) + 1},
                                 static_cast<int64_t>(i)),
                         "ts.add");
                  },
                  [=](Side& s, size_t i) {
                    std::string m, p;
                    std::string k = "sT" + Pos(static_cast<int64_t>(i) + 1);
                    s.get(meta_ts, &m);
                    s.get(k, &p);
                    std::string point = RawPoint(static_cast<int64_t>(i));
                    s.batch({{meta_ts, &kMeta34}, {k, &point}});
                  }});
  // A range of 100 points per operation.
  rows.push_back(
      {"ts.range(100)", nullptr,
       [n](tower::Db& db, size_t i) {
         int64_t from = static_cast<int64_t>((i * 100) % (n > 100 ? n - 100 : 1)) + 1;
         Must(db.call("ts.range", "T", tower::Timestamp{from}, tower::Timestamp{from + 99}),
              "ts.range");
       },
       [=](Side& s, size_t i) {
         int64_t from = static_cast<int64_t>((i * 100) % (n > 100 ? n - 100 : 1)) + 1;
         std::string m;
         s.get(meta_ts, &m);
         // What a caller of the raw library gets back: the decoded points.
         std::vector<std::pair<int64_t, int64_t>> points;
         s.scan("sT" + Pos(from), 100, [&](std::string_view k, std::string_view v) {
           if (k.size() != 10 || v.size() != 9) Die("raw ts point");
           points.emplace_back(tower::keys::GetOrderedInt64(k.data() + 2),
                               tower::keys::GetOrderedInt64(v.data() + 1));
         });
         if (points.size() != 100) Die("raw ts scan");
       }});
  rows.push_back({"bloom.add",
                  [](tower::Db& db, Side&) {
                    Must(db.call("bloom.create", "B", int64_t{100000}, 0.01, int64_t{0}),
                         "bloom.create");
                  },
                  [](tower::Db& db, size_t i) {
                    Must(db.call("bloom.add", "B", "item" + std::to_string(i)), "bloom.add");
                  },
                  [=](Side& s, size_t i) {
                    std::string m;
                    s.get(meta_bloom, &m);
                    std::vector<RawOp> ops{{meta_bloom, &kMeta34}};
                    std::map<std::string, std::string> blocks;
                    for (uint64_t bit : BloomBits(i)) {
                      std::string k = BloomBlockKey(bit);
                      auto it = blocks.find(k);
                      if (it == blocks.end()) {
                        it = blocks.emplace(k, std::string()).first;
                        if (!s.get(k, &it->second)) it->second = kBlock;
                      }
                      uint64_t in = bit % (kBlockBytes * 8);
                      it->second[in / 8] = static_cast<char>(it->second[in / 8] | (1 << (in % 8)));
                    }
                    for (auto& [k, v] : blocks) ops.push_back({k, &v});
                    s.batch(ops);
                  }});
  rows.push_back({"bloom.contains", nullptr,
                  [](tower::Db& db, size_t i) {
                    Must(db.call("bloom.contains", "B", "item" + std::to_string(i)),
                         "bloom.contains");
                  },
                  [=](Side& s, size_t i) {
                    std::string m;
                    s.get(meta_bloom, &m);
                    // Each bit looked at in place, as the plugin does.
                    bool all = true;
                    for (uint64_t bit : BloomBits(i)) {
                      uint64_t in = bit % (kBlockBytes * 8);
                      bool set = false;
                      s.view(BloomBlockKey(bit), [&](std::string_view v) {
                        set = in / 8 < v.size() && ((v[in / 8] >> (in % 8)) & 1);
                      });
                      all = all && set;
                    }
                    if (!all) Die("raw bloom: a member is missing");
                  }});
  return rows;
}

void RunBackend(const Args& a, const std::string& backend) {
  std::vector<Row> rows = Rows(a.ops);
  std::erase_if(rows, [&](const Row& r) { return std::string_view(r.name).rfind(a.only, 0) != 0; });
  std::map<std::string, std::vector<double>> tower_rates, raw_rates;
  for (int rep = 0; rep < a.reps; ++rep) {
    std::string tdir = TempDir(), rdir = TempDir();
    auto db = OpenTower(backend, tdir);
    Side raw = RawFor(backend);
    raw.open(rdir + "/raw");
    for (const Row& r : rows) {
      if (r.setup) r.setup(*db, raw);
      auto t0 = Clock::now();
      for (size_t i = 0; i < a.ops; ++i) r.tower_op(*db, i);
      auto t1 = Clock::now();
      for (size_t i = 0; i < a.ops; ++i) r.raw_op(raw, i);
      auto t2 = Clock::now();
      tower_rates[r.name].push_back(Rate(a.ops, t1 - t0));
      raw_rates[r.name].push_back(Rate(a.ops, t2 - t1));
    }
    db.reset();
    raw.close();
    fs::remove_all(tdir);
    fs::remove_all(rdir);
  }
  for (const Row& r : rows) {
    double t = Median(tower_rates[r.name]), w = Median(raw_rates[r.name]);
    std::printf("%-8s %-16s tower %10.0f ops/s   raw %10.0f ops/s   ratio %.3f\n", backend.c_str(),
                r.name, t, w, t / w);
  }
  // Deleting a big collection: O(1), then the garbage collector reclaims it.
  std::string dir = TempDir();
  auto db = OpenTower(backend, dir);
  Must(db->call("list.create", "big"), "list.create");
  std::vector<Value> args{Value("big")};
  for (size_t i = 0; i < a.delete_items;) {
    args.resize(1);
    for (size_t k = 0; k < 1000 && i < a.delete_items; ++k, ++i)
      args.emplace_back(static_cast<int64_t>(i));
    Must(db->call("list.push_right", args), "fill");
  }
  auto t0 = Clock::now();
  Must(db->call("key.delete", "big"), "key.delete");
  auto t1 = Clock::now();
  auto groups = db->collect_garbage(false);
  auto t2 = Clock::now();
  if (!groups.ok()) Die(groups.status().ToString());
  std::printf("%-8s delete of a %zu-item list: %.3f ms; garbage collection afterwards: %.1f ms\n",
              backend.c_str(), a.delete_items,
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  db.reset();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  std::printf("collections_bench: %zu ops per row, median of %d runs\n", a.ops, a.reps);
  for (const auto& b : a.backends) RunBackend(a, b);
  return 0;
}
