#include "tower/backend.hpp"

#include <cstdlib>

#include "tower/sdk/host.hpp"

namespace tower {

Snapshot::~Snapshot() { db_->api_->snapshot_free(db_->db_, snap_); }

Iterator::~Iterator() { api_->iter_free(it_); }

Status Iterator::status() const {
  sdk::ErrorSink err;
  int32_t code = api_->iter_status(it_, &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Status::FromAbi(code, std::move(err.message));
}

Backend::Backend(PluginPtr plugin, tower_backend* db, std::string path)
    : plugin_(std::move(plugin)), api_(plugin_->backend_api()), db_(db), path_(std::move(path)) {}

Backend::~Backend() { api_->close(db_); }

namespace {

// The resolver handed to a backend's open(): loads the backends it wraps
// with a plugin manager of its own and keeps them until the Backend owns
// them.
struct Resolver {
  const BackendOptions* options;
  const Plugin* outer;
  std::unique_ptr<PluginManager> manager;
  std::vector<PluginPtr> loaded;

  static int32_t Find(void* ctx, const char* name, const tower_backend_api** out, tower_sink* err) {
    auto* r = static_cast<Resolver*>(ctx);
    std::string n = name ? name : "";
    auto fail = [&](const Status& s) {
      if (err) err->set(err->ctx, s.message().data(), s.message().size());
      return static_cast<int32_t>(s.code());
    };
    if (n == r->outer->name())
      return fail(Status::InvalidArgument("backend '" + n + "' cannot wrap itself"));
    if (!r->manager) {
      auto dirs = r->options->plugin_dirs;
      dirs.push_back(r->outer->info().file.parent_path());
      r->manager = std::make_unique<PluginManager>(std::move(dirs));
    }
    auto p = r->manager->Load(n, PluginKind::kBackend);
    if (!p.ok()) return fail(p.status());
    r->loaded.push_back(*p);
    *out = (*p)->backend_api();
    return TOWER_OK;
  }
};

}  // namespace

Result<std::shared_ptr<Backend>> Backend::Open(PluginPtr plugin, const BackendOptions& o) {
  if (plugin == nullptr || plugin->kind() != PluginKind::kBackend) {
    return Status::InvalidArgument("Backend::Open needs a backend plugin");
  }
  std::vector<tower_option> extra;
  extra.reserve(o.extra.size());
  for (const auto& [k, v] : o.extra) extra.push_back({k.c_str(), v.c_str()});
  uint32_t flags = 0;
  if (o.in_memory) flags |= TOWER_OPEN_IN_MEMORY;
  if (o.create_if_missing) flags |= TOWER_OPEN_CREATE_IF_MISSING;
  if (o.error_if_exists) flags |= TOWER_OPEN_ERROR_IF_EXISTS;
  if (o.sync_writes) flags |= TOWER_OPEN_SYNC_WRITES;
  if (o.read_only) flags |= TOWER_OPEN_READ_ONLY;
  tower_backend_options abi{sizeof(tower_backend_options),
                            flags,
                            o.path.c_str(),
                            o.cache_size,
                            o.memtable_size,
                            o.bytes_per_sync,
                            extra.data(),
                            extra.size(),
                            nullptr};
  Resolver resolver{&o, plugin.get(), nullptr, {}};
  const tower_backend_resolver resolver_abi{sizeof(tower_backend_resolver), &resolver,
                                            &Resolver::Find};
  abi.resolver = &resolver_abi;
  const tower_backend_api* api = plugin->backend_api();
  tower_backend* db = nullptr;
  sdk::ErrorSink err;
  int32_t code = api->open(&abi, &db, &err.sink);
  if (code != TOWER_OK) {
    return Status::FromAbi(
        code, "backend '" + plugin->name() + "' could not open " +
                  (o.in_memory ? std::string("an in-memory store") : "'" + o.path + "'") + ": " +
                  err.message);
  }
  auto b = std::shared_ptr<Backend>(new Backend(std::move(plugin), db, o.path));
  b->inner_ = std::move(resolver.loaded);
  auto mks = b->Property("tower.max-key-size");
  if (mks.ok()) b->max_key_size_ = std::strtoull(mks->c_str(), nullptr, 10);
  return b;
}

Status Backend::Error(int32_t code, std::string&& message, std::string_view what) const {
  if (code == TOWER_E_NOT_FOUND && what == "get")
    return Status(Code::kNotFound, std::move(message));
  return Status::FromAbi(code, plugin_->name() + " " + std::string(what) + ": " + message);
}

namespace {

tower_read_options ToAbi(const ReadOptions& ro) {
  // The snapshot handle is filled in by Backend, Snapshot's friend.
  tower_read_options r = sdk::default_read_options();
  if (ro.lower_bound) r.lower_bound = {ro.lower_bound->data(), ro.lower_bound->size()};
  if (ro.upper_bound) r.upper_bound = {ro.upper_bound->data(), ro.upper_bound->size()};
  // A bound with a null data pointer (an empty string_view) must still count.
  static const char kEmpty = 0;
  if (ro.lower_bound && r.lower_bound.data == nullptr) r.lower_bound.data = &kEmpty;
  if (ro.upper_bound && r.upper_bound.data == nullptr) r.upper_bound.data = &kEmpty;
  return r;
}

}  // namespace

Status Backend::Get(const ReadOptions& ro, std::string_view key, std::string* value) const {
  sdk::StringSink out(value);
  return Get(ro, key, &out.sink);
}

Status Backend::Get(const ReadOptions& ro, std::string_view key, tower_sink* value) const {
  tower_read_options r = ToAbi(ro);
  if (ro.snapshot) r.snapshot = ro.snapshot->snap_;
  sdk::ErrorSink err;
  int32_t code = api_->get(db_, &r, {key.data(), key.size()}, value, &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Error(code, std::move(err.message), "get");
}

Status Backend::MultiGet(const ReadOptions& ro, const std::vector<std::string_view>& keys,
                         std::vector<std::string>* values, std::vector<Status>* statuses) const {
  tower_read_options r = ToAbi(ro);
  if (ro.snapshot) r.snapshot = ro.snapshot->snap_;
  std::vector<tower_slice> slices;
  slices.reserve(keys.size());
  for (auto k : keys) slices.push_back({k.data(), k.size()});
  values->assign(keys.size(), std::string());
  statuses->assign(keys.size(), Status::NotFound("not read"));
  struct Ctx {
    std::vector<std::string>* values;
    std::vector<Status>* statuses;
  } ctx{values, statuses};
  tower_multi_sink sink{&ctx, [](void* c, size_t i, int32_t code, const char* data, size_t size) {
                          auto* x = static_cast<Ctx*>(c);
                          if (i >= x->values->size()) return;
                          if (code == TOWER_OK) {
                            (*x->values)[i].assign(data, size);
                            (*x->statuses)[i] = Status::OK();
                          } else {
                            (*x->statuses)[i] = Status::FromAbi(code, std::string(data, size));
                          }
                        }};
  sdk::ErrorSink err;
  int32_t code = api_->multi_get(db_, &r, slices.size(), slices.data(), &sink, &err.sink);
  if (code != TOWER_OK) return Error(code, std::move(err.message), "multi_get");
  return Status::OK();
}

Status Backend::Write(const WriteOptions& wo, const WriteBatch& batch) {
  thread_local std::vector<tower_batch_op> ops;
  ops.clear();
  ops.reserve(batch.ops_.size());
  const char* base = batch.arena_.data();
  for (const auto& op : batch.ops_) {
    ops.push_back(
        {op.type, 0, {base + op.key_off, op.key_len}, {base + op.value_off, op.value_len}});
  }
  return WriteOps(wo, ops);
}

Status Backend::WriteOps(const WriteOptions& wo, std::span<const tower_batch_op> ops) {
  tower_write_options w{sizeof(tower_write_options), wo.sync ? TOWER_WRITE_SYNC : 0u};
  sdk::ErrorSink err;
  int32_t code = api_->write(db_, &w, ops.data(), ops.size(), &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Error(code, std::move(err.message), "write");
}

Status Backend::Put(const WriteOptions& wo, std::string_view key, std::string_view value) {
  tower_batch_op op{TOWER_OP_PUT, 0, {key.data(), key.size()}, {value.data(), value.size()}};
  tower_write_options w{sizeof(tower_write_options), wo.sync ? TOWER_WRITE_SYNC : 0u};
  sdk::ErrorSink err;
  int32_t code = api_->write(db_, &w, &op, 1, &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Error(code, std::move(err.message), "put");
}

Status Backend::Delete(const WriteOptions& wo, std::string_view key) {
  tower_batch_op op{TOWER_OP_DELETE, 0, {key.data(), key.size()}, {nullptr, 0}};
  tower_write_options w{sizeof(tower_write_options), wo.sync ? TOWER_WRITE_SYNC : 0u};
  sdk::ErrorSink err;
  int32_t code = api_->write(db_, &w, &op, 1, &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Error(code, std::move(err.message), "delete");
}

Result<std::unique_ptr<Snapshot>> Backend::GetSnapshot() {
  tower_snapshot* s = nullptr;
  sdk::ErrorSink err;
  int32_t code = api_->snapshot_new(db_, &s, &err.sink);
  if (code != TOWER_OK) return Error(code, std::move(err.message), "snapshot");
  return std::unique_ptr<Snapshot>(new Snapshot(shared_from_this(), s));
}

Result<std::unique_ptr<Iterator>> Backend::NewIterator(const ReadOptions& ro) {
  tower_read_options r = ToAbi(ro);
  if (ro.snapshot) r.snapshot = ro.snapshot->snap_;
  tower_iterator* it = nullptr;
  sdk::ErrorSink err;
  int32_t code = api_->iter_new(db_, &r, &it, &err.sink);
  if (code != TOWER_OK) return Error(code, std::move(err.message), "iterator");
  return std::unique_ptr<Iterator>(new Iterator(shared_from_this(), api_, it));
}

Status Backend::Flush(bool sync) {
  sdk::ErrorSink err;
  int32_t code = api_->flush(db_, sync ? TOWER_WRITE_SYNC : 0u, &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Error(code, std::move(err.message), "flush");
}

Status Backend::Checkpoint(const std::string& dir) {
  sdk::ErrorSink err;
  int32_t code = api_->checkpoint(db_, dir.c_str(), &err.sink);
  if (code == TOWER_OK) return Status::OK();
  return Error(code, std::move(err.message), "checkpoint to '" + dir + "'");
}

Result<std::string> Backend::Property(const std::string& name) const {
  std::string value;
  sdk::StringSink out(&value);
  sdk::ErrorSink err;
  int32_t code = api_->property(db_, name.c_str(), &out.sink, &err.sink);
  if (code != TOWER_OK) return Error(code, std::move(err.message), "property");
  return value;
}

}  // namespace tower
