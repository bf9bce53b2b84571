// Items of collections (ABI 1.4): the item_* calls of the command context,
// the items-version allocator and the garbage collector.
//
// A collection's value frame carries an items version (docs/format.md); its
// items live under 's' | be32(len key) | key | be64(version) | subkey.
// Versions are allocated once and never reused, so dropping a collection's
// items is one write: a new frame (or none) no longer names the version,
// and a garbage record 'g' | ... | be64(version) tells the collector to
// delete the range. Writes that replace a collection blindly (a command
// that never looked at the old value) leave no record; the collector's
// orphan pass finds those groups by checking each one against its key's
// frame.
#include <algorithm>

#include "cmd_ctx.hpp"
#include "lock_table.hpp"
#include "tower/log.hpp"

namespace tower {

namespace {

// The system record holding the first items version not yet handed out
// (allocation reserves blocks of kVersionBlock and persists the block end).
constexpr char kItemsVersionRecord[] = "items-version";
constexpr uint64_t kVersionBlock = 1 << 16;
constexpr size_t kMaxSubkey = 64 * 1024;

int32_t Fail(tower_sink* err, const Status& s) {
  Report(err, s);
  return static_cast<int32_t>(s.code());
}

// The items version of `key`'s value for an item call, allocating one (and
// restaging the frame with it) when `create`; 0 when the value has none
// yet. NotFound when the key holds no value; TypeMismatch when it holds a
// value of another plugin.
Status ItemsVersion(CmdCtx* c, std::string_view key, bool create, uint64_t* version) {
  FrameView f;
  Status s = ReadFrame(c, key, &f);
  if (s.IsNotFound()) {
    return Status::NotFound(std::string(c->command) + ": key " + keys::Quote(key) +
                            " holds no value (write the collection's value before its items)");
  }
  if (!s.ok()) return s;
  if (!c->OwnsType(f.type)) {
    return Status::TypeMismatch(std::string(c->command) + ": key " + keys::Quote(key) +
                                " holds a " + c->TypeName(f.type) + " value");
  }
  if (f.items_version || !create) {
    *version = f.items_version.value_or(0);
    return Status::OK();
  }
  auto v = c->NewItemsVersion();
  if (!v.ok()) return v.status();
  std::string payload(f.payload);  // the frame may live in the arena
  uint8_t type = f.type, encoding = f.encoding;
  std::optional<uint64_t> expiry = f.expiry_ms;
  c->Stage(MetaKey(key, &c->buf->key),
           [&](std::string* arena) { EncodeFrame(arena, type, encoding, expiry, payload, *v); });
  *version = *v;
  return Status::OK();
}

Status CheckSubkey(CmdCtx* c, std::string_view key, std::string_view subkey) {
  if (subkey.size() > kMaxSubkey) {
    return Status::InvalidArgument(
        std::string(c->command) + ": subkey of " + std::to_string(subkey.size()) +
        " bytes for key " + keys::Quote(key) + " (at most " + std::to_string(kMaxSubkey) + ")");
  }
  uint64_t limit = c->db->backend().max_key_size();
  size_t size = 13 + key.size() + subkey.size();
  if (limit > 0 && size > limit) {
    return Status::InvalidArgument(std::string(c->command) + ": key " + keys::Quote(key) +
                                   " with a subkey of " + std::to_string(subkey.size()) +
                                   " bytes makes a " + std::to_string(size) +
                                   "-byte item key; backend '" + c->db->backend().plugin()->name() +
                                   "' allows " + std::to_string(limit));
  }
  return Status::OK();
}

}  // namespace

void StageDropItems(CmdCtx* c, std::string_view key, uint64_t version) {
  c->Stage(keys::Garbage(key, version), [](std::string*) {});
}

Result<std::optional<std::pair<uint8_t, uint64_t>>> PreviousItems(CmdCtx* c, std::string_view key) {
  using Out = std::optional<std::pair<uint8_t, uint64_t>>;
  bool known = c->Find(MetaKey(key, &c->buf->key)) != nullptr ||
               (c->last_valid && c->buf->last == key) || (c->flags & TOWER_CMD_ITEMS);
  if (!known) return Out();
  FrameView f;
  Status s = ReadFrame(c, key, &f, /*include_expired=*/true);
  if (s.IsNotFound()) return Out();
  if (!s.ok()) return s;
  if (!f.items_version) return Out();
  // An expired value's items go with it, whatever replaces it: report type
  // 0 (never a real type id), so that no write keeps them.
  bool expired = c->db->Expired(f.expiry_ms);
  return Out(std::make_pair(expired ? uint8_t{0} : f.type, *f.items_version));
}

int32_t ItemGet(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_sink* value,
                tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  uint64_t v = 0;
  Status s = ItemsVersion(c, View(key), false, &v);
  if (!s.ok()) return Fail(err, s);
  if (v == 0) return Fail(err, Status::NotFound("no item"));
  std::string ik = keys::Sub(View(key), v, View(subkey));
  if (auto it = c->items.find(ik); it != c->items.end()) {
    if (!it->second) return Fail(err, Status::NotFound("no item"));
    if (value) value->set(value->ctx, it->second->data(), it->second->size());
    return TOWER_OK;
  }
  // Straight from the backend into the caller's sink: items can be large
  // (a bloom block is 4 KiB) and an intermediate copy showed in profiles.
  tower_sink discard{nullptr, [](void*, const char*, size_t) {}};
  s = c->db->backend().Get({}, ik, value ? value : &discard);
  if (s.IsNotFound()) return Fail(err, Status::NotFound("no item"));
  if (!s.ok()) return Fail(err, s);
  return TOWER_OK;
}

int32_t ItemPut(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_slice value,
                tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  Status s = CheckSubkey(c, View(key), View(subkey));
  if (!s.ok()) return Fail(err, s);
  uint64_t v = 0;
  s = ItemsVersion(c, View(key), true, &v);
  if (!s.ok()) return Fail(err, s);
  c->items.insert_or_assign(keys::Sub(View(key), v, View(subkey)), std::string(View(value)));
  return TOWER_OK;
}

int32_t ItemDelete(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  uint64_t v = 0;
  Status s = ItemsVersion(c, View(key), false, &v);
  if (!s.ok()) return Fail(err, s);
  if (v == 0) return TOWER_OK;
  c->items.insert_or_assign(keys::Sub(View(key), v, View(subkey)), std::nullopt);
  return TOWER_OK;
}

int32_t ItemClear(tower_cmd_ctx* ctx, tower_slice key, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  uint64_t v = 0;
  Status s = ItemsVersion(c, View(key), false, &v);
  if (!s.ok()) return Fail(err, s);
  if (v == 0) return TOWER_OK;
  // Forget staged items of the old version, drop the stored ones, and
  // restage the frame without a version (the next put allocates a new one).
  std::string prefix = keys::SubPrefix(View(key), v);
  c->items.erase(c->items.lower_bound(prefix), c->items.lower_bound(keys::PrefixEnd(prefix)));
  StageDropItems(c, View(key), v);
  FrameView f;
  s = ReadFrame(c, View(key), &f);
  if (!s.ok()) return Fail(err, s);
  std::string payload(f.payload);
  uint8_t type = f.type, encoding = f.encoding;
  std::optional<uint64_t> expiry = f.expiry_ms;
  c->Stage(MetaKey(View(key), &c->buf->key),
           [&](std::string* arena) { EncodeFrame(arena, type, encoding, expiry, payload); });
  return TOWER_OK;
}

int32_t ItemScan(tower_cmd_ctx* ctx, tower_slice key, tower_slice lower, tower_slice upper,
                 uint32_t flags, const tower_item_visitor* visitor, tower_sink* err) {
  CmdCtx* c = Ctx(ctx);
  uint64_t v = 0;
  Status s = ItemsVersion(c, View(key), false, &v);
  if (!s.ok()) return Fail(err, s);
  if (v == 0) return TOWER_OK;
  const std::string prefix = keys::SubPrefix(View(key), v);
  const std::string lo = lower.data ? prefix + std::string(View(lower)) : prefix;
  const std::string hi = upper.data ? prefix + std::string(View(upper)) : keys::PrefixEnd(prefix);
  if (hi <= lo) return TOWER_OK;
  const bool reverse = (flags & TOWER_SCAN_REVERSE) != 0;
  auto visit = [&](std::string_view full_key, std::string_view value) {
    std::string_view sub = full_key.substr(prefix.size());
    return visitor->visit(visitor->ctx, {sub.data(), sub.size()}, {value.data(), value.size()}) ==
           0;
  };
  // Staged items in [lo, hi), merged with the store; staged ones win.
  auto first = c->items.lower_bound(lo), last = c->items.lower_bound(hi);
  ReadOptions ro;
  ro.lower_bound = lo;
  ro.upper_bound = hi;
  auto it = c->db->backend().NewIterator(ro);
  if (!it.ok()) return Fail(err, it.status());
  Iterator& b = **it;
  if (!reverse) {
    bool bv = b.Seek(lo);
    auto m = first;
    while (bv || m != last) {
      bool take_staged = m != last && (!bv || m->first <= b.key());
      if (take_staged) {
        if (bv && m->first == b.key()) bv = b.Next();
        const auto& [k, val] = *m++;
        if (val && !visit(k, *val)) break;
      } else {
        if (!visit(b.key(), b.value())) break;
        bv = b.Next();
      }
    }
  } else {
    bool bv = b.SeekToLast();
    auto m = std::make_reverse_iterator(last), mend = std::make_reverse_iterator(first);
    while (bv || m != mend) {
      bool take_staged = m != mend && (!bv || m->first >= b.key());
      if (take_staged) {
        if (bv && m->first == b.key()) bv = b.Prev();
        const auto& [k, val] = *m++;
        if (val && !visit(k, *val)) break;
      } else {
        if (!visit(b.key(), b.value())) break;
        bv = b.Prev();
      }
    }
  }
  s = b.status();
  if (!s.ok()) return Fail(err, s);
  return TOWER_OK;
}

Status Db::LoadItemsVersion() {
  std::string v;
  Status s = backend_->Get({}, keys::System(kItemsVersionRecord), &v);
  uint64_t next = 1;
  if (s.ok()) {
    if (v.size() != 8) return Status::Corruption("the items-version record is malformed");
    next = keys::GetBE64(v.data());
  } else if (!s.IsNotFound()) {
    return s;
  }
  next_items_version_.store(next);
  reserved_items_version_ = next;
  return Status::OK();
}

Result<uint64_t> Db::NewItemsVersion() {
  uint64_t v = next_items_version_.fetch_add(1);
  std::lock_guard lock(items_version_mu_);
  if (v >= reserved_items_version_) {
    // Persist the end of a new block before handing out anything in it, so
    // that a restart never reuses a version.
    uint64_t end = v + kVersionBlock;
    std::string rec;
    keys::PutBE64(&rec, end);
    WriteOptions wo;
    wo.sync = true;
    TOWER_RETURN_IF_ERROR(backend_->Put(wo, keys::System(kItemsVersionRecord), rec));
    reserved_items_version_ = end;
  }
  return v;
}

Result<uint64_t> Db::collect_garbage(bool orphans) {
  if (options_.read_only) return uint64_t{0};
  std::lock_guard collector(gc_mu_);  // one collection at a time
  WriteOptions wo;
  wo.sync = options_.sync_writes;
  uint64_t groups = 0;
  // 1. Garbage records: delete each group's items, then the record.
  const std::string g_lo(1, keys::kGarbage), g_hi(1, static_cast<char>(keys::kGarbage + 1));
  for (;;) {
    std::vector<std::string> records;
    {
      ReadOptions ro;
      ro.lower_bound = g_lo;
      ro.upper_bound = g_hi;
      auto it = backend_->NewIterator(ro);
      if (!it.ok()) return it.status();
      for (bool v = (*it)->Seek(g_lo); v && records.size() < 256; v = (*it)->Next())
        records.emplace_back((*it)->key());
      TOWER_RETURN_IF_ERROR((*it)->status());
    }
    if (records.empty()) break;
    for (const auto& r : records) {
      std::string_view key;
      uint64_t version;
      if (!keys::ParseGarbage(r, &key, &version))
        return Status::Corruption("malformed garbage record " + keys::Quote(r));
      std::string prefix = keys::SubPrefix(key, version);
      WriteBatch b;
      b.DeleteRange(prefix, keys::PrefixEnd(prefix));
      b.Delete(r);
      TOWER_RETURN_IF_ERROR(backend_->Write(wo, b));
      ++groups;
    }
  }
  if (!orphans) return groups;
  // 2. Orphans: item groups whose key's frame does not name their version
  // (the value was replaced or deleted without looking at it). A group is
  // checked under its key's lock, so a command cannot be adding to it.
  const std::string s_lo(1, keys::kSub), s_hi(1, static_cast<char>(keys::kSub + 1));
  std::string from = s_lo;
  for (;;) {
    std::string group_key;
    uint64_t version = 0;
    {
      ReadOptions ro;
      ro.lower_bound = from;
      ro.upper_bound = s_hi;
      auto it = backend_->NewIterator(ro);
      if (!it.ok()) return it.status();
      if (!(*it)->Seek(from)) {
        TOWER_RETURN_IF_ERROR((*it)->status());
        break;
      }
      std::string_view user_key, subkey;
      if (!keys::ParseSub((*it)->key(), &user_key, &version, &subkey))
        return Status::Corruption("malformed item key " + keys::Quote((*it)->key()));
      group_key.assign(user_key);
    }
    std::string prefix = keys::SubPrefix(group_key, version);
    {
      std::string_view k = group_key;
      LockTable::Guard guard;
      locks_->LockInto(&guard, {&k, 1}, /*shared=*/false);
      std::string frame;
      Status s = backend_->Get({}, keys::Meta(group_key), &frame);
      bool live = false;
      if (s.ok()) {
        auto f = DecodeFrame(group_key, frame);
        if (!f.ok()) return f.status();
        live = f->items_version == version;
      } else if (!s.IsNotFound()) {
        return s;
      }
      if (!live) {
        WriteBatch b;
        b.DeleteRange(prefix, keys::PrefixEnd(prefix));
        TOWER_RETURN_IF_ERROR(backend_->Write(wo, b));
        ++groups;
      }
    }
    from = keys::PrefixEnd(prefix);
    if (from.empty()) break;
  }
  return groups;
}

}  // namespace tower
