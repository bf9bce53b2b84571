// Core messaging operations of the nats plugin against a real nats-server.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "node_options.hpp"
#include "op_harness.hpp"
#include "supervisor.hpp"
#include "test_util.hpp"

namespace tower::mesh::nats {
namespace {

using testing::CallOp;
using testing::Val;

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeConfig cfg;
    cfg.server_name = "core1";
    sv_ = std::make_unique<Supervisor>(cfg);
    ASSERT_TRUE(sv_->Start().ok()) << sv_->LogTail(20);
    conn_ = testing::Connect(sv_->client_url());
    ASSERT_NE(conn_, nullptr);
  }
  std::unique_ptr<Sub> Subscribe(const char* op, std::vector<Val> args, tower_mesh_handler h,
                                 Error* err = nullptr) {
    std::unique_ptr<Sub> sub;
    Error e = testing::SubscribeOp(*conn_, CoreOps(), op, args, h, &sub);
    if (err != nullptr) *err = e;
    return sub;
  }
  testing::Outcome Call(const char* op, std::vector<Val> args) {
    return CallOp(*conn_, CoreOps(), op, args);
  }
  std::unique_ptr<Supervisor> sv_;
  std::unique_ptr<Conn> conn_;
};

// Collects messages delivered on NATS.c's threads.
struct Inbox : testing::Collector {
  bool WaitFor(size_t n, int ms = 5000) { return WaitCount(n, std::chrono::milliseconds(ms)); }
  size_t size() {
    std::lock_guard lock(mu);
    return msgs.size();
  }
};

TEST_F(CoreTest, PublishReachesEverySubscriberWithHeaders) {
  Inbox a, b;
  auto sa = Subscribe("subscribe", {Val::Str("orders.*")}, a.handler());
  auto sb = Subscribe("subscribe", {Val::Str("orders.>")}, b.handler());
  ASSERT_TRUE(sa && sb);
  auto r =
      Call("publish", {Val::Str("orders.eu"), Val::Bin("hello"), Val::Str("X-Id: 7\nX-Id: 8")});
  ASSERT_TRUE(r.error.ok()) << r.error.message;
  ASSERT_TRUE(a.WaitFor(1));
  ASSERT_TRUE(b.WaitFor(1));
  EXPECT_EQ(a.msgs[0].subject, "orders.eu");
  EXPECT_EQ(a.msgs[0].data, "hello");
  ASSERT_EQ(a.msgs[0].headers.size(), 2u);
  EXPECT_EQ(a.msgs[0].headers[0], (std::pair<std::string, std::string>("X-Id", "7")));
  EXPECT_EQ(a.msgs[0].headers[1].second, "8");
}

