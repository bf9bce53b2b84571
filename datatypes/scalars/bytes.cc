// What string and binary share: length and slicing of the stored bytes.
#include "scalars.hpp"

namespace tower::scalars {

void DefineLengthAndSlice(DatatypeBuilder& b, uint32_t type, uint32_t kind, const char* length,
                          const char* slice, const char* noun) {
  b.command({length, "KEY", "the length in bytes", kRead, 1, 1}, [type](Call& c) {
    std::string s;
    Error e = c.read(c.key(), type, &s);
    if (e.ok()) c.set_int(static_cast<int64_t>(s.size()));
    return e;
  });
  b.command(
      {slice, "KEY START:int LENGTH:int",
       b.intern(std::string("LENGTH bytes from START (both within the ") + noun + ")"), kRead, 3,
       3},
      [type, kind, noun](Call& c) {
        int64_t start = 0, len = 0;
        Error e = c.get_int(1, &start);
        if (e.ok()) e = c.get_int(2, &len);
        std::string s;
        if (e.ok()) e = c.read(c.key(), type, &s);
        if (!e.ok()) return e;
        int64_t size = static_cast<int64_t>(s.size());
        if (start < 0 || len < 0 || start > size || len > size - start) {
          return c.invalid("range [" + std::to_string(start) + ", +" + std::to_string(len) +
                           ") is outside the " + noun + " of " + std::to_string(size) + " bytes");
        }
        c.set_bytes(
            kind, std::string_view(s).substr(static_cast<size_t>(start), static_cast<size_t>(len)));
        return Error::Ok();
      });
}

}  // namespace tower::scalars
