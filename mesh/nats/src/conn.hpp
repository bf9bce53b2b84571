// The nats mesh plugin's operation layer: a client connection, the
// operation tables each family defines (ops_*.cc), and the helpers they
// share (status mapping, name checks, message views).
#ifndef TOWER_MESH_NATS_CONN_HPP_
#define TOWER_MESH_NATS_CONN_HPP_

#include <nats/nats.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/mesh.hpp"

namespace tower::mesh::nats {

using sdk::Error;
using sdk::MeshArgs;
using sdk::MeshResult;

// A lasting delivery (subscription, push consumer, watch). Destroying it
// stops the delivery: no handler call runs or starts afterwards.
class Sub {
 public:
  virtual ~Sub() = default;
};

// A client connection (tower_mesh_conn).
struct Conn {
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn();

  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;        // JetStream context (with `domain`)
  std::string domain;         // JetStream domain ("" = the local one)
  int64_t timeout_ms = 5000;  // requests and JetStream API calls

  // Asynchronous JetStream publishes that failed since the last
  // js.publish_async_complete (set by the context's error handler).
  std::mutex async_mu;
  uint64_t async_failed = 0;
  std::string async_first_error;  // the first failure's text

  // Per-family state kept across calls (cached pull subscriptions, bound KV
  // stores, ...), by a key the family chooses ("kv:<bucket>", ...). Get()
  // creates it with make() on first use.
  template <class T, class Make>
  std::shared_ptr<T> State(const std::string& key, Make make) {
    std::lock_guard lock(state_mu_);
    auto& slot = state_[key];
    if (!slot) slot = make();
    return std::static_pointer_cast<T>(slot);
  }
  // Drops a state entry (e.g. after its bucket was deleted).
  void DropState(const std::string& key) {
    std::lock_guard lock(state_mu_);
    state_.erase(key);
  }

  // Opens the connection from the options of docs/mesh.md ("servers",
  // "user", "password", "token", "name", "timeout", "domain", ...).
  static Error Open(const std::map<std::string, std::string, std::less<>>& options,
                    std::unique_ptr<Conn>* out);
  // The JetStream API prefix for this connection: "$JS.API" or
  // "$JS.<domain>.API".
  std::string ApiPrefix() const;

