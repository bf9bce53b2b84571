// The mesh: Tower nodes joined over a messaging system, through a mesh plugin
// (the reference one is "nats": NATS.c and a supervised nats-server).
//
//   tower::PluginManager plugins;
//   auto mesh = tower::mesh::Mesh::Load(plugins);            // "nats"
//   auto node = (*mesh)->start_cluster(tower::mesh::ClusterOptions()
//                   .with_server_name("n1").with_listen("127.0.0.1", 4222)
//                   .with_store_dir("/var/lib/tower/js"));
//   auto client = (*mesh)->connect(tower::mesh::ClientOptions()
//                   .with_servers({(*node)->client_url()}));
//   (*client)->kv_create("config", {{"history", "5"}});
//   (*client)->kv_put("config", "color", "blue");
//
// Everything the plugin offers is an operation by name (docs/mesh.md):
// Client::call reaches all of them, including operations this header has
// no typed method for; the typed methods are thin wrappers over call.
// Options are text pairs, named as in the [mesh] section of the TOML config.
#ifndef TOWER_MESH_HPP_
#define TOWER_MESH_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tower/plugin.hpp"
#include "tower/status.hpp"
#include "tower/value.hpp"

namespace tower::mesh {

// Name/value options, in order.
using Options = std::vector<std::pair<std::string, std::string>>;

// A message as a handler sees it (owned copies).
struct Message {
  std::string subject;
  std::string reply;  // where a request wants its answer ("" for none)
  std::string data;
  std::vector<std::pair<std::string, std::string>> headers;
  uint32_t flags = 0;  // TOWER_MESH_MSG_*
  // JetStream: stream sequence (a KV entry's revision), consumer sequence,
  // delivery count, messages pending, timestamp (ns), stream.
  uint64_t sequence = 0, consumer_sequence = 0, delivered = 0, pending = 0;
  int64_t timestamp_ns = 0;
  std::string stream;

  // The first value of header `name` (case-sensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  bool is_jetstream() const { return (flags & TOWER_MESH_MSG_JETSTREAM) != 0; }
  bool is_end() const { return (flags & TOWER_MESH_MSG_END) != 0; }
  bool is_kv_delete() const {
    return (flags & (TOWER_MESH_MSG_KV_DELETE | TOWER_MESH_MSG_KV_PURGE)) != 0;
  }
};

// Called for each delivered message. Subscriptions call it from the
// plugin's threads; it may call back into the Client (to respond, ack, ...).
using Handler = std::function<void(const Message&)>;

// A record result (alternating field names and values) by field name.
class Record {
 public:
  Record() = default;
  explicit Record(Value v);
  const Value* get(std::string_view field) const;
  // The field as int (0 when absent or not an int), text ("" likewise), bool.
  int64_t integer(std::string_view field) const;
  std::string text(std::string_view field) const;
  bool flag(std::string_view field) const;
  const Value& value() const { return v_; }

 private:
  Value v_;
};

// A KV entry.
struct KvEntry {
  std::string value;
  uint64_t revision = 0;
  int64_t created_ns = 0;
};

// A JetStream publish acknowledgement.
struct PubAck {
  std::string stream;
  uint64_t sequence = 0;
  bool duplicate = false;
  std::string domain;
};

// ---- option builders (the Go original's vocabulary) ----

// Common to every node.
template <class Self>
class NodeOptionsBase {
 public:
  Self& with_server_name(std::string name) { return set("server_name", std::move(name)); }
  Self& with_listen(const std::string& host, int port) {
    return set("listen", HostPort(host, port));
  }
  Self& with_store_dir(std::string dir) { return set("store_dir", std::move(dir)); }
  Self& with_jetstream_max_memory(int64_t bytes) {
    return set("jetstream_max_memory", std::to_string(bytes));
  }
  Self& with_jetstream_max_store(int64_t bytes) {
    return set("jetstream_max_store", std::to_string(bytes));
  }
  // Refused by nats-server 2.9 (it has no sync_interval): kept for the Go
  // vocabulary, Start reports the error.
  Self& with_jetstream_sync_interval(std::chrono::milliseconds interval) {
    return set("jetstream_sync_interval", std::to_string(interval.count()) + "ms");
  }
  Self& with_max_payload(int64_t bytes) { return set("max_payload", std::to_string(bytes)); }
  Self& with_http_port(int port) { return set("http_port", std::to_string(port)); }
  Self& with_domain(std::string domain) { return set("domain", std::move(domain)); }
  Self& with_client_auth(std::string user, std::string password) {
    set("client_user", std::move(user));
    return set("client_password", std::move(password));
  }
  // The nats-server binary (default: PATH, then /usr/sbin/nats-server).
  Self& with_binary(std::string path) { return set("binary", std::move(path)); }
  // Where the generated config and the server log go (default: a temporary
  // directory removed with the node).
  Self& with_work_dir(std::string dir) { return set("work_dir", std::move(dir)); }
  // Any option by name (docs/mesh.md).
  Self& with_option(std::string name, std::string value) {
    return set(std::move(name), std::move(value));
  }
  const Options& options() const { return opts_; }

