// Tests of the nats-server configuration writer and supervisor against real
// nats-server processes on 127.0.0.1 (ephemeral ports, temporary dirs).
#include <arpa/inet.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "node_config.hpp"
#include "supervisor.hpp"
#include "test_util.hpp"

namespace tower::mesh::nats {
namespace {

using Kind = NodeConfig::Kind;
using std::chrono::milliseconds;
using testing::Clock;
using testing::Contains;
using testing::JetStreamCluster;
using testing::RawHttpGet;
using testing::Seconds;
using testing::TempDir;
using testing::WaitFor;
using tower::sdk::Error;

std::string NatsServerBinary() {
  for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "nats-server";
}

// Runs `nats-server -c <file> -t`; returns true when it accepts the file.
bool ServerAcceptsConfig(const std::string& path, std::string* output) {
  std::string cmd = NatsServerBinary() + " -c '" + path + "' -t 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return false;
  char buf[512];
  while (::fgets(buf, sizeof(buf), f) != nullptr) *output += buf;
  int status = ::pclose(f);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The JetStream meta leader reported by /jsz on `http_port` ("" = none).
std::string MetaLeader(int http_port) {
  std::string jsz = RawHttpGet(http_port, "/jsz");
  size_t meta = jsz.find("\"meta_cluster\"");
  if (meta == std::string::npos) return "";
  const std::string key = "\"leader\": \"";
  size_t at = jsz.find(key, meta);
  if (at == std::string::npos) return "";
  at += key.size();
  return jsz.substr(at, jsz.find('"', at) - at);
}

bool HasMetaLeader(int http_port) { return !MetaLeader(http_port).empty(); }

// A NATS.c connection closed and destroyed at scope exit.
struct NatsConn {
  natsConnection* nc = nullptr;
  natsStatus status = NATS_ERR;
  explicit NatsConn(const std::string& url) {
    natsOptions* opts = nullptr;
    if (natsOptions_Create(&opts) != NATS_OK) return;
    natsOptions_SetURL(opts, url.c_str());
    natsOptions_SetTimeout(opts, 2000);
    natsOptions_SetAllowReconnect(opts, false);
    status = natsConnection_Connect(&nc, opts);
    natsOptions_Destroy(opts);
  }
  ~NatsConn() {
    if (nc != nullptr) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
  }
  bool ok() const { return status == NATS_OK && nc != nullptr; }
};

// JetStream account info through `nc` in `domain` (nullptr = local).
bool JsAccountInfo(natsConnection* nc, const char* domain, std::string* got_domain) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Domain = domain;
  o.Wait = 1000;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, nc, &o) != NATS_OK) return false;
  jsAccountInfo* ai = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetAccountInfo(&ai, js, nullptr, &jerr);
  if (s == NATS_OK && got_domain != nullptr) *got_domain = ai->Domain ? ai->Domain : "";
  if (ai != nullptr) jsAccountInfo_Destroy(ai);
  jsCtx_Destroy(js);
  return s == NATS_OK;
}

// Adds stream `name` (subject "<name>.>") through `nc` in `domain`.
natsStatus AddStream(natsConnection* nc, const char* domain, const std::string& name) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Domain = domain;
  o.Wait = 2000;
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, nc, &o);
  if (s != NATS_OK) return s;
  std::string subject = name + ".>";
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_MemoryStorage;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  jsCtx_Destroy(js);
  return s;
}

bool StreamExists(natsConnection* nc, const std::string& name) {
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, nc, nullptr) != NATS_OK) return false;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js, name.c_str(), nullptr, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  jsCtx_Destroy(js);
  return s == NATS_OK;
}

NodeConfig Base(const std::string& name) {
  NodeConfig c;
  c.server_name = name;
  return c;
}

SupervisorOptions Opts(const TempDir& dir, const std::string& sub) {
  SupervisorOptions o;
  o.work_dir = dir.Sub(sub);
  o.stop_timeout = milliseconds(3000);
  return o;
}