 private:
  std::mutex state_mu_;
  std::map<std::string, std::shared_ptr<void>> state_;
};

// One named operation. `call` runs it to completion; `subscribe` starts a
// lasting delivery. Exactly one of them is set.
using CallFn = Error (*)(Conn& conn, const MeshArgs& args, const MeshResult& out,
                         const tower_mesh_handler* msgs);
using SubscribeFn = Error (*)(Conn& conn, const MeshArgs& args, const tower_mesh_handler* handler,
                              std::unique_ptr<Sub>* out);
struct OpDef {
  const char* name;
  const char* usage;    // the arguments, e.g. "SUBJECT DATA [HEADERS]"
  const char* summary;  // one line
  CallFn call = nullptr;
  SubscribeFn subscribe = nullptr;
};

// The operation families (ops_core.cc, ops_js.cc, ops_kv.cc, ops_obj.cc,
// ops_lock.cc).
std::span<const OpDef> CoreOps();
std::span<const OpDef> JsOps();
std::span<const OpDef> KvOps();
std::span<const OpDef> ObjOps();
std::span<const OpDef> LockOps();

// --- shared helpers (conn.cc) ---

// Options as given (tower/sdk/mesh.h): name -> text.
using OptionMap = std::map<std::string, std::string, std::less<>>;

// "a, b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> SplitList(std::string_view text, char sep = ',');
// "250ms", "5s", "2m", "1h" or a plain number of milliseconds.
Error ParseMs(std::string_view option, std::string_view text, int64_t* ms);
// "1048576", "64K", "512M", "2G", "1T" (powers of 1024; a trailing "B" or
// "iB" is allowed).
Error ParseBytes(std::string_view option, std::string_view text, int64_t* bytes);
// "true" / "false".
Error ParseBool(std::string_view option, std::string_view text, bool* out);
// "host:port" or ":port" (host 127.0.0.1) or "[v6]:port"; port 0 = pick one.
Error ParseHostPort(std::string_view option, std::string_view text, std::string* host, int* port);

// A NATS.c failure as an Error: the code that fits (TIMEOUT, NOT_FOUND,
// IO_ERROR for connection trouble, ...) and "<what>: <NATS text>" with the
// library's last error detail.
Error FromNats(natsStatus s, std::string_view what);
// Like FromNats, for JetStream calls that report a jsErrCode.
Error FromJs(natsStatus s, jsErrCode jerr, std::string_view what);

// Name checks (InvalidArgument naming the kind and the value, before
// anything is sent): subjects (wildcards allowed or not), stream and
// consumer names, KV bucket and key names, object bucket names.
Error CheckSubject(std::string_view subject, bool wildcards, std::string_view what);
Error CheckStreamName(std::string_view name, std::string_view what);
Error CheckKvBucket(std::string_view bucket);
Error CheckKvKey(std::string_view key, bool wildcards);
Error CheckObjBucket(std::string_view bucket);

// Message headers given as text: lines "Name: value" separated by "\n"
// (or "\r\n"). Sets them on msg.
Error SetHeaders(natsMsg* msg, std::string_view text, std::string_view op);

// Walks header text as SetHeaders reads it: lines "Name: value" separated
// by "\n" (or "\r\n"), blank lines skipped, one space-trimmed value per
// line. Checks each line's shape and name (InvalidArgument naming `op`),
// then calls `fn(name, value)`; stops at the first error, its or fn's.
Error ForEachHeader(
    std::string_view text, std::string_view op,
    const std::function<Error(const std::string& name, std::string_view value)>& fn);

// The arguments SUBJECT DATA [HEADERS] of a publishing operation (count
// and types checked; *headers stays empty when absent). The subject is not
// checked.
Error SubjectDataHeaders(const MeshArgs& a, std::string_view* subject, std::string_view* data,
                         std::string_view* headers);

// Trailing NAME VALUE option pairs of an operation, from argument `first`
// on. Parse checks that every NAME is text, one of `known`, followed by a
// value and given once (InvalidArgument otherwise: an unknown name's error
// lists the known ones); the caller reads each value at its index.
class OptionPairs {
 public:
  struct Pair {
    std::string name;
    size_t index;  // of the value
  };
  Error Parse(const MeshArgs& a, size_t first, std::span<const std::string_view> known);
  Error Parse(const MeshArgs& a, size_t first, std::initializer_list<std::string_view> known) {
    return Parse(a, first, std::span<const std::string_view>(known.begin(), known.size()));
  }
  // The index of option `name`'s value, or 0 when it was not given.
  size_t Find(std::string_view name) const;
  // The options given, in argument order.
  const std::vector<Pair>& pairs() const { return pairs_; }

 private:
  std::vector<Pair> pairs_;
};

// Takes (and resets) the connection's count of failed asynchronous
// JetStream publishes: Ok when none failed, else `code` with
// "<op>: <n> asynchronous publish(es) failed; the first: <reason>".
Error TakeAsyncFailures(Conn& conn, std::string_view op, int32_t code);

// A natsMsg seen as a tower_mesh_msg (headers and JetStream metadata
// included); valid while the natsMsg lives.
class MsgView {
 public:
  explicit MsgView(natsMsg* m);
  const tower_mesh_msg& msg() const { return v_; }
  tower_mesh_msg& mutable_msg() { return v_; }

 private:
  tower_mesh_msg v_{};
  std::vector<tower_mesh_header> headers_;
  std::string stream_;
};

// Deadline arithmetic for waits in milliseconds.
int64_t NowMs();

}  // namespace tower::mesh::nats

#endif  // TOWER_MESH_NATS_CONN_HPP_
