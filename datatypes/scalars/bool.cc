// bool: one payload byte, 0 (false) or 1 (true); any other payload is
// Corruption.
#include "scalars.hpp"

namespace tower::scalars {

namespace {
std::string EncodeBool(bool v) { return std::string(1, v ? '\1' : '\0'); }
}  // namespace

void DefineBool(DatatypeBuilder& b) {
  const uint32_t kType = b.type("bool", 1);
  auto read = [kType](const Call& c, bool* v) {
    std::string p;
    Error e = c.read(c.key(), kType, &p);
    if (!e.ok()) return e;
    if (p.size() != 1 || (p[0] != '\0' && p[0] != '\1')) {
      return Error::Make(
          TOWER_E_CORRUPTION,
          "value of key '" + std::string(c.key()) + "' is corrupt: want 1 byte 0 or 1, found " +
              (p.size() != 1 ? std::to_string(p.size()) + " bytes"
                             : "byte " + std::to_string(static_cast<unsigned char>(p[0]))));
    }
    *v = p[0] == '\1';
    return Error::Ok();
  };
  auto store = [kType](const Call& c, bool v) {
    Error e = c.write(c.key(), kType, EncodeBool(v), /*keep_ttl=*/true);
    if (e.ok()) c.set_bool(v);
    return e;
  };
  // KEY X:bool -> f(current, x) stored and returned.
  auto binary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY X:bool", summary, kWrite, 2, 2}, [read, store, f](Call& c) {
      bool cur = false, x = false;
      Error e = c.get_bool(1, &x);
      if (e.ok()) e = read(c, &cur);
      return e.ok() ? store(c, f(cur, x)) : e;
    });
  };

  b.command({"bool.set", "KEY VALUE:bool", "stores VALUE", kWrite, 2, 2}, [kType](Call& c) {
    bool v = false;
    Error e = c.get_bool(1, &v);
    if (e.ok()) e = c.write(c.key(), kType, EncodeBool(v));
    if (e.ok()) c.set_null();
    return e;
  });
  b.command({"bool.get", "KEY", "returns the boolean", kRead, 1, 1}, [read](Call& c) {
    bool v = false;
    Error e = read(c, &v);
    if (e.ok()) c.set_bool(v);
    return e;
  });
  binary("bool.and", "logical AND with X; stores and returns the result",
         [](bool a, bool x) { return a && x; });
  binary("bool.or", "logical OR with X; stores and returns the result",
         [](bool a, bool x) { return a || x; });
  binary("bool.xor", "logical XOR with X; stores and returns the result",
         [](bool a, bool x) { return a != x; });
  auto negate = [&b, read, store](const char* name, const char* summary) {
    b.command({name, "KEY", summary, kWrite, 1, 1}, [read, store](Call& c) {
      bool cur = false;
      Error e = read(c, &cur);
      return e.ok() ? store(c, !cur) : e;
    });
  };
  negate("bool.not", "logical NOT; stores and returns the result");
  negate("bool.toggle", "flips the value; returns the new value");
  b.command({"bool.equal", "KEY X:bool", "true when the value equals X", kRead, 2, 2},
            [read](Call& c) {
              bool cur = false, x = false;
              Error e = c.get_bool(1, &x);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) c.set_bool(cur == x);
              return e;
            });
  // Conditional stores return true when they stored.
  auto conditional = [&b, kType, read](const char* name, const char* usage, const char* summary,
                                       int args, auto&& test) {
    b.command({name, usage, summary, kWrite, args, args}, [kType, read, test, args](Call& c) {
      bool v = false, ref = false, cur = false;
      Error e = c.get_bool(1, &v);
      if (e.ok() && args == 3) e = c.get_bool(2, &ref);
      if (e.ok()) e = read(c, &cur);
      if (!e.ok()) return e;
      // set_if_equal KEY EXPECTED NEW: compare against EXPECTED, store NEW.
      bool store_v = args == 3 ? ref : v;
      bool ok = test(cur, v);
      if (ok) e = c.write(c.key(), kType, EncodeBool(store_v), true);
      if (e.ok()) c.set_bool(ok);
      return e;
    });
  };
  conditional("bool.set_if_true", "KEY VALUE:bool",
              "stores VALUE if the value is true; true if stored", 2,
              [](bool cur, bool) { return cur; });
  conditional("bool.set_if_false", "KEY VALUE:bool",
              "stores VALUE if the value is false; true if stored", 2,
              [](bool cur, bool) { return !cur; });
  conditional("bool.set_if_equal", "KEY EXPECTED:bool NEW:bool",
              "compare-and-swap: stores NEW if the value is EXPECTED; true if stored", 3,
              [](bool cur, bool expected) { return cur == expected; });
}

}  // namespace tower::scalars
