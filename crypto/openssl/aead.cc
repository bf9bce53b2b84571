// The AEAD ciphers of the "openssl" crypto provider: AES-GCM and ARIA-GCM
// (128/192/256-bit keys, 1..128-byte nonces, 16-byte tags) and
// ChaCha20-Poly1305 (RFC 8439: 32-byte key, 12-byte nonce, 16-byte tag),
// all through OpenSSL 3's EVP interface.
//
// Each call runs on a fresh EVP_CIPHER_CTX made from a cipher fetched once
// (Fetched), and encrypts/decrypts straight between the caller's buffers:
// no intermediate copies of the data.
#include <openssl/err.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>

#include "openssl_provider.hpp"
#include "tower/sdk/crypto.hpp"

namespace tower::openssl {
namespace {

using tower::sdk::crypto_fail;

constexpr size_t kTagSize = 16;
// EVP_CipherUpdate takes int lengths: longer inputs go in pieces of this.
constexpr size_t kChunk = size_t{1} << 30;
// GCM encrypts at most 2^32 - 2 blocks (NIST SP 800-38D).
constexpr uint64_t kGcmMaxPlaintext = (uint64_t{1} << 36) - 32;
// ChaCha20-Poly1305's 32-bit block counter covers 2^32 64-byte blocks, the
// first one going to the Poly1305 key (RFC 8439, section 2.8).
constexpr uint64_t kChachaMaxPlaintext = (uint64_t{1} << 38) - 64;

// What an AEAD definition's `user` points to.
struct AeadInfo {
  const char* name;
  CipherId cipher;
  size_t key_size;
  size_t nonce_default;  // OpenSSL's default IV length for the cipher
  size_t nonce_min;
  size_t nonce_max;
  uint64_t max_plaintext;
};

constexpr AeadInfo kInfos[kAeadCount] = {
    {"aes-128-gcm", kAes128Gcm, 16, 12, 1, 128, kGcmMaxPlaintext},
    {"aes-192-gcm", kAes192Gcm, 24, 12, 1, 128, kGcmMaxPlaintext},
    {"aes-256-gcm", kAes256Gcm, 32, 12, 1, 128, kGcmMaxPlaintext},
    {"aria-128-gcm", kAria128Gcm, 16, 12, 1, 128, kGcmMaxPlaintext},
    {"aria-192-gcm", kAria192Gcm, 24, 12, 1, 128, kGcmMaxPlaintext},
    {"aria-256-gcm", kAria256Gcm, 32, 12, 1, 128, kGcmMaxPlaintext},
    {"chacha20-poly1305", kChacha20Poly1305, 32, 12, 12, 12, kChachaMaxPlaintext},
};

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// Reports a failure of `info`'s cipher: "<name>: <what>". Messages are only
// built on failure, keeping the success path free of allocations.
int32_t Fail(const AeadInfo& info, tower_sink* err, int32_t code, const std::string& what) {
  return crypto_fail(err, code, std::string(info.name) + ": " + what);
}

// Checks the arguments of a seal (opening = false) or open (opening = true)
// of `info`'s cipher against its definition and length limit
// (check_aead_args). `data` is the plaintext for seal, the ciphertext with
// its tag for open.
int32_t CheckArgs(const AeadInfo& info, bool opening, const uint8_t* key, size_t key_len,
                  const uint8_t* nonce, size_t nonce_len, const uint8_t* ad, size_t ad_len,
                  const uint8_t* data, size_t data_len, const uint8_t* out, tower_sink* err) {
  return tower::sdk::check_aead_args(kAeads[&info - kInfos], opening, key, key_len, nonce,
                                     nonce_len, ad, ad_len, data, data_len, out, info.max_plaintext,
                                     err);
}

// Makes a context for `info`, keyed and with its nonce set, encrypting
// (enc = 1) or decrypting (enc = 0). A nonce of the cipher's default length
// takes a single init call; another length must be declared before the
// nonce is loaded.
int32_t Start(const AeadInfo& info, int enc, const uint8_t* key, const uint8_t* nonce,
              size_t nonce_len, CtxPtr* out, tower_sink* err) {
  const EVP_CIPHER* cipher = Fetched::Get().cipher(info.cipher);
  if (cipher == nullptr) {
    return Fail(info, err, TOWER_E_NOT_SUPPORTED, "not available in this OpenSSL");
  }
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  bool ok = ctx != nullptr;
  if (ok && nonce_len == info.nonce_default) {
    ok = EVP_CipherInit_ex2(ctx.get(), cipher, key, nonce, enc, nullptr) == 1;
  } else if (ok) {
    ok = EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, enc, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce_len),
                             nullptr) == 1 &&
         EVP_CipherInit_ex2(ctx.get(), nullptr, key, nonce, enc, nullptr) == 1;
  }
  if (!ok) return Fail(info, err, TOWER_E_INTERNAL, "cipher setup failed: " + TakeOpensslError());
  *out = std::move(ctx);
  return TOWER_OK;
}