// ---------------------------------------------------------------------------
// RenderConfig golden checks, each accepted by `nats-server -t`.

class RenderTest : public ::testing::Test {
 protected:
  // Renders `c`, checks the needles, and runs nats-server -t on it.
  void Check(const NodeConfig& c, const std::vector<std::string>& needles,
             const std::vector<std::string>& absent = {}) {
    ASSERT_TRUE(Validate(c).ok()) << Validate(c).message;
    std::string text = RenderConfig(c);
    for (const std::string& n : needles) EXPECT_TRUE(Contains(text, n)) << n << "\n" << text;
    for (const std::string& n : absent) EXPECT_FALSE(Contains(text, n)) << n << "\n" << text;
    std::string path = dir_.Sub(c.server_name + ".conf");
    std::ofstream(path) << text;
    std::string output;
    EXPECT_TRUE(ServerAcceptsConfig(path, &output)) << output << "\n" << text;
  }
  TempDir dir_;
};

TEST_F(RenderTest, ClusterWithJetStream) {
  NodeConfig c = Base("n1");
  c.port = 14222;
  c.http_port = 18222;
  c.jetstream = true;
  c.store_dir = dir_.Sub("js");
  c.js_max_memory = 64 << 20;
  c.js_max_store = 1 << 30;
  c.max_payload = 2 << 20;
  c.cluster_name = "c1";
  c.cluster_port = 16222;
  c.routes = {"nats://127.0.0.1:16223", "nats://127.0.0.1:16224"};
  c.cluster_user = "route";
  c.cluster_password = "p@ss:word";
  Check(c,
        {"server_name: \"n1\"", "listen: \"127.0.0.1:14222\"", "http: \"127.0.0.1:18222\"",
         "jetstream {", "max_memory_store: 67108864", "max_file_store: 1073741824",
         "max_payload: 2097152", "cluster {", "name: \"c1\"", "listen: \"127.0.0.1:16222\"",
         "\"nats://route:p%40ss%3Aword@127.0.0.1:16223\"", "authorization {"},
        {"accounts", "gateway", "leafnodes", "domain"});
}

TEST_F(RenderTest, SingleGatewayNode) {
  NodeConfig c = Base("a1");
  c.kind = Kind::kGateway;
  c.port = 14222;
  c.http_port = 18222;
  c.cluster_port = 16222;
  c.gateway_name = "A";
  c.gateway_port = 17222;
  c.gateway_remotes = {{"B", {"nats://127.0.0.1:17223"}}};
  c.jetstream = true;
  c.store_dir = dir_.Sub("js");
  c.system_password = "s3cret";
  Check(c, {"accounts {", "TOWER {", "jetstream: enabled", "SYS {", "system_account: SYS",
            "no_auth_user: \"tower-local\"", "cluster {", "name: \"A\"",
            "routes: [\"nats://127.0.0.1:16222\"]", "gateway {", "listen: \"127.0.0.1:17222\"",
            "{name: \"B\", urls: [\"nats://127.0.0.1:17223\"]}", "domain: \"hub\""});
}

TEST_F(RenderTest, HubAcceptingLeafNodesWithClientAuth) {
  NodeConfig c = Base("hub1");
  c.port = 14222;
  c.http_port = 18222;
  c.accept_leafnodes = true;
  c.leaf_port = 17422;
  c.leaf_user = "leaf";
  c.leaf_password = "x\"y\\z$w";
  c.client_user = "app";
  c.client_password = "pw";
  c.jetstream = true;
  c.store_dir = dir_.Sub("js with space");
  Check(c,
        {"leafnodes {", "listen: \"127.0.0.1:17422\"", "password: \"x\\\"y\\\\z$w\"",
         "account: \"TOWER\"", "{user: \"app\", password: \"pw\"}", "domain: \"hub\"",
         "system_account: SYS"},
        {"no_auth_user", "cluster {", "gateway {"});
}

