// binary: raw bytes (payload: the bytes). Offsets and lengths are bytes;
// comparisons are bytewise (unsigned).
#include <algorithm>

#include "scalars.hpp"

namespace tower::scalars {

void DefineBinary(DatatypeBuilder& b) {
  const uint32_t kType = b.type("binary", 1);
  auto read = [kType](const Call& c, std::string* s) { return c.read(c.key(), kType, s); };
  auto arg = [](const Call& c, size_t i, std::string_view* out) {
    return c.get_bytes(i, TOWER_VALUE_BINARY, out);
  };
  // Read-modify-write: f(current, x) -> new bytes; stored and returned.
  auto update = [&b, kType, read, arg](const char* name, const char* usage, const char* summary,
                                       int nargs, auto&& f) {
    b.command({name, usage, summary, kWrite, nargs, nargs}, [kType, read, arg, f, nargs](Call& c) {
      std::string_view x;
      Error e = nargs > 1 ? arg(c, 1, &x) : Error::Ok();
      std::string s;
      if (e.ok()) e = read(c, &s);
      if (!e.ok()) return e;
      std::string n;
      e = f(c, s, x, &n);
      if (e.ok()) e = c.write(c.key(), kType, n, /*keep_ttl=*/true);
      if (e.ok()) c.set_bytes(TOWER_VALUE_BINARY, n);
      return e;
    });
  };
  // KEY B -> f(current, b) as the result.
  auto query = [&b, read, arg](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY B:binary", summary, kRead, 2, 2}, [read, arg, f](Call& c) {
      std::string_view x;
      Error e = arg(c, 1, &x);
      std::string s;
      if (e.ok()) e = read(c, &s);
      if (e.ok()) f(c, std::string_view(s), x);
      return e;
    });
  };

  b.command({"binary.set", "KEY B:binary", "stores B", kWrite, 2, 2}, [kType, arg](Call& c) {
    std::string_view v;
    Error e = arg(c, 1, &v);
    if (e.ok()) e = c.write(c.key(), kType, v);
    if (e.ok()) c.set_null();
    return e;
  });
  b.command({"binary.get", "KEY", "returns the bytes", kRead, 1, 1}, [kType](Call& c) {
    std::string scratch;
    std::string_view v;
    Error e = c.read_view(c.key(), kType, &v, &scratch);
    if (e.ok()) c.set_bytes(TOWER_VALUE_BINARY, v);
    return e;
  });
  update("binary.append", "KEY B:binary", "appends B, returns the new bytes", 2,
         [](const Call&, const std::string& s, std::string_view x, std::string* n) {
           *n = s;
           n->append(x);
           return Error::Ok();
         });
  update("binary.prepend", "KEY B:binary", "prepends B, returns the new bytes", 2,
         [](const Call&, const std::string& s, std::string_view x, std::string* n) {
           *n = std::string(x) + s;
           return Error::Ok();
         });
  update("binary.reverse", "KEY", "reverses the bytes, returns them", 1,
         [](const Call&, const std::string& s, std::string_view, std::string* n) {
           n->assign(s.rbegin(), s.rend());
           return Error::Ok();
         });
  auto bitwise = [update](const char* name, const char* summary, auto&& op) {
    update(name, "KEY B:binary", summary, 2,
           [op](const Call& c, const std::string& s, std::string_view x, std::string* n) {
             if (s.size() != x.size()) {
               return c.invalid("operands differ in length: the value has " +
                                std::to_string(s.size()) + " bytes, B has " +
                                std::to_string(x.size()));
             }
             n->resize(s.size());
             for (size_t i = 0; i < s.size(); ++i) {
               (*n)[i] = static_cast<char>(
                   op(static_cast<unsigned char>(s[i]), static_cast<unsigned char>(x[i])));
             }
             return Error::Ok();
           });
  };
  bitwise("binary.and", "bitwise AND with B (same length); returns the new bytes",
          [](unsigned a, unsigned x) { return a & x; });
  bitwise("binary.or", "bitwise OR with B (same length); returns the new bytes",
          [](unsigned a, unsigned x) { return a | x; });
  bitwise("binary.xor", "bitwise XOR with B (same length); returns the new bytes",
          [](unsigned a, unsigned x) { return a ^ x; });

  DefineLengthAndSlice(b, kType, TOWER_VALUE_BINARY, "binary.length", "binary.slice", "value");
  query("binary.equal", "true when the bytes equal B",
        [](const Call& c, std::string_view s, std::string_view x) { c.set_bool(s == x); });
  query("binary.compare", "-1, 0 or 1 as the bytes sort before, equal to or after B (bytewise)",
        [](const Call& c, std::string_view s, std::string_view x) {
          // std::string_view compares char_traits<char>, which is unsigned.
          c.set_int(Cmp(s, x));
        });
  query("binary.contains", "true when the bytes contain B",
        [](const Call& c, std::string_view s, std::string_view x) {
          c.set_bool(s.find(x) != s.npos);
        });
  query("binary.index_of", "the offset of the first B, or -1",
        [](const Call& c, std::string_view s, std::string_view x) {
          size_t p = s.find(x);
          c.set_int(p == s.npos ? -1 : static_cast<int64_t>(p));
        });
}

}  // namespace tower::scalars
