/* Tower plugin ABI: the crypto kind (ABI 1.2).
 *
 * A crypto plugin is a provider: it registers algorithms by name in four
 * families — AEAD ciphers, password hashes, key derivation functions and
 * hashes — and may offer a random source. The kernel collects the
 * algorithms of every loaded provider, picks one provider per algorithm
 * (the one a config pins, else the first loaded that has it) and hands the
 * chosen definition to whoever needs it (for example the "secrets"
 * data-type plugin, through tower_cmd_api.find_crypto).
 *
 * Algorithm names are lower case and stable, e.g. "aes-256-gcm",
 * "chacha20-poly1305", "xchacha20-poly1305", "ascon-aead128", "argon2id",
 * "bcrypt", "scrypt", "pbkdf2-sha256", "blake3". docs/crypto.md lists them.
 *
 * Every function is thread-safe and may be called concurrently; `user` is
 * the definition's own `user` pointer. Buffers are borrowed for the call.
 * Functions return TOWER_OK or a TOWER_E_* code and describe failures
 * through `err` (which may be NULL). A provider never keeps key material or
 * plaintext beyond a call and wipes its own temporary copies.
 */
#ifndef TOWER_SDK_CRYPTO_H_
#define TOWER_SDK_CRYPTO_H_

#include "tower/sdk/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Algorithm families (tower_cmd_api.find_crypto's `family`). */
#define TOWER_CRYPTO_AEAD 1u
#define TOWER_CRYPTO_PASSWORD 2u
#define TOWER_CRYPTO_KDF 3u
#define TOWER_CRYPTO_HASH 4u
/* find_crypto only: look a password definition up by an encoded hash. */
#define TOWER_CRYPTO_PASSWORD_ENCODED 5u

/* An authenticated cipher with associated data.
 *
 * seal writes pt_len + tag_size bytes to `out`: the ciphertext, then the
 * tag. open reads such a buffer (ct_len >= tag_size) and writes
 * ct_len - tag_size bytes of plaintext to `out`; when the tag does not
 * verify it returns TOWER_E_AUTH_FAILED and leaves no plaintext in `out`
 * (it is zeroed). `out` may not overlap the input. Keys must have exactly
 * key_size bytes and nonces between nonce_min and nonce_max bytes
 * (TOWER_E_INVALID_ARGUMENT otherwise); nonce_size is the length Tower
 * uses (GCM, for example, accepts 1..128 but uses 12). Truncated tags are
 * not offered: a truncated GCM tag is a prefix of the full one. */
typedef struct tower_aead_def {
  uint32_t struct_size; /* sizeof(tower_aead_def) */
  uint32_t key_size;
  uint32_t nonce_size; /* the length Tower generates */
  uint32_t nonce_min;
  uint32_t nonce_max;
  uint32_t tag_size;
  const char* name;
  const void* user;
  int32_t (*seal)(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
                  size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* pt,
                  size_t pt_len, uint8_t* out, tower_sink* err);
  int32_t (*open)(const void* user, const uint8_t* key, size_t key_len, const uint8_t* nonce,
                  size_t nonce_len, const uint8_t* ad, size_t ad_len, const uint8_t* ct,
                  size_t ct_len, uint8_t* out, tower_sink* err);
} tower_aead_def;

