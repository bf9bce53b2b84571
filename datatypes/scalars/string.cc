// string: UTF-8 text (stored as its bytes; lengths and offsets are bytes).
#include <algorithm>
#include <cctype>

#include "scalars.hpp"

namespace tower::scalars {

void DefineString(DatatypeBuilder& b) {
  const uint32_t kType = b.type("string", 1);
  auto read = [kType](const Call& c, std::string* s) { return c.read(c.key(), kType, s); };
  auto arg = [](const Call& c, size_t i, std::string_view* out) {
    return c.get_bytes(i, TOWER_VALUE_STRING, out);
  };
  // Read-modify-write helper: f(current) -> new value; stores and returns it.
  auto update = [kType, read](const Call& c, auto&& f) -> Error {
    std::string s;
    Error e = read(c, &s);
    if (!e.ok()) return e;
    std::string n;
    e = f(s, &n);
    if (!e.ok()) return e;
    e = c.write(c.key(), kType, n, /*keep_ttl=*/true);
    if (e.ok()) c.set_string(n);
    return e;
  };

  b.command({"string.set", "KEY VALUE:string", "stores VALUE", kWrite, 2, 2},
            [kType, arg](Call& c) {
              std::string_view v;
              Error e = arg(c, 1, &v);
              if (!e.ok()) return e;
              e = c.write(c.key(), kType, v);
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"string.get", "KEY", "returns the string", kRead, 1, 1}, [kType](Call& c) {
    std::string scratch;
    std::string_view v;
    Error e = c.read_view(c.key(), kType, &v, &scratch);
    if (e.ok()) c.set_string(v);
    return e;
  });
  b.command({"string.append", "KEY SUFFIX:string", "appends SUFFIX, returns the new string", kWrite,
             2, 2},
            [arg, update](Call& c) {
              std::string_view x;
              Error e = arg(c, 1, &x);
              if (!e.ok()) return e;
              return update(c, [&](const std::string& s, std::string* n) {
                *n = s + std::string(x);
                return Error::Ok();
              });
            });
  b.command({"string.prepend", "KEY PREFIX:string", "prepends PREFIX, returns the new string",
             kWrite, 2, 2},
            [arg, update](Call& c) {
              std::string_view x;
              Error e = arg(c, 1, &x);
              if (!e.ok()) return e;
              return update(c, [&](const std::string& s, std::string* n) {
                *n = std::string(x) + s;
                return Error::Ok();
              });
            });
  b.command({"string.replace", "KEY OLD:string NEW:string",
             "replaces every OLD with NEW, returns the new string", kWrite, 3, 3},
            [arg, update](Call& c) {
              std::string_view from, to;
              Error e = arg(c, 1, &from);
              if (e.ok()) e = arg(c, 2, &to);
              if (!e.ok()) return e;
              if (from.empty()) return c.invalid("OLD must not be empty");
              return update(c, [&](const std::string& s, std::string* n) {
                for (size_t pos = 0;;) {
                  size_t hit = s.find(from, pos);
                  n->append(s, pos, hit == std::string::npos ? std::string::npos : hit - pos);
                  if (hit == std::string::npos) break;
                  n->append(to);
                  pos = hit + from.size();
                }
                return Error::Ok();
              });
            });
  auto predicate = [&b, read, arg](const char* name, const char* summary, auto&& test) {
    b.command({name, "KEY OTHER:string", summary, kRead, 2, 2}, [read, arg, test](Call& c) {
      std::string_view x;
      Error e = arg(c, 1, &x);
      std::string s;
      if (e.ok()) e = read(c, &s);
      if (e.ok()) c.set_bool(test(std::string_view(s), x));
      return e;
    });
  };
  predicate("string.contains", "true when the string contains OTHER",
            [](std::string_view s, std::string_view x) { return s.find(x) != s.npos; });
  predicate("string.starts_with", "true when the string starts with OTHER",
            [](std::string_view s, std::string_view x) { return s.starts_with(x); });
  predicate("string.ends_with", "true when the string ends with OTHER",
            [](std::string_view s, std::string_view x) { return s.ends_with(x); });
  predicate("string.equal", "true when the string equals OTHER",
            [](std::string_view s, std::string_view x) { return s == x; });
  b.command(
      {"string.compare", "KEY OTHER:string",
       "-1, 0 or 1 as the string sorts before, equal to or after OTHER (bytewise)", kRead, 2, 2},
      [read, arg](Call& c) {
        std::string_view x;
        Error e = arg(c, 1, &x);
        std::string s;
        if (e.ok()) e = read(c, &s);
        if (e.ok()) c.set_int(Cmp(std::string_view(s), x));
        return e;
      });
  DefineLengthAndSlice(b, kType, TOWER_VALUE_STRING, "string.length", "string.substring", "string");
  auto casing = [&b, update](const char* name, const char* summary, int (*f)(int)) {
    b.command({name, "KEY", summary, kWrite, 1, 1}, [update, f](Call& c) {
      return update(c, [&](const std::string& s, std::string* n) {
        *n = s;  // ASCII letters only; other bytes (UTF-8 sequences) are kept
        for (char& ch : *n) ch = static_cast<char>(f(static_cast<unsigned char>(ch)));
        return Error::Ok();
      });
    });
  };
  casing("string.upper", "upper-cases ASCII letters, stores and returns the result", &toupper);
  casing("string.lower", "lower-cases ASCII letters, stores and returns the result", &tolower);
}

}  // namespace tower::scalars
