// Internal declarations of the "openssl" crypto provider: the definition
// tables each source file contributes to the provider's tower_crypto_api,
// and the OpenSSL algorithm objects fetched once and shared by every call.
#ifndef TOWER_CRYPTO_OPENSSL_PROVIDER_HPP_
#define TOWER_CRYPTO_OPENSSL_PROVIDER_HPP_

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstddef>
#include <string>

#include "tower/sdk/crypto.h"

namespace tower::openssl {

// Definition tables (aead.cc, password.cc, provider.cc). The counts are
// constants so that the provider's table can be constant-initialized.
inline constexpr size_t kAeadCount = 7;
inline constexpr size_t kPasswordCount = 2;
inline constexpr size_t kHashCount = 2;
extern const tower_aead_def kAeads[kAeadCount];
extern const tower_password_def kPasswords[kPasswordCount];
extern const tower_hash_def kHashes[kHashCount];

// Indices into Fetched's tables.
enum CipherId : int {
  kAes128Gcm,
  kAes192Gcm,
  kAes256Gcm,
  kAria128Gcm,
  kAria192Gcm,
  kAria256Gcm,
  kChacha20Poly1305,
  kCipherCount
};
enum DigestId : int { kSha256, kSha512, kDigestCount };

// OpenSSL algorithm objects fetched from the default library context the
// first time any of them is needed, then shared read-only by all threads
// (fetched EVP_CIPHER/EVP_MD/EVP_KDF objects are immutable and
// reference-counted). A member is NULL when OpenSSL lacks the algorithm.
// They are released when the plugin is unloaded.
class Fetched {
 public:
  // The process-wide instance (initialized once, thread-safely).
  static const Fetched& Get();

  const EVP_CIPHER* cipher(CipherId id) const { return ciphers_[id]; }
  const EVP_MD* digest(DigestId id) const { return digests_[id]; }
  EVP_KDF* scrypt() const { return scrypt_; }

  Fetched(const Fetched&) = delete;
  Fetched& operator=(const Fetched&) = delete;
  ~Fetched();

 private:
  Fetched();
  EVP_CIPHER* ciphers_[kCipherCount] = {};
  EVP_MD* digests_[kDigestCount] = {};
  EVP_KDF* scrypt_ = nullptr;
};

// The oldest error in this thread's OpenSSL error queue as text ("" when
// empty); empties the queue so that no stale error leaks to other callers.
std::string TakeOpensslError();

}  // namespace tower::openssl

#endif  // TOWER_CRYPTO_OPENSSL_PROVIDER_HPP_
