// Helpers shared by collection data types (header-only): the common
// metadata value "format byte + big-endian uint64 count" that a collection
// without other state keeps beside its items (map, set, roaring), and the
// delete / exists commands every collection has.
#ifndef TOWER_SDK_COLLECTION_HPP_
#define TOWER_SDK_COLLECTION_HPP_

#include <cstdint>
#include <string>
#include <string_view>

#include "tower/sdk/datatype.hpp"
#include "tower/sdk/text.hpp"

namespace tower::sdk {

// The 9-byte metadata: `format`, then `count` big-endian.
inline std::string encode_count_meta(uint8_t format, uint64_t count) {
  std::string s(9, '\0');
  s[0] = static_cast<char>(format);
  for (int i = 0; i < 8; ++i) s[1 + i] = static_cast<char>(count >> (56 - 8 * i));
  return s;
}

// Reads the count metadata of `key` (type index `type`): the kernel's
// NotFound / TypeMismatch, or Corruption naming `noun` and the key when the
// value is not `format` + 8 bytes.
inline Error read_count_meta(const Call& c, std::string_view key, uint32_t type, uint8_t format,
                             const char* noun, uint64_t* count) {
  std::string scratch;
  std::string_view p;
  Error e = c.read_view(key, type, &p, &scratch);
  if (!e.ok()) return e;
  if (p.size() != 9 || static_cast<uint8_t>(p[0]) != format) {
    return Error::Make(TOWER_E_CORRUPTION, std::string(noun) + " " + quote(key) +
                                               " has corrupt metadata (" +
                                               std::to_string(p.size()) + " bytes)");
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(p[1 + i]);
  *count = n;
  return Error::Ok();
}

// The tail of a collection's create command: `existing` is the result of
// reading KEY (its metadata, or any value). NotFound: writes `payload` as
// KEY's value of type index `type` and returns null; OK: AlreadyExists with
// `exists_message`; any other error as it is.
inline Error create_if_absent(const Call& c, const Error& existing, uint32_t type,
                              std::string_view payload, const std::string& exists_message) {
  if (existing.ok()) return Error::Make(TOWER_E_ALREADY_EXISTS, exists_message);
  if (existing.code != TOWER_E_NOT_FOUND) return existing;
  Error e = c.write(c.key(), type, payload);
  if (e.ok()) c.set_null();
  return e;
}

// Registers the collection's delete and exists commands (specs `del` and
// `exists`, one key argument each) over `read_meta(const Call&) -> Error`,
// which reads KEY's metadata and returns the kernel's NotFound or
// TypeMismatch, or Corruption:
//   delete: NotFound or TypeMismatch as read_meta says; otherwise removes
//           the value (its items go with it, in O(1)) and returns true;
//   exists: false when KEY is absent, true when it holds the collection,
//           TypeMismatch when it holds another type.
template <class ReadMeta>
void define_delete_exists(DatatypeBuilder& b, const CommandSpec& del, const CommandSpec& exists,
                          ReadMeta read_meta) {
  b.command(del, [read_meta](Call& c) {
    Error e = read_meta(c);
    if (e.ok()) e = c.remove(c.key());
    if (e.ok()) c.set_bool(true);
    return e;
  });
  b.command(exists, [read_meta](Call& c) {
    Error e = read_meta(c);
    if (e.code == TOWER_E_NOT_FOUND) {
      c.set_bool(false);
      return Error::Ok();
    }
    if (e.ok()) c.set_bool(true);
    return e;
  });
}

}  // namespace tower::sdk

#endif  // TOWER_SDK_COLLECTION_HPP_
