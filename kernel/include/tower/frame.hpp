// Value frames: the header every value under the metadata namespace carries
// (see docs/format.md).
//
//   byte 0   type id (0 is never used; 1 = kernel "bytes"; others are assigned
//            per database to data-type plugins and recorded in the manifest)
//   byte 1   encoding version of that type
//   byte 2   flags: bit 0 = has expiry, bit 1 = has items
//   [8]      expiry deadline, milliseconds since the Unix epoch, big-endian
//            (present only when flag bit 0 is set)
//   [8]      items version, big-endian, never 0: the collection's items live
//            under 's' with this version (present only when bit 1 is set)
//   ...      payload, owned by the type
#ifndef TOWER_FRAME_HPP_
#define TOWER_FRAME_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tower/status.hpp"

namespace tower {

inline constexpr uint8_t kTypeBytes = 1;  // the kernel's own raw-bytes type
inline constexpr uint8_t kFrameHasExpiry = 1;
inline constexpr uint8_t kFrameHasItems = 2;

struct FrameView {
  uint8_t type = 0;
  uint8_t encoding = 0;
  std::optional<uint64_t> expiry_ms;
  std::optional<uint64_t> items_version;
  std::string_view payload;
};

// True when the deadline `expiry_ms` (ms since the epoch; nullopt = none)
// has passed at `now_ns`. Safe for any deadline, even one read from an
// untrusted file (no overflow).
inline bool DeadlinePassed(std::optional<uint64_t> expiry_ms, int64_t now_ns) {
  return expiry_ms && now_ns >= 0 && *expiry_ms <= static_cast<uint64_t>(now_ns) / 1000000;
}

// Appends a frame header and payload to *dst.
void EncodeFrame(std::string* dst, uint8_t type, uint8_t encoding,
                 std::optional<uint64_t> expiry_ms, std::string_view payload,
                 std::optional<uint64_t> items_version = std::nullopt);

// Parses `value`; Corruption (naming `key`) when truncated or malformed.
Result<FrameView> DecodeFrame(std::string_view key, std::string_view value);

}  // namespace tower

#endif  // TOWER_FRAME_HPP_
