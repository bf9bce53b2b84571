// The mesh end to end through the kernel's tower::mesh API and the "nats"
// plugin: nodes of each kind (real nats-server processes on 127.0.0.1,
// ephemeral ports), messaging, and JetStream, KV, object store and locks
// reached through the plugin's named operations.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tower/mesh.hpp"
#include "tower/options.hpp"

namespace tower::mesh {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string TempDir(const char* tag) {
  std::string tmpl = (fs::temp_directory_path() / (std::string("tower-mesh-") + tag + "-XXXXXX"));
  if (mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

class MeshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Mesh::Load(plugins_);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    mesh_ = *m;
    dir_ = TempDir("test");
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::unique_ptr<Node> Start(const ClusterOptions& o) {
    auto n = mesh_->start_cluster(o);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? std::move(*n) : nullptr;
  }
  std::unique_ptr<Client> Connect(const Node& n, ClientOptions o = {}) {
    auto c = mesh_->connect(o.with_servers({n.client_url()}));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  PluginManager plugins_;
  std::shared_ptr<Mesh> mesh_;
  std::string dir_;
};

// Waits for messages delivered on the plugin's threads.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Message> msgs;
  Handler handler() {
    return [this](const Message& m) {
      std::lock_guard lock(mu);
      msgs.push_back(m);
      cv.notify_all();
    };
  }
  bool WaitFor(size_t n, std::chrono::milliseconds d = 5s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, d, [&] { return msgs.size() >= n; });
  }
};

TEST_F(MeshTest, PluginListsItsOperations) {
  auto ops = mesh_->operations();
  auto has = [&](const char* name) {
    for (const auto& o : ops)
      if (o.name == name) return true;
    return false;
  };
  for (const char* op :
       {"publish", "request", "subscribe", "stream.create", "js.publish", "consumer.fetch",
        "kv.put", "kv.watch", "obj.put", "obj.get", "lock.try", "lock.acquire"}) {
    EXPECT_TRUE(has(op)) << op;
  }
  EXPECT_EQ(mesh_->plugin()->kind(), PluginKind::kMesh);
}

TEST_F(MeshTest, SingleNodeMessagingAndJetStream) {
  auto node = Start(ClusterOptions()
                        .with_server_name("solo")
                        .with_listen("127.0.0.1", 0)
                        .with_store_dir(dir_ + "/js"));
  ASSERT_TRUE(node);
  auto info = node->info();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->flag("running"));
  EXPECT_TRUE(info->flag("jetstream"));
  auto client = Connect(*node);
  ASSERT_TRUE(client);

  // Request-reply with a handler that responds.
  auto responder = client->subscribe("svc.echo", [&](const Message& m) {
    EXPECT_TRUE(client->respond(m, "echo:" + m.data).ok());
  });
  ASSERT_TRUE(responder.ok()) << responder.status().ToString();
  auto reply = client->request("svc.echo", "hi", 2s);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->data, "echo:hi");
  EXPECT_EQ(client->request("svc.none", "hi", 1s).status().code(), tower::Code::kNotFound);

  // Fan-out and queue groups.
  Inbox all1, all2, q1, q2;
  auto s1 = client->subscribe("ev.>", all1.handler());
  auto s2 = client->subscribe("ev.*", all2.handler());
  auto s3 = client->queue_subscribe("ev.x", "g", q1.handler());
  auto s4 = client->queue_subscribe("ev.x", "g", q2.handler());
  ASSERT_TRUE(s1.ok() && s2.ok() && s3.ok() && s4.ok());
  std::vector<std::string> batch(20, "payload");
  ASSERT_TRUE(client->publish_batch("ev.x", batch).ok());
  ASSERT_TRUE(all1.WaitFor(20));
  ASSERT_TRUE(all2.WaitFor(20));
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard a(q1.mu), b(q2.mu);
      if (q1.msgs.size() + q2.msgs.size() == 20) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(q1.msgs.size() + q2.msgs.size(), 20u);

  // A stream, a durable pull consumer, fetch and ack.
  auto st = client->stream_create("ORDERS", {{"subjects", "orders.>"}});
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  for (int i = 0; i < 5; ++i) {
    auto ack = client->js_publish("orders.new", "o" + std::to_string(i));
    ASSERT_TRUE(ack.ok()) << ack.status().ToString();
    EXPECT_EQ(ack->stream, "ORDERS");
    EXPECT_EQ(ack->sequence, static_cast<uint64_t>(i + 1));
  }
  ASSERT_TRUE(client->consumer_create("ORDERS", {{"durable", "worker"}}).ok());
  auto got = client->fetch("ORDERS", "worker", 10, 1s);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 5u);
  for (const auto& m : *got) {
    EXPECT_TRUE(m.is_jetstream());
    EXPECT_TRUE(client->ack(m).ok());
  }
  EXPECT_EQ((*got)[4].data, "o4");

  // KV and the object store through the same client.
  ASSERT_TRUE(client->kv_create("cfg", {{"history", "3"}}).ok());
  auto rev = client->kv_put("cfg", "color", "blue");
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  auto e = client->kv_get("cfg", "color");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->value, "blue");
  EXPECT_EQ(e->revision, *rev);
  EXPECT_EQ(client->kv_update("cfg", "color", "red", *rev + 10).status().code(),
            tower::Code::kAborted);
  ASSERT_TRUE(client->obj_create("files").ok());
  std::string blob(300 * 1024, 'z');
  ASSERT_TRUE(client->obj_put("files", "a/b.txt", blob).ok());
  auto back = client->obj_get("files", "a/b.txt");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, blob);

  // An unknown operation and bad names: clear errors.
  EXPECT_EQ(client->call("teleport", {}).status().code(), tower::Code::kNotSupported);
  EXPECT_EQ(client->publish("bad subject", "x").code(), tower::Code::kInvalidArgument);
  EXPECT_EQ(client->kv_put("bad.bucket", "k", "v").status().code(), tower::Code::kInvalidArgument);
}

