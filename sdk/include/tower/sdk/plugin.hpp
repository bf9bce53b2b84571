// Plugin-side C++ helpers for the Tower ABI (header-only).
//
// A plugin author writes an ordinary C++ class and one macro; this header
// turns it into the C tables of tower/sdk/abi.h and tower/sdk/backend.h:
//
//   class MyStore final : public tower::sdk::BackendBase { ... };
//   TOWER_BACKEND_PLUGIN(MyStore, "mystore", "1.0.0", "what it is");
//
// Every thunk catches exceptions, so none ever crosses the C boundary
// (an escaped exception becomes TOWER_E_INTERNAL with its what() text).
// Build the plugin with -fvisibility=hidden; only the entry symbol is
// exported.
#ifndef TOWER_SDK_PLUGIN_HPP_
#define TOWER_SDK_PLUGIN_HPP_

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tower/sdk/abi.h"
#include "tower/sdk/backend.h"

namespace tower::sdk {

inline std::string_view view(tower_slice s) { return {s.data ? s.data : "", s.size}; }
inline tower_slice slice(std::string_view s) { return {s.data(), s.size()}; }

// A result on the plugin side: a TOWER_* code and a message.
struct Error {
  int32_t code = TOWER_OK;
  std::string message;

  static Error Ok() { return {}; }
  static Error Make(int32_t code, std::string message) { return {code, std::move(message)}; }
  bool ok() const { return code == TOWER_OK; }
};

// Writes bytes into a host-owned sink.
class Sink {
 public:
  explicit Sink(tower_sink* s) : s_(s) {}
  void set(std::string_view bytes) const {
    if (s_ != nullptr) s_->set(s_->ctx, bytes.data(), bytes.size());
  }

 private:
  tower_sink* s_;
};

// Returns err.code after handing err.message to the host.
inline int32_t report(const Error& e, tower_sink* err) {
  if (!e.ok()) Sink(err).set(e.message);
  return e.code;
}

// A read-only view of tower_backend_options that respects struct_size.
class OpenOptions {
 public:
  explicit OpenOptions(const tower_backend_options* o) : o_(o) {}
  bool has(uint32_t flag) const { return (o_->flags & flag) != 0; }
  bool in_memory() const { return has(TOWER_OPEN_IN_MEMORY); }
  bool create_if_missing() const { return has(TOWER_OPEN_CREATE_IF_MISSING); }
  bool error_if_exists() const { return has(TOWER_OPEN_ERROR_IF_EXISTS); }
  bool sync_writes() const { return has(TOWER_OPEN_SYNC_WRITES); }
  bool read_only() const { return has(TOWER_OPEN_READ_ONLY); }
  std::string path() const { return o_->path ? o_->path : ""; }
  uint64_t cache_size() const { return o_->cache_size; }
  uint64_t memtable_size() const { return o_->memtable_size; }
  uint64_t bytes_per_sync() const { return o_->bytes_per_sync; }
  std::vector<std::pair<std::string, std::string>> extra() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < o_->extra_count; ++i)
      out.emplace_back(o_->extra[i].name ? o_->extra[i].name : "",
                       o_->extra[i].value ? o_->extra[i].value : "");
    return out;
  }
  // The host's backend resolver (ABI 1.3), or nullptr from an older host.
  const tower_backend_resolver* resolver() const {
    if (!TOWER_HAS_FIELD(tower_backend_options, o_->struct_size, resolver)) return nullptr;
    return o_->resolver;
  }
  // The raw options, to hand on to another backend (a stacking backend
  // copies them and replaces `extra`).
  const tower_backend_options* raw() const { return o_; }

 private:
  const tower_backend_options* o_;
};

// Base of the snapshots a backend hands out.
class SnapshotBase {
 public:
  virtual ~SnapshotBase() = default;
};

