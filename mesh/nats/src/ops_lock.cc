// Distributed lock operations of the nats mesh plugin ("lock.*").
//
// A lock is the key NAME in a dedicated KV bucket (history 1, direct get
// off so reads come from the stream leader, TTL = the lease). Acquiring is
// a create (write expecting no value); the revision written is the fencing
// token; refreshing and releasing are writes expecting that revision. Only
// compare-and-swap writes decide who holds a lock, never a read. Server 2.9
// has no per-key TTL: the bucket's MaxAge is the lease, and a holder that
// stops refreshing loses the lock once its entry ages out.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "ops_kv.hpp"

namespace tower::mesh::nats {

namespace {

using kvimpl::WriteKind;

constexpr int64_t kNsPerMs = 1000000;

std::string Q(std::string_view s) { return "'" + std::string(s) + "'"; }
std::string LockText(std::string_view bucket, std::string_view name) {
  return "lock " + Q(name) + " in bucket " + Q(bucket);
}
Error Make(int32_t code, const char* op, const std::string& what) {
  return Error::Make(code, std::string(op) + ": " + what);
}
Error Named(const char* op, Error e) {
  if (!e.ok()) e.message = std::string(op) + ": " + e.message;
  return e;
}

// BUCKET NAME [OWNER] arguments, checked.
Error LockArgs(const MeshArgs& args, bool with_owner, std::string* bucket, std::string* name,
               std::string* owner) {
  std::string_view b, n, o;
  if (Error e = args.text(0, "bucket", &b); !e.ok()) return e;
  if (Error e = Named(args.op(), CheckKvBucket(b)); !e.ok()) return e;
  if (Error e = args.text(1, "lock name", &n); !e.ok()) return e;
  if (Error e = Named(args.op(), CheckKvKey(n, false)); !e.ok()) return e;
  if (with_owner) {
    if (Error e = args.text(2, "owner", &o); !e.ok()) return e;
    if (o.empty()) return args.invalid("owner is empty");
    *owner = std::string(o);
  }
  *bucket = std::string(b);
  *name = std::string(n);
  return Error::Ok();
}

Error TokenArg(const MeshArgs& args, size_t i, uint64_t* token) {
  int64_t t = 0;
  if (Error e = args.integer(i, "token", &t); !e.ok()) return e;
  if (t <= 0) return args.invalid("token must be a positive revision, got " + std::to_string(t));
  *token = static_cast<uint64_t>(t);
  return Error::Ok();
}

// One acquisition attempt: token, or 0 when someone else holds the lock
// (*holder = their owner text when known).
Error TryOnce(Conn& conn, const char* op, const std::string& bucket, const std::string& name,
              const std::string& owner, uint64_t* token, std::string* holder) {
  *token = 0;
  Error e = kvimpl::CreateKey(conn, op, bucket, name, owner, token, holder);
  if (e.code == TOWER_E_ALREADY_EXISTS) {
    *token = 0;
    return Error::Ok();
  }
  return e;
}

// An update of the lock entry expecting `token`; ABORTED "lock NAME was
// lost" when the revision moved.
Error Refresh(Conn& conn, const char* op, const std::string& bucket, const std::string& name,
              const std::string& owner, uint64_t token, uint64_t* new_token) {
  Error e = kvimpl::Write(conn, op, bucket, name, owner, WriteKind::kPut, token, new_token);
  if (e.code == TOWER_E_ABORTED) {
    return Make(TOWER_E_ABORTED, op,
                "lock " + Q(name) + " was lost (bucket " + Q(bucket) + ": token " +
                    std::to_string(token) + " is no longer the lock's revision)");
  }
  return e;
}

/// lock.create_bucket BUCKET LEASE [REPLICAS] -> bool created. LEASE
/// (duration >= 1 s) becomes the bucket's TTL; history 1, direct get off.
/// Errors: ALREADY_EXISTS when BUCKET exists with another configuration.
Error LockCreateBucket(Conn& conn, const MeshArgs& args, const MeshResult& out,
                       const tower_mesh_handler*) {
  if (Error e = args.count(2, 3, "BUCKET LEASE [REPLICAS]"); !e.ok()) return e;
  std::string_view b;
  int64_t lease_ns = 0, replicas = 1;
  if (Error e = args.text(0, "bucket", &b); !e.ok()) return e;
  if (Error e = Named(args.op(), CheckKvBucket(b)); !e.ok()) return e;
  if (Error e = args.duration(1, "lease", &lease_ns); !e.ok()) return e;
  if (lease_ns < 1000 * kNsPerMs) {
    return args.invalid("lease must be at least 1 s, got " + std::to_string(lease_ns / kNsPerMs) +
                        " ms");
  }
  if (args.has(2)) {
    if (Error e = args.integer(2, "replicas", &replicas); !e.ok()) return e;
    if (replicas < 1 || replicas > 5)
      return args.invalid("replicas must be 1..5, got " + std::to_string(replicas));
  }
  bool created = false;
  if (Error e = kvimpl::CreateSimpleBucket(conn, args.op(), b, replicas, /*history=*/1, lease_ns,
                                           /*allow_direct=*/false, "Tower locks", &created);
      !e.ok()) {
    return e;
  }
  out.set_bool(created);
  return Error::Ok();
}

/// lock.try BUCKET NAME OWNER -> int fencing token (the entry's revision)
/// when acquired, null when another holder has the lock.
/// Errors: NOT_FOUND for a missing bucket.
Error LockTry(Conn& conn, const MeshArgs& args, const MeshResult& out, const tower_mesh_handler*) {
  std::string bucket, name, owner;
  if (Error e = args.count(3, 3, "BUCKET NAME OWNER"); !e.ok()) return e;
  if (Error e = LockArgs(args, true, &bucket, &name, &owner); !e.ok()) return e;
  uint64_t token = 0;
  std::string holder;
  if (Error e = TryOnce(conn, args.op(), bucket, name, owner, &token, &holder); !e.ok()) return e;
  if (token == 0) {
    out.set_null();
  } else {
    out.set_int(static_cast<int64_t>(token));
  }
  return Error::Ok();
}

/// lock.acquire BUCKET NAME OWNER TIMEOUT -> int fencing token. Retries
/// lock.try with a jittered backoff (5 ms doubling to 100 ms), also after
/// TIMEOUT or BUSY (e.g. a leader election) until TIMEOUT ends. Errors:
/// TIMEOUT naming the lock and its holder when known; NOT_FOUND for a
/// missing bucket.
Error LockAcquire(Conn& conn, const MeshArgs& args, const MeshResult& out,
                  const tower_mesh_handler*) {
  std::string bucket, name, owner;
  int64_t timeout_ns = 0;
  if (Error e = args.count(4, 4, "BUCKET NAME OWNER TIMEOUT"); !e.ok()) return e;
  if (Error e = LockArgs(args, true, &bucket, &name, &owner); !e.ok()) return e;
  if (Error e = args.duration(3, "timeout", &timeout_ns); !e.ok()) return e;
  if (timeout_ns < 0) return args.invalid("timeout must not be negative");
  int64_t timeout_ms = timeout_ns / kNsPerMs;
  int64_t deadline = NowMs() + timeout_ms;
  thread_local std::minstd_rand rng(std::random_device{}());
  int64_t backoff = 5;
  std::string holder;
  while (true) {
    uint64_t token = 0;
    if (Error e = TryOnce(conn, args.op(), bucket, name, owner, &token, &holder); !e.ok()) {
      bool transient = e.code == TOWER_E_TIMEOUT || e.code == TOWER_E_BUSY;
      if (!transient || NowMs() >= deadline) return e;
    }
    if (token != 0) {
      out.set_int(static_cast<int64_t>(token));
      return Error::Ok();
    }
    int64_t left = deadline - NowMs();
    if (left <= 0) break;
    int64_t sleep = backoff / 2 + static_cast<int64_t>(rng() % static_cast<uint32_t>(backoff));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(sleep, left)));
    backoff = std::min<int64_t>(backoff * 2, 100);
  }
  return Make(TOWER_E_TIMEOUT, args.op(),
              "timed out after " + std::to_string(timeout_ms) + " ms waiting for " +
                  LockText(bucket, name) +
                  (holder.empty() ? std::string() : " (held by " + Q(holder) + ")"));
}

