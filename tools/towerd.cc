// towerd: a Tower node chosen by a config file (docs/towerd.md).
//
//   towerd --config tower.toml [--database NAME] [--workers N]
//   towerd --embedded [--dir DIR] [--port N] [--database NAME]
//
// It opens the database the config describes, starts or joins the mesh its
// [mesh] section names (a nats-server node it supervises, or existing
// servers), and serves every registered command over request-reply on
// tower.<database>.cmd.<command> (tower/wire.hpp), with a health line on
// tower.<database>.health and JSON statistics on tower.<database>.stats.
// --embedded is the zero-config node: RocksDB in DIR/data and a local
// single-node nats-server with JetStream in DIR/mesh on 127.0.0.1:PORT.
//
// On SIGTERM or SIGINT it stops taking requests, answers those in flight,
// flushes and closes the database, and stops its nats-server. When it is
// ready it prints one line on stdout: "towerd ready <database> <nats url>".
// Exit codes: 0 after a clean shutdown, 1 when it cannot start, 2 for a
// usage error.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "tower/db.hpp"
#include "tower/log.hpp"
#include "tower/mesh.hpp"
#include "tower/options.hpp"
#include "tower/service.hpp"

namespace {

constexpr char kUsage[] =
    "usage: towerd --config FILE [--database NAME] [--workers N]\n"
    "       towerd --embedded [--dir DIR] [--port N] [--database NAME] [--workers N]\n"
    "  --config FILE    the TOML config: [storage], [plugins], [crypto], [mesh]\n"
    "  --embedded       RocksDB in DIR/data and a local nats-server (JetStream in DIR/mesh)\n"
    "  --dir DIR        the embedded node's directory (default ./tower-node)\n"
    "  --port N         the embedded nats-server's client port (default 4222; 0 = any)\n"
    "  --database NAME  the name in the subjects tower.NAME.* (default \"default\")\n"
    "  --workers N      commands served at once (default 4)\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "towerd: %s\n%s", why.c_str(), kUsage);
  return 2;
}

int Fail(const std::string& what, const tower::Status& s) {
  tower::Log(tower::LogLevel::kError, "towerd", what + ": " + s.ToString());
  std::fprintf(stderr, "towerd: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

struct Args {
  std::optional<std::string> config;
  bool embedded = false;
  std::string dir = "tower-node";
  int port = 4222;
  tower::ServiceOptions service;
};

std::optional<int> ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      (void)name;
      return std::string(argv[++i]);
    };
    auto number = [&](const std::string& text, int lo, int hi, int* out) {
      char* end = nullptr;
      long v = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || v < lo || v > hi) return false;
      *out = static_cast<int>(v);
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else if (arg == "--embedded") {
      a->embedded = true;
    } else if (arg == "--config" || arg == "--dir" || arg == "--port" || arg == "--database" ||
               arg == "--workers") {
      auto v = value(arg.c_str());
      if (!v) return Usage(arg + " needs a value");
      if (arg == "--config") {
        a->config = *v;
      } else if (arg == "--dir") {
        a->dir = *v;
      } else if (arg == "--database") {
        a->service.database = *v;
      } else if (arg == "--port") {
        if (!number(*v, 0, 65535, &a->port)) return Usage("--port must be 0..65535");
      } else if (!number(*v, 1, 256, &a->service.workers)) {
        return Usage("--workers must be 1..256");
      }
    } else {
      return Usage("unknown argument '" + arg + "'");
    }
  }
  if (a->config.has_value() == a->embedded)
    return Usage("give exactly one of --config and --embedded");
  return std::nullopt;
}

// The embedded defaults: RocksDB in DIR/data, a single-node nats-server
// with JetStream in DIR/mesh.
tower::Options Embedded(const Args& a) {
  namespace fs = std::filesystem;
  fs::path dir = fs::absolute(a.dir);
  tower::Options o = tower::Options::OnDisk((dir / "data").string(), "rocksdb");
  o.mesh_plugin = "nats";
  o.mesh_node = {{"kind", "cluster"},
                 {"server_name", "towerd"},
                 {"listen", "127.0.0.1:" + std::to_string(a.port)},
                 {"store_dir", (dir / "mesh").string()},
                 {"work_dir", (dir / "mesh").string()}};
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto rc = ParseArgs(argc, argv, &args)) return *rc;
  // Signals are taken by sigwait below; block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  tower::Options options;
  if (args.embedded) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(args.dir) / "mesh", ec);
    if (ec) return Fail("create " + args.dir, tower::Status::IOError(ec.message()));
    options = Embedded(args);
  } else {
    auto o = tower::Options::FromTomlFile(*args.config);
    if (!o.ok()) return Fail("read the config", o.status());
    options = std::move(*o);
  }
  if (options.mesh_plugin.empty()) {
    return Fail("start", tower::Status::InvalidArgument(
                             "the config has no [mesh] section: towerd serves over the mesh"));
  }
  auto db = tower::Db::open(options);  // takes the data directory's lock
  if (!db.ok()) return Fail("open the database", db.status());

  tower::PluginManager plugins(options.plugin_paths);
  auto mesh = tower::mesh::Mesh::Load(plugins, options.mesh_plugin);
  if (!mesh.ok()) return Fail("load the mesh plugin", mesh.status());
  std::unique_ptr<tower::mesh::Node> node;
  tower::mesh::Options client_options = options.mesh_client;
  if (!options.mesh_node.empty()) {
    auto n = (*mesh)->start_node(options.mesh_node);
    if (!n.ok()) return Fail("start the mesh node", n.status());
    node = std::move(*n);
    bool has_servers = false;
    for (const auto& [name, value] : client_options) has_servers = has_servers || name == "servers";
    if (!has_servers) client_options.emplace_back("servers", node->client_url());
  }
  // Replies go out at once unless the config says otherwise (NATS.c would
  // batch small writes, adding latency to every request).
  bool has_send_asap = false;
  for (const auto& [name, value] : client_options)
    has_send_asap = has_send_asap || name == "send_asap";
  if (!has_send_asap) client_options.emplace_back("send_asap", "true");
  auto client = (*mesh)->connect(client_options);
  if (!client.ok()) return Fail("connect to the mesh", client.status());
  auto service = tower::Service::Start(**db, **client, args.service);
  if (!service.ok()) return Fail("serve", service.status());

  std::string url = node ? node->client_url() : std::string("(existing servers)");
  tower::Log(tower::LogLevel::kInfo, "towerd",
             "ready: database '" + args.service.database + "' on " + url);
  std::printf("towerd ready %s %s\n", args.service.database.c_str(), url.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  tower::Log(tower::LogLevel::kInfo, "towerd",
             std::string("shutting down on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  (*service)->Stop();  // no new requests; those in flight are answered
  tower::ServiceStats st = (*service)->stats();
  service->reset();
  (void)(*client)->flush();
  client->reset();
  tower::Status flushed = (*db)->flush();
  if (!flushed.ok()) tower::Log(tower::LogLevel::kError, "towerd", "flush: " + flushed.ToString());
  db->reset();
  node.reset();  // stops the nats-server (SIGTERM, then SIGKILL)
  tower::Log(tower::LogLevel::kInfo, "towerd",
             "stopped after " + std::to_string(st.requests) + " requests");
  return flushed.ok() ? 0 : 1;
}
