// Test harness for the nats plugin's operation tables: calls one operation
// by name with owned arguments and collects its result and messages, without
// the kernel in between (the end-to-end tests go through tower::mesh).
#ifndef TOWER_MESH_NATS_TESTS_OP_HARNESS_HPP_
#define TOWER_MESH_NATS_TESTS_OP_HARNESS_HPP_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "conn.hpp"

namespace tower::mesh::nats::testing {

// An owned tower_value.
struct Val {
  uint32_t type = TOWER_VALUE_NULL;
  int64_t i = 0;
  double f = 0;
  std::string bytes;

  static Val Str(std::string s) { return {TOWER_VALUE_STRING, 0, 0, std::move(s)}; }
  static Val Bin(std::string s) { return {TOWER_VALUE_BINARY, 0, 0, std::move(s)}; }
  static Val Int(int64_t v) { return {TOWER_VALUE_INT, v, 0, {}}; }
  static Val Bool(bool v) { return {TOWER_VALUE_BOOL, v ? 1 : 0, 0, {}}; }
  static Val Dur(int64_t ns) { return {TOWER_VALUE_DURATION, ns, 0, {}}; }
  static Val Null() { return {}; }
  static Val From(const tower_value& v) {
    return {v.type, v.i, v.f, std::string(v.bytes.data ? v.bytes.data : "", v.bytes.size)};
  }
  tower_value Abi() const {
    tower_value v{};
    v.type = type;
    v.i = i;
    v.f = f;
    v.bytes = {bytes.data(), bytes.size()};
    return v;
  }
};

// An owned message.
struct Msg {
  std::string subject, reply, data, stream;
  std::vector<std::pair<std::string, std::string>> headers;
  uint32_t flags = 0;
  uint64_t sequence = 0, consumer_sequence = 0, delivered = 0, pending = 0;
  int64_t timestamp_ns = 0;
  static Msg From(const tower_mesh_msg& m) {
    Msg x;
    x.subject.assign(m.subject.data ? m.subject.data : "", m.subject.size);
    x.reply.assign(m.reply.data ? m.reply.data : "", m.reply.size);
    x.data.assign(m.data.data ? m.data.data : "", m.data.size);
    x.stream.assign(m.stream.data ? m.stream.data : "", m.stream.size);
    for (size_t i = 0; i < m.header_count; ++i) {
      x.headers.emplace_back(std::string(m.headers[i].name.data, m.headers[i].name.size),
                             std::string(m.headers[i].value.data, m.headers[i].value.size));
    }
    x.flags = m.flags;
    x.sequence = m.sequence;
    x.consumer_sequence = m.consumer_sequence;
    x.delivered = m.delivered;
    x.pending = m.pending;
    x.timestamp_ns = m.timestamp_ns;
    return x;
  }
};

// What one call produced.
struct Outcome {
  Error error;
  Val value;               // set()
  std::vector<Val> array;  // push()es
  bool is_array = false;
  std::vector<Msg> msgs;
  // For record results (alternating names and values): the value of a field.
  const Val* field(std::string_view name) const {
    for (size_t k = 0; k + 1 < array.size(); k += 2)
      if (array[k].bytes == name) return &array[k + 1];
    return nullptr;
  }
};

// Finds `op` in `table`; nullptr if absent.
inline const OpDef* FindOp(std::span<const OpDef> table, std::string_view op) {
  for (const auto& d : table)
    if (op == d.name) return &d;
  return nullptr;
}

// Calls operation `op` of `table` with `args`. stop_after: the handler asks
// to stop after that many messages (0 = never).
inline Outcome CallOp(Conn& conn, std::span<const OpDef> table, const char* op,
                      const std::vector<Val>& args, size_t stop_after = 0) {
  Outcome o;
  const OpDef* d = FindOp(table, op);
  if (d == nullptr || d->call == nullptr) {
    o.error = Error::Make(TOWER_E_NOT_SUPPORTED, std::string("no operation ") + op);
    return o;
  }
  std::vector<tower_value> abi;
  for (const auto& a : args) abi.push_back(a.Abi());
  struct Ctx {
    Outcome* o;
    size_t stop_after;
  } ctx{&o, stop_after};
  tower_value_sink sink{&o,
                        [](void* c, const tower_value* v) {
                          auto* out = static_cast<Outcome*>(c);
                          if (v->type == TOWER_VALUE_ARRAY) {
                            out->is_array = true;
                          } else {
                            out->value = Val::From(*v);
                          }
                        },
                        [](void* c, const tower_value* v) {
                          auto* out = static_cast<Outcome*>(c);
                          out->is_array = true;
                          out->array.push_back(Val::From(*v));
                        }};
  tower_mesh_handler h{&ctx, [](void* c, const tower_mesh_msg* m) -> int32_t {
                         auto* x = static_cast<Ctx*>(c);
                         x->o->msgs.push_back(Msg::From(*m));
                         return x->stop_after != 0 && x->o->msgs.size() >= x->stop_after ? 1 : 0;
                       }};
  MeshArgs margs(d->name, abi.data(), abi.size());
  o.error = d->call(conn, margs, MeshResult(&sink), &h);
  return o;
}

// Starts the lasting delivery `op` of `table` with `args`, delivering to
// `h`; *out holds it.
inline Error SubscribeOp(Conn& conn, std::span<const OpDef> table, const char* op,
                         const std::vector<Val>& args, const tower_mesh_handler& h,
                         std::unique_ptr<Sub>* out) {
  const OpDef* d = FindOp(table, op);
  if (d == nullptr || d->subscribe == nullptr)
    return Error::Make(TOWER_E_NOT_SUPPORTED, std::string("no lasting operation ") + op);
  std::vector<tower_value> abi;
  for (const auto& a : args) abi.push_back(a.Abi());
  return d->subscribe(conn, MeshArgs(d->name, abi.data(), abi.size()), &h, out);
}

// Collects the messages of a lasting delivery (delivered on NATS.c's
// threads).
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Msg> msgs;
  std::atomic<bool> in_handler{false};  // a handler call is running

  tower_mesh_handler handler() {
    return {this, [](void* c, const tower_mesh_msg* m) -> int32_t {
              auto* self = static_cast<Collector*>(c);
              self->in_handler = true;
              {
                std::lock_guard lock(self->mu);
                self->msgs.push_back(Msg::From(*m));
              }
              self->cv.notify_all();
              self->in_handler = false;
              return 0;
            }};
  }
  // Waits until at least n messages arrived.
  bool WaitCount(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return msgs.size() >= n; });
  }
  std::vector<Msg> Snapshot() {
    std::lock_guard lock(mu);
    return msgs;
  }
};

}  // namespace tower::mesh::nats::testing

#endif  // TOWER_MESH_NATS_TESTS_OP_HARNESS_HPP_
