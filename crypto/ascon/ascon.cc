// The Ascon permutation and AEAD modes (see ascon.hpp).
//
// One mode template, Mode<P>, covers all four variants; P fixes the byte
// order of the state words, the key length, the rate, the round counts, the
// IV word and the domain-separation bit:
//  - v1.2 (Ascon-128/-128a/-80pq): big-endian words, IV = k|r|a|b as bytes
//    at the top of x0 (for Ascon-80pq the low 32 bits of x0 hold the first
//    four key bytes), padding byte 0x80, domain separation x4 ^= 1;
//  - SP 800-232 Ascon-AEAD128: little-endian words, IV 0x00001000808c0001,
//    padding byte 0x01, domain separation x4 ^= 1 << 63.
// Full rate blocks are processed with 64-bit loads/stores; only the final
// partial block is handled byte by byte (its length is public).
#include "ascon.hpp"

#include <bit>
#include <cstring>

#include "tower/sdk/crypto.hpp"

namespace tower::ascon {
namespace {

// Reverses the byte order of a 64-bit word (compilers emit one bswap).
constexpr uint64_t ByteSwap(uint64_t v) {
  v = ((v & 0x00ff00ff00ff00ffULL) << 8) | ((v >> 8) & 0x00ff00ff00ff00ffULL);
  v = ((v & 0x0000ffff0000ffffULL) << 16) | ((v >> 16) & 0x0000ffff0000ffffULL);
  return (v << 32) | (v >> 32);
}

// The round constant of round i (0..11) of p^12: 0xf0, 0xe1, ..., 0x4b.
constexpr uint64_t RoundConstant(int i) {
  return (static_cast<uint64_t>(0xf - i) << 4) | static_cast<uint64_t>(i);
}

// p^a with a = kRounds (the last kRounds rounds of p^12), for the modes:
// a compile-time round count lets the compiler unroll it.
template <int kRounds>
inline void PermuteRounds(State& s) {
  static_assert(kRounds >= 1 && kRounds <= 12);
  uint64_t x0 = s.x[0], x1 = s.x[1], x2 = s.x[2], x3 = s.x[3], x4 = s.x[4];
  for (int i = 12 - kRounds; i < 12; ++i) {
    // Constant addition.
    x2 ^= RoundConstant(i);
    // Substitution layer: the 5-bit S-box, bitsliced.
    x0 ^= x4;
    x4 ^= x3;
    x2 ^= x1;
    const uint64_t t0 = ~x0 & x1;
    const uint64_t t1 = ~x1 & x2;
    const uint64_t t2 = ~x2 & x3;
    const uint64_t t3 = ~x3 & x4;
    const uint64_t t4 = ~x4 & x0;
    x0 ^= t1;
    x1 ^= t2;
    x2 ^= t3;
    x3 ^= t4;
    x4 ^= t0;
    x1 ^= x0;
    x0 ^= x4;
    x3 ^= x2;
    x2 = ~x2;
    // Linear diffusion layer.
    x0 ^= std::rotr(x0, 19) ^ std::rotr(x0, 28);
    x1 ^= std::rotr(x1, 61) ^ std::rotr(x1, 39);
    x2 ^= std::rotr(x2, 1) ^ std::rotr(x2, 6);
    x3 ^= std::rotr(x3, 10) ^ std::rotr(x3, 17);
    x4 ^= std::rotr(x4, 7) ^ std::rotr(x4, 41);
  }
  s.x[0] = x0;
  s.x[1] = x1;
  s.x[2] = x2;
  s.x[3] = x3;
  s.x[4] = x4;
}

// Converting bytes to state words in one byte order. Byte i of a word is
// its most significant byte first (big-endian) or least significant first
// (little-endian).
template <bool kLittle>
struct Bytes {
  static constexpr bool kSwap = (std::endian::native == std::endian::little) != kLittle;

