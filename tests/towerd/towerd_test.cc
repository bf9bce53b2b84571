// towerd end to end: a real towerd process (with its own nats-server on
// 127.0.0.1), driven by the C++ client (tower::RemoteDb) and by the tower
// CLI; plus the wire codec on its own.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tower/mesh.hpp"
#include "tower/service.hpp"
#include "tower/wire.hpp"

extern char** environ;

namespace tower {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "tower-towerd-XXXXXX").string();
  return mkdtemp(tmpl.data()) ? tmpl : std::string();
}

// Runs a program; captures stdout (and stderr into the same pipe).
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  bool Start(const std::vector<std::string>& argv) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    fd_ = p[0];
    return rc == 0;
  }
  // Reads output until `needle` appears or the deadline passes.
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pf{fd_, POLLIN, 0};
      if (poll(&pf, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      ssize_t n = read(fd_, buf, sizeof(buf));
      if (n <= 0) return out_.find(needle) != std::string::npos;
      out_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // Waits for the exit; the exit code, or 128 + signal.
  int Wait() {
    WaitFor("\x01", 0ms);  // drain what is there
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd_, buf, sizeof(buf))) > 0) out_.append(buf, static_cast<size_t>(n));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void Signal(int sig) { kill(pid_, sig); }
  const std::string& output() const { return out_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

// Runs `tower` and returns {exit code, output}.
std::pair<int, std::string> RunCli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{TOWER_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  Child c;
  if (!c.Start(argv)) return {-1, "spawn failed"};
  int rc = c.Wait();
  return {rc, c.output()};
}

class TowerdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    ASSERT_FALSE(dir_.empty());
    config_ = dir_ + "/tower.toml";
    std::ofstream(config_)
        << "[storage]\nbackend = \"rocksdb\"\npath = \"data\"\nsync_writes = true\n"
           "[mesh]\n[mesh.node]\nserver_name = \"t1\"\nlisten = \"127.0.0.1:0\"\n"
           "store_dir = \"mesh\"\nwork_dir = \"mesh\"\n";
  }
  void TearDown() override {
    towerd_.reset();
    fs::remove_all(dir_);
  }
  // Starts towerd on the config; returns its nats URL.
  std::string StartTowerd() {
    towerd_ = std::make_unique<Child>();
    EXPECT_TRUE(towerd_->Start({TOWERD, "--config", config_, "--database", "main"}));
    if (!towerd_->WaitFor("towerd ready main ")) {
      ADD_FAILURE() << "towerd did not start:\n" << towerd_->output();
      return {};
    }
    std::string out = towerd_->output();
    size_t at = out.find("towerd ready main ") + 18;
    return out.substr(at, out.find('\n', at) - at);
  }
  std::unique_ptr<mesh::Client> Connect(const std::string& url) {
    if (!mesh_) mesh_ = *mesh::Mesh::Load(plugins_);
    auto c = mesh_->connect(mesh::ClientOptions().with_servers({url}));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::string dir_, config_;
  std::unique_ptr<Child> towerd_;
  PluginManager plugins_;
  std::shared_ptr<mesh::Mesh> mesh_;
};

