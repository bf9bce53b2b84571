// Header-only helpers for mesh plugins (tower/sdk/mesh.h, ABI 1.5): typed
// access to an operation's arguments, its result, message delivery, option
// lists, and the entry macro.
//
//   class MyMesh { static const tower_mesh_api* Table(); };
//   TOWER_MESH_PLUGIN("mymesh", "1.0.0", "what it is", MyMesh::Table())
#ifndef TOWER_SDK_MESH_HPP_
#define TOWER_SDK_MESH_HPP_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "tower/sdk/datatype.hpp"
#include "tower/sdk/mesh.h"
#include "tower/sdk/plugin.hpp"

namespace tower::sdk {

// The arguments of one mesh operation. Errors name the operation, the
// argument (by position, 1-based, and meaning) and the types involved.
class MeshArgs {
 public:
  MeshArgs(const char* op, const tower_value* args, size_t count)
      : op_(op), args_(args), count_(count) {}

  const char* op() const { return op_; }
  size_t size() const { return count_; }
  bool has(size_t i) const { return i < count_ && args_[i].type != TOWER_VALUE_NULL; }
  const tower_value& arg(size_t i) const { return args_[i]; }

  Error invalid(const std::string& why) const {
    return Error::Make(TOWER_E_INVALID_ARGUMENT, std::string(op_) + ": " + why);
  }
  // InvalidArgument with the usage unless min <= size() <= max.
  Error count(size_t min, size_t max, const char* usage) const {
    if (count_ >= min && count_ <= max) return Error::Ok();
    return invalid("wrong number of arguments (" + std::to_string(count_) + "); usage: " + op_ +
                   " " + usage);
  }
  // Text or bytes (string or binary).
  Error text(size_t i, const char* what, std::string_view* out) const {
    if (Error e = present(i, what); !e.ok()) return e;
    const tower_value& v = args_[i];
    if (v.type != TOWER_VALUE_STRING && v.type != TOWER_VALUE_BINARY)
      return mistyped(i, what, "text");
    *out = view(v.bytes);
    return Error::Ok();
  }
  // An int, or its decimal text (options often arrive as text).
  Error integer(size_t i, const char* what, int64_t* out) const {
    if (Error e = present(i, what); !e.ok()) return e;
    const tower_value& v = args_[i];
    if (v.type == TOWER_VALUE_INT) {
      *out = v.i;
      return Error::Ok();
    }
    if (v.type == TOWER_VALUE_STRING && parse_int(view(v.bytes), out)) return Error::Ok();
    return mistyped(i, what, "int");
  }
  // A duration, an int of nanoseconds, or text such as "250ms", "5s",
  // "2m", "1h" (units ns, us, ms, s, m, h), in nanoseconds.
  Error duration(size_t i, const char* what, int64_t* ns) const {
    if (Error e = present(i, what); !e.ok()) return e;
    const tower_value& v = args_[i];
    if (v.type == TOWER_VALUE_DURATION || v.type == TOWER_VALUE_INT) {
      *ns = v.i;
      return Error::Ok();
    }
    if (v.type == TOWER_VALUE_STRING && parse_duration(view(v.bytes), ns)) return Error::Ok();
    return mistyped(i, what, "duration");
  }
  // A bool, or the text "true" / "false".
  Error boolean(size_t i, const char* what, bool* out) const {
    if (Error e = present(i, what); !e.ok()) return e;
    const tower_value& v = args_[i];
    if (v.type == TOWER_VALUE_BOOL) {
      *out = v.i != 0;
      return Error::Ok();
    }
    std::string_view t = v.type == TOWER_VALUE_STRING ? view(v.bytes) : std::string_view();
    if (t == "true" || t == "false") {
      *out = t == "true";
      return Error::Ok();
    }
    return mistyped(i, what, "bool");
  }

  // Decimal text (an optional '-', digits) without overflow.
  static bool parse_int(std::string_view t, int64_t* out) {
    bool neg = !t.empty() && t[0] == '-';
    if (neg) t.remove_prefix(1);
    if (t.empty() || t.size() > 18) return false;
    int64_t n = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    *out = neg ? -n : n;
    return true;
  }
  // "<digits><unit>" with unit ns, us, ms, s, m or h, in nanoseconds.
  static bool parse_duration(std::string_view t, int64_t* ns) {
    size_t d = 0;
    while (d < t.size() && t[d] >= '0' && t[d] <= '9') ++d;
    int64_t n = 0;
    if (d == 0 || !parse_int(t.substr(0, d), &n)) return false;
    std::string_view u = t.substr(d);
    int64_t scale = u == "ns"   ? 1
                    : u == "us" ? 1000
                    : u == "ms" ? 1000000
                    : u == "s"  ? 1000000000
                    : u == "m"  ? int64_t{60} * 1000000000
                    : u == "h"  ? int64_t{3600} * 1000000000
                                : 0;
    return scale != 0 && !__builtin_mul_overflow(n, scale, ns);
  }