  // The word made of the 8 bytes at p (any alignment).
  static uint64_t Load(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return kSwap ? ByteSwap(v) : v;
  }
  // Writes the word v as 8 bytes at p.
  static void Store(uint8_t* p, uint64_t v) {
    if (kSwap) v = ByteSwap(v);
    std::memcpy(p, &v, sizeof v);
  }
  // The bit position of the lowest bit of byte i (0..7) within a word.
  static constexpr unsigned Shift(size_t i) {
    return kLittle ? static_cast<unsigned>(8 * i) : static_cast<unsigned>(56 - 8 * i);
  }
  // The word whose bytes 0..n-1 (n < 8) are p[0..n-1], the rest zero.
  static uint64_t LoadPartial(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << Shift(i);
    return v;
  }
  // Writes bytes 0..n-1 (n < 8) of the word v to p.
  static void StorePartial(uint8_t* p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> Shift(i));
  }
  // The padding bit: the first bit of byte n (n < 8), i.e. 0x80 (v1.2) or
  // 0x01 (SP 800-232) in that byte.
  static constexpr uint64_t Pad(size_t n) {
    return kLittle ? 0x01ULL << (8 * n) : 0x80ULL << (56 - 8 * n);
  }
  // A mask selecting bytes 0..n-1 (n < 8) of a word.
  static constexpr uint64_t Mask(size_t n) {
    return kLittle ? (1ULL << (8 * n)) - 1 : ~(~0ULL >> (8 * n));
  }
};

// What distinguishes the variants (a structural template argument).
struct Params {
  bool little_endian;  // SP 800-232 byte order, else v1.2 big-endian
  size_t key_size;     // 16, or 20 (Ascon-80pq, big-endian only)
  size_t rate;         // bytes per block: 8 or 16
  int a;               // rounds of initialisation and finalisation
  int b;               // rounds between data blocks
  uint64_t iv;         // x0 before the key (the low 32 bits take key bytes 0..3 of a 20-byte key)
  uint64_t domain;     // XORed into x4 between associated data and plaintext
};

// The v1.2 IV word: key bits, rate bits, a and b as the top four bytes.
constexpr uint64_t V12Iv(size_t key_size, size_t rate, int a, int b) {
  return (static_cast<uint64_t>(8 * key_size) << 56) | (static_cast<uint64_t>(8 * rate) << 48) |
         (static_cast<uint64_t>(a) << 40) | (static_cast<uint64_t>(b) << 32);
}

constexpr Params kAscon128{false, 16, 8, 12, 6, V12Iv(16, 8, 12, 6), 1};
constexpr Params kAscon128a{false, 16, 16, 12, 8, V12Iv(16, 16, 12, 8), 1};
constexpr Params kAscon80pq{false, 20, 8, 12, 6, V12Iv(20, 8, 12, 6), 1};
constexpr Params kAsconAead128{true, 16, 16, 12, 8, 0x00001000808c0001ULL, 1ULL << 63};

static_assert(kAscon128.iv == 0x80400c0600000000ULL);
static_assert(kAscon128a.iv == 0x80800c0800000000ULL);
static_assert(kAscon80pq.iv == 0xa0400c0600000000ULL);

// One AEAD computation (one seal or open) of the variant P. The
// destructor wipes the state and the key words.
template <Params P>
class Mode {
  static_assert(P.rate == 8 || P.rate == 16);
  static_assert(P.key_size == 16 || (P.key_size == 20 && !P.little_endian));
  using B = Bytes<P.little_endian>;
  static constexpr size_t kWords = P.rate / 8;

