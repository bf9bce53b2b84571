// Base64 (RFC 4648) for plugins and the kernel: the standard alphabet
// (export files) and the URL-safe one (NATS object store names and digests).
// Header-only C++; nothing here crosses the ABI.
#ifndef TOWER_SDK_BASE64_HPP_
#define TOWER_SDK_BASE64_HPP_

#include <cstdint>
#include <string>
#include <string_view>

namespace tower::sdk {

// `in` in base64 with padding; `url` picks the URL-safe alphabet ('-', '_').
inline std::string Base64Encode(std::string_view in, bool url = false) {
  const char* abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(abc[(n >> 18) & 63]);
    out.push_back(abc[(n >> 12) & 63]);
    out.push_back(abc[(n >> 6) & 63]);
    out.push_back(abc[n & 63]);
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t n = byte(i) << 16;
    if (rest == 2) n |= byte(i + 1) << 8;
    out.push_back(abc[(n >> 18) & 63]);
    out.push_back(abc[(n >> 12) & 63]);
    out.push_back(rest == 2 ? abc[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Decodes base64 in either alphabet, padding optional, appending to *out.
// False (with *out partly written) on a character outside both alphabets,
// on padding that is not at the end, or on a length no encoder produces.
inline bool Base64Decode(std::string_view in, std::string* out) {
  size_t pad = 0;
  while (!in.empty() && in.back() == '=' && pad < 2) {
    in.remove_suffix(1);
    ++pad;
  }
  if (in.size() % 4 == 1) return false;
  out->reserve(out->size() + in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      v = 62;
    } else if (c == '_' || c == '/') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace tower::sdk

#endif  // TOWER_SDK_BASE64_HPP_
