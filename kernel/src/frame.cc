#include "tower/frame.hpp"

#include "tower/keys.hpp"

namespace tower {

void EncodeFrame(std::string* dst, uint8_t type, uint8_t encoding,
                 std::optional<uint64_t> expiry_ms, std::string_view payload,
                 std::optional<uint64_t> items_version) {
  dst->reserve(dst->size() + 19 + payload.size());
  dst->push_back(static_cast<char>(type));
  dst->push_back(static_cast<char>(encoding));
  dst->push_back(
      static_cast<char>((expiry_ms ? kFrameHasExpiry : 0) | (items_version ? kFrameHasItems : 0)));
  if (expiry_ms) keys::PutBE64(dst, *expiry_ms);
  if (items_version) keys::PutBE64(dst, *items_version);
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
  if (flags & ~(kFrameHasExpiry | kFrameHasItems)) return corrupt("unknown frame flags");
  size_t off = 3;
  if (flags & kFrameHasExpiry) {
    if (value.size() < off + 8) return corrupt("truncated expiry");
    f.expiry_ms = keys::GetBE64(value.data() + off);
    off += 8;
  }
  if (flags & kFrameHasItems) {
    if (value.size() < off + 8) return corrupt("truncated items version");
    f.items_version = keys::GetBE64(value.data() + off);
    if (*f.items_version == 0) return corrupt("items version 0");
    off += 8;
  }
  f.payload = value.substr(off);
  return f;
}

}  // namespace tower
