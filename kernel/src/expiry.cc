// The kernel's own commands ("key.*": any key's existence, type, deletion
// and expiry) and the expiry sweeper.
//
// Expiry lives in two places (docs/format.md): the deadline in the key's
// value frame, which every read checks (an expired key reads as absent at
// once), and an index entry 'x' | be64(deadline_ms) | user_key, which the
// sweeper walks in deadline order. A write that drops or changes the
// deadline may leave an index entry behind; the sweeper deletes a key only
// when its frame still carries the deadline of the entry, and removes stale
// entries as it meets them.
#include <algorithm>

#include "cmd_ctx.hpp"
#include "lock_table.hpp"
#include "tower/log.hpp"

namespace tower {

namespace {

constexpr int64_t kNsPerMs = 1000000;

// A deadline in ns as the frame's milliseconds, rounded up so that a key
// never expires before its deadline; instants before the epoch become 0
// (already past).
uint64_t DeadlineMs(int64_t ns) {
  if (ns <= 0) return 0;
  return static_cast<uint64_t>(ns / kNsPerMs + (ns % kNsPerMs != 0 ? 1 : 0));
}

int32_t Fail(tower_sink* err, const Status& s) {
  Report(err, s);
  return static_cast<int32_t>(s.code());
}

tower_value IntValue(int64_t i) {
  tower_value v{};
  v.type = TOWER_VALUE_INT;
  v.i = i;
  return v;
}

tower_value BoolValue(bool b) {
  tower_value v{};
  v.type = TOWER_VALUE_BOOL;
  v.i = b ? 1 : 0;
  return v;
}

// Stages key := its current frame with expiry `expiry` (and the index entry
// for it; the entry of the old deadline is removed).
void StageExpiry(CmdCtx* c, std::string_view key, const FrameView& f,
                 std::optional<uint64_t> expiry) {
  // The payload may live in the command's buffers, which staging reuses.
  std::string payload(f.payload);
  uint8_t type = f.type, encoding = f.encoding;
  std::optional<uint64_t> old = f.expiry_ms, items = f.items_version;
  c->Stage(MetaKey(key, &c->buf->key),
           [&](std::string* arena) { EncodeFrame(arena, type, encoding, expiry, payload, items); });
  if (old && old != expiry) c->Stage(keys::Expiry(*old, key), nullptr);
  if (expiry) c->Stage(keys::Expiry(*expiry, key), [](std::string*) {});
}

std::string_view ArgKey(const tower_value* args, size_t i) { return View(args[i].bytes); }

int32_t Exists(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t n,
               tower_value_sink* out, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  int64_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    FrameView f;
    Status s = ReadFrame(c, ArgKey(args, i), &f);
    if (s.ok()) {
      ++count;
    } else if (!s.IsNotFound()) {
      return Fail(err, s);
    }
  }
  tower_value v = IntValue(count);
  out->set(out->ctx, &v);
  return TOWER_OK;
}

int32_t Delete(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t n,
               tower_value_sink* out, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  int64_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string_view key = ArgKey(args, i);
    FrameView f;
    Status s = ReadFrame(c, key, &f);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return Fail(err, s);
    std::optional<uint64_t> expiry = f.expiry_ms, items = f.items_version;
    c->Stage(MetaKey(key, &c->buf->key), nullptr);
    if (expiry) c->Stage(keys::Expiry(*expiry, key), nullptr);
    if (items) StageDropItems(c, key, *items);
    ++count;
  }
  tower_value v = IntValue(count);
  out->set(out->ctx, &v);
  return TOWER_OK;
}

int32_t Type(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t,
             tower_value_sink* out, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  FrameView f;
  Status s = ReadFrame(c, ArgKey(args, 0), &f);
  if (!s.ok()) return Fail(err, s);
  std::string name = c->TypeName(f.type);
  tower_value v{};
  v.type = TOWER_VALUE_STRING;
  v.bytes = {name.data(), name.size()};
  out->set(out->ctx, &v);
  return TOWER_OK;
}

// key.expire_at KEY DEADLINE:timestamp and key.expire KEY TTL:duration.
int32_t SetExpiry(CmdCtx* c, const tower_value* args, int64_t deadline_ns, tower_value_sink* out,
                  tower_sink* err) {
  std::string_view key = ArgKey(args, 0);
  FrameView f;
  Status s = ReadFrame(c, key, &f);
  if (!s.ok()) return Fail(err, s);
  StageExpiry(c, key, f, DeadlineMs(deadline_ns));
  tower_value v = BoolValue(true);
  out->set(out->ctx, &v);
  return TOWER_OK;
}

