// The Ascon permutation and the Ascon AEAD modes used by the "ascon" crypto
// provider, written from the specifications:
//  - Ascon v1.2 (the submission to the NIST lightweight-cryptography
//    project): Ascon-128, Ascon-128a and Ascon-80pq, big-endian;
//  - NIST SP 800-232 (August 2025): Ascon-AEAD128, little-endian, with its
//    own IV and domain-separation bit.
//
// Portable C++20 on 64-bit words. Everything is constant-time in the
// secret data: the only branches and loop bounds depend on public lengths.
// No heap, no globals: every call keeps its state on the stack and wipes it.
#ifndef TOWER_CRYPTO_ASCON_ASCON_HPP_
#define TOWER_CRYPTO_ASCON_ASCON_HPP_

#include <cstddef>
#include <cstdint>

namespace tower::ascon {

// The 320-bit Ascon state as five 64-bit words x0..x4.
struct State {
  uint64_t x[5];
};

// Applies the last `rounds` rounds (1..12) of the 12-round Ascon
// permutation p^12 to `s`, i.e. p^a with a = rounds.
void Permute(State& s, int rounds);

// The AEAD variants offered.
enum class Variant {
  kAscon128,      // v1.2 Ascon-128: key 16, rate 8, a=12, b=6
  kAscon128a,     // v1.2 Ascon-128a: key 16, rate 16, a=12, b=8
  kAscon80pq,     // v1.2 Ascon-80pq: key 20, rate 8, a=12, b=6
  kAsconAead128,  // SP 800-232 Ascon-AEAD128: key 16, rate 16, a=12, b=8
};

// Nonce and tag lengths, the same for every variant.
inline constexpr size_t kNonceSize = 16;
inline constexpr size_t kTagSize = 16;

// The key length of `v` in bytes (16 or 20).
constexpr size_t KeySize(Variant v) { return v == Variant::kAscon80pq ? 20 : 16; }

// Encrypts: writes pt_len bytes of ciphertext and then the kTagSize-byte
// tag to `out`. `key` holds KeySize(v) bytes, `nonce` kNonceSize bytes.
// Pointers to empty buffers may be null. `out` must not overlap the inputs.
void Seal(Variant v, const uint8_t* key, const uint8_t* nonce, const uint8_t* ad, size_t ad_len,
          const uint8_t* pt, size_t pt_len, uint8_t* out);

// Decrypts `ct` (ct_len >= kTagSize bytes: ciphertext then tag) into `out`
// (ct_len - kTagSize bytes) and checks the tag in constant time. Returns
// false, with `out` zeroed, when the tag does not verify.
bool Open(Variant v, const uint8_t* key, const uint8_t* nonce, const uint8_t* ad, size_t ad_len,
          const uint8_t* ct, size_t ct_len, uint8_t* out);

}  // namespace tower::ascon

#endif  // TOWER_CRYPTO_ASCON_ASCON_HPP_
