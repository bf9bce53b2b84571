// C++ helpers for crypto-provider plugins (header-only): error reporting,
// AEAD argument checking, secure wiping, constant-time comparison,
// "name=value,..." parameter parsing, and TOWER_CRYPTO_PLUGIN, which exports
// a provider's table.
//
//   static const tower_aead_def kAeads[] = {...};
//   static const tower_crypto_api kApi = {sizeof(tower_crypto_api), 0, std::size(kAeads), kAeads,
//                                         0, nullptr, 0, nullptr, 0, nullptr, &RandomBytes};
//   TOWER_CRYPTO_PLUGIN("openssl", "1.0.0", "AES-GCM, ... on OpenSSL 3", kApi)
#ifndef TOWER_SDK_CRYPTO_HPP_
#define TOWER_SDK_CRYPTO_HPP_

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tower/sdk/crypto.h"

namespace tower::sdk {

// Writes `message` to `err` (if any) and returns `code`.
inline int32_t crypto_fail(tower_sink* err, int32_t code, std::string_view message) {
  if (err != nullptr) err->set(err->ctx, message.data(), message.size());
  return code;
}

// Checks the arguments of a seal (opening = false) or open (opening = true)
// call of the AEAD `d` against its definition, so that providers accept and
// refuse exactly what crypto.h promises. In this order:
//  - open: the ciphertext (`in`) has at least d.tag_size bytes;
//  - the plaintext (in_len when sealing, in_len - tag_size when opening) has
//    at most `max_plaintext` bytes (the cipher's limit; pass UINT64_MAX for
//    none), and a sealed output length never overflows size_t;
//  - key_len == d.key_size and d.nonce_min <= nonce_len <= d.nonce_max;
//  - key and nonce are not null, nor are `ad` and `in` when their lengths
//    are non-zero, nor `out` unless nothing is to be written (opening an
//    empty plaintext).
// Returns TOWER_OK, else TOWER_E_INVALID_ARGUMENT with a message on `err`
// that names the algorithm, the parameter and the offending length, e.g.
// "aes-256-gcm: nonce must be 1..128 bytes, got 0". Overlap between `out`
// and the inputs is not checked here.
inline int32_t check_aead_args(const tower_aead_def& d, bool opening, const void* key,
                               size_t key_len, const void* nonce, size_t nonce_len, const void* ad,
                               size_t ad_len, const void* in, size_t in_len, const void* out,
                               uint64_t max_plaintext, tower_sink* err) {
  using std::to_string;
  auto fail = [&](const std::string& what) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, std::string(d.name) + ": " + what);
  };
  const char* const in_name = opening ? "ciphertext" : "plaintext";
  size_t out_len = 0;
  if (opening) {
    if (in_len < d.tag_size) {
      return fail("ciphertext of " + to_string(in_len) + " bytes is shorter than the " +
                  to_string(d.tag_size) + "-byte tag");
    }
    out_len = in_len - d.tag_size;
    if (out_len > max_plaintext) {
      const uint64_t most = max_plaintext + d.tag_size;  // < in_len: no overflow
      return fail("ciphertext of " + to_string(in_len) + " bytes exceeds the limit of " +
                  to_string(most) + " bytes");
    }
  } else {
    const uint64_t most =
        std::min<uint64_t>(max_plaintext, std::numeric_limits<size_t>::max() - d.tag_size);
    if (in_len > most) {
      return fail("plaintext of " + to_string(in_len) + " bytes exceeds the limit of " +
                  to_string(most) + " bytes");
    }
    out_len = in_len + d.tag_size;
  }
  if (key_len != d.key_size || key == nullptr) {
    return fail("key must be " + to_string(d.key_size) + " bytes, got " + to_string(key_len) +
                (key == nullptr ? " (null pointer)" : ""));
  }
  if (nonce_len < d.nonce_min || nonce_len > d.nonce_max || nonce == nullptr) {
    const std::string want = d.nonce_min == d.nonce_max
                                 ? to_string(d.nonce_min)
                                 : to_string(d.nonce_min) + ".." + to_string(d.nonce_max);
    return fail("nonce must be " + want + " bytes, got " + to_string(nonce_len) +
                (nonce == nullptr ? " (null pointer)" : ""));
  }
  if (ad == nullptr && ad_len != 0) {
    return fail("associated data is a null pointer with length " + to_string(ad_len));
  }
  if (in == nullptr && in_len != 0) {
    return fail(std::string(in_name) + " is a null pointer with length " + to_string(in_len));
  }
  if (out == nullptr && out_len != 0) {
    return fail("output is a null pointer but " + to_string(out_len) + " bytes are to be written");
  }
  return TOWER_OK;
}

