// The "openssl" crypto provider's entry point: the shared OpenSSL algorithm
// objects, the hashes (sha256, sha512), the random source (RAND_bytes) and
// the tower_crypto_api table that gathers the AEADs of aead.cc and the
// password hashes of password.cc.
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include "openssl_provider.hpp"
#include "tower/sdk/crypto.hpp"

namespace tower::openssl {

Fetched::Fetched() {
  static const char* const kCipherNames[kCipherCount] = {
      "AES-128-GCM",  "AES-192-GCM",  "AES-256-GCM",       "ARIA-128-GCM",
      "ARIA-192-GCM", "ARIA-256-GCM", "ChaCha20-Poly1305",
  };
  static const char* const kDigestNames[kDigestCount] = {"SHA2-256", "SHA2-512"};
  for (int i = 0; i < kCipherCount; ++i) {
    ciphers_[i] = EVP_CIPHER_fetch(nullptr, kCipherNames[i], nullptr);
  }
  for (int i = 0; i < kDigestCount; ++i) {
    digests_[i] = EVP_MD_fetch(nullptr, kDigestNames[i], nullptr);
  }
  scrypt_ = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SCRYPT, nullptr);
  ERR_clear_error();  // a missing algorithm shows up as NULL, reported per call
}

Fetched::~Fetched() {
  for (EVP_CIPHER* c : ciphers_) EVP_CIPHER_free(c);
  for (EVP_MD* d : digests_) EVP_MD_free(d);
  EVP_KDF_free(scrypt_);
}

const Fetched& Fetched::Get() {
  static const Fetched instance;
  return instance;
}

std::string TakeOpensslError() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

namespace {

using tower::sdk::crypto_fail;

// What a hash definition's `user` points to.
struct HashInfo {
  const char* name;
  DigestId digest;
  size_t size;
};

constexpr HashInfo kSha256Info{"sha256", kSha256, 32};
constexpr HashInfo kSha512Info{"sha512", kSha512, 64};

// tower_hash_def.hash for the unkeyed SHA-2 digests.
int32_t DigestHash(const void* user, const uint8_t* key, size_t key_len, const uint8_t* data,
                   size_t data_len, uint8_t* out, size_t out_len, tower_sink* err) {
  const auto& info = *static_cast<const HashInfo*>(user);
  const std::string name = info.name;
  if (key != nullptr || key_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": unkeyed hash, but a key of " + std::to_string(key_len) +
                           " bytes was given (key must be NULL/0)");
  }
  if (out_len != info.size) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": out_len is " + std::to_string(out_len) + ", the digest is " +
                           std::to_string(info.size) + " bytes");
  }
  if (out == nullptr || (data == nullptr && data_len != 0)) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": NULL buffer");
  }
  const EVP_MD* md = Fetched::Get().digest(info.digest);
  if (md == nullptr) {
    return crypto_fail(err, TOWER_E_NOT_SUPPORTED, name + ": not available in this OpenSSL");
  }
  static const uint8_t kEmpty = 0;
  unsigned int n = 0;
  if (EVP_Digest(data != nullptr ? data : &kEmpty, data_len, out, &n, md, nullptr) != 1 ||
      n != info.size) {
    return crypto_fail(err, TOWER_E_INTERNAL, name + ": EVP_Digest failed: " + TakeOpensslError());
  }
  return TOWER_OK;
}

// tower_crypto_api.random_bytes: OpenSSL's CSPRNG.
int32_t RandomBytes(uint8_t* out, size_t len, tower_sink* err) {
  if (out == nullptr && len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, "openssl random_bytes: NULL buffer");
  }
  while (len > 0) {
    size_t n = std::min<size_t>(len, INT_MAX);
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
      return crypto_fail(err, TOWER_E_INTERNAL,
                         "openssl random_bytes: RAND_bytes failed: " + TakeOpensslError());
    }
    out += n;
    len -= n;
  }
  return TOWER_OK;
}

}  // namespace

const tower_hash_def kHashes[kHashCount] = {
    {sizeof(tower_hash_def), 32, 0, 0, "sha256", &kSha256Info, &DigestHash},
    {sizeof(tower_hash_def), 64, 0, 0, "sha512", &kSha512Info, &DigestHash},
};

namespace {

const tower_crypto_api kApi = {
    sizeof(tower_crypto_api),
    0,
    kAeadCount,
    kAeads,
    kPasswordCount,
    kPasswords,
    0,
    nullptr,
    kHashCount,
    kHashes,
    &RandomBytes,
};

}  // namespace
}  // namespace tower::openssl

TOWER_CRYPTO_PLUGIN(
    "openssl", "1.0.0",
    "AES-GCM, ARIA-GCM, ChaCha20-Poly1305, scrypt, PBKDF2-SHA256, SHA-2 on OpenSSL 3",
    tower::openssl::kApi)