TEST_F(RenderTest, LeafWithJetStream) {
  NodeConfig c = Base("edge1");
  c.kind = Kind::kLeaf;
  c.port = 14222;
  c.http_port = 18222;
  c.jetstream = true;
  c.store_dir = dir_.Sub("js");
  c.leaf_remotes = {{{"nats://127.0.0.1:17422"}, "leaf", "p w", ""}};
  Check(c,
        {"leafnodes {", "remotes: [",
         "{urls: [\"nats://leaf:p%20w@127.0.0.1:17422\"], account: "
         "\"TOWER\"}",
         "domain: \"edge1-leaf\"", "no_auth_user", "jetstream: enabled"},
        {"cluster {", "gateway {", "listen: \"127.0.0.1:17422\""});
}

TEST(ValidateTest, RejectsBadConfigs) {
  auto code_and_message = [](const NodeConfig& c, const std::string& needle) {
    tower::sdk::Error e = Validate(c);
    EXPECT_EQ(e.code, TOWER_E_INVALID_ARGUMENT) << needle;
    EXPECT_TRUE(Contains(e.message, needle)) << e.message << " lacks " << needle;
  };
  NodeConfig c = Base("n1");
  EXPECT_TRUE(Validate(c).ok());

  NodeConfig bad = Base("bad name");
  code_and_message(bad, "server_name");
  bad = Base("");
  code_and_message(bad, "server_name");
  bad = Base("n1");
  bad.port = 70000;
  code_and_message(bad, "port 70000");
  bad = Base("n1");
  bad.host = "127.0.0.1; rm";
  code_and_message(bad, "host");
  bad = Base("n1");
  bad.kind = Kind::kGateway;
  code_and_message(bad, "gateway_name");
  bad.gateway_name = "A";
  bad.cluster_name = "B";
  code_and_message(bad, "must equal cluster_name");
  bad = Base("n1");
  bad.kind = Kind::kLeaf;
  code_and_message(bad, "leaf_remotes");
  bad.leaf_remotes = {{{"http://127.0.0.1:7422"}, "", "", ""}};
  code_and_message(bad, "http://127.0.0.1:7422");
  bad = Base("n1");
  bad.cluster_name = "c";
  bad.routes = {"127.0.0.1:6222"};
  code_and_message(bad, "routes");
  bad.routes = {"tls://127.0.0.1:6222"};
  code_and_message(bad, "must use nats://");
  bad = Base("n1");
  bad.jetstream = true;
  code_and_message(bad, "store_dir");
  bad = Base("n1");
  bad.port = 5000;
  bad.http_port = 5000;
  code_and_message(bad, "both use port 5000");
  bad = Base("n1");
  bad.client_password = "x";
  code_and_message(bad, "client_user");
  bad = Base("n1");
  bad.jetstream = true;
  bad.store_dir = "/tmp/x";
  bad.sync_interval = milliseconds(100);
  code_and_message(bad, "sync_interval");
  bad = Base("n1");
  bad.cluster_name = "has.dot";
  code_and_message(bad, "cluster_name");
}

TEST(PortTest, ResolvePortsFillsDistinctPorts) {
  NodeConfig c = Base("n1");
  c.kind = Kind::kGateway;
  c.gateway_name = "A";
  c.accept_leafnodes = true;
  ASSERT_TRUE(ResolvePorts(c).ok());
  std::vector<int> ports = {c.port, c.http_port, c.cluster_port, c.gateway_port, c.leaf_port};
  for (size_t i = 0; i < ports.size(); ++i) {
    EXPECT_GT(ports[i], 0);
    for (size_t j = i + 1; j < ports.size(); ++j) EXPECT_NE(ports[i], ports[j]);
  }
  EXPECT_TRUE(Validate(c).ok());
}

// ---------------------------------------------------------------------------
// Real servers.