// A view of tower_read_options.
class ReadOptions {
 public:
  explicit ReadOptions(const tower_read_options* o) : o_(o) {}
  // The snapshot to read from, or nullptr for the latest state.
  const SnapshotBase* snapshot() const {
    return o_ ? reinterpret_cast<const SnapshotBase*>(o_->snapshot) : nullptr;
  }
  std::optional<std::string_view> lower_bound() const {
    if (!o_ || !o_->lower_bound.data) return std::nullopt;
    return view(o_->lower_bound);
  }
  std::optional<std::string_view> upper_bound() const {
    if (!o_ || !o_->upper_bound.data) return std::nullopt;
    return view(o_->upper_bound);
  }
  bool fill_cache() const { return !o_ || !(o_->flags & TOWER_READ_DONT_FILL_CACHE); }
  // The raw options (may be nullptr), for a stacking backend to hand on to
  // the backend it wraps with every flag intact.
  const tower_read_options* raw() const { return o_; }

 private:
  const tower_read_options* o_;
};

// Base of the iterators a backend hands out. Movement functions return
// valid(). Implementations honour the bounds they were created with.
class IteratorBase {
 public:
  virtual ~IteratorBase() = default;
  virtual bool seek(std::string_view target) = 0;
  virtual bool seek_for_prev(std::string_view target) = 0;
  virtual bool seek_to_first() = 0;
  virtual bool seek_to_last() = 0;
  virtual bool next() = 0;
  virtual bool prev() = 0;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Error status() const { return Error::Ok(); }

  // Set by the adapter when a movement threw; reported by iter_status.
  void set_failure(Error e) { failure_ = std::move(e); }
  const Error& failure() const { return failure_; }

 private:
  Error failure_;
};

// One write-batch operation, as views.
struct BatchOp {
  uint32_t type;
  std::string_view key;
  std::string_view value;  // PUT: value; DELETE_RANGE: exclusive end
};

// The interface a backend plugin implements. The static factory
//   static Error Open(const OpenOptions&, std::unique_ptr<T>* out);
// must exist on the derived class T.
class BackendBase {
 public:
  virtual ~BackendBase() = default;
  virtual Error get(const ReadOptions& ro, std::string_view key, const Sink& value) = 0;
  // Default multi_get: one get per key from one snapshot.
  virtual Error multi_get(const ReadOptions& ro, size_t n, const tower_slice* keys,
                          tower_multi_sink* out);
  virtual Error write(bool sync, const tower_batch_op* ops, size_t n) = 0;
  virtual Error new_snapshot(std::unique_ptr<SnapshotBase>* out) = 0;
  virtual Error new_iterator(const ReadOptions& ro, std::unique_ptr<IteratorBase>* out) = 0;
  virtual Error flush(bool sync) = 0;
  virtual Error checkpoint(const std::string& dir) = 0;
  virtual Error property(const std::string& name, std::string* value) = 0;

  static BatchOp op(const tower_batch_op& o) { return {o.type, view(o.key), view(o.value)}; }
};

namespace detail {

struct MultiCollector {
  tower_multi_sink* out;
  size_t index;
};

inline void multi_forward(void* ctx, const char* data, size_t size) {
  auto* c = static_cast<MultiCollector*>(ctx);
  c->out->item(c->out->ctx, c->index, TOWER_OK, data, size);
}

inline Error from_exception() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Error::Make(TOWER_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return Error::Make(TOWER_E_INTERNAL, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return Error::Make(TOWER_E_INTERNAL, "unexpected exception");
  }
}

}  // namespace detail

inline Error BackendBase::multi_get(const ReadOptions& ro, size_t n, const tower_slice* keys,
                                    tower_multi_sink* out) {
  // All keys come from one view: the caller's snapshot or a fresh one.
  std::unique_ptr<SnapshotBase> own;
  tower_read_options raw{sizeof(tower_read_options), 0, nullptr, {nullptr, 0}, {nullptr, 0}};
  if (ro.snapshot() == nullptr) {
    Error e = new_snapshot(&own);
    if (!e.ok()) return e;
    raw.snapshot = reinterpret_cast<const tower_snapshot*>(own.get());
  } else {
    raw.snapshot = reinterpret_cast<const tower_snapshot*>(ro.snapshot());
  }
  ReadOptions view_ro(&raw);
  for (size_t i = 0; i < n; ++i) {
    detail::MultiCollector c{out, i};
    tower_sink s{&c, &detail::multi_forward};
    Error e = get(view_ro, view(keys[i]), Sink(&s));
    if (!e.ok()) out->item(out->ctx, i, e.code, e.message.data(), e.message.size());
  }
  return Error::Ok();
}

