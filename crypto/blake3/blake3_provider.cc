// The "blake3" crypto provider: the BLAKE3 hash (unkeyed "blake3" and
// keyed "blake3-keyed", both extendable-output) and BLAKE3's derive_key
// mode as the KDF "blake3", on the official BLAKE3 C implementation
// (compiled into this plugin from Debian's librust-blake3-dev sources).
#include <cstdint>
#include <string>

#include "blake3.h"
#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::crypto_fail;

// blake3_dispatch.c caches the CPU's features in a plain global on first
// use. Running one hash inside a function-local static before any real
// work makes that first write happen-before every later read (the static's
// guard synchronises), so concurrent first calls do not race on it.
void Blake3Ready() {
  static const bool primed = [] {
    blake3_hasher h;
    blake3_hasher_init(&h);
    const uint8_t byte = 0;
    blake3_hasher_update(&h, &byte, 1);
    uint8_t out[BLAKE3_OUT_LEN];
    blake3_hasher_finalize(&h, out, sizeof(out));
    return true;
  }();
  (void)primed;
}

// Refuses a null pointer for a non-empty buffer. `what` names the buffer.
bool CheckBuffer(const void* p, size_t len, const char* alg, const char* what, int32_t* rc,
                 tower_sink* err) {
  if (p != nullptr || len == 0) return true;
  *rc = crypto_fail(
      err, TOWER_E_INVALID_ARGUMENT,
      std::string(alg) + ": " + what + " is a null pointer with length " + std::to_string(len));
  return false;
}

// What distinguishes the two hash definitions; their `user` points here.
struct Blake3Hash {
  const char* name;
  bool keyed;
};

const Blake3Hash kUnkeyed = {"blake3", false};
const Blake3Hash kKeyed = {"blake3-keyed", true};

// tower_hash_def.hash: BLAKE3 (or keyed BLAKE3 with a 32-byte key) of
// `data`, out_len >= 1 bytes of extendable output.
int32_t Hash(const void* user, const uint8_t* key, size_t key_len, const uint8_t* data,
             size_t data_len, uint8_t* out, size_t out_len, tower_sink* err) {
  const auto& a = *static_cast<const Blake3Hash*>(user);
  const std::string name = a.name;
  if (a.keyed && (key_len != BLAKE3_KEY_LEN || key == nullptr)) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": key must be " + std::to_string(BLAKE3_KEY_LEN) + " bytes, got " +
                           std::to_string(key_len) + (key == nullptr ? " (null pointer)" : ""));
  }
  if (!a.keyed && key_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": unkeyed hash takes no key, got " + std::to_string(key_len) +
                           " key bytes (use blake3-keyed)");
  }
  if (out_len == 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": output length must be >= 1");
  }
  int32_t rc = TOWER_OK;
  if (!CheckBuffer(data, data_len, a.name, "data", &rc, err) ||
      !CheckBuffer(out, out_len, a.name, "output", &rc, err)) {
    return rc;
  }
  Blake3Ready();
  blake3_hasher h;
  if (a.keyed) {
    blake3_hasher_init_keyed(&h, key);
  } else {
    blake3_hasher_init(&h);
  }
  blake3_hasher_update(&h, data, data_len);
  blake3_hasher_finalize(&h, out, out_len);
  tower::sdk::wipe(&h, sizeof(h));  // holds the key and chaining values
  return TOWER_OK;
}

// tower_kdf_def.derive: BLAKE3 derive_key(context, material), out_len >= 1
// bytes. The context must not be empty (it is what separates uses).
int32_t Derive(const void*, const char* context, size_t context_len, const uint8_t* material,
               size_t material_len, uint8_t* out, size_t out_len, tower_sink* err) {
  if (context_len == 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       "blake3 kdf: context must not be empty (use a hard-coded, globally "
                       "unique string)");
  }
  if (out_len == 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, "blake3 kdf: output length must be >= 1");
  }
  int32_t rc = TOWER_OK;
  if (!CheckBuffer(context, context_len, "blake3 kdf", "context", &rc, err) ||
      !CheckBuffer(material, material_len, "blake3 kdf", "key material", &rc, err) ||
      !CheckBuffer(out, out_len, "blake3 kdf", "output", &rc, err)) {
    return rc;
  }
  Blake3Ready();
  blake3_hasher h;
  blake3_hasher_init_derive_key_raw(&h, context, context_len);
  blake3_hasher_update(&h, material, material_len);
  blake3_hasher_finalize(&h, out, out_len);
  tower::sdk::wipe(&h, sizeof(h));  // holds state derived from the material
  return TOWER_OK;
}

// Builds the tower_hash_def of one BLAKE3 hash mode.
constexpr tower_hash_def MakeHash(const Blake3Hash& a) {
  return tower_hash_def{
      .struct_size = sizeof(tower_hash_def),
      .digest_size = BLAKE3_OUT_LEN,
      .key_size = a.keyed ? uint32_t{BLAKE3_KEY_LEN} : 0u,
      .xof = 1,
      .name = a.name,
      .user = &a,
      .hash = Hash,
  };
}

const tower_hash_def kHashes[] = {MakeHash(kUnkeyed), MakeHash(kKeyed)};

const tower_kdf_def kKdfs[] = {{
    .struct_size = sizeof(tower_kdf_def),
    .reserved = 0,
    .name = "blake3",
    .user = nullptr,
    .derive = Derive,
}};

const tower_crypto_api kApi = {
    .struct_size = sizeof(tower_crypto_api),
    .reserved = 0,
    .aead_count = 0,
    .aeads = nullptr,
    .password_count = 0,
    .passwords = nullptr,
    .kdf_count = sizeof(kKdfs) / sizeof(kKdfs[0]),
    .kdfs = kKdfs,
    .hash_count = sizeof(kHashes) / sizeof(kHashes[0]),
    .hashes = kHashes,
    .random_bytes = nullptr,
};

}  // namespace

TOWER_CRYPTO_PLUGIN("blake3", "1.0.0",
                    "BLAKE3 hash, keyed hash and derive_key KDF (BLAKE3 " BLAKE3_VERSION_STRING
                    " C implementation)",
                    kApi)