TEST(SupervisorTest, SingleNodeJetStream) {
  TempDir dir;
  NodeConfig c = Base("single");
  c.jetstream = true;
  c.store_dir = dir.Sub("js");
  Supervisor sv(c, Opts(dir, "work"));
  std::vector<std::string> log_lines;
  sv.set_log([&](int, std::string_view m) { log_lines.emplace_back(m); });
  Clock::time_point t0 = Clock::now();
  tower::sdk::Error e = sv.Start();
  ASSERT_TRUE(e.ok()) << e.message;
  std::printf("single node ready in %.3f s\n", Seconds(Clock::now() - t0));
  EXPECT_TRUE(sv.running());
  EXPECT_GT(sv.pid(), 0);
  EXPECT_EQ(::getpgid(sv.pid()), sv.pid()) << "child must lead its own process group";
  EXPECT_TRUE(Contains(RawHttpGet(sv.http_port(), "/healthz"), "200 OK"));
  EXPECT_EQ(std::filesystem::status(sv.config_path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(sv.client_url(), "nats://127.0.0.1:" + std::to_string(sv.config().port));
  EXPECT_EQ(sv.Start().code, TOWER_OK);  // Already running: no-op.
  {
    NatsConn conn(sv.client_url());
    ASSERT_TRUE(conn.ok()) << natsStatus_GetText(conn.status);
    natsSubscription* sub = nullptr;
    ASSERT_EQ(natsConnection_SubscribeSync(&sub, conn.nc, "tower.test"), NATS_OK);
    ASSERT_EQ(natsConnection_PublishString(conn.nc, "tower.test", "hello"), NATS_OK);
    ASSERT_EQ(natsConnection_FlushTimeout(conn.nc, 2000), NATS_OK);
    natsMsg* msg = nullptr;
    ASSERT_EQ(natsSubscription_NextMsg(&msg, sub, 2000), NATS_OK);
    EXPECT_EQ(std::string(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))),
              "hello");
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    EXPECT_TRUE(JsAccountInfo(conn.nc, nullptr, nullptr));
    EXPECT_EQ(AddStream(conn.nc, nullptr, "SINGLE"), NATS_OK);
  }
  Clock::time_point t1 = Clock::now();
  e = sv.Stop();
  EXPECT_TRUE(e.ok()) << e.message;
  double stop_s = Seconds(Clock::now() - t1);
  std::printf("single node stop in %.3f s\n", stop_s);
  EXPECT_LT(stop_s, 2.0);
  EXPECT_FALSE(sv.running());
  EXPECT_EQ(sv.pid(), -1);
  EXPECT_TRUE(sv.Stop().ok());  // Idempotent.
  EXPECT_TRUE(Contains(sv.LogTail(50), "Server is ready")) << sv.LogTail(50);
  EXPECT_FALSE(log_lines.empty());
}

