// Tests of the JetStream operations (ops_js.cc) against real nats-server
// processes on 127.0.0.1 (ephemeral ports, temporary dirs).
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "conn.hpp"
#include "node_config.hpp"
#include "op_harness.hpp"
#include "supervisor.hpp"
#include "test_util.hpp"

namespace tower::mesh::nats {
namespace {

using std::chrono::milliseconds;
using testing::CallOp;
using testing::Clock;
using testing::FindOp;
using testing::JetStreamCluster;
using testing::Msg;
using testing::Outcome;
using testing::RawHttpGet;
using testing::Val;
using testing::WaitFor;

constexpr int64_t kMs = 1000000;

Outcome Call(Conn& c, const char* op, const std::vector<Val>& args, size_t stop_after = 0) {
  return CallOp(c, JsOps(), op, args, stop_after);
}

int64_t IntField(const Outcome& o, std::string_view name) {
  const Val* v = o.field(name);
  return v == nullptr ? -1 : v->i;
}
std::string StrField(const Outcome& o, std::string_view name) {
  const Val* v = o.field(name);
  return v == nullptr ? "<absent>" : v->bytes;
}
std::vector<std::string> Names(const Outcome& o) {
  std::vector<std::string> out;
  for (const auto& v : o.array) out.push_back(v.bytes);
  return out;
}

#define EXPECT_OK(o) EXPECT_TRUE((o).error.ok()) << (o).error.message
#define ASSERT_OK(o) ASSERT_TRUE((o).error.ok()) << (o).error.message
#define EXPECT_CODE(o, c)                              \
  do {                                                 \
    Outcome o_ = (o);                                  \
    EXPECT_EQ(o_.error.code, (c)) << o_.error.message; \
  } while (0)

// A js.subscribe subscription collecting its messages.
class Collector {
 public:
  Error Start(Conn& c, const std::vector<Val>& args) {
    return testing::SubscribeOp(c, JsOps(), "js.subscribe", args, col_.handler(), &sub_);
  }
  void Stop() { sub_.reset(); }
  size_t size() {
    std::lock_guard lock(col_.mu);
    return col_.msgs.size();
  }
  std::vector<Msg> msgs() { return col_.Snapshot(); }

 private:
  testing::Collector col_;
  std::unique_ptr<Sub> sub_;
};

// One single-node JetStream server for the suite.
class JsTest : public testing::JetStreamSuite {
 protected:
  static void SetUpTestSuite() { StartServer("js1"); }
  Conn& c() { return *conn_; }
};

TEST_F(JsTest, StreamLifecycle) {
  Outcome o = Call(c(), "stream.create",
                   {Val::Str("ORDERS"), Val::Str("subjects"), Val::Str("orders.*, ord.>"),
                    Val::Str("storage"), Val::Str("memory"), Val::Str("max_msgs"), Val::Int(100),
                    Val::Str("max_age"), Val::Str("1h"), Val::Str("discard"), Val::Str("old"),
                    Val::Str("duplicate_window"), Val::Dur(60000 * kMs), Val::Str("allow_rollup"),
                    Val::Bool(true), Val::Str("description"), Val::Str("test orders")});
  ASSERT_OK(o);
  EXPECT_EQ(StrField(o, "name"), "ORDERS");
  EXPECT_EQ(StrField(o, "subjects"), "orders.*,ord.>");
  EXPECT_EQ(IntField(o, "messages"), 0);
  EXPECT_EQ(IntField(o, "replicas"), 1);
  EXPECT_EQ(StrField(o, "leader"), "");
  ASSERT_NE(o.field("created"), nullptr);
  EXPECT_EQ(o.field("created")->type, TOWER_VALUE_TIMESTAMP);
  EXPECT_GT(o.field("created")->i, 1600000000LL * 1000000000LL);

  // Create again with another configuration: updated.
  o = Call(c(), "stream.create",
           {Val::Str("ORDERS"), Val::Str("subjects"), Val::Str("orders.*"), Val::Str("storage"),
            Val::Str("memory"), Val::Str("max_msgs"), Val::Str("50")});
  ASSERT_OK(o);
  EXPECT_EQ(StrField(o, "subjects"), "orders.*");
  ASSERT_OK(Call(c(), "stream.create", {Val::Str("AUDIT")}));  // subjects default to the name

  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(Call(c(), "js.publish",
                   {Val::Str(i < 2 ? "orders.a" : "orders.b"), Val::Str("x" + std::to_string(i))}));
  }
  ASSERT_OK(Call(c(), "js.publish", {Val::Str("AUDIT"), Val::Str("audit")}));
  o = Call(c(), "stream.info", {Val::Str("ORDERS")});
  ASSERT_OK(o);
  EXPECT_EQ(IntField(o, "messages"), 5);
  EXPECT_EQ(IntField(o, "first_seq"), 1);
  EXPECT_EQ(IntField(o, "last_seq"), 5);
  EXPECT_GT(IntField(o, "bytes"), 0);
  EXPECT_EQ(IntField(o, "consumers"), 0);