TEST_F(TowerdTest, ServesEveryCommandToTheClientAndTheCli) {
  std::string url = StartTowerd();
  ASSERT_FALSE(url.empty());
  auto client = Connect(url);
  ASSERT_TRUE(client);
  RemoteDb db(*client, "main");
  ASSERT_TRUE(db.call("int.set", {Value("n"), Value(int64_t{40})}).ok());
  auto v = db.call("int.add", {Value("n"), Value(int64_t{2})});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->as_int(), 42);
  // Arrays, collections, and errors with the in-process code and message.
  ASSERT_TRUE(db.call("list.create", {Value("l")}).ok());
  auto pushed = db.call("list.push_right", {Value("l"), Value("a"), Value(int64_t{7})});
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  auto range = db.call("list.range", {Value("l"), Value(int64_t{0}), Value(int64_t{-1})});
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_EQ(range->as_array().size(), 2u);
  EXPECT_EQ(range->as_array()[1].as_int(), 7);
  auto mismatch = db.call("int.add", {Value("l"), Value(int64_t{1})});
  EXPECT_EQ(mismatch.status().code(), Code::kTypeMismatch) << mismatch.status().ToString();
  auto overflow = db.call("int.add", {Value("n"), Value(INT64_MAX)});
  EXPECT_EQ(overflow.status().code(), Code::kOverflow);
  auto unknown = db.call("no.such", {});
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);  // as in process
  EXPECT_NE(unknown.status().message().find("no.such"), std::string::npos);
  // A database nobody serves.
  RemoteDb other(*client, "elsewhere", 1s);
  auto none = other.call("int.get", {Value("n")});
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_NE(none.status().message().find("elsewhere"), std::string::npos);
  // health and stats.
  auto health = db.health();
  ASSERT_TRUE(health.ok());
  EXPECT_NE(health->find("tower main ok"), std::string::npos) << *health;
  auto stats = db.stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_NE(stats->find("\"requests\":"), std::string::npos);

  // The CLI, friendly forms and call, against the same towerd.
  auto s = RunCli({"--server", url, "--database", "main", "set", "greeting", "hello"});
  EXPECT_EQ(s.first, 0) << s.second;
  s = RunCli({"--server", url, "--database", "main", "get", "greeting"});
  EXPECT_EQ(s.first, 0) << s.second;
  EXPECT_NE(s.second.find("hello"), std::string::npos);
  s = RunCli({"--server", url, "--database", "main", "incr", "n", "8"});
  EXPECT_EQ(s.first, 0) << s.second;
  EXPECT_NE(s.second.find("50"), std::string::npos) << s.second;
  s = RunCli(
      {"--server", url, "--database", "main", "--json", "call", "list.range", "l", "0", "-1"});
  EXPECT_EQ(s.first, 0) << s.second;
  EXPECT_NE(s.second.find("{\"type\":\"int\",\"value\":7}"), std::string::npos) << s.second;
  s = RunCli({"--server", url, "--database", "main", "call", "int.add", "greeting", "1"});
  EXPECT_EQ(s.first, 1) << s.second;  // an operation error
  EXPECT_NE(s.second.find("TypeMismatch"), std::string::npos) << s.second;
  s = RunCli({"--server", url, "--database", "main", "call", "int.add", "n"});
  EXPECT_EQ(s.first, 2) << s.second;  // a usage error, with the command's usage
  EXPECT_NE(s.second.find("usage: tower call int.add"), std::string::npos) << s.second;
  s = RunCli({"--server", url, "--database", "main", "health"});
  EXPECT_EQ(s.first, 0) << s.second;

  // A graceful stop: exit 0, and the data is there for the next start.
  towerd_->Signal(SIGTERM);
  EXPECT_EQ(towerd_->Wait(), 0) << towerd_->output();
}

TEST_F(TowerdTest, SecondTowerdOnTheSameDirectoryRefuses) {
  ASSERT_FALSE(StartTowerd().empty());
  Child second;
  ASSERT_TRUE(second.Start({TOWERD, "--config", config_, "--database", "main"}));
  EXPECT_EQ(second.Wait(), 1);
  EXPECT_NE(second.output().find("lock"), std::string::npos) << second.output();
}

