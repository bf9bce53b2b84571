// The "sodium" crypto provider: the XChaCha20-Poly1305 and ChaCha20-Poly1305
// (IETF, RFC 8439) AEAD ciphers and a random source, all on libsodium.
//
// Both AEADs use libsodium's "combined" API, whose output layout
// (ciphertext || 16-byte tag) is exactly what tower_aead_def asks for.
// libsodium verifies the tag before it decrypts anything; on failure the
// output is zeroed all the same, as the ABI requires.
#include <sodium.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::crypto_fail;

// Initialises libsodium once per process. sodium_init() is itself
// thread-safe and idempotent; the function-local static only saves the call
// on the hot path. Returns false when the library could not initialise.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// The signature shared by libsodium's combined AEAD encrypt functions.
using EncryptFn = int (*)(unsigned char* c, unsigned long long* clen, const unsigned char* m,
                          unsigned long long mlen, const unsigned char* ad,
                          unsigned long long adlen, const unsigned char* nsec,
                          const unsigned char* npub, const unsigned char* k);
// The signature shared by libsodium's combined AEAD decrypt functions.
using DecryptFn = int (*)(unsigned char* m, unsigned long long* mlen, unsigned char* nsec,
                          const unsigned char* c, unsigned long long clen, const unsigned char* ad,
                          unsigned long long adlen, const unsigned char* npub,
                          const unsigned char* k);

// One AEAD as libsodium offers it; the tower_aead_def's `user` points here.
struct SodiumAead {
  const char* name;
  size_t key_size;
  size_t nonce_size;
  size_t tag_size;
  size_t (*messagebytes_max)();
  EncryptFn encrypt;
  DecryptFn decrypt;
};

const SodiumAead kXChaCha = {
    "xchacha20-poly1305",
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    crypto_aead_xchacha20poly1305_ietf_messagebytes_max,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_decrypt,
};

const SodiumAead kChaCha = {
    "chacha20-poly1305",
    crypto_aead_chacha20poly1305_ietf_KEYBYTES,
    crypto_aead_chacha20poly1305_ietf_NPUBBYTES,
    crypto_aead_chacha20poly1305_ietf_ABYTES,
    crypto_aead_chacha20poly1305_ietf_messagebytes_max,
    crypto_aead_chacha20poly1305_ietf_encrypt,
    crypto_aead_chacha20poly1305_ietf_decrypt,
};

// Checks the arguments common to seal and open: library state, key and
// nonce lengths, and that every non-empty buffer has a pointer. `in_len`
// is the plaintext (seal) or ciphertext (open) length and `out_len` what
// will be written. Returns TOWER_OK or the error (with `err` set).
int32_t CheckArgs(const SodiumAead& a, const uint8_t* key, size_t key_len, const uint8_t* nonce,
                  size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* in,
                  size_t in_len, const uint8_t* out, size_t out_len, tower_sink* err) {
  std::string name = a.name;
  if (!SodiumReady()) return crypto_fail(err, TOWER_E_INTERNAL, name + ": sodium_init() failed");
  if (key_len != a.key_size || key == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": key must be " + std::to_string(a.key_size) + " bytes, got " +
                           std::to_string(key_len) + (key == nullptr ? " (null pointer)" : ""));
  }
  if (nonce_len != a.nonce_size || nonce == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": nonce must be " + std::to_string(a.nonce_size) + " bytes, got " +
                           std::to_string(nonce_len) + (nonce == nullptr ? " (null pointer)" : ""));
  }
  if (ad == nullptr && ad_len != 0) {
    return crypto_fail(
        err, TOWER_E_INVALID_ARGUMENT,
        name + ": associated data is a null pointer with length " + std::to_string(ad_len));
  }
  if (in == nullptr && in_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": input is a null pointer with length " + std::to_string(in_len));
  }
  if (out == nullptr && out_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": output is a null pointer but " + std::to_string(out_len) +
                           " bytes are to be written");
  }
  return TOWER_OK;
}

