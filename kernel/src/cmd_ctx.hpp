// The command context shared by the command path (commands.cc) and the
// kernel's own commands (expiry.cc): per-thread buffers, the staged writes
// of a running command and the frame reads that see them.
#ifndef TOWER_KERNEL_CMD_CTX_HPP_
#define TOWER_KERNEL_CMD_CTX_HPP_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "db_internal.hpp"
#include "tower/db.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"
#include "tower/sdk/datatype.h"

namespace tower {

// Per-thread reusable buffers, so that a command in steady state allocates
// nothing: a command takes a set from the pool and gives it back when it
// ends (a pool, not one set, because a clock or sink could re-enter Db).
struct CmdBuffers {
  std::string arena;  // staged meta keys and frames, back to back
  std::string key;    // the meta key being read
  std::string read;   // the frame read from the backend
  std::string last;   // the user key of the last backend read
  void Clear() { arena.clear(); }
};

class BufferLease {
 public:
  BufferLease() {
    auto& pool = Pool();
    if (pool.empty()) {
      b_ = std::make_unique<CmdBuffers>();
    } else {
      b_ = std::move(pool.back());
      pool.pop_back();
    }
  }
  ~BufferLease() {
    b_->Clear();
    // Keep buffers of values up to 16 MiB (fresh large buffers cost a page
    // fault per 4 KiB); give back what a bigger value blew up.
    constexpr size_t kKeep = 16u << 20;
    if (b_->arena.capacity() > kKeep || b_->read.capacity() > kKeep) return;
    if (Pool().size() < 4) Pool().push_back(std::move(b_));
  }
  CmdBuffers* operator->() const { return b_.get(); }

 private:
  static std::vector<std::unique_ptr<CmdBuffers>>& Pool() {
    thread_local std::vector<std::unique_ptr<CmdBuffers>> pool;
    return pool;
  }
  std::unique_ptr<CmdBuffers> b_;
};

// What a running command sees: its plugin, and the writes it staged.
struct CmdCtx {
  CmdCtx(Db* d, Db::DatatypeState* t, const char* name, uint32_t command_flags)
      : db(d), dt(t), command(name), flags(command_flags) {}
  CmdCtx(const CmdCtx&) = delete;
  CmdCtx& operator=(const CmdCtx&) = delete;

  Db* db;
  Db::DatatypeState* dt;
  const char* command;
  uint32_t flags;  // the command's TOWER_CMD_*
  BufferLease buf;
  // A staged write: the meta key and the new frame (absent for a delete),
  // as ranges of buf->arena. Commands touch a key or a few, so a small
  // vector beats a map here.
  struct Staged {
    size_t key_off, key_len, frame_off, frame_len;
    bool deleted;
  };
  boost::container::small_vector<Staged, 2> staged;
  // Staged item writes (ABI 1.4): full item key -> value, nullopt = delete;
  // sorted, so that scans merge them with the store.
  std::map<std::string, std::optional<std::string>, std::less<>> items;
  // What the last backend read found (key in buf->last): a read-modify-write
  // that keeps the TTL then needs no second read.
  // Later reads of that key reuse it (buf->read still holds its frame), so a
  // command sees one version of a key even where it runs without key locks.
  bool last_valid = false;
  bool last_present = false;  // the store holds a frame (maybe expired)
  bool last_found = false;    // present and not expired
  std::optional<uint64_t> last_expiry;

  // Db internals a command context may use (CmdCtx is Db's friend).
  bool OwnsType(uint8_t id) const {
    return db->by_id_dt_[id].load(std::memory_order_acquire) == dt;
  }
  std::string TypeName(uint8_t id) const { return db->TypeName(id); }
  Result<uint64_t> NewItemsVersion() const { return db->NewItemsVersion(); }

  std::string_view Slice(size_t off, size_t len) const { return {buf->arena.data() + off, len}; }
  void Remember(std::string_view key, bool present, bool found, std::optional<uint64_t> expiry) {
    buf->last.assign(key);
    last_present = present;
    last_found = found;
    last_expiry = expiry;
    last_valid = true;
  }
  Staged* Find(std::string_view meta_key) {
    for (auto& st : staged) {
      if (Slice(st.key_off, st.key_len) == meta_key) return &st;
    }
    return nullptr;
  }
  // Stages meta_key := the frame encode() appends to the arena, or a delete
  // when encode is nullptr. Neither may point into the arena.
  template <class Encode>
  void Stage(std::string_view meta_key, Encode encode) {
    std::string& a = buf->arena;
    Staged* st = Find(meta_key);
    if (st == nullptr) {
      staged.push_back({a.size(), meta_key.size(), 0, 0, false});
      a.append(meta_key);
      st = &staged.back();
    }
    st->frame_off = a.size();
    if constexpr (std::is_same_v<Encode, std::nullptr_t>) {
      st->deleted = true;
    } else {
      st->deleted = false;
      encode(&a);
    }
    st->frame_len = a.size() - st->frame_off;
  }
};

inline void Report(tower_sink* err, const Status& s) {
  if (err != nullptr && !s.ok()) err->set(err->ctx, s.message().data(), s.message().size());
}

inline CmdCtx* Ctx(tower_cmd_ctx* c) { return reinterpret_cast<CmdCtx*>(c); }
inline std::string_view View(tower_slice s) { return {s.data ? s.data : "", s.size}; }

// 'm' | user_key into *out (keys::Meta without the allocation).
inline std::string_view MetaKey(std::string_view key, std::string* out) {
  out->assign(1, keys::kMeta);
  out->append(key);
  return *out;
}

inline Status KeyNotFound(std::string_view key) {
  return Status::NotFound("key " + keys::Quote(key) + " not found");
}

// Reads the frame of `key` as the command sees it into *f (which may point
// into the command's buffers until the next staged write). NotFound when
// absent or expired (with include_expired, an expired frame is returned).
Status ReadFrame(CmdCtx* c, std::string_view key, FrameView* f, bool include_expired = false);

// Stages the removal of the items of (key, version): a garbage record the
// collector acts on after the command commits.
void StageDropItems(CmdCtx* c, std::string_view key, uint64_t version);

// The items version of `key`'s previous value, when this command can know
// it without a blind read (staged, read before, or a TOWER_CMD_ITEMS
// command), with the value's type id (0 when the value has expired, so that
// nothing keeps its items); nullopt otherwise or when none.
Result<std::optional<std::pair<uint8_t, uint64_t>>> PreviousItems(CmdCtx* c, std::string_view key);

// The item calls of tower_cmd_api (ABI 1.4, items.cc).
int32_t ItemGet(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_sink* value,
                tower_sink* err);
int32_t ItemPut(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_slice value,
                tower_sink* err);
int32_t ItemDelete(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_sink* err);
int32_t ItemScan(tower_cmd_ctx* ctx, tower_slice key, tower_slice lower, tower_slice upper,
                 uint32_t flags, const tower_item_visitor* visitor, tower_sink* err);
int32_t ItemClear(tower_cmd_ctx* ctx, tower_slice key, tower_sink* err);

// The expiry a write with TOWER_WRITE_KEEP_TTL keeps: that of the value the
// command sees (none when the key is absent or expired).
std::optional<uint64_t> KeptExpiry(CmdCtx* c, std::string_view key);

}  // namespace tower

#endif  // TOWER_KERNEL_CMD_CTX_HPP_