  o = Call(c(), "stream.list", {});
  ASSERT_OK(o);
  std::vector<std::string> names = Names(o);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "ORDERS"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "AUDIT"), names.end());

  o = Call(c(), "stream.purge", {Val::Str("ORDERS"), Val::Str("orders.a")});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 2);
  o = Call(c(), "stream.purge", {Val::Str("ORDERS")});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 3);
  EXPECT_EQ(IntField(Call(c(), "stream.info", {Val::Str("ORDERS")}), "messages"), 0);

  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("ORDERS")}));
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("AUDIT")}));
  EXPECT_CODE(Call(c(), "stream.delete", {Val::Str("ORDERS")}), TOWER_E_NOT_FOUND);
  o = Call(c(), "stream.info", {Val::Str("ORDERS")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  EXPECT_NE(o.error.message.find("stream.info ORDERS"), std::string::npos) << o.error.message;
  EXPECT_CODE(Call(c(), "stream.purge", {Val::Str("ORDERS")}), TOWER_E_NOT_FOUND);
}

TEST_F(JsTest, BadNamesAndOptionsAreRejected) {
  for (const char* bad : {"a.b", "a b", "a*", "a>", ""}) {
    Outcome o = Call(c(), "stream.create", {Val::Str(bad)});
    EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << bad;
    EXPECT_NE(o.error.message.find("stream.create"), std::string::npos) << o.error.message;
    EXPECT_CODE(Call(c(), "stream.info", {Val::Str(bad)}), TOWER_E_INVALID_ARGUMENT);
    EXPECT_CODE(Call(c(), "consumer.list", {Val::Str(bad)}), TOWER_E_INVALID_ARGUMENT);
  }
  Outcome o = Call(c(), "stream.create", {Val::Str("S"), Val::Str("colour"), Val::Str("red")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(o.error.message.find("known: subjects"), std::string::npos) << o.error.message;
  EXPECT_CODE(Call(c(), "stream.create", {Val::Str("S"), Val::Str("replicas")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "stream.create", {Val::Str("S"), Val::Str("replicas"), Val::Int(7)}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "stream.create", {Val::Str("S"), Val::Str("storage"), Val::Str("tape")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "stream.create", {Val::Str("S"), Val::Str("max_age"), Val::Str("5")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "stream.create", {Val::Str("S"), Val::Str("subjects"), Val::Str("a b,c")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "stream.create", {Val::Str("S"), Val::Str("subjects"), Val::Str("a..b")}),
              TOWER_E_INVALID_ARGUMENT);
  // Subjects: spaces and wildcards where they are not allowed.
  EXPECT_CODE(Call(c(), "js.publish", {Val::Str("a b"), Val::Str("x")}), TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "js.publish", {Val::Str("a.*"), Val::Str("x")}), TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "js.publish", {Val::Str("a.>"), Val::Str("x")}), TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "js.publish_async", {Val::Str("a.*"), Val::Str("x")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "js.publish", {Val::Str("a"), Val::Str("x"), Val::Str("msgid")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "js.get_last_msg", {Val::Str("S"), Val::Str("a.*")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "consumer.create", {Val::Str("S"), Val::Str("durable"), Val::Str("d.x")}),
              TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(
      Call(c(), "consumer.create", {Val::Str("S"), Val::Str("ack_policy"), Val::Str("maybe")}),
      TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "consumer.fetch", {Val::Str("S"), Val::Str("d"), Val::Int(0)}),
              TOWER_E_INVALID_ARGUMENT);
  for (const char* op : {"js.ack", "js.nak", "js.term", "js.in_progress", "js.ack_sync"}) {
    o = Call(c(), op, {Val::Str("_INBOX.abc")});
    EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << op;
    EXPECT_NE(o.error.message.find("$JS.ACK."), std::string::npos) << o.error.message;
  }
  EXPECT_CODE(Call(c(), "stream.delete", {}), TOWER_E_INVALID_ARGUMENT);
  EXPECT_CODE(Call(c(), "stream.info", {Val::Int(3)}), TOWER_E_INVALID_ARGUMENT);
}

TEST_F(JsTest, MissingThingsAreNotFound) {
  EXPECT_CODE(Call(c(), "stream.info", {Val::Str("NOPE")}), TOWER_E_NOT_FOUND);
  EXPECT_CODE(Call(c(), "consumer.create", {Val::Str("NOPE"), Val::Str("durable"), Val::Str("d")}),
              TOWER_E_NOT_FOUND);
  EXPECT_CODE(Call(c(), "consumer.list", {Val::Str("NOPE")}), TOWER_E_NOT_FOUND);
  EXPECT_CODE(Call(c(), "js.get_msg", {Val::Str("NOPE"), Val::Int(1)}), TOWER_E_NOT_FOUND);
  // Nothing listens on the subject.
  EXPECT_CODE(Call(c(), "js.publish", {Val::Str("nobody.here"), Val::Str("x")}), TOWER_E_NOT_FOUND);

  ASSERT_OK(Call(c(), "stream.create", {Val::Str("MISS")}));
  Outcome o = Call(c(), "consumer.info", {Val::Str("MISS"), Val::Str("ghost")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  EXPECT_NE(o.error.message.find("MISS/ghost"), std::string::npos) << o.error.message;
  EXPECT_CODE(Call(c(), "consumer.delete", {Val::Str("MISS"), Val::Str("ghost")}),
              TOWER_E_NOT_FOUND);
  o = Call(c(), "consumer.fetch", {Val::Str("MISS"), Val::Str("ghost"), Val::Int(1)});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  EXPECT_NE(o.error.message.find("ghost"), std::string::npos) << o.error.message;
  o = Call(c(), "consumer.list", {Val::Str("MISS")});
  ASSERT_OK(o);
  EXPECT_TRUE(o.array.empty());
  EXPECT_CODE(Call(c(), "js.get_msg", {Val::Str("MISS"), Val::Int(1)}), TOWER_E_NOT_FOUND);
  EXPECT_CODE(Call(c(), "js.get_last_msg", {Val::Str("MISS"), Val::Str("MISS")}),
              TOWER_E_NOT_FOUND);
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("MISS")}));
}

TEST_F(JsTest, PublishExpectationsDuplicatesAndReads) {
  ASSERT_OK(Call(c(), "stream.create", {Val::Str("PUB"), Val::Str("subjects"), Val::Str("pub.>")}));
  Outcome o = Call(c(), "js.publish",
                   {Val::Str("pub.a"), Val::Bin(std::string("he\0llo", 6)), Val::Str("headers"),
                    Val::Str("X-One: 1\nX-Two: two"), Val::Str("msg_id"), Val::Str("m1")});
  ASSERT_OK(o);
  EXPECT_EQ(StrField(o, "stream"), "PUB");
  EXPECT_EQ(IntField(o, "sequence"), 1);
  EXPECT_EQ(o.field("duplicate")->i, 0);
  EXPECT_EQ(StrField(o, "domain"), "");

  o = Call(c(), "js.publish",
           {Val::Str("pub.a"), Val::Str("again"), Val::Str("msg_id"), Val::Str("m1")});
  ASSERT_OK(o);
  EXPECT_EQ(o.field("duplicate")->i, 1);
  EXPECT_EQ(IntField(o, "sequence"), 1);

  o = Call(c(), "js.publish",
           {Val::Str("pub.b"), Val::Str("x"), Val::Str("expect_last_seq"), Val::Int(5)});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED);
  EXPECT_NE(o.error.message.find("wrong last sequence"), std::string::npos) << o.error.message;
  EXPECT_NE(o.error.message.find("pub.b"), std::string::npos) << o.error.message;
  o = Call(c(), "js.publish",
           {Val::Str("pub.b"), Val::Str("x"), Val::Str("expect_last_seq"), Val::Int(1),
            Val::Str("expect_stream"), Val::Str("PUB"), Val::Str("timeout"), Val::Str("2s")});
  ASSERT_OK(o);
  EXPECT_EQ(IntField(o, "sequence"), 2);
  EXPECT_CODE(
      Call(c(), "js.publish",
           {Val::Str("pub.b"), Val::Str("x"), Val::Str("expect_stream"), Val::Str("OTHER")}),
      TOWER_E_ABORTED);
  EXPECT_CODE(
      Call(c(), "js.publish",
           {Val::Str("pub.a"), Val::Str("x"), Val::Str("expect_last_subject_seq"), Val::Int(2)}),
      TOWER_E_ABORTED);
  o = Call(
      c(), "js.publish",
      {Val::Str("pub.a"), Val::Str("third"), Val::Str("expect_last_subject_seq"), Val::Int(1)});
  ASSERT_OK(o);
  EXPECT_EQ(IntField(o, "sequence"), 3);
  EXPECT_CODE(
      Call(c(), "js.publish",
           {Val::Str("pub.a"), Val::Str("x"), Val::Str("expect_no_message"), Val::Bool(true)}),
      TOWER_E_ABORTED);
  ASSERT_OK(Call(
      c(), "js.publish",
      {Val::Str("pub.c"), Val::Str("first"), Val::Str("expect_no_message"), Val::Str("true")}));

  o = Call(c(), "js.get_msg", {Val::Str("PUB"), Val::Int(1)});
  ASSERT_OK(o);
  EXPECT_EQ(StrField(o, "subject"), "pub.a");
  EXPECT_EQ(o.field("data")->type, TOWER_VALUE_BINARY);
  EXPECT_EQ(StrField(o, "data"), std::string("he\0llo", 6));
  EXPECT_EQ(IntField(o, "sequence"), 1);
  EXPECT_EQ(o.field("time")->type, TOWER_VALUE_TIMESTAMP);
  EXPECT_GT(o.field("time")->i, 1600000000LL * 1000000000LL);
  std::string headers = StrField(o, "headers");
  EXPECT_NE(headers.find("X-One: 1\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("X-Two: two\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Nats-Msg-Id: m1\n"), std::string::npos) << headers;

  o = Call(c(), "js.get_last_msg", {Val::Str("PUB"), Val::Str("pub.a")});
  ASSERT_OK(o);
  EXPECT_EQ(StrField(o, "data"), "third");
  EXPECT_EQ(IntField(o, "sequence"), 3);
  EXPECT_CODE(Call(c(), "js.get_msg", {Val::Str("PUB"), Val::Int(99)}), TOWER_E_NOT_FOUND);
  EXPECT_CODE(Call(c(), "js.get_last_msg", {Val::Str("PUB"), Val::Str("pub.zzz")}),
              TOWER_E_NOT_FOUND);

  o = Call(c(), "js.account_info", {});
  ASSERT_OK(o);
  EXPECT_GE(IntField(o, "streams"), 1);
  EXPECT_GT(IntField(o, "storage"), 0);
  EXPECT_GE(IntField(o, "memory"), 0);
  EXPECT_GE(IntField(o, "consumers"), 0);
  EXPECT_EQ(StrField(o, "domain"), "");
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("PUB")}));
}

TEST_F(JsTest, PublishAsyncTenThousand) {
  ASSERT_OK(
      Call(c(), "stream.create", {Val::Str("ASYNC"), Val::Str("subjects"), Val::Str("async.>")}));
  auto t0 = Clock::now();
  for (int i = 0; i < 10000; ++i) {
    Outcome o = Call(c(), "js.publish_async",
                     i % 100 == 0 ? std::vector<Val>{Val::Str("async.h"), Val::Str("m"),
                                                     Val::Str("X-N: " + std::to_string(i))}
                                  : std::vector<Val>{Val::Str("async.x"), Val::Str("m")});
    ASSERT_OK(o);
  }
  Outcome o = Call(c(), "js.publish_async_complete", {Val::Dur(20000 * kMs)});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.type, TOWER_VALUE_INT);
  EXPECT_EQ(o.value.i, 10000);
  std::printf("10000 async publishes acknowledged in %.3f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  EXPECT_EQ(IntField(Call(c(), "stream.info", {Val::Str("ASYNC")}), "messages"), 10000);
  // Nothing new: 0.
  o = Call(c(), "js.publish_async_complete", {});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 0);

  // Failures are counted and reported once.
  ASSERT_OK(Call(c(), "js.publish_async",
                 {Val::Str("async.y"), Val::Str("m"), Val::Str("Nats-Expected-Last-Sequence: 1")}));
  o = Call(c(), "js.publish_async_complete", {});
  EXPECT_EQ(o.error.code, TOWER_E_ABORTED);
  EXPECT_NE(o.error.message.find("1 asynchronous publish"), std::string::npos) << o.error.message;
  EXPECT_NE(o.error.message.find("wrong last sequence"), std::string::npos) << o.error.message;
  ASSERT_OK(Call(c(), "js.publish_async_complete", {}));
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("ASYNC")}));
}