// tower_aead_def.seal: out = ciphertext || tag.
int32_t Seal(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* pt, size_t pt_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const SodiumAead*>(user);
  if (pt_len > a.messagebytes_max()) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(a.name) + ": plaintext of " + std::to_string(pt_len) +
                           " bytes exceeds the limit of " + std::to_string(a.messagebytes_max()));
  }
  int32_t rc = CheckArgs(a, key, key_len, nonce, nonce_len, ad, ad_len, pt, pt_len, out,
                         pt_len + a.tag_size, err);
  if (rc != TOWER_OK) return rc;
  unsigned long long written = 0;
  if (a.encrypt(out, &written, pt, pt_len, ad, ad_len, nullptr, nonce, key) != 0 ||
      written != pt_len + a.tag_size) {
    tower::sdk::wipe(out, pt_len + a.tag_size);
    return crypto_fail(err, TOWER_E_INTERNAL, std::string(a.name) + ": libsodium encrypt failed");
  }
  return TOWER_OK;
}

// tower_aead_def.open: verifies the tag and writes the plaintext, or
// returns TOWER_E_AUTH_FAILED with `out` zeroed.
int32_t Open(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* ct, size_t ct_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const SodiumAead*>(user);
  if (ct_len < a.tag_size) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(a.name) + ": ciphertext of " + std::to_string(ct_len) +
                           " bytes is shorter than the " + std::to_string(a.tag_size) +
                           "-byte tag");
  }
  const size_t pt_len = ct_len - a.tag_size;
  if (pt_len > a.messagebytes_max()) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(a.name) + ": ciphertext of " + std::to_string(ct_len) +
                           " bytes exceeds the limit of " +
                           std::to_string(a.messagebytes_max() + a.tag_size));
  }
  int32_t rc =
      CheckArgs(a, key, key_len, nonce, nonce_len, ad, ad_len, ct, ct_len, out, pt_len, err);
  if (rc != TOWER_OK) return rc;
  uint8_t empty = 0;  // libsodium gets a real pointer even for an empty plaintext
  uint8_t* dst = pt_len == 0 ? &empty : out;
  unsigned long long written = 0;
  if (a.decrypt(dst, &written, nullptr, ct, ct_len, ad, ad_len, nonce, key) != 0) {
    if (pt_len != 0) tower::sdk::wipe(out, pt_len);
    return crypto_fail(err, TOWER_E_AUTH_FAILED,
                       std::string(a.name) +
                           ": authentication failed (wrong key, nonce, associated data or "
                           "tampered ciphertext)");
  }
  if (written != pt_len) {
    if (pt_len != 0) tower::sdk::wipe(out, pt_len);
    return crypto_fail(err, TOWER_E_INTERNAL,
                       std::string(a.name) + ": libsodium decrypt wrote an unexpected length");
  }
  return TOWER_OK;
}

// tower_crypto_api.random_bytes: libsodium's CSPRNG (getrandom(2)).
int32_t RandomBytes(uint8_t* out, size_t len, tower_sink* err) {
  if (len == 0) return TOWER_OK;
  if (out == nullptr) {
    return crypto_fail(
        err, TOWER_E_INVALID_ARGUMENT,
        "sodium random: output is a null pointer with length " + std::to_string(len));
  }
  if (!SodiumReady())
    return crypto_fail(err, TOWER_E_INTERNAL, "sodium random: sodium_init() failed");
  randombytes_buf(out, len);
  return TOWER_OK;
}

// Builds the tower_aead_def for one libsodium AEAD (fixed nonce length).
constexpr tower_aead_def MakeAead(const SodiumAead& a) {
  return tower_aead_def{
      .struct_size = sizeof(tower_aead_def),
      .key_size = static_cast<uint32_t>(a.key_size),
      .nonce_size = static_cast<uint32_t>(a.nonce_size),
      .nonce_min = static_cast<uint32_t>(a.nonce_size),
      .nonce_max = static_cast<uint32_t>(a.nonce_size),
      .tag_size = static_cast<uint32_t>(a.tag_size),
      .name = a.name,
      .user = &a,
      .seal = Seal,
      .open = Open,
  };
}

const tower_aead_def kAeads[] = {MakeAead(kXChaCha), MakeAead(kChaCha)};

const tower_crypto_api kApi = {
    .struct_size = sizeof(tower_crypto_api),
    .reserved = 0,
    .aead_count = sizeof(kAeads) / sizeof(kAeads[0]),
    .aeads = kAeads,
    .password_count = 0,
    .passwords = nullptr,
    .kdf_count = 0,
    .kdfs = nullptr,
    .hash_count = 0,
    .hashes = nullptr,
    .random_bytes = RandomBytes,
};

}  // namespace

TOWER_CRYPTO_PLUGIN("sodium", "1.0.0",
                    "XChaCha20-Poly1305, ChaCha20-Poly1305 and random bytes on libsodium", kApi)
