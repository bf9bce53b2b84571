// The "gcrypt" crypto provider: Camellia-128/192/256 in GCM mode on
// libgcrypt (OpenSSL 3.0 has Camellia, but not Camellia-GCM).
//
// Every call opens its own gcry_cipher_hd_t (so calls share no state), and
// gcry_cipher_close wipes the key schedule. GCM accepts nonces of 1..128
// bytes here (Tower generates 12); the tag is always the full 16 bytes and
// is checked with gcry_cipher_checktag, which compares in constant time.
#include <dlfcn.h>
#include <gcrypt.h>

#include <cstdint>
#include <string>

#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::crypto_fail;

constexpr size_t kTagSize = 16;
constexpr size_t kNonceSize = 12;
constexpr size_t kNonceMin = 1;
constexpr size_t kNonceMax = 128;
// GCM's plaintext limit (NIST SP 800-38D): 2^39 - 256 bits.
constexpr uint64_t kMaxPlaintext = (uint64_t{1} << 36) - 32;

// Keeps libgcrypt mapped for the rest of the process. libgcrypt has no
// de-initialisation: the state it allocates when initialised would leak
// each time the kernel unloads this plugin (and libgcrypt with it), and a
// reload would initialise it again. Pinning it with RTLD_NODELETE keeps one
// initialised libgcrypt per process. Best effort: failure changes nothing
// else.
void PinLibgcrypt() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&gcry_check_version), &info) == 0 ||
      info.dli_fname == nullptr) {
    return;
  }
  // The handle is deliberately never closed.
  (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

// Initialises libgcrypt once per process, thread-safely (function-local
// static). When the application has already finished initialising the
// library, its settings are left alone; otherwise secure memory is
// disabled (keys live only briefly in per-call contexts that libgcrypt
// wipes on close) and initialisation is declared finished.
bool GcryptReady() {
  static const bool ready = [] {
    PinLibgcrypt();
    if (gcry_check_version(GCRYPT_VERSION) == nullptr) return false;
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
      gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
      gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
    return true;
  }();
  return ready;
}

// One Camellia-GCM variant; the tower_aead_def's `user` points here.
struct CamelliaGcm {
  const char* name;
  int algo;  // GCRY_CIPHER_CAMELLIA*
  size_t key_size;
};

const CamelliaGcm kCamellia128 = {"camellia-128-gcm", GCRY_CIPHER_CAMELLIA128, 16};
const CamelliaGcm kCamellia192 = {"camellia-192-gcm", GCRY_CIPHER_CAMELLIA192, 24};
const CamelliaGcm kCamellia256 = {"camellia-256-gcm", GCRY_CIPHER_CAMELLIA256, 32};

// Owns a cipher handle; closing it wipes the key schedule.
class Cipher {
 public:
  Cipher() = default;
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;
  ~Cipher() {
    if (h_ != nullptr) gcry_cipher_close(h_);
  }
  gcry_cipher_hd_t* addr() { return &h_; }
  gcry_cipher_hd_t get() const { return h_; }

 private:
  gcry_cipher_hd_t h_ = nullptr;
};

// "camellia-128-gcm: <what>: <libgcrypt's reason>".
std::string GcryMessage(const CamelliaGcm& a, const char* what, gcry_error_t e) {
  return std::string(a.name) + ": " + what + ": " + gcry_strerror(e);
}

// Checks the arguments shared by seal and open (key and nonce lengths,
// pointers of non-empty buffers), then opens `c` keyed with `key` and
// `nonce` and feeds it the associated data. Returns TOWER_OK or the error
// (with `err` set).
int32_t Start(const CamelliaGcm& a, const uint8_t* key, size_t key_len, const uint8_t* nonce,
              size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* in, size_t in_len,
              const uint8_t* out, size_t out_len, Cipher* c, tower_sink* err) {
  const std::string name = a.name;
  if (key_len != a.key_size || key == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": key must be " + std::to_string(a.key_size) + " bytes, got " +
                           std::to_string(key_len) + (key == nullptr ? " (null pointer)" : ""));
  }
  if (nonce_len < kNonceMin || nonce_len > kNonceMax || nonce == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": nonce must be " + std::to_string(kNonceMin) + ".." +
                           std::to_string(kNonceMax) + " bytes, got " + std::to_string(nonce_len) +
                           (nonce == nullptr ? " (null pointer)" : ""));
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
  if (!GcryptReady()) {
    return crypto_fail(err, TOWER_E_INTERNAL,
                       name + ": libgcrypt is older than the version Tower was built with (" +
                           GCRYPT_VERSION + ")");
  }
  gcry_error_t e = gcry_cipher_open(c->addr(), a.algo, GCRY_CIPHER_MODE_GCM, 0);
  if (e != 0) {
    // Camellia is refused in FIPS mode, for example.
    return crypto_fail(err, TOWER_E_NOT_SUPPORTED, GcryMessage(a, "cannot open cipher", e));
  }
  if ((e = gcry_cipher_setkey(c->get(), key, key_len)) != 0) {
    return crypto_fail(err, TOWER_E_INTERNAL, GcryMessage(a, "setting the key failed", e));
  }
  if ((e = gcry_cipher_setiv(c->get(), nonce, nonce_len)) != 0) {
    return crypto_fail(err, TOWER_E_INTERNAL, GcryMessage(a, "setting the nonce failed", e));
  }
  if (ad_len != 0 && (e = gcry_cipher_authenticate(c->get(), ad, ad_len)) != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, GcryMessage(a, "associated data refused", e));
  }
  return TOWER_OK;
}