TEST_F(CoreTest, QueueGroupDeliversEachMessageOnce) {
  Inbox a, b;
  auto sa = Subscribe("queue_subscribe", {Val::Str("jobs"), Val::Str("workers")}, a.handler());
  auto sb = Subscribe("queue_subscribe", {Val::Str("jobs"), Val::Str("workers")}, b.handler());
  std::vector<Val> batch{Val::Str("jobs")};
  for (int i = 0; i < 200; ++i) batch.push_back(Val::Str("job" + std::to_string(i)));
  auto r = Call("publish_batch", batch);
  ASSERT_TRUE(r.error.ok()) << r.error.message;
  EXPECT_EQ(r.value.i, 200);
  for (int i = 0; i < 500 && a.size() + b.size() < 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(a.size() + b.size(), 200u);
  EXPECT_GT(a.size(), 0u);
  EXPECT_GT(b.size(), 0u);
}

TEST_F(CoreTest, RequestReplyThroughAHandlerThatResponds) {
  // The responder answers from its handler with the respond operation.
  struct Responder {
    Conn* conn;
  } resp{conn_.get()};
  tower_mesh_handler h{&resp, [](void* c, const tower_mesh_msg* m) -> int32_t {
                         auto* r = static_cast<Responder*>(c);
                         std::string reply(m->reply.data, m->reply.size);
                         std::string data = "re:" + std::string(m->data.data, m->data.size);
                         CallOp(*r->conn, CoreOps(), "respond",
                                {Val::Str(reply), Val::Bin(data), Val::Str("X-From: echo")});
                         return 0;
                       }};
  auto sub = Subscribe("subscribe", {Val::Str("echo")}, h);
  auto r = Call("request", {Val::Str("echo"), Val::Bin("ping"), Val::Dur(2'000'000'000)});
  ASSERT_TRUE(r.error.ok()) << r.error.message;
  EXPECT_EQ(r.value.type, TOWER_VALUE_BINARY);
  EXPECT_EQ(r.value.bytes, "re:ping");
  ASSERT_EQ(r.msgs.size(), 1u);
  ASSERT_EQ(r.msgs[0].headers.size(), 1u);
  EXPECT_EQ(r.msgs[0].headers[0].second, "echo");
}

TEST_F(CoreTest, RequestErrors) {
  auto none = Call("request", {Val::Str("nobody.home"), Val::Bin("x")});
  EXPECT_EQ(none.error.code, TOWER_E_NOT_FOUND) << none.error.message;
  EXPECT_NE(none.error.message.find("nobody.home"), std::string::npos);
  // A subscriber that never answers: a timeout, promptly.
  Inbox silent;
  auto sub = Subscribe("subscribe", {Val::Str("silent")}, silent.handler());
  auto t0 = std::chrono::steady_clock::now();
  auto slow = Call("request", {Val::Str("silent"), Val::Bin("x"), Val::Dur(200'000'000)});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(slow.error.code, TOWER_E_TIMEOUT) << slow.error.message;
  EXPECT_LT(took, std::chrono::seconds(2));
  auto no_reply = Call("respond", {Val::Str(""), Val::Bin("x")});
  EXPECT_EQ(no_reply.error.code, TOWER_E_INVALID_ARGUMENT);
}

TEST_F(CoreTest, BadSubjectsAreRejectedBeforeSending) {
  for (const char* s : {"", "a..b", "a b", "a.*", "a.>", ".a", "a.", "a.b*"}) {
    auto r = Call("publish", {Val::Str(s), Val::Bin("x")});
    EXPECT_EQ(r.error.code, TOWER_E_INVALID_ARGUMENT) << "'" << s << "'";
  }
  Inbox in;
  Error e;
  auto sub = Subscribe("subscribe", {Val::Str("a.>.b")}, in.handler(), &e);
  EXPECT_EQ(e.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(Call("publish", {Val::Str("x")}).error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(Call("publish", {Val::Int(1), Val::Bin("x")}).error.code, TOWER_E_INVALID_ARGUMENT);
  auto bad_header = Call("publish", {Val::Str("a"), Val::Bin("x"), Val::Str("no colon")});
  EXPECT_EQ(bad_header.error.code, TOWER_E_INVALID_ARGUMENT);
  std::string big(2 << 20, 'x');
  auto too_big = Call("publish", {Val::Str("a"), Val::Bin(big)});
  EXPECT_EQ(too_big.error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(too_big.error.message.find("max_payload"), std::string::npos);
}

TEST_F(CoreTest, UnsubscribeStopsDeliveryAtOnce) {
  Inbox in;
  auto sub = Subscribe("subscribe", {Val::Str("t")}, in.handler());
  ASSERT_TRUE(Call("publish_batch", {Val::Str("t"), Val::Bin("1")}).error.ok());
  ASSERT_TRUE(in.WaitFor(1));
  sub.reset();
  ASSERT_TRUE(Call("publish_batch", {Val::Str("t"), Val::Bin("2")}).error.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(in.size(), 1u);
  auto info = Call("server_info", {});
  ASSERT_TRUE(info.error.ok());
  ASSERT_NE(info.field("url"), nullptr);
  EXPECT_EQ(info.field("url")->bytes, sv_->client_url());
}

TEST(ConnTest, UnreachableServerAndBadOptionsFailClearly) {
  int port = 0;
  {
    Error e;
    port = PickFreePort(&e);  // nothing listens there
  }
  std::unique_ptr<Conn> c;
  auto t0 = std::chrono::steady_clock::now();
  Error e = Conn::Open(
      {{"servers", "nats://127.0.0.1:" + std::to_string(port)}, {"timeout", "300ms"}}, &c);
  EXPECT_EQ(e.code, TOWER_E_IO_ERROR) << e.message;
  EXPECT_NE(e.message.find(std::to_string(port)), std::string::npos) << e.message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(Conn::Open({{"servers", "http://x:1"}}, &c).code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(Conn::Open({{"colour", "blue"}}, &c).code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(Conn::Open({{"timeout", "soon"}}, &c).code, TOWER_E_INVALID_ARGUMENT);
}

TEST(NodeOptionsTest, ParsesTheGoVocabularyAndRejectsTheUnknown) {
  NodeConfig c;
  SupervisorOptions so;
  Error e = ParseNodeOptions({{"kind", "gateway"},
                              {"server_name", "a1"},
                              {"listen", "127.0.0.1:0"},
                              {"store_dir", "/tmp/x"},
                              {"cluster_name", "A"},
                              {"gateway_remotes", "B=nats://127.0.0.1:1|nats://127.0.0.1:2"},
                              {"jetstream_max_memory", "64M"},
                              {"max_payload", "2M"},
                              {"stop_timeout", "2s"}},
                             &c, &so);
  ASSERT_TRUE(e.ok()) << e.message;
  EXPECT_EQ(c.kind, NodeConfig::Kind::kGateway);
  EXPECT_TRUE(c.jetstream);
  EXPECT_EQ(c.js_max_memory, 64 << 20);
  EXPECT_EQ(c.max_payload, 2 << 20);
  ASSERT_EQ(c.gateway_remotes.size(), 1u);
  EXPECT_EQ(c.gateway_remotes[0].urls.size(), 2u);
  EXPECT_EQ(so.stop_timeout, std::chrono::seconds(2));
  NodeConfig d;
  e = ParseNodeOptions({{"listen_port", "1"}}, &d, &so);
  EXPECT_EQ(e.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("listen_port"), std::string::npos);
  EXPECT_NE(e.message.find("known:"), std::string::npos);
  EXPECT_EQ(ParseNodeOptions({{"listen", "127.0.0.1:70000"}}, &d, &so).code,
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(ParseNodeOptions({{"kind", "star"}}, &d, &so).code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(ParseNodeOptions({{"max_payload", "lots"}}, &d, &so).code, TOWER_E_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace tower::mesh::nats
