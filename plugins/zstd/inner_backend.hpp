// A C++ client for another backend plugin's C table, for stacking backends
// (header-only; needs only the installed SDK).
//
// A stacking backend (ABI 1.3) asks the host's resolver for the backend it
// wraps and then calls that backend through its tower_backend_api table.
// This header turns that table into RAII objects with sdk::Error results:
//
//   std::unique_ptr<tower::stacking::InnerBackend> inner;
//   sdk::Error e = tower::stacking::InnerBackend::Open(*o.resolver(), "rocksdb",
//                                                      inner_options, &inner);
//   e = inner->get(ro, key, [&](std::string_view stored) { ... });  // no copy
//   std::unique_ptr<tower::stacking::InnerIterator> it;
//   e = inner->iterator(ro, &it);
//
// It is written to be copied into other stacking backends as it is.
//
// Rules it follows (tower/sdk/backend.h):
//  - Errors keep the inner backend's code and message (sdk::Error); add your
//    own context when you hand them on.
//  - Callbacks (get's value visitor, multi_get's item visitor) run inside the
//    inner plugin's call, with bytes valid only during the callback. No C++
//    exception may unwind through another plugin's C frames, so an exception
//    a callback throws is caught at the boundary, the rest of that call's
//    callbacks are skipped, and it is rethrown once the inner call returned.
//  - Lifetimes: free every InnerIterator and InnerSnapshot before the
//    InnerBackend that made them (the ABI demands it of every host), and
//    destroy the InnerBackend before your own backend is closed: the table
//    the resolver returned stays valid only until then. Making the
//    InnerBackend a member of your backend class gets this right.
//  - An inner iterator made on a snapshot may outlive that snapshot's handle
//    (the inner backend keeps what it needs), as the ABI promises.
#ifndef TOWER_STACKING_INNER_BACKEND_HPP_
#define TOWER_STACKING_INNER_BACKEND_HPP_

#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "tower/sdk/abi.h"
#include "tower/sdk/backend.h"
#include "tower/sdk/host.hpp"
#include "tower/sdk/plugin.hpp"

namespace tower::stacking {

namespace detail {

// The inner backend's error as an sdk::Error (a generic text when it gave
// none).
inline sdk::Error inner_error(int32_t code, std::string message, const std::string& backend,
                              const char* what) {
  if (message.empty())
    message = "backend '" + backend + "' " + what + " failed: " + sdk::code_name(code);
  return sdk::Error::Make(code, std::move(message));
}

// Carries a C++ callable through a C callback's void* context.
template <class F>
struct Trampoline {
  F* f;
  std::exception_ptr thrown;

  void rethrow() const {
    if (thrown) std::rethrow_exception(thrown);
  }
  static void value(void* ctx, const char* data, size_t size) {
    auto* t = static_cast<Trampoline*>(ctx);
    if (t->thrown) return;
    try {
      (*t->f)(std::string_view(data != nullptr ? data : "", size));
    } catch (...) {
      t->thrown = std::current_exception();
    }
  }
  static void item(void* ctx, size_t index, int32_t code, const char* data, size_t size) {
    auto* t = static_cast<Trampoline*>(ctx);
    if (t->thrown) return;
    try {
      (*t->f)(index, code, std::string_view(data != nullptr ? data : "", size));
    } catch (...) {
      t->thrown = std::current_exception();
    }
  }
};

}  // namespace detail

// The tower_read_options to hand an inner backend for the outer call `ro`:
// the same bounds and cache hint, and `snapshot` (the inner backend's
// snapshot that stands for the outer one, or nullptr for the latest state).
// The bounds point into `ro`'s slices; build it right before the call.
inline tower_read_options read_options(const sdk::ReadOptions& ro, const tower_snapshot* snapshot) {
  tower_read_options r = sdk::default_read_options();
  if (!ro.fill_cache()) r.flags |= TOWER_READ_DONT_FILL_CACHE;
  r.snapshot = snapshot;
  // A present bound always has non-NULL data (ReadOptions only reports
  // bounds whose data is not NULL), so it stays present.
  if (auto lo = ro.lower_bound()) r.lower_bound = sdk::slice(*lo);
  if (auto hi = ro.upper_bound()) r.upper_bound = sdk::slice(*hi);
  return r;
}

// A snapshot of the inner backend, freed on destruction.
class InnerSnapshot {
 public:
  ~InnerSnapshot() { api_->snapshot_free(db_, snap_); }
  InnerSnapshot(const InnerSnapshot&) = delete;
  InnerSnapshot& operator=(const InnerSnapshot&) = delete;

  // The handle for tower_read_options.snapshot.
  const tower_snapshot* get() const { return snap_; }