// Generates the C table for backend class T.
template <class T>
struct BackendAdapter {
  static T* self(tower_backend* db) { return reinterpret_cast<T*>(db); }
  static IteratorBase* it(tower_iterator* i) { return reinterpret_cast<IteratorBase*>(i); }

  static int32_t open(const tower_backend_options* o, tower_backend** out, tower_sink* err) try {
    // ABI 1.0's options end at extra_count; later fields are read through
    // OpenOptions, which checks struct_size for each.
    if (o == nullptr || !TOWER_HAS_FIELD(tower_backend_options, o->struct_size, extra_count))
      return report(Error::Make(TOWER_E_INVALID_ARGUMENT, "backend options struct is too small"),
                    err);
    std::unique_ptr<T> db;
    Error e = T::Open(OpenOptions(o), &db);
    if (!e.ok()) return report(e, err);
    *out = reinterpret_cast<tower_backend*>(db.release());
    return TOWER_OK;
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static void close(tower_backend* db) { delete self(db); }
  static int32_t get(tower_backend* db, const tower_read_options* ro, tower_slice key,
                     tower_sink* value, tower_sink* err) try {
    return report(self(db)->get(ReadOptions(ro), view(key), Sink(value)), err);
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static int32_t multi_get(tower_backend* db, const tower_read_options* ro, size_t n,
                           const tower_slice* keys, tower_multi_sink* out, tower_sink* err) try {
    return report(self(db)->multi_get(ReadOptions(ro), n, keys, out), err);
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static int32_t write(tower_backend* db, const tower_write_options* wo, const tower_batch_op* ops,
                       size_t n, tower_sink* err) try {
    bool sync = wo != nullptr && (wo->flags & TOWER_WRITE_SYNC);
    return report(self(db)->write(sync, ops, n), err);
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static int32_t snapshot_new(tower_backend* db, tower_snapshot** out, tower_sink* err) try {
    std::unique_ptr<SnapshotBase> s;
    Error e = self(db)->new_snapshot(&s);
    if (!e.ok()) return report(e, err);
    *out = reinterpret_cast<tower_snapshot*>(s.release());
    return TOWER_OK;
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static void snapshot_free(tower_backend*, tower_snapshot* s) {
    delete reinterpret_cast<SnapshotBase*>(s);
  }
  static int32_t iter_new(tower_backend* db, const tower_read_options* ro, tower_iterator** out,
                          tower_sink* err) try {
    std::unique_ptr<IteratorBase> i;
    Error e = self(db)->new_iterator(ReadOptions(ro), &i);
    if (!e.ok()) return report(e, err);
    *out = reinterpret_cast<tower_iterator*>(i.release());
    return TOWER_OK;
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static void iter_free(tower_iterator* i) { delete it(i); }
  // Movement can allocate (e.g. a backend copying keys); an exception here
  // makes the movement report "not valid", and iter_status reports why.
  template <class F>
  static int32_t move(tower_iterator* i, F&& f) {
    try {
      return f(it(i)) ? 1 : 0;
    } catch (...) {
      it(i)->set_failure(detail::from_exception());
      return 0;
    }
  }
  static int32_t iter_seek(tower_iterator* i, tower_slice t) {
    return move(i, [&](IteratorBase* p) { return p->seek(view(t)); });
  }
  static int32_t iter_seek_for_prev(tower_iterator* i, tower_slice t) {
    return move(i, [&](IteratorBase* p) { return p->seek_for_prev(view(t)); });
  }
  static int32_t iter_seek_to_first(tower_iterator* i) {
    return move(i, [](IteratorBase* p) { return p->seek_to_first(); });
  }
  static int32_t iter_seek_to_last(tower_iterator* i) {
    return move(i, [](IteratorBase* p) { return p->seek_to_last(); });
  }
  static int32_t iter_next(tower_iterator* i) {
    return move(i, [](IteratorBase* p) { return p->next(); });
  }
  static int32_t iter_prev(tower_iterator* i) {
    return move(i, [](IteratorBase* p) { return p->prev(); });
  }
  static int32_t iter_valid(tower_iterator* i) { return it(i)->valid() ? 1 : 0; }
  static tower_slice iter_key(tower_iterator* i) { return slice(it(i)->key()); }
  static tower_slice iter_value(tower_iterator* i) { return slice(it(i)->value()); }
  static int32_t iter_status(tower_iterator* i, tower_sink* err) try {
    if (!it(i)->failure().ok()) return report(it(i)->failure(), err);
    return report(it(i)->status(), err);
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static int32_t flush(tower_backend* db, uint32_t flags, tower_sink* err) try {
    return report(self(db)->flush((flags & TOWER_WRITE_SYNC) != 0), err);
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static int32_t checkpoint(tower_backend* db, const char* dir, tower_sink* err) try {
    if (dir == nullptr || *dir == '\0')
      return report(Error::Make(TOWER_E_INVALID_ARGUMENT, "checkpoint: empty directory name"), err);
    return report(self(db)->checkpoint(dir), err);
  } catch (...) {
    return report(detail::from_exception(), err);
  }
  static int32_t property(tower_backend* db, const char* name, tower_sink* value,
                          tower_sink* err) try {
    std::string v;
    Error e = self(db)->property(name ? name : "", &v);
    if (!e.ok()) return report(e, err);
    Sink(value).set(v);
    return TOWER_OK;
  } catch (...) {
    return report(detail::from_exception(), err);
  }

  static const tower_backend_api* table(uint32_t capabilities) {
    static const tower_backend_api api = {sizeof(tower_backend_api),
                                          capabilities,
                                          &open,
                                          &close,
                                          &get,
                                          &multi_get,
                                          &write,
                                          &snapshot_new,
                                          &snapshot_free,
                                          &iter_new,
                                          &iter_free,
                                          &iter_seek,
                                          &iter_seek_for_prev,
                                          &iter_seek_to_first,
                                          &iter_seek_to_last,
                                          &iter_next,
                                          &iter_prev,
                                          &iter_valid,
                                          &iter_key,
                                          &iter_value,
                                          &iter_status,
                                          &flush,
                                          &checkpoint,
                                          &property};
    return &api;
  }
};

// The host table the kernel passed to the entry function (set before any
// other call into the plugin). Plugins log through tower::sdk::log().
inline const tower_host_api*& host_api() {
  static const tower_host_api* host = nullptr;
  return host;
}

inline void log(int32_t level, const char* plugin, std::string_view msg) {
  const tower_host_api* h = host_api();
  if (h != nullptr && TOWER_HAS_FIELD(tower_host_api, h->struct_size, log) && h->log)
    h->log(h->ctx, level, plugin, msg.data(), msg.size());
}

}  // namespace tower::sdk

// Defines the plugin entry symbol for a backend class.
//   CLASS        a class derived from tower::sdk::BackendBase with a static
//                Open(const OpenOptions&, std::unique_ptr<CLASS>*)
//   NAME         the plugin name (also the file name: tower-NAME.so)
//   VERSION      the plugin's version string
//   DESCRIPTION  one line
//   CAPS         TOWER_CAP_* flags
#define TOWER_BACKEND_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, CAPS)                           \
  extern "C" TOWER_PLUGIN_EXPORT const tower_plugin_descriptor* tower_plugin_entry(             \
      const tower_host_api* host) {                                                             \
    ::tower::sdk::host_api() = host;                                                            \
    static const tower_plugin_descriptor d = {TOWER_ABI_MAJOR,                                  \
                                              TOWER_ABI_MINOR,                                  \
                                              sizeof(tower_plugin_descriptor),                  \
                                              0,                                                \
                                              0,                                                \
                                              TOWER_KIND_BACKEND,                               \
                                              NAME,                                             \
                                              VERSION,                                          \
                                              DESCRIPTION,                                      \
                                              ::tower::sdk::BackendAdapter<CLASS>::table(CAPS), \
                                              nullptr,                                          \
                                              nullptr,                                          \
                                              nullptr};                                         \
    return &d;                                                                                  \
  }

#endif  // TOWER_SDK_PLUGIN_HPP_
