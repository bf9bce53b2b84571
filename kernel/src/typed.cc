// The typed facade of tower::Db: thin wrappers that run the data-type
// plugins' commands through Db::call and convert the resulting Value.
#include <array>
#include <optional>
#include <type_traits>

#include "tower/db.hpp"

namespace tower {

// Binary bytes passed without a copy.
struct BinaryArg {
  std::string_view bytes;
};

// The typed wrappers' way onto Db::Run: arguments go to ABI form without
// copies where they are strings, binaries or numbers (other types through
// Value), and the result is read straight into the C++ type the method
// returns.
struct Typed {
  template <size_t N>
  struct Args {
    std::array<tower_value, N> abi{};
    std::array<std::optional<Value>, N> held;
    std::array<std::string, N> scratch;
    size_t n = 0;

    void Bytes(uint32_t type, std::string_view s) {
      abi[n].type = type;
      abi[n].bytes = {s.data(), s.size()};
      ++n;
    }
    void Add(std::string_view s) { Bytes(TOWER_VALUE_STRING, s); }
    void Add(const std::string& s) { Bytes(TOWER_VALUE_STRING, s); }
    void Add(const char* s) { Bytes(TOWER_VALUE_STRING, s); }
    void Add(BinaryArg b) { Bytes(TOWER_VALUE_BINARY, b.bytes); }
    void Add(int64_t i) {
      abi[n].type = TOWER_VALUE_INT;
      abi[n++].i = i;
    }
    void Add(int i) { Add(int64_t{i}); }
    void Add(double f) {
      abi[n].type = TOWER_VALUE_FLOAT;
      abi[n++].f = f;
    }
    void Add(bool b) {
      abi[n].type = TOWER_VALUE_BOOL;
      abi[n++].i = b ? 1 : 0;
    }
    template <class T>
    void Add(const T& x) {
      held[n].emplace(x);
      abi[n] = ToAbiValue(*held[n], &scratch[n]);
      ++n;
    }
  };

  // Receives a command's single result as a T.
  template <class T>
  struct Out {
    std::optional<T> value;
    Status error;
    static void Set(void* ctx, const tower_value* v) {
      auto* o = static_cast<Out*>(ctx);
      if constexpr (std::is_same_v<T, std::string>) {
        if (v->type == TOWER_VALUE_STRING) {
          o->value.emplace(v->bytes.data ? v->bytes.data : "", v->bytes.size);
          return;
        }
      } else if constexpr (std::is_same_v<T, int64_t>) {
        if (v->type == TOWER_VALUE_INT) {
          o->value = v->i;
          return;
        }
      } else if constexpr (std::is_same_v<T, bool>) {
        if (v->type == TOWER_VALUE_BOOL) {
          o->value = v->i != 0;
          return;
        }
      } else if constexpr (std::is_same_v<T, Binary>) {
        if (v->type == TOWER_VALUE_BINARY) {
          o->value.emplace(Binary{std::string(v->bytes.data ? v->bytes.data : "", v->bytes.size)});
          return;
        }
      } else if constexpr (std::is_same_v<T, double>) {
        if (v->type == TOWER_VALUE_FLOAT) {
          o->value = v->f;
          return;
        }
      }
      // Every other type, and the error message for a wrong type.
      auto x = FromAbiValue(*v);
      if (!x.ok()) {
        o->error = x.status();
        return;
      }
      auto t = x->Get<T>();
      if (!t.ok()) {
        o->error = t.status();
        return;
      }
      o->value = std::move(*t);
    }
    static void Push(void* ctx, const tower_value*) {
      static_cast<Out*>(ctx)->error = Status::Internal("expected one value, got an array");
    }
    Result<T> Take(std::string_view name) {
      if (!error.ok()) return error.WithContext(std::string(name) + " returned a bad value");
      if (!value) return Status::Internal(std::string(name) + " returned no value");
      return std::move(*value);
    }
  };

  static void Ignore(void*, const tower_value*) {}