 private:
  friend class InnerBackend;
  InnerSnapshot(const tower_backend_api* api, tower_backend* db, tower_snapshot* snap)
      : api_(api), db_(db), snap_(snap) {}
  const tower_backend_api* api_;
  tower_backend* db_;
  tower_snapshot* snap_;
};

// An iterator of the inner backend, freed on destruction. Movement
// functions return valid(); key() and value() are the inner backend's bytes,
// valid until the next movement.
class InnerIterator {
 public:
  ~InnerIterator() { api_->iter_free(it_); }
  InnerIterator(const InnerIterator&) = delete;
  InnerIterator& operator=(const InnerIterator&) = delete;

  bool seek(std::string_view target) { return api_->iter_seek(it_, sdk::slice(target)) != 0; }
  bool seek_for_prev(std::string_view target) {
    return api_->iter_seek_for_prev(it_, sdk::slice(target)) != 0;
  }
  bool seek_to_first() { return api_->iter_seek_to_first(it_) != 0; }
  bool seek_to_last() { return api_->iter_seek_to_last(it_) != 0; }
  bool next() { return api_->iter_next(it_) != 0; }
  bool prev() { return api_->iter_prev(it_) != 0; }
  bool valid() const { return api_->iter_valid(it_) != 0; }
  std::string_view key() const { return sdk::view(api_->iter_key(it_)); }
  std::string_view value() const { return sdk::view(api_->iter_value(it_)); }
  // OK, or the error that made the iterator invalid.
  sdk::Error status() const {
    sdk::ErrorSink err;
    int32_t code = api_->iter_status(it_, &err.sink);
    if (code == TOWER_OK) return sdk::Error::Ok();
    return detail::inner_error(code, std::move(err.message), *name_, "iterator");
  }

 private:
  friend class InnerBackend;
  InnerIterator(const tower_backend_api* api, tower_iterator* it, const std::string* name)
      : api_(api), it_(it), name_(name) {}
  const tower_backend_api* api_;
  tower_iterator* it_;
  const std::string* name_;  // the InnerBackend's, which outlives this
};

// An open inner backend, closed on destruction.
class InnerBackend {
 public:
  // Finds the backend plugin `name` with the host's resolver and opens it
  // with `options` (usually a copy of the outer backend's with `extra`
  // replaced and `resolver` passed on, so that stacks nest).
  static sdk::Error Open(const tower_backend_resolver& resolver, const std::string& name,
                         const tower_backend_options& options, std::unique_ptr<InnerBackend>* out) {
    if (!TOWER_HAS_FIELD(tower_backend_resolver, resolver.struct_size, find) ||
        resolver.find == nullptr)
      return sdk::Error::Make(TOWER_E_NOT_SUPPORTED, "the host's backend resolver has no find()");
    const tower_backend_api* api = nullptr;
    sdk::ErrorSink err;
    int32_t code = resolver.find(resolver.ctx, name.c_str(), &api, &err.sink);
    if (code != TOWER_OK) return detail::inner_error(code, std::move(err.message), name, "lookup");
    return Open(api, name, options, out);
  }

  // Opens backend `name` whose table is already at hand.
  static sdk::Error Open(const tower_backend_api* api, const std::string& name,
                         const tower_backend_options& options, std::unique_ptr<InnerBackend>* out) {
    // Every function up to `property` is mandatory since ABI 1.0.
    if (api == nullptr || !TOWER_HAS_FIELD(tower_backend_api, api->struct_size, property))
      return sdk::Error::Make(TOWER_E_INCOMPATIBLE,
                              "backend '" + name + "' has no complete backend table");
    tower_backend* db = nullptr;
    sdk::ErrorSink err;
    int32_t code = api->open(&options, &db, &err.sink);
    if (code != TOWER_OK) return detail::inner_error(code, std::move(err.message), name, "open");
    if (db == nullptr)
      return sdk::Error::Make(TOWER_E_INTERNAL,
                              "backend '" + name + "' reported a successful open without a handle");
    try {
      out->reset(new InnerBackend(api, db, name));
    } catch (...) {
      api->close(db);
      throw;
    }
    return sdk::Error::Ok();
  }

  ~InnerBackend() { api_->close(db_); }
  InnerBackend(const InnerBackend&) = delete;
  InnerBackend& operator=(const InnerBackend&) = delete;

  const std::string& name() const { return name_; }
  uint32_t capabilities() const { return api_->capabilities; }
  const tower_backend_api* api() const { return api_; }
  tower_backend* handle() const { return db_; }

