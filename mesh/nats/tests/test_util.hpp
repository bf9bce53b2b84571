// Fixtures shared by the nats plugin's tests (tests/*_test.cc): temporary
// directories, polling, connections, and real nats-server processes on
// 127.0.0.1 (ephemeral ports) -- a single JetStream node, a suite sharing
// one, and a 3-node JetStream cluster with routes.
#ifndef TOWER_MESH_NATS_TESTS_TEST_UTIL_HPP_
#define TOWER_MESH_NATS_TESTS_TEST_UTIL_HPP_

#include <arpa/inet.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "conn.hpp"
#include "node_config.hpp"
#include "supervisor.hpp"

namespace tower::mesh::nats::testing {

using Clock = std::chrono::steady_clock;

// A fresh directory /tmp/<prefix>-XXXXXX, removed with its contents when
// this object goes (path() is "" when it could not be made).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "tower-nats-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Polls `cond` every 10 ms until it holds or `timeout` passes; its last
// answer.
inline bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Opens a plugin connection to `url` (with the further options `extra`);
// nullptr, and a test failure, when that fails.
inline std::unique_ptr<Conn> Connect(const std::string& url, OptionMap extra = {}) {
  extra["servers"] = url;
  std::unique_ptr<Conn> conn;
  Error e = Conn::Open(extra, &conn);
  EXPECT_TRUE(e.ok()) << e.message;
  return conn;
}

// GET http://127.0.0.1:<port><path>; the whole response, or "".
inline std::string RawHttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// A single-node JetStream nats-server named `name`, storing in dir/js with
// its work files in dir/work; not started yet.
inline std::unique_ptr<Supervisor> NewJetStreamServer(const TempDir& dir, const std::string& name) {
  NodeConfig cfg;
  cfg.server_name = name;
  cfg.jetstream = true;
  cfg.store_dir = dir.Sub("js");
  SupervisorOptions o;
  o.work_dir = dir.Sub("work");
  return std::make_unique<Supervisor>(cfg, o);
}

// A test suite sharing one single-node JetStream server: the suite's
// SetUpTestSuite calls StartServer(name), TearDownTestSuite stops it, and
// each test gets its own connection conn_ to it.
class JetStreamSuite : public ::testing::Test {
 protected:
  static void StartServer(const std::string& name) {
    dir_ = new TempDir("tower-" + name);
    server_ = NewJetStreamServer(*dir_, name).release();
    Error e = server_->Start();
    ASSERT_TRUE(e.ok()) << e.message;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    conn_ = NewConn();
    ASSERT_NE(conn_, nullptr);
  }
  // Another connection to the suite's server.
  static std::unique_ptr<Conn> NewConn() { return Connect(server_->client_url()); }

  static inline TempDir* dir_ = nullptr;
  static inline Supervisor* server_ = nullptr;
  std::unique_ptr<Conn> conn_;
};

// A 3-node JetStream cluster on 127.0.0.1, each node routed to the other
// two and waiting for the JetStream meta leader when it starts; its files
// live in a temporary directory removed after the nodes.
class JetStreamCluster {
 public:
  // Configures nodes <prefix>0..2 of cluster `cluster` and starts them in
  // parallel; the first failure, as "<node index>: <message>".
  Error Start(const std::string& prefix, const std::string& cluster) {
    const TempDir& dir = dir_;
    std::vector<NodeConfig> configs;
    for (int i = 0; i < 3; ++i) {
      NodeConfig c;
      c.server_name = prefix + std::to_string(i);
      c.jetstream = true;
      c.store_dir = dir.Sub("js" + std::to_string(i));
      c.cluster_name = cluster;
      if (Error e = ResolvePorts(c); !e.ok()) return e;
      configs.push_back(c);
    }
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        if (i != j) {
          configs[i].routes.push_back("nats://127.0.0.1:" +
                                      std::to_string(configs[j].cluster_port));
        }
      }
    }
    for (int i = 0; i < 3; ++i) {
      SupervisorOptions o;
      o.work_dir = dir.Sub("work" + std::to_string(i));
      o.stop_timeout = std::chrono::milliseconds(3000);
      o.wait_for_meta_leader = true;
      o.ready_timeout = std::chrono::milliseconds(20000);
      nodes.push_back(std::make_unique<Supervisor>(configs[i], o));
    }
    std::vector<Error> errors(3);
    {
      std::vector<std::thread> threads;
      for (int i = 0; i < 3; ++i) threads.emplace_back([&, i] { errors[i] = nodes[i]->Start(); });
      for (std::thread& t : threads) t.join();
    }
    for (int i = 0; i < 3; ++i) {
      if (!errors[i].ok())
        return Error::Make(errors[i].code, std::to_string(i) + ": " + errors[i].message);
    }
    return Error::Ok();
  }
  // Stops every node in parallel; their outcomes, by node.
  std::vector<Error> Stop() {
    std::vector<Error> errors(nodes.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < nodes.size(); ++i)
      threads.emplace_back([&, i] { errors[i] = nodes[i]->Stop(); });
    for (std::thread& t : threads) t.join();
    return errors;
  }
  // Every node's client URL, comma-separated (a "servers" option).
  std::string ClientUrls() const {
    std::string all;
    for (const auto& n : nodes) all += (all.empty() ? "" : ",") + n->client_url();
    return all;
  }
  // The index of the node named `server_name`; -1 when none is.
  int IndexOf(std::string_view server_name) const {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i]->config().server_name == server_name) return static_cast<int>(i);
    return -1;
  }

 private:
  TempDir dir_{"tower-nats-cluster"};  // declared first: removed last

 public:
  std::vector<std::unique_ptr<Supervisor>> nodes;
};

// The server name leading stream `stream`, from STREAM.INFO ("" = unknown).
inline std::string StreamLeader(Conn& conn, const std::string& stream) {
  natsMsg* reply = nullptr;
  std::string subject = conn.ApiPrefix() + ".STREAM.INFO." + stream;
  if (natsConnection_RequestString(&reply, conn.nc, subject.c_str(), "", 2000) != NATS_OK)
    return "";
  std::string body(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  size_t cluster = body.find("\"cluster\"");
  if (cluster == std::string::npos) return "";
  size_t at = body.find("\"leader\":", cluster);
  if (at == std::string::npos) return "";
  at = body.find('"', at + 9);
  if (at == std::string::npos) return "";
  size_t end = body.find('"', at + 1);
  return body.substr(at + 1, end - at - 1);
}

// Shuts the NATS.c library down (nats_CloseAndWait) after the last test;
// registered once for the test program.
class NatsLibraryEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { nats_CloseAndWait(2000); }
};
inline const ::testing::Environment* const kNatsLibraryEnvironment =
    ::testing::AddGlobalTestEnvironment(new NatsLibraryEnvironment);

}  // namespace tower::mesh::nats::testing

#endif  // TOWER_MESH_NATS_TESTS_TEST_UTIL_HPP_