  template <class T, class... A>
  static Result<T> Invoke(Db* db, std::string_view name, const A&... a) {
    const Db::Command* c = db->FindCommand(name);
    if (c == nullptr) return Db::UnknownCommand(name);
    Args<sizeof...(A)> args;
    (args.Add(a), ...);
    Out<T> out;
    tower_value_sink sink{&out, &Out<T>::Set, &Out<T>::Push};
    TOWER_RETURN_IF_ERROR(
        db->Run(*c, std::span<const tower_value>(args.abi.data(), args.n), &sink));
    return out.Take(name);
  }

  // For the methods that return only a status.
  template <class... A>
  static Status Do(Db* db, std::string_view name, const A&... a) {
    const Db::Command* c = db->FindCommand(name);
    if (c == nullptr) return Db::UnknownCommand(name);
    Args<sizeof...(A)> args;
    (args.Add(a), ...);
    tower_value_sink sink{nullptr, &Ignore, &Ignore};
    return db->Run(*c, std::span<const tower_value>(args.abi.data(), args.n), &sink);
  }
};

// --- string ---
Status Db::set_string(std::string_view key, std::string_view v) {
  return Typed::Do(this, "string.set", key, v);
}
Result<std::string> Db::get_string(std::string_view key) {
  return Typed::Invoke<std::string>(this, "string.get", key);
}
Result<std::string> Db::append_string(std::string_view key, std::string_view s) {
  return Typed::Invoke<std::string>(this, "string.append", key, s);
}
Result<std::string> Db::prepend_string(std::string_view key, std::string_view s) {
  return Typed::Invoke<std::string>(this, "string.prepend", key, s);
}
Result<std::string> Db::replace_string(std::string_view key, std::string_view from,
                                       std::string_view to) {
  return Typed::Invoke<std::string>(this, "string.replace", key, from, to);
}
Result<bool> Db::contains_string(std::string_view key, std::string_view s) {
  return Typed::Invoke<bool>(this, "string.contains", key, s);
}
Result<bool> Db::starts_with_string(std::string_view key, std::string_view s) {
  return Typed::Invoke<bool>(this, "string.starts_with", key, s);
}
Result<bool> Db::ends_with_string(std::string_view key, std::string_view s) {
  return Typed::Invoke<bool>(this, "string.ends_with", key, s);
}
Result<int64_t> Db::length_string(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "string.length", key);
}
Result<std::string> Db::substring_string(std::string_view key, int64_t start, int64_t length) {
  return Typed::Invoke<std::string>(this, "string.substring", key, start, length);
}
Result<int64_t> Db::compare_string(std::string_view key, std::string_view other) {
  return Typed::Invoke<int64_t>(this, "string.compare", key, other);
}
Result<bool> Db::equal_string(std::string_view key, std::string_view other) {
  return Typed::Invoke<bool>(this, "string.equal", key, other);
}
Result<std::string> Db::upper_string(std::string_view key) {
  return Typed::Invoke<std::string>(this, "string.upper", key);
}
Result<std::string> Db::lower_string(std::string_view key) {
  return Typed::Invoke<std::string>(this, "string.lower", key);
}