TEST(SupervisorTest, ThreeNodeJetStreamClusterSurvivesKill) {
  JetStreamCluster cluster;
  Clock::time_point t0 = Clock::now();
  {
    Error e = cluster.Start("n", "c3");
    ASSERT_TRUE(e.ok()) << e.message;
  }
  auto& nodes = cluster.nodes;
  std::printf("3-node cluster with meta leader in %.3f s\n", Seconds(Clock::now() - t0));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(HasMetaLeader(nodes[i]->http_port()));
  {
    NatsConn conn(nodes[1]->client_url());
    ASSERT_TRUE(conn.ok());
    natsStatus s = NATS_ERR;
    WaitFor([&] { return (s = AddStream(conn.nc, nullptr, "CLUSTERED")) == NATS_OK; },
            milliseconds(5000));
    EXPECT_EQ(s, NATS_OK);
  }

  nodes[0]->set_log([](int, std::string_view m) {
    std::printf("  [n0] %.*s\n", static_cast<int>(m.size()), m.data());
  });
  int old_port = nodes[0]->config().port;
  std::printf("meta leader before the kill: %s\n", MetaLeader(nodes[1]->http_port()).c_str());
  nodes[0]->Kill();
  EXPECT_FALSE(nodes[0]->running());
  EXPECT_EQ(nodes[0]->restart_count(), 0);
  // /jsz on the survivors keeps naming n0 until they notice; wait for a live leader.
  t0 = Clock::now();
  EXPECT_TRUE(WaitFor(
      [&] {
        std::string leader = MetaLeader(nodes[1]->http_port());
        return !leader.empty() && leader != "n0";
      },
      milliseconds(15000)));
  std::printf("survivors have meta leader %s after %.3f s\n",
              MetaLeader(nodes[1]->http_port()).c_str(), Seconds(Clock::now() - t0));

  t0 = Clock::now();
  Error e = nodes[0]->Start();
  ASSERT_TRUE(e.ok()) << e.message;
  std::printf("killed node rejoined in %.3f s\n", Seconds(Clock::now() - t0));
  EXPECT_EQ(nodes[0]->config().port, old_port);
  EXPECT_TRUE(HasMetaLeader(nodes[0]->http_port()));
  EXPECT_TRUE(HasMetaLeader(nodes[2]->http_port()));
  {
    NatsConn conn(nodes[0]->client_url());
    ASSERT_TRUE(conn.ok());
    EXPECT_TRUE(WaitFor([&] { return StreamExists(conn.nc, "CLUSTERED"); }, milliseconds(5000)));
  }
  t0 = Clock::now();
  std::vector<Error> errors = cluster.Stop();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(errors[i].ok()) << errors[i].message;
  std::printf("3-node cluster stopped in %.3f s\n", Seconds(Clock::now() - t0));
}

TEST(SupervisorTest, GatewaysJoinTwoClusters) {
  TempDir dir;
  NodeConfig a = Base("a1");
  a.kind = Kind::kGateway;
  a.gateway_name = "A";
  NodeConfig b = Base("b1");
  b.kind = Kind::kGateway;
  b.cluster_name = "B";
  ASSERT_TRUE(ResolvePorts(a).ok());
  ASSERT_TRUE(ResolvePorts(b).ok());
  a.gateway_remotes = {{"B", {"nats://127.0.0.1:" + std::to_string(b.gateway_port)}}};
  b.gateway_remotes = {{"A", {"nats://127.0.0.1:" + std::to_string(a.gateway_port)}}};
  Supervisor sa(a, Opts(dir, "a"));
  Supervisor sb(b, Opts(dir, "b"));
  tower::sdk::Error ea, eb;
  std::thread ta([&] { ea = sa.Start(); });
  eb = sb.Start();
  ta.join();
  ASSERT_TRUE(ea.ok()) << ea.message;
  ASSERT_TRUE(eb.ok()) << eb.message;
  EXPECT_FALSE(sa.gateway_url().empty());

  NatsConn ca(sa.client_url());
  NatsConn cb(sb.client_url());
  ASSERT_TRUE(ca.ok()) << natsStatus_GetText(ca.status);
  ASSERT_TRUE(cb.ok()) << natsStatus_GetText(cb.status);
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, ca.nc, "tower.gw"), NATS_OK);
  ASSERT_EQ(natsConnection_FlushTimeout(ca.nc, 2000), NATS_OK);
  Clock::time_point t0 = Clock::now();
  bool received = WaitFor(
      [&] {
        natsConnection_PublishString(cb.nc, "tower.gw", "across");
        natsConnection_FlushTimeout(cb.nc, 1000);
        natsMsg* msg = nullptr;
        if (natsSubscription_NextMsg(&msg, sub, 100) != NATS_OK) return false;
        bool ok = std::string(natsMsg_GetData(msg)) == "across";
        natsMsg_Destroy(msg);
        return ok;
      },
      milliseconds(10000));
  EXPECT_TRUE(received);
  std::printf("gateway message delivered after %.3f s\n", Seconds(Clock::now() - t0));
  natsSubscription_Destroy(sub);
}

