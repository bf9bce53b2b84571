// Int64Type: what the three int64-payload types (int, duration, timestamp)
// share — the type declaration, typed reads and stores, and the commands
// whose logic is the same for all three: set, get, swap, compare and the
// conditional stores (set_if_greater, set_if_less, set_if_equal).
#ifndef TOWER_DATATYPES_SCALARS_INT64_TYPE_HPP_
#define TOWER_DATATYPES_SCALARS_INT64_TYPE_HPP_

#include <algorithm>
#include <limits>
#include <string>

#include "scalars.hpp"

namespace tower::scalars {

inline constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// How one int64-payload type reads, stores and returns values. Small and
// copied into every command's closure.
class Int64Codec {
 public:
  Int64Codec(uint32_t type, uint32_t kind) : type_(type), kind_(kind) {}
  uint32_t type() const { return type_; }
  uint32_t kind() const { return kind_; }

  // Argument i, which must be of this type's kind (or of `kind`).
  Error arg(const Call& c, size_t i, int64_t* v) const { return arg(c, i, kind_, v); }
  static Error arg(const Call& c, size_t i, uint32_t kind, int64_t* v) {
    Error e = c.want(i, kind);
    if (e.ok()) *v = c.arg(i).i;
    return e;
  }
  Error read(const Call& c, int64_t* v) const { return ReadI64(c, c.key(), type_, v); }
  // Stores v (keeping the key's expiry) and returns it as the result.
  Error store(const Call& c, int64_t v) const {
    Error e = c.write(c.key(), type_, EncodeI64(v), /*keep_ttl=*/true);
    if (e.ok()) result(c, v);
    return e;
  }
  void result(const Call& c, int64_t v) const { c.set(Call::of_i(kind_, v)); }

 private:
  uint32_t type_;
  uint32_t kind_;
};

// Declares an int64-payload type and its commands.
class Int64Type {
 public:
  // Declares type `name` whose arguments and results are values of `kind`
  // (TOWER_VALUE_INT, _DURATION or _TIMESTAMP).
  // `text` renders a value in messages ("5", "5ns").
  Int64Type(DatatypeBuilder& b, const char* name, uint32_t kind, std::string (*text)(int64_t))
      : b_(b), name_(name), codec_(b.type(name, 1), kind), text_(text) {}

  const Int64Codec& codec() const { return codec_; }
  // "<type>.<op>", kept by the builder.
  const char* name(const char* op) { return b_.intern(name_ + "." + op); }

  // KEY X -> f(c, current, x, &out), stored and returned. X is of kind
  // `arg_kind` (default: this type's kind).
  template <class F>
  void binary(const char* op, const char* usage, const char* summary, F f, uint32_t arg_kind = 0) {
    uint32_t k = arg_kind ? arg_kind : codec_.kind();
    b_.command({name(op), usage, summary, kWrite, 2, 2}, [t = codec_, f, k](Call& c) {
      int64_t cur = 0, x = 0;
      Error e = Int64Codec::arg(c, 1, k, &x);
      if (e.ok()) e = t.read(c, &cur);
      if (!e.ok()) return e;
      int64_t out = 0;
      e = f(c, cur, x, &out);
      return e.ok() ? t.store(c, out) : e;
    });
  }
  // KEY -> f(c, current, &out), stored and returned.
  template <class F>
  void unary(const char* op, const char* summary, F f) {
    b_.command({name(op), "KEY", summary, kWrite, 1, 1}, [t = codec_, f](Call& c) {
      int64_t cur = 0;
      Error e = t.read(c, &cur);
      if (!e.ok()) return e;
      int64_t out = 0;
      e = f(c, cur, &out);
      return e.ok() ? t.store(c, out) : e;
    });
  }
  // KEY X -> f(c, current, x) sets the result (or fails); reads only.
  template <class F>
  void query(const char* op, const char* usage, const char* summary, F f) {
    b_.command({name(op), usage, summary, kRead, 2, 2}, [t = codec_, f](Call& c) {
      int64_t x = 0, cur = 0;
      Error e = t.arg(c, 1, &x);
      if (e.ok()) e = t.read(c, &cur);
      return e.ok() ? f(c, cur, x) : e;
    });
  }

  // Words for the shared commands' usage and help texts.
  struct Words {
    const char* value_usage;    // "KEY VALUE:int"
    const char* cas_usage;      // "KEY EXPECTED:int NEW:int"
    const char* compare_usage;  // "KEY X:int"
    const char* what;           // "integer": "returns the integer"
    const char* compare;        // help text of <type>.compare
    const char* greater;        // "greater", "longer", "later"
    const char* less;           // "less", "shorter", "earlier"
  };

  // set, get, compare and the conditional stores (true when they stored).
  void DefineBasics(const Words& w) {
    b_.command({name("set"), w.value_usage, "stores VALUE", kWrite, 2, 2}, [t = codec_](Call& c) {
      int64_t v = 0;
      Error e = t.arg(c, 1, &v);
      if (e.ok()) e = c.write(c.key(), t.type(), EncodeI64(v));
      if (e.ok()) c.set_null();
      return e;
    });
    b_.command({name("get"), "KEY", b_.intern(std::string("returns the ") + w.what), kRead, 1, 1},
               [t = codec_](Call& c) {
                 int64_t v = 0;
                 Error e = t.read(c, &v);
                 if (e.ok()) t.result(c, v);
                 return e;
               });
    query("compare", w.compare_usage, w.compare, [](const Call& c, int64_t cur, int64_t x) {
      c.set_int(Cmp(cur, x));
      return Error::Ok();
    });
    Conditional("set_if_greater", w.value_usage,
                b_.intern(std::string("stores VALUE if it is ") + w.greater + "; true if stored"),
                [](int64_t cur, int64_t v) { return v > cur; });
    Conditional("set_if_less", w.value_usage,
                b_.intern(std::string("stores VALUE if it is ") + w.less + "; true if stored"),
                [](int64_t cur, int64_t v) { return v < cur; });
    Conditional(
        "set_if_equal", w.cas_usage,
        "compare-and-swap: stores NEW if the value is EXPECTED; true if stored",
        [](int64_t cur, int64_t expected) { return cur == expected; }, 3);
  }

