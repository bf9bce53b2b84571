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
#include <iterator>
#include <string>

#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::check_aead_args;
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

// The variants, in table order: kAeads[i].user == &kCamellia[i].
const CamelliaGcm kCamellia[] = {
    {"camellia-128-gcm", GCRY_CIPHER_CAMELLIA128, 16},
    {"camellia-192-gcm", GCRY_CIPHER_CAMELLIA192, 24},
    {"camellia-256-gcm", GCRY_CIPHER_CAMELLIA256, 32},
};

// The provider's table, defined below.
extern const tower_aead_def kAeads[std::size(kCamellia)];

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

// Checks the arguments of a seal (opening = false) or open (opening = true)
// against the definition and GCM's length limit (check_aead_args), then
// opens `c` keyed with `key` and `nonce` and feeds it the associated data.
// `in` is the plaintext (seal) or ciphertext (open). Returns TOWER_OK or the
// error (with `err` set).
int32_t Start(const CamelliaGcm& a, bool opening, const uint8_t* key, size_t key_len,
              const uint8_t* nonce, size_t nonce_len, const uint8_t* ad, size_t ad_len,
              const uint8_t* in, size_t in_len, const uint8_t* out, Cipher* c, tower_sink* err) {
  const tower_aead_def& d = kAeads[&a - kCamellia];
  int32_t rc = check_aead_args(d, opening, key, key_len, nonce, nonce_len, ad, ad_len, in, in_len,
                               out, kMaxPlaintext, err);
  if (rc != TOWER_OK) return rc;
  if (!GcryptReady()) {
    return crypto_fail(err, TOWER_E_INTERNAL,
                       std::string(a.name) +
                           ": libgcrypt is older than the version Tower was built with (" +
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
  Cipher c;
  int32_t rc =
      Start(a, false, key, key_len, nonce, nonce_len, ad, ad_len, pt, pt_len, out, &c, err);
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
  Cipher c;
  int32_t rc = Start(a, true, key, key_len, nonce, nonce_len, ad, ad_len, ct, ct_len, out, &c, err);
  if (rc != TOWER_OK) return rc;
  const size_t pt_len = ct_len - kTagSize;
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

const tower_aead_def kAeads[std::size(kCamellia)] = {MakeAead(kCamellia[0]), MakeAead(kCamellia[1]),
                                                     MakeAead(kCamellia[2])};

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