 private:
  Error present(size_t i, const char* what) const {
    if (i < count_) return Error::Ok();
    return invalid(std::string("missing argument ") + std::to_string(i + 1) + " (" + what + ")");
  }
  Error mistyped(size_t i, const char* what, const char* want) const {
    return invalid("argument " + std::to_string(i + 1) + " (" + what + ") must be " + want +
                   ", got " + value_type_name(args_[i].type));
  }

  const char* op_;
  const tower_value* args_;
  size_t count_;
};

// The result of one mesh operation: a single value, or an array (of values,
// or of alternating field names and values).
class MeshResult {
 public:
  explicit MeshResult(tower_value_sink* out) : out_(out) {}

  void set_null() const { set(Call::make(TOWER_VALUE_NULL)); }
  void set_bool(bool b) const { set(Call::of_i(TOWER_VALUE_BOOL, b ? 1 : 0)); }
  void set_int(int64_t i) const { set(Call::of_i(TOWER_VALUE_INT, i)); }
  void set_string(std::string_view s) const { set(bytes(TOWER_VALUE_STRING, s)); }
  void set_binary(std::string_view s) const { set(bytes(TOWER_VALUE_BINARY, s)); }
  // Starts an array result (empty until something is pushed).
  void begin_array() const { set(Call::make(TOWER_VALUE_ARRAY)); }
  void push_string(std::string_view s) const { push(bytes(TOWER_VALUE_STRING, s)); }
  void push_binary(std::string_view s) const { push(bytes(TOWER_VALUE_BINARY, s)); }
  void push_int(int64_t i) const { push(Call::of_i(TOWER_VALUE_INT, i)); }
  void push_bool(bool b) const { push(Call::of_i(TOWER_VALUE_BOOL, b ? 1 : 0)); }
  void push_duration(int64_t ns) const { push(Call::of_i(TOWER_VALUE_DURATION, ns)); }
  void push_timestamp(int64_t ns) const { push(Call::of_i(TOWER_VALUE_TIMESTAMP, ns)); }
  // Fields of a record result: the name, then the value.
  void field(std::string_view name, std::string_view s) const {
    push_string(name);
    push_string(s);
  }
  void field(std::string_view name, const char* s) const { field(name, std::string_view(s)); }
  void field(std::string_view name, int64_t i) const {
    push_string(name);
    push_int(i);
  }
  void field_bool(std::string_view name, bool b) const {
    push_string(name);
    push_bool(b);
  }
  void field_duration(std::string_view name, int64_t ns) const {
    push_string(name);
    push_duration(ns);
  }
  void field_timestamp(std::string_view name, int64_t ns) const {
    push_string(name);
    push_timestamp(ns);
  }

 private:
  static tower_value bytes(uint32_t type, std::string_view s) {
    tower_value v = Call::make(type);
    v.bytes = slice(s);
    return v;
  }
  void set(const tower_value& v) const {
    if (out_ != nullptr) out_->set(out_->ctx, &v);
  }
  void push(const tower_value& v) const {
    if (out_ != nullptr) out_->push(out_->ctx, &v);
  }
  tower_value_sink* out_;
};

// Hands one message to a handler; true to go on (false: the handler asked
// to stop, or there is no handler).
inline bool deliver(const tower_mesh_handler* h, const tower_mesh_msg& m) {
  if (h == nullptr || h->on_msg == nullptr) return false;
  return h->on_msg(h->ctx, &m) == 0;
}

// An option list as a map; InvalidArgument naming a repeated option.
inline Error parse_options(const tower_mesh_option* options, size_t count,
                           std::map<std::string, std::string, std::less<>>* out) {
  for (size_t i = 0; i < count; ++i) {
    std::string name(view(options[i].name));
    if (!out->emplace(name, std::string(view(options[i].value))).second)
      return Error::Make(TOWER_E_INVALID_ARGUMENT, "mesh option '" + name + "' is given twice");
  }
  return Error::Ok();
}

}  // namespace tower::sdk

// Defines the entry symbol of a mesh plugin whose table TABLE (an
// expression giving const tower_mesh_api*) describes.
#define TOWER_MESH_PLUGIN(NAME, VERSION, DESCRIPTION, TABLE)                        \
  extern "C" TOWER_PLUGIN_EXPORT const tower_plugin_descriptor* tower_plugin_entry( \
      const tower_host_api* host) {                                                 \
    ::tower::sdk::host_api() = host;                                                \
    static const tower_plugin_descriptor d = [] {                                   \
      tower_plugin_descriptor x{};                                                  \
      x.abi_major = TOWER_ABI_MAJOR;                                                \
      x.abi_minor = TOWER_ABI_MINOR;                                                \
      x.struct_size = sizeof(tower_plugin_descriptor);                              \
      x.min_host_minor = 5;                                                         \
      x.kind = TOWER_KIND_MESH;                                                     \
      x.name = NAME;                                                                \
      x.version = VERSION;                                                          \
      x.description = DESCRIPTION;                                                  \
      x.mesh = (TABLE);                                                             \
      return x;                                                                     \
    }();                                                                            \
    return &d;                                                                      \
  }

#endif  // TOWER_SDK_MESH_HPP_