int32_t ExpireAt(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t,
                 tower_value_sink* out, tower_sink* err) {
  if (args[1].type != TOWER_VALUE_TIMESTAMP)
    return Fail(err, Status::InvalidArgument(
                         "key.expire_at: DEADLINE must be a timestamp, got " +
                         std::string(Value::TypeName(static_cast<Value::Type>(args[1].type)))));
  return SetExpiry(Ctx(ctx), args, args[1].i, out, err);
}

int32_t Expire(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t,
               tower_value_sink* out, tower_sink* err) {
  if (args[1].type != TOWER_VALUE_DURATION)
    return Fail(err, Status::InvalidArgument(
                         "key.expire: TTL must be a duration, got " +
                         std::string(Value::TypeName(static_cast<Value::Type>(args[1].type)))));
  CmdCtx* c = Ctx(ctx);
  int64_t now = c->db->now_ns(), deadline;
  if (__builtin_add_overflow(now, args[1].i, &deadline))
    return Fail(err, Status::Overflow("key.expire: now + " + FormatDuration(args[1].i) +
                                      " is past the timestamp range"));
  return SetExpiry(c, args, deadline, out, err);
}

int32_t Persist(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t,
                tower_value_sink* out, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  std::string_view key = ArgKey(args, 0);
  FrameView f;
  Status s = ReadFrame(c, key, &f);
  if (!s.ok()) return Fail(err, s);
  bool had = f.expiry_ms.has_value();
  if (had) StageExpiry(c, key, f, std::nullopt);
  tower_value v = BoolValue(had);
  out->set(out->ctx, &v);
  return TOWER_OK;
}

int32_t Ttl(void*, const tower_cmd_api*, tower_cmd_ctx* ctx, const tower_value* args, size_t,
            tower_value_sink* out, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  FrameView f;
  Status s = ReadFrame(c, ArgKey(args, 0), &f);
  if (!s.ok()) return Fail(err, s);
  tower_value v{};
  if (f.expiry_ms) {
    v.type = TOWER_VALUE_TIMESTAMP;
    v.i = static_cast<int64_t>(*f.expiry_ms) * kNsPerMs;
  }
  out->set(out->ctx, &v);
  return TOWER_OK;
}

constexpr uint32_t kRead = TOWER_CMD_READ_ONLY, kWrite = TOWER_CMD_WRITE;

const tower_command_def kKernelCommands[] = {
    {sizeof(tower_command_def), kRead, "key.exists", "KEY...",
     "how many of the keys exist (unexpired, any type)", 0, -1, 1, 1, -1, &Exists, nullptr},
    {sizeof(tower_command_def), kWrite, "key.delete", "KEY...",
     "deletes keys of any type; returns how many existed", 0, -1, 1, 1, -1, &Delete, nullptr},
    {sizeof(tower_command_def), kRead, "key.type", "KEY", "the name of the key's type", 0, 0, 1, 1,
     1, &Type, nullptr},
    {sizeof(tower_command_def), kWrite, "key.expire_at", "KEY DEADLINE:timestamp",
     "sets the key's expiry deadline (a past one expires it now)", 0, 0, 1, 2, 2, &ExpireAt,
     nullptr},
    {sizeof(tower_command_def), kWrite, "key.expire", "KEY TTL:duration",
     "expires the key TTL from now", 0, 0, 1, 2, 2, &Expire, nullptr},
    {sizeof(tower_command_def), kWrite, "key.persist", "KEY",
     "removes the key's expiry; true when it had one", 0, 0, 1, 1, 1, &Persist, nullptr},
    {sizeof(tower_command_def), kRead, "key.ttl", "KEY",
     "the key's expiry deadline, or null when it has none", 0, 0, 1, 1, 1, &Ttl, nullptr},
};

const tower_datatype_api kKernelApi = {sizeof(tower_datatype_api),
                                       0,
                                       0,
                                       nullptr,
                                       sizeof(kKernelCommands) / sizeof(kKernelCommands[0]),
                                       kKernelCommands};

}  // namespace

Status Db::RegisterKernelCommands() {
  kernel_dt_ = std::make_unique<DatatypeState>();
  kernel_dt_->api = &kKernelApi;
  for (const tower_command_def& def : kKernelCommands) {
    auto cmd = std::make_unique<Command>();
    cmd->def = &def;
    cmd->dt = kernel_dt_.get();
    cmd->info = {def.name,     def.usage,   def.summary, "kernel", (def.flags & kRead) != 0,
                 def.min_args, def.max_args};
    auto [it, fresh] = commands_.emplace(def.name, std::move(cmd));
    if (!fresh)
      return Status::Internal(std::string("kernel command registered twice: ") + def.name);
    command_index_.emplace(it->first, it->second.get());
  }
  return Status::OK();
}

