// Tests of the nats plugin's KV operations (ops_kv.cc) against real
// nats-server processes on 127.0.0.1 (ephemeral ports, temporary dirs): a
// single JetStream node shared by most tests, and a 3-node cluster that
// loses its stream leader while a writer keeps going.
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
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
using testing::Connect;
using testing::Contains;
using testing::JetStreamCluster;
using testing::Msg;
using testing::Outcome;
using testing::Seconds;
using testing::StreamLeader;
using testing::TempDir;
using testing::Val;
using testing::WaitFor;

constexpr int64_t kMs = 1000000;  // ns

Outcome Kv(Conn& conn, const char* op, const std::vector<Val>& args, size_t stop_after = 0) {
  return CallOp(conn, KvOps(), op, args, stop_after);
}

std::vector<std::string> Strings(const Outcome& o) {
  std::vector<std::string> out;
  for (const auto& v : o.array) out.push_back(v.bytes);
  return out;
}

std::unique_ptr<Sub> Subscribe(Conn& conn, const char* op, const std::vector<Val>& args,
                               Collector* c, Error* err) {
  std::unique_ptr<Sub> sub;
  *err = testing::SubscribeOp(conn, KvOps(), op, args, c->handler(), &sub);
  return sub;
}

// One JetStream server for the whole suite.
class KvTest : public testing::JetStreamSuite {
 protected:
  static void SetUpTestSuite() { StartServer("kv1"); }
  void CreateBucket(const std::string& bucket, std::vector<Val> opts = {}) {
    std::vector<Val> args = {Val::Str(bucket)};
    for (auto& o : opts) args.push_back(std::move(o));
    Outcome o = Kv(*conn_, "kv.create", args);
    ASSERT_TRUE(o.error.ok()) << o.error.message;
  }
  int64_t Put(const std::string& bucket, const std::string& key, const std::string& value) {
    Outcome o = Kv(*conn_, "kv.put", {Val::Str(bucket), Val::Str(key), Val::Str(value)});
    EXPECT_TRUE(o.error.ok()) << o.error.message;
    return o.value.i;
  }
};