// tower_aead_def.seal: out = ciphertext || 16-byte tag.
int32_t Seal(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* pt, size_t pt_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const CamelliaGcm*>(user);
  if (pt_len > kMaxPlaintext) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(a.name) + ": plaintext of " + std::to_string(pt_len) +
                           " bytes exceeds GCM's limit of " + std::to_string(kMaxPlaintext));
  }
  Cipher c;
  int32_t rc = Start(a, key, key_len, nonce, nonce_len, ad, ad_len, pt, pt_len, out,
                     pt_len + kTagSize, &c, err);
  if (rc != TOWER_OK) return rc;
  gcry_error_t e = 0;
  if (pt_len != 0) {
    gcry_cipher_final(c.get());
    e = gcry_cipher_encrypt(c.get(), out, pt_len, pt, pt_len);
  }
  if (e == 0) e = gcry_cipher_gettag(c.get(), out + pt_len, kTagSize);
  if (e != 0) {
    tower::sdk::wipe(out, pt_len + kTagSize);
    return crypto_fail(err, TOWER_E_INTERNAL, GcryMessage(a, "encryption failed", e));
  }
  return TOWER_OK;
}

// tower_aead_def.open: decrypts, then checks the tag in constant time; on
// a mismatch the plaintext already written is wiped and
// TOWER_E_AUTH_FAILED returned.
int32_t Open(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
             size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* ct, size_t ct_len,
             uint8_t* out, tower_sink* err) {
  const auto& a = *static_cast<const CamelliaGcm*>(user);
  if (ct_len < kTagSize) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(a.name) + ": ciphertext of " + std::to_string(ct_len) +
                           " bytes is shorter than the " + std::to_string(kTagSize) + "-byte tag");
  }
  const size_t pt_len = ct_len - kTagSize;
  if (pt_len > kMaxPlaintext) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(a.name) + ": ciphertext of " + std::to_string(ct_len) +
                           " bytes exceeds GCM's limit");
  }
  Cipher c;
  int32_t rc =
      Start(a, key, key_len, nonce, nonce_len, ad, ad_len, ct, ct_len, out, pt_len, &c, err);
  if (rc != TOWER_OK) return rc;
  gcry_error_t e = 0;
  if (pt_len != 0) {
    gcry_cipher_final(c.get());
    e = gcry_cipher_decrypt(c.get(), out, pt_len, ct, pt_len);
  }
  if (e != 0) {
    if (pt_len != 0) tower::sdk::wipe(out, pt_len);
    return crypto_fail(err, TOWER_E_INTERNAL, GcryMessage(a, "decryption failed", e));
  }
  e = gcry_cipher_checktag(c.get(), ct + pt_len, kTagSize);
  if (e != 0) {
    if (pt_len != 0) tower::sdk::wipe(out, pt_len);
    if (gcry_err_code(e) == GPG_ERR_CHECKSUM) {
      return crypto_fail(err, TOWER_E_AUTH_FAILED,
                         std::string(a.name) +
                             ": authentication failed (wrong key, nonce, associated data or "
                             "tampered ciphertext)");
    }
    return crypto_fail(err, TOWER_E_INTERNAL, GcryMessage(a, "tag check failed", e));
  }
  return TOWER_OK;
}

// Builds the tower_aead_def of one Camellia-GCM variant.
constexpr tower_aead_def MakeAead(const CamelliaGcm& a) {
  return tower_aead_def{
      .struct_size = sizeof(tower_aead_def),
      .key_size = static_cast<uint32_t>(a.key_size),
      .nonce_size = kNonceSize,
      .nonce_min = kNonceMin,
      .nonce_max = kNonceMax,
      .tag_size = kTagSize,
      .name = a.name,
      .user = &a,
      .seal = Seal,
      .open = Open,
  };
}

const tower_aead_def kAeads[] = {MakeAead(kCamellia128), MakeAead(kCamellia192),
                                 MakeAead(kCamellia256)};

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

TOWER_CRYPTO_PLUGIN("gcrypt", "1.0.0", "Camellia-128/192/256-GCM on libgcrypt", kApi)