// A hub accepting leaf nodes (with or without leaf credentials) and a leaf
// running its own JetStream: a client on the leaf reaches the hub's JetStream.
void LeafScenario(bool with_credentials) {
  TempDir dir;
  NodeConfig hub = Base("hub1");
  hub.jetstream = true;
  hub.store_dir = dir.Sub("hubjs");
  hub.accept_leafnodes = true;
  if (with_credentials) {
    hub.leaf_user = "leafuser";
    hub.leaf_password = "leaf pw!";
  }
  Supervisor shub(hub, Opts(dir, "hub"));
  tower::sdk::Error e = shub.Start();
  ASSERT_TRUE(e.ok()) << e.message;

  NodeConfig leaf = Base("edge1");
  leaf.kind = Kind::kLeaf;
  leaf.jetstream = true;
  leaf.store_dir = dir.Sub("leafjs");
  leaf.leaf_remotes = {{{shub.leaf_url()}, hub.leaf_user, hub.leaf_password, ""}};
  Supervisor sleaf(leaf, Opts(dir, "leaf"));
  e = sleaf.Start();
  ASSERT_TRUE(e.ok()) << e.message;

  NatsConn cl(sleaf.client_url());
  ASSERT_TRUE(cl.ok()) << natsStatus_GetText(cl.status);
  std::string domain;
  Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(WaitFor([&] { return JsAccountInfo(cl.nc, "hub", &domain); }, milliseconds(10000)))
      << sleaf.LogTail(20) << "\n"
      << shub.LogTail(20);
  std::printf("leaf reached hub JetStream after %.3f s\n", Seconds(Clock::now() - t0));
  EXPECT_EQ(domain, "hub");
  std::string local_domain;
  EXPECT_TRUE(JsAccountInfo(cl.nc, nullptr, &local_domain));
  EXPECT_EQ(local_domain, "edge1-leaf");
  EXPECT_EQ(AddStream(cl.nc, "hub", "ONHUB"), NATS_OK);
  NatsConn ch(shub.client_url());
  ASSERT_TRUE(ch.ok());
  EXPECT_TRUE(StreamExists(ch.nc, "ONHUB"));
  EXPECT_FALSE(StreamExists(cl.nc, "ONHUB"));  // Not in the leaf's own domain.
}

TEST(SupervisorTest, LeafReachesHubJetStream) { LeafScenario(true); }

TEST(SupervisorTest, LeafWithoutCredentialsReachesHubJetStream) { LeafScenario(false); }

TEST(SupervisorTest, AutoRestartAfterSigkill) {
  TempDir dir;
  SupervisorOptions o = Opts(dir, "work");
  o.restart_backoff = milliseconds(50);
  Supervisor sv(Base("phoenix"), o);
  ASSERT_TRUE(sv.Start().ok());
  pid_t first = sv.pid();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(WaitFor([&] { return sv.restart_count() == 1; }, milliseconds(10000)))
      << sv.LogTail(20);
  std::printf("auto-restart took %.3f s\n", Seconds(Clock::now() - t0));
  EXPECT_TRUE(sv.running());
  EXPECT_NE(sv.pid(), first);
  NatsConn conn(sv.client_url());
  EXPECT_TRUE(conn.ok()) << natsStatus_GetText(conn.status);
  EXPECT_EQ(sv.restart_count(), 1);

  // Kill() suspends auto-restart until the next Start().
  sv.Kill();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(sv.running());
  EXPECT_EQ(sv.restart_count(), 1);
  ASSERT_TRUE(sv.Start().ok());
  EXPECT_TRUE(sv.running());
}