TEST_F(MeshTest, TwoClustersJoinedByGatewaysPassMessagesAndRequests) {
  auto a = Start(ClusterOptions()
                     .with_server_name("a1")
                     .with_listen("127.0.0.1", 0)
                     .with_cluster_name("A")
                     .with_gateway("A", "127.0.0.1", 0, "", "", {}));
  ASSERT_TRUE(a);
  auto a_gw = a->info()->text("gateway_url");
  auto b = Start(ClusterOptions()
                     .with_server_name("b1")
                     .with_listen("127.0.0.1", 0)
                     .with_cluster_name("B")
                     .with_gateway("B", "127.0.0.1", 0, "", "", {{"A", {a_gw}}}));
  ASSERT_TRUE(b);
  auto ca = Connect(*a), cb = Connect(*b);
  ASSERT_TRUE(ca && cb);
  auto svc = ca->subscribe("svc.time", [&](const Message& m) { (void)ca->respond(m, "from A"); });
  ASSERT_TRUE(svc.ok());
  Inbox inbox;
  auto sub = ca->subscribe("news", inbox.handler());
  ASSERT_TRUE(sub.ok());
  // Interest crosses the gateway within a second or so: retry until then.
  Result<Message> reply = Status::Timeout("not yet");
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < deadline;) {
    reply = cb->request("svc.time", "?", 500ms);
    if (reply.ok()) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->data, "from A");
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline && !inbox.WaitFor(1, 100ms);) {
    ASSERT_TRUE(cb->publish("news", "hello A").ok());
  }
  ASSERT_TRUE(inbox.WaitFor(1, 1s));
  EXPECT_EQ(inbox.msgs[0].data, "hello A");
}

TEST_F(MeshTest, LeafClientsReachTheHubJetStreamThroughTheDomain) {
  auto hub = Start(ClusterOptions()
                       .with_server_name("hub1")
                       .with_listen("127.0.0.1", 0)
                       .with_store_dir(dir_ + "/hub")
                       .with_leaf_node("127.0.0.1", 0, "", ""));
  ASSERT_TRUE(hub);
  auto hub_info = hub->info();
  ASSERT_TRUE(hub_info.ok());
  EXPECT_EQ(hub_info->text("domain"), "hub");
  auto leaf = mesh_->start_leaf(LeafOptions()
                                    .with_server_name("edge1")
                                    .with_listen("127.0.0.1", 0)
                                    .with_leaf_remotes({hub_info->text("leaf_url")}));
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
  auto on_leaf = Connect(**leaf, ClientOptions().with_domain("hub"));
  ASSERT_TRUE(on_leaf);
  // The leaf's link to the hub comes up shortly after both are ready.
  Result<bool> created = Status::Timeout("not yet");
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < deadline;) {
    created = on_leaf->kv_create("edge_state");
    if (created.ok()) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto put = on_leaf->kv_put("edge_state", "k", "v");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  // The bucket lives on the hub: a hub client sees it.
  auto on_hub = Connect(*hub);
  auto e = on_hub->kv_get("edge_state", "k");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->value, "v");
  // The object store and a stream, from the leaf, land on the hub too.
  ASSERT_TRUE(on_leaf->obj_create("edge_files").ok());
  std::string blob(200 * 1024, 'q');
  auto put_obj = on_leaf->obj_put("edge_files", "f", blob);
  ASSERT_TRUE(put_obj.ok()) << put_obj.status().ToString();
  auto got_obj = on_hub->obj_get("edge_files", "f");
  ASSERT_TRUE(got_obj.ok()) << got_obj.status().ToString();
  EXPECT_EQ(*got_obj, blob);
  auto back = on_leaf->obj_get("edge_files", "f");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->size(), blob.size());
}