// Feeds `len` bytes through the context: associated data when out is NULL,
// else data transformed into `out` (same length: these are stream modes).
bool Feed(EVP_CIPHER_CTX* ctx, uint8_t* out, const uint8_t* in, size_t len) {
  while (len > 0) {
    const size_t n = std::min(len, kChunk);
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out, &outl, in, static_cast<int>(n)) != 1) return false;
    if (out != nullptr) {
      if (static_cast<size_t>(outl) != n) return false;
      out += n;
    }
    in += n;
    len -= n;
  }
  return true;
}

// tower_aead_def.seal: out = ciphertext || 16-byte tag.
int32_t Seal(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* pt, size_t pt_len,
             uint8_t* out, tower_sink* err) {
  const auto& info = *static_cast<const AeadInfo*>(user);
  int32_t rc =
      CheckArgs(info, false, key, key_len, nonce, nonce_len, ad, ad_len, pt, pt_len, out, err);
  if (rc != TOWER_OK) return rc;
  CtxPtr ctx;
  rc = Start(info, 1, key, nonce, nonce_len, &ctx, err);
  if (rc != TOWER_OK) return rc;
  uint8_t scratch[EVP_MAX_BLOCK_LENGTH];  // Final writes nothing in these modes
  int final_len = 0;
  if (!Feed(ctx.get(), nullptr, ad, ad_len) || !Feed(ctx.get(), out, pt, pt_len) ||
      EVP_CipherFinal_ex(ctx.get(), scratch, &final_len) != 1 || final_len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                          out + pt_len) != 1) {
    return Fail(info, err, TOWER_E_INTERNAL, "encryption failed: " + TakeOpensslError());
  }
  return TOWER_OK;
}

// tower_aead_def.open: checks the trailing tag and writes the plaintext;
// on any failure after decryption began the output is zeroed.
int32_t Open(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* ct, size_t ct_len,
             uint8_t* out, tower_sink* err) {
  const auto& info = *static_cast<const AeadInfo*>(user);
  int32_t rc =
      CheckArgs(info, true, key, key_len, nonce, nonce_len, ad, ad_len, ct, ct_len, out, err);
  if (rc != TOWER_OK) return rc;
  const size_t pt_len = ct_len - kTagSize;
  CtxPtr ctx;
  rc = Start(info, 0, key, nonce, nonce_len, &ctx, err);
  if (rc != TOWER_OK) return rc;
  uint8_t tag[kTagSize];
  std::copy(ct + pt_len, ct + ct_len, tag);
  uint8_t scratch[EVP_MAX_BLOCK_LENGTH];  // Final writes nothing in these modes
  int final_len = 0;
  if (!Feed(ctx.get(), nullptr, ad, ad_len) || !Feed(ctx.get(), out, ct, pt_len)) {
    tower::sdk::wipe(out, pt_len);
    return Fail(info, err, TOWER_E_INTERNAL, "decryption failed: " + TakeOpensslError());
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize), tag) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), scratch, &final_len) != 1 || final_len != 0) {
    tower::sdk::wipe(out, pt_len);
    ERR_clear_error();
    return Fail(info, err, TOWER_E_AUTH_FAILED,
                "authentication failed (wrong key, nonce or associated data, or tampered "
                "ciphertext)");
  }
  return TOWER_OK;
}

// The public definition of one cipher.
constexpr tower_aead_def MakeDef(const AeadInfo& info) {
  return {sizeof(tower_aead_def),
          static_cast<uint32_t>(info.key_size),
          static_cast<uint32_t>(info.nonce_default),
          static_cast<uint32_t>(info.nonce_min),
          static_cast<uint32_t>(info.nonce_max),
          static_cast<uint32_t>(kTagSize),
          info.name,
          &info,
          &Seal,
          &Open};
}

}  // namespace

const tower_aead_def kAeads[kAeadCount] = {
    MakeDef(kInfos[0]), MakeDef(kInfos[1]), MakeDef(kInfos[2]), MakeDef(kInfos[3]),
    MakeDef(kInfos[4]), MakeDef(kInfos[5]), MakeDef(kInfos[6]),
};

}  // namespace tower::openssl
