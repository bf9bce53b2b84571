// tower::mesh: the host side of the mesh kind (tower/sdk/mesh.h).
#include "tower/mesh.hpp"

#include <boost/container/small_vector.hpp>
#include <mutex>

#include "result_sink.hpp"

namespace tower::mesh {

namespace {

struct ErrorText {
  std::string message;
  tower_sink sink{&message, [](void* c, const char* d, size_t n) {
                    static_cast<std::string*>(c)->assign(d, n);
                  }};
};

Status FromCode(int32_t code, ErrorText& err) {
  if (code == TOWER_OK) return Status::OK();
  return Status::FromAbi(code, std::move(err.message));
}

// Options as the C array (views into `opts`).
std::vector<tower_mesh_option> AbiOptions(const Options& opts) {
  std::vector<tower_mesh_option> out;
  out.reserve(opts.size());
  for (const auto& [n, v] : opts) out.push_back({{n.data(), n.size()}, {v.data(), v.size()}});
  return out;
}

std::string_view View(tower_slice s) { return {s.data ? s.data : "", s.size}; }

Message ToMessage(const tower_mesh_msg& m) {
  Message x;
  x.subject = View(m.subject);
  x.reply = View(m.reply);
  x.data = View(m.data);
  for (size_t i = 0; i < m.header_count; ++i)
    x.headers.emplace_back(View(m.headers[i].name), View(m.headers[i].value));
  x.flags = m.flags;
  x.sequence = m.sequence;
  x.consumer_sequence = m.consumer_sequence;
  x.delivered = m.delivered;
  x.pending = m.pending;
  x.timestamp_ns = m.timestamp_ns;
  x.stream = View(m.stream);
  return x;
}

// Calls a Handler from the C callback.
int32_t Deliver(void* ctx, const tower_mesh_msg* m) {
  (*static_cast<const Handler*>(ctx))(ToMessage(*m));
  return 0;
}

Value Bin(std::string_view s) { return Value(Binary{std::string(s)}); }
Value Text(std::string_view s) { return Value(std::string(s)); }
Value Int(uint64_t v) { return Value(static_cast<int64_t>(v)); }
Value Dur(std::chrono::nanoseconds d) { return Value(Duration{d.count()}); }

// Appends NAME VALUE pairs as string arguments.
void AddOptions(std::vector<Value>* args, const Options& o) {
  for (const auto& [n, v] : o) {
    args->emplace_back(n);
    args->emplace_back(v);
  }
}

std::string BytesOf(const Value& v) {
  if (v.type() == Value::Type::kBinary) return v.as_binary().bytes;
  if (v.type() == Value::Type::kString) return v.as_string();
  return {};
}

Result<std::vector<std::string>> Strings(Result<Value> r) {
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  if (r->type() != Value::Type::kArray) return out;
  for (const auto& v : r->as_array()) out.push_back(BytesOf(v));
  return out;
}

Result<bool> Bool(Result<Value> r) {
  if (!r.ok()) return r.status();
  return r->type() == Value::Type::kBool && r->as_bool();
}

Result<uint64_t> Revision(Result<Value> r) {
  if (!r.ok()) return r.status();
  if (r->type() != Value::Type::kInt) return Status::Internal("mesh: expected an int result");
  return static_cast<uint64_t>(r->as_int());
}

Result<Record> AsRecord(Result<Value> r) {
  if (!r.ok()) return r.status();
  return Record(std::move(*r));
}

Status Done(Result<Value> r) { return r.ok() ? Status::OK() : r.status(); }

}  // namespace

// ---- Message, Record ----

std::optional<std::string_view> Message::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

Record::Record(Value v) : v_(std::move(v)) {}

const Value* Record::get(std::string_view field) const {
  if (v_.type() != Value::Type::kArray) return nullptr;
  const auto& a = v_.as_array();
  for (size_t i = 0; i + 1 < a.size(); i += 2) {
    if (a[i].type() == Value::Type::kString && a[i].as_string() == field) return &a[i + 1];
  }
  return nullptr;
}

int64_t Record::integer(std::string_view field) const {
  const Value* v = get(field);
  if (v == nullptr) return 0;
  switch (v->type()) {
    case Value::Type::kInt: return v->as_int();
    case Value::Type::kTimestamp: return v->as_timestamp().ns;
    case Value::Type::kDuration: return v->as_duration().ns;
    default: return 0;
  }
}

std::string Record::text(std::string_view field) const {
  const Value* v = get(field);
  return v == nullptr ? std::string() : BytesOf(*v);
}

bool Record::flag(std::string_view field) const {
  const Value* v = get(field);
  return v != nullptr && v->type() == Value::Type::kBool && v->as_bool();
}

// ---- builders ----

ClusterOptions& ClusterOptions::with_gateway(std::string name, const std::string& host, int port,
                                             std::string user, std::string password,
                                             const std::vector<GatewayRemote>& remotes) {
  set("kind", "gateway");
  set("gateway_name", std::move(name));
  set("gateway_listen", HostPort(host, port));
  if (!user.empty()) {
    set("gateway_user", std::move(user));
    set("gateway_password", std::move(password));
  }
  std::string r;
  for (const auto& g : remotes) r += (r.empty() ? "" : ";") + g.name + "=" + Join(g.urls, "|");
  if (!r.empty()) set("gateway_remotes", r);
  return *this;
}

ClusterOptions& ClusterOptions::with_leaf_node(const std::string& host, int port, std::string user,
                                               std::string password) {
  set("leaf_listen", HostPort(host, port));
  if (!user.empty()) {
    set("leaf_user", std::move(user));
    set("leaf_password", std::move(password));
  }
  return *this;
}

std::string ClusterOptions::Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

LeafOptions& LeafOptions::with_leaf_remotes(const std::vector<std::string>& urls, std::string user,
                                            std::string password) {
  std::string joined;
  for (const auto& u : urls) joined += (joined.empty() ? "" : ",") + u;
  set("leaf_remotes", joined);
  if (!user.empty()) {
    set("leaf_remote_user", std::move(user));
    set("leaf_remote_password", std::move(password));
  }
  return *this;
}

ClientOptions& ClientOptions::with_option(std::string name, std::string value) {
  for (auto& [n, v] : opts_) {
    if (n == name) {
      v = std::move(value);
      return *this;
    }
  }
  opts_.emplace_back(std::move(name), std::move(value));
  return *this;
}

ClientOptions& ClientOptions::with_servers(const std::vector<std::string>& urls) {
  std::string joined;
  for (const auto& u : urls) joined += (joined.empty() ? "" : ",") + u;
  return with_option("servers", joined);
}
ClientOptions& ClientOptions::with_auth(std::string user, std::string password) {
  with_option("user", std::move(user));
  return with_option("password", std::move(password));
}
ClientOptions& ClientOptions::with_token(std::string token) {
  return with_option("token", std::move(token));
}
ClientOptions& ClientOptions::with_name(std::string name) {
  return with_option("name", std::move(name));
}
ClientOptions& ClientOptions::with_timeout(std::chrono::milliseconds timeout) {
  return with_option("timeout", std::to_string(timeout.count()) + "ms");
}
ClientOptions& ClientOptions::with_domain(std::string domain) {
  return with_option("domain", std::move(domain));
}

// ---- Mesh ----

Result<std::shared_ptr<Mesh>> Mesh::Load(PluginManager& plugins, const std::string& name) {
  auto p = plugins.Load(name, PluginKind::kMesh);
  if (!p.ok()) return p.status();
  return std::shared_ptr<Mesh>(new Mesh(std::move(*p)));
}

Result<std::unique_ptr<Node>> Mesh::start_node(const Options& options) const {
  auto abi = AbiOptions(options);
  ErrorText err;
  tower_mesh_node* n = nullptr;
  TOWER_RETURN_IF_ERROR(FromCode(api_->node_start(abi.data(), abi.size(), &n, &err.sink), err));
  std::unique_ptr<Node> node(new Node(shared_from_this(), n));
  auto info = node->info();
  if (!info.ok()) return info.status();
  node->client_url_ = info->text("client_url");
  node->name_ = info->text("server_name");
  return node;
}

Result<std::unique_ptr<Client>> Mesh::connect(const ClientOptions& options) const {
  return connect(options.options());
}

Result<std::unique_ptr<Client>> Mesh::connect(const Options& options) const {
  auto abi = AbiOptions(options);
  ErrorText err;
  tower_mesh_conn* c = nullptr;
  TOWER_RETURN_IF_ERROR(FromCode(api_->connect(abi.data(), abi.size(), &c, &err.sink), err));
  return std::unique_ptr<Client>(new Client(shared_from_this(), c));
}

std::vector<OperationInfo> Mesh::operations() const {
  std::vector<OperationInfo> out;
  for (size_t i = 0; api_->op_names[i] != nullptr; ++i)
    out.push_back({api_->op_names[i], api_->op_usages[i], api_->op_summaries[i]});
  return out;
}

// ---- Node ----

Node::Node(std::shared_ptr<const Mesh> mesh, tower_mesh_node* node)
    : mesh_(std::move(mesh)), node_(node) {}

Node::~Node() { mesh_->api()->node_close(node_); }

Result<Record> Node::info() const {
  ResultSink r;
  ErrorText err;
  TOWER_RETURN_IF_ERROR(FromCode(mesh_->api()->node_info(node_, &r.sink, &err.sink), err));
  TOWER_RETURN_IF_ERROR(r.error);
  return Record(r.Take());
}

Status Node::stop() {
  ErrorText err;
  return FromCode(mesh_->api()->node_control(node_, TOWER_MESH_NODE_STOP, &err.sink), err);
}
Status Node::kill() {
  ErrorText err;
  return FromCode(mesh_->api()->node_control(node_, TOWER_MESH_NODE_KILL, &err.sink), err);
}
Status Node::restart() {
  ErrorText err;
  return FromCode(mesh_->api()->node_control(node_, TOWER_MESH_NODE_RESTART, &err.sink), err);
}

// ---- Subscription ----

struct Subscription::State {
  Handler handler;  // the C handler's ctx points here
  tower_mesh_sub* sub = nullptr;
  std::once_flag once;
};

Subscription::Subscription(std::shared_ptr<const Mesh> mesh, std::unique_ptr<State> state)
    : mesh_(std::move(mesh)), state_(std::move(state)) {}

Subscription::~Subscription() { cancel(); }

void Subscription::cancel() {
  std::call_once(state_->once, [&] { mesh_->api()->unsubscribe(state_->sub); });
}

// ---- Client ----

Client::Client(std::shared_ptr<const Mesh> mesh, tower_mesh_conn* conn)
    : mesh_(std::move(mesh)), conn_(conn) {}

Client::~Client() { mesh_->api()->close(conn_); }

Result<Value> Client::call(std::string_view op, std::span<const Value> args,
                           const Handler* msgs) const {
  boost::container::small_vector<std::string, 6> scratch(args.size());
  boost::container::small_vector<tower_value, 6> abi(args.size());
  for (size_t i = 0; i < args.size(); ++i) abi[i] = ToAbiValue(args[i], &scratch[i]);
  std::string name(op);
  tower_mesh_handler h{const_cast<Handler*>(msgs), &Deliver};
  ResultSink r;
  ErrorText err;
  int32_t code = mesh_->api()->call(conn_, name.c_str(), abi.data(), abi.size(),
                                    msgs != nullptr ? &h : nullptr, &r.sink, &err.sink);
  TOWER_RETURN_IF_ERROR(FromCode(code, err));
  if (!r.error.ok()) return r.error.WithContext(name + " returned a bad value");
  return r.Take();
}

Result<std::unique_ptr<Subscription>> Client::subscribe_op(std::string_view op,
                                                           std::span<const Value> args,
                                                           Handler handler) const {
  if (!handler) return Status::InvalidArgument(std::string(op) + ": a handler is required");
  boost::container::small_vector<std::string, 6> scratch(args.size());
  boost::container::small_vector<tower_value, 6> abi(args.size());
  for (size_t i = 0; i < args.size(); ++i) abi[i] = ToAbiValue(args[i], &scratch[i]);
  auto state = std::make_unique<Subscription::State>();
  state->handler = std::move(handler);
  tower_mesh_handler h{&state->handler, &Deliver};
  std::string name(op);
  ErrorText err;
  TOWER_RETURN_IF_ERROR(FromCode(mesh_->api()->subscribe(conn_, name.c_str(), abi.data(),
                                                         abi.size(), &h, &state->sub, &err.sink),
                                 err));
  return std::unique_ptr<Subscription>(new Subscription(mesh_, std::move(state)));
}

Status Client::publish(std::string_view subject, std::string_view data,
                       std::string_view headers) const {
  if (headers.empty()) return Done(call("publish", {Text(subject), Bin(data)}));
  return Done(call("publish", {Text(subject), Bin(data), Text(headers)}));
}

Status Client::publish_batch(std::string_view subject, std::span<const std::string> data) const {
  std::vector<Value> args{Text(subject)};
  for (const auto& d : data) args.push_back(Bin(d));
  return Done(call("publish_batch", args));
}

Result<Message> Client::request(std::string_view subject, std::string_view data,
                                std::chrono::nanoseconds timeout) const {
  std::optional<Message> reply;
  Handler h = [&](const Message& m) { reply = m; };
  auto r = call("request", {Text(subject), Bin(data), Dur(timeout)}, &h);
  if (!r.ok()) return r.status();
  if (!reply) return Status::Internal("request: the plugin delivered no reply message");
  return std::move(*reply);
}

Status Client::respond(const Message& request, std::string_view data) const {
  return Done(call("respond", {Text(request.reply), Bin(data)}));
}

Status Client::flush() const { return Done(call("flush", {})); }

Result<std::unique_ptr<Subscription>> Client::subscribe(std::string_view subject, Handler h) const {
  Value args[] = {Text(subject)};
  return subscribe_op("subscribe", args, std::move(h));
}

Result<std::unique_ptr<Subscription>> Client::queue_subscribe(std::string_view subject,
                                                              std::string_view queue,
                                                              Handler h) const {
  Value args[] = {Text(subject), Text(queue)};
  return subscribe_op("queue_subscribe", args, std::move(h));
}

Result<Record> Client::stream_create(std::string_view name, const Options& config) const {
  std::vector<Value> args{Text(name)};
  AddOptions(&args, config);
  return AsRecord(call("stream.create", args));
}

Status Client::stream_delete(std::string_view name) const {
  return Done(call("stream.delete", {Text(name)}));
}

Result<Record> Client::stream_info(std::string_view name) const {
  return AsRecord(call("stream.info", {Text(name)}));
}

Result<PubAck> Client::js_publish(std::string_view subject, std::string_view data,
                                  const Options& options) const {
  std::vector<Value> args{Text(subject), Bin(data)};
  AddOptions(&args, options);
  auto r = AsRecord(call("js.publish", args));
  if (!r.ok()) return r.status();
  return PubAck{r->text("stream"), static_cast<uint64_t>(r->integer("sequence")),
                r->flag("duplicate"), r->text("domain")};
}

Status Client::js_publish_async(std::string_view subject, std::string_view data) const {
  return Done(call("js.publish_async", {Text(subject), Bin(data)}));
}

Status Client::js_publish_async_complete(std::chrono::nanoseconds timeout) const {
  return Done(call("js.publish_async_complete", {Dur(timeout)}));
}

Result<Record> Client::consumer_create(std::string_view stream, const Options& config) const {
  std::vector<Value> args{Text(stream)};
  AddOptions(&args, config);
  return AsRecord(call("consumer.create", args));
}

Status Client::consumer_delete(std::string_view stream, std::string_view name) const {
  return Done(call("consumer.delete", {Text(stream), Text(name)}));
}

Result<std::vector<Message>> Client::fetch(std::string_view stream, std::string_view durable,
                                           int64_t batch, std::chrono::nanoseconds timeout) const {
  std::vector<Message> out;
  Handler h = [&](const Message& m) { out.push_back(m); };
  auto r = call("consumer.fetch", {Text(stream), Text(durable), Value(batch), Dur(timeout)}, &h);
  if (!r.ok()) return r.status();
  return out;
}

Status Client::ack(const Message& m) const { return Done(call("js.ack", {Text(m.reply)})); }
Status Client::nak(const Message& m) const { return Done(call("js.nak", {Text(m.reply)})); }
Status Client::term(const Message& m) const { return Done(call("js.term", {Text(m.reply)})); }

Result<bool> Client::kv_create(std::string_view bucket, const Options& config) const {
  std::vector<Value> args{Text(bucket)};
  AddOptions(&args, config);
  return Bool(call("kv.create", args));
}

Result<bool> Client::kv_exists(std::string_view bucket) const {
  return Bool(call("kv.exists", {Text(bucket)}));
}

Status Client::kv_delete_bucket(std::string_view bucket) const {
  return Done(call("kv.delete_bucket", {Text(bucket)}));
}

Result<KvEntry> Client::kv_get(std::string_view bucket, std::string_view key) const {
  auto r = AsRecord(call("kv.get", {Text(bucket), Text(key)}));
  if (!r.ok()) return r.status();
  return KvEntry{r->text("value"), static_cast<uint64_t>(r->integer("revision")),
                 r->integer("created")};
}

Result<uint64_t> Client::kv_put(std::string_view bucket, std::string_view key,
                                std::string_view value) const {
  return Revision(call("kv.put", {Text(bucket), Text(key), Bin(value)}));
}

Result<uint64_t> Client::kv_create_key(std::string_view bucket, std::string_view key,
                                       std::string_view value) const {
  return Revision(call("kv.create_key", {Text(bucket), Text(key), Bin(value)}));
}

Result<uint64_t> Client::kv_update(std::string_view bucket, std::string_view key,
                                   std::string_view value, uint64_t expected_revision) const {
  return Revision(call("kv.update", {Text(bucket), Text(key), Bin(value), Int(expected_revision)}));
}

Status Client::kv_delete(std::string_view bucket, std::string_view key,
                         std::optional<uint64_t> expected_revision) const {
  if (!expected_revision) return Done(call("kv.delete", {Text(bucket), Text(key)}));
  return Done(call("kv.delete", {Text(bucket), Text(key), Int(*expected_revision)}));
}

Status Client::kv_purge(std::string_view bucket, std::string_view key,
                        std::optional<uint64_t> expected_revision) const {
  if (!expected_revision) return Done(call("kv.purge", {Text(bucket), Text(key)}));
  return Done(call("kv.purge", {Text(bucket), Text(key), Int(*expected_revision)}));
}

Result<std::vector<std::string>> Client::kv_keys(std::string_view bucket) const {
  return Strings(call("kv.keys", {Text(bucket)}));
}

Result<std::unique_ptr<Subscription>> Client::kv_watch(std::string_view bucket,
                                                       std::string_view keys, Handler h) const {
  Value args[] = {Text(bucket), Text(keys)};
  return subscribe_op("kv.watch", args, std::move(h));
}

Result<bool> Client::obj_create(std::string_view bucket, const Options& config) const {
  std::vector<Value> args{Text(bucket)};
  AddOptions(&args, config);
  return Bool(call("obj.create", args));
}

Status Client::obj_delete_bucket(std::string_view bucket) const {
  return Done(call("obj.delete_bucket", {Text(bucket)}));
}

Result<Record> Client::obj_put(std::string_view bucket, std::string_view name,
                               std::string_view data, const Options& options) const {
  std::vector<Value> args{Text(bucket), Text(name), Bin(data)};
  AddOptions(&args, options);
  return AsRecord(call("obj.put", args));
}

Result<std::string> Client::obj_get(std::string_view bucket, std::string_view name) const {
  auto r = call("obj.get", {Text(bucket), Text(name)});
  if (!r.ok()) return r.status();
  return BytesOf(*r);
}

Result<Record> Client::obj_info(std::string_view bucket, std::string_view name) const {
  return AsRecord(call("obj.info", {Text(bucket), Text(name)}));
}

Result<std::vector<std::string>> Client::obj_list(std::string_view bucket) const {
  return Strings(call("obj.list", {Text(bucket)}));
}

Result<bool> Client::obj_exists(std::string_view bucket, std::string_view name) const {
  return Bool(call("obj.exists", {Text(bucket), Text(name)}));
}

Status Client::obj_delete(std::string_view bucket, std::string_view name) const {
  return Done(call("obj.delete", {Text(bucket), Text(name)}));
}

Result<Record> Client::obj_copy(std::string_view bucket, std::string_view from,
                                std::string_view to) const {
  return AsRecord(call("obj.copy", {Text(bucket), Text(from), Text(to)}));
}

Result<Record> Client::obj_move(std::string_view bucket, std::string_view from,
                                std::string_view to) const {
  return AsRecord(call("obj.move", {Text(bucket), Text(from), Text(to)}));
}

Result<bool> Client::lock_bucket_create(std::string_view bucket, std::chrono::milliseconds lease,
                                        int replicas) const {
  return Bool(call("lock.create_bucket", {Text(bucket), Dur(lease), Value(replicas)}));
}

Result<std::optional<uint64_t>> Client::try_lock(std::string_view bucket, std::string_view name,
                                                 std::string_view owner) const {
  auto r = call("lock.try", {Text(bucket), Text(name), Text(owner)});
  if (!r.ok()) return r.status();
  if (r->type() != Value::Type::kInt) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(r->as_int()));
}

Result<uint64_t> Client::lock(std::string_view bucket, std::string_view name,
                              std::string_view owner, std::chrono::milliseconds timeout) const {
  return Revision(call("lock.acquire", {Text(bucket), Text(name), Text(owner), Dur(timeout)}));
}

Result<uint64_t> Client::refresh_lock(std::string_view bucket, std::string_view name,
                                      std::string_view owner, uint64_t token) const {
  return Revision(call("lock.refresh", {Text(bucket), Text(name), Text(owner), Int(token)}));
}

Result<bool> Client::unlock(std::string_view bucket, std::string_view name, std::string_view owner,
                            uint64_t token) const {
  return Bool(call("lock.release", {Text(bucket), Text(name), Text(owner), Int(token)}));
}

Status Client::force_unlock(std::string_view bucket, std::string_view name) const {
  return Done(call("lock.force_release", {Text(bucket), Text(name)}));
}

Result<bool> Client::is_locked(std::string_view bucket, std::string_view name) const {
  return Bool(call("lock.is_locked", {Text(bucket), Text(name)}));
}

}  // namespace tower::mesh
