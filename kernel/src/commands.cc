// The command path: data-type plugins' commands, run through one dispatch
// function with key locks, a command context and one atomic batch.
#include <sys/random.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <type_traits>

#include <boost/container/small_vector.hpp>

#include "cmd_ctx.hpp"
#include "db_internal.hpp"
#include "lock_table.hpp"
#include "result_sink.hpp"
#include "tower/db.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"
#include "tower/sdk/host.hpp"

namespace tower {

Status ReadFrame(CmdCtx* c, std::string_view key, FrameView* f, bool include_expired) {
  std::string_view mk = MetaKey(key, &c->buf->key);
  std::string_view frame;
  bool fresh = false;  // read from the backend just now
  if (auto* st = c->Find(mk)) {
    if (st->deleted) return KeyNotFound(key);
    frame = c->Slice(st->frame_off, st->frame_len);
  } else if (c->last_valid && c->buf->last == key) {
    if (!c->last_found && !(include_expired && c->last_present)) return KeyNotFound(key);
    frame = c->buf->read;
  } else {
    c->last_valid = false;
    Status s = c->db->backend().Get({}, mk, &c->buf->read);
    if (s.IsNotFound()) {
      c->Remember(key, false, false, std::nullopt);
      return KeyNotFound(key);
    }
    if (!s.ok()) return s;
    frame = c->buf->read;
    fresh = true;
  }
  auto d = DecodeFrame(key, frame);
  if (!d.ok()) return d.status();
  if (c->db->Expired(d->expiry_ms)) {
    if (fresh) c->Remember(key, true, false, std::nullopt);
    if (!include_expired) return KeyNotFound(key);
    *f = *d;
    return Status::OK();
  }
  if (fresh) c->Remember(key, true, true, d->expiry_ms);
  *f = *d;
  return Status::OK();
}

// The expiry a write with TOWER_WRITE_KEEP_TTL keeps: that of the value the
// command sees (none when the key is absent or expired).
std::optional<uint64_t> KeptExpiry(CmdCtx* c, std::string_view key) {
  if (c->last_valid && c->buf->last == key && c->Find(MetaKey(key, &c->buf->key)) == nullptr) {
    return c->last_found ? c->last_expiry : std::nullopt;
  }
  FrameView f;
  if (ReadFrame(c, key, &f).ok()) return f.expiry_ms;
  return std::nullopt;
}

struct CmdApi {
  static int32_t read_value(tower_cmd_ctx* ctx, tower_slice key, uint32_t type,
                            uint32_t* found_type, uint32_t* encoding, tower_sink* payload,
                            tower_sink* err) {
    tower_slice view{};
    int32_t code = read_value_view(ctx, key, type, found_type, encoding, &view, err);
    if (code == TOWER_OK && payload) payload->set(payload->ctx, view.data, view.size);
    return code;
  }

  static int32_t read_value_view(tower_cmd_ctx* ctx, tower_slice key, uint32_t type,
                                 uint32_t* found_type, uint32_t* encoding, tower_slice* payload,
                                 tower_sink* err) {
    CmdCtx* c = Ctx(ctx);
    FrameView f;
    Status s = ReadFrame(c, View(key), &f);
    if (!s.ok()) {
      Report(err, s);
      return static_cast<int32_t>(s.code());
    }
    Db::DatatypeState* owner = c->db->by_id_dt_[f.type].load(std::memory_order_acquire);
    uint32_t local = owner == c->dt ? c->db->by_id_local_[f.type].load(std::memory_order_relaxed)
                                    : TOWER_FOREIGN_TYPE;
    if (type != TOWER_ANY_TYPE && local != type) {
      std::string want = type < c->dt->api->type_count ? c->dt->api->types[type].name : "?";
      Status m = Status::TypeMismatch("key " + keys::Quote(View(key)) + " holds a " +
                                      c->db->TypeName(f.type) + " value, not " + want);
      Report(err, m);
      return TOWER_E_TYPE_MISMATCH;
    }
    if (found_type) *found_type = local;
    if (encoding) *encoding = f.encoding;
    if (payload) *payload = {f.payload.data(), f.payload.size()};
    return TOWER_OK;
  }

  static int32_t write_value(tower_cmd_ctx* ctx, tower_slice key, uint32_t type,
                             tower_slice payload, uint32_t flags, tower_sink* err) {
    return Write(ctx, key, type, View(payload), payload.size, flags, nullptr, err);
  }

  static int32_t write_value_reserve(tower_cmd_ctx* ctx, tower_slice key, uint32_t type,
                                     size_t size, uint32_t flags, char** buffer, tower_sink* err) {
    return Write(ctx, key, type, {}, size, flags, buffer, err);
  }

