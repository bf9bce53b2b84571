// The towerd service layer's cost: get and set requests per second through
// the service (tower::Service, what towerd runs, on RocksDB) over NATS, with
// 1 and 16 concurrent clients, against raw NATS.c request-reply to an echo
// responder on the same server (same number of queue subscribers, same
// payload size), in the same run. Prints medians and the ratio (target
// >= 0.80).
//
//   towerd_bench [--seconds=S] [--reps=R] [--workers=N]
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "nats_util.hpp"
#include "tower/db.hpp"
#include "tower/mesh.hpp"
#include "tower/service.hpp"
#include "tower/wire.hpp"

using bench::Check;
using bench::Median;
using bench::Must;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  double seconds = 1.0;
  int reps = 5;
  int workers = 4;
  std::vector<std::string> ops = {"get", "set"};
  std::vector<int> clients = {1, 16};
  std::string backend = "rocksdb";
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--seconds=", 0) == 0) {
      a.seconds = std::stod(s.substr(10));
    } else if (s.rfind("--reps=", 0) == 0) {
      a.reps = std::stoi(s.substr(7));
    } else if (s.rfind("--workers=", 0) == 0) {
      a.workers = std::stoi(s.substr(10));
    } else if (s.rfind("--backend=", 0) == 0) {
      a.backend = s.substr(10);
    } else if (s == "--only=get" || s == "--only=set") {
      a.ops = {s.substr(7)};
    } else if (s == "--clients=1" || s == "--clients=16") {
      a.clients = {std::stoi(s.substr(10))};
    } else {
      std::fprintf(stderr,
                   "usage: towerd_bench [--seconds=S] [--reps=R] [--workers=N] "
                   "[--only=get|set] [--clients=1|16] [--backend=NAME]\n");
      std::exit(2);
    }
  }
  return a;
}

// Runs `op(client_index)` from `clients` threads for `seconds`; ops/s.
double Drive(int clients, double seconds, const std::function<void(int)>& op) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        op(c);
        ++n;
      }
      done += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return done.load() / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  std::string dir = (fs::temp_directory_path() / "tower-towerd-bench").string();
  fs::remove_all(dir);
  auto db = Must(
      tower::Db::open(a.backend == "memory" ? tower::Options::InMemory("memory")
                                            : tower::Options::OnDisk(dir + "/data", a.backend)),
      "open");
  tower::PluginManager plugins;
  auto mesh = Must(tower::mesh::Mesh::Load(plugins), "load nats");
  auto node =
      Must(mesh->start_cluster(
               tower::mesh::ClusterOptions().with_server_name("bench").with_listen("127.0.0.1", 0)),
           "start nats-server");
  const std::string url = node->client_url();
  // As towerd does: replies leave at once instead of waiting for NATS.c's
  // flusher thread (without this the service side measured ~1 ms/request).
  auto service_conn =
      Must(mesh->connect(
               tower::mesh::ClientOptions().with_servers({url}).with_option("send_asap", "true")),
           "connect");
  auto service = Must(tower::Service::Start(*db, *service_conn, {"bench", a.workers}), "serve");

  // The raw side: an echo responder with as many queue subscribers.
  natsConnection* echo_nc = nullptr;
  {
    natsOptions* o = nullptr;
    natsOptions_Create(&o);
    natsOptions_SetURL(o, url.c_str());
    natsOptions_SetSendAsap(o, true);
    Check(natsConnection_Connect(&echo_nc, o), "echo connect");
    natsOptions_Destroy(o);
  }
  std::vector<natsSubscription*> echo_subs(a.workers);
  for (auto& sub : echo_subs) {
    Check(natsConnection_QueueSubscribe(
              &sub, echo_nc, "echo", "echoers",
              [](natsConnection* nc, natsSubscription*, natsMsg* m, void*) {
                natsConnection_Publish(nc, natsMsg_GetReply(m), natsMsg_GetData(m),
                                       natsMsg_GetDataLength(m));
                natsMsg_Destroy(m);
              },
              nullptr),
          "echo subscribe");
  }
  natsConnection_Flush(echo_nc);

  const int max_clients = 16;
  std::vector<std::unique_ptr<tower::mesh::Client>> clients;
  std::vector<std::unique_ptr<tower::RemoteDb>> remotes;
  std::vector<natsConnection*> raw(max_clients);
  for (int c = 0; c < max_clients; ++c) {
    clients.push_back(
        Must(mesh->connect(
                 tower::mesh::ClientOptions().with_servers({url}).with_option("send_asap", "true")),
             "client connect"));
    remotes.push_back(std::make_unique<tower::RemoteDb>(*clients.back(), "bench"));
    natsOptions* o = nullptr;
    natsOptions_Create(&o);
    natsOptions_SetURL(o, url.c_str());
    natsOptions_SetSendAsap(o, true);
    Check(natsConnection_Connect(&raw[c], o), "raw connect");
    natsOptions_Destroy(o);
  }
  const std::string value(64, 'v');
  for (int k = 0; k < 1000; ++k) {
    Must(remotes[0]->call("string.set",
                          {tower::Value("k" + std::to_string(k)), tower::Value(value)}),
         "seed");
  }
  // The raw requests carry what a towerd request carries, so both sides move
  // the same bytes: the encoded arguments out, an encoded value back.
  std::vector<tower::Value> set_args{tower::Value("k1"), tower::Value(value)};
  const std::string set_payload = Must(tower::wire::EncodeRequest(set_args), "encode");
  const std::string get_reply = tower::wire::EncodeReply(tower::Value(value));

  std::printf(
      "towerd_bench: %.1f s per run, median of %d runs, %d workers, one local "
      "nats-server, backend %s\n",
      a.seconds, a.reps, a.workers, a.backend.c_str());
  for (const std::string& op_name : a.ops) {
    const char* op = op_name.c_str();
    for (int n : a.clients) {
      std::vector<double> t, w;
      auto tower_side = [&] {
        return Drive(n, a.seconds, [&](int c) {
          std::string key = "k" + std::to_string(c * 37 % 1000);
          if (op[0] == 'g') {
            Must(remotes[c]->call("string.get", {tower::Value(key)}), "get");
          } else {
            Must(remotes[c]->call("string.set", {tower::Value(key), tower::Value(value)}), "set");
          }
        });
      };
      auto raw_side = [&] {
        const std::string& payload = op[0] == 'g' ? get_reply : set_payload;
        return Drive(n, a.seconds, [&](int c) {
          natsMsg* reply = nullptr;
          Check(natsConnection_Request(&reply, raw[c], "echo", payload.data(),
                                       static_cast<int>(payload.size()), 5000),
                "echo request");
          natsMsg_Destroy(reply);
        });
      };
      for (int rep = 0; rep < a.reps; ++rep) {
        if (rep % 2 == 0) {
          t.push_back(tower_side());
          w.push_back(raw_side());
        } else {
          w.push_back(raw_side());
          t.push_back(tower_side());
        }
      }
      double mt = Median(t), mw = Median(w);
      std::printf("%-4s %2d client%s   towerd %8.0f req/s   raw echo %8.0f req/s   ratio %.3f\n",
                  op, n, n == 1 ? " " : "s", mt, mw, mt / mw);
    }
  }
  for (auto* nc : raw) natsConnection_Destroy(nc);
  for (auto* sub : echo_subs) natsSubscription_Destroy(sub);
  natsConnection_Destroy(echo_nc);
  remotes.clear();
  clients.clear();
  service.reset();
  service_conn.reset();
  node.reset();
  db.reset();
  fs::remove_all(dir);
  return 0;
}