TEST(SupervisorTest, PortInUseFailsFast) {
  TempDir dir;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int taken = ntohs(addr.sin_port);

  NodeConfig c = Base("clash");
  c.port = taken;
  Supervisor sv(c, Opts(dir, "work"));
  Clock::time_point t0 = Clock::now();
  tower::sdk::Error e = sv.Start();
  double took = Seconds(Clock::now() - t0);
  ::close(fd);
  std::printf("port-in-use error after %.3f s: %s\n", took, e.message.c_str());
  EXPECT_FALSE(e.ok());
  EXPECT_TRUE(Contains(e.message, "address already in use")) << e.message;
  EXPECT_TRUE(Contains(e.message, std::to_string(taken))) << e.message;
  EXPECT_LT(took, 5.0);
  EXPECT_FALSE(sv.running());
  // Once the port is free, Start() succeeds on the same port.
  e = sv.Start();
  ASSERT_TRUE(e.ok()) << e.message;
  EXPECT_EQ(sv.config().port, taken);
  NatsConn conn(sv.client_url());
  EXPECT_TRUE(conn.ok()) << natsStatus_GetText(conn.status);
}

TEST(SupervisorTest, ReadyTimeoutNamesWhatIsMissing) {
  TempDir dir;
  NodeConfig c = Base("lonely");
  c.jetstream = true;
  c.store_dir = dir.Sub("js");
  c.cluster_name = "c3";
  Error pe;
  int dead = PickFreePort(&pe);  // Nobody listens there.
  ASSERT_TRUE(pe.ok());
  c.routes = {"nats://127.0.0.1:" + std::to_string(dead)};
  SupervisorOptions o = Opts(dir, "work");
  o.wait_for_meta_leader = true;
  o.ready_timeout = milliseconds(1500);
  Supervisor sv(c, o);
  Clock::time_point t0 = Clock::now();
  tower::sdk::Error e = sv.Start();
  double took = Seconds(Clock::now() - t0);
  std::printf("ready timeout after %.3f s: %s\n", took, e.message.c_str());
  EXPECT_EQ(e.code, TOWER_E_TIMEOUT) << e.message;
  EXPECT_TRUE(Contains(e.message, "meta leader")) << e.message;
  EXPECT_TRUE(Contains(e.message, "1500 ms")) << e.message;
  EXPECT_LT(took, 3.0);
  EXPECT_FALSE(sv.running());
}

TEST(SupervisorTest, StopEscalatesToSigkill) {
  TempDir dir;
  SupervisorOptions o = Opts(dir, "work");
  o.stop_timeout = milliseconds(300);
  Supervisor sv(Base("stubborn"), o);
  ASSERT_TRUE(sv.Start().ok());
  ASSERT_EQ(::kill(sv.pid(), SIGSTOP), 0);  // A stopped process cannot act on SIGTERM.
  Clock::time_point t0 = Clock::now();
  tower::sdk::Error e = sv.Stop();
  double took = Seconds(Clock::now() - t0);
  EXPECT_TRUE(e.ok()) << e.message;
  EXPECT_GE(took, 0.29);
  EXPECT_LT(took, 2.0);
  EXPECT_FALSE(sv.running());
  EXPECT_EQ(sv.restart_count(), 0);
}

TEST(SupervisorTest, MissingBinary) {
  TempDir dir;
  SupervisorOptions o = Opts(dir, "work");
  o.binary = dir.Sub("no-such-nats-server");
  Supervisor sv(Base("nobin"), o);
  tower::sdk::Error e = sv.Start();
  std::printf("missing binary: %s\n", e.message.c_str());
  EXPECT_EQ(e.code, TOWER_E_NOT_FOUND);
  EXPECT_TRUE(Contains(e.message, o.binary)) << e.message;
  EXPECT_FALSE(sv.running());
}

TEST(SupervisorTest, InvalidConfigIsRejectedBeforeSpawning) {
  TempDir dir;
  NodeConfig c = Base("n1");
  c.kind = Kind::kLeaf;  // No remotes.
  Supervisor sv(c, Opts(dir, "work"));
  tower::sdk::Error e = sv.Start();
  EXPECT_EQ(e.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(e.message, "leaf_remotes")) << e.message;
}

}  // namespace
}  // namespace tower::mesh::nats
