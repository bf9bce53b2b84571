// The "sodium" crypto provider: the XChaCha20-Poly1305 and ChaCha20-Poly1305
// (IETF, RFC 8439) AEAD ciphers and a random source, all on libsodium.
//
// Both AEADs use libsodium's "combined" API, whose output layout
// (ciphertext || 16-byte tag) is exactly what tower_aead_def asks for.
// libsodium verifies the tag before it decrypts anything; on failure the
// output is zeroed all the same, as the ABI requires.
#include <sodium.h>

#include <cstdint>
#include <iterator>
#include <string>

#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::check_aead_args;
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

// The AEADs, in table order: kAeads[i].user == &kSodiumAeads[i].
const SodiumAead kSodiumAeads[] = {
    {
        "xchacha20-poly1305",
        crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
        crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
        crypto_aead_xchacha20poly1305_ietf_ABYTES,
        crypto_aead_xchacha20poly1305_ietf_messagebytes_max,
        crypto_aead_xchacha20poly1305_ietf_encrypt,
        crypto_aead_xchacha20poly1305_ietf_decrypt,
    },
    {
        "chacha20-poly1305",
        crypto_aead_chacha20poly1305_ietf_KEYBYTES,
        crypto_aead_chacha20poly1305_ietf_NPUBBYTES,
        crypto_aead_chacha20poly1305_ietf_ABYTES,
        crypto_aead_chacha20poly1305_ietf_messagebytes_max,
        crypto_aead_chacha20poly1305_ietf_encrypt,
        crypto_aead_chacha20poly1305_ietf_decrypt,
    },
};

// The provider's table, defined below.
extern const tower_aead_def kAeads[std::size(kSodiumAeads)];

// Checks the arguments of a seal (opening = false) or open (opening = true)
// against the definition and libsodium's message limit (check_aead_args),
// then that the library is initialised. `in` is the plaintext (seal) or
// ciphertext (open). Returns TOWER_OK or the error (with `err` set).
int32_t CheckArgs(const SodiumAead& a, bool opening, const uint8_t* key, size_t key_len,
                  const uint8_t* nonce, size_t nonce_len, const uint8_t* ad, size_t ad_len,
                  const uint8_t* in, size_t in_len, const uint8_t* out, tower_sink* err) {
  const tower_aead_def& d = kAeads[&a - kSodiumAeads];
  int32_t rc = check_aead_args(d, opening, key, key_len, nonce, nonce_len, ad, ad_len, in, in_len,
                               out, a.messagebytes_max(), err);
  if (rc != TOWER_OK) return rc;
  if (!SodiumReady()) {
    return crypto_fail(err, TOWER_E_INTERNAL, std::string(a.name) + ": sodium_init() failed");
  }
  return TOWER_OK;
}

// tower_aead_def.seal: out = ciphertext || tag.
int32_t Seal(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* pt, size_t pt_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const SodiumAead*>(user);
  int32_t rc =
      CheckArgs(a, false, key, key_len, nonce, nonce_len, ad, ad_len, pt, pt_len, out, err);
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
  int32_t rc = CheckArgs(a, true, key, key_len, nonce, nonce_len, ad, ad_len, ct, ct_len, out, err);
  if (rc != TOWER_OK) return rc;
  const size_t pt_len = ct_len - a.tag_size;
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

const tower_aead_def kAeads[std::size(kSodiumAeads)] = {MakeAead(kSodiumAeads[0]),
                                                        MakeAead(kSodiumAeads[1])};

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