  // Checked arithmetic: <type>.add / .sub with an X of the type's own kind,
  // .mul / .div by an int N (div truncates toward zero), .neg, .abs.
  // Overflow leaves the stored value unchanged.
  void DefineArithmetic(const char* x_usage, const char* n_usage) {
    auto text = text_;
    auto overflow = [text](const Call& c, int64_t a, const char* op, const std::string& x) {
      return Overflow(c, c.key(), text(a) + op + x);
    };
    binary("add", x_usage, "adds X; returns the new value",
           [=](const Call& c, int64_t a, int64_t x, int64_t* o) {
             return __builtin_add_overflow(a, x, o) ? overflow(c, a, " + ", text(x)) : Error::Ok();
           });
    binary("sub", x_usage, "subtracts X; returns the new value",
           [=](const Call& c, int64_t a, int64_t x, int64_t* o) {
             return __builtin_sub_overflow(a, x, o) ? overflow(c, a, " - ", text(x)) : Error::Ok();
           });
    binary(
        "mul", n_usage, "multiplies; returns the new value",
        [=](const Call& c, int64_t a, int64_t x, int64_t* o) {
          return __builtin_mul_overflow(a, x, o) ? overflow(c, a, " * ", std::to_string(x))
                                                 : Error::Ok();
        },
        TOWER_VALUE_INT);
    binary(
        "div", n_usage, "divides (truncating toward zero); returns the new value",
        [=](const Call& c, int64_t a, int64_t x, int64_t* o) {
          if (x == 0) return c.invalid("division by zero");
          if (a == kInt64Min && x == -1) return overflow(c, a, " / ", "-1");
          *o = a / x;
          return Error::Ok();
        },
        TOWER_VALUE_INT);
    unary("neg", "negates; returns the new value", [=](const Call& c, int64_t a, int64_t* o) {
      if (a == kInt64Min) return Overflow(c, c.key(), "-(" + text(a) + ")");
      *o = -a;
      return Error::Ok();
    });
    unary("abs", "absolute value; returns it", [=](const Call& c, int64_t a, int64_t* o) {
      if (a == kInt64Min) return Overflow(c, c.key(), "|" + text(a) + "|");
      *o = a < 0 ? -a : a;
      return Error::Ok();
    });
  }

  // <type>.clamp KEY MIN MAX, <type>.min KEY X, <type>.max KEY X.
  void DefineClampMinMax(const char* clamp_usage, const char* x_usage) {
    b_.command(
        {name("clamp"), clamp_usage, "clamps into [MIN, MAX]; returns the new value", kWrite, 3, 3},
        [t = codec_, text = text_](Call& c) {
          int64_t lo = 0, hi = 0, cur = 0;
          Error e = t.arg(c, 1, &lo);
          if (e.ok()) e = t.arg(c, 2, &hi);
          if (!e.ok()) return e;
          if (lo > hi) return c.invalid("MIN " + text(lo) + " > MAX " + text(hi));
          e = t.read(c, &cur);
          return e.ok() ? t.store(c, std::clamp(cur, lo, hi)) : e;
        });
    binary("min", x_usage, "stores min(value, X)",
           [](const Call&, int64_t a, int64_t x, int64_t* o) {
             *o = std::min(a, x);
             return Error::Ok();
           });
    binary("max", x_usage, "stores max(value, X)",
           [](const Call&, int64_t a, int64_t x, int64_t* o) {
             *o = std::max(a, x);
             return Error::Ok();
           });
  }

  // <type>.swap KEY VALUE: stores VALUE, returns the old value.
  void DefineSwap(const char* usage) {
    b_.command({name("swap"), usage, "stores VALUE, returns the old value", kWrite, 2, 2},
               [t = codec_](Call& c) {
                 int64_t v = 0, old = 0;
                 Error e = t.arg(c, 1, &v);
                 if (e.ok()) e = t.read(c, &old);
                 if (e.ok()) e = c.write(c.key(), t.type(), EncodeI64(v), true);
                 if (e.ok()) t.result(c, old);
                 return e;
               });
  }

 private:
  // KEY VALUE (or KEY EXPECTED NEW with args == 3): stores VALUE (NEW) when
  // test(current, VALUE or EXPECTED) holds; returns whether it stored.
  template <class F>
  void Conditional(const char* op, const char* usage, const char* summary, F test, int args = 2) {
    b_.command({name(op), usage, summary, kWrite, args, args}, [t = codec_, test, args](Call& c) {
      int64_t v = 0, next = 0, cur = 0;
      Error e = t.arg(c, 1, &v);
      if (e.ok() && args == 3) e = t.arg(c, 2, &next);
      if (e.ok()) e = t.read(c, &cur);
      if (!e.ok()) return e;
      bool ok = test(cur, v);
      if (ok) e = c.write(c.key(), t.type(), EncodeI64(args == 3 ? next : v), true);
      if (e.ok()) c.set_bool(ok);
      return e;
    });
  }

  DatatypeBuilder& b_;
  std::string name_;
  Int64Codec codec_;
  std::string (*text_)(int64_t);
};

}  // namespace tower::scalars

#endif  // TOWER_DATATYPES_SCALARS_INT64_TYPE_HPP_