TEST_F(JsTest, PullFetchAckNakTerm) {
  ASSERT_OK(
      Call(c(), "stream.create", {Val::Str("WORK"), Val::Str("subjects"), Val::Str("work.*")}));
  Outcome o =
      Call(c(), "consumer.create",
           {Val::Str("WORK"), Val::Str("durable"), Val::Str("w1"), Val::Str("ack_wait"),
            Val::Str("30s"), Val::Str("filter_subject"), Val::Str("work.*"),
            Val::Str("max_deliver"), Val::Int(5), Val::Str("description"), Val::Str("workers")});
  ASSERT_OK(o);
  EXPECT_EQ(StrField(o, "stream"), "WORK");
  EXPECT_EQ(StrField(o, "name"), "w1");
  EXPECT_EQ(IntField(o, "pending"), 0);
  // An existing durable with the same configuration is fine.
  ASSERT_OK(
      Call(c(), "consumer.create",
           {Val::Str("WORK"), Val::Str("durable"), Val::Str("w1"), Val::Str("ack_wait"),
            Val::Dur(30000 * kMs), Val::Str("filter_subject"), Val::Str("work.*"),
            Val::Str("max_deliver"), Val::Int(5), Val::Str("description"), Val::Str("workers")}));
  // Nothing there yet: 0 after the timeout, not an error.
  o = Call(c(), "consumer.fetch",
           {Val::Str("WORK"), Val::Str("w1"), Val::Int(5), Val::Dur(200 * kMs)});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 0);

  for (const char* d : {"one", "two", "three"})
    ASSERT_OK(Call(c(), "js.publish", {Val::Str("work.x"), Val::Str(d)}));
  o = Call(c(), "consumer.info", {Val::Str("WORK"), Val::Str("w1")});
  ASSERT_OK(o);
  EXPECT_EQ(IntField(o, "pending"), 3);

  Outcome f = Call(c(), "consumer.fetch",
                   {Val::Str("WORK"), Val::Str("w1"), Val::Int(10), Val::Dur(500 * kMs)});
  ASSERT_OK(f);
  ASSERT_EQ(f.value.i, 3);
  ASSERT_EQ(f.msgs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Msg& m = f.msgs[i];
    EXPECT_TRUE(m.flags & TOWER_MESH_MSG_JETSTREAM);
    EXPECT_EQ(m.subject, "work.x");
    EXPECT_EQ(m.sequence, i + 1);
    EXPECT_EQ(m.consumer_sequence, i + 1);
    EXPECT_EQ(m.delivered, 1u);
    EXPECT_EQ(m.pending, 2 - i);
    EXPECT_EQ(m.stream, "WORK");
    EXPECT_EQ(m.reply.rfind("$JS.ACK.WORK.w1.", 0), 0u) << m.reply;
    EXPECT_GT(m.timestamp_ns, 0);
  }
  EXPECT_EQ(f.msgs[0].data, "one");
  o = Call(c(), "consumer.info", {Val::Str("WORK"), Val::Str("w1")});
  EXPECT_EQ(IntField(o, "ack_pending"), 3);
  EXPECT_EQ(IntField(o, "delivered"), 3);
  // All three await acknowledgement: nothing more to fetch.
  o = Call(c(), "consumer.fetch",
           {Val::Str("WORK"), Val::Str("w1"), Val::Int(1), Val::Dur(100 * kMs)});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 0);

  ASSERT_OK(Call(c(), "js.ack_sync", {Val::Str(f.msgs[0].reply), Val::Dur(2000 * kMs)}));
  ASSERT_OK(Call(c(), "js.in_progress", {Val::Str(f.msgs[1].reply)}));
  ASSERT_OK(Call(c(), "js.nak", {Val::Str(f.msgs[1].reply)}));
  ASSERT_OK(Call(c(), "js.term", {Val::Str(f.msgs[2].reply)}));

  // "two" comes again, delivered twice; "three" never does.
  Outcome r = Call(c(), "consumer.fetch",
                   {Val::Str("WORK"), Val::Str("w1"), Val::Int(10), Val::Dur(1000 * kMs)});
  ASSERT_OK(r);
  ASSERT_EQ(r.msgs.size(), 1u);
  EXPECT_EQ(r.msgs[0].data, "two");
  EXPECT_EQ(r.msgs[0].delivered, 2u);
  EXPECT_EQ(r.msgs[0].sequence, 2u);
  EXPECT_EQ(r.msgs[0].consumer_sequence, 4u);
  o = Call(c(), "consumer.info", {Val::Str("WORK"), Val::Str("w1")});
  EXPECT_EQ(IntField(o, "redelivered"), 1);
  EXPECT_EQ(IntField(o, "delivered"), 4);

  // Nak with a delay: not back within 200 ms, back later (delivered 3).
  ASSERT_OK(Call(c(), "js.nak", {Val::Str(r.msgs[0].reply), Val::Dur(700 * kMs)}));
  o = Call(c(), "consumer.fetch",
           {Val::Str("WORK"), Val::Str("w1"), Val::Int(10), Val::Dur(200 * kMs)});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 0);
  r = Call(c(), "consumer.fetch",
           {Val::Str("WORK"), Val::Str("w1"), Val::Int(10), Val::Dur(3000 * kMs)});
  ASSERT_OK(r);
  ASSERT_EQ(r.msgs.size(), 1u);
  EXPECT_EQ(r.msgs[0].data, "two");
  EXPECT_EQ(r.msgs[0].delivered, 3u);
  ASSERT_OK(Call(c(), "js.ack", {Val::Str(r.msgs[0].reply)}));
  o = Call(c(), "consumer.fetch",
           {Val::Str("WORK"), Val::Str("w1"), Val::Int(10), Val::Dur(300 * kMs)});
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return IntField(Call(c(), "consumer.info", {Val::Str("WORK"), Val::Str("w1")}),
                        "ack_pending") == 0;
      },
      milliseconds(2000)));

  // The handler may stop early: the count says how many it got.
  for (const char* d : {"four", "five", "six"})
    ASSERT_OK(Call(c(), "js.publish", {Val::Str("work.y"), Val::Str(d)}));
  o = Call(c(), "consumer.fetch",
           {Val::Str("WORK"), Val::Str("w1"), Val::Int(3), Val::Dur(1000 * kMs)},
           /*stop_after=*/2);
  ASSERT_OK(o);
  EXPECT_EQ(o.value.i, 2);
  EXPECT_EQ(o.msgs.size(), 2u);

  ASSERT_OK(Call(c(), "consumer.create",
                 {Val::Str("WORK"), Val::Str("durable"), Val::Str("a0"), Val::Str("deliver"),
                  Val::Str("new")}));
  o = Call(c(), "consumer.create",
           {Val::Str("WORK"), Val::Str("deliver"), Val::Str("by_start_sequence"),
            Val::Str("start_sequence"), Val::Int(2), Val::Str("ack_policy"), Val::Str("none"),
            Val::Str("inactive_threshold"), Val::Str("10s")});
  ASSERT_OK(o);
  std::string ephemeral = StrField(o, "name");
  EXPECT_FALSE(ephemeral.empty());
  EXPECT_EQ(IntField(o, "pending"), 5);  // sequences 2..6
  o = Call(
      c(), "consumer.create",
      {Val::Str("WORK"), Val::Str("deliver_subject"), Val::Str("push.here"), Val::Str("start_time"),
       Val::Str("2020-01-02T03:04:05.5Z"), Val::Str("ack_policy"), Val::Str("all")});
  ASSERT_OK(o);
  EXPECT_EQ(IntField(o, "pending"), 6);
  // Fetch needs a pull consumer.
  o = Call(c(), "consumer.fetch", {Val::Str("WORK"), Val::Str(StrField(o, "name")), Val::Int(1)});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << o.error.message;
  o = Call(c(), "consumer.list", {Val::Str("WORK")});
  ASSERT_OK(o);
  std::vector<std::string> names = Names(o);
  EXPECT_EQ(names.size(), 4u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "a0"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "w1"), names.end());
  EXPECT_EQ(IntField(Call(c(), "stream.info", {Val::Str("WORK")}), "consumers"), 4);

  // A deleted consumer: the cached pull subscription goes with it.
  ASSERT_OK(Call(c(), "consumer.delete", {Val::Str("WORK"), Val::Str("w1")}));
  EXPECT_CODE(Call(c(), "consumer.fetch", {Val::Str("WORK"), Val::Str("w1"), Val::Int(1)}),
              TOWER_E_NOT_FOUND);
  EXPECT_CODE(Call(c(), "consumer.info", {Val::Str("WORK"), Val::Str("w1")}), TOWER_E_NOT_FOUND);
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("WORK")}));
}