  // Stages key := a frame of `type` whose payload is `payload`, or, with
  // `reserve`, `size` zero bytes whose address goes to *reserve.
  static int32_t Write(tower_cmd_ctx* ctx, tower_slice key, uint32_t type, std::string_view payload,
                       size_t size, uint32_t flags, char** reserve, tower_sink* err) {
    CmdCtx* c = Ctx(ctx);
    if (type >= c->dt->api->type_count) {
      Report(err, Status::InvalidArgument("write_value: unknown type index"));
      return TOWER_E_INVALID_ARGUMENT;
    }
    auto id = c->db->TypeId(c->dt, type);
    if (!id.ok()) {
      Report(err, id.status());
      return static_cast<int32_t>(id.status().code());
    }
    std::optional<uint64_t> expiry;
    if (flags & TOWER_WRITE_KEEP_TTL) expiry = KeptExpiry(c, View(key));
    // A value of the same type keeps the key's items; another drops them.
    auto prev = PreviousItems(c, View(key));
    if (!prev.ok()) {
      Report(err, prev.status());
      return static_cast<int32_t>(prev.status().code());
    }
    std::optional<uint64_t> items;
    if (*prev) {
      if ((*prev)->first == *id) {
        items = (*prev)->second;
      } else {
        StageDropItems(c, View(key), (*prev)->second);
      }
    }
    auto encoding = static_cast<uint8_t>(c->dt->api->types[type].encoding);
    c->Stage(MetaKey(View(key), &c->buf->key), [&](std::string* arena) {
      EncodeFrame(arena, *id, encoding, expiry, payload, items);
      if (reserve) {
        arena->resize(arena->size() + size);
        *reserve = arena->data() + arena->size() - size;
      }
    });
    return TOWER_OK;
  }

  static int32_t delete_value(tower_cmd_ctx* ctx, tower_slice key, tower_sink* err) {
    CmdCtx* c = Ctx(ctx);
    auto prev = PreviousItems(c, View(key));
    if (!prev.ok()) {
      Report(err, prev.status());
      return static_cast<int32_t>(prev.status().code());
    }
    if (*prev) StageDropItems(c, View(key), (*prev)->second);
    c->Stage(MetaKey(View(key), &c->buf->key), nullptr);
    return TOWER_OK;
  }

  static uint64_t max_number_bytes(tower_cmd_ctx* ctx) {
    return static_cast<uint64_t>(Ctx(ctx)->db->options().max_number_size.bytes());
  }

  static int64_t now_ns(tower_cmd_ctx* ctx) { return Ctx(ctx)->db->now_ns(); }

  static int32_t random_bytes(tower_cmd_ctx*, char* buf, size_t size, tower_sink* err) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = getrandom(buf + done, size - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        Report(err, Status::IOError(std::string("getrandom: ") + std::strerror(errno)));
        return TOWER_E_IO_ERROR;
      }
      done += static_cast<size_t>(n);
    }
    return TOWER_OK;
  }
};

static int32_t FindCrypto(tower_cmd_ctx* ctx, uint32_t family, tower_slice name, const void** def,
                          tower_sink* err) {
  const CryptoRegistry& r = Ctx(ctx)->db->crypto();
  Result<const void*> d =
      Status::InvalidArgument("find_crypto: unknown family " + std::to_string(family));
  if (family == TOWER_CRYPTO_PASSWORD_ENCODED) {
    auto p = r.PasswordFor(View(name));
    d = p.ok() ? Result<const void*>(*p) : Result<const void*>(p.status());
  } else if (family >= TOWER_CRYPTO_AEAD && family <= TOWER_CRYPTO_HASH) {
    d = r.Find(static_cast<CryptoFamily>(family), View(name));
  }
  if (!d.ok()) {
    Report(err, d.status());
    return static_cast<int32_t>(d.status().code());
  }
  *def = *d;
  return TOWER_OK;
}

static const tower_cmd_api kCmdApi = {sizeof(tower_cmd_api),
                                      0,
                                      &CmdApi::read_value,
                                      &CmdApi::write_value,
                                      &CmdApi::delete_value,
                                      &CmdApi::max_number_bytes,
                                      &CmdApi::now_ns,
                                      &CmdApi::random_bytes,
                                      &FindCrypto,
                                      &CmdApi::read_value_view,
                                      &CmdApi::write_value_reserve,
                                      &ItemGet,
                                      &ItemPut,
                                      &ItemDelete,
                                      &ItemScan,
                                      &ItemClear};

Db::Db() : locks_(std::make_unique<LockTable>()) {}

void Db::set_clock(std::function<int64_t()> now_ns) {
  // The sweeper reads the clock: pause it while the clock changes.
  StopSweeper();
  clock_ = std::move(now_ns);
  StartSweeper();
}

