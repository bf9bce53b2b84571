#include "tower/keys.hpp"

#include <cstring>

#include "tower/sdk/text.hpp"

namespace tower::keys {

void PutBE32(std::string* dst, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (24 - 8 * i));
  dst->append(b, 4);
}

void PutBE64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  dst->append(b, 8);
}

uint32_t GetBE32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t GetBE64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutOrderedInt64(std::string* dst, int64_t v) {
  PutBE64(dst, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
}

int64_t GetOrderedInt64(const char* p) {
  return static_cast<int64_t>(GetBE64(p) ^ (uint64_t{1} << 63));
}

void PutOrderedDouble(std::string* dst, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  // Positive: set the sign bit. Negative: flip every bit.
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  PutBE64(dst, bits);
}

double GetOrderedDouble(const char* p) {
  uint64_t bits = GetBE64(p);
  bits = (bits & (uint64_t{1} << 63)) ? bits & ~(uint64_t{1} << 63) : ~bits;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string Meta(std::string_view user_key) {
  std::string k;
  k.reserve(1 + user_key.size());
  k.push_back(kMeta);
  k.append(user_key);
  return k;
}

std::string Sub(std::string_view user_key, uint64_t version, std::string_view subkey) {
  std::string k;
  k.reserve(13 + user_key.size() + subkey.size());  // one allocation
  k.push_back(kSub);
  PutBE32(&k, static_cast<uint32_t>(user_key.size()));
  k.append(user_key);
  PutBE64(&k, version);
  k.append(subkey);
  return k;
}

std::string SubPrefix(std::string_view user_key, uint64_t version) {
  return Sub(user_key, version, {});
}

std::string Garbage(std::string_view user_key, uint64_t version) {
  std::string k = SubPrefix(user_key, version);
  k[0] = kGarbage;
  return k;
}

bool ParseGarbage(std::string_view key, std::string_view* user_key, uint64_t* version) {
  if (key.size() < 13 || key[0] != kGarbage) return false;
  uint32_t len = GetBE32(key.data() + 1);
  if (key.size() != 13 + static_cast<size_t>(len)) return false;
  *user_key = key.substr(5, len);
  *version = GetBE64(key.data() + 5 + len);
  return true;
}

std::string Expiry(uint64_t deadline_ms, std::string_view user_key) {
  std::string k;
  k.reserve(9 + user_key.size());
  k.push_back(kExpiry);
  PutBE64(&k, deadline_ms);
  k.append(user_key);
  return k;
}

std::string System(std::string_view name) {
  std::string k;
  k.push_back(kSystem);
  k.append(name);
  return k;
}

bool ParseMeta(std::string_view key, std::string_view* user_key) {
  if (key.empty() || key[0] != kMeta) return false;
  *user_key = key.substr(1);
  return true;
}

bool ParseSub(std::string_view key, std::string_view* user_key, uint64_t* version,
              std::string_view* subkey) {
  if (key.size() < 13 || key[0] != kSub) return false;
  uint32_t len = GetBE32(key.data() + 1);
  if (key.size() < 13 + static_cast<size_t>(len)) return false;
  *user_key = key.substr(5, len);
  *version = GetBE64(key.data() + 5 + len);
  *subkey = key.substr(13 + len);
  return true;
}

bool ParseExpiry(std::string_view key, uint64_t* deadline_ms, std::string_view* user_key) {
  if (key.size() < 9 || key[0] != kExpiry) return false;
  *deadline_ms = GetBE64(key.data() + 1);
  *user_key = key.substr(9);
  return true;
}

std::string Quote(std::string_view key) { return sdk::quote(key, 120); }

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto c = static_cast<unsigned char>(end.back());
    if (c != 0xFF) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace tower::keys
