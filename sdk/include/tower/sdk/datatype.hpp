// Plugin-side C++ helpers for data-type plugins (header-only).
//
//   static void Define(tower::sdk::DatatypeBuilder& b) {
//     uint32_t kInt = b.type("int", 1);
//     b.command({"int.get", "KEY", "returns the value", TOWER_CMD_READ_ONLY, 1, 1},
//               [kInt](tower::sdk::Call& c) -> tower::sdk::Error { ... });
//   }
//   TOWER_DATATYPE_PLUGIN("mytypes", "1.0.0", "what they are", Define)
//
// Every command runs with its keys locked by the kernel; what it writes
// through Call is committed atomically when it returns OK.
#ifndef TOWER_SDK_DATATYPE_HPP_
#define TOWER_SDK_DATATYPE_HPP_

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tower/sdk/datatype.h"
#include "tower/sdk/plugin.hpp"

namespace tower::sdk {

inline const char* value_type_name(uint32_t t) {
  static const char* const kNames[] = {"null",    "string",    "int",      "float", "bool",
                                       "binary",  "timestamp", "duration", "uuid",  "bigint",
                                       "decimal", "time",      "array"};
  return t < sizeof(kNames) / sizeof(kNames[0]) ? kNames[t] : "unknown";
}

// One command invocation: its arguments, the store as the command sees it,
// and the result.
class Call {
 public:
  Call(const char* name, const tower_cmd_api* api, tower_cmd_ctx* ctx, const tower_value* args,
       size_t nargs, tower_value_sink* out)
      : name_(name), api_(api), ctx_(ctx), args_(args), nargs_(nargs), out_(out) {}

  const char* name() const { return name_; }
  size_t size() const { return nargs_; }
  const tower_value& arg(size_t i) const { return args_[i]; }

  // Argument i as a key (string or binary; the kernel has checked keys).
  std::string_view key(size_t i = 0) const { return view(args_[i].bytes); }

  // Typed arguments: InvalidArgument naming the command, the position
  // (1-based) and both types when the argument has another type.
  Error want(size_t i, uint32_t type) const {
    if (args_[i].type == type) return Error::Ok();
    return Error::Make(TOWER_E_INVALID_ARGUMENT,
                       std::string(name_) + ": argument " + std::to_string(i + 1) + " must be " +
                           value_type_name(type) + ", got " + value_type_name(args_[i].type));
  }
  Error get_int(size_t i, int64_t* out) const { return get_i(i, TOWER_VALUE_INT, out); }
  Error get_duration(size_t i, int64_t* out) const { return get_i(i, TOWER_VALUE_DURATION, out); }
  Error get_timestamp(size_t i, int64_t* out) const { return get_i(i, TOWER_VALUE_TIMESTAMP, out); }
  Error get_bool(size_t i, bool* out) const {
    int64_t v = 0;
    Error e = get_i(i, TOWER_VALUE_BOOL, &v);
    *out = v != 0;
    return e;
  }
  Error get_float(size_t i, double* out) const {
    Error e = want(i, TOWER_VALUE_FLOAT);
    if (e.ok()) *out = args_[i].f;
    return e;
  }
  Error get_bytes(size_t i, uint32_t type, std::string_view* out) const {
    Error e = want(i, type);
    if (e.ok()) *out = view(args_[i].bytes);
    return e;
  }
  Error invalid(const std::string& why) const {
    return Error::Make(TOWER_E_INVALID_ARGUMENT, std::string(name_) + ": " + why);
  }

