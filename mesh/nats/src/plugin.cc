// The "nats" mesh plugin: its C table (tower/sdk/mesh.h), nodes made of a
// supervised nats-server, and the dispatch of named operations to the
// families in ops_*.cc. docs/mesh.md documents options and operations.
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "conn.hpp"
#include "node_options.hpp"
#include "supervisor.hpp"
#include "tower/sdk/mesh.hpp"

namespace tower::mesh::nats {
namespace {

using sdk::report;

// Every operation, by name (built once from the families' tables).
struct Registry {
  std::unordered_map<std::string_view, const OpDef*> by_name;
  std::vector<const char*> names, usages, summaries;  // NULL-terminated
  Registry() {
    for (auto table : {CoreOps(), JsOps(), KvOps(), ObjOps(), LockOps()}) {
      for (const OpDef& d : table) {
        by_name.emplace(d.name, &d);
        names.push_back(d.name);
        usages.push_back(d.usage);
        summaries.push_back(d.summary);
      }
    }
    names.push_back(nullptr);
    usages.push_back(nullptr);
    summaries.push_back(nullptr);
  }
  const OpDef* Find(std::string_view op) const {
    auto it = by_name.find(op);
    return it == by_name.end() ? nullptr : it->second;
  }
};

const Registry& Ops() {
  static const Registry r;
  return r;
}

Error Unknown(const char* op) {
  return Error::Make(TOWER_E_NOT_SUPPORTED,
                     std::string("mesh plugin 'nats' has no operation '") + op + "'");
}

}  // namespace

// The handles of the C table.
struct Node {
  std::unique_ptr<Supervisor> sv;
};

struct SubHandle {
  std::unique_ptr<Sub> sub;
};

namespace {

Node* AsNode(tower_mesh_node* n) { return reinterpret_cast<Node*>(n); }
Conn* AsConn(tower_mesh_conn* c) { return reinterpret_cast<Conn*>(c); }

int32_t NodeStart(const tower_mesh_option* options, size_t count, tower_mesh_node** out,
                  tower_sink* err) try {
  std::map<std::string, std::string, std::less<>> opts;
  if (Error e = sdk::parse_options(options, count, &opts); !e.ok()) return report(e, err);
  NodeConfig cfg;
  SupervisorOptions so;
  if (Error e = ParseNodeOptions(opts, &cfg, &so); !e.ok()) return report(e, err);
  auto node = std::make_unique<Node>();
  node->sv = std::make_unique<Supervisor>(std::move(cfg), std::move(so));
  std::string name = node->sv->config().server_name;
  node->sv->set_log([name](int level, std::string_view msg) {
    int32_t l = level <= kLogDebug     ? TOWER_LOG_DEBUG
                : level == kLogInfo    ? TOWER_LOG_INFO
                : level == kLogWarning ? TOWER_LOG_WARN
                                       : TOWER_LOG_ERROR;
    sdk::log(l, "nats", "node " + name + ": " + std::string(msg));
  });
  if (Error e = node->sv->Start(); !e.ok()) return report(e, err);
  *out = reinterpret_cast<tower_mesh_node*>(node.release());
  return TOWER_OK;
} catch (...) {
  return report(sdk::detail::from_exception(), err);
}

int32_t NodeInfo(tower_mesh_node* n, tower_value_sink* out, tower_sink* err) try {
  const Supervisor& sv = *AsNode(n)->sv;
  const NodeConfig& c = sv.config();
  MeshResult r(out);
  r.begin_array();
  r.field("server_name", c.server_name);
  r.field("kind", c.kind == NodeConfig::Kind::kLeaf      ? "leaf"
                  : c.kind == NodeConfig::Kind::kGateway ? "gateway"
                                                         : "cluster");
  r.field("client_url", sv.client_url());
  r.field("cluster_url", sv.cluster_url());
  r.field("gateway_url", sv.gateway_url());
  r.field("leaf_url", sv.leaf_url());
  r.field("http_port", static_cast<int64_t>(sv.http_port()));
  r.field("cluster_name", c.EffectiveClusterName());
  r.field("domain", c.EffectiveDomain());
  r.field_bool("jetstream", c.jetstream);
  r.field_bool("running", sv.running());
  r.field("pid", static_cast<int64_t>(sv.pid()));
  r.field("restarts", static_cast<int64_t>(sv.restart_count()));
  r.field("config_path", sv.config_path());
  r.field("log_path", sv.log_path());
  return TOWER_OK;
} catch (...) {
  return report(sdk::detail::from_exception(), err);
}

int32_t NodeControl(tower_mesh_node* n, uint32_t op, tower_sink* err) try {
  Supervisor& sv = *AsNode(n)->sv;
  switch (op) {
    case TOWER_MESH_NODE_STOP: return report(sv.Stop(), err);
    case TOWER_MESH_NODE_KILL: sv.Kill(); return TOWER_OK;
    case TOWER_MESH_NODE_RESTART: return report(sv.Start(), err);
    default:
      return report(Error::Make(TOWER_E_INVALID_ARGUMENT,
                                "node_control: unknown operation " + std::to_string(op)),
                    err);
  }
} catch (...) {
  return report(sdk::detail::from_exception(), err);
}

void NodeClose(tower_mesh_node* n) { delete AsNode(n); }

int32_t Connect(const tower_mesh_option* options, size_t count, tower_mesh_conn** out,
                tower_sink* err) try {
  std::map<std::string, std::string, std::less<>> opts;
  if (Error e = sdk::parse_options(options, count, &opts); !e.ok()) return report(e, err);
  std::unique_ptr<Conn> conn;
  if (Error e = Conn::Open(opts, &conn); !e.ok()) return report(e, err);
  *out = reinterpret_cast<tower_mesh_conn*>(conn.release());
  return TOWER_OK;
} catch (...) {
  return report(sdk::detail::from_exception(), err);
}

void Close(tower_mesh_conn* c) { delete AsConn(c); }

int32_t Call(tower_mesh_conn* c, const char* op, const tower_value* args, size_t count,
             const tower_mesh_handler* msgs, tower_value_sink* out, tower_sink* err) try {
  const OpDef* d = Ops().Find(op);
  if (d == nullptr) return report(Unknown(op), err);
  if (d->call == nullptr) {
    return report(Error::Make(TOWER_E_INVALID_ARGUMENT,
                              std::string(op) + " is a subscription: start it with subscribe"),
                  err);
  }
  return report(d->call(*AsConn(c), MeshArgs(d->name, args, count), MeshResult(out), msgs), err);
} catch (...) {
  return report(sdk::detail::from_exception(), err);
}

int32_t Subscribe(tower_mesh_conn* c, const char* op, const tower_value* args, size_t count,
                  const tower_mesh_handler* handler, tower_mesh_sub** out, tower_sink* err) try {
  const OpDef* d = Ops().Find(op);
  if (d == nullptr) return report(Unknown(op), err);
  if (d->subscribe == nullptr) {
    return report(Error::Make(TOWER_E_INVALID_ARGUMENT,
                              std::string(op) + " is not a subscription: run it with call"),
                  err);
  }
  auto h = std::make_unique<SubHandle>();
  if (Error e = d->subscribe(*AsConn(c), MeshArgs(d->name, args, count), handler, &h->sub);
      !e.ok()) {
    return report(e, err);
  }
  *out = reinterpret_cast<tower_mesh_sub*>(h.release());
  return TOWER_OK;
} catch (...) {
  return report(sdk::detail::from_exception(), err);
}

void Unsubscribe(tower_mesh_sub* s) { delete reinterpret_cast<SubHandle*>(s); }

// Keeps this plugin (and libnats with it) mapped for the rest of the
// process. NATS.c runs library threads (timers, flushers, message
// delivery) that outlive every connection, and the nats-server spawner
// thread lives in this library: unmapping either while those threads run
// crashes the process at exit. Best effort: failure changes nothing else.
void PinSelf() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&PinSelf), &info) == 0 || info.dli_fname == nullptr) return;
  (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // never closed
}

const tower_mesh_api* Table() {
  static const tower_mesh_api api = [] {
    PinSelf();
    tower_mesh_api t{};
    t.struct_size = sizeof(tower_mesh_api);
    t.node_start = &NodeStart;
    t.node_info = &NodeInfo;
    t.node_control = &NodeControl;
    t.node_close = &NodeClose;
    t.connect = &Connect;
    t.close = &Close;
    t.op_names = Ops().names.data();
    t.op_usages = Ops().usages.data();
    t.op_summaries = Ops().summaries.data();
    t.call = &Call;
    t.subscribe = &Subscribe;
    t.unsubscribe = &Unsubscribe;
    return t;
  }();
  return &api;
}

}  // namespace
}  // namespace tower::mesh::nats

TOWER_MESH_PLUGIN("nats", "1.0.0",
                  "NATS mesh: supervised nats-server nodes (cluster, gateway, leaf), messaging, "
                  "JetStream, KV, object store, locks",
                  ::tower::mesh::nats::Table())
