// The collection crash test: a child process (tower-collections-crash-child)
// runs random list / map / set / time-series operations with synced writes
// and is SIGKILLed at a random moment; the parent reopens the database and
// checks that
//   - the state is exactly the model after the last acknowledged operation
//     (or after the one in flight, which may have committed): every
//     acknowledged operation is there and nothing else;
//   - every collection's own count matches its elements (length = items);
//   - no item outside the model is stored once garbage is collected.
// TOWER_CRASH_ROUNDS sets the rounds per backend (default 50; the stress
// run sets thousands).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <limits>
#include <random>
#include <thread>

#include "crash_ops.hpp"
#include "fixture.hpp"
#include "tower/db.hpp"
#include "tower/keys.hpp"

namespace tower::crash {
namespace {

namespace fs = std::filesystem;

int Rounds() {
  const char* env = std::getenv("TOWER_CRASH_ROUNDS");
  return env ? std::atoi(env) : 50;
}

// An int result, or -1 (with a failure recorded).
int64_t Int(Db& db, const char* command, const char* key) {
  auto r = db.call(command, key);
  EXPECT_TRUE(r.ok()) << command << ": " << r.status();
  return r.ok() ? r->as_int() : -1;
}

// The state read back through the commands, as a Model; also checks each
// collection's count against its elements.
Model ReadBack(Db& db) {
  Model m;
  auto list = db.call("list.range", kList, int64_t{0}, int64_t{-1});
  EXPECT_TRUE(list.ok()) << list.status();
  if (list.ok()) {
    for (const auto& v : list->as_array()) m.list.push_back(v.as_int());
  }
  EXPECT_EQ(Int(db, "list.length", kList), static_cast<int64_t>(m.list.size()));

  auto all = db.call("map.get_all", kMap);
  EXPECT_TRUE(all.ok()) << all.status();
  if (all.ok()) {
    const auto& a = all->as_array();
    for (size_t i = 0; i + 1 < a.size(); i += 2) m.map[a[i].as_string()] = a[i + 1].as_int();
  }
  EXPECT_EQ(Int(db, "map.length", kMap), static_cast<int64_t>(m.map.size()));

  auto members = db.call("set.members", kSet);
  EXPECT_TRUE(members.ok()) << members.status();
  if (members.ok()) {
    for (const auto& v : members->as_array()) m.set.insert(v.as_string());
  }
  EXPECT_EQ(Int(db, "set.cardinality", kSet), static_cast<int64_t>(m.set.size()));

  auto points =
      db.call("ts.range", kSeries, Timestamp{0}, Timestamp{std::numeric_limits<int64_t>::max()});
  EXPECT_TRUE(points.ok()) << points.status();
  if (points.ok()) {
    const auto& p = points->as_array();
    for (size_t i = 0; i + 1 < p.size(); i += 2)
      m.series[p[i].as_timestamp().ns] = p[i + 1].as_int();
  }
  auto info = db.call("ts.info", kSeries);
  EXPECT_TRUE(info.ok()) << info.status();
  if (info.ok()) {
    EXPECT_EQ(info->as_array()[0].as_int(), static_cast<int64_t>(m.series.size()));
  }
  return m;
}

// Items physically stored (after a full garbage collection).
size_t StoredItems(Db& db) {
  EXPECT_TRUE(db.collect_garbage(true).ok());
  return testing_support::CountNamespace(db, keys::kSub);
}

class CrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashTest, KilledWritersLeaveExactlyTheAcknowledgedState) {
  std::mt19937_64 rng(std::random_device{}());
  const int rounds = Rounds();
  for (int round = 0; round < rounds; ++round) {
    char tmpl[] = "/tmp/tower-crash-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl, path = dir + "/db";
    const uint64_t seed = rng();
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::string s = std::to_string(seed);
      execl(TOWER_CRASH_CHILD, TOWER_CRASH_CHILD, GetParam().c_str(), path.c_str(), s.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    // Kill after a random number of acknowledgements and a random delay.
    const long kill_after = static_cast<long>(rng() % 60);
    long last_ack = -1;
    bool ready = false;
    char line[64];
    while (std::fgets(line, sizeof line, f)) {
      long n;
      if (std::sscanf(line, "ack %ld", &n) == 1) last_ack = n;
      if (std::string(line) == "ready\n") {
        ready = true;
        last_ack = 0;
      }
      if (ready && last_ack >= kill_after) break;
    }
    ASSERT_TRUE(ready) << "round " << round << ": the child never got ready";
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    while (std::fgets(line, sizeof line, f)) {  // acks written before it died
      long n;
      if (std::sscanf(line, "ack %ld", &n) == 1) last_ack = n;
    }
    std::fclose(f);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << ": the child exited early";

    // The models after the last acknowledged operation and the next one.
    Model acked, next;
    Workload w(seed);
    for (long i = 0; i < last_ack; ++i) w.Next(&acked);
    next = acked;
    w.Next(&next);

    Options o = Options::OnDisk(path, GetParam());
    o.expiry_sweep_interval = std::chrono::milliseconds(0);
    auto db = Db::open(o);
    ASSERT_TRUE(db.ok()) << "round " << round << ": " << db.status();
    Model got = ReadBack(**db);
    EXPECT_TRUE(got == acked || got == next)
        << "round " << round << " (seed " << seed << "): state after " << last_ack
        << " acknowledged operations matches neither the model nor the model plus one";
    size_t elements = got.list.size() + got.map.size() + got.set.size() + got.series.size();
    EXPECT_EQ(StoredItems(**db), elements) << "round " << round << ": orphan items stored";
    db->reset();
    fs::remove_all(dir);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, ::testing::Values("rocksdb", "lmdb"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace tower::crash
