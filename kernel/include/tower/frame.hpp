// Value frames: the header every value under the metadata namespace carries
// (see docs/format.md).
//
//   byte 0   type id (0 is never used; 1 = kernel "bytes"; others are assigned
//            per database to data-type plugins and recorded in the manifest)
//   byte 1   encoding version of that type
//   byte 2   flags: bit 0 = has expiry
//   [8]      expiry deadline, milliseconds since the Unix epoch, big-endian
//            (present only when flag bit 0 is set)
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

struct FrameView {
  uint8_t type = 0;
  uint8_t encoding = 0;
  std::optional<uint64_t> expiry_ms;
  std::string_view payload;
};

// Appends a frame header and payload to *dst.
void EncodeFrame(std::string* dst, uint8_t type, uint8_t encoding,
                 std::optional<uint64_t> expiry_ms, std::string_view payload);

// Parses `value`; Corruption (naming `key`) when truncated or malformed.
Result<FrameView> DecodeFrame(std::string_view key, std::string_view value);

}  // namespace tower

#endif  // TOWER_FRAME_HPP_
