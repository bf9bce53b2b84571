// KV bucket operations of the nats mesh plugin ("kv.*"): buckets are
// JetStream streams KV_<bucket> on subjects $KV.<bucket>.> (see
// /work/shared/design/nats-notes.md). Reads, keys, history and watches use
// NATS.c's kvStore; writes publish to $KV.<bucket>.<key> with
// js_PublishMsg so that expected revisions (also for delete and purge,
// which NATS.c 3.4 cannot do) and JetStream error codes reach the caller.
//
// The helpers in namespace kvimpl are shared with ops_lock.cc.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ops_kv.hpp"

namespace tower::mesh::nats {

namespace kvimpl {

// How a bucket is made (kv.create options, lock.create_bucket).
struct BucketConfig {
  std::string bucket;
  int64_t replicas = 1;
  int64_t history = 1;
  int64_t ttl_ns = 0;  // 0 = values never expire
  int64_t max_bytes = -1;
  int64_t max_value_size = -1;
  bool memory = false;
  std::string description;
  bool allow_direct = true;
};

// A bound kvStore, cached per connection under "kv:<bucket>".
struct KvHandle {
  KvHandle() = default;
  KvHandle(const KvHandle&) = delete;
  KvHandle& operator=(const KvHandle&) = delete;
  ~KvHandle() {
    if (kv != nullptr) kvStore_Destroy(kv);
  }
  std::mutex mu;  // guards binding
  kvStore* kv = nullptr;
};

// One KV entry read back (kv.get, lock holder).
struct Entry {
  std::string value;
  uint64_t revision = 0;
  int64_t created_ns = 0;
  uint64_t delta = 0;
};

Error CreateBucket(Conn& conn, const char* op, const BucketConfig& cfg, bool* created);
Error Bind(Conn& conn, const char* op, std::string_view bucket, std::shared_ptr<KvHandle>* out);
Error Get(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
          uint64_t revision, Entry* out);

}  // namespace kvimpl

namespace {

using kvimpl::BucketConfig;
using kvimpl::Entry;
using kvimpl::KvHandle;
using kvimpl::WriteKind;

constexpr int64_t kNsPerMs = 1000000;

std::string Q(std::string_view s) { return "'" + std::string(s) + "'"; }

// "KV bucket 'b'" / "key 'k' in KV bucket 'b'" for messages.
std::string BucketText(std::string_view bucket) { return "KV bucket " + Q(bucket); }
std::string KeyText(std::string_view bucket, std::string_view key) {
  return "key " + Q(key) + " in KV bucket " + Q(bucket);
}

Error Make(int32_t code, const char* op, const std::string& what) {
  return Error::Make(code, std::string(op) + ": " + what);
}

// A name check's error with the operation in front.
Error Named(const char* op, Error e) {
  if (!e.ok()) e.message = std::string(op) + ": " + e.message;
  return e;
}

std::string StreamOf(std::string_view bucket) { return "KV_" + std::string(bucket); }
std::string SubjectOf(std::string_view bucket, std::string_view key) {
  return "$KV." + std::string(bucket) + "." + std::string(key);
}
// Where a write of the key is published: the key's subject, behind the
// JetStream API prefix when the connection addresses another domain (as
// nats.go and NATS.c do), so that it crosses a leaf node to the hub.
std::string PublishSubjectOf(const Conn& conn, std::string_view bucket, std::string_view key) {
  std::string s = SubjectOf(bucket, key);
  return conn.domain.empty() ? s : conn.ApiPrefix() + "." + s;
}

jsOptions ApiOptions(const Conn& conn) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = conn.timeout_ms;
  return o;
}

// The KV-Operation of a message (0 = a value).
uint32_t MarkerFlags(natsMsg* m) {
  const char* op = nullptr;
  if (natsMsgHeader_Get(m, "KV-Operation", &op) != NATS_OK || op == nullptr) return 0;
  if (std::strcmp(op, "DEL") == 0) return TOWER_MESH_MSG_KV_DELETE;
  if (std::strcmp(op, "PURGE") == 0) return TOWER_MESH_MSG_KV_PURGE;
  return 0;
}

uint32_t EntryFlags(kvEntry* e) {
  switch (kvEntry_Operation(e)) {
    case kvOp_Delete: return TOWER_MESH_MSG_KV_DELETE;
    case kvOp_Purge: return TOWER_MESH_MSG_KV_PURGE;
    default: return 0;
  }
}

// Hands one entry to `h` as a tower_mesh_msg (subject = key, data = value,
// sequence = revision); false when the handler asks to stop.
bool DeliverEntry(const tower_mesh_handler* h, kvEntry* e, const std::string& stream) {
  tower_mesh_msg m{};
  m.struct_size = sizeof(m);
  m.flags = EntryFlags(e);
  const char* key = kvEntry_Key(e);
  m.subject = sdk::slice(key ? key : "");
  m.data = {static_cast<const char*>(kvEntry_Value(e)), static_cast<size_t>(kvEntry_ValueLen(e))};
  if (m.data.data == nullptr) m.data = {"", 0};
  m.sequence = kvEntry_Revision(e);
  m.pending = kvEntry_Delta(e);
  m.timestamp_ns = kvEntry_Created(e);
  m.stream = sdk::slice(stream);
  return sdk::deliver(h, m);
}

// Bucket and key arguments at 0 and 1, checked.
Error BucketArg(const MeshArgs& args, std::string* bucket) {
  std::string_view b;
  if (Error e = args.text(0, "bucket", &b); !e.ok()) return e;
  if (Error e = Named(args.op(), CheckKvBucket(b)); !e.ok()) return e;
  *bucket = std::string(b);
  return Error::Ok();
}
Error BucketKeyArgs(const MeshArgs& args, std::string* bucket, std::string* key) {
  if (Error e = BucketArg(args, bucket); !e.ok()) return e;
  std::string_view k;
  if (Error e = args.text(1, "key", &k); !e.ok()) return e;
  if (Error e = Named(args.op(), CheckKvKey(k, false)); !e.ok()) return e;
  *key = std::string(k);
  return Error::Ok();
}
// The arguments BUCKET KEY VALUE (then `n` - 3 more, as `usage` says), the
// count, types and names checked.
Error BucketKeyValueArgs(const MeshArgs& args, std::string* bucket, std::string* key,
                         std::string_view* value, size_t n = 3,
                         const char* usage = "BUCKET KEY VALUE") {
  if (Error e = args.count(n, n, usage); !e.ok()) return e;
  if (Error e = BucketKeyArgs(args, bucket, key); !e.ok()) return e;
  return args.text(2, "value", value);
}
// An optional revision argument at `i` (nullopt when absent or null).
Error RevisionArg(const MeshArgs& args, size_t i, const char* what, std::optional<uint64_t>* out) {
  if (!args.has(i)) return Error::Ok();
  int64_t r = 0;
  if (Error e = args.integer(i, what, &r); !e.ok()) return e;
  if (r < 0) return args.invalid(std::string(what) + " must be >= 0, got " + std::to_string(r));
  *out = static_cast<uint64_t>(r);
  return Error::Ok();
}

}  // namespace