// --- int ---
Status Db::set_int(std::string_view key, int64_t v) { return Typed::Do(this, "int.set", key, v); }
Result<int64_t> Db::get_int(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "int.get", key);
}
Result<int64_t> Db::add_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.add", key, x);
}
Result<int64_t> Db::sub_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.sub", key, x);
}
Result<int64_t> Db::mul_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.mul", key, x);
}
Result<int64_t> Db::div_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.div", key, x);
}
Result<int64_t> Db::mod_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.mod", key, x);
}
Result<int64_t> Db::inc_int(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "int.inc", key);
}
Result<int64_t> Db::dec_int(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "int.dec", key);
}
Result<int64_t> Db::neg_int(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "int.neg", key);
}
Result<int64_t> Db::abs_int(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "int.abs", key);
}
Result<int64_t> Db::swap_int(std::string_view key, int64_t v) {
  return Typed::Invoke<int64_t>(this, "int.swap", key, v);
}
Result<int64_t> Db::compare_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.compare", key, x);
}
Result<bool> Db::set_int_if_greater(std::string_view key, int64_t v) {
  return Typed::Invoke<bool>(this, "int.set_if_greater", key, v);
}
Result<bool> Db::set_int_if_less(std::string_view key, int64_t v) {
  return Typed::Invoke<bool>(this, "int.set_if_less", key, v);
}
Result<bool> Db::set_int_if_equal(std::string_view key, int64_t expected, int64_t v) {
  return Typed::Invoke<bool>(this, "int.set_if_equal", key, expected, v);
}
Result<int64_t> Db::clamp_int(std::string_view key, int64_t lo, int64_t hi) {
  return Typed::Invoke<int64_t>(this, "int.clamp", key, lo, hi);
}
Result<int64_t> Db::min_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.min", key, x);
}
Result<int64_t> Db::max_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.max", key, x);
}
Result<int64_t> Db::and_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.and", key, x);
}
Result<int64_t> Db::or_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.or", key, x);
}
Result<int64_t> Db::xor_int(std::string_view key, int64_t x) {
  return Typed::Invoke<int64_t>(this, "int.xor", key, x);
}
Result<int64_t> Db::not_int(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "int.not", key);
}
Result<int64_t> Db::shift_left_int(std::string_view key, int64_t n) {
  return Typed::Invoke<int64_t>(this, "int.shift_left", key, n);
}
Result<int64_t> Db::shift_right_int(std::string_view key, int64_t n) {
  return Typed::Invoke<int64_t>(this, "int.shift_right", key, n);
}

