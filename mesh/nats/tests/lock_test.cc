// Tests of the nats plugin's distributed locks (ops_lock.cc) against a real
// JetStream nats-server on 127.0.0.1 (ephemeral ports, temporary dirs).
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "conn.hpp"
#include "op_harness.hpp"
#include "supervisor.hpp"
#include "test_util.hpp"

namespace tower::mesh::nats {
namespace {

using std::chrono::milliseconds;
using testing::CallOp;
using testing::Clock;
using testing::Collector;
using testing::Contains;
using testing::Msg;
using testing::Outcome;
using testing::Seconds;
using testing::Val;
using testing::WaitFor;

constexpr int64_t kMs = 1000000;  // ns

Outcome Lock(Conn& conn, const char* op, const std::vector<Val>& args) {
  return CallOp(conn, LockOps(), op, args);
}
Outcome Kv(Conn& conn, const char* op, const std::vector<Val>& args) {
  return CallOp(conn, KvOps(), op, args);
}

std::unique_ptr<Sub> Keepalive(Conn& conn, const std::vector<Val>& args, Collector* c, Error* err) {
  std::unique_ptr<Sub> sub;
  *err = testing::SubscribeOp(conn, LockOps(), "lock.keepalive", args, c->handler(), &sub);
  return sub;
}

class LockTest : public testing::JetStreamSuite {
 protected:
  static void SetUpTestSuite() { StartServer("lock1"); }
  void CreateLockBucket(const std::string& bucket, int64_t lease_ms) {
    Outcome o = Lock(*conn_, "lock.create_bucket", {Val::Str(bucket), Val::Dur(lease_ms * kMs)});
    ASSERT_TRUE(o.error.ok()) << o.error.message;
    EXPECT_EQ(o.value.i, 1);
  }
};

TEST_F(LockTest, CreateBucketAndBadInput) {
  CreateLockBucket("locks", 5000);
  Outcome o = Lock(*conn_, "lock.create_bucket", {Val::Str("locks"), Val::Dur(5000 * kMs)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_BOOL);
  EXPECT_EQ(o.value.i, 0);
  // History 1, TTL = lease, no direct get (reads come from the leader).
  natsMsg* info = nullptr;
  ASSERT_EQ(
      natsConnection_RequestString(&info, conn_->nc, "$JS.API.STREAM.INFO.KV_locks", "", 2000),
      NATS_OK);
  std::string json(natsMsg_GetData(info), static_cast<size_t>(natsMsg_GetDataLength(info)));
  natsMsg_Destroy(info);
  EXPECT_TRUE(Contains(json, "\"allow_direct\":false")) << json;
  EXPECT_TRUE(Contains(json, "\"max_msgs_per_subject\":1,")) << json;
  EXPECT_TRUE(Contains(json, "\"max_age\":5000000000,")) << json;
  EXPECT_TRUE(Contains(json, "\"allow_rollup_hdrs\":true")) << json;
  EXPECT_TRUE(Contains(json, "\"deny_delete\":true")) << json;
  o = Lock(*conn_, "lock.create_bucket", {Val::Str("locks"), Val::Dur(7000 * kMs)});
  EXPECT_EQ(o.error.code, TOWER_E_ALREADY_EXISTS) << o.error.message;
  o = Lock(*conn_, "lock.create_bucket", {Val::Str("short"), Val::Dur(500 * kMs)});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "1 s")) << o.error.message;
  o = Lock(*conn_, "lock.create_bucket", {Val::Str("x"), Val::Dur(5000 * kMs), Val::Int(9)});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << o.error.message;
  o = Lock(*conn_, "lock.try", {Val::Str("locks"), Val::Str("bad name"), Val::Str("me")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "lock.try") && Contains(o.error.message, "bad name"))
      << o.error.message;
  o = Lock(*conn_, "lock.try", {Val::Str("lo.cks"), Val::Str("n"), Val::Str("me")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << o.error.message;
  o = Lock(*conn_, "lock.refresh", {Val::Str("locks"), Val::Str("n"), Val::Str("me"), Val::Int(0)});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << o.error.message;
  o = Lock(*conn_, "lock.try", {Val::Str("missing"), Val::Str("n"), Val::Str("me")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "'missing'")) << o.error.message;
  Outcome b = Kv(*conn_, "kv.buckets", {});
  for (const auto& v : b.array) EXPECT_TRUE(v.bytes != "short" && v.bytes != "x") << v.bytes;
}

TEST_F(LockTest, TryRefreshReleaseForce) {
  CreateLockBucket("basic", 5000);
  Outcome o = Lock(*conn_, "lock.is_locked", {Val::Str("basic"), Val::Str("job")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0);
  o = Lock(*conn_, "lock.try", {Val::Str("basic"), Val::Str("job"), Val::Str("alice")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  ASSERT_EQ(o.value.type, TOWER_VALUE_INT);
  int64_t t1 = o.value.i;
  o = Lock(*conn_, "lock.is_locked", {Val::Str("basic"), Val::Str("job")});
  EXPECT_EQ(o.value.i, 1);
  o = Kv(*conn_, "kv.get", {Val::Str("basic"), Val::Str("job")});  // reads from the leader
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.field("value")->bytes, "alice");
  o = Lock(*conn_, "lock.try", {Val::Str("basic"), Val::Str("job"), Val::Str("bob")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  o = Lock(*conn_, "lock.acquire",
           {Val::Str("basic"), Val::Str("job"), Val::Str("bob"), Val::Dur(100 * kMs)});
  EXPECT_EQ(o.error.code, TOWER_E_TIMEOUT) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "'job'") && Contains(o.error.message, "'alice'"))
      << o.error.message;

  o = Lock(*conn_, "lock.refresh",
           {Val::Str("basic"), Val::Str("job"), Val::Str("alice"), Val::Int(t1)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  int64_t t2 = o.value.i;
  EXPECT_GT(t2, t1);
  o = Lock(*conn_, "lock.refresh",
           {Val::Str("basic"), Val::Str("job"), Val::Str("alice"), Val::Int(t1)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "lock 'job' was lost")) << o.error.message;
  o = Lock(*conn_, "lock.release",
           {Val::Str("basic"), Val::Str("job"), Val::Str("alice"), Val::Int(t1)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_BOOL);
  EXPECT_EQ(o.value.i, 0);
  o = Lock(*conn_, "lock.release",
           {Val::Str("basic"), Val::Str("job"), Val::Str("alice"), Val::Int(t2)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 1);
  o = Lock(*conn_, "lock.is_locked", {Val::Str("basic"), Val::Str("job")});
  EXPECT_EQ(o.value.i, 0);

  // Free again (over the delete marker): bob takes it, with a bigger token.
  o = Lock(*conn_, "lock.acquire",
           {Val::Str("basic"), Val::Str("job"), Val::Str("bob"), Val::Dur(1000 * kMs)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  int64_t t3 = o.value.i;
  EXPECT_GT(t3, t2);
  o = Lock(*conn_, "lock.force_release", {Val::Str("basic"), Val::Str("job")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  o = Lock(*conn_, "lock.refresh",
           {Val::Str("basic"), Val::Str("job"), Val::Str("bob"), Val::Int(t3)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
  o = Lock(*conn_, "lock.try", {Val::Str("basic"), Val::Str("job"), Val::Str("carol")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_GT(o.value.i, t3);
}

TEST_F(LockTest, NoLostUpdatesUnderContention) {
  CreateLockBucket("mutex", 10000);
  ASSERT_TRUE(Kv(*conn_, "kv.create", {Val::Str("counters")}).error.ok());
  ASSERT_TRUE(
      Kv(*conn_, "kv.put", {Val::Str("counters"), Val::Str("n"), Val::Str("0")}).error.ok());
  constexpr int kThreads = 4, kIterations = 25;
  std::vector<std::string> failures(kThreads);
  std::atomic<int> inside{0}, overlap{0};
  Clock::time_point t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto conn = NewConn();
      if (conn == nullptr) return;
      std::string owner = "worker-" + std::to_string(t);
      int64_t last_token = 0;
      for (int i = 0; i < kIterations; ++i) {
        Outcome a =
            Lock(*conn, "lock.acquire",
                 {Val::Str("mutex"), Val::Str("counter"), Val::Str(owner), Val::Dur(20000 * kMs)});
        if (!a.error.ok()) {
          failures[t] = a.error.message;
          return;
        }
        if (a.value.i <= last_token) failures[t] = "token did not grow";
        last_token = a.value.i;
        if (inside.fetch_add(1) != 0) ++overlap;
        Outcome g = Kv(*conn, "kv.get", {Val::Str("counters"), Val::Str("n")});
        int n = g.error.ok() ? std::stoi(g.field("value")->bytes) : -1000;
        Outcome p = Kv(*conn, "kv.put",
                       {Val::Str("counters"), Val::Str("n"), Val::Str(std::to_string(n + 1))});
        inside.fetch_sub(1);
        Outcome r =
            Lock(*conn, "lock.release",
                 {Val::Str("mutex"), Val::Str("counter"), Val::Str(owner), Val::Int(a.value.i)});
        if (!g.error.ok() || !p.error.ok() || !r.error.ok() || r.value.i != 1) {
          failures[t] = g.error.message + p.error.message + r.error.message +
                        " release=" + std::to_string(r.value.i);
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::printf("%d x %d locked increments in %.3f s\n", kThreads, kIterations,
              Seconds(Clock::now() - t0));
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(failures[t].empty()) << t << ": " << failures[t];
  EXPECT_EQ(overlap.load(), 0);
  Outcome g = Kv(*conn_, "kv.get", {Val::Str("counters"), Val::Str("n")});
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_EQ(g.field("value")->bytes, std::to_string(kThreads * kIterations));
}

TEST_F(LockTest, DeadHolderLosesLockAfterLease) {
  CreateLockBucket("lease", 1000);
  int64_t dead_token = 0;
  {
    auto doomed = NewConn();
    Outcome o =
        Lock(*doomed, "lock.acquire",
             {Val::Str("lease"), Val::Str("res"), Val::Str("doomed"), Val::Dur(1000 * kMs)});
    ASSERT_TRUE(o.error.ok()) << o.error.message;
    dead_token = o.value.i;
  }  // the connection goes away without releasing
  Clock::time_point t0 = Clock::now();
  Outcome o = Lock(*conn_, "lock.try", {Val::Str("lease"), Val::Str("res"), Val::Str("heir")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  o = Lock(*conn_, "lock.acquire",
           {Val::Str("lease"), Val::Str("res"), Val::Str("heir"), Val::Dur(5000 * kMs)});
  double took = Seconds(Clock::now() - t0);
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  std::printf("lease expired; heir acquired after %.3f s\n", took);
  EXPECT_GT(took, 0.5);
  EXPECT_LT(took, 4.0);
  EXPECT_GT(o.value.i, dead_token);
  // The dead holder's token is useless now.
  o = Lock(*conn_, "lock.refresh",
           {Val::Str("lease"), Val::Str("res"), Val::Str("doomed"), Val::Int(dead_token)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
}

TEST_F(LockTest, RefreshAfterExpiryIsAborted) {
  CreateLockBucket("expire", 1000);
  Outcome o = Lock(*conn_, "lock.try", {Val::Str("expire"), Val::Str("r"), Val::Str("slow")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  int64_t token = o.value.i;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Lock(*conn_, "lock.is_locked", {Val::Str("expire"), Val::Str("r")}).value.i == 0;
      },
      milliseconds(5000)));
  o = Lock(*conn_, "lock.refresh",
           {Val::Str("expire"), Val::Str("r"), Val::Str("slow"), Val::Int(token)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "lock 'r' was lost")) << o.error.message;
  o = Lock(*conn_, "lock.release",
           {Val::Str("expire"), Val::Str("r"), Val::Str("slow"), Val::Int(token)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0);
}

TEST_F(LockTest, KeepaliveHoldsPastSeveralLeases) {
  CreateLockBucket("keep", 1000);
  Outcome o = Lock(*conn_, "lock.try", {Val::Str("keep"), Val::Str("leader"), Val::Str("me")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  int64_t token = o.value.i;
  Collector c;
  Error err;
  auto sub = Keepalive(
      *conn_, {Val::Str("keep"), Val::Str("leader"), Val::Str("me"), Val::Int(token)}, &c, &err);
  ASSERT_TRUE(err.ok()) << err.message;
  auto other = NewConn();
  Clock::time_point t0 = Clock::now();
  int attempts = 0;
  while (Clock::now() - t0 < milliseconds(3300)) {
    Outcome t = Lock(*other, "lock.try", {Val::Str("keep"), Val::Str("leader"), Val::Str("you")});
    ASSERT_TRUE(t.error.ok()) << t.error.message;
    ASSERT_EQ(t.value.type, TOWER_VALUE_NULL) << "taken after " << Seconds(Clock::now() - t0);
    ++attempts;
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::vector<Msg> m = c.Snapshot();
  ASSERT_GE(m.size(), 6u);  // every ~333 ms
  uint64_t last = static_cast<uint64_t>(token);
  for (const Msg& x : m) {
    EXPECT_EQ(x.subject, "leader");
    EXPECT_EQ(x.flags, 0u);
    EXPECT_EQ(x.data, "refreshed");
    EXPECT_GT(x.sequence, last);
    last = x.sequence;
  }
  // The newest token is the lock's revision.
  o = Kv(*conn_, "kv.get", {Val::Str("keep"), Val::Str("leader")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  Clock::time_point t1 = Clock::now();
  sub.reset();
  EXPECT_LT(Seconds(Clock::now() - t1), 0.2);
  uint64_t newest = c.Snapshot().back().sequence;
  EXPECT_GE(static_cast<uint64_t>(o.field("revision")->i), last);
  EXPECT_EQ(newest, c.Snapshot().back().sequence);
  // Without keepalive the lock expires.
  o = Lock(*other, "lock.acquire",
           {Val::Str("keep"), Val::Str("leader"), Val::Str("you"), Val::Dur(4000 * kMs)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_GT(static_cast<uint64_t>(o.value.i), newest);
  std::printf("keepalive: %d rival tries refused, taken %.3f s after keepalive stopped\n", attempts,
              Seconds(Clock::now() - t1));
}

TEST_F(LockTest, KeepaliveReportsLoss) {
  CreateLockBucket("lose", 2000);
  Outcome o = Lock(*conn_, "lock.try", {Val::Str("lose"), Val::Str("x"), Val::Str("me")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  Collector c;
  Error err;
  auto sub = Keepalive(
      *conn_,
      {Val::Str("lose"), Val::Str("x"), Val::Str("me"), Val::Int(o.value.i), Val::Dur(50 * kMs)},
      &c, &err);
  ASSERT_TRUE(err.ok()) << err.message;
  ASSERT_TRUE(c.WaitCount(1, milliseconds(2000)));
  ASSERT_TRUE(Lock(*conn_, "lock.force_release", {Val::Str("lose"), Val::Str("x")}).error.ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto m = c.Snapshot();
        return m.back().data == "lost";
      },
      milliseconds(2000)));
  size_t n = c.Snapshot().size();
  EXPECT_EQ(c.Snapshot().back().subject, "x");
  EXPECT_EQ(c.Snapshot().back().flags, 0u);
  std::this_thread::sleep_for(milliseconds(150));  // stopped: nothing more may come
  EXPECT_EQ(c.Snapshot().size(), n);
  sub.reset();

  sub = Keepalive(
      *conn_, {Val::Str("lose"), Val::Str("x"), Val::Str("me"), Val::Int(1), Val::Dur(5000 * kMs)},
      &c, &err);
  EXPECT_EQ(err.code, TOWER_E_INVALID_ARGUMENT) << err.message;
  sub = Keepalive(*conn_, {Val::Str("nobucket"), Val::Str("x"), Val::Str("me"), Val::Int(1)}, &c,
                  &err);
  EXPECT_EQ(err.code, TOWER_E_NOT_FOUND) << err.message;
}

}  // namespace
}  // namespace tower::mesh::nats
