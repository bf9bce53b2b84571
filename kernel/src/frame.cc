#include "tower/frame.hpp"

#include "tower/keys.hpp"

namespace tower {

void EncodeFrame(std::string* dst, uint8_t type, uint8_t encoding,
                 std::optional<uint64_t> expiry_ms, std::string_view payload) {
  dst->reserve(dst->size() + 11 + payload.size());
  dst->push_back(static_cast<char>(type));
  dst->push_back(static_cast<char>(encoding));
  dst->push_back(static_cast<char>(expiry_ms ? kFrameHasExpiry : 0));
  if (expiry_ms) keys::PutBE64(dst, *expiry_ms);
  dst->append(payload);
}

Result<FrameView> DecodeFrame(std::string_view key, std::string_view value) {
  auto corrupt = [&](const char* why) {
    return Status::Corruption("value of key " + keys::Quote(key) + " is corrupt: " + why);
  };
  if (value.size() < 3) return corrupt("shorter than a frame header");
  FrameView f;
  f.type = static_cast<uint8_t>(value[0]);
  f.encoding = static_cast<uint8_t>(value[1]);
  uint8_t flags = static_cast<uint8_t>(value[2]);
  if (f.type == 0) return corrupt("type id 0");
  if (flags & ~kFrameHasExpiry) return corrupt("unknown frame flags");
  size_t off = 3;
  if (flags & kFrameHasExpiry) {
    if (value.size() < 11) return corrupt("truncated expiry");
    f.expiry_ms = keys::GetBE64(value.data() + 3);
    off = 11;
  }
  f.payload = value.substr(off);
  return f;
}

}  // namespace tower