 protected:
  Self& set(std::string name, std::string value) {
    for (auto& [n, v] : opts_) {
      if (n == name) {
        v = std::move(value);
        return static_cast<Self&>(*this);
      }
    }
    opts_.emplace_back(std::move(name), std::move(value));
    return static_cast<Self&>(*this);
  }
  static std::string HostPort(const std::string& host, int port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
  }
  Options opts_;
};

// Another cluster reached through gateways.
struct GatewayRemote {
  std::string name;               // the remote cluster's name
  std::vector<std::string> urls;  // its gateway URLs
};

// A cluster node (kind "cluster"; "gateway" once with_gateway is used).
class ClusterOptions : public NodeOptionsBase<ClusterOptions> {
 public:
  ClusterOptions() { set("kind", "cluster"); }
  ClusterOptions& with_cluster_name(std::string name) {
    return set("cluster_name", std::move(name));
  }
  ClusterOptions& with_cluster_listen(const std::string& host, int port) {
    return set("cluster_listen", HostPort(host, port));
  }
  ClusterOptions& with_routes(const std::vector<std::string>& urls) {
    return set("routes", Join(urls, ","));
  }
  ClusterOptions& with_cluster_auth(std::string user, std::string password) {
    set("cluster_user", std::move(user));
    return set("cluster_password", std::move(password));
  }
  // This node's gateway (name = the cluster name) and the other clusters.
  ClusterOptions& with_gateway(std::string name, const std::string& host, int port,
                               std::string user, std::string password,
                               const std::vector<GatewayRemote>& remotes);
  // Accept leaf nodes on host:port (with these credentials, if any).
  ClusterOptions& with_leaf_node(const std::string& host, int port, std::string user,
                                 std::string password);

 private:
  static std::string Join(const std::vector<std::string>& items, const char* sep);
};

// A leaf node: a local server that connects to hubs' leaf-node ports.
class LeafOptions : public NodeOptionsBase<LeafOptions> {
 public:
  LeafOptions() { set("kind", "leaf"); }
  LeafOptions& with_leaf_remotes(const std::vector<std::string>& urls, std::string user = {},
                                 std::string password = {});
};

// A client connection to servers Tower started or not.
class ClientOptions {
 public:
  ClientOptions& with_servers(const std::vector<std::string>& urls);
  ClientOptions& with_auth(std::string user, std::string password);
  ClientOptions& with_token(std::string token);
  ClientOptions& with_name(std::string name);
  // Connect timeout, and the default for requests and JetStream calls.
  ClientOptions& with_timeout(std::chrono::milliseconds timeout);
  // The JetStream domain to address (a leaf's clients reach the hub's).
  ClientOptions& with_domain(std::string domain);
  ClientOptions& with_option(std::string name, std::string value);
  const Options& options() const { return opts_; }

 private:
  Options opts_;
};

class Mesh;

// A server this process started and supervises. Destroying it stops it.
class Node {
 public:
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Facts: server_name, kind, client_url, cluster_url, gateway_url,
  // leaf_url, http_port, domain, running, pid, restarts, log_path, ...
  Result<Record> info() const;
  // info().text("client_url"), read once at start.
  const std::string& client_url() const { return client_url_; }
  const std::string& name() const { return name_; }
  Status stop();     // SIGTERM, then SIGKILL after the stop timeout
  Status kill();     // SIGKILL, no automatic restart (for tests)
  Status restart();  // start again after stop or kill, same ports