TEST_F(JsTest, PushQueueGroupSharesMessages) {
  ASSERT_OK(
      Call(c(), "stream.create", {Val::Str("PUSH"), Val::Str("subjects"), Val::Str("push.>")}));
  Collector a, b;
  Error e = a.Start(c(), {Val::Str("push.>"), Val::Str("queue"), Val::Str("workers")});
  ASSERT_TRUE(e.ok()) << e.message;
  e = b.Start(c(), {Val::Str("push.>"), Val::Str("queue"), Val::Str("workers")});
  ASSERT_TRUE(e.ok()) << e.message;
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(Call(c(), "js.publish", {Val::Str("push.m"), Val::Str(std::to_string(i))}));
  }
  EXPECT_TRUE(WaitFor([&] { return a.size() + b.size() >= 200; }, milliseconds(10000)));
  EXPECT_GT(a.size(), 0u);
  EXPECT_GT(b.size(), 0u);
  std::set<uint64_t> seqs;
  for (auto* col : {&a, &b}) {
    for (const Msg& m : col->msgs()) {
      EXPECT_TRUE(m.flags & TOWER_MESH_MSG_JETSTREAM);
      EXPECT_EQ(m.stream, "PUSH");
      seqs.insert(m.sequence);
    }
  }
  EXPECT_EQ(seqs.size(), 200u);  // each once
  EXPECT_EQ(a.size() + b.size(), 200u);
  a.Stop();
  b.Stop();
  // Auto-acknowledged.
  EXPECT_TRUE(WaitFor(
      [&] {
        Outcome o = Call(c(), "consumer.info", {Val::Str("PUSH"), Val::Str("workers")});
        return o.error.ok() && IntField(o, "ack_pending") == 0 && IntField(o, "pending") == 0;
      },
      milliseconds(5000)));

  // Errors before anything is sent.
  Collector bad;
  EXPECT_EQ(bad.Start(c(), {Val::Str("push .x")}).code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(bad.Start(c(), {Val::Str("push.x"), Val::Str("durable"), Val::Str("a.b")}).code,
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(bad.Start(c(), {Val::Str("push.x"), Val::Str("group"), Val::Str("g")}).code,
            TOWER_E_INVALID_ARGUMENT);
  e = bad.Start(c(), {Val::Str("nostream.x")});
  EXPECT_EQ(e.code, TOWER_E_NOT_FOUND) << e.message;
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("PUSH")}));
}

