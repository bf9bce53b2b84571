// Self-describing bytes for tower_value (header-only), for plugins that
// store "any primitive" elements: list items, map fields and values, set
// members. One type byte, then the value:
//
//   NULL                    (nothing)
//   STRING, BINARY, UUID    the bytes
//   INT, TIMESTAMP,         be64 of the value with its sign bit flipped, so
//   DURATION                that the encodings of one type sort numerically
//   BOOL                    one byte, 0 or 1
//   FLOAT                   be64 of the IEEE-754 bits, order-preserving
//                           (negatives flipped), -0.0 and NaN kept exactly
//   BIGINT                  the tower_value bytes (sign byte + magnitude)
//   DECIMAL                 be32 scale (sign flipped), then the BIGINT bytes
//   TIME                    be64 seconds (sign flipped), be32 nanos,
//                           be32 offset (sign flipped)
//
// Two values encode equally exactly when they have the same type and value,
// so the encoding can serve as a map field or set member key: int 42 and
// string "42" differ. Decoding checks lengths and types and never reads out
// of bounds; a bad encoding is TOWER_E_CORRUPTION.
#ifndef TOWER_SDK_VALUE_CODEC_HPP_
#define TOWER_SDK_VALUE_CODEC_HPP_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tower/sdk/datatype.hpp"

namespace tower::sdk {

namespace codec_detail {
inline void put64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
inline void put32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
inline uint64_t get64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint32_t get32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
constexpr uint64_t kSign64 = uint64_t{1} << 63;
constexpr uint32_t kSign32 = uint32_t{1} << 31;
}  // namespace codec_detail

// Appends the encoding of `v` to *out. INVALID_ARGUMENT for ARRAY (not a
// primitive) or an unknown type.
inline Error encode_value(const tower_value& v, std::string* out) {
  using namespace codec_detail;
  out->push_back(static_cast<char>(v.type));
  switch (v.type) {
    case TOWER_VALUE_NULL: return Error::Ok();
    case TOWER_VALUE_STRING:
    case TOWER_VALUE_BINARY:
    case TOWER_VALUE_UUID:
    case TOWER_VALUE_BIGINT: out->append(view(v.bytes)); return Error::Ok();
    case TOWER_VALUE_INT:
    case TOWER_VALUE_TIMESTAMP:
    case TOWER_VALUE_DURATION: put64(out, static_cast<uint64_t>(v.i) ^ kSign64); return Error::Ok();
    case TOWER_VALUE_BOOL: out->push_back(v.i != 0 ? 1 : 0); return Error::Ok();
    case TOWER_VALUE_FLOAT: {
      uint64_t bits;
      std::memcpy(&bits, &v.f, 8);
      put64(out, (bits & kSign64) ? ~bits : bits | kSign64);
      return Error::Ok();
    }
    case TOWER_VALUE_DECIMAL:
      put32(out, static_cast<uint32_t>(v.aux) ^ kSign32);
      out->append(view(v.bytes));
      return Error::Ok();
    case TOWER_VALUE_TIME:
      put64(out, static_cast<uint64_t>(v.i) ^ kSign64);
      put32(out, v.nanos);
      put32(out, static_cast<uint32_t>(v.aux) ^ kSign32);
      return Error::Ok();
    default:
      out->pop_back();
      return Error::Make(TOWER_E_INVALID_ARGUMENT,
                         std::string("a ") + value_type_name(v.type) +
                             " cannot be stored as an element (primitives only)");
  }
}

// Decodes `in` into *v, whose bytes point into `in` (keep it alive).
inline Error decode_value(std::string_view in, tower_value* v) {
  using namespace codec_detail;
  auto bad = [&](const char* why) {
    return Error::Make(TOWER_E_CORRUPTION, std::string("stored element is corrupt: ") + why);
  };
  if (in.empty()) return bad("empty");
  *v = tower_value{};
  v->type = static_cast<uint8_t>(in[0]);
  std::string_view p = in.substr(1);
  auto fixed = [&](size_t n) { return p.size() == n; };
  switch (v->type) {
    case TOWER_VALUE_NULL: return p.empty() ? Error::Ok() : bad("trailing bytes after null");
    case TOWER_VALUE_UUID:
      if (!fixed(16)) return bad("uuid is not 16 bytes");
      [[fallthrough]];
    case TOWER_VALUE_STRING:
    case TOWER_VALUE_BINARY: v->bytes = slice(p); return Error::Ok();
    case TOWER_VALUE_BIGINT:
      if (p.empty() || static_cast<unsigned char>(p[0]) > 1) return bad("bad bigint sign byte");
      v->bytes = slice(p);
      return Error::Ok();
    case TOWER_VALUE_INT:
    case TOWER_VALUE_TIMESTAMP:
    case TOWER_VALUE_DURATION:
      if (!fixed(8)) return bad("integer is not 8 bytes");
      v->i = static_cast<int64_t>(get64(p.data()) ^ kSign64);
      return Error::Ok();
    case TOWER_VALUE_BOOL:
      if (!fixed(1) || static_cast<unsigned char>(p[0]) > 1) return bad("bad bool");
      v->i = p[0];
      return Error::Ok();
    case TOWER_VALUE_FLOAT: {
      if (!fixed(8)) return bad("float is not 8 bytes");
      uint64_t e = get64(p.data());
      uint64_t bits = (e & kSign64) ? e & ~kSign64 : ~e;
      std::memcpy(&v->f, &bits, 8);
      return Error::Ok();
    }
    case TOWER_VALUE_DECIMAL:
      if (p.size() < 5 || static_cast<unsigned char>(p[4]) > 1) return bad("bad decimal");
      v->aux = static_cast<int32_t>(get32(p.data()) ^ kSign32);
      v->bytes = slice(p.substr(4));
      return Error::Ok();
    case TOWER_VALUE_TIME:
      if (!fixed(16)) return bad("time is not 16 bytes");
      v->i = static_cast<int64_t>(get64(p.data()) ^ kSign64);
      v->nanos = get32(p.data() + 8);
      v->aux = static_cast<int32_t>(get32(p.data() + 12) ^ kSign32);
      if (v->nanos > 999999999) return bad("time nanoseconds out of range");
      return Error::Ok();
    default: return bad("unknown type byte");
  }
}

}  // namespace tower::sdk

#endif  // TOWER_SDK_VALUE_CODEC_HPP_
