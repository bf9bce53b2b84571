// The mesh layer's cost: KV put/get and JetStream publish (sync and async)
// through tower::mesh (kernel -> plugin ABI -> operation table -> NATS.c)
// against raw NATS.c calls doing the same, in the same run, against one
// local nats-server started by the plugin. Prints ops/s medians and the
// ratio tower/raw (target >= 0.95).
//
//   mesh_bench [--ops=N] [--reps=R] [--size=BYTES]
#include <nats/nats.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "nats_util.hpp"
#include "tower/mesh.hpp"

using bench::Check;
using bench::Median;
using bench::Must;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  int ops = 2000;
  int reps = 5;
  size_t size = 128;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--ops=", 0) == 0) {
      a.ops = std::stoi(s.substr(6));
    } else if (s.rfind("--reps=", 0) == 0) {
      a.reps = std::stoi(s.substr(7));
    } else if (s.rfind("--size=", 0) == 0) {
      a.size = std::stoul(s.substr(7));
    } else {
      std::fprintf(stderr, "usage: mesh_bench [--ops=N] [--reps=R] [--size=BYTES]\n");
      std::exit(2);
    }
  }
  return a;
}

double Rate(int ops, Clock::duration d) { return ops / std::chrono::duration<double>(d).count(); }

// The raw side: its own connection, JetStream context and KV store.
struct Raw {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  kvStore* kv = nullptr;
  explicit Raw(const std::string& url) {
    Check(natsConnection_ConnectTo(&nc, url.c_str()), "raw connect");
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.StallWait = 2000;
    Check(natsConnection_JetStream(&js, nc, &jo), "raw jetstream");
    Check(js_KeyValue(&kv, js, "bench_raw"), "raw kv bind");
  }
  ~Raw() {
    kvStore_Destroy(kv);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
};

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  tower::PluginManager plugins;
  auto mesh = Must(tower::mesh::Mesh::Load(plugins), "load the nats plugin");
  std::string dir = (fs::temp_directory_path() / "tower-mesh-bench").string();
  fs::remove_all(dir);
  auto node = Must(mesh->start_cluster(tower::mesh::ClusterOptions()
                                           .with_server_name("bench")
                                           .with_listen("127.0.0.1", 0)
                                           .with_store_dir(dir)),
                   "start nats-server");
  auto client = Must(mesh->connect(tower::mesh::ClientOptions().with_servers({node->client_url()})),
                     "connect");
  for (const char* b : {"bench_tower", "bench_raw"}) Must(client->kv_create(b), "kv.create");
  Must(client->stream_create("BT", {{"subjects", "bt.>"}, {"max_msgs", "100000"}}), "stream");
  Must(client->stream_create("BR", {{"subjects", "br.>"}, {"max_msgs", "100000"}}), "stream");
  Raw raw(node->client_url());
  const std::string value(a.size, 'v');

  struct Row {
    const char* name;
    std::function<void(int)> tower, raw;
  };
  std::vector<Row> rows = {
      {"kv.put",
       [&](int i) {
         Must(client->kv_put("bench_tower", "k" + std::to_string(i % 100), value), "kv_put");
       },
       [&](int i) {
         uint64_t rev = 0;
         Check(kvStore_Put(&rev, raw.kv, ("k" + std::to_string(i % 100)).c_str(), value.data(),
                           static_cast<int>(value.size())),
               "kvStore_Put");
       }},
      {"kv.get",
       [&](int i) { Must(client->kv_get("bench_tower", "k" + std::to_string(i % 100)), "kv_get"); },
       [&](int i) {
         kvEntry* e = nullptr;
         Check(kvStore_Get(&e, raw.kv, ("k" + std::to_string(i % 100)).c_str()), "kvStore_Get");
         kvEntry_Destroy(e);
       }},
      {"js.publish", [&](int) { Must(client->js_publish("bt.x", value), "js_publish"); },
       [&](int) {
         jsPubAck* pa = nullptr;
         Check(js_Publish(&pa, raw.js, "br.x", value.data(), static_cast<int>(value.size()),
                          nullptr, nullptr),
               "js_Publish");
         jsPubAck_Destroy(pa);
       }},
  };
  std::printf(
      "mesh_bench: %d ops per row, %zu-byte values, median of %d runs, one local "
      "nats-server\n",
      a.ops, a.size, a.reps);
  for (const Row& r : rows) {
    std::vector<double> t, w;
    for (int rep = 0; rep < a.reps; ++rep) {
      // Alternate which side goes first, so that neither always runs on a
      // warmer (or more loaded) machine.
      auto time = [&](const std::function<void(int)>& f) {
        auto t0 = Clock::now();
        for (int i = 0; i < a.ops; ++i) f(i);
        return Rate(a.ops, Clock::now() - t0);
      };
      if (rep % 2 == 0) {
        t.push_back(time(r.tower));
        w.push_back(time(r.raw));
      } else {
        w.push_back(time(r.raw));
        t.push_back(time(r.tower));
      }
    }
    double mt = Median(t), mw = Median(w);
    std::printf("%-22s tower %9.0f ops/s   raw %9.0f ops/s   ratio %.3f\n", r.name, mt, mw,
                mt / mw);
  }
  // Asynchronous publishing: N publishes then wait for every ack.
  {
    const int n = a.ops * 10;
    std::vector<double> t, w;
    auto tower_side = [&] {
      auto t0 = Clock::now();
      for (int i = 0; i < n; ++i) Must(client->js_publish_async("bt.a", value), "publish_async");
      Must(client->js_publish_async_complete(std::chrono::seconds(30)), "complete");
      return Rate(n, Clock::now() - t0);
    };
    auto raw_side = [&] {
      auto t0 = Clock::now();
      for (int i = 0; i < n; ++i)
        Check(
            js_PublishAsync(raw.js, "br.a", value.data(), static_cast<int>(value.size()), nullptr),
            "js_PublishAsync");
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MaxWait = 30000;
      Check(js_PublishAsyncComplete(raw.js, &po), "js_PublishAsyncComplete");
      return Rate(n, Clock::now() - t0);
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
    std::printf("%-22s tower %9.0f msg/s   raw %9.0f msg/s   ratio %.3f\n", "js.publish_async", mt,
                mw, mt / mw);
  }
  client.reset();
  node.reset();
  fs::remove_all(dir);
  return 0;
}