TEST_F(JsTest, DurablePushConsumerResumes) {
  ASSERT_OK(Call(c(), "stream.create", {Val::Str("DUR"), Val::Str("subjects"), Val::Str("dur.*")}));
  for (int i = 1; i <= 3; ++i)
    ASSERT_OK(Call(c(), "js.publish", {Val::Str("dur.a"), Val::Str("m" + std::to_string(i))}));
  {
    Collector s;
    Error e = s.Start(c(), {Val::Str("dur.*"), Val::Str("durable"), Val::Str("keeper"),
                            Val::Str("stream"), Val::Str("DUR")});
    ASSERT_TRUE(e.ok()) << e.message;
    ASSERT_TRUE(WaitFor([&] { return s.size() >= 3; }, milliseconds(5000)));
    ASSERT_TRUE(WaitFor(
        [&] {
          return IntField(Call(c(), "consumer.info", {Val::Str("DUR"), Val::Str("keeper")}),
                          "ack_pending") == 0;
        },
        milliseconds(5000)));
    s.Stop();
  }
  // The durable outlives its subscription.
  Outcome o = Call(c(), "consumer.info", {Val::Str("DUR"), Val::Str("keeper")});
  ASSERT_OK(o);
  EXPECT_EQ(IntField(o, "delivered"), 3);
  for (int i = 4; i <= 5; ++i)
    ASSERT_OK(Call(c(), "js.publish", {Val::Str("dur.a"), Val::Str("m" + std::to_string(i))}));
  Collector s2;
  Error e = s2.Start(c(), {Val::Str("dur.*"), Val::Str("durable"), Val::Str("keeper"),
                           Val::Str("manual_ack"), Val::Bool(true)});
  ASSERT_TRUE(e.ok()) << e.message;
  ASSERT_TRUE(WaitFor([&] { return s2.size() >= 2; }, milliseconds(5000)));
  std::vector<Msg> got = s2.msgs();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, "m4");
  EXPECT_EQ(got[0].sequence, 4u);
  EXPECT_EQ(got[1].data, "m5");
  // manual_ack: unacknowledged until js.ack.
  EXPECT_EQ(
      IntField(Call(c(), "consumer.info", {Val::Str("DUR"), Val::Str("keeper")}), "ack_pending"),
      2);
  for (const Msg& m : got) ASSERT_OK(Call(c(), "js.ack", {Val::Str(m.reply)}));
  EXPECT_TRUE(WaitFor(
      [&] {
        return IntField(Call(c(), "consumer.info", {Val::Str("DUR"), Val::Str("keeper")}),
                        "ack_pending") == 0;
      },
      milliseconds(5000)));
  s2.Stop();
  // An ephemeral push consumer is removed with its subscription.
  {
    Collector eph;
    ASSERT_TRUE(eph.Start(c(), {Val::Str("dur.a"), Val::Str("deliver"), Val::Str("last")}).ok());
    ASSERT_TRUE(WaitFor([&] { return eph.size() >= 1; }, milliseconds(5000)));
    EXPECT_EQ(eph.msgs()[0].data, "m5");
    EXPECT_EQ(Names(Call(c(), "consumer.list", {Val::Str("DUR")})).size(), 2u);
  }
  EXPECT_TRUE(
      WaitFor([&] { return Names(Call(c(), "consumer.list", {Val::Str("DUR")})).size() == 1u; },
              milliseconds(5000)));
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("DUR")}));
}