 public:
  // Loads the key and nonce and runs the initialisation:
  // S = p^a(IV || K || N) ^ (0* || K).
  Mode(const uint8_t* key, const uint8_t* nonce) {
    // The key as a right-aligned 192-bit value k_[0..2] (k_[0] holds the
    // first four bytes of a 20-byte key in its low half, else 0).
    if constexpr (P.key_size == 20) {
      k_[0] = (static_cast<uint64_t>(key[0]) << 24) | (static_cast<uint64_t>(key[1]) << 16) |
              (static_cast<uint64_t>(key[2]) << 8) | static_cast<uint64_t>(key[3]);
      k_[1] = B::Load(key + 4);
      k_[2] = B::Load(key + 12);
    } else {
      k_[0] = 0;
      k_[1] = B::Load(key);
      k_[2] = B::Load(key + 8);
    }
    State s;
    s.x[0] = P.iv | k_[0];
    s.x[1] = k_[1];
    s.x[2] = k_[2];
    s.x[3] = B::Load(nonce);
    s.x[4] = B::Load(nonce + 8);
    PermuteRounds<P.a>(s);
    s.x[2] ^= k_[0];
    s.x[3] ^= k_[1];
    s.x[4] ^= k_[2];
    s_ = s;
  }
  ~Mode() {
    tower::sdk::wipe(&s_, sizeof s_);
    tower::sdk::wipe(k_, sizeof k_);
  }
  Mode(const Mode&) = delete;
  Mode& operator=(const Mode&) = delete;

  // Absorbs the associated data (nothing when empty) and applies the
  // domain separation.
  void AbsorbAd(const uint8_t* ad, size_t len) {
    State s = s_;
    if (len != 0) {
      for (; len >= P.rate; ad += P.rate, len -= P.rate) {
        for (size_t w = 0; w < kWords; ++w) s.x[w] ^= B::Load(ad + 8 * w);
        PermuteRounds<P.b>(s);
      }
      size_t w = 0;
      for (; len >= 8; ++w, ad += 8, len -= 8) s.x[w] ^= B::Load(ad);
      s.x[w] ^= B::LoadPartial(ad, len) ^ B::Pad(len);
      PermuteRounds<P.b>(s);
    }
    s.x[4] ^= P.domain;
    s_ = s;
  }

  // Encrypts `len` bytes of plaintext into `out`, including the padded
  // final block (which is not followed by a permutation).
  void Encrypt(const uint8_t* pt, size_t len, uint8_t* out) {
    State s = s_;
    for (; len >= P.rate; pt += P.rate, out += P.rate, len -= P.rate) {
      for (size_t w = 0; w < kWords; ++w) {
        s.x[w] ^= B::Load(pt + 8 * w);
        B::Store(out + 8 * w, s.x[w]);
      }
      PermuteRounds<P.b>(s);
    }
    size_t w = 0;
    for (; len >= 8; ++w, pt += 8, out += 8, len -= 8) {
      s.x[w] ^= B::Load(pt);
      B::Store(out, s.x[w]);
    }
    s.x[w] ^= B::LoadPartial(pt, len);
    B::StorePartial(out, s.x[w], len);
    s.x[w] ^= B::Pad(len);
    s_ = s;
  }

  // Decrypts `len` bytes of ciphertext into `out` (the mirror of Encrypt:
  // the ciphertext replaces the rate part of the state).
  void Decrypt(const uint8_t* ct, size_t len, uint8_t* out) {
    State s = s_;
    for (; len >= P.rate; ct += P.rate, out += P.rate, len -= P.rate) {
      for (size_t w = 0; w < kWords; ++w) {
        const uint64_t c = B::Load(ct + 8 * w);
        B::Store(out + 8 * w, s.x[w] ^ c);
        s.x[w] = c;
      }
      PermuteRounds<P.b>(s);
    }
    size_t w = 0;
    for (; len >= 8; ++w, ct += 8, out += 8, len -= 8) {
      const uint64_t c = B::Load(ct);
      B::Store(out, s.x[w] ^ c);
      s.x[w] = c;
    }
    const uint64_t c = B::LoadPartial(ct, len);
    B::StorePartial(out, s.x[w] ^ c, len);
    s.x[w] = ((s.x[w] & ~B::Mask(len)) | c) ^ B::Pad(len);
    s_ = s;
  }