 private:
  friend class Mesh;
  Node(std::shared_ptr<const Mesh> mesh, tower_mesh_node* node);
  std::shared_ptr<const Mesh> mesh_;
  tower_mesh_node* node_;
  std::string client_url_, name_;
};

// A lasting delivery; destroying it (or cancel) stops it: no handler call
// runs or starts afterwards.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  void cancel();

 private:
  friend class Client;
  struct State;
  Subscription(std::shared_ptr<const Mesh> mesh, std::unique_ptr<State> state);
  std::shared_ptr<const Mesh> mesh_;
  std::unique_ptr<State> state_;
};

// A client connection. Thread-safe; subscriptions must not outlive it.
class Client {
 public:
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // ---- any operation by name ----
  // Runs `op`; messages it delivers go to `msgs` (may be null).
  Result<Value> call(std::string_view op, std::span<const Value> args,
                     const Handler* msgs = nullptr) const;
  Result<Value> call(std::string_view op, std::initializer_list<Value> args,
                     const Handler* msgs = nullptr) const {
    return call(op, std::span<const Value>(args.begin(), args.size()), msgs);
  }
  // Starts a subscription operation (subscribe, queue_subscribe,
  // js.subscribe, kv.watch, lock.keepalive).
  Result<std::unique_ptr<Subscription>> subscribe_op(std::string_view op,
                                                     std::span<const Value> args,
                                                     Handler handler) const;