TEST_F(KvTest, BadInputIsRejectedBeforeSending) {
  // A connection whose server is gone: a valid request fails with a
  // connection error, an invalid one with INVALID_ARGUMENT (nothing sent).
  TempDir dir("tower-kv-test");
  auto sv = testing::NewJetStreamServer(dir, "gone");
  ASSERT_TRUE(sv->Start().ok());
  auto dead = Connect(sv->client_url(), {{"max_reconnects", "0"}, {"timeout", "500ms"}});
  ASSERT_NE(dead, nullptr);
  ASSERT_TRUE(sv->Stop().ok());
  Outcome valid = Kv(*dead, "kv.put", {Val::Str("b"), Val::Str("k"), Val::Str("v")});
  EXPECT_FALSE(valid.error.ok());
  EXPECT_NE(valid.error.code, TOWER_E_INVALID_ARGUMENT) << valid.error.message;

  struct Case {
    const char* op;
    std::vector<Val> args;
    const char* needle;
  };
  std::vector<Case> cases = {
      {"kv.create", {Val::Str("bad.bucket")}, "bad.bucket"},
      {"kv.create", {Val::Str("")}, "empty"},
      {"kv.put", {Val::Str("b"), Val::Str("bad key"), Val::Str("v")}, "bad key"},
      {"kv.put", {Val::Str("b"), Val::Str(".k"), Val::Str("v")}, ".k"},
      {"kv.put", {Val::Str("b"), Val::Str("k."), Val::Str("v")}, "k."},
      {"kv.put", {Val::Str("b"), Val::Str("a..b"), Val::Str("v")}, "a..b"},
      {"kv.put", {Val::Str("b"), Val::Str("a*"), Val::Str("v")}, "a*"},
      {"kv.get", {Val::Str("b"), Val::Str(">")}, ">"},
      {"kv.get", {Val::Str("b"), Val::Str("k"), Val::Int(0)}, "revision"},
      {"kv.update", {Val::Str("b"), Val::Str("k"), Val::Str("v"), Val::Int(-1)}, ">= 0"},
      {"kv.update", {Val::Str("b"), Val::Str("k"), Val::Str("v")}, "usage"},
      {"kv.delete", {Val::Str("b/x"), Val::Str("k")}, "b/x"},
      {"kv.keys", {Val::Str("b"), Val::Str("a.>.b")}, "a.>.b"},
      {"kv.put", {Val::Str("b"), Val::Int(3), Val::Str("v")}, "argument 2 (key) must be text"},
      {"kv.create", {Val::Str("b"), Val::Str("colour"), Val::Str("red")}, "known: replicas"},
      {"kv.create", {Val::Str("b"), Val::Str("history"), Val::Int(65)}, "1..64"},
      {"kv.create", {Val::Str("b"), Val::Str("replicas"), Val::Int(0)}, "1..5"},
      {"kv.create", {Val::Str("b"), Val::Str("ttl"), Val::Dur(50 * kMs)}, "100 ms"},
      {"kv.create", {Val::Str("b"), Val::Str("storage"), Val::Str("tape")}, "tape"},
      {"kv.create", {Val::Str("b"), Val::Str("history")}, "no value"},
      {"kv.create", {Val::Str("b"), Val::Str("history"), Val::Str("two")}, "must be int"},
      {"kv.buckets", {Val::Str("x")}, "usage"},
      {"kv.put_async", {Val::Str("b"), Val::Str("k k"), Val::Str("v")}, "k k"},
  };
  for (const auto& c : cases) {
    for (Conn* conn : {dead.get(), conn_.get()}) {
      Outcome o = Kv(*conn, c.op, c.args);
      EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << c.op << ": " << o.error.message;
      EXPECT_TRUE(Contains(o.error.message, c.needle)) << o.error.message << " lacks " << c.needle;
      EXPECT_TRUE(Contains(o.error.message, c.op)) << o.error.message;
    }
  }
  Collector col;
  Error err;
  auto sub = Subscribe(*dead, "kv.watch", {Val::Str("b"), Val::Str("a b")}, &col, &err);
  EXPECT_EQ(err.code, TOWER_E_INVALID_ARGUMENT) << err.message;
  sub = Subscribe(*dead, "kv.watch",
                  {Val::Str("b"), Val::Str(">"), Val::Str("updates"), Val::Bool(true)}, &col, &err);
  EXPECT_EQ(err.code, TOWER_E_INVALID_ARGUMENT) << err.message;
  EXPECT_TRUE(Contains(err.message, "updates_only")) << err.message;
  // The live server got none of those buckets.
  Outcome buckets = Kv(*conn_, "kv.buckets", {});
  ASSERT_TRUE(buckets.error.ok()) << buckets.error.message;
  for (const auto& b : Strings(buckets)) EXPECT_NE(b, "b");
}