int64_t Db::now_ns() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Db::Expired(std::optional<uint64_t> expiry_ms) const {
  return expiry_ms && DeadlinePassed(expiry_ms, now_ns());
}

std::string Db::TypeName(uint8_t id) const {
  if (id == kTypeBytes) return "bytes";
  std::shared_lock lock(types_mu_);
  for (const auto& t : manifest_.types) {
    if (t.id == id) return t.name;
  }
  return "type #" + std::to_string(id);
}

void Db::Publish(DatatypeState* dt, uint32_t local, uint8_t id) {
  by_id_local_[id].store(local, std::memory_order_relaxed);
  by_id_dt_[id].store(dt, std::memory_order_release);
  dt->db_ids[local].store(id, std::memory_order_release);
}

Result<uint8_t> Db::TypeId(DatatypeState* dt, uint32_t local) {
  if (uint8_t id = dt->db_ids[local].load(std::memory_order_acquire); id != 0) return id;
  const tower_type_def& t = dt->api->types[local];
  auto id = register_type(t.name, dt->plugin->name(), static_cast<uint8_t>(t.encoding));
  if (!id.ok()) return id;
  Publish(dt, local, *id);
  return id;
}

Status Db::LoadDatatypes() {
  std::vector<std::string> names = options_.datatypes;
  if (names.empty()) names = plugins_->Available(PluginKind::kDatatype);
  for (const auto& t : manifest_.types) {
    if (!t.plugin.empty() && std::find(names.begin(), names.end(), t.plugin) == names.end())
      names.push_back(t.plugin);
  }
  std::map<std::string, std::string> type_owner;  // type name -> plugin
  for (const auto& name : names) {
    auto p = plugins_->Load(name, PluginKind::kDatatype);
    if (!p.ok()) return p.status().WithContext("data-type plugin '" + name + "'");
    auto dt = std::make_unique<DatatypeState>();
    dt->plugin = *p;
    dt->api = (*p)->datatype_api();
    dt->db_ids = std::make_unique<std::atomic<uint8_t>[]>(dt->api->type_count);
    for (size_t i = 0; i < dt->api->type_count; ++i) {
      std::string tn = dt->api->types[i].name;
      if (auto [it, fresh] = type_owner.emplace(tn, name); !fresh) {
        return Status::AlreadyExists("type '" + tn + "' is declared by plugins '" + it->second +
                                     "' and '" + name + "'");
      }
    }
    for (size_t i = 0; i < dt->api->command_count; ++i) {
      const tower_command_def* def = &dt->api->commands[i];
      auto cmd = std::make_unique<Command>();
      cmd->def = def;
      cmd->dt = dt.get();
      cmd->info = {def->name,
                   def->usage ? def->usage : "",
                   def->summary ? def->summary : "",
                   name,
                   (def->flags & TOWER_CMD_READ_ONLY) != 0,
                   def->min_args,
                   def->max_args};
      auto [it, fresh] = commands_.emplace(def->name, nullptr);
      if (!fresh) {
        return Status::AlreadyExists("command '" + std::string(def->name) +
                                     "' is registered by plugins '" + it->second->info.plugin +
                                     "' and '" + name + "'");
      }
      command_index_.emplace(it->first, cmd.get());
      it->second = std::move(cmd);
    }
    datatypes_.push_back(std::move(dt));
  }
  // Map the database's recorded type ids onto the loaded plugins.
  for (const auto& t : manifest_.types) {
    if (t.plugin.empty()) continue;
    DatatypeState* dt = nullptr;
    for (auto& d : datatypes_) {
      if (d->plugin->name() == t.plugin) dt = d.get();
    }
    if (dt == nullptr) continue;
    bool found = false;
    for (size_t i = 0; i < dt->api->type_count; ++i) {
      if (t.name != dt->api->types[i].name) continue;
      found = true;
      if (t.encoding > dt->api->types[i].encoding) {
        return Status::Incompatible("the database holds type '" + t.name + "' at encoding " +
                                    std::to_string(t.encoding) + ", but plugin '" + t.plugin +
                                    "' " + dt->plugin->info().version + " writes only up to " +
                                    std::to_string(dt->api->types[i].encoding));
      }
      Publish(dt, static_cast<uint32_t>(i), t.id);
    }
    if (!found) {
      return Status::Incompatible("the database holds type '" + t.name + "', which plugin '" +
                                  t.plugin + "' " + dt->plugin->info().version +
                                  " no longer provides");
    }
  }
  return Status::OK();
}

std::vector<CommandInfo> Db::commands() const {
  std::vector<CommandInfo> out;
  for (const auto& [name, c] : commands_) out.push_back(c->info);
  return out;
}

const Db::Command* Db::FindCommand(std::string_view name) const {
  auto it = command_index_.find(name);
  return it == command_index_.end() ? nullptr : it->second;
}