// --- float, bool, duration, timestamp, time, uuid, binary, bigint, decimal ---
Status Db::set_float(std::string_view key, double v) {
  return Typed::Do(this, "float.set", key, v);
}
Result<double> Db::get_float(std::string_view key) {
  return Typed::Invoke<double>(this, "float.get", key);
}
Result<double> Db::add_float(std::string_view key, double x) {
  return Typed::Invoke<double>(this, "float.add", key, x);
}
Result<double> Db::sub_float(std::string_view key, double x) {
  return Typed::Invoke<double>(this, "float.sub", key, x);
}
Result<double> Db::mul_float(std::string_view key, double x) {
  return Typed::Invoke<double>(this, "float.mul", key, x);
}
Result<double> Db::div_float(std::string_view key, double x) {
  return Typed::Invoke<double>(this, "float.div", key, x);
}
Result<double> Db::neg_float(std::string_view key) {
  return Typed::Invoke<double>(this, "float.neg", key);
}
Result<double> Db::abs_float(std::string_view key) {
  return Typed::Invoke<double>(this, "float.abs", key);
}
Result<double> Db::swap_float(std::string_view key, double v) {
  return Typed::Invoke<double>(this, "float.swap", key, v);
}
Result<int64_t> Db::compare_float(std::string_view key, double x) {
  return Typed::Invoke<int64_t>(this, "float.compare", key, x);
}
Result<bool> Db::set_float_if_greater(std::string_view key, double v) {
  return Typed::Invoke<bool>(this, "float.set_if_greater", key, v);
}
Result<bool> Db::set_float_if_less(std::string_view key, double v) {
  return Typed::Invoke<bool>(this, "float.set_if_less", key, v);
}
Result<bool> Db::set_float_if_equal(std::string_view key, double expected, double v) {
  return Typed::Invoke<bool>(this, "float.set_if_equal", key, expected, v);
}
Result<double> Db::clamp_float(std::string_view key, double min, double max) {
  return Typed::Invoke<double>(this, "float.clamp", key, min, max);
}
Result<double> Db::min_float(std::string_view key, double x) {
  return Typed::Invoke<double>(this, "float.min", key, x);
}
Result<double> Db::max_float(std::string_view key, double x) {
  return Typed::Invoke<double>(this, "float.max", key, x);
}
Status Db::set_bool(std::string_view key, bool v) { return Typed::Do(this, "bool.set", key, v); }
Result<bool> Db::get_bool(std::string_view key) {
  return Typed::Invoke<bool>(this, "bool.get", key);
}
Result<bool> Db::and_bool(std::string_view key, bool x) {
  return Typed::Invoke<bool>(this, "bool.and", key, x);
}
Result<bool> Db::or_bool(std::string_view key, bool x) {
  return Typed::Invoke<bool>(this, "bool.or", key, x);
}
Result<bool> Db::xor_bool(std::string_view key, bool x) {
  return Typed::Invoke<bool>(this, "bool.xor", key, x);
}
Result<bool> Db::not_bool(std::string_view key) {
  return Typed::Invoke<bool>(this, "bool.not", key);
}
Result<bool> Db::toggle_bool(std::string_view key) {
  return Typed::Invoke<bool>(this, "bool.toggle", key);
}
Result<bool> Db::equal_bool(std::string_view key, bool x) {
  return Typed::Invoke<bool>(this, "bool.equal", key, x);
}
Result<bool> Db::set_bool_if_true(std::string_view key, bool v) {
  return Typed::Invoke<bool>(this, "bool.set_if_true", key, v);
}
Result<bool> Db::set_bool_if_false(std::string_view key, bool v) {
  return Typed::Invoke<bool>(this, "bool.set_if_false", key, v);
}
Result<bool> Db::set_bool_if_equal(std::string_view key, bool expected, bool v) {
  return Typed::Invoke<bool>(this, "bool.set_if_equal", key, expected, v);
}
Status Db::set_duration(std::string_view key, Duration v) {
  return Typed::Do(this, "duration.set", key, v);
}
Result<Duration> Db::get_duration(std::string_view key) {
  return Typed::Invoke<Duration>(this, "duration.get", key);
}
Result<Duration> Db::add_duration(std::string_view key, Duration x) {
  return Typed::Invoke<Duration>(this, "duration.add", key, x);
}
Result<Duration> Db::sub_duration(std::string_view key, Duration x) {
  return Typed::Invoke<Duration>(this, "duration.sub", key, x);
}
Result<Duration> Db::mul_duration(std::string_view key, int64_t n) {
  return Typed::Invoke<Duration>(this, "duration.mul", key, n);
}
Result<Duration> Db::div_duration(std::string_view key, int64_t n) {
  return Typed::Invoke<Duration>(this, "duration.div", key, n);
}
Result<Duration> Db::neg_duration(std::string_view key) {
  return Typed::Invoke<Duration>(this, "duration.neg", key);
}
Result<Duration> Db::abs_duration(std::string_view key) {
  return Typed::Invoke<Duration>(this, "duration.abs", key);
}
Result<Duration> Db::swap_duration(std::string_view key, Duration v) {
  return Typed::Invoke<Duration>(this, "duration.swap", key, v);
}
Result<int64_t> Db::compare_duration(std::string_view key, Duration x) {
  return Typed::Invoke<int64_t>(this, "duration.compare", key, x);
}
Result<bool> Db::set_duration_if_greater(std::string_view key, Duration v) {
  return Typed::Invoke<bool>(this, "duration.set_if_greater", key, v);
}
Result<bool> Db::set_duration_if_less(std::string_view key, Duration v) {
  return Typed::Invoke<bool>(this, "duration.set_if_less", key, v);
}
Result<bool> Db::set_duration_if_equal(std::string_view key, Duration expected, Duration v) {
  return Typed::Invoke<bool>(this, "duration.set_if_equal", key, expected, v);
}
Status Db::set_timestamp(std::string_view key, Timestamp v) {
  return Typed::Do(this, "timestamp.set", key, v);
}
Result<Timestamp> Db::get_timestamp(std::string_view key) {
  return Typed::Invoke<Timestamp>(this, "timestamp.get", key);
}
Result<Timestamp> Db::add_duration_to_timestamp(std::string_view key, Duration d) {
  return Typed::Invoke<Timestamp>(this, "timestamp.add_duration", key, d);
}
Result<Timestamp> Db::sub_duration_from_timestamp(std::string_view key, Duration d) {
  return Typed::Invoke<Timestamp>(this, "timestamp.sub_duration", key, d);
}
Result<int64_t> Db::compare_timestamp(std::string_view key, Timestamp t) {
  return Typed::Invoke<int64_t>(this, "timestamp.compare", key, t);
}
Result<bool> Db::before_timestamp(std::string_view key, Timestamp t) {
  return Typed::Invoke<bool>(this, "timestamp.before", key, t);
}
Result<bool> Db::after_timestamp(std::string_view key, Timestamp t) {
  return Typed::Invoke<bool>(this, "timestamp.after", key, t);
}
Result<bool> Db::set_timestamp_if_greater(std::string_view key, Timestamp v) {
  return Typed::Invoke<bool>(this, "timestamp.set_if_greater", key, v);
}
Result<bool> Db::set_timestamp_if_less(std::string_view key, Timestamp v) {
  return Typed::Invoke<bool>(this, "timestamp.set_if_less", key, v);
}
Result<bool> Db::set_timestamp_if_equal(std::string_view key, Timestamp expected, Timestamp v) {
  return Typed::Invoke<bool>(this, "timestamp.set_if_equal", key, expected, v);
}
Status Db::set_time(std::string_view key, const Time& v) {
  return Typed::Do(this, "time.set", key, v);
}
Result<Time> Db::get_time(std::string_view key) {
  return Typed::Invoke<Time>(this, "time.get", key);
}
Result<Time> Db::add_duration_to_time(std::string_view key, Duration d) {
  return Typed::Invoke<Time>(this, "time.add_duration", key, d);
}
Result<Time> Db::sub_duration_from_time(std::string_view key, Duration d) {
  return Typed::Invoke<Time>(this, "time.sub_duration", key, d);
}
Result<bool> Db::before_time(std::string_view key, const Time& t) {
  return Typed::Invoke<bool>(this, "time.before", key, t);
}
Result<bool> Db::after_time(std::string_view key, const Time& t) {
  return Typed::Invoke<bool>(this, "time.after", key, t);
}
Result<bool> Db::equal_time(std::string_view key, const Time& t) {
  return Typed::Invoke<bool>(this, "time.equal", key, t);
}
Result<Duration> Db::diff_time(std::string_view key, const Time& t) {
  return Typed::Invoke<Duration>(this, "time.diff", key, t);
}
Result<bool> Db::is_zero_time(std::string_view key) {
  return Typed::Invoke<bool>(this, "time.is_zero", key);
}
Result<bool> Db::set_time_if_greater(std::string_view key, const Time& v) {
  return Typed::Invoke<bool>(this, "time.set_if_greater", key, v);
}
Result<bool> Db::set_time_if_less(std::string_view key, const Time& v) {
  return Typed::Invoke<bool>(this, "time.set_if_less", key, v);
}
Result<bool> Db::set_time_if_equal(std::string_view key, const Time& expected, const Time& v) {
  return Typed::Invoke<bool>(this, "time.set_if_equal", key, expected, v);
}
Result<int64_t> Db::year_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.year", key);
}
Result<int64_t> Db::month_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.month", key);
}
Result<int64_t> Db::day_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.day", key);
}
Result<int64_t> Db::hour_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.hour", key);
}
Result<int64_t> Db::minute_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.minute", key);
}
Result<int64_t> Db::second_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.second", key);
}
Result<int64_t> Db::nanosecond_time(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "time.nanosecond", key);
}
Status Db::set_uuid(std::string_view key, const Uuid& v) {
  return Typed::Do(this, "uuid.set", key, v);
}
Result<Uuid> Db::get_uuid(std::string_view key) {
  return Typed::Invoke<Uuid>(this, "uuid.get", key);
}
Result<Uuid> Db::generate_uuid(std::string_view key, int64_t version) {
  return Typed::Invoke<Uuid>(this, "uuid.generate", key, version);
}
Result<bool> Db::equal_uuid(std::string_view key, const Uuid& u) {
  return Typed::Invoke<bool>(this, "uuid.equal", key, u);
}
Result<int64_t> Db::compare_uuid(std::string_view key, const Uuid& u) {
  return Typed::Invoke<int64_t>(this, "uuid.compare", key, u);
}
Result<std::string> Db::uuid_to_string(std::string_view key) {
  return Typed::Invoke<std::string>(this, "uuid.to_string", key);
}
Result<bool> Db::is_nil_uuid(std::string_view key) {
  return Typed::Invoke<bool>(this, "uuid.is_nil", key);
}
Result<int64_t> Db::version_uuid(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "uuid.version", key);
}
Result<std::string> Db::variant_uuid(std::string_view key) {
  return Typed::Invoke<std::string>(this, "uuid.variant", key);
}
Result<bool> Db::set_uuid_if_nil(std::string_view key, const Uuid& v) {
  return Typed::Invoke<bool>(this, "uuid.set_if_nil", key, v);
}
Result<bool> Db::set_uuid_if_equal(std::string_view key, const Uuid& expected, const Uuid& v) {
  return Typed::Invoke<bool>(this, "uuid.set_if_equal", key, expected, v);
}
Status Db::set_binary(std::string_view key, std::string_view bytes) {
  return Typed::Do(this, "binary.set", key, BinaryArg{bytes});
}
Result<Binary> Db::get_binary(std::string_view key) {
  return Typed::Invoke<Binary>(this, "binary.get", key);
}
Result<Binary> Db::append_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<Binary>(this, "binary.append", key, BinaryArg{bytes});
}
Result<Binary> Db::prepend_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<Binary>(this, "binary.prepend", key, BinaryArg{bytes});
}
Result<int64_t> Db::length_binary(std::string_view key) {
  return Typed::Invoke<int64_t>(this, "binary.length", key);
}
Result<Binary> Db::slice_binary(std::string_view key, int64_t start, int64_t length) {
  return Typed::Invoke<Binary>(this, "binary.slice", key, start, length);
}
Result<bool> Db::equal_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<bool>(this, "binary.equal", key, BinaryArg{bytes});
}
Result<int64_t> Db::compare_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<int64_t>(this, "binary.compare", key, BinaryArg{bytes});
}
Result<Binary> Db::and_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<Binary>(this, "binary.and", key, BinaryArg{bytes});
}
Result<Binary> Db::or_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<Binary>(this, "binary.or", key, BinaryArg{bytes});
}
Result<Binary> Db::xor_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<Binary>(this, "binary.xor", key, BinaryArg{bytes});
}
Result<bool> Db::contains_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<bool>(this, "binary.contains", key, BinaryArg{bytes});
}
Result<int64_t> Db::index_of_binary(std::string_view key, std::string_view bytes) {
  return Typed::Invoke<int64_t>(this, "binary.index_of", key, BinaryArg{bytes});
}
Result<Binary> Db::reverse_binary(std::string_view key) {
  return Typed::Invoke<Binary>(this, "binary.reverse", key);
}
Status Db::set_bigint(std::string_view key, const BigInt& v) {
  return Typed::Do(this, "bigint.set", key, v);
}
Result<BigInt> Db::get_bigint(std::string_view key) {
  return Typed::Invoke<BigInt>(this, "bigint.get", key);
}
Result<BigInt> Db::add_bigint(std::string_view key, const BigInt& x) {
  return Typed::Invoke<BigInt>(this, "bigint.add", key, x);
}
Result<BigInt> Db::sub_bigint(std::string_view key, const BigInt& x) {
  return Typed::Invoke<BigInt>(this, "bigint.sub", key, x);
}
Result<BigInt> Db::mul_bigint(std::string_view key, const BigInt& x) {
  return Typed::Invoke<BigInt>(this, "bigint.mul", key, x);
}
Result<BigInt> Db::div_bigint(std::string_view key, const BigInt& x) {
  return Typed::Invoke<BigInt>(this, "bigint.div", key, x);
}
Result<BigInt> Db::mod_bigint(std::string_view key, const BigInt& x) {
  return Typed::Invoke<BigInt>(this, "bigint.mod", key, x);
}
Result<BigInt> Db::neg_bigint(std::string_view key) {
  return Typed::Invoke<BigInt>(this, "bigint.neg", key);
}
Result<BigInt> Db::abs_bigint(std::string_view key) {
  return Typed::Invoke<BigInt>(this, "bigint.abs", key);
}
Result<int64_t> Db::cmp_bigint(std::string_view key, const BigInt& x) {
  return Typed::Invoke<int64_t>(this, "bigint.cmp", key, x);
}
Result<std::string> Db::bigint_to_text(std::string_view key, int64_t base) {
  return Typed::Invoke<std::string>(this, "bigint.to_text", key, base);
}
Result<BigInt> Db::bigint_from_text(std::string_view key, std::string_view text, int64_t base) {
  return Typed::Invoke<BigInt>(this, "bigint.from_text", key, text, base);
}
Status Db::set_decimal(std::string_view key, const Decimal& v) {
  return Typed::Do(this, "decimal.set", key, v);
}
Result<Decimal> Db::get_decimal(std::string_view key) {
  return Typed::Invoke<Decimal>(this, "decimal.get", key);
}
Status Db::set_decimal_from_float(std::string_view key, double v, int64_t scale) {
  return Typed::Do(this, "decimal.set_from_float", key, v, scale);
}
Result<double> Db::get_decimal_as_float(std::string_view key) {
  return Typed::Invoke<double>(this, "decimal.get_as_float", key);
}
Result<Decimal> Db::add_decimal(std::string_view key, const Decimal& x) {
  return Typed::Invoke<Decimal>(this, "decimal.add", key, x);
}
Result<Decimal> Db::sub_decimal(std::string_view key, const Decimal& x) {
  return Typed::Invoke<Decimal>(this, "decimal.sub", key, x);
}
Result<Decimal> Db::mul_decimal(std::string_view key, const Decimal& x) {
  return Typed::Invoke<Decimal>(this, "decimal.mul", key, x);
}
Result<Decimal> Db::div_decimal(std::string_view key, const Decimal& x, int64_t result_scale) {
  return Typed::Invoke<Decimal>(this, "decimal.div", key, x, result_scale);
}
Result<int64_t> Db::cmp_decimal(std::string_view key, const Decimal& x) {
  return Typed::Invoke<int64_t>(this, "decimal.cmp", key, x);
}
Result<std::string> Db::decimal_to_text(std::string_view key) {
  return Typed::Invoke<std::string>(this, "decimal.to_text", key);
}
Result<Decimal> Db::decimal_from_text(std::string_view key, std::string_view text) {
  return Typed::Invoke<Decimal>(this, "decimal.from_text", key, text);
}

