// Shared pieces of the "scalars" data-type plugin.
//
// Each value type lives in its own file with a Define<Type>() function that
// declares the type and its commands; scalars.cc calls them all. Payload
// encodings (docs/format.md, "Scalar payloads") are fixed-width big-endian
// for numbers so that they are easy to check for corruption.
#ifndef TOWER_DATATYPES_SCALARS_HPP_
#define TOWER_DATATYPES_SCALARS_HPP_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tower/sdk/datatype.hpp"
#include "tower/sdk/text.hpp"

namespace tower::scalars {

using sdk::Call;
using sdk::CommandSpec;
using sdk::DatatypeBuilder;
using sdk::Error;

inline constexpr uint32_t kRead = TOWER_CMD_READ_ONLY;
inline constexpr uint32_t kWrite = TOWER_CMD_WRITE;

inline std::string EncodeU64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}
inline uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
inline std::string EncodeI64(int64_t v) { return EncodeU64(static_cast<uint64_t>(v)); }

// Reads an int64-payload value (int, duration, timestamp) of type index
// `type`; Corruption when the payload is not 8 bytes.
inline Error ReadI64(const Call& c, std::string_view key, uint32_t type, int64_t* out) {
  std::string p;
  Error e = c.read(key, type, &p);
  if (!e.ok()) return e;
  if (p.size() != 8) {
    return Error::Make(TOWER_E_CORRUPTION, "value of key '" + std::string(key) +
                                               "' is corrupt: want 8 bytes, found " +
                                               std::to_string(p.size()));
  }
  *out = static_cast<int64_t>(DecodeU64(p));
  return Error::Ok();
}

inline Error Overflow(const Call& c, std::string_view key, const std::string& what) {
  return Error::Make(TOWER_E_OVERFLOW, std::string(c.name()) + ": " + what +
                                           " overflows int64 (key '" + std::string(key) +
                                           "'; the stored value is unchanged)");
}

// Three-way comparison as an int result (-1, 0, 1).
template <class T>
int64_t Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Commands string and binary share: "<length>" (bytes) and "<slice>" KEY
// START LENGTH (bytes, within the value) for the type index `type`, whose
// results are of value kind `kind`; `noun` names the value in messages.
void DefineLengthAndSlice(DatatypeBuilder& b, uint32_t type, uint32_t kind, const char* length,
                          const char* slice, const char* noun);

void DefineString(DatatypeBuilder& b);
void DefineInt(DatatypeBuilder& b);
void DefineFloat(DatatypeBuilder& b);
void DefineBool(DatatypeBuilder& b);
void DefineDuration(DatatypeBuilder& b);
void DefineTimestamp(DatatypeBuilder& b);
void DefineTime(DatatypeBuilder& b);
void DefineUuid(DatatypeBuilder& b);
void DefineBinary(DatatypeBuilder& b);
void DefineBigInt(DatatypeBuilder& b);
void DefineDecimal(DatatypeBuilder& b);

}  // namespace tower::scalars

#endif  // TOWER_DATATYPES_SCALARS_HPP_