/// lock.refresh BUCKET NAME OWNER TOKEN -> int new token. Extends the lease
/// by rewriting the entry, expecting revision TOKEN. Errors: ABORTED "lock
/// NAME was lost" when the revision moved (expired or taken by another).
Error LockRefresh(Conn& conn, const MeshArgs& args, const MeshResult& out,
                  const tower_mesh_handler*) {
  std::string bucket, name, owner;
  uint64_t token = 0, next = 0;
  if (Error e = args.count(4, 4, "BUCKET NAME OWNER TOKEN"); !e.ok()) return e;
  if (Error e = LockArgs(args, true, &bucket, &name, &owner); !e.ok()) return e;
  if (Error e = TokenArg(args, 3, &token); !e.ok()) return e;
  if (Error e = Refresh(conn, args.op(), bucket, name, owner, token, &next); !e.ok()) return e;
  out.set_int(static_cast<int64_t>(next));
  return Error::Ok();
}

/// lock.release BUCKET NAME OWNER TOKEN -> bool: true when released, false
/// when the lock was no longer ours (its revision is not TOKEN). Writes a
/// delete marker expecting revision TOKEN.
Error LockRelease(Conn& conn, const MeshArgs& args, const MeshResult& out,
                  const tower_mesh_handler*) {
  std::string bucket, name, owner;
  uint64_t token = 0;
  if (Error e = args.count(4, 4, "BUCKET NAME OWNER TOKEN"); !e.ok()) return e;
  if (Error e = LockArgs(args, true, &bucket, &name, &owner); !e.ok()) return e;
  if (Error e = TokenArg(args, 3, &token); !e.ok()) return e;
  Error e = kvimpl::Write(conn, args.op(), bucket, name, {}, WriteKind::kDelete, token, nullptr);
  if (e.code == TOWER_E_ABORTED) {
    out.set_bool(false);
    return Error::Ok();
  }
  if (!e.ok()) return e;
  out.set_bool(true);
  return Error::Ok();
}

