// Helpers shared by the crypto-provider tests and the crypto conformance
// suite: byte buffers and their hex form, a tower_sink that captures a
// provider's error message, and call wrappers around tower_aead_def (seal,
// open, the known-answer and tamper checks), tower_password_def (hash,
// verify, needs_rehash), tower_hash_def and tower_kdf_def. The wrappers put
// guard bytes behind every output buffer and record a failure when a
// provider writes past the length the ABI gives it.
#ifndef TOWER_TESTS_CRYPTO_CRYPTO_CALLS_HPP_
#define TOWER_TESTS_CRYPTO_CRYPTO_CALLS_HPP_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/crypto.h"

namespace tower::test {

// A byte buffer.
using Bytes = std::vector<uint8_t>;

// Lower-case hex, for readable failure messages.
inline std::string ToHex(const Bytes& b) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}

// True when every byte of `b` is zero (or `b` is empty).
inline bool AllZero(const Bytes& b) {
  for (uint8_t c : b) {
    if (c != 0) return false;
  }
  return true;
}

// A pointer for `b`'s bytes: null for an empty buffer, as a caller of the
// ABI may pass.
inline const uint8_t* Ptr(const Bytes& b) { return b.empty() ? nullptr : b.data(); }

// `n` reproducible pseudo-random bytes (a 32-bit xorshift from `seed`):
// test keys, nonces and messages that differ per seed.
inline Bytes Pattern(size_t n, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 0x9E3779B9u;
  Bytes b(n);
  for (auto& c : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

// Guard bytes put behind every output buffer the call wrappers hand out.
inline constexpr size_t kGuardBytes = 16;
inline constexpr uint8_t kGuardByte = 0x5C;

// Makes *buf `n` bytes of `fill` followed by the guard bytes.
inline void GuardedBuffer(Bytes* buf, size_t n, uint8_t fill) {
  buf->assign(n + kGuardBytes, kGuardByte);
  std::fill(buf->begin(), buf->begin() + static_cast<std::ptrdiff_t>(n), fill);
}

// Records a failure when a call (`what`) changed the guard bytes behind the
// first `n` bytes of *buf, then drops them.
inline void CheckGuard(Bytes* buf, size_t n, std::string_view what) {
  bool intact = buf->size() == n + kGuardBytes;
  for (size_t i = n; intact && i < buf->size(); ++i) intact = (*buf)[i] == kGuardByte;
  EXPECT_TRUE(intact) << what << " wrote past the end of its " << n << "-byte output";
  buf->resize(n);
}

// The standard base64 alphabet ("+/"); bcrypt uses its own ("./A-Za-z0-9").
inline constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decodes unpadded base64 over `alphabet` (test-side, independent of the
// plugins); records a failure and returns {} on a character outside it.
inline Bytes DecodeBase64(std::string_view s, std::string_view alphabet = kBase64Alphabet) {
  Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    const size_t v = alphabet.find(c);
    if (v == std::string_view::npos) {
      ADD_FAILURE() << "not base64: " << s;
      return {};
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

// A tower_sink that keeps the last message a provider writes to it.
struct ErrSink {
  ErrSink() = default;
  ErrSink(const ErrSink&) = delete;
  ErrSink& operator=(const ErrSink&) = delete;

  // Clears the message and returns the sink to hand to a provider.
  tower_sink* get() {
    msg.clear();
    return &sink;
  }

  std::string msg;
  tower_sink sink{this, [](void* ctx, const char* d, size_t n) {
                    static_cast<ErrSink*>(ctx)->msg.assign(d, n);
                  }};
};

// ---- tower_aead_def ----

// Seals `pt` with `d` into *out (pt.size() + tag_size bytes); stores the
// error message in *err when given. Returns the provider's status.
inline int32_t Seal(const tower_aead_def* d, const Bytes& key, const Bytes& nonce, const Bytes& ad,
                    const Bytes& pt, Bytes* out, std::string* err = nullptr) {
  ErrSink e;
  const size_t n = pt.size() + d->tag_size;
  GuardedBuffer(out, n, 0xA5);
  const int32_t rc = d->seal(d->user, Ptr(key), key.size(), Ptr(nonce), nonce.size(), Ptr(ad),
                             ad.size(), Ptr(pt), pt.size(), out->data(), e.get());
  CheckGuard(out, n, std::string(d->name) + " seal");
  if (err != nullptr) *err = e.msg;
  return rc;
}

// Opens `ct` with `d` into *out, which starts filled with 0xA5 so that
// zeroing after a failed open shows; stores the error message in *err when
// given. Returns the provider's status.
inline int32_t Open(const tower_aead_def* d, const Bytes& key, const Bytes& nonce, const Bytes& ad,
                    const Bytes& ct, Bytes* out, std::string* err = nullptr) {
  ErrSink e;
  const size_t n = ct.size() >= d->tag_size ? ct.size() - d->tag_size : 0;
  GuardedBuffer(out, n, 0xA5);
  // No output to write: a null pointer, as a caller of the ABI may pass.
  const int32_t rc =
      d->open(d->user, Ptr(key), key.size(), Ptr(nonce), nonce.size(), Ptr(ad), ad.size(), Ptr(ct),
              ct.size(), n == 0 ? nullptr : out->data(), e.get());
  CheckGuard(out, n, std::string(d->name) + " open");
  if (err != nullptr) *err = e.msg;
  return rc;
}

// Expects opening `ct` to fail authentication, with the output zeroed and
// a message naming the algorithm. `what` says what was tampered with.
inline void ExpectAuthFailure(const tower_aead_def* d, const Bytes& key, const Bytes& nonce,
                              const Bytes& ad, const Bytes& ct, const char* what) {
  SCOPED_TRACE(what);
  Bytes out;
  std::string err;
  EXPECT_EQ(Open(d, key, nonce, ad, ct, &out, &err), TOWER_E_AUTH_FAILED);
  EXPECT_TRUE(AllZero(out)) << "plaintext left in the output after a failed open";
  EXPECT_NE(err.find(d->name), std::string::npos) << err;
}

// One known answer: seal gives `expected` (ciphertext || tag), open gives
// `pt` back, and any tampering (ciphertext bit, tag bit, associated data)
// is detected.
inline void CheckKnownAnswer(const tower_aead_def* d, const Bytes& key, const Bytes& nonce,
                             const Bytes& ad, const Bytes& pt, const Bytes& expected) {
  ASSERT_EQ(expected.size(), pt.size() + d->tag_size);
  Bytes out;
  std::string err;
  ASSERT_EQ(Seal(d, key, nonce, ad, pt, &out, &err), TOWER_OK) << err;
  EXPECT_EQ(ToHex(out), ToHex(expected));
  Bytes back;
  ASSERT_EQ(Open(d, key, nonce, ad, expected, &back, &err), TOWER_OK) << err;
  EXPECT_EQ(ToHex(back), ToHex(pt));
  if (!pt.empty()) {
    Bytes t = expected;
    t[t.size() / 3 % pt.size()] ^= 0x01;
    ExpectAuthFailure(d, key, nonce, ad, t, "ciphertext bit flipped");
  }
  Bytes t = expected;
  t.back() ^= 0x80;
  ExpectAuthFailure(d, key, nonce, ad, t, "tag bit flipped");
  Bytes ad2 = ad;
  ad2.push_back(0);
  ExpectAuthFailure(d, key, nonce, ad2, expected, "associated data extended");
}

// One round trip with every tamper check: seal, open back, then a wrong key,
// a wrong nonce, a truncated ciphertext, a flipped last ciphertext byte,
// dropped associated data and a flipped first tag byte must all fail.
inline void CheckRoundTripAndTampering(const tower_aead_def* d, const Bytes& key,
                                       const Bytes& nonce, const Bytes& ad, const Bytes& pt) {
  const size_t len = pt.size();
  Bytes ct, back;
  std::string err;
  ASSERT_EQ(Seal(d, key, nonce, ad, pt, &ct, &err), TOWER_OK) << err;
  ASSERT_EQ(ct.size(), len + 16);
  if (len >= 16) {
    EXPECT_NE(Bytes(ct.begin(), ct.begin() + len), pt);
  }
  ASSERT_EQ(Open(d, key, nonce, ad, ct, &back, &err), TOWER_OK) << err;
  EXPECT_EQ(ToHex(back), ToHex(pt));

  Bytes k2 = key;
  k2[len % k2.size()] ^= 0x04;
  ExpectAuthFailure(d, k2, nonce, ad, ct, "wrong key");
  Bytes n2 = nonce;
  n2.back() ^= 0x01;
  ExpectAuthFailure(d, key, n2, ad, ct, "wrong nonce");
  if (len > 0) {
    ExpectAuthFailure(d, key, nonce, ad, Bytes(ct.begin(), ct.end() - 1), "truncated");
    Bytes t = ct;
    t[len - 1] ^= 0x40;
    ExpectAuthFailure(d, key, nonce, ad, t, "last ciphertext byte flipped");
  }
  if (!ad.empty()) {
    ExpectAuthFailure(d, key, nonce, {}, ct, "associated data dropped");
  }
  Bytes t = ct;
  t[len] ^= 0x01;
  ExpectAuthFailure(d, key, nonce, ad, t, "first tag byte flipped");
}

// ---- tower_password_def ----

// Hashes `pw` with `salt` and `params` into *out (the encoded string);
// stores the error message in *err when given.
inline int32_t Hash(const tower_password_def* d, std::string_view pw, const Bytes& salt,
                    std::string_view params, std::string* out, std::string* err = nullptr) {
  ErrSink o, e;
  const int32_t rc = d->hash(d->user, pw.data(), pw.size(), salt.data(), salt.size(), params.data(),
                             params.size(), o.get(), e.get());
  *out = o.msg;
  if (err != nullptr) *err = e.msg;
  return rc;
}

// Verifies `pw` against `encoded`; *match starts at -1 so that an unset
// result shows.
inline int32_t Verify(const tower_password_def* d, std::string_view pw, std::string_view encoded,
                      int32_t* match, std::string* err = nullptr) {
  ErrSink e;
  *match = -1;
  const int32_t rc =
      d->verify(d->user, pw.data(), pw.size(), encoded.data(), encoded.size(), match, e.get());
  if (err != nullptr) *err = e.msg;
  return rc;
}

// Asks whether `encoded` needs a rehash under `params`; *result starts at
// -1 so that an unset result shows.
inline int32_t NeedsRehash(const tower_password_def* d, std::string_view encoded,
                           std::string_view params, int32_t* result, std::string* err = nullptr) {
  ErrSink e;
  *result = -1;
  const int32_t rc = d->needs_rehash(d->user, encoded.data(), encoded.size(), params.data(),
                                     params.size(), result, e.get());
  if (err != nullptr) *err = e.msg;
  return rc;
}

// ---- tower_hash_def and tower_kdf_def ----

// Hashes `data` (keyed with `key` when non-empty) into *out, out_len bytes;
// stores the error message in *err when given.
inline int32_t HashData(const tower_hash_def* d, const Bytes& key, const Bytes& data,
                        size_t out_len, Bytes* out, std::string* err = nullptr) {
  ErrSink e;
  GuardedBuffer(out, out_len, 0xA5);
  const int32_t rc = d->hash(d->user, Ptr(key), key.size(), Ptr(data), data.size(),
                             out_len == 0 ? nullptr : out->data(), out_len, e.get());
  CheckGuard(out, out_len, std::string(d->name) + " hash");
  if (err != nullptr) *err = e.msg;
  return rc;
}

// Derives out_len bytes from `material` under `context` into *out; stores
// the error message in *err when given.
inline int32_t DeriveKey(const tower_kdf_def* d, std::string_view context, const Bytes& material,
                         size_t out_len, Bytes* out, std::string* err = nullptr) {
  ErrSink e;
  GuardedBuffer(out, out_len, 0xA5);
  const int32_t rc =
      d->derive(d->user, context.data(), context.size(), Ptr(material), material.size(),
                out_len == 0 ? nullptr : out->data(), out_len, e.get());
  CheckGuard(out, out_len, std::string(d->name) + " derive");
  if (err != nullptr) *err = e.msg;
  return rc;
}

}  // namespace tower::test

#endif  // TOWER_TESTS_CRYPTO_CRYPTO_CALLS_HPP_