  // --- the store ---
  // Reads `key` expecting the plugin's type index `type` (or TOWER_ANY_TYPE).
  Error read(std::string_view key, uint32_t type, std::string* payload,
             uint32_t* found_type = nullptr, uint32_t* encoding = nullptr) const {
    uint32_t ft = 0, enc = 0;
    StringOut p(payload);
    ErrorOut err;
    int32_t code = api_->read_value(ctx_, slice(key), type, &ft, &enc, &p.sink, &err.sink);
    if (found_type) *found_type = ft;
    if (encoding) *encoding = enc;
    return Error::Make(code, std::move(err.message));
  }
  // Like read, without a copy where the host supports it (ABI 1.2): *payload
  // stays valid until this command's next read, write or remove. `scratch`
  // holds the copy on an older host.
  Error read_view(std::string_view key, uint32_t type, std::string_view* payload,
                  std::string* scratch, uint32_t* found_type = nullptr,
                  uint32_t* encoding = nullptr) const {
    if (!TOWER_HAS_FIELD(tower_cmd_api, api_->struct_size, read_value_view)) {
      Error e = read(key, type, scratch, found_type, encoding);
      if (e.ok()) *payload = *scratch;
      return e;
    }
    uint32_t ft = 0, enc = 0;
    tower_slice p{};
    ErrorOut err;
    int32_t code = api_->read_value_view(ctx_, slice(key), type, &ft, &enc, &p, &err.sink);
    if (found_type) *found_type = ft;
    if (encoding) *encoding = enc;
    if (code == TOWER_OK) *payload = view(p);
    return Error::Make(code, std::move(err.message));
  }
  Error write(std::string_view key, uint32_t type, std::string_view payload,
              bool keep_ttl = false) const {
    ErrorOut err;
    int32_t code = api_->write_value(ctx_, slice(key), type, slice(payload),
                                     keep_ttl ? TOWER_WRITE_KEEP_TTL : 0u, &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  // Stages key := a value of `size` bytes written by the caller through
  // *buffer before its next call into the store (ABI 1.2: no copy).
  // NOT_SUPPORTED on an older host; use write() there.
  Error write_reserve(std::string_view key, uint32_t type, size_t size, char** buffer,
                      bool keep_ttl = false) const {
    if (!TOWER_HAS_FIELD(tower_cmd_api, api_->struct_size, write_value_reserve)) {
      return Error::Make(TOWER_E_NOT_SUPPORTED, "write_value_reserve needs a host with ABI 1.2");
    }
    ErrorOut err;
    int32_t code = api_->write_value_reserve(
        ctx_, slice(key), type, size, keep_ttl ? TOWER_WRITE_KEEP_TTL : 0u, buffer, &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  Error remove(std::string_view key) const {
    ErrorOut err;
    int32_t code = api_->delete_value(ctx_, slice(key), &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  // --- items of collections (ABI 1.4; see tower_cmd_api) ---
  // True when the host offers items; every item call is NOT_SUPPORTED if not.
  bool has_items() const { return TOWER_HAS_FIELD(tower_cmd_api, api_->struct_size, item_clear); }
  Error item_get(std::string_view key, std::string_view subkey, std::string* value) const {
    StringOut v(value);
    return item_get_into(key, subkey, &v.sink);
  }
  // The item's bytes handed to look(std::string_view) without a copy; they
  // are valid only during that call. For a reader that needs a few bytes of
  // a large item.
  template <class Look>
  Error item_view(std::string_view key, std::string_view subkey, Look&& look) const {
    tower_sink v{&look, [](void* c, const char* d, size_t n) {
                   (*static_cast<std::remove_reference_t<Look>*>(c))(
                       std::string_view(d != nullptr ? d : "", n));
                 }};
    return item_get_into(key, subkey, &v);
  }
  Error item_put(std::string_view key, std::string_view subkey, std::string_view value) const {
    if (!has_items()) return no_items();
    ErrorOut err;
    int32_t code = api_->item_put(ctx_, slice(key), slice(subkey), slice(value), &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  Error item_delete(std::string_view key, std::string_view subkey) const {
    if (!has_items()) return no_items();
    ErrorOut err;
    int32_t code = api_->item_delete(ctx_, slice(key), slice(subkey), &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  // Calls visit(subkey, value) for the items with lower <= subkey < upper
  // (nullopt = open), ascending or descending, until it returns false.
  template <class Visit>
  Error item_scan(std::string_view key, std::optional<std::string_view> lower,
                  std::optional<std::string_view> upper, bool reverse, Visit&& visit) const {
    if (!has_items()) return no_items();
    tower_item_visitor v{
        &visit, [](void* c, tower_slice sub, tower_slice val) -> int32_t {
          return (*static_cast<std::remove_reference_t<Visit>*>(c))(view(sub), view(val)) ? 0 : 1;
        }};
    tower_slice lo = lower ? slice(*lower) : tower_slice{nullptr, 0};
    tower_slice hi = upper ? slice(*upper) : tower_slice{nullptr, 0};
    if (lower && lo.data == nullptr) lo.data = "";  // an empty bound is a bound
    if (upper && hi.data == nullptr) hi.data = "";
    ErrorOut err;
    int32_t code =
        api_->item_scan(ctx_, slice(key), lo, hi, reverse ? TOWER_SCAN_REVERSE : 0u, &v, &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  Error item_clear(std::string_view key) const {
    if (!has_items()) return no_items();
    ErrorOut err;
    int32_t code = api_->item_clear(ctx_, slice(key), &err.sink);
    return Error::Make(code, std::move(err.message));
  }

  uint64_t max_number_bytes() const { return api_->max_number_bytes(ctx_); }
  int64_t now_ns() const { return api_->now_ns(ctx_); }
  Error random_bytes(char* buf, size_t n) const {
    ErrorOut err;
    int32_t code = api_->random_bytes(ctx_, buf, n, &err.sink);
    return Error::Make(code, std::move(err.message));
  }

  // The crypto algorithm `name` of `family` (TOWER_CRYPTO_*) chosen by the
  // host, as its definition type D (tower_aead_def, ...). NOT_SUPPORTED on
  // a host older than ABI 1.2 or when no provider offers it.
  template <class D>
  Error find_crypto(uint32_t family, std::string_view name, const D** def) const {
    if (!TOWER_HAS_FIELD(tower_cmd_api, api_->struct_size, find_crypto)) {
      return Error::Make(
          TOWER_E_NOT_SUPPORTED,
          std::string(name_) + ": this Tower host has no crypto support (ABI < 1.2)");
    }
    ErrorOut err;
    const void* d = nullptr;
    int32_t code = api_->find_crypto(ctx_, family, slice(name), &d, &err.sink);
    if (code == TOWER_OK) *def = static_cast<const D*>(d);
    return Error::Make(code, std::move(err.message));
  }

  // --- the result ---
  void set(const tower_value& v) const { out_->set(out_->ctx, &v); }
  void push(const tower_value& v) const { out_->push(out_->ctx, &v); }
  void set_null() const { set(make(TOWER_VALUE_NULL)); }
  void set_int(int64_t i) const { set(of_i(TOWER_VALUE_INT, i)); }
  void set_bool(bool b) const { set(of_i(TOWER_VALUE_BOOL, b ? 1 : 0)); }
  void set_duration(int64_t ns) const { set(of_i(TOWER_VALUE_DURATION, ns)); }
  void set_timestamp(int64_t ns) const { set(of_i(TOWER_VALUE_TIMESTAMP, ns)); }
  void set_float(double f) const {
    tower_value v = make(TOWER_VALUE_FLOAT);
    v.f = f;
    set(v);
  }
  void set_bytes(uint32_t type, std::string_view b, int32_t aux = 0) const {
    tower_value v = make(type);
    v.bytes = slice(b);
    v.aux = aux;
    set(v);
  }
  void set_string(std::string_view s) const { set_bytes(TOWER_VALUE_STRING, s); }

  static tower_value make(uint32_t type) {
    tower_value v{};
    v.type = type;
    return v;
  }
  static tower_value of_i(uint32_t type, int64_t i) {
    tower_value v = make(type);
    v.i = i;
    return v;
  }

 private:
  Error no_items() const {
    return Error::Make(
        TOWER_E_NOT_SUPPORTED,
        std::string(name_) + ": this Tower host has no collection items (ABI < 1.4)");
  }
  Error item_get_into(std::string_view key, std::string_view subkey, tower_sink* value) const {
    if (!has_items()) return no_items();
    ErrorOut err;
    int32_t code = api_->item_get(ctx_, slice(key), slice(subkey), value, &err.sink);
    return Error::Make(code, std::move(err.message));
  }
  struct StringOut {
    explicit StringOut(std::string* s)
        : sink{s, [](void* c, const char* d, size_t n) {
                 static_cast<std::string*>(c)->assign(d, n);
               }} {}
    tower_sink sink;
  };
  struct ErrorOut {
    ErrorOut()
        : sink{&message, [](void* c, const char* d, size_t n) {
                 static_cast<std::string*>(c)->assign(d, n);
               }} {}
    std::string message;
    tower_sink sink;
  };
  Error get_i(size_t i, uint32_t type, int64_t* out) const {
    Error e = want(i, type);
    if (e.ok()) *out = args_[i].i;
    return e;
  }

  const char* name_;
  const tower_cmd_api* api_;
  tower_cmd_ctx* ctx_;
  const tower_value* args_;
  size_t nargs_;
  tower_value_sink* out_;
};

// The static shape of a command.
struct CommandSpec {
  const char* name;
  const char* usage;
  const char* summary;
  uint32_t flags;
  int32_t min_args, max_args;
  // Key positions; the default is "the first argument is the key".
  int32_t first_key = 0, last_key = 0, key_step = 1;
};

using CommandFn = std::function<Error(Call&)>;

// Collects a plugin's types and commands into the C tables (static storage
// owned by the builder, which lives as long as the library).
class DatatypeBuilder {
 public:
  // Declares a type; returns its index, used in Call::read/write.
  uint32_t type(const char* name, uint32_t encoding) {
    types_.push_back({name, encoding, 0});
    return static_cast<uint32_t>(types_.size() - 1);
  }
  void command(const CommandSpec& s, CommandFn fn) {
    fns_.push_back({s.name, std::move(fn)});
    tower_command_def d{};
    d.struct_size = sizeof(tower_command_def);
    d.flags = s.flags;
    d.name = s.name;
    d.usage = s.usage;
    d.summary = s.summary;
    d.first_key = s.first_key;
    d.last_key = s.last_key;
    d.key_step = s.key_step;
    d.min_args = s.min_args;
    d.max_args = s.max_args;
    d.execute = &Trampoline;
    d.user = &fns_.back();
    commands_.push_back(d);
  }
  // Declares that the plugin needs a host of ABI 1.`minor` or newer (1.4 for
  // collection items); an older host refuses to load it, saying so. The
  // data-type kind itself needs 1.1.
  void require_host_minor(uint16_t minor) { min_host_minor_ = std::max(min_host_minor_, minor); }
  uint16_t min_host_minor() const { return min_host_minor_; }

  // Keeps `text` for the life of the plugin and returns it, for command
  // names and help texts built at run time.
  const char* intern(std::string text) { return strings_.emplace_back(std::move(text)).c_str(); }

  const tower_datatype_api* table() {
    api_ = {sizeof(tower_datatype_api),
            0,
            types_.size(),
            types_.data(),
            commands_.size(),
            commands_.data()};
    return &api_;
  }

 private:
  uint16_t min_host_minor_ = 1;
  struct Named {
    const char* name;
    CommandFn fn;
  };
  static int32_t Trampoline(void* user, const tower_cmd_api* api, tower_cmd_ctx* ctx,
                            const tower_value* args, size_t nargs, tower_value_sink* out,
                            tower_sink* err) {
    auto* n = static_cast<Named*>(user);
    try {
      Call call(n->name, api, ctx, args, nargs, out);
      return report(n->fn(call), err);
    } catch (...) {
      return report(detail::from_exception(), err);
    }
  }
  std::vector<tower_type_def> types_;
  std::vector<tower_command_def> commands_;
  std::deque<Named> fns_;  // stable addresses for `user`
  std::deque<std::string> strings_;
  tower_datatype_api api_{};
};

}  // namespace tower::sdk

// Defines the entry symbol of a data-type plugin whose types and commands
// DEFINE(tower::sdk::DatatypeBuilder&) declares (called once, at load).
#define TOWER_DATATYPE_PLUGIN(NAME, VERSION, DESCRIPTION, DEFINE)                   \
  extern "C" TOWER_PLUGIN_EXPORT const tower_plugin_descriptor* tower_plugin_entry( \
      const tower_host_api* host) {                                                 \
    ::tower::sdk::host_api() = host;                                                \
    static ::tower::sdk::DatatypeBuilder builder;                                   \
    static const tower_plugin_descriptor d = [] {                                   \
      DEFINE(builder);                                                              \
      tower_plugin_descriptor x{};                                                  \
      x.abi_major = TOWER_ABI_MAJOR;                                                \
      x.abi_minor = TOWER_ABI_MINOR;                                                \
      x.struct_size = sizeof(tower_plugin_descriptor);                              \
      x.min_host_minor = builder.min_host_minor();                                  \
      x.kind = TOWER_KIND_DATATYPE;                                                 \
      x.name = NAME;                                                                \
      x.version = VERSION;                                                          \
      x.description = DESCRIPTION;                                                  \
      x.datatype = builder.table();                                                 \
      return x;                                                                     \
    }();                                                                            \
    return &d;                                                                      \
  }

#endif  // TOWER_SDK_DATATYPE_HPP_