// --- passwords and SafeBox ---
Status Db::upsert_password(std::string_view key, std::string_view password,
                           std::string_view algorithm, int64_t salt_length,
                           std::string_view params) {
  return Typed::Do(this, "password.set", key, BinaryArg{password}, algorithm, salt_length, params);
}
Result<bool> Db::verify_password(std::string_view key, std::string_view password) {
  return Typed::Invoke<bool>(this, "password.verify", key, BinaryArg{password});
}
Result<bool> Db::password_needs_rehash(std::string_view key, std::string_view algorithm,
                                       std::string_view params) {
  return Typed::Invoke<bool>(this, "password.needs_rehash", key, algorithm, params);
}
Result<std::string> Db::get_password_hash(std::string_view key) {
  return Typed::Invoke<std::string>(this, "password.get", key);
}
Status Db::upsert_safe_box(std::string_view key, std::string_view data,
                           std::string_view key_material, std::string_view algorithm) {
  return Typed::Do(this, "safebox.set", key, BinaryArg{data}, BinaryArg{key_material}, algorithm);
}
Result<Db::SafeBox> Db::get_safe_box(std::string_view key) {
  auto v = call("safebox.get", key);
  if (!v.ok()) return v.status();
  if (v->type() != Value::Type::kArray) return Status::Internal("safebox.get returned a bad value");
  const std::vector<Value>& items = v->as_array();
  if (items.size() != 3 || items[0].type() != Value::Type::kString ||
      items[1].type() != Value::Type::kBinary || items[2].type() != Value::Type::kBinary) {
    return Status::Internal("safebox.get returned a bad value");
  }
  return SafeBox{items[0].as_string(), items[1].as_binary().bytes, items[2].as_binary().bytes};
}
Result<Binary> Db::extract_safe_box(std::string_view key, std::string_view key_material) {
  return Typed::Invoke<Binary>(this, "safebox.extract", key, BinaryArg{key_material});
}

}  // namespace tower