  // Point read: calls on_value(std::string_view stored) with the inner
  // backend's bytes (valid during the callback only) when the key exists.
  // TOWER_E_NOT_FOUND when it does not (on_value is not called).
  template <class F>
  sdk::Error get(const tower_read_options& ro, std::string_view key, F&& on_value) const {
    detail::Trampoline<std::remove_reference_t<F>> t{&on_value, nullptr};
    tower_sink value{&t, &decltype(t)::value};
    sdk::ErrorSink err;
    int32_t code = api_->get(db_, &ro, sdk::slice(key), &value, &err.sink);
    t.rethrow();
    if (code != TOWER_OK) return detail::inner_error(code, std::move(err.message), name_, "get");
    return sdk::Error::Ok();
  }

  // Point read into a string.
  sdk::Error get(const tower_read_options& ro, std::string_view key, std::string* value) const {
    return get(ro, key, [value](std::string_view v) { value->assign(v); });
  }

  // Reads n keys from one consistent view of the inner backend; calls
  // on_item(size_t index, int32_t code, std::string_view data) once per key,
  // where data is the value (code TOWER_OK) or an error message.
  template <class F>
  sdk::Error multi_get(const tower_read_options& ro, size_t n, const tower_slice* keys,
                       F&& on_item) const {
    detail::Trampoline<std::remove_reference_t<F>> t{&on_item, nullptr};
    tower_multi_sink sink{&t, &decltype(t)::item};
    sdk::ErrorSink err;
    int32_t code = api_->multi_get(db_, &ro, n, keys, &sink, &err.sink);
    t.rethrow();
    if (code != TOWER_OK)
      return detail::inner_error(code, std::move(err.message), name_, "multi_get");
    return sdk::Error::Ok();
  }

  // Applies the operations atomically (the inner backend's guarantee).
  sdk::Error write(const tower_write_options& wo, std::span<const tower_batch_op> ops) {
    sdk::ErrorSink err;
    int32_t code = api_->write(db_, &wo, ops.data(), ops.size(), &err.sink);
    if (code != TOWER_OK) return detail::inner_error(code, std::move(err.message), name_, "write");
    return sdk::Error::Ok();
  }
  sdk::Error write(bool sync, std::span<const tower_batch_op> ops) {
    tower_write_options wo{sizeof(tower_write_options), sync ? TOWER_WRITE_SYNC : 0u};
    return write(wo, ops);
  }

  sdk::Error snapshot(std::unique_ptr<InnerSnapshot>* out) {
    tower_snapshot* snap = nullptr;
    sdk::ErrorSink err;
    int32_t code = api_->snapshot_new(db_, &snap, &err.sink);
    if (code != TOWER_OK)
      return detail::inner_error(code, std::move(err.message), name_, "snapshot");
    out->reset(new InnerSnapshot(api_, db_, snap));
    return sdk::Error::Ok();
  }

  // A new, unpositioned iterator. The inner backend copies what it needs of
  // `ro` (bounds included) or the caller keeps it alive; see read_options().
  sdk::Error iterator(const tower_read_options& ro, std::unique_ptr<InnerIterator>* out) {
    tower_iterator* it = nullptr;
    sdk::ErrorSink err;
    int32_t code = api_->iter_new(db_, &ro, &it, &err.sink);
    if (code != TOWER_OK)
      return detail::inner_error(code, std::move(err.message), name_, "iterator");
    out->reset(new InnerIterator(api_, it, &name_));
    return sdk::Error::Ok();
  }

  // flags: TOWER_WRITE_SYNC or 0, as tower_backend_api.flush.
  sdk::Error flush(uint32_t flags) {
    sdk::ErrorSink err;
    int32_t code = api_->flush(db_, flags, &err.sink);
    if (code != TOWER_OK) return detail::inner_error(code, std::move(err.message), name_, "flush");
    return sdk::Error::Ok();
  }

  sdk::Error checkpoint(const std::string& dir) {
    sdk::ErrorSink err;
    int32_t code = api_->checkpoint(db_, dir.c_str(), &err.sink);
    if (code != TOWER_OK)
      return detail::inner_error(code, std::move(err.message), name_, "checkpoint");
    return sdk::Error::Ok();
  }

  sdk::Error property(const std::string& name, std::string* value) const {
    sdk::StringSink out(value);
    sdk::ErrorSink err;
    int32_t code = api_->property(db_, name.c_str(), &out.sink, &err.sink);
    if (code != TOWER_OK)
      return detail::inner_error(code, std::move(err.message), name_, "property");
    return sdk::Error::Ok();
  }

 private:
  InnerBackend(const tower_backend_api* api, tower_backend* db, std::string name)
      : api_(api), db_(db), name_(std::move(name)) {}
  const tower_backend_api* api_;
  tower_backend* db_;
  std::string name_;
};

}  // namespace tower::stacking

#endif  // TOWER_STACKING_INNER_BACKEND_HPP_