Status Db::set_ttl(std::string_view key, Timestamp deadline) {
  return call("key.expire_at", key, deadline).status();
}

Result<bool> Db::remove_ttl(std::string_view key) {
  auto r = call("key.persist", key);
  if (!r.ok()) return r.status();
  return r->as_bool();
}

Result<std::optional<Timestamp>> Db::ttl(std::string_view key) {
  auto r = call("key.ttl", key);
  if (!r.ok()) return r.status();
  if (r->is_null()) return std::optional<Timestamp>();
  return std::optional<Timestamp>(r->as_timestamp());
}

Result<bool> Db::exists(std::string_view key) {
  auto r = call("key.exists", key);
  if (!r.ok()) return r.status();
  return r->as_int() > 0;
}

Result<bool> Db::delete_key(std::string_view key) {
  auto r = call("key.delete", key);
  if (!r.ok()) return r.status();
  return r->as_int() > 0;
}

Result<std::string> Db::type_of(std::string_view key) {
  auto r = call("key.type", key);
  if (!r.ok()) return r.status();
  return r->as_string();
}

Result<uint64_t> Db::truncate_expired() {
  if (options_.read_only) return uint64_t{0};
  const uint64_t now_ms = static_cast<uint64_t>(std::max<int64_t>(now_ns(), 0) / kNsPerMs);
  // Every index entry with deadline <= now_ms; walked in batches so that no
  // iterator stays open while keys are locked and written.
  const std::string end = keys::Expiry(now_ms + 1, "");
  std::string from(1, keys::kExpiry);
  uint64_t deleted = 0;
  for (;;) {
    std::vector<std::pair<uint64_t, std::string>> due;
    {
      ReadOptions ro;
      ro.lower_bound = from;
      ro.upper_bound = end;
      auto it = backend_->NewIterator(ro);
      if (!it.ok()) return it.status();
      for (bool v = (*it)->Seek(from); v && due.size() < 256; v = (*it)->Next()) {
        uint64_t d;
        std::string_view user_key;
        if (!keys::ParseExpiry((*it)->key(), &d, &user_key))
          return Status::Corruption("malformed expiry index entry " + keys::Quote((*it)->key()));
        due.emplace_back(d, std::string(user_key));
      }
      TOWER_RETURN_IF_ERROR((*it)->status());
    }
    if (due.empty()) return deleted;
    for (const auto& [deadline, key] : due) {
      std::string_view k = key;
      LockTable::Guard guard;
      locks_->LockInto(&guard, {&k, 1}, /*shared=*/false);
      std::string mk = keys::Meta(key), frame;
      WriteBatch b;
      b.Delete(keys::Expiry(deadline, key));
      Status s = backend_->Get({}, mk, &frame);
      if (s.ok()) {
        auto f = DecodeFrame(key, frame);
        if (!f.ok()) return f.status();
        // Delete the value only if it still carries this entry's deadline.
        if (f->expiry_ms == deadline) {
          b.Delete(mk);
          if (f->items_version) b.Put(keys::Garbage(key, *f->items_version), "");
          ++deleted;
        }
      } else if (!s.IsNotFound()) {
        return s;
      }
      WriteOptions wo;
      wo.sync = options_.sync_writes;
      TOWER_RETURN_IF_ERROR(backend_->Write(wo, b));
    }
    from = keys::Expiry(due.back().first, due.back().second);
    from.push_back('\0');  // just past the last entry handled
  }
}

void Db::StartSweeper() {
  if (options_.read_only || options_.expiry_sweep_interval.count() <= 0) return;
  {
    std::lock_guard lock(sweeper_mu_);
    sweeper_stop_ = false;
  }
  sweeper_ = std::thread([this] {
    uint64_t ticks = 0;
    std::unique_lock lock(sweeper_mu_);
    while (!sweeper_cv_.wait_for(lock, options_.expiry_sweep_interval,
                                 [this] { return sweeper_stop_; })) {
      lock.unlock();
      auto n = truncate_expired();
      if (!n.ok()) {
        Log(LogLevel::kWarn, "expiry", "sweep failed: " + n.status().ToString());
      } else if (*n > 0) {
        Log(LogLevel::kDebug, "expiry", "deleted " + std::to_string(*n) + " expired key(s)");
      }
      // Items of dropped collections every tick; the orphan pass (a walk
      // over every item group) every 64th.
      auto g = collect_garbage(++ticks % 64 == 0);
      if (!g.ok())
        Log(LogLevel::kWarn, "gc", "garbage collection failed: " + g.status().ToString());
      lock.lock();
    }
  });
}

void Db::StopSweeper() {
  {
    std::lock_guard lock(sweeper_mu_);
    sweeper_stop_ = true;
  }
  sweeper_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

}  // namespace tower
