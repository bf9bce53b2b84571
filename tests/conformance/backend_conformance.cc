// The backend conformance suite (see conformance.hpp). Every test runs once
// per backend under test, through the kernel's Backend wrapper, so it checks
// the plugin, the C ABI adapter and the wrapper together.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "conformance.hpp"
#include "tower/backend.hpp"
#include "tower/plugin.hpp"

namespace tower::conformance {

namespace fs = std::filesystem;

namespace {
std::vector<BackendUnderTest>& BackendList() {
  static std::vector<BackendUnderTest> v;
  return v;
}
std::vector<fs::path>& DirList() {
  static std::vector<fs::path> v;
  return v;
}
// The crash-test child: $TOWER_CRASH_WRITER, else tower-crash-writer beside
// the running program (the runner and the writer are built and installed
// together), else the installed one, else the one in the build tree.
fs::path DefaultCrashWriter() {
  if (const char* env = std::getenv("TOWER_CRASH_WRITER")) return env;
  std::error_code ec;
  fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / "tower-crash-writer";
  if (!ec && fs::exists(beside, ec)) return beside;
#ifdef TOWER_CRASH_WRITER_INSTALLED
  if (fs::exists(TOWER_CRASH_WRITER_INSTALLED, ec)) return TOWER_CRASH_WRITER_INSTALLED;
#endif
#ifdef TOWER_CRASH_WRITER
  return TOWER_CRASH_WRITER;
#else
  return "tower-crash-writer";
#endif
}
fs::path& CrashWriterPath() {
  static fs::path p = DefaultCrashWriter();
  return p;
}
}  // namespace

std::string BackendUnderTest::label() const {
  std::string s = plugin + (in_memory ? "_mem" : "");
  for (const auto& [k, v] : extra) s += "_" + k + "_" + v;
  for (char& c : s) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}
void SetBackends(std::vector<BackendUnderTest> b) { BackendList() = std::move(b); }
const std::vector<BackendUnderTest>& Backends() { return BackendList(); }
void SetPluginDirs(std::vector<fs::path> d) { DirList() = std::move(d); }
const std::vector<fs::path>& PluginDirs() { return DirList(); }
void SetCrashWriter(fs::path p) { CrashWriterPath() = std::move(p); }
const fs::path& CrashWriter() { return CrashWriterPath(); }

namespace {

class BackendTest : public testing::TestWithParam<BackendUnderTest> {
 protected:
  void SetUp() override {
    const auto& b = GetParam();
    char tmpl[] = "/tmp/tower-conformance-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    path_ = (root_ / "db").string();
    manager_ = std::make_unique<PluginManager>(PluginDirs());
    auto p = manager_->Load(b.plugin, PluginKind::kBackend);
    ASSERT_TRUE(p.ok()) << p.status();
    plugin_ = *p;
    ASSERT_TRUE(Reopen().ok());
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  bool persistent() const {
    return !GetParam().in_memory && (plugin_->backend_api()->capabilities & TOWER_CAP_PERSISTENT);
  }

  BackendOptions Opts(const std::string& path) const {
    BackendOptions o;
    o.path = path;
    o.in_memory = GetParam().in_memory;
    o.extra = GetParam().extra;
    o.plugin_dirs = PluginDirs();
    return o;
  }

  Status Reopen() {
    db_.reset();
    auto d = Backend::Open(plugin_, Opts(path_));
    if (!d.ok()) {
      ADD_FAILURE() << d.status();
      return d.status();
    }
    db_ = *d;
    return Status::OK();
  }

  void Put(std::string_view k, std::string_view v) { ASSERT_TRUE(db_->Put({}, k, v).ok()); }
  std::string Get(std::string_view k, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    Status s = db_->Get(ro, k, &v);
    if (s.IsNotFound()) return "<missing>";
    EXPECT_TRUE(s.ok()) << s;
    return v;
  }
  // Every key from first to last (or last to first), joined by ",".
  std::string Scan(ReadOptions ro = {}, bool reverse = false) {
    auto it = db_->NewIterator(ro);
    EXPECT_TRUE(it.ok()) << it.status();
    if (!it.ok()) return "<error>";
    std::string out;
    for (bool v = reverse ? (*it)->SeekToLast() : (*it)->SeekToFirst(); v;
         v = reverse ? (*it)->Prev() : (*it)->Next()) {
      if (!out.empty()) out += ",";
      out += std::string((*it)->key());
    }
    EXPECT_TRUE((*it)->status().ok()) << (*it)->status();
    return out;
  }

  fs::path root_;
  std::string path_;
  std::unique_ptr<PluginManager> manager_;
  PluginPtr plugin_;
  std::shared_ptr<Backend> db_;
};

TEST_P(BackendTest, PointOperations) {
  EXPECT_EQ(Get("a"), "<missing>");
  Put("a", "1");
  EXPECT_EQ(Get("a"), "1");
  Put("a", "2");
  EXPECT_EQ(Get("a"), "2");
  ASSERT_TRUE(db_->Delete({}, "a").ok());
  EXPECT_EQ(Get("a"), "<missing>");
  ASSERT_TRUE(db_->Delete({}, "never-existed").ok());
  std::string v = "untouched";
  EXPECT_TRUE(db_->Get({}, "a", &v).IsNotFound());
}

TEST_P(BackendTest, EmptyValue) {
  Put("empty", "");
  std::string v = "x";
  ASSERT_TRUE(db_->Get({}, "empty", &v).ok());
  EXPECT_EQ(v, "");
  EXPECT_EQ(Scan(), "empty");
}

TEST_P(BackendTest, BinaryKeysSortBytewise) {
  const std::string keys[] = {std::string("\x00", 1),     std::string("\x00\x00", 2),
                              std::string("\x00\xff", 2), "a",
                              std::string("a\x00", 2),    std::string("a\xff", 2),
                              std::string("\x7f"),        std::string("\x80"),
                              std::string("\xff"),        std::string("\xff\xff", 2)};
  // Insert in scrambled order.
  for (int i : {5, 2, 9, 0, 7, 3, 8, 1, 6, 4}) Put(keys[i], "v" + std::to_string(i));
  auto it = db_->NewIterator({});
  ASSERT_TRUE(it.ok());
  int i = 0;
  for (bool v = (*it)->SeekToFirst(); v; v = (*it)->Next(), ++i) {
    ASSERT_LT(i, 10);
    EXPECT_EQ((*it)->key(), keys[i]) << "position " << i;
    EXPECT_EQ((*it)->value(), "v" + std::to_string(i));
  }
  EXPECT_EQ(i, 10);
  for (int j = 0; j < 10; ++j) EXPECT_EQ(Get(keys[j]), "v" + std::to_string(j));
}

TEST_P(BackendTest, SixteenMebibyteValue) {
  std::string big(16 << 20, '\0');
  std::mt19937_64 rng(7);
  for (size_t i = 0; i < big.size(); i += 8) {
    uint64_t r = rng();
    std::memcpy(&big[i], &r, 8);
  }
  Put("big", big);
  std::string got;
  ASSERT_TRUE(db_->Get({}, "big", &got).ok());
  EXPECT_TRUE(got == big);
  if (persistent()) {
    ASSERT_TRUE(Reopen().ok());
    got.clear();
    ASSERT_TRUE(db_->Get({}, "big", &got).ok());
    EXPECT_TRUE(got == big);
  }
}

TEST_P(BackendTest, BatchAppliesInOrder) {
  Put("b1", "old");
  Put("r1", "x");
  Put("r2", "x");
  Put("r3", "x");
  WriteBatch b;
  b.Put("a", "1");
  b.Put("a", "2");  // later op wins
  b.Delete("b1");
  b.Put("c", "3");
  b.DeleteRange("r1", "r3");  // r1, r2; not r3
  b.Put("r2", "back");        // after the range delete
  ASSERT_TRUE(db_->Write({}, b).ok());
  EXPECT_EQ(Scan(), "a,c,r2,r3");
  EXPECT_EQ(Get("a"), "2");
  EXPECT_EQ(Get("r2"), "back");
}

TEST_P(BackendTest, BatchWithBadOperationWritesNothing) {
  Put("keep", "1");
  tower_batch_op ops[2] = {{TOWER_OP_PUT, 0, {"new", 3}, {"v", 1}},
                           {99, 0, {"keep", 4}, {nullptr, 0}}};
  // WriteOps hands the operations to the plugin's write() unchecked.
  Status s = db_->WriteOps({}, ops);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(Get("new"), "<missing>");
  EXPECT_EQ(Get("keep"), "1");
}

TEST_P(BackendTest, ConcurrentReadersNeverSeeHalfABatch) {
  // The writer keeps keys "pair-a" and "pair-b" equal, always in one batch.
  Put("pair-a", "0");
  Put("pair-b", "0");
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread writer([&] {
    for (int i = 1; i <= 2000; ++i) {
      WriteBatch b;
      b.Put("pair-a", std::to_string(i));
      b.Put("pair-b", std::to_string(i));
      ASSERT_TRUE(db_->Write({}, b).ok());
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      while (!stop) {
        if (r == 0) {  // through a snapshot
          auto s = db_->GetSnapshot();
          ASSERT_TRUE(s.ok());
          if (Get("pair-a", s->get()) != Get("pair-b", s->get())) ++torn;
        } else if (r == 1) {  // through multi_get
          std::vector<std::string> vals;
          std::vector<Status> st;
          ASSERT_TRUE(db_->MultiGet({}, {"pair-a", "pair-b"}, &vals, &st).ok());
          if (vals[0] != vals[1]) ++torn;
        } else {  // through an iterator
          auto it = db_->NewIterator({});
          ASSERT_TRUE(it.ok());
          std::vector<std::string> vals;
          for (bool v = (*it)->Seek("pair-"); v && (*it)->key().starts_with("pair-");
               v = (*it)->Next()) {
            vals.emplace_back((*it)->value());
          }
          ASSERT_EQ(vals.size(), 2u);
          if (vals[0] != vals[1]) ++torn;
        }
        ++reads;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_EQ(Get("pair-a"), "2000");
}

TEST_P(BackendTest, DeleteRangeRemovesOnlyTheRange) {
  for (const char* k : {"a", "b", "b1", "b2", "c", "d"}) Put(k, "v");
  WriteBatch b;
  b.DeleteRange("b", "c");
  ASSERT_TRUE(db_->Write({}, b).ok());
  EXPECT_EQ(Scan(), "a,c,d");
  WriteBatch empty_range;
  empty_range.DeleteRange("x", "y");
  ASSERT_TRUE(db_->Write({}, empty_range).ok());
  EXPECT_EQ(Scan(), "a,c,d");
}

TEST_P(BackendTest, IterationOrderBoundsAndReverse) {
  EXPECT_EQ(Scan(), "");
  EXPECT_EQ(Scan({}, true), "");
  for (const char* k : {"k3", "k1", "k5", "k2", "k4", "a", "z"}) Put(k, std::string("v") + k);
  EXPECT_EQ(Scan(), "a,k1,k2,k3,k4,k5,z");
  EXPECT_EQ(Scan({}, true), "z,k5,k4,k3,k2,k1,a");

  ReadOptions ro;
  ro.lower_bound = "k2";
  ro.upper_bound = "k5";  // exclusive
  EXPECT_EQ(Scan(ro), "k2,k3,k4");
  EXPECT_EQ(Scan(ro, true), "k4,k3,k2");

  auto it = db_->NewIterator(ro);
  ASSERT_TRUE(it.ok());
  auto& i = **it;
  EXPECT_FALSE(i.Valid());    // unpositioned
  ASSERT_TRUE(i.Seek("k1"));  // below the lower bound: clamps
  EXPECT_EQ(i.key(), "k2");
  EXPECT_EQ(i.value(), "vk2");
  ASSERT_TRUE(i.Seek("k25"));
  EXPECT_EQ(i.key(), "k3");
  EXPECT_FALSE(i.Seek("k5"));  // at the upper bound
  ASSERT_TRUE(i.SeekForPrev("k35"));
  EXPECT_EQ(i.key(), "k3");
  ASSERT_TRUE(i.SeekForPrev("k3"));
  EXPECT_EQ(i.key(), "k3");
  ASSERT_TRUE(i.SeekForPrev("zzz"));  // above the upper bound: clamps
  EXPECT_EQ(i.key(), "k4");
  EXPECT_FALSE(i.SeekForPrev("k1"));  // below the lower bound
  ASSERT_TRUE(i.SeekToLast());
  EXPECT_EQ(i.key(), "k4");
  EXPECT_FALSE(i.Next());
  ASSERT_TRUE(i.SeekToFirst());
  EXPECT_EQ(i.key(), "k2");
  EXPECT_FALSE(i.Prev());

  ReadOptions only_lower;
  only_lower.lower_bound = "k4";
  EXPECT_EQ(Scan(only_lower), "k4,k5,z");
  ReadOptions only_upper;
  only_upper.upper_bound = "k2";
  EXPECT_EQ(Scan(only_upper, true), "k1,a");

  // Unbounded iterator: direction changes.
  auto u = db_->NewIterator({});
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE((*u)->Seek("k3"));
  ASSERT_TRUE((*u)->Next());
  EXPECT_EQ((*u)->key(), "k4");
  ASSERT_TRUE((*u)->Prev());
  EXPECT_EQ((*u)->key(), "k3");
  ASSERT_TRUE((*u)->Prev());
  EXPECT_EQ((*u)->key(), "k2");
  EXPECT_FALSE((*u)->Seek("zz"));
  ASSERT_TRUE((*u)->SeekForPrev("zz"));
  EXPECT_EQ((*u)->key(), "z");
  EXPECT_FALSE((*u)->SeekForPrev("0"));
}

// Random seeks and steps in both directions, with and without bounds,
// against a std::map model (a merging iterator's direction changes are easy
// to get wrong).
TEST_P(BackendTest, IteratorMatchesAModel) {
  std::mt19937 rng(20261125);
  std::map<std::string, std::string> model;
  auto rand_key = [&] {
    std::string k(1 + rng() % 3, 'a');
    for (char& c : k) c = static_cast<char>('a' + rng() % 6);
    return k;
  };
  WriteBatch b;
  for (int i = 0; i < 120; ++i) {
    std::string k = rand_key();
    b.Put(k, "v" + std::to_string(i));
    model[k] = "v" + std::to_string(i);
  }
  ASSERT_TRUE(db_->Write({}, b).ok());
  for (int round = 0; round < 40; ++round) {
    ReadOptions ro;
    std::string lo = rand_key(), hi = rand_key();
    if (lo > hi) std::swap(lo, hi);
    bool bounded = round % 2 == 1;
    if (bounded) ro.lower_bound = lo, ro.upper_bound = hi;
    auto in = [&](const std::string& k) { return !bounded || (k >= lo && k < hi); };
    auto it = db_->NewIterator(ro);
    ASSERT_TRUE(it.ok());
    auto& i = **it;
    std::optional<std::string> at;  // the model's position
    for (int step = 0; step < 60; ++step) {
      int op = static_cast<int>(rng() % 6);
      std::string t = rand_key();
      if (op == 0 || (!at && op >= 4)) {  // seek
        auto m = model.lower_bound(bounded && t < lo ? lo : t);
        at = m != model.end() && in(m->first) ? std::optional(m->first) : std::nullopt;
        EXPECT_EQ(i.Seek(t), at.has_value());
      } else if (op == 1) {  // seek_for_prev
        std::string target = bounded && t >= hi ? hi : t;
        auto m = model.upper_bound(target);
        if (bounded && t >= hi) m = model.lower_bound(hi);
        at = std::nullopt;
        if (m != model.begin() && in(std::prev(m)->first)) at = std::prev(m)->first;
        EXPECT_EQ(i.SeekForPrev(t), at.has_value());
      } else if (op == 2) {
        auto m = bounded ? model.lower_bound(lo) : model.begin();
        at = m != model.end() && in(m->first) ? std::optional(m->first) : std::nullopt;
        EXPECT_EQ(i.SeekToFirst(), at.has_value());
      } else if (op == 3) {
        auto m = bounded ? model.lower_bound(hi) : model.end();
        at = m != model.begin() && in(std::prev(m)->first) ? std::optional(std::prev(m)->first)
                                                           : std::nullopt;
        EXPECT_EQ(i.SeekToLast(), at.has_value());
      } else if (op == 4) {
        auto m = model.upper_bound(*at);
        at = m != model.end() && in(m->first) ? std::optional(m->first) : std::nullopt;
        EXPECT_EQ(i.Next(), at.has_value());
      } else {
        auto m = model.lower_bound(*at);
        at = m != model.begin() && in(std::prev(m)->first) ? std::optional(std::prev(m)->first)
                                                           : std::nullopt;
        EXPECT_EQ(i.Prev(), at.has_value());
      }
      ASSERT_EQ(i.Valid(), at.has_value()) << "round " << round << " step " << step;
      if (at) {
        ASSERT_EQ(i.key(), *at) << "round " << round << " step " << step << " op " << op;
        ASSERT_EQ(i.value(), model[*at]);
      }
    }
  }
}

TEST_P(BackendTest, SnapshotIsolation) {
  Put("a", "1");
  Put("b", "1");
  auto snap = db_->GetSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status();
  Put("a", "2");
  ASSERT_TRUE(db_->Delete({}, "b").ok());
  Put("c", "2");
  EXPECT_EQ(Get("a", snap->get()), "1");
  EXPECT_EQ(Get("b", snap->get()), "1");
  EXPECT_EQ(Get("c", snap->get()), "<missing>");
  ReadOptions ro;
  ro.snapshot = snap->get();
  EXPECT_EQ(Scan(ro), "a,b");
  EXPECT_EQ(Scan(ro, true), "b,a");
  std::vector<std::string> vals;
  std::vector<Status> st;
  ASSERT_TRUE(db_->MultiGet(ro, {"a", "b", "c"}, &vals, &st).ok());
  EXPECT_EQ(vals[0], "1");
  EXPECT_EQ(vals[1], "1");
  EXPECT_TRUE(st[2].IsNotFound());
  // The latest state is unaffected by the snapshot.
  EXPECT_EQ(Scan(), "a,c");
  snap->reset();
  EXPECT_EQ(Get("a"), "2");
  EXPECT_EQ(Scan(), "a,c");
}

TEST_P(BackendTest, IteratorSeesAFixedView) {
  for (const char* k : {"a", "b", "c"}) Put(k, "1");
  auto it = db_->NewIterator({});
  ASSERT_TRUE(it.ok());
  ASSERT_TRUE((*it)->SeekToFirst());
  Put("bb", "new");  // written after the iterator was made
  ASSERT_TRUE(db_->Delete({}, "c").ok());
  std::string seen = std::string((*it)->key());
  while ((*it)->Next()) seen += "," + std::string((*it)->key());
  EXPECT_EQ(seen, "a,b,c");
}

TEST_P(BackendTest, MultiGetMixesFoundAndMissing) {
  Put("x", "1");
  Put("z", "3");
  std::vector<std::string> vals;
  std::vector<Status> st;
  ASSERT_TRUE(db_->MultiGet({}, {"x", "y", "z", "x"}, &vals, &st).ok());
  ASSERT_EQ(vals.size(), 4u);
  EXPECT_TRUE(st[0].ok());
  EXPECT_EQ(vals[0], "1");
  EXPECT_TRUE(st[1].IsNotFound());
  EXPECT_EQ(vals[2], "3");
  EXPECT_EQ(vals[3], "1");
}

TEST_P(BackendTest, PersistsAcrossReopen) {
  if (!persistent()) GTEST_SKIP() << GetParam().label() << " keeps no data across a reopen";
  Put("persist", "yes");
  WriteBatch b;
  for (int i = 0; i < 1000; ++i) b.Put("n" + std::to_string(i), std::to_string(i * i));
  ASSERT_TRUE(db_->Write({}, b).ok());
  ASSERT_TRUE(Reopen().ok());
  EXPECT_EQ(Get("persist"), "yes");
  EXPECT_EQ(Get("n999"), std::to_string(999 * 999));
}

TEST_P(BackendTest, ConcurrentReadersWithAWriter) {
  constexpr int kKeys = 500;
  for (int i = 0; i < kKeys; ++i) Put("key" + std::to_string(1000 + i), "0");
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    for (int round = 1; round <= 20; ++round) {
      WriteBatch b;
      for (int i = 0; i < kKeys; ++i)
        b.Put("key" + std::to_string(1000 + i), std::to_string(round));
      if (!db_->Write({}, b).ok()) ++errors;
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        // Every full scan sees one round: all values equal, all keys present.
        auto it = db_->NewIterator({});
        if (!it.ok()) {
          ++errors;
          return;
        }
        int n = 0;
        std::string first;
        for (bool v = (*it)->SeekToFirst(); v; v = (*it)->Next(), ++n) {
          if (n == 0) first = std::string((*it)->value());
          if ((*it)->value() != first) ++errors;
        }
        if (n != kKeys) ++errors;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
}

TEST_P(BackendTest, SyncedWriteSurvivesKill) {
  if (!persistent()) GTEST_SKIP() << GetParam().label() << " is not durable by design";
  db_.reset();  // the child owns the store now
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    std::vector<std::string> args = {CrashWriter().string(), GetParam().plugin, path_};
    for (const auto& [k, v] : GetParam().extra) args.push_back(k + "=" + v);
    for (const auto& d : PluginDirs()) args.push_back(d.string());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  // Read acknowledgements; kill at a random moment after the first few.
  std::mt19937 rng(std::random_device{}());
  int kill_after = 5 + static_cast<int>(rng() % 60);
  FILE* f = fdopen(out[0], "r");
  long last_ack = -1;
  char line[64];
  while (last_ack < kill_after && std::fgets(line, sizeof line, f)) {
    long n;
    if (std::sscanf(line, "ack %ld", &n) == 1) last_ack = n;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::fclose(f);
  ASSERT_GE(last_ack, kill_after) << "the writer stopped early";
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_TRUE(Reopen().ok());
  for (long i = 0; i <= last_ack; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "crash-%08ld", i);
    ASSERT_EQ(Get(key), std::string(100, 'v') + key) << "acknowledged write " << i << " lost";
  }
}

TEST_P(BackendTest, CheckpointOpensAsACopy) {
  if (!(plugin_->backend_api()->capabilities & TOWER_CAP_CHECKPOINT))
    GTEST_SKIP() << "no checkpoint capability";
  Put("c1", "one");
  Put("c2", std::string(100000, 'x'));
  std::string dir = (root_ / "checkpoint").string();
  ASSERT_TRUE(db_->Checkpoint(dir).ok());
  Put("c3", "after");
  Status again = db_->Checkpoint(dir);
  EXPECT_EQ(again.code(), Code::kAlreadyExists) << again;
  BackendOptions o = Opts(dir);
  o.in_memory = false;  // a checkpoint always lands on disk
  o.create_if_missing = false;
  auto copy = Backend::Open(plugin_, o);
  ASSERT_TRUE(copy.ok()) << copy.status();
  std::string v;
  ASSERT_TRUE((*copy)->Get({}, "c1", &v).ok());
  EXPECT_EQ(v, "one");
  ASSERT_TRUE((*copy)->Get({}, "c2", &v).ok());
  EXPECT_EQ(v.size(), 100000u);
  EXPECT_TRUE((*copy)->Get({}, "c3", &v).IsNotFound());
}

TEST_P(BackendTest, FlushAndProperties) {
  Put("p", "1");
  EXPECT_TRUE(db_->Flush(true).ok());
  auto stats = db_->Property("tower.stats");
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_FALSE(stats->empty());
  auto names = db_->Property("tower.properties");
  ASSERT_TRUE(names.ok());
  EXPECT_NE(names->find("tower.stats"), std::string::npos);
  auto mks = db_->Property("tower.max-key-size");
  ASSERT_TRUE(mks.ok());
  auto bad = db_->Property("no.such.property");
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
  EXPECT_NE(bad.status().message().find("no.such.property"), std::string::npos) << bad.status();
}

TEST_P(BackendTest, LongKeysWorkUpToTheLimit) {
  uint64_t limit = db_->max_key_size();
  size_t ok_size = limit == 0 ? 4096 : limit;
  std::string k(ok_size, 'k');
  Put(k, "long");
  EXPECT_EQ(Get(k), "long");
  if (limit > 0) {
    std::string too_long(limit + 1, 'k');
    Status s = db_->Put({}, too_long, "x");
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  }
}

TEST_P(BackendTest, UnknownBackendOptionIsRejected) {
  BackendOptions o = Opts((root_ / "other").string());
  o.extra["no.such.option"] = "1";
  auto d = Backend::Open(plugin_, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kInvalidArgument) << d.status();
  EXPECT_NE(d.status().message().find("no.such.option"), std::string::npos) << d.status();
}

TEST_P(BackendTest, ObjectsKeepThePluginLoaded) {
  Put("alive", "yes");
  auto snap = db_->GetSnapshot();
  ASSERT_TRUE(snap.ok());
  auto it = db_->NewIterator({});
  ASSERT_TRUE(it.ok());
  // Drop every other reference: the manager, the plugin handle, the backend.
  manager_.reset();
  plugin_.reset();
  db_.reset();
  ASSERT_TRUE((*it)->SeekToFirst());
  EXPECT_EQ((*it)->key(), "alive");
  it->reset();
  snap->reset();  // the last object: closes the store, then unloads
}

std::vector<BackendUnderTest> Params() { return Backends(); }

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, testing::ValuesIn(Params()),
                         [](const testing::TestParamInfo<BackendUnderTest>& i) {
                           return i.param.label();
                         });

}  // namespace
}  // namespace tower::conformance