Status Db::UnknownCommand(std::string_view name) {
  return Status::InvalidArgument("unknown command '" + std::string(name) + "'");
}

namespace {

// Collects a command's result as a tower::Value.

}  // namespace

Result<Value> Db::call(std::string_view name, std::span<const Value> args) {
  const Command* c = FindCommand(name);
  if (c == nullptr) return UnknownCommand(name);
  boost::container::small_vector<std::string, 4> scratch(args.size());
  boost::container::small_vector<tower_value, 4> abi(args.size());
  for (size_t i = 0; i < args.size(); ++i) abi[i] = ToAbiValue(args[i], &scratch[i]);
  ResultSink result;
  TOWER_RETURN_IF_ERROR(Run(*c, {abi.data(), abi.size()}, &result.sink));
  if (!result.error.ok()) return result.error.WithContext(c->info.name + " returned a bad value");
  return result.Take();
}

Result<Value> Db::call(std::string_view name, std::vector<Value> args) {
  return call(name, std::span<const Value>(args));
}

Status Db::Run(const Command& c, std::span<const tower_value> args, tower_value_sink* out) {
  const tower_command_def* d = c.def;
  auto usage = [&] { return c.info.name + (c.info.usage.empty() ? "" : " " + c.info.usage); };
  int32_t n = static_cast<int32_t>(args.size());
  if (n < d->min_args || (d->max_args >= 0 && n > d->max_args)) {
    std::string want = d->min_args == d->max_args ? std::to_string(d->min_args)
                       : d->max_args < 0
                           ? "at least " + std::to_string(d->min_args)
                           : std::to_string(d->min_args) + " to " + std::to_string(d->max_args);
    return Status::InvalidArgument(c.info.name + " takes " + want + " argument(s), got " +
                                   std::to_string(n) + "; usage: " + usage());
  }
  // Keys: check and lock.
  boost::container::small_vector<std::string_view, 4> key_list;
  if (d->first_key >= 0 && n > 0) {
    int32_t last = d->last_key < 0 ? n - 1 : std::min(d->last_key, n - 1);
    int32_t step = d->key_step > 0 ? d->key_step : 1;
    for (int32_t i = d->first_key; i <= last; i += step) {
      const tower_value& k = args[static_cast<size_t>(i)];
      if (k.type != TOWER_VALUE_STRING && k.type != TOWER_VALUE_BINARY) {
        return Status::InvalidArgument(c.info.name + ": argument " + std::to_string(i + 1) +
                                       " is a key and must be a string or binary, got " +
                                       Value::TypeName(static_cast<Value::Type>(k.type)) +
                                       "; usage: " + usage());
      }
      std::string_view kv = View(k.bytes);
      TOWER_RETURN_IF_ERROR(CheckKey(kv));
      key_list.push_back(kv);
    }
  }
  bool read_only = (d->flags & TOWER_CMD_READ_ONLY) != 0;
  // A read-only command on one key needs no key lock: the backend reads a
  // key atomically, and the command context serves every later read of it
  // from its first one, so the command sees exactly one version.
  LockTable::Guard guard;
  if (!read_only || key_list.size() > 1 || (d->flags & TOWER_CMD_ITEMS)) {
    locks_->LockInto(&guard, {key_list.data(), key_list.size()}, read_only);
  }
  CmdCtx ctx(this, c.dt, d->name, d->flags);
  sdk::ErrorSink err;
  int32_t code = d->execute(d->user, &kCmdApi, reinterpret_cast<tower_cmd_ctx*>(&ctx), args.data(),
                            args.size(), out, &err.sink);
  if (code != TOWER_OK) return Status::FromAbi(code, std::move(err.message));
  if (ctx.staged.empty() && ctx.items.empty()) return Status::OK();
  if (read_only) return Status::Internal(c.info.name + " is read-only but wrote");
  boost::container::small_vector<tower_batch_op, 4> ops;
  ops.reserve(ctx.staged.size() + ctx.items.size());
  for (const auto& st : ctx.staged) {
    tower_batch_op op{};
    op.type = st.deleted ? TOWER_OP_DELETE : TOWER_OP_PUT;
    op.key = {ctx.buf->arena.data() + st.key_off, st.key_len};
    op.value = {ctx.buf->arena.data() + st.frame_off, st.frame_len};
    ops.push_back(op);
  }
  for (const auto& [k, v] : ctx.items) {
    tower_batch_op op{};
    op.type = v ? TOWER_OP_PUT : TOWER_OP_DELETE;
    op.key = {k.data(), k.size()};
    if (v) op.value = {v->data(), v->size()};
    ops.push_back(op);
  }
  WriteOptions wo;
  wo.sync = options_.sync_writes;
  return backend_->WriteOps(wo, {ops.data(), ops.size()});
}

}  // namespace tower