TEST_F(JsTest, NoHandlerCallAfterTheSubscriptionStops) {
  ASSERT_OK(
      Call(c(), "stream.create", {Val::Str("SLOW"), Val::Str("storage"), Val::Str("memory")}));
  for (int i = 0; i < 300; ++i)
    ASSERT_OK(Call(c(), "js.publish_async", {Val::Str("SLOW"), Val::Str("x")}));
  ASSERT_OK(Call(c(), "js.publish_async_complete", {}));
  struct State {
    std::atomic<int> calls{0};
    std::atomic<bool> inside{false};
    std::atomic<bool> stopped{false};
    std::atomic<int> after_stop{0};
  } st;
  tower_mesh_handler h{&st, [](void* ctx, const tower_mesh_msg*) -> int32_t {
                         auto* s = static_cast<State*>(ctx);
                         s->inside = true;
                         if (s->stopped) ++s->after_stop;
                         std::this_thread::sleep_for(milliseconds(2));
                         ++s->calls;
                         s->inside = false;
                         return 0;
                       }};
  const OpDef* d = FindOp(JsOps(), "js.subscribe");
  ASSERT_NE(d, nullptr);
  ASSERT_NE(d->subscribe, nullptr);
  Val subject = Val::Str("SLOW");
  tower_value arg = subject.Abi();
  std::unique_ptr<Sub> sub;
  Error e = d->subscribe(c(), MeshArgs(d->name, &arg, 1), &h, &sub);
  ASSERT_TRUE(e.ok()) << e.message;
  ASSERT_TRUE(WaitFor([&] { return st.calls >= 20; }, milliseconds(5000)));
  sub.reset();  // returns only once no handler call runs
  st.stopped = true;
  EXPECT_FALSE(st.inside);
  int calls = st.calls;
  EXPECT_LT(calls, 300);
  // Nothing to poll for: give a stray delivery a chance to show up.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(st.after_stop, 0);
  EXPECT_EQ(st.calls, calls);
  ASSERT_OK(Call(c(), "stream.delete", {Val::Str("SLOW")}));
}