TEST_F(KvTest, BucketLifecycle) {
  Outcome o = Kv(
      *conn_, "kv.create",
      {Val::Str("life"), Val::Str("history"), Val::Int(3), Val::Str("storage"), Val::Str("memory"),
       Val::Str("ttl"), Val::Dur(60000 * kMs), Val::Str("description"), Val::Str("a test bucket"),
       Val::Str("max_bytes"), Val::Int(1 << 20), Val::Str("max_value_size"), Val::Int(1024),
       Val::Str("replicas"), Val::Int(1), Val::Str("allow_direct"), Val::Bool(true)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_BOOL);
  EXPECT_EQ(o.value.i, 1);
  // Same configuration again: false.
  o = Kv(
      *conn_, "kv.create",
      {Val::Str("life"), Val::Str("history"), Val::Int(3), Val::Str("storage"), Val::Str("memory"),
       Val::Str("ttl"), Val::Dur(60000 * kMs), Val::Str("description"), Val::Str("a test bucket"),
       Val::Str("max_bytes"), Val::Int(1 << 20), Val::Str("max_value_size"), Val::Int(1024)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0);
  // Different configuration: ALREADY_EXISTS.
  o = Kv(*conn_, "kv.create", {Val::Str("life"), Val::Str("history"), Val::Int(5)});
  EXPECT_EQ(o.error.code, TOWER_E_ALREADY_EXISTS) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "'life'")) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "different configuration")) << o.error.message;

  CreateBucket("alpha");
  o = Kv(*conn_, "kv.exists", {Val::Str("life")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 1);
  o = Kv(*conn_, "kv.exists", {Val::Str("nope")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_BOOL);
  EXPECT_EQ(o.value.i, 0);

  o = Kv(*conn_, "kv.buckets", {});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  std::vector<std::string> names = Strings(o);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "life"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "alpha"), names.end());

  // A value larger than max_value_size is refused.
  o = Kv(*conn_, "kv.put", {Val::Str("life"), Val::Str("big"), Val::Str(std::string(2000, 'x'))});
  EXPECT_FALSE(o.error.ok());
  EXPECT_TRUE(Contains(o.error.message, "'big'")) << o.error.message;

  o = Kv(*conn_, "kv.delete_bucket", {Val::Str("life")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  o = Kv(*conn_, "kv.delete_bucket", {Val::Str("life")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "'life'")) << o.error.message;
  o = Kv(*conn_, "kv.exists", {Val::Str("life")});
  EXPECT_EQ(o.value.i, 0);
  // Operations on a missing bucket name it.
  for (const char* op : {"kv.get", "kv.put", "kv.delete", "kv.keys"}) {
    std::vector<Val> args = {Val::Str("life"), Val::Str("k")};
    if (std::string(op) == "kv.put") args.push_back(Val::Str("v"));
    o = Kv(*conn_, op, args);
    EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << op << ": " << o.error.message;
    EXPECT_TRUE(Contains(o.error.message, "'life'")) << o.error.message;
  }
}

TEST_F(KvTest, PutGetUpdateDeletePurge) {
  CreateBucket("ops", {Val::Str("history"), Val::Int(10)});
  std::string binary("a\0b\xff", 4);
  Outcome o = Kv(*conn_, "kv.put", {Val::Str("ops"), Val::Str("k1"), Val::Bin(binary)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_INT);
  int64_t r1 = o.value.i;
  EXPECT_GT(r1, 0);

  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  ASSERT_NE(o.field("value"), nullptr);
  EXPECT_EQ(o.field("value")->type, TOWER_VALUE_BINARY);
  EXPECT_EQ(o.field("value")->bytes, binary);
  EXPECT_EQ(o.field("revision")->i, r1);
  EXPECT_EQ(o.field("created")->type, TOWER_VALUE_TIMESTAMP);
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LT(std::llabs(o.field("created")->i - now_ns), 60LL * 1000 * kMs);
  EXPECT_EQ(o.field("delta")->i, 0);

  int64_t r2 = Put("ops", "k1", "second");
  EXPECT_GT(r2, r1);
  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k1"), Val::Int(r1)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.field("value")->bytes, binary);
  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k1"), Val::Int(r2 + 100)});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;

  // create_key.
  o = Kv(*conn_, "kv.create_key", {Val::Str("ops"), Val::Str("k1"), Val::Str("x")});
  EXPECT_EQ(o.error.code, TOWER_E_ALREADY_EXISTS) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "'k1'") && Contains(o.error.message, "'ops'"))
      << o.error.message;
  o = Kv(*conn_, "kv.create_key", {Val::Str("ops"), Val::Str("fresh"), Val::Str("x")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_GT(o.value.i, r2);

  // update.
  o = Kv(*conn_, "kv.update", {Val::Str("ops"), Val::Str("k1"), Val::Str("u"), Val::Int(r1)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "revision " + std::to_string(r1))) << o.error.message;
  o = Kv(*conn_, "kv.update", {Val::Str("ops"), Val::Str("k1"), Val::Str("u"), Val::Int(r2)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  int64_t r3 = o.value.i;
  EXPECT_GT(r3, r2);
  o = Kv(*conn_, "kv.update", {Val::Str("ops"), Val::Str("never"), Val::Str("u"), Val::Int(0)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;

  // delete with a wrong, then the right revision.
  o = Kv(*conn_, "kv.delete", {Val::Str("ops"), Val::Str("k1"), Val::Int(r2)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Kv(*conn_, "kv.delete", {Val::Str("ops"), Val::Str("k1"), Val::Int(r3)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k1")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  EXPECT_TRUE(Contains(o.error.message, "'k1'") && Contains(o.error.message, "'ops'"))
      << o.error.message;

  // History keeps the values and the delete marker.
  o = Kv(*conn_, "kv.history", {Val::Str("ops"), Val::Str("k1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 4);
  ASSERT_EQ(o.msgs.size(), 4u);
  EXPECT_EQ(o.msgs[0].subject, "k1");
  EXPECT_EQ(o.msgs[0].data, binary);
  EXPECT_EQ(o.msgs[0].sequence, static_cast<uint64_t>(r1));
  EXPECT_EQ(o.msgs[0].flags, 0u);
  EXPECT_GT(o.msgs[0].timestamp_ns, 0);
  EXPECT_EQ(o.msgs[2].data, "u");
  EXPECT_EQ(o.msgs[3].flags, TOWER_MESH_MSG_KV_DELETE);
  o = Kv(*conn_, "kv.history", {Val::Str("ops"), Val::Str("k1")}, 2);
  EXPECT_EQ(o.msgs.size(), 2u);
  EXPECT_EQ(o.value.i, 2);
  o = Kv(*conn_, "kv.history", {Val::Str("ops"), Val::Str("nothing")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;

  // A deleted key may be created again.
  o = Kv(*conn_, "kv.create_key", {Val::Str("ops"), Val::Str("k1"), Val::Str("again")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  int64_t r5 = o.value.i;

  // purge with a wrong, then the right revision; then without one.
  o = Kv(*conn_, "kv.purge", {Val::Str("ops"), Val::Str("k1"), Val::Int(r3)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED) << o.error.message;
  o = Kv(*conn_, "kv.purge", {Val::Str("ops"), Val::Str("k1"), Val::Int(r5)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Kv(*conn_, "kv.history", {Val::Str("ops"), Val::Str("k1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  ASSERT_EQ(o.msgs.size(), 1u);
  EXPECT_EQ(o.msgs[0].flags, TOWER_MESH_MSG_KV_PURGE);
  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k1")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  Put("ops", "k2", "v");
  o = Kv(*conn_, "kv.purge", {Val::Str("ops"), Val::Str("k2")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Kv(*conn_, "kv.get", {Val::Str("ops"), Val::Str("k2")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  o = Kv(*conn_, "kv.delete", {Val::Str("ops"), Val::Str("fresh")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Kv(*conn_, "kv.create_key", {Val::Str("ops"), Val::Str("k2"), Val::Str("after purge")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
}

TEST_F(KvTest, KeysWithFilter) {
  CreateBucket("keys");
  Outcome o = Kv(*conn_, "kv.keys", {Val::Str("keys")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_TRUE(o.is_array);
  EXPECT_TRUE(o.array.empty());
  for (const char* k : {"user.b", "user.a", "user.c.x", "order.1", "top"}) Put("keys", k, "v");
  ASSERT_TRUE(Kv(*conn_, "kv.delete", {Val::Str("keys"), Val::Str("user.c.x")}).error.ok());
  o = Kv(*conn_, "kv.keys", {Val::Str("keys")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Strings(o), (std::vector<std::string>{"order.1", "top", "user.a", "user.b"}));
  o = Kv(*conn_, "kv.keys", {Val::Str("keys"), Val::Str("user.*")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Strings(o), (std::vector<std::string>{"user.a", "user.b"}));
  Put("keys", "user.c.x", "back");
  o = Kv(*conn_, "kv.keys", {Val::Str("keys"), Val::Str("user.>")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Strings(o), (std::vector<std::string>{"user.a", "user.b", "user.c.x"}));
  o = Kv(*conn_, "kv.keys", {Val::Str("keys"), Val::Str("none.>")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_TRUE(o.array.empty());
}

TEST_F(KvTest, Watch) {
  CreateBucket("watch", {Val::Str("history"), Val::Int(5)});
  Put("watch", "a", "1");
  Put("watch", "a", "2");
  Put("watch", "b", "1");
  Put("watch", "other.x", "1");
  Collector c;
  Error err;
  auto sub = Subscribe(*conn_, "kv.watch", {Val::Str("watch"), Val::Str(">")}, &c, &err);
  ASSERT_TRUE(err.ok()) << err.message;
  ASSERT_TRUE(c.WaitCount(4, milliseconds(5000)));
  std::vector<Msg> m = c.Snapshot();
  EXPECT_EQ(m[0].subject, "a");
  EXPECT_EQ(m[0].data, "2");
  EXPECT_EQ(m[1].subject, "b");
  EXPECT_EQ(m[2].subject, "other.x");
  EXPECT_EQ(m[3].flags, TOWER_MESH_MSG_END);
  EXPECT_TRUE(m[3].data.empty());
  int64_t rev = Put("watch", "b", "live");
  ASSERT_TRUE(Kv(*conn_, "kv.delete", {Val::Str("watch"), Val::Str("a")}).error.ok());
  ASSERT_TRUE(Kv(*conn_, "kv.purge", {Val::Str("watch"), Val::Str("other.x")}).error.ok());
  ASSERT_TRUE(c.WaitCount(7, milliseconds(5000)));
  m = c.Snapshot();
  EXPECT_EQ(m[4].subject, "b");
  EXPECT_EQ(m[4].data, "live");
  EXPECT_EQ(m[4].sequence, static_cast<uint64_t>(rev));
  EXPECT_GT(m[4].timestamp_ns, 0);
  EXPECT_EQ(m[5].subject, "a");
  EXPECT_EQ(m[5].flags, TOWER_MESH_MSG_KV_DELETE);
  EXPECT_EQ(m[6].flags, TOWER_MESH_MSG_KV_PURGE);
  Clock::time_point t0 = Clock::now();
  sub.reset();
  double took = Seconds(Clock::now() - t0);
  EXPECT_LT(took, 0.5);
  size_t seen = c.Snapshot().size();
  Put("watch", "b", "after");
  std::this_thread::sleep_for(milliseconds(100));  // nothing may arrive: no deadline to poll
  EXPECT_EQ(c.Snapshot().size(), seen);
  EXPECT_FALSE(c.in_handler);

  // updates_only with a filter: no initial values, no END marker.
  Collector u;
  sub = Subscribe(*conn_, "kv.watch",
                  {Val::Str("watch"), Val::Str("b"), Val::Str("updates_only"), Val::Bool(true)}, &u,
                  &err);
  ASSERT_TRUE(err.ok()) << err.message;
  // The watcher may still be reading the initial values: write until one
  // update shows up.
  EXPECT_TRUE(WaitFor(
      [&] {
        Put("watch", "b", "upd");
        Put("watch", "a", "not-b");
        return u.WaitCount(1, milliseconds(100));
      },
      milliseconds(5000)));
  for (const Msg& x : u.Snapshot()) {
    EXPECT_EQ(x.subject, "b");
    EXPECT_EQ(x.data, "upd");
    EXPECT_EQ(x.flags, 0u);
  }
  sub.reset();

  // include_history and ignore_deletes.
  Collector h;
  sub = Subscribe(*conn_, "kv.watch",
                  {Val::Str("watch"), Val::Str("a"), Val::Str("include_history"), Val::Bool(true),
                   Val::Str("ignore_deletes"), Val::Bool(true)},
                  &h, &err);
  ASSERT_TRUE(err.ok()) << err.message;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = h.Snapshot();
        return !s.empty() && s.back().flags == TOWER_MESH_MSG_END;
      },
      milliseconds(5000)));
  std::vector<std::string> values;
  for (const Msg& x : h.Snapshot()) {
    EXPECT_EQ(x.flags & TOWER_MESH_MSG_KV_DELETE, 0u);
    if (x.flags == 0) values.push_back(x.data);
  }
  EXPECT_EQ(values, (std::vector<std::string>{"1", "2", "not-b"}));
  sub.reset();

  // An empty bucket: END right away.
  CreateBucket("watch_empty");
  Collector e;
  sub = Subscribe(*conn_, "kv.watch", {Val::Str("watch_empty"), Val::Str(">")}, &e, &err);
  ASSERT_TRUE(err.ok()) << err.message;
  ASSERT_TRUE(e.WaitCount(1, milliseconds(5000)));
  EXPECT_EQ(e.Snapshot()[0].flags, TOWER_MESH_MSG_END);
  Put("watch_empty", "k", "v");
  ASSERT_TRUE(e.WaitCount(2, milliseconds(5000)));
  EXPECT_EQ(e.Snapshot()[1].data, "v");
  sub.reset();

  sub = Subscribe(*conn_, "kv.watch", {Val::Str("no_such_bucket"), Val::Str(">")}, &e, &err);
  EXPECT_EQ(err.code, TOWER_E_NOT_FOUND) << err.message;
  EXPECT_TRUE(Contains(err.message, "no_such_bucket")) << err.message;
}

TEST_F(KvTest, PutAsyncThousand) {
  CreateBucket("async");
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    Outcome o = Kv(*conn_, "kv.put_async",
                   {Val::Str("async"), Val::Str("k" + std::to_string(i % 100)),
                    Val::Str("v" + std::to_string(i))});
    ASSERT_TRUE(o.error.ok()) << o.error.message;
  }
  Outcome o = Kv(*conn_, "kv.put_async_complete", {Val::Dur(10000 * kMs)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  std::printf("1000 async puts acknowledged in %.3f s\n", Seconds(Clock::now() - t0));
  o = Kv(*conn_, "kv.keys", {Val::Str("async")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.array.size(), 100u);
  o = Kv(*conn_, "kv.get", {Val::Str("async"), Val::Str("k7")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.field("value")->bytes, "v907");

  // Failures are counted and reported once.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Kv(*conn_, "kv.put_async", {Val::Str("no_bucket"), Val::Str("k"), Val::Str("v")})
                    .error.ok());
  }
  o = Kv(*conn_, "kv.put_async_complete", {});
  EXPECT_FALSE(o.error.ok());
  EXPECT_TRUE(Contains(o.error.message, "3 asynchronous")) << o.error.message;
  o = Kv(*conn_, "kv.put_async_complete", {});
  EXPECT_TRUE(o.error.ok()) << o.error.message;
}

// ---------------------------------------------------------------------------
// A 3-node JetStream cluster with a 3-replica bucket losing its leader.

TEST(KvClusterTest, WritesSurviveLeaderLoss) {
  JetStreamCluster cluster;
  Clock::time_point t0 = Clock::now();
  {
    Error e = cluster.Start("c", "kvc");
    ASSERT_TRUE(e.ok()) << e.message;
  }
  auto& nodes = cluster.nodes;
  std::printf("cluster ready in %.3f s\n", Seconds(Clock::now() - t0));
  auto conn = Connect(cluster.ClientUrls(), {{"timeout", "2s"}, {"reconnect_wait", "100ms"}});
  ASSERT_NE(conn, nullptr);
  Outcome o;
  ASSERT_TRUE(WaitFor(
      [&] {
        o = Kv(*conn, "kv.create", {Val::Str("ha"), Val::Str("replicas"), Val::Int(3)});
        return o.error.ok();
      },
      milliseconds(10000)))
      << o.error.message;
  o = Kv(*conn, "kv.put", {Val::Str("ha"), Val::Str("k"), Val::Str("v1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Kv(*conn, "kv.update", {Val::Str("ha"), Val::Str("k"), Val::Str("v2"), Val::Int(o.value.i)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Kv(*conn, "kv.get", {Val::Str("ha"), Val::Str("k")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.field("value")->bytes, "v2");

  std::string leader = StreamLeader(*conn, "KV_ha");
  ASSERT_FALSE(leader.empty());
  int victim = cluster.IndexOf(leader);
  ASSERT_TRUE(victim >= 0 && victim < 3) << leader;
  std::printf("stream leader: %s\n", leader.c_str());

  // The writer: distinct keys, retry on TIMEOUT (and BUSY while no leader).
  struct Acked {
    std::string key, value;
    int64_t rev;
  };
  std::vector<Acked> acked;  // read by this thread only after join
  std::atomic<size_t> acked_count{0};
  std::atomic<bool> stop{false};
  std::atomic<int> retries{0};
  std::map<int32_t, int> retry_codes;  // read after join
  std::string writer_error;            // written by the writer before it ends
  std::atomic<bool> writer_failed{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::string key = "w" + std::to_string(i), value = "value-" + std::to_string(i);
      Outcome p;
      Clock::time_point give_up = Clock::now() + milliseconds(15000);
      while (true) {
        p = Kv(*conn, "kv.put", {Val::Str("ha"), Val::Str(key), Val::Str(value)});
        if (p.error.ok()) break;
        bool transient = p.error.code == TOWER_E_TIMEOUT || p.error.code == TOWER_E_BUSY;
        if (!transient || Clock::now() > give_up) {
          writer_error = p.error.message;
          writer_failed = true;
          return;
        }
        ++retries;
        ++retry_codes[p.error.code];
        std::this_thread::sleep_for(milliseconds(50));
      }
      acked.push_back({key, value, p.value.i});
      ++acked_count;
    }
  });
  size_t before_kill = 0;
  EXPECT_TRUE(WaitFor([&] { return (before_kill = acked_count) >= 10 || writer_failed; },
                      milliseconds(5000)));
  t0 = Clock::now();
  nodes[victim]->Kill();
  std::string new_leader;
  EXPECT_TRUE(WaitFor(
      [&] {
        new_leader = StreamLeader(*conn, "KV_ha");
        return !new_leader.empty() && new_leader != leader;
      },
      milliseconds(15000)));
  std::printf("new stream leader %s after %.3f s\n", new_leader.c_str(),
              Seconds(Clock::now() - t0));
  // Writes continue after the new leader.
  size_t at_new_leader = acked_count;
  EXPECT_TRUE(WaitFor([&] { return acked_count >= at_new_leader + 20 || writer_failed; },
                      milliseconds(15000)));
  stop = true;
  writer.join();
  ASSERT_TRUE(writer_error.empty()) << writer_error;
  std::printf("writer: %zu acknowledged puts (%zu before the kill), %d retries\n", acked.size(),
              before_kill, retries.load());
  for (const auto& [code, n] : retry_codes)
    std::printf("  retried error code %d: %d times\n", code, n);
  // Every acknowledged revision is readable.
  for (const Acked& a : acked) {
    Outcome g = Kv(*conn, "kv.get", {Val::Str("ha"), Val::Str(a.key), Val::Int(a.rev)});
    ASSERT_TRUE(g.error.ok()) << a.key << "@" << a.rev << ": " << g.error.message;
    EXPECT_EQ(g.field("value")->bytes, a.value);
  }
  // The killed node catches up once restarted.
  Outcome last = Kv(*conn, "kv.put", {Val::Str("ha"), Val::Str("final"), Val::Str("caught-up")});
  ASSERT_TRUE(last.error.ok()) << last.error.message;
  t0 = Clock::now();
  ASSERT_TRUE(nodes[victim]->Start().ok());
  auto lone = Connect(nodes[victim]->client_url(), {{"timeout", "1s"}});
  ASSERT_NE(lone, nullptr);
  Outcome seen;
  EXPECT_TRUE(WaitFor(
      [&] {
        seen = Kv(*lone, "kv.get", {Val::Str("ha"), Val::Str("final")});
        return seen.error.ok() && seen.field("value")->bytes == "caught-up";
      },
      milliseconds(20000)))
      << seen.error.message;
  std::printf("restarted node serves the last value after %.3f s\n", Seconds(Clock::now() - t0));
  lone.reset();
  conn.reset();
  cluster.Stop();
}

}  // namespace
}  // namespace tower::mesh::nats