// --- shared helpers (also used by ops_lock.cc) ---

namespace kvimpl {

Error Bind(Conn& conn, const char* op, std::string_view bucket, std::shared_ptr<KvHandle>* out) {
  auto h = conn.State<KvHandle>("kv:" + std::string(bucket),
                                [] { return std::make_shared<KvHandle>(); });
  std::lock_guard lock(h->mu);
  if (h->kv == nullptr) {
    natsStatus s = js_KeyValue(&h->kv, conn.js, std::string(bucket).c_str());
    if (s == NATS_NOT_FOUND) return Make(TOWER_E_NOT_FOUND, op, BucketText(bucket) + " not found");
    if (s != NATS_OK) {
      h->kv = nullptr;
      return FromNats(s, std::string(op) + ": bind " + BucketText(bucket));
    }
  }
  *out = std::move(h);
  return Error::Ok();
}

Error CreateBucket(Conn& conn, const char* op, const BucketConfig& cfg, bool* created) {
  std::string stream = StreamOf(cfg.bucket);
  std::string subject = "$KV." + cfg.bucket + ".>";
  jsOptions o = ApiOptions(conn);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsStreamInfo* si = nullptr;
  natsStatus s = js_GetStreamInfo(&si, conn.js, stream.c_str(), &o, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  bool existed = s == NATS_OK;
  if (s != NATS_OK && s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr)
    return FromJs(s, jerr, std::string(op) + ": look up " + BucketText(cfg.bucket));

  // The stream that js_CreateKeyValue makes, plus AllowDirect (which
  // kvConfig lacks in NATS.c 3.4).
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = stream.c_str();
  sc.Description = cfg.description.empty() ? nullptr : cfg.description.c_str();
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.MaxMsgsPerSubject = cfg.history;
  sc.MaxBytes = cfg.max_bytes <= 0 ? -1 : cfg.max_bytes;
  sc.MaxAge = cfg.ttl_ns;
  sc.MaxMsgSize = cfg.max_value_size <= 0 ? -1 : static_cast<int32_t>(cfg.max_value_size);
  sc.Storage = cfg.memory ? js_MemoryStorage : js_FileStorage;
  sc.Replicas = cfg.replicas;
  sc.AllowRollup = true;
  sc.DenyDelete = true;
  sc.AllowDirect = cfg.allow_direct;
  sc.Discard = js_DiscardNew;
  jerr = static_cast<jsErrCode>(0);
  si = nullptr;
  s = js_AddStream(&si, conn.js, &sc, &o, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s != NATS_OK) {
    if (jerr == JSStreamNameExistErr) {
      return Make(TOWER_E_ALREADY_EXISTS, op,
                  BucketText(cfg.bucket) + " already exists with a different configuration");
    }
    return FromJs(s, jerr, std::string(op) + ": create " + BucketText(cfg.bucket));
  }
  conn.DropState("kv:" + cfg.bucket);  // rebind: AllowDirect may have changed
  *created = !existed;
  return Error::Ok();
}

Error Write(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
            std::string_view data, WriteKind kind, std::optional<uint64_t> expected,
            uint64_t* rev) {
  std::string subject = PublishSubjectOf(conn, bucket, key);
  natsMsg* m = nullptr;
  natsStatus s = natsMsg_Create(&m, subject.c_str(), nullptr, data.empty() ? nullptr : data.data(),
                                static_cast<int>(data.size()));
  if (s == NATS_OK && kind == WriteKind::kDelete) s = natsMsgHeader_Set(m, "KV-Operation", "DEL");
  if (s == NATS_OK && kind == WriteKind::kPurge) {
    s = natsMsgHeader_Set(m, "KV-Operation", "PURGE");
    if (s == NATS_OK) s = natsMsgHeader_Set(m, "Nats-Rollup", "sub");
  }
  if (s != NATS_OK) {
    natsMsg_Destroy(m);
    return FromNats(s, std::string(op) + ": message for " + KeyText(bucket, key));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = conn.timeout_ms;
  if (expected.has_value()) {
    if (*expected == 0) {
      po.ExpectNoMessage = true;  // 0 cannot be expressed as ExpectLastSubjectSeq
    } else {
      po.ExpectLastSubjectSeq = *expected;
    }
  }
  jsPubAck* pa = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&pa, conn.js, m, &po, &jerr);
  natsMsg_Destroy(m);
  if (s == NATS_OK) {
    if (rev != nullptr) *rev = pa->Sequence;
    jsPubAck_Destroy(pa);
    return Error::Ok();
  }
  if (pa != nullptr) jsPubAck_Destroy(pa);
  if (jerr == JSStreamWrongLastSequenceErr && expected.has_value()) {
    return Make(TOWER_E_ABORTED, op,
                KeyText(bucket, key) + " is not at the expected revision " +
                    std::to_string(*expected) + " (wrong last sequence)");
  }
  if (s == NATS_NO_RESPONDERS) {
    // Nobody stored the message: either the bucket does not exist, or its
    // stream has no leader right now (a clustered bucket during an
    // election). Only the first is NOT_FOUND; the second is worth a retry.
    jsOptions o = ApiOptions(conn);
    o.Wait = std::min<int64_t>(conn.timeout_ms, 1000);
    jsStreamInfo* si = nullptr;
    jsErrCode ij = static_cast<jsErrCode>(0);
    natsStatus is = js_GetStreamInfo(&si, conn.js, StreamOf(bucket).c_str(), &o, &ij);
    if (si != nullptr) jsStreamInfo_Destroy(si);
    if (is == NATS_NOT_FOUND || ij == JSStreamNotFoundErr) {
      return Make(TOWER_E_NOT_FOUND, op,
                  BucketText(bucket) + " not found (no stream took " + Q(subject) + ")");
    }
    return Make(TOWER_E_BUSY, op,
                "no JetStream server stored the write of " + KeyText(bucket, key) +
                    " (the bucket's stream has no leader right now; nothing was written, retry)");
  }
  return FromJs(s, jerr, std::string(op) + ": write " + KeyText(bucket, key));
}

// Reads the newest message of a key from the stream leader (never a direct
// get, which a follower may answer stale). NOT_FOUND when the subject holds
// nothing.
Error LastMessage(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
                  natsMsg** out) {
  std::string stream = StreamOf(bucket), subject = SubjectOf(bucket, key);
  jsOptions o = ApiOptions(conn);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(out, conn.js, stream.c_str(), subject.c_str(), &o, &jerr);
  if (s == NATS_OK) return Error::Ok();
  if (jerr == JSNoMessageFoundErr || (s == NATS_NOT_FOUND && jerr != JSStreamNotFoundErr))
    return Make(TOWER_E_NOT_FOUND, op, KeyText(bucket, key) + " not found");
  if (jerr == JSStreamNotFoundErr)
    return Make(TOWER_E_NOT_FOUND, op, BucketText(bucket) + " not found");
  return FromJs(s, jerr, std::string(op) + ": read " + KeyText(bucket, key));
}

Error CreateKey(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
                std::string_view data, uint64_t* rev, std::string* holder) {
  // Create = write expecting no message; over a delete/purge marker, an
  // update expecting the marker's revision. A few rounds cover markers that
  // expire or are replaced between the two steps.
  Error last;
  for (int round = 0; round < 4; ++round) {
    last = Write(conn, op, bucket, key, data, WriteKind::kPut, uint64_t{0}, rev);
    if (last.code != TOWER_E_ABORTED) return last;
    natsMsg* m = nullptr;
    Error e = LastMessage(conn, op, bucket, key, &m);
    if (e.code == TOWER_E_NOT_FOUND) continue;  // expired meanwhile
    if (!e.ok()) return e;
    uint64_t seq = natsMsg_GetSequence(m);
    bool marker = MarkerFlags(m) != 0;
    if (!marker) {
      if (holder != nullptr)
        holder->assign(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
      natsMsg_Destroy(m);
      return Make(
          TOWER_E_ALREADY_EXISTS, op,
          KeyText(bucket, key) + " already holds a value (revision " + std::to_string(seq) + ")");
    }
    natsMsg_Destroy(m);
    last = Write(conn, op, bucket, key, data, WriteKind::kPut, seq, rev);
    if (last.code != TOWER_E_ABORTED) return last;
  }
  return Make(TOWER_E_ALREADY_EXISTS, op,
              KeyText(bucket, key) + " was written concurrently (" + last.message + ")");
}

Error Get(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
          uint64_t revision, Entry* out) {
  std::shared_ptr<KvHandle> h;
  if (Error e = Bind(conn, op, bucket, &h); !e.ok()) return e;
  kvEntry* entry = nullptr;
  std::string k(key);
  natsStatus s = revision == 0 ? kvStore_Get(&entry, h->kv, k.c_str())
                               : kvStore_GetRevision(&entry, h->kv, k.c_str(), revision);
  if (s == NATS_NOT_FOUND) {
    std::string at = revision == 0 ? "" : " at revision " + std::to_string(revision);
    return Make(TOWER_E_NOT_FOUND, op, KeyText(bucket, key) + " not found" + at);
  }
  if (s != NATS_OK) return FromNats(s, std::string(op) + ": get " + KeyText(bucket, key));
  const char* v = static_cast<const char*>(kvEntry_Value(entry));
  out->value.assign(v ? v : "", static_cast<size_t>(kvEntry_ValueLen(entry)));
  out->revision = kvEntry_Revision(entry);
  out->created_ns = kvEntry_Created(entry);
  out->delta = kvEntry_Delta(entry);
  kvEntry_Destroy(entry);
  return Error::Ok();
}

Error CreateSimpleBucket(Conn& conn, const char* op, std::string_view bucket, int64_t replicas,
                         int64_t history, int64_t ttl_ns, bool allow_direct,
                         std::string_view description, bool* created) {
  BucketConfig cfg;
  cfg.bucket = std::string(bucket);
  cfg.replicas = replicas;
  cfg.history = history;
  cfg.ttl_ns = ttl_ns;
  cfg.allow_direct = allow_direct;
  cfg.description = std::string(description);
  return CreateBucket(conn, op, cfg, created);
}

Error KeyExists(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
                bool* exists) {
  std::shared_ptr<KvHandle> h;
  if (Error e = Bind(conn, op, bucket, &h); !e.ok()) return e;
  Entry entry;
  Error e = Get(conn, op, bucket, key, 0, &entry);
  *exists = e.ok();
  return e.code == TOWER_E_NOT_FOUND ? Error::Ok() : e;
}

Error BucketTtl(Conn& conn, const char* op, std::string_view bucket, int64_t* ttl_ns) {
  std::string stream = StreamOf(bucket);
  jsOptions o = ApiOptions(conn);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsStreamInfo* si = nullptr;
  natsStatus s = js_GetStreamInfo(&si, conn.js, stream.c_str(), &o, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
    if (si != nullptr) jsStreamInfo_Destroy(si);
    return Make(TOWER_E_NOT_FOUND, op, BucketText(bucket) + " not found");
  }
  if (s != NATS_OK) return FromJs(s, jerr, std::string(op) + ": look up " + BucketText(bucket));
  *ttl_ns = si->Config->MaxAge;
  jsStreamInfo_Destroy(si);
  return Error::Ok();
}

}  // namespace kvimpl

namespace {

// --- operations ---

/// kv.create BUCKET [NAME VALUE]...
/// Options: replicas (int 1..5), history (int 1..64), ttl (duration, 0 =
/// none, else >= 100 ms), max_bytes (int), max_value_size (int), storage
/// ("file" | "memory"), description (string), allow_direct (bool, default
/// true). Result: bool, true if created, false if it already existed with
/// the same configuration. Errors: ALREADY_EXISTS when it exists with a
/// different configuration; INVALID_ARGUMENT for a bad name or option.
Error KvCreate(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  BucketConfig cfg;
  if (Error e = args.count(1, 17, "BUCKET [NAME VALUE]..."); !e.ok()) return e;
  if (Error e = BucketArg(args, &cfg.bucket); !e.ok()) return e;
  OptionPairs opts;
  if (Error e = opts.Parse(args, 1,
                           {"replicas", "history", "ttl", "max_bytes", "max_value_size", "storage",
                            "description", "allow_direct"});
      !e.ok()) {
    return e;
  }
  for (const auto& o : opts.pairs()) {
    const char* what = o.name.c_str();
    Error e;
    if (o.name == "replicas") {
      e = args.integer(o.index, what, &cfg.replicas);
      if (e.ok() && (cfg.replicas < 1 || cfg.replicas > 5))
        e = args.invalid("replicas must be 1..5, got " + std::to_string(cfg.replicas));
    } else if (o.name == "history") {
      e = args.integer(o.index, what, &cfg.history);
      if (e.ok() && (cfg.history < 1 || cfg.history > 64))
        e = args.invalid("history must be 1..64, got " + std::to_string(cfg.history));
    } else if (o.name == "ttl") {
      e = args.duration(o.index, what, &cfg.ttl_ns);
      if (e.ok() && cfg.ttl_ns != 0 && cfg.ttl_ns < 100 * kNsPerMs)
        e = args.invalid("ttl must be 0 (none) or at least 100 ms, got " +
                         std::to_string(cfg.ttl_ns) + " ns");
    } else if (o.name == "max_bytes") {
      e = args.integer(o.index, what, &cfg.max_bytes);
    } else if (o.name == "max_value_size") {
      e = args.integer(o.index, what, &cfg.max_value_size);
      if (e.ok() && cfg.max_value_size > INT32_MAX)
        e = args.invalid("max_value_size is larger than 2^31-1");
    } else if (o.name == "storage") {
      std::string_view v;
      e = args.text(o.index, what, &v);
      if (e.ok() && v != "file" && v != "memory")
        e = args.invalid("storage must be \"file\" or \"memory\", got " + Q(v));
      cfg.memory = v == "memory";
    } else if (o.name == "description") {
      std::string_view v;
      e = args.text(o.index, what, &v);
      cfg.description = std::string(v);
    } else if (o.name == "allow_direct") {
      e = args.boolean(o.index, what, &cfg.allow_direct);
    }
    if (!e.ok()) return e;
  }
  bool created = false;
  if (Error e = kvimpl::CreateBucket(conn, args.op(), cfg, &created); !e.ok()) return e;
  out.set_bool(created);
  return Error::Ok();
}

/// kv.exists BUCKET -> bool: whether the bucket's stream KV_<BUCKET> exists.
Error KvExists(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  std::string bucket;
  if (Error e = args.count(1, 1, "BUCKET"); !e.ok()) return e;
  if (Error e = BucketArg(args, &bucket); !e.ok()) return e;
  int64_t ttl = 0;
  Error e = kvimpl::BucketTtl(conn, args.op(), bucket, &ttl);
  if (e.code == TOWER_E_NOT_FOUND) {
    out.set_bool(false);
    return Error::Ok();
  }
  if (!e.ok()) return e;
  out.set_bool(true);
  return Error::Ok();
}

/// kv.delete_bucket BUCKET -> null. Errors: NOT_FOUND naming the bucket.
Error KvDeleteBucket(Conn& conn, const MeshArgs& args, const MeshResult& out,
                     const tower_mesh_handler*) {
  std::string bucket;
  if (Error e = args.count(1, 1, "BUCKET"); !e.ok()) return e;
  if (Error e = BucketArg(args, &bucket); !e.ok()) return e;
  jsOptions o = ApiOptions(conn);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteStream(conn.js, StreamOf(bucket).c_str(), &o, &jerr);
  conn.DropState("kv:" + bucket);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)
    return Make(TOWER_E_NOT_FOUND, args.op(), BucketText(bucket) + " not found");
  if (s != NATS_OK) return FromJs(s, jerr, std::string(args.op()) + ": " + BucketText(bucket));
  out.set_null();
  return Error::Ok();
}

/// kv.buckets -> array of bucket names (sorted): the streams named KV_*.
Error KvBuckets(Conn& conn, const MeshArgs& args, const MeshResult& out,
                const tower_mesh_handler*) {
  if (Error e = args.count(0, 0, ""); !e.ok()) return e;
  jsOptions o = ApiOptions(conn);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsStreamNamesList* list = nullptr;
  natsStatus s = js_StreamNames(&list, conn.js, &o, &jerr);
  std::vector<std::string> names;
  if (s == NATS_OK && list != nullptr) {
    for (int i = 0; i < list->Count; ++i) {
      std::string_view n = list->List[i];
      if (n.size() > 3 && n.substr(0, 3) == "KV_") names.emplace_back(n.substr(3));
    }
  }
  if (list != nullptr) jsStreamNamesList_Destroy(list);
  if (s != NATS_OK && s != NATS_NOT_FOUND)
    return FromJs(s, jerr, std::string(args.op()) + ": list streams");
  std::sort(names.begin(), names.end());
  out.begin_array();
  for (const auto& n : names) out.push_string(n);
  return Error::Ok();
}

/// kv.get BUCKET KEY [REVISION] -> record {value: binary, revision: int,
/// created: timestamp (ns), delta: int (newer entries pending)}.
/// Errors: NOT_FOUND when the bucket or key is absent, deleted or purged
/// (or REVISION is not a revision of KEY).
Error KvGet(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  std::string bucket, key;
  std::optional<uint64_t> rev;
  if (Error e = args.count(2, 3, "BUCKET KEY [REVISION]"); !e.ok()) return e;
  if (Error e = BucketKeyArgs(args, &bucket, &key); !e.ok()) return e;
  if (Error e = RevisionArg(args, 2, "revision", &rev); !e.ok()) return e;
  if (rev.has_value() && *rev == 0) return args.invalid("revision must be > 0");
  Entry entry;
  if (Error e = kvimpl::Get(conn, args.op(), bucket, key, rev.value_or(0), &entry); !e.ok())
    return e;
  out.begin_array();
  out.push_string("value");
  out.push_binary(entry.value);
  out.field("revision", static_cast<int64_t>(entry.revision));
  out.field_timestamp("created", entry.created_ns);
  out.field("delta", static_cast<int64_t>(entry.delta));
  return Error::Ok();
}

/// kv.put BUCKET KEY VALUE -> int revision. VALUE is a string or binary.
/// Errors: NOT_FOUND when the bucket does not exist.
Error KvPut(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  std::string bucket, key;
  std::string_view value;
  if (Error e = BucketKeyValueArgs(args, &bucket, &key, &value); !e.ok()) return e;
  uint64_t rev = 0;
  if (Error e =
          kvimpl::Write(conn, args.op(), bucket, key, value, WriteKind::kPut, std::nullopt, &rev);
      !e.ok()) {
    return e;
  }
  out.set_int(static_cast<int64_t>(rev));
  return Error::Ok();
}

/// kv.create_key BUCKET KEY VALUE -> int revision. Writes only when KEY has
/// no value (never written, deleted, purged or expired). Errors:
/// ALREADY_EXISTS when KEY holds a value.
Error KvCreateKey(Conn& conn, const MeshArgs& args, const MeshResult& out,
                  const tower_mesh_handler*) {
  std::string bucket, key;
  std::string_view value;
  if (Error e = BucketKeyValueArgs(args, &bucket, &key, &value); !e.ok()) return e;
  uint64_t rev = 0;
  if (Error e = kvimpl::CreateKey(conn, args.op(), bucket, key, value, &rev, nullptr); !e.ok())
    return e;
  out.set_int(static_cast<int64_t>(rev));
  return Error::Ok();
}

/// kv.update BUCKET KEY VALUE EXPECTED_REVISION -> int new revision.
/// EXPECTED_REVISION 0 means "KEY has no message at all". Errors: ABORTED
/// when KEY's last revision differs (the message names the expected one).
Error KvUpdate(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  std::string bucket, key;
  std::string_view value;
  std::optional<uint64_t> expected;
  if (Error e =
          BucketKeyValueArgs(args, &bucket, &key, &value, 4, "BUCKET KEY VALUE EXPECTED_REVISION");
      !e.ok()) {
    return e;
  }
  if (!args.has(3)) return args.invalid("argument 4 (expected revision) must be int, got null");
  if (Error e = RevisionArg(args, 3, "expected revision", &expected); !e.ok()) return e;
  uint64_t rev = 0;
  if (Error e = kvimpl::Write(conn, args.op(), bucket, key, value, WriteKind::kPut, expected, &rev);
      !e.ok()) {
    return e;
  }
  out.set_int(static_cast<int64_t>(rev));
  return Error::Ok();
}

Error DeleteOrPurge(Conn& conn, const MeshArgs& args, const MeshResult& out, WriteKind kind) {
  std::string bucket, key;
  std::optional<uint64_t> expected;
  if (Error e = args.count(2, 3, "BUCKET KEY [EXPECTED_REVISION]"); !e.ok()) return e;
  if (Error e = BucketKeyArgs(args, &bucket, &key); !e.ok()) return e;
  if (Error e = RevisionArg(args, 2, "expected revision", &expected); !e.ok()) return e;
  std::shared_ptr<KvHandle> h;  // a clear NOT_FOUND for a missing bucket
  if (Error e = kvimpl::Bind(conn, args.op(), bucket, &h); !e.ok()) return e;
  if (Error e = kvimpl::Write(conn, args.op(), bucket, key, {}, kind, expected, nullptr); !e.ok())
    return e;
  out.set_null();
  return Error::Ok();
}

/// kv.delete BUCKET KEY [EXPECTED_REVISION] -> null. Writes a delete
/// marker (history is kept). Errors: ABORTED when EXPECTED_REVISION is
/// given and KEY's last revision differs; NOT_FOUND for a missing bucket.
Error KvDelete(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  return DeleteOrPurge(conn, args, out, WriteKind::kDelete);
}

/// kv.purge BUCKET KEY [EXPECTED_REVISION] -> null. Writes a purge marker
/// that rolls up (removes) KEY's history. Errors as kv.delete.
Error KvPurge(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  return DeleteOrPurge(conn, args, out, WriteKind::kPurge);
}

/// kv.keys BUCKET [FILTER] -> array of keys (sorted) that hold a value;
/// FILTER may use the wildcards '*' and '>'. Errors: NOT_FOUND for a
/// missing bucket; TIMEOUT when gathering takes longer than the connection
/// timeout.
Error KvKeys(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  std::string bucket;
  std::string filter = ">";
  if (Error e = args.count(1, 2, "BUCKET [FILTER]"); !e.ok()) return e;
  if (Error e = BucketArg(args, &bucket); !e.ok()) return e;
  if (args.has(1)) {
    std::string_view f;
    if (Error e = args.text(1, "filter", &f); !e.ok()) return e;
    if (Error e = Named(args.op(), CheckKvKey(f, true)); !e.ok()) return e;
    filter = std::string(f);
  }
  std::shared_ptr<KvHandle> h;
  if (Error e = kvimpl::Bind(conn, args.op(), bucket, &h); !e.ok()) return e;
  kvWatchOptions wo;
  kvWatchOptions_Init(&wo);
  wo.IgnoreDeletes = true;
  wo.MetaOnly = true;
  kvWatcher* w = nullptr;
  natsStatus s = kvStore_Watch(&w, h->kv, filter.c_str(), &wo);
  if (s != NATS_OK)
    return FromNats(s, std::string(args.op()) + ": watch " + BucketText(bucket) + " " + Q(filter));
  std::set<std::string> keys;
  int64_t deadline = NowMs() + conn.timeout_ms;
  while (true) {
    int64_t left = deadline - NowMs();
    if (left <= 0) {
      s = NATS_TIMEOUT;
      break;
    }
    kvEntry* e = nullptr;
    s = kvWatcher_Next(&e, w, left);
    if (s != NATS_OK || e == nullptr) break;
    if (kvEntry_Operation(e) == kvOp_Put) {
      keys.insert(kvEntry_Key(e));
    } else {
      keys.erase(kvEntry_Key(e));
    }
    kvEntry_Destroy(e);
  }
  kvWatcher_Destroy(w);
  if (s != NATS_OK) {
    return FromNats(s, std::string(args.op()) + ": gather keys of " + BucketText(bucket) +
                           " matching " + Q(filter));
  }
  out.begin_array();
  for (const auto& k : keys) out.push_string(k);
  return Error::Ok();
}

/// kv.history BUCKET KEY -> int count. Delivers every retained entry of KEY,
/// oldest first, to the handler: subject = key, data = value, sequence =
/// revision, timestamp_ns, flags TOWER_MESH_MSG_KV_DELETE / KV_PURGE for
/// markers. Stops early when the handler asks to. Errors: NOT_FOUND when
/// the bucket or KEY has no entries.
Error KvHistory(Conn& conn, const MeshArgs& args, const MeshResult& out,
                const tower_mesh_handler* msgs) {
  std::string bucket, key;
  if (Error e = args.count(2, 2, "BUCKET KEY"); !e.ok()) return e;
  if (Error e = BucketKeyArgs(args, &bucket, &key); !e.ok()) return e;
  std::shared_ptr<KvHandle> h;
  if (Error e = kvimpl::Bind(conn, args.op(), bucket, &h); !e.ok()) return e;
  kvWatchOptions wo;
  kvWatchOptions_Init(&wo);
  wo.Timeout = conn.timeout_ms;
  kvEntryList list{};
  natsStatus s = kvStore_History(&list, h->kv, key.c_str(), &wo);
  if (s == NATS_NOT_FOUND) {
    kvEntryList_Destroy(&list);
    return Make(TOWER_E_NOT_FOUND, args.op(), KeyText(bucket, key) + " has no history");
  }
  if (s != NATS_OK) {
    kvEntryList_Destroy(&list);
    return FromNats(s, std::string(args.op()) + ": history of " + KeyText(bucket, key));
  }
  std::string stream = StreamOf(bucket);
  int64_t count = 0;
  for (int i = 0; i < list.Count; ++i) {
    ++count;
    if (!DeliverEntry(msgs, list.Entries[i], stream)) break;
  }
  kvEntryList_Destroy(&list);
  out.set_int(count);
  return Error::Ok();
}

/// kv.put_async BUCKET KEY VALUE -> null. Publishes without waiting for the
/// acknowledgement (js_PublishAsync); kv.put_async_complete waits for all
/// and reports failures.
Error KvPutAsync(Conn& conn, const MeshArgs& args, const MeshResult& out,
                 const tower_mesh_handler*) {
  std::string bucket, key;
  std::string_view value;
  if (Error e = BucketKeyValueArgs(args, &bucket, &key, &value); !e.ok()) return e;
  std::string subject = PublishSubjectOf(conn, bucket, key);
  natsStatus s = js_PublishAsync(conn.js, subject.c_str(), value.empty() ? nullptr : value.data(),
                                 static_cast<int>(value.size()), nullptr);
  if (s != NATS_OK)
    return FromNats(s, std::string(args.op()) + ": publish " + KeyText(bucket, key));
  out.set_null();
  return Error::Ok();
}

/// kv.put_async_complete [TIMEOUT] -> null. Waits (TIMEOUT, default the
/// connection timeout) until every pending asynchronous publish of this
/// connection is acknowledged. Errors: TIMEOUT when some are still
/// pending; IO_ERROR naming how many failed since the last call (the
/// failure count is reset).
Error KvPutAsyncComplete(Conn& conn, const MeshArgs& args, const MeshResult& out,
                         const tower_mesh_handler*) {
  if (Error e = args.count(0, 1, "[TIMEOUT]"); !e.ok()) return e;
  int64_t timeout_ms = conn.timeout_ms;
  if (args.has(0)) {
    int64_t ns = 0;
    if (Error e = args.duration(0, "timeout", &ns); !e.ok()) return e;
    if (ns <= 0) return args.invalid("timeout must be positive");
    timeout_ms = std::max<int64_t>(1, ns / kNsPerMs);
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = timeout_ms;
  natsStatus s = js_PublishAsyncComplete(conn.js, &po);
  if (s == NATS_TIMEOUT) {
    return Make(TOWER_E_TIMEOUT, args.op(),
                "asynchronous puts still pending after " + std::to_string(timeout_ms) + " ms");
  }
  if (s != NATS_OK) return FromNats(s, std::string(args.op()) + ": wait for asynchronous puts");
  if (Error e = TakeAsyncFailures(conn, args.op(), TOWER_E_IO_ERROR); !e.ok()) return e;
  out.set_null();
  return Error::Ok();
}

// A kv.watch delivery: a kvWatcher read by one thread.
class WatchSub : public Sub {
 public:
  WatchSub(std::shared_ptr<KvHandle> h, kvWatcher* w, tower_mesh_handler handler,
           std::string stream, bool updates_only)
      : h_(std::move(h)), w_(w), handler_(handler), stream_(std::move(stream)) {
    thread_ = std::thread([this, updates_only] { Run(updates_only); });
  }
  ~WatchSub() override {
    stop_ = true;
    kvWatcher_Stop(w_);
    thread_.join();
    kvWatcher_Destroy(w_);
  }

 private:
  void Run(bool updates_only) {
    bool initial = true;
    while (!stop_) {
      kvEntry* e = nullptr;
      natsStatus s = kvWatcher_Next(&e, w_, 100);
      if (s == NATS_TIMEOUT) continue;
      if (s != NATS_OK) break;  // stopped (NATS_ILLEGAL_STATE) or closed
      if (e == nullptr) {       // the initial values are done
        initial = false;
        if (!updates_only) {
          tower_mesh_msg m{};
          m.struct_size = sizeof(m);
          m.flags = TOWER_MESH_MSG_END;
          m.stream = sdk::slice(stream_);
          if (!stop_) sdk::deliver(&handler_, m);
        }
        continue;
      }
      if (!(updates_only && initial) && !stop_) DeliverEntry(&handler_, e, stream_);
      kvEntry_Destroy(e);
    }
  }

  std::shared_ptr<KvHandle> h_;  // keeps the kvStore alive
  kvWatcher* w_;
  tower_mesh_handler handler_;
  std::string stream_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// kv.watch BUCKET KEY_FILTER [NAME VALUE]... (subscribe). Options:
/// updates_only (bool), include_history (bool), ignore_deletes (bool).
/// Delivers the matching keys' current entries (all retained ones with
/// include_history) as kv.history does, then one message flagged
/// TOWER_MESH_MSG_END (not with updates_only), then live updates until the
/// subscription is destroyed. Errors: NOT_FOUND for a missing bucket.
Error KvWatch(Conn& conn, const MeshArgs& args, const tower_mesh_handler* handler,
              std::unique_ptr<Sub>* out) {
  std::string bucket;
  std::string_view filter;
  if (Error e = args.count(2, 8, "BUCKET KEY_FILTER [NAME VALUE]..."); !e.ok()) return e;
  if (Error e = BucketArg(args, &bucket); !e.ok()) return e;
  if (Error e = args.text(1, "key filter", &filter); !e.ok()) return e;
  if (Error e = Named(args.op(), CheckKvKey(filter, true)); !e.ok()) return e;
  if (handler == nullptr || handler->on_msg == nullptr) return args.invalid("no message handler");
  OptionPairs opts;
  if (Error e = opts.Parse(args, 2, {"updates_only", "include_history", "ignore_deletes"});
      !e.ok()) {
    return e;
  }
  bool updates_only = false, include_history = false, ignore_deletes = false;
  for (const auto& o : opts.pairs()) {
    bool* target = o.name == "updates_only"      ? &updates_only
                   : o.name == "include_history" ? &include_history
                                                 : &ignore_deletes;
    if (Error e = args.boolean(o.index, o.name.c_str(), target); !e.ok()) return e;
  }
  if (updates_only && include_history)
    return args.invalid("options updates_only and include_history exclude each other");
  std::shared_ptr<KvHandle> h;
  if (Error e = kvimpl::Bind(conn, args.op(), bucket, &h); !e.ok()) return e;
  kvWatchOptions wo;
  kvWatchOptions_Init(&wo);
  wo.IgnoreDeletes = ignore_deletes;
  wo.IncludeHistory = include_history;
  kvWatcher* w = nullptr;
  std::string f(filter);
  natsStatus s = kvStore_Watch(&w, h->kv, f.c_str(), &wo);
  if (s != NATS_OK)
    return FromNats(s, std::string(args.op()) + ": watch " + BucketText(bucket) + " " + Q(f));
  *out = std::make_unique<WatchSub>(std::move(h), w, *handler, StreamOf(bucket), updates_only);
  return Error::Ok();
}

const OpDef kKvOps[] = {
    {"kv.create", "BUCKET [NAME VALUE]...",
     "create a KV bucket (replicas, history, ttl, max_bytes, max_value_size, storage, "
     "description, allow_direct); true if created",
     KvCreate, nullptr},
    {"kv.exists", "BUCKET", "whether a KV bucket exists", KvExists, nullptr},
    {"kv.delete_bucket", "BUCKET", "delete a KV bucket and all its keys", KvDeleteBucket, nullptr},
    {"kv.buckets", "", "the names of all KV buckets, sorted", KvBuckets, nullptr},
    {"kv.get", "BUCKET KEY [REVISION]", "a key's value, revision, created time and delta", KvGet,
     nullptr},
    {"kv.put", "BUCKET KEY VALUE", "write a value; returns the revision", KvPut, nullptr},
    {"kv.create_key", "BUCKET KEY VALUE", "write a value only if the key has none", KvCreateKey,
     nullptr},
    {"kv.update", "BUCKET KEY VALUE EXPECTED_REVISION",
     "write a value only if the key is at EXPECTED_REVISION", KvUpdate, nullptr},
    {"kv.delete", "BUCKET KEY [EXPECTED_REVISION]", "delete a key (keeps history)", KvDelete,
     nullptr},
    {"kv.purge", "BUCKET KEY [EXPECTED_REVISION]", "delete a key and its history", KvPurge,
     nullptr},
    {"kv.keys", "BUCKET [FILTER]", "the keys holding a value, sorted", KvKeys, nullptr},
    {"kv.history", "BUCKET KEY", "deliver a key's retained entries; returns their count", KvHistory,
     nullptr},
    {"kv.put_async", "BUCKET KEY VALUE", "write a value without waiting for the ack", KvPutAsync,
     nullptr},
    {"kv.put_async_complete", "[TIMEOUT]", "wait for all asynchronous puts; error if any failed",
     KvPutAsyncComplete, nullptr},
    {"kv.watch", "BUCKET KEY_FILTER [NAME VALUE]...",
     "deliver current entries, an END marker, then live updates (updates_only, "
     "include_history, ignore_deletes)",
     nullptr, KvWatch},
};

}  // namespace

std::span<const OpDef> KvOps() { return kKvOps; }

}  // namespace tower::mesh::nats