  // ---- core messaging ----
  Status publish(std::string_view subject, std::string_view data,
                 std::string_view headers = {}) const;
  Status publish_batch(std::string_view subject, std::span<const std::string> data) const;
  Result<Message> request(std::string_view subject, std::string_view data,
                          std::chrono::nanoseconds timeout = std::chrono::seconds(5)) const;
  Status respond(const Message& request, std::string_view data) const;
  Status flush() const;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view subject, Handler h) const;
  Result<std::unique_ptr<Subscription>> queue_subscribe(std::string_view subject,
                                                        std::string_view queue, Handler h) const;

  // ---- JetStream ----
  Result<Record> stream_create(std::string_view name, const Options& config = {}) const;
  Status stream_delete(std::string_view name) const;
  Result<Record> stream_info(std::string_view name) const;
  Result<PubAck> js_publish(std::string_view subject, std::string_view data,
                            const Options& options = {}) const;
  Status js_publish_async(std::string_view subject, std::string_view data) const;
  Status js_publish_async_complete(
      std::chrono::nanoseconds timeout = std::chrono::seconds(10)) const;
  Result<Record> consumer_create(std::string_view stream, const Options& config) const;
  Status consumer_delete(std::string_view stream, std::string_view name) const;
  Result<std::vector<Message>> fetch(
      std::string_view stream, std::string_view durable, int64_t batch,
      std::chrono::nanoseconds timeout = std::chrono::seconds(1)) const;
  Status ack(const Message& m) const;
  Status nak(const Message& m) const;
  Status term(const Message& m) const;

  // ---- KV buckets ----
  Result<bool> kv_create(std::string_view bucket, const Options& config = {}) const;
  Result<bool> kv_exists(std::string_view bucket) const;
  Status kv_delete_bucket(std::string_view bucket) const;
  Result<KvEntry> kv_get(std::string_view bucket, std::string_view key) const;
  Result<uint64_t> kv_put(std::string_view bucket, std::string_view key,
                          std::string_view value) const;
  Result<uint64_t> kv_create_key(std::string_view bucket, std::string_view key,
                                 std::string_view value) const;
  Result<uint64_t> kv_update(std::string_view bucket, std::string_view key, std::string_view value,
                             uint64_t expected_revision) const;
  Status kv_delete(std::string_view bucket, std::string_view key,
                   std::optional<uint64_t> expected_revision = std::nullopt) const;
  Status kv_purge(std::string_view bucket, std::string_view key,
                  std::optional<uint64_t> expected_revision = std::nullopt) const;
  Result<std::vector<std::string>> kv_keys(std::string_view bucket) const;
  Result<std::unique_ptr<Subscription>> kv_watch(std::string_view bucket, std::string_view keys,
                                                 Handler h) const;

  // ---- object store ----
  Result<bool> obj_create(std::string_view bucket, const Options& config = {}) const;
  Status obj_delete_bucket(std::string_view bucket) const;
  Result<Record> obj_put(std::string_view bucket, std::string_view name, std::string_view data,
                         const Options& options = {}) const;
  Result<std::string> obj_get(std::string_view bucket, std::string_view name) const;
  Result<Record> obj_info(std::string_view bucket, std::string_view name) const;
  Result<std::vector<std::string>> obj_list(std::string_view bucket) const;
  Result<bool> obj_exists(std::string_view bucket, std::string_view name) const;
  Status obj_delete(std::string_view bucket, std::string_view name) const;
  Result<Record> obj_copy(std::string_view bucket, std::string_view from,
                          std::string_view to) const;
  Result<Record> obj_move(std::string_view bucket, std::string_view from,
                          std::string_view to) const;

  // ---- distributed locks (on a KV bucket made by lock_bucket_create) ----
  Result<bool> lock_bucket_create(std::string_view bucket, std::chrono::milliseconds lease,
                                  int replicas = 1) const;
  // The fencing token when acquired; nullopt when someone else holds it.
  Result<std::optional<uint64_t>> try_lock(std::string_view bucket, std::string_view name,
                                           std::string_view owner) const;
  // Waits up to `timeout` (Timeout error after).
  Result<uint64_t> lock(std::string_view bucket, std::string_view name, std::string_view owner,
                        std::chrono::milliseconds timeout) const;
  // A new token; Aborted when the lock was lost.
  Result<uint64_t> refresh_lock(std::string_view bucket, std::string_view name,
                                std::string_view owner, uint64_t token) const;
  // False when the lock was no longer ours.
  Result<bool> unlock(std::string_view bucket, std::string_view name, std::string_view owner,
                      uint64_t token) const;
  Status force_unlock(std::string_view bucket, std::string_view name) const;
  // Informational: another client may take or lose it right after.
  Result<bool> is_locked(std::string_view bucket, std::string_view name) const;

 private:
  friend class Mesh;
  Client(std::shared_ptr<const Mesh> mesh, tower_mesh_conn* conn);
  std::shared_ptr<const Mesh> mesh_;
  tower_mesh_conn* conn_;
};

// One operation of a mesh plugin, for listings.
struct OperationInfo {
  std::string name, usage, summary;
};

// A loaded mesh plugin.
class Mesh : public std::enable_shared_from_this<Mesh> {
 public:
  // Loads mesh plugin `name` (NotFound / Incompatible from the loader;
  // InvalidArgument when the plugin is of another kind).
  static Result<std::shared_ptr<Mesh>> Load(PluginManager& plugins,
                                            const std::string& name = "nats");

  // Starts a node from options (docs/mesh.md) and waits until it is ready.
  Result<std::unique_ptr<Node>> start_node(const Options& options) const;
  Result<std::unique_ptr<Node>> start_cluster(const ClusterOptions& o) const {
    return start_node(o.options());
  }
  Result<std::unique_ptr<Node>> start_leaf(const LeafOptions& o) const {
    return start_node(o.options());
  }
  Result<std::unique_ptr<Client>> connect(const ClientOptions& options) const;
  Result<std::unique_ptr<Client>> connect(const Options& options) const;

  std::vector<OperationInfo> operations() const;
  const PluginPtr& plugin() const { return plugin_; }
  const tower_mesh_api* api() const { return api_; }

 private:
  Mesh(PluginPtr plugin) : plugin_(std::move(plugin)), api_(plugin_->mesh_api()) {}
  PluginPtr plugin_;  // keeps the library loaded
  const tower_mesh_api* api_;
};

}  // namespace tower::mesh

#endif  // TOWER_MESH_HPP_