// ---------------------------------------------------------------------------
// A 3-node cluster: a 3-replica stream survives the loss of its leader.

// The message count of `stream` in the server's own store (its /jsz), -1
// when it has none.
int64_t LocalStreamMessages(int http_port, const std::string& stream) {
  std::string jsz = RawHttpGet(http_port, "/jsz?streams=true");
  size_t at = jsz.find("\"name\": \"" + stream + "\"");
  if (at == std::string::npos) return -1;
  at = jsz.find("\"messages\": ", at);
  if (at == std::string::npos) return -1;
  return std::strtoll(jsz.c_str() + at + 12, nullptr, 10);
}

TEST(JsClusterTest, ReplicatedStreamSurvivesLeaderKill) {
  JetStreamCluster cluster;
  Error e = cluster.Start("n", "c3");
  ASSERT_TRUE(e.ok()) << e.message;
  auto& nodes = cluster.nodes;
  std::unique_ptr<Conn> conn = testing::Connect(cluster.ClientUrls(), {{"timeout", "2s"}});
  ASSERT_NE(conn, nullptr);

  Outcome o;
  ASSERT_TRUE(WaitFor(
      [&] {
        o = Call(*conn, "stream.create",
                 {Val::Str("HA"), Val::Str("subjects"), Val::Str("ha.>"), Val::Str("replicas"),
                  Val::Int(3)});
        return o.error.ok();
      },
      milliseconds(10000)))
      << o.error.message;
  EXPECT_EQ(IntField(o, "replicas"), 3);

  // The publisher: js.publish with a msg_id (so a retried publish that was
  // in fact stored is not stored twice), retrying transient failures.
  constexpr int kTotal = 300;
  std::map<int64_t, std::string> acked;  // sequence -> data
  std::atomic<int> published{0};
  std::atomic<int> retries{0};
  std::string publish_error;
  std::thread publisher([&] {
    for (int i = 0; i < kTotal; ++i) {
      std::string data = "payload-" + std::to_string(i);
      auto deadline = Clock::now() + milliseconds(20000);
      while (true) {
        Outcome p =
            Call(*conn, "js.publish",
                 {Val::Str("ha." + std::to_string(i % 7)), Val::Str(data), Val::Str("msg_id"),
                  Val::Str("id-" + std::to_string(i)), Val::Str("timeout"), Val::Str("1s")});
        if (p.error.ok()) {
          acked[IntField(p, "sequence")] = data;
          break;
        }
        if (p.error.code == TOWER_E_INVALID_ARGUMENT || p.error.code == TOWER_E_ABORTED ||
            Clock::now() > deadline) {
          publish_error = std::to_string(i) + ": " + p.error.message;
          return;
        }
        ++retries;
        std::this_thread::sleep_for(milliseconds(50));
      }
      ++published;
    }
  });
  ASSERT_TRUE(
      WaitFor([&] { return published >= 50 || !publish_error.empty(); }, milliseconds(20000)));
  o = Call(*conn, "stream.info", {Val::Str("HA")});
  ASSERT_OK(o);
  std::string leader = StrField(o, "leader");
  int victim = cluster.IndexOf(leader);
  ASSERT_GE(victim, 0) << "leader '" << leader << "'";
  auto t0 = Clock::now();
  nodes[victim]->Kill();
  publisher.join();
  std::printf("killed stream leader %s; %d publishes, %d retries, %.3f s after the kill\n",
              leader.c_str(), published.load(), retries.load(),
              std::chrono::duration<double>(Clock::now() - t0).count());
  ASSERT_TRUE(publish_error.empty()) << publish_error;
  ASSERT_EQ(acked.size(), static_cast<size_t>(kTotal));

  o = Call(*conn, "stream.info", {Val::Str("HA")});
  ASSERT_OK(o);
  EXPECT_NE(StrField(o, "leader"), leader);
  EXPECT_EQ(IntField(o, "messages"), kTotal);
  for (const auto& [seq, data] : acked) {
    Outcome g = Call(*conn, "js.get_msg", {Val::Str("HA"), Val::Int(seq)});
    ASSERT_OK(g);
    EXPECT_EQ(StrField(g, "data"), data) << seq;
  }

  // The killed node comes back and catches up.
  t0 = Clock::now();
  e = nodes[victim]->Start();
  ASSERT_TRUE(e.ok()) << e.message;
  std::unique_ptr<Conn> solo = testing::Connect(nodes[victim]->client_url());
  ASSERT_NE(solo, nullptr);
  int64_t seen = -1, local = -1;
  EXPECT_TRUE(WaitFor(
      [&] {
        Outcome i = Call(*solo, "stream.info", {Val::Str("HA")});
        seen = i.error.ok() ? IntField(i, "messages") : -1;
        local = LocalStreamMessages(nodes[victim]->http_port(), "HA");
        return seen == kTotal && local == kTotal;
      },
      milliseconds(20000)))
      << "stream.info messages " << seen << ", the node's own store " << local;
  std::printf("restarted node caught up in %.3f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  solo.reset();
  conn.reset();
  cluster.Stop();
}

}  // namespace
}  // namespace tower::mesh::nats