// Overwrites n bytes in a way the compiler may not elide.
inline void wipe(void* p, size_t n) {
  if (n == 0) return;
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

// A std::string that wipes itself when it dies or is cleared.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view s) : s_(s) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { clear(); }
  void clear() {
    wipe(s_.data(), s_.size());
    s_.clear();
  }
  std::string& str() { return s_; }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Constant-time equality of two byte ranges (the lengths are not secret).
inline bool constant_time_equal(const void* a, size_t a_len, const void* b, size_t b_len) {
  if (a_len != b_len) return false;
  const auto* x = static_cast<const volatile uint8_t*>(a);
  const auto* y = static_cast<const volatile uint8_t*>(b);
  uint8_t d = 0;
  for (size_t i = 0; i < a_len; ++i) d |= static_cast<uint8_t>(x[i] ^ y[i]);
  return d == 0;
}

// Parsed "name=value,name=value" parameters, in order.
struct CryptoParams {
  std::vector<std::pair<std::string, std::string>> items;

  // Parses `text`; names must appear in `allowed` (comma-separated). On a
  // malformed item or unknown name returns false with *why set.
  static bool parse(std::string_view text, std::string_view allowed, CryptoParams* out,
                    std::string* why) {
    out->items.clear();
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find(',', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view item = text.substr(pos, end - pos);
      pos = end + 1;
      if (item.empty()) continue;
      size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        *why = "parameter '" + std::string(item) + "' is not name=value";
        return false;
      }
      std::string name(item.substr(0, eq));
      bool known = false;
      size_t a = 0;
      while (a <= allowed.size()) {
        size_t b = allowed.find(',', a);
        if (b == std::string_view::npos) b = allowed.size();
        known = known || allowed.substr(a, b - a) == name;
        a = b + 1;
      }
      if (!known) {
        *why =
            "unknown parameter '" + name + "' (this algorithm takes " + std::string(allowed) + ")";
        return false;
      }
      out->items.emplace_back(std::move(name), std::string(item.substr(eq + 1)));
    }
    return true;
  }

  // Looks up an unsigned integer parameter within [lo, hi]; keeps *value
  // (the default) when absent. False with *why on a bad value.
  bool get_u64(std::string_view name, uint64_t lo, uint64_t hi, uint64_t* value,
               std::string* why) const {
    for (const auto& [n, v] : items) {
      if (n != name) continue;
      uint64_t x = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
        *why = "parameter " + n + "=" + v + " is not an integer in " + std::to_string(lo) + ".." +
               std::to_string(hi);
        return false;
      }
      *value = x;
    }
    return true;
  }
};

}  // namespace tower::sdk

// Exports a crypto provider whose table is the tower_crypto_api `API`.
#define TOWER_CRYPTO_PLUGIN(NAME, VERSION, DESCRIPTION, API)                        \
  extern "C" TOWER_PLUGIN_EXPORT const tower_plugin_descriptor* tower_plugin_entry( \
      const tower_host_api*) {                                                      \
    static const tower_plugin_descriptor d = [] {                                   \
      tower_plugin_descriptor x{};                                                  \
      x.abi_major = TOWER_ABI_MAJOR;                                                \
      x.abi_minor = TOWER_ABI_MINOR;                                                \
      x.struct_size = sizeof(tower_plugin_descriptor);                              \
      x.min_host_minor = 2; /* the crypto kind arrived in ABI 1.2 */                \
      x.kind = TOWER_KIND_CRYPTO;                                                   \
      x.name = NAME;                                                                \
      x.version = VERSION;                                                          \
      x.description = DESCRIPTION;                                                  \
      x.crypto = &(API);                                                            \
      return x;                                                                     \
    }();                                                                            \
    return &d;                                                                      \
  }

#endif  // TOWER_SDK_CRYPTO_HPP_