/* A password hash that produces self-describing strings (PHC string format
 * where the algorithm has one: "$argon2id$v=19$m=32768,t=3,p=4$salt$hash",
 * "$scrypt$ln=17,r=8,p=1$salt$hash", "$pbkdf2-sha256$i=600000,l=32$salt$hash";
 * bcrypt keeps its own "$2b$12$..." form).
 *
 * `params` is text "name=value,name=value" using the names in
 * `param_names` (e.g. "t=3,m=32768,p=4,l=32"); missing names take the
 * provider's defaults, `default_params` spells all of them, and an unknown
 * name or a value out of range is TOWER_E_INVALID_ARGUMENT naming it.
 *
 * hash: hashes `password` with `salt` (salt_len within the algorithm's
 *   limits; bcrypt needs exactly 16) and writes the encoded string to
 *   `out`. Passwords the algorithm would silently truncate are refused with
 *   TOWER_E_INVALID_ARGUMENT.
 * verify: recomputes the hash described by `encoded` and compares in
 *   constant time; *match = 1 or 0. A malformed string is
 *   TOWER_E_INVALID_ARGUMENT (TOWER_E_CORRUPTION is the kernel's business).
 * needs_rehash: *result = 1 when `encoded` was made by another algorithm
 *   (another prefix), or with a cost parameter below the policy `params`
 *   (empty = the defaults), or with another output length; stronger costs
 *   give 0. A string of this algorithm that does not parse is
 *   TOWER_E_INVALID_ARGUMENT.
 *
 * `prefixes` is a NULL-terminated list of the "$id$" prefixes this
 * algorithm verifies, e.g. {"$argon2id$", NULL} or {"$2b$", "$2a$", "$2y$",
 * NULL}; the kernel routes verification by it. */
typedef struct tower_password_def {
  uint32_t struct_size; /* sizeof(tower_password_def) */
  uint32_t reserved;
  const char* name;
  const char* const* prefixes;
  const char* param_names;    /* comma-separated, e.g. "t,m,p,l" */
  const char* default_params; /* e.g. "t=3,m=32768,p=4,l=32" */
  const void* user;
  int32_t (*hash)(const void* user, const char* password, size_t password_len,
                  const uint8_t* salt, size_t salt_len, const char* params, size_t params_len,
                  tower_sink* out, tower_sink* err);
  int32_t (*verify)(const void* user, const char* password, size_t password_len,
                    const char* encoded, size_t encoded_len, int32_t* match, tower_sink* err);
  int32_t (*needs_rehash)(const void* user, const char* encoded, size_t encoded_len,
                          const char* params, size_t params_len, int32_t* result,
                          tower_sink* err);
} tower_password_def;

/* A key derivation function: derives out_len bytes from key material and a
 * context string (BLAKE3's derive_key: the context should be globally
 * unique and hard-coded, e.g. "tower safebox 2026 aes-256-gcm 32"). */
typedef struct tower_kdf_def {
  uint32_t struct_size; /* sizeof(tower_kdf_def) */
  uint32_t reserved;
  const char* name;
  const void* user;
  int32_t (*derive)(const void* user, const char* context, size_t context_len,
                    const uint8_t* material, size_t material_len, uint8_t* out, size_t out_len,
                    tower_sink* err);
} tower_kdf_def;

/* A hash. key_size 0 means unkeyed (key must be NULL/0); otherwise the key
 * must have exactly key_size bytes. out_len may differ from digest_size
 * only when xof is 1 (extendable output, e.g. BLAKE3). */
typedef struct tower_hash_def {
  uint32_t struct_size; /* sizeof(tower_hash_def) */
  uint32_t digest_size;
  uint32_t key_size;
  uint32_t xof;
  const char* name;
  const void* user;
  int32_t (*hash)(const void* user, const uint8_t* key, size_t key_len, const uint8_t* data,
                  size_t data_len, uint8_t* out, size_t out_len, tower_sink* err);
} tower_hash_def;

/* The provider's table (the descriptor's `crypto` slot). Counts may be 0. */
typedef struct tower_crypto_api {
  uint32_t struct_size; /* sizeof(tower_crypto_api) */
  uint32_t reserved;
  size_t aead_count;
  const tower_aead_def* aeads;
  size_t password_count;
  const tower_password_def* passwords;
  size_t kdf_count;
  const tower_kdf_def* kdfs;
  size_t hash_count;
  const tower_hash_def* hashes;
  /* Cryptographically secure random bytes, or NULL when the provider has
   * no random source of its own. */
  int32_t (*random_bytes)(uint8_t* out, size_t len, tower_sink* err);
} tower_crypto_api;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TOWER_SDK_CRYPTO_H_ */