TEST_F(TowerdTest, KilledDuringSyncedWritesKeepsEveryAcknowledgedWrite) {
  std::string url = StartTowerd();
  ASSERT_FALSE(url.empty());
  int64_t acknowledged = 0;
  {
    auto client = Connect(url);
    RemoteDb db(*client, "main", 2s);
    std::thread killer([&] {
      std::this_thread::sleep_for(300ms);
      towerd_->Signal(SIGKILL);
    });
    for (int64_t i = 1; i < 100000; ++i) {
      auto r = db.call("int.set", {Value("k" + std::to_string(i)), Value(i)});
      if (!r.ok()) break;
      acknowledged = i;
    }
    killer.join();
    towerd_->Wait();
  }
  ASSERT_GT(acknowledged, 0);
  // Its nats-server died with it (it would hold the port otherwise).
  bool server_gone = false;
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       !server_gone && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
    server_gone =
        !mesh_->connect(mesh::ClientOptions().with_servers({url}).with_timeout(200ms)).ok();
  }
  EXPECT_TRUE(server_gone) << "the nats-server of a SIGKILLed towerd still answers on " << url;
  // The killed towerd's nats-server may still hold the port for a moment:
  // the config picks a free port each start.
  url = StartTowerd();
  ASSERT_FALSE(url.empty());
  auto client = Connect(url);
  RemoteDb db(*client, "main");
  for (int64_t i = 1; i <= acknowledged; ++i) {
    auto v = db.call("int.get", {Value("k" + std::to_string(i))});
    ASSERT_TRUE(v.ok()) << "acknowledged write " << i << " of " << acknowledged
                        << " is missing: " << v.status().ToString();
    ASSERT_EQ(v->as_int(), i);
  }
}

// Export and import through towerd: streamed in chunks (the long list is
// several of them), exact, and with the in-process errors.
TEST_F(TowerdTest, ExportsAndImportsThroughTheService) {
  std::string url = StartTowerd();
  ASSERT_FALSE(url.empty());
  auto client = Connect(url);
  ASSERT_TRUE(client);
  RemoteDb db(*client, "main");
  ASSERT_TRUE(db.call("string.set", {Value("s"), Value("text")}).ok());
  ASSERT_TRUE(db.call("int.set", {Value("n"), Value(int64_t{-7})}).ok());
  ASSERT_TRUE(db.call("list.create", {Value("long")}).ok());
  const std::string kb(1024, 'x');
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE(db.call("list.push_right", {Value("long"), Value(kb + std::to_string(i))}).ok());
  }
  std::ostringstream out;
  uint64_t progressed = 0;
  auto exported = db.export_jsonl(out, [&](uint64_t done, uint64_t) { progressed = done; });
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_EQ(exported->keys, 3u);
  EXPECT_EQ(exported->items, 1500u);
  const std::string text = out.str();
  EXPECT_GT(text.size(), 3 * wire::kTransferChunk);
  EXPECT_EQ(progressed, text.size());

  // Into a local database: the same content, so the same export.
  auto local = Db::open(Options::OnDisk(dir_ + "/copy", "lmdb"));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  std::istringstream in(text);
  ASSERT_TRUE((*local)->import_jsonl(in).ok());
  std::ostringstream again;
  ASSERT_TRUE((*local)->export_jsonl(again).ok());
  auto body = [](const std::string& t) { return t.substr(t.find('\n')); };
  EXPECT_EQ(body(again.str()), body(text));

  // Back into the towerd: existing keys are refused unless replaced.
  Db::ImportOptions options;
  std::istringstream in2(text);
  auto refused = db.import_jsonl(in2, options);
  EXPECT_EQ(refused.status().code(), Code::kAlreadyExists) << refused.status().ToString();
  options.replace = true;
  std::istringstream in3(text);
  auto replaced = db.import_jsonl(in3, options);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->keys, 3u);
  EXPECT_EQ(replaced->items, 1500u);
  // A truncated file fails as it does in process, and the service is fine.
  std::istringstream cut(text.substr(0, text.size() / 2));
  auto truncated = db.import_jsonl(cut, options);
  EXPECT_EQ(truncated.status().code(), Code::kCorruption) << truncated.status().ToString();
  EXPECT_EQ(db.call("list.length", {Value("long")})->as_int(), 1500);

  // The CLI: export to a file, import it back.
  const std::string file = dir_ + "/dump.jsonl";
  auto s = RunCli({"--server", url, "--database", "main", "export", file});
  EXPECT_EQ(s.first, 0) << s.second;
  EXPECT_NE(s.second.find("exported 3 keys (1500 collection items)"), std::string::npos)
      << s.second;
  s = RunCli({"--server", url, "--database", "main", "import", "--replace", file});
  EXPECT_EQ(s.first, 0) << s.second;
  EXPECT_NE(s.second.find("imported 3 keys (1500 collection items)"), std::string::npos)
      << s.second;
}