  // Finalisation: S = p^a(S ^ (0^r || K || 0*)); the tag is the last 128
  // bits of S XOR the last 128 bits of K.
  void Finish(uint8_t tag[kTagSize]) {
    State s = s_;
    // The key left-aligned in three words, XORed in right after the rate.
    uint64_t l[3];
    if constexpr (P.key_size == 20) {
      l[0] = (k_[0] << 32) | (k_[1] >> 32);
      l[1] = (k_[1] << 32) | (k_[2] >> 32);
      l[2] = k_[2] << 32;
    } else {
      l[0] = k_[1];
      l[1] = k_[2];
      l[2] = 0;
    }
    for (size_t i = 0; i < 3 && kWords + i < 5; ++i) s.x[kWords + i] ^= l[i];
    tower::sdk::wipe(l, sizeof l);
    PermuteRounds<P.a>(s);
    B::Store(tag, s.x[3] ^ k_[1]);
    B::Store(tag + 8, s.x[4] ^ k_[2]);
    s_ = s;
  }

 private:
  State s_;
  uint64_t k_[3];
};

// Seal for the variant P.
template <Params P>
void SealAs(const uint8_t* key, const uint8_t* nonce, const uint8_t* ad, size_t ad_len,
            const uint8_t* pt, size_t pt_len, uint8_t* out) {
  Mode<P> m(key, nonce);
  m.AbsorbAd(ad, ad_len);
  m.Encrypt(pt, pt_len, out);
  m.Finish(out + pt_len);
}

// Open for the variant P.
template <Params P>
bool OpenAs(const uint8_t* key, const uint8_t* nonce, const uint8_t* ad, size_t ad_len,
            const uint8_t* ct, size_t ct_len, uint8_t* out) {
  const size_t pt_len = ct_len - kTagSize;
  uint8_t tag[kTagSize];
  {
    Mode<P> m(key, nonce);
    m.AbsorbAd(ad, ad_len);
    m.Decrypt(ct, pt_len, out);
    m.Finish(tag);
  }
  const bool ok = tower::sdk::constant_time_equal(tag, kTagSize, ct + pt_len, kTagSize);
  tower::sdk::wipe(tag, sizeof tag);
  if (!ok) tower::sdk::wipe(out, pt_len);
  return ok;
}

}  // namespace

void Permute(State& s, int rounds) {
  switch (rounds) {
    case 1: return PermuteRounds<1>(s);
    case 2: return PermuteRounds<2>(s);
    case 3: return PermuteRounds<3>(s);
    case 4: return PermuteRounds<4>(s);
    case 5: return PermuteRounds<5>(s);
    case 6: return PermuteRounds<6>(s);
    case 7: return PermuteRounds<7>(s);
    case 8: return PermuteRounds<8>(s);
    case 9: return PermuteRounds<9>(s);
    case 10: return PermuteRounds<10>(s);
    case 11: return PermuteRounds<11>(s);
    default: return PermuteRounds<12>(s);
  }
}

void Seal(Variant v, const uint8_t* key, const uint8_t* nonce, const uint8_t* ad, size_t ad_len,
          const uint8_t* pt, size_t pt_len, uint8_t* out) {
  switch (v) {
    case Variant::kAscon128: return SealAs<kAscon128>(key, nonce, ad, ad_len, pt, pt_len, out);
    case Variant::kAscon128a: return SealAs<kAscon128a>(key, nonce, ad, ad_len, pt, pt_len, out);
    case Variant::kAscon80pq: return SealAs<kAscon80pq>(key, nonce, ad, ad_len, pt, pt_len, out);
    case Variant::kAsconAead128:
      return SealAs<kAsconAead128>(key, nonce, ad, ad_len, pt, pt_len, out);
  }
}

bool Open(Variant v, const uint8_t* key, const uint8_t* nonce, const uint8_t* ad, size_t ad_len,
          const uint8_t* ct, size_t ct_len, uint8_t* out) {
  switch (v) {
    case Variant::kAscon128: return OpenAs<kAscon128>(key, nonce, ad, ad_len, ct, ct_len, out);
    case Variant::kAscon128a: return OpenAs<kAscon128a>(key, nonce, ad, ad_len, ct, ct_len, out);
    case Variant::kAscon80pq: return OpenAs<kAscon80pq>(key, nonce, ad, ad_len, ct, ct_len, out);
    case Variant::kAsconAead128:
      return OpenAs<kAsconAead128>(key, nonce, ad, ad_len, ct, ct_len, out);
  }
  return false;
}

}  // namespace tower::ascon