TEST_F(MeshTest, NodeErrorsAreClearAndFast) {
  // A port in use.
  auto first = Start(ClusterOptions().with_server_name("p1").with_listen("127.0.0.1", 0));
  ASSERT_TRUE(first);
  std::string url = first->client_url();
  int port = std::stoi(url.substr(url.rfind(':') + 1));
  auto t0 = std::chrono::steady_clock::now();
  auto clash =
      mesh_->start_cluster(ClusterOptions().with_server_name("p2").with_listen("127.0.0.1", port));
  EXPECT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find(std::to_string(port)), std::string::npos)
      << clash.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  // A missing binary.
  auto missing = mesh_->start_cluster(ClusterOptions()
                                          .with_server_name("p3")
                                          .with_listen("127.0.0.1", 0)
                                          .with_binary("/nonexistent/nats-server"));
  EXPECT_EQ(missing.status().code(), tower::Code::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("/nonexistent/nats-server"), std::string::npos);
  // An unknown option, a bad value.
  auto unknown = mesh_->start_node({{"colour", "blue"}});
  EXPECT_EQ(unknown.status().code(), tower::Code::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("colour"), std::string::npos);
  // Unreachable servers: a prompt error naming them.
  ASSERT_TRUE(first->stop().ok());
  auto c = mesh_->connect(ClientOptions().with_servers({url}).with_timeout(300ms));
  EXPECT_EQ(c.status().code(), tower::Code::kIOError) << c.status().ToString();
  EXPECT_NE(c.status().message().find(url), std::string::npos);
}

TEST_F(MeshTest, ANodeKilledAndRestartedServesAgain) {
  auto node = Start(ClusterOptions()
                        .with_server_name("k1")
                        .with_listen("127.0.0.1", 0)
                        .with_store_dir(dir_ + "/k1"));
  ASSERT_TRUE(node);
  {
    auto c = Connect(*node);
    ASSERT_TRUE(c->kv_create("keep").ok());
    ASSERT_TRUE(c->kv_put("keep", "a", "1").ok());
  }
  ASSERT_TRUE(node->kill().ok());
  EXPECT_FALSE(node->info()->flag("running"));
  ASSERT_TRUE(node->restart().ok());
  auto c = Connect(*node);
  auto e = c->kv_get("keep", "a");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->value, "1");
}

TEST_F(MeshTest, TheTomlMeshSectionStartsANodeAndConnects) {
  auto o = tower::Options::FromTomlString(R"(
[mesh]
plugin = "nats"
[mesh.node]
kind = "cluster"
server_name = "fromtoml"
listen = "127.0.0.1:0"
store_dir = ")" + dir_ + R"(/toml"
max_payload = 2097152
[mesh.client]
timeout = "2s"
)");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->mesh_plugin, "nats");
  auto m = Mesh::Load(plugins_, o->mesh_plugin);
  ASSERT_TRUE(m.ok());
  auto node = (*m)->start_node(o->mesh_node);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ((*node)->name(), "fromtoml");
  auto client_options = o->mesh_client;
  client_options.emplace_back("servers", (*node)->client_url());
  auto c = (*m)->connect(client_options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // max_payload from the file: a 1.5 MB message (over the 1 MiB default) passes.
  EXPECT_TRUE((*c)->publish("toml.big", std::string(1500000, 'x')).ok());
  // Bad sections are named with the file position; unknown node options
  // are the plugin's to refuse.
  auto bad = tower::Options::FromTomlString("[mesh]\ncolour = 1\n");
  EXPECT_EQ(bad.status().code(), tower::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("mesh.colour"), std::string::npos);
  auto typo = tower::Options::FromTomlString("[mesh.node]\nlisten_port = 4222\n");
  ASSERT_TRUE(typo.ok());
  auto refused = (*m)->start_node(typo->mesh_node);
  EXPECT_EQ(refused.status().code(), tower::Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("listen_port"), std::string::npos);
}

}  // namespace
}  // namespace tower::mesh