// A transfer whose client goes quiet is abandoned after transfer_idle, and
// its next request learns why; the service serves on.
TEST_F(TowerdTest, AbandonedTransfersEndWithTheirError) {
  if (!mesh_) mesh_ = *mesh::Mesh::Load(plugins_);
  auto node = mesh_->start_cluster(
      mesh::ClusterOptions().with_server_name("xfer").with_listen("127.0.0.1", 0));
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  auto client = Connect((*node)->client_url());
  ASSERT_TRUE(client);
  auto db = Db::open(Options::InMemory("memory"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  // More than the pipe holds, so an unread export blocks.
  const std::string kb(1024, 'x');
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE((*db)->set_string("k" + std::to_string(i), kb).ok());
  ServiceOptions so;
  so.database = "idle";
  so.transfer_idle = 300ms;
  auto service = Service::Start(**db, *client, so);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  auto open = [&](const std::string& subject, std::span<const Value> args) {
    auto reply = client->request(subject, *wire::EncodeRequest(args), 5s);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    auto v = wire::DecodeReply(reply->data);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v->as_string();
  };
  auto ask = [&](const std::string& subject, std::span<const Value> args) {
    auto reply = client->request(subject, *wire::EncodeRequest(args), 5s);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return wire::DecodeReply(reply->data);
  };
  std::string exp = open(wire::ExportSubject("idle"), {});
  const Value yes(true);
  std::string imp = open(wire::ImportSubject("idle"), std::span<const Value>(&yes, 1));
  std::this_thread::sleep_for(1s);
  auto next = ask(exp + ".next", {});
  EXPECT_EQ(next.status().code(), Code::kAborted) << next.status().ToString();
  EXPECT_NE(next.status().message().find("export abandoned"), std::string::npos);
  const Value chunk(Binary{"{\"tower_export\":1}\n"});
  auto data = ask(imp + ".data", std::span<const Value>(&chunk, 1));
  EXPECT_EQ(data.status().code(), Code::kAborted) << data.status().ToString();
  EXPECT_NE(data.status().message().find("import abandoned"), std::string::npos);
  auto gone = ask(imp + ".end", {});
  EXPECT_EQ(gone.status().code(), Code::kNotFound) << gone.status().ToString();
  // A fresh export still works.
  RemoteDb remote(*client, "idle");
  std::ostringstream out;
  auto exported = remote.export_jsonl(out);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_EQ(exported->keys, 2000u);
}

TEST(WireTest, EveryTypeRoundTripsAndBadBytesAreRefused) {
  std::vector<Value> args{Value(),
                          Value("text"),
                          Value(int64_t{-5}),
                          Value(1.5),
                          Value(true),
                          Value(Binary{std::string("\0\xff", 2)}),
                          Value(Timestamp{123}),
                          Value(Duration{-7})};
  auto req = wire::EncodeRequest(args);
  ASSERT_TRUE(req.ok());
  auto back = wire::DecodeRequest(*req);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), args.size());
  for (size_t i = 0; i < args.size(); ++i) EXPECT_EQ((*back)[i], args[i]) << i;
  for (size_t cut = 0; cut < req->size(); ++cut) {
    auto bad = wire::DecodeRequest(std::string_view(*req).substr(0, cut));
    EXPECT_FALSE(bad.ok()) << cut;
  }
  std::string v2 = *req;
  v2[0] = 2;
  EXPECT_EQ(wire::DecodeRequest(v2).status().code(), Code::kIncompatible);
  auto err = wire::DecodeReply(wire::EncodeReply(Status::Overflow("int.add: key 'n' overflows")));
  EXPECT_EQ(err.status().code(), Code::kOverflow);
  EXPECT_EQ(err.status().message(), "int.add: key 'n' overflows");
  auto arr = wire::DecodeReply(wire::EncodeReply(Value(std::vector<Value>{Value("a"), Value(1)})));
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(arr->as_array().size(), 2u);
  EXPECT_FALSE(wire::CheckDatabaseName("Bad.Name").ok());
}

}  // namespace
}  // namespace tower
