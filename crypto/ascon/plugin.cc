// The "ascon" crypto provider: the Ascon AEAD ciphers, implemented in this
// plugin (ascon.cc) since no Debian package provides them:
//  - "ascon-aead128": NIST SP 800-232 Ascon-AEAD128 (the standard);
//  - "ascon-128", "ascon-128a", "ascon-80pq": the Ascon v1.2 variants of
//    the NIST lightweight-cryptography submission, for interoperability.
// All take a 16-byte nonce and produce a 16-byte tag; keys are 16 bytes
// (20 for ascon-80pq). This file checks the arguments and exports the table.
#include <cstdint>
#include <iterator>
#include <string>

#include "ascon.hpp"
#include "tower/sdk/crypto.hpp"

namespace {

using tower::ascon::kNonceSize;
using tower::ascon::kTagSize;
using tower::ascon::Variant;
using tower::sdk::check_aead_args;
using tower::sdk::crypto_fail;

// One AEAD definition; the tower_aead_def's `user` points here.
struct AsconAead {
  const char* name;
  Variant variant;
};

// The variants, in table order: kAeads[i].user == &kVariants[i].
const AsconAead kVariants[] = {
    {"ascon-aead128", Variant::kAsconAead128},
    {"ascon-128", Variant::kAscon128},
    {"ascon-128a", Variant::kAscon128a},
    {"ascon-80pq", Variant::kAscon80pq},
};

// The provider's table, defined below.
extern const tower_aead_def kAeads[std::size(kVariants)];

// True when the non-empty byte ranges [a, a+a_len) and [b, b+b_len) overlap.
bool Overlaps(const void* a, size_t a_len, const void* b, size_t b_len) {
  if (a_len == 0 || b_len == 0 || a == nullptr || b == nullptr) return false;
  const auto x = reinterpret_cast<uintptr_t>(a);
  const auto y = reinterpret_cast<uintptr_t>(b);
  return x < y + b_len && y < x + a_len;
}

// Checks what seal and open share: the definition's lengths and pointers
// (check_aead_args), and an output that does not overlap the input or the
// associated data. `in` is the plaintext (seal) or ciphertext (open).
// Returns TOWER_OK or the error with `err` set.
int32_t CheckArgs(const AsconAead& a, bool opening, const uint8_t* key, size_t key_len,
                  const uint8_t* nonce, size_t nonce_len, const uint8_t* ad, size_t ad_len,
                  const uint8_t* in, size_t in_len, const uint8_t* out, tower_sink* err) {
  const tower_aead_def& d = kAeads[&a - kVariants];
  int32_t rc = check_aead_args(d, opening, key, key_len, nonce, nonce_len, ad, ad_len, in, in_len,
                               out, UINT64_MAX, err);
  if (rc != TOWER_OK) return rc;
  const size_t out_len = opening ? in_len - kTagSize : in_len + kTagSize;
  if (Overlaps(out, out_len, in, in_len) || Overlaps(out, out_len, ad, ad_len)) {
    return crypto_fail(
        err, TOWER_E_INVALID_ARGUMENT,
        std::string(a.name) + ": output buffer overlaps the input or the associated data");
  }
  return TOWER_OK;
}

// tower_aead_def.seal: out = ciphertext || 16-byte tag.
int32_t Seal(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* pt, size_t pt_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const AsconAead*>(user);
  int32_t rc =
      CheckArgs(a, false, key, key_len, nonce, nonce_len, ad, ad_len, pt, pt_len, out, err);
  if (rc != TOWER_OK) return rc;
  tower::ascon::Seal(a.variant, key, nonce, ad, ad_len, pt, pt_len, out);
  return TOWER_OK;
}

// tower_aead_def.open: verifies the tag and writes the plaintext, or
// returns TOWER_E_AUTH_FAILED with `out` zeroed.
int32_t Open(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* ct, size_t ct_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const AsconAead*>(user);
  int32_t rc = CheckArgs(a, true, key, key_len, nonce, nonce_len, ad, ad_len, ct, ct_len, out, err);
  if (rc != TOWER_OK) return rc;
  if (!tower::ascon::Open(a.variant, key, nonce, ad, ad_len, ct, ct_len, out)) {
    return crypto_fail(err, TOWER_E_AUTH_FAILED,
                       std::string(a.name) +
                           ": authentication failed (wrong key, nonce, associated data or "
                           "tampered ciphertext)");
  }
  return TOWER_OK;
}

// Builds the tower_aead_def for one variant (fixed 16-byte nonce and tag).
constexpr tower_aead_def MakeAead(const AsconAead& a) {
  return tower_aead_def{
      .struct_size = sizeof(tower_aead_def),
      .key_size = static_cast<uint32_t>(tower::ascon::KeySize(a.variant)),
      .nonce_size = static_cast<uint32_t>(kNonceSize),
      .nonce_min = static_cast<uint32_t>(kNonceSize),
      .nonce_max = static_cast<uint32_t>(kNonceSize),
      .tag_size = static_cast<uint32_t>(kTagSize),
      .name = a.name,
      .user = &a,
      .seal = Seal,
      .open = Open,
  };
}

const tower_aead_def kAeads[std::size(kVariants)] = {
    MakeAead(kVariants[0]),
    MakeAead(kVariants[1]),
    MakeAead(kVariants[2]),
    MakeAead(kVariants[3]),
};

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
    .random_bytes = nullptr,
};

}  // namespace

TOWER_CRYPTO_PLUGIN("ascon", "1.0.0",
                    "Ascon AEAD: ascon-aead128 (NIST SP 800-232) and the v1.2 ascon-128, "
                    "ascon-128a, ascon-80pq",
                    kApi)