/// lock.force_release BUCKET NAME -> null. Purges the lock entry whoever
/// holds it (administrative; the holder's next refresh gets ABORTED).
Error LockForceRelease(Conn& conn, const MeshArgs& args, const MeshResult& out,
                       const tower_mesh_handler*) {
  std::string bucket, name;
  if (Error e = args.count(2, 2, "BUCKET NAME"); !e.ok()) return e;
  if (Error e = LockArgs(args, false, &bucket, &name, nullptr); !e.ok()) return e;
  if (Error e = kvimpl::Write(conn, args.op(), bucket, name, {}, WriteKind::kPurge, std::nullopt,
                              nullptr);
      !e.ok()) {
    return e;
  }
  out.set_null();
  return Error::Ok();
}

/// lock.is_locked BUCKET NAME -> bool. Informational only: the answer can
/// be stale by the time it arrives (the lease may end or another owner may
/// take the lock right after); never use it to decide to enter a critical
/// section. Errors: NOT_FOUND for a missing bucket.
Error LockIsLocked(Conn& conn, const MeshArgs& args, const MeshResult& out,
                   const tower_mesh_handler*) {
  std::string bucket, name;
  if (Error e = args.count(2, 2, "BUCKET NAME"); !e.ok()) return e;
  if (Error e = LockArgs(args, false, &bucket, &name, nullptr); !e.ok()) return e;
  bool exists = false;
  if (Error e = kvimpl::KeyExists(conn, args.op(), bucket, name, &exists); !e.ok()) return e;
  out.set_bool(exists);
  return Error::Ok();
}

// lock.keepalive: refreshes a lock from its own thread.
class KeepaliveSub : public Sub {
 public:
  KeepaliveSub(Conn& conn, std::string bucket, std::string name, std::string owner, uint64_t token,
               int64_t interval_ms, tower_mesh_handler handler)
      : conn_(conn),
        bucket_(std::move(bucket)),
        name_(std::move(name)),
        owner_(std::move(owner)),
        token_(token),
        interval_ms_(interval_ms),
        handler_(handler) {
    thread_ = std::thread([this] { Run(); });
  }
  ~KeepaliveSub() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  // Waits up to ms; false when asked to stop.
  bool Wait(int64_t ms) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
  }
  bool Stopped() {
    std::lock_guard lock(mu_);
    return stop_;
  }
  void Deliver(uint64_t sequence, std::string_view data) {
    if (Stopped()) return;
    tower_mesh_msg m{};
    m.struct_size = sizeof(m);
    m.subject = sdk::slice(name_);
    m.data = {data.data(), data.size()};
    m.sequence = sequence;
    m.timestamp_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    sdk::deliver(&handler_, m);
  }
  void Run() {
    int64_t wait = interval_ms_;
    while (Wait(wait)) {
      uint64_t next = 0;
      Error e = Refresh(conn_, "lock.keepalive", bucket_, name_, owner_, token_, &next);
      if (e.ok()) {
        token_ = next;
        wait = interval_ms_;
        Deliver(token_, "refreshed");
      } else if (e.code == TOWER_E_ABORTED) {
        Deliver(0, "lost");
        return;
      } else {
        wait = std::max<int64_t>(20, interval_ms_ / 4);  // transient: retry sooner
      }
    }
  }

  Conn& conn_;
  std::string bucket_, name_, owner_;
  uint64_t token_;
  int64_t interval_ms_;
  tower_mesh_handler handler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

/// lock.keepalive BUCKET NAME OWNER TOKEN [INTERVAL] (subscribe). Refreshes
/// the lock every INTERVAL (default a third of the bucket's lease) with an
/// update expecting the newest token, and delivers after each success a
/// message (subject = NAME, data "refreshed", sequence = the new fencing
/// token). When a refresh finds the lock lost it delivers one message
/// (subject = NAME, flags 0, data "lost") and stops. Destroying the
/// subscription stops refreshing at once (the lock then expires after the
/// lease unless released). Errors: NOT_FOUND for a missing bucket.
Error LockKeepalive(Conn& conn, const MeshArgs& args, const tower_mesh_handler* handler,
                    std::unique_ptr<Sub>* out) {
  std::string bucket, name, owner;
  uint64_t token = 0;
  if (Error e = args.count(4, 5, "BUCKET NAME OWNER TOKEN [INTERVAL]"); !e.ok()) return e;
  if (Error e = LockArgs(args, true, &bucket, &name, &owner); !e.ok()) return e;
  if (Error e = TokenArg(args, 3, &token); !e.ok()) return e;
  if (handler == nullptr || handler->on_msg == nullptr) return args.invalid("no message handler");
  int64_t interval_ms = 0;
  if (args.has(4)) {
    int64_t ns = 0;
    if (Error e = args.duration(4, "interval", &ns); !e.ok()) return e;
    if (ns < 10 * kNsPerMs) return args.invalid("interval must be at least 10 ms");
    interval_ms = ns / kNsPerMs;
  }
  int64_t lease_ns = 0;
  if (Error e = kvimpl::BucketTtl(conn, args.op(), bucket, &lease_ns); !e.ok()) return e;
  if (lease_ns <= 0) {
    return Make(TOWER_E_INVALID_ARGUMENT, args.op(),
                "bucket " + Q(bucket) + " has no TTL, so it is not a lock bucket");
  }
  if (interval_ms == 0) interval_ms = std::max<int64_t>(10, lease_ns / kNsPerMs / 3);
  if (interval_ms * kNsPerMs >= lease_ns) {
    return args.invalid("interval " + std::to_string(interval_ms) +
                        " ms is not shorter than the lease (" +
                        std::to_string(lease_ns / kNsPerMs) + " ms)");
  }
  *out = std::make_unique<KeepaliveSub>(conn, bucket, name, owner, token, interval_ms, *handler);
  return Error::Ok();
}

const OpDef kLockOps[] = {
    {"lock.create_bucket", "BUCKET LEASE [REPLICAS]",
     "create a lock bucket whose TTL is the lease; true if created", LockCreateBucket, nullptr},
    {"lock.try", "BUCKET NAME OWNER", "take a lock if free: fencing token, or null", LockTry,
     nullptr},
    {"lock.acquire", "BUCKET NAME OWNER TIMEOUT", "wait up to TIMEOUT for a lock: fencing token",
     LockAcquire, nullptr},
    {"lock.refresh", "BUCKET NAME OWNER TOKEN", "extend a held lock's lease: new token",
     LockRefresh, nullptr},
    {"lock.release", "BUCKET NAME OWNER TOKEN", "release a held lock; false if it was lost",
     LockRelease, nullptr},
    {"lock.force_release", "BUCKET NAME", "remove a lock whoever holds it", LockForceRelease,
     nullptr},
    {"lock.is_locked", "BUCKET NAME", "whether a lock is held (informational, may be stale)",
     LockIsLocked, nullptr},
    {"lock.keepalive", "BUCKET NAME OWNER TOKEN [INTERVAL]",
     "refresh a lock until stopped; delivers each new token, or \"lost\"", nullptr, LockKeepalive},
};

}  // namespace

std::span<const OpDef> LockOps() { return kLockOps; }

}  // namespace tower::mesh::nats
