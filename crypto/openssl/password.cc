// The password hashes of the "openssl" crypto provider, in PHC string
// format (standard base64 alphabet without padding):
//
//   scrypt         $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>
//                  params "ln,r,p,l", defaults ln=17,r=8,p=1,l=32
//   pbkdf2-sha256  $pbkdf2-sha256$i=<iterations>,l=<len>$<salt>$<hash>
//                  params "i,l", defaults i=600000,l=32
//
// scrypt runs on OpenSSL's SCRYPT KDF, PBKDF2 on PKCS5_PBKDF2_HMAC with
// SHA-256. Both share one description-driven implementation of hash,
// verify and needs_rehash (AlgoSpec below); encoded strings are parsed
// strictly and verification compares in constant time.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "openssl_provider.hpp"
#include "tower/sdk/crypto.hpp"

namespace tower::openssl {
namespace {

using tower::sdk::crypto_fail;
using tower::sdk::CryptoParams;

constexpr size_t kSaltMin = 8;
constexpr size_t kSaltMax = 64;
constexpr size_t kHashMax = 64;           // the largest "l" either algorithm accepts
constexpr size_t kMaxEncoded = 512;       // far above the longest valid string
constexpr size_t kMaxPassword = INT_MAX;  // PKCS5_PBKDF2_HMAC takes an int length
// scrypt parameters needing more than this (128 * r * N * p bytes) are
// refused: it bounds both the memory and the work one call may demand.
constexpr uint64_t kScryptMemoryCap = uint64_t{4} << 30;

// ---- base64, standard alphabet, no padding (PHC string format) ----

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends the unpadded base64 of data[0..len) to *out.
void B64Encode(const uint8_t* data, size_t len, std::string* out) {
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out->push_back(kB64[(acc >> bits) & 63]);
    }
    acc &= (1u << bits) - 1;
  }
  if (bits > 0) out->push_back(kB64[(acc << (6 - bits)) & 63]);
}

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes unpadded base64 into out[0..cap), strictly: no padding, no
// characters outside the alphabet, no impossible length, and the unused
// low bits of the last character must be zero (one encoding per value).
// Returns false with *why on malformed text or more than `cap` bytes.
bool B64Decode(std::string_view text, uint8_t* out, size_t cap, size_t* len, std::string* why) {
  if (text.size() % 4 == 1) {
    *why = "has an impossible base64 length " + std::to_string(text.size());
    return false;
  }
  const size_t n = text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1);
  if (n > cap) {
    *why = "decodes to " + std::to_string(n) + " bytes, more than " + std::to_string(cap);
    return false;
  }
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (char c : text) {
    int v = B64Value(c);
    if (v < 0) {
      *why = c == '=' ? "has base64 padding ('='), which the PHC format omits"
                      : "has a character outside the base64 alphabet";
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<uint8_t>(acc >> bits);
    }
    acc &= (1u << bits) - 1;
  }
  if (acc != 0) {
    *why = "is not canonical base64 (non-zero trailing bits)";
    return false;
  }
  *len = o;
  return true;
}

// ---- the algorithm descriptions ----

constexpr size_t kMaxParams = 4;

// One numeric parameter: its name, accepted range and default.
struct ParamSpec {
  const char* name;
  uint64_t lo, hi, def;
};

// A password hash: its parameters (the output length "l" is always the
// last), how many of them the encoded string spells (a leading run; scrypt
// leaves "l" implied by the hash length), a cross-parameter check, and the
// derivation itself. Values travel as uint64_t v[kMaxParams], in spec order.
struct AlgoSpec {
  const char* name;
  const char* prefix;
  const char* param_names;
  size_t param_count;
  size_t encoded_count;
  ParamSpec params[kMaxParams];
  // Cross-parameter validation; false with *why.
  bool (*check)(const uint64_t* v, std::string* why);
  // Derives out_len bytes (== v[l]) from an already validated parameter set.
  int32_t (*derive)(const AlgoSpec& spec, const uint64_t* v, const char* password,
                    size_t password_len, const uint8_t* salt, size_t salt_len, uint8_t* out,
                    size_t out_len, tower_sink* err);

  size_t l_index() const { return param_count - 1; }
};

// scrypt: N = 2^ln must satisfy N < 2^(16 r) (RFC 7914) and the memory
// 128 * r * N * p stays under kScryptMemoryCap.
bool ScryptCheck(const uint64_t* v, std::string* why) {
  const uint64_t ln = v[0], r = v[1], p = v[2];
  const std::string set =
      "ln=" + std::to_string(ln) + ",r=" + std::to_string(r) + ",p=" + std::to_string(p);
  if (ln >= 16 * r) {
    *why = set + " is invalid: N = 2^ln must be below 2^(16*r)";
    return false;
  }
  // ln <= 32, r <= 2^10, p <= 2^10: the product stays below 2^60.
  const uint64_t memory = 128 * r * (uint64_t{1} << ln) * p;
  if (memory > kScryptMemoryCap) {
    *why = set + " needs " + std::to_string(memory >> 20) +
           " MiB (128*r*2^ln*p bytes), more than the " + std::to_string(kScryptMemoryCap >> 20) +
           " MiB limit";
    return false;
  }
  return true;
}

bool NoCheck(const uint64_t*, std::string*) { return true; }

struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

int32_t ScryptDerive(const AlgoSpec& spec, const uint64_t* v, const char* password,
                     size_t password_len, const uint8_t* salt, size_t salt_len, uint8_t* out,
                     size_t out_len, tower_sink* err) {
  const std::string name = spec.name;
  EVP_KDF* kdf = Fetched::Get().scrypt();
  if (kdf == nullptr) {
    return crypto_fail(err, TOWER_E_NOT_SUPPORTED, name + ": not available in this OpenSSL");
  }
  uint64_t n = uint64_t{1} << v[0];
  uint32_t r = static_cast<uint32_t>(v[1]);
  uint32_t p = static_cast<uint32_t>(v[2]);
  // OpenSSL computes the p blocks one after another: it needs
  // 128*r*(N+2) + 128*r*p bytes. Allow exactly that plus some slack.
  uint64_t maxmem = 128 * uint64_t{r} * (n + p + 2) + (uint64_t{1} << 20);
  static const char kEmpty[1] = {0};
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        const_cast<char*>(password_len ? password : kEmpty),
                                        password_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt), salt_len),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf));
  if (ctx == nullptr || EVP_KDF_derive(ctx.get(), out, out_len, params) != 1) {
    return crypto_fail(err, TOWER_E_INTERNAL,
                       name + ": scrypt derivation failed: " + TakeOpensslError());
  }
  return TOWER_OK;
}

int32_t Pbkdf2Derive(const AlgoSpec& spec, const uint64_t* v, const char* password,
                     size_t password_len, const uint8_t* salt, size_t salt_len, uint8_t* out,
                     size_t out_len, tower_sink* err) {
  const std::string name = spec.name;
  const EVP_MD* md = Fetched::Get().digest(kSha256);
  if (md == nullptr) {
    return crypto_fail(err, TOWER_E_NOT_SUPPORTED, name + ": SHA-256 not available");
  }
  // All lengths were bounded by the caller (password <= INT_MAX, salt <= 64,
  // iterations <= 10^7, out_len <= 64).
  if (PKCS5_PBKDF2_HMAC(password_len ? password : "", static_cast<int>(password_len), salt,
                        static_cast<int>(salt_len), static_cast<int>(v[0]), md,
                        static_cast<int>(out_len), out) != 1) {
    return crypto_fail(err, TOWER_E_INTERNAL,
                       name + ": PBKDF2 derivation failed: " + TakeOpensslError());
  }
  return TOWER_OK;
}

const AlgoSpec kScrypt = {
    "scrypt",
    "$scrypt$",
    "ln,r,p,l",
    4,
    3,
    {{"ln", 1, 32, 17}, {"r", 1, 1024, 8}, {"p", 1, 1024, 1}, {"l", 16, kHashMax, 32}},
    &ScryptCheck,
    &ScryptDerive,
};

const AlgoSpec kPbkdf2 = {
    "pbkdf2-sha256",
    "$pbkdf2-sha256$",
    "i,l",
    2,
    2,
    {{"i", 1000, 10000000, 600000}, {"l", 16, kHashMax, 32}},
    &NoCheck,
    &Pbkdf2Derive,
};

// ---- parameters ----

// Parses policy text "name=value,..." (missing names take the defaults).
int32_t ParsePolicy(const AlgoSpec& spec, const char* text, size_t len, uint64_t* v,
                    tower_sink* err) {
  const std::string name = spec.name;
  if (text == nullptr && len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": NULL params");
  }
  CryptoParams parsed;
  std::string why;
  if (!CryptoParams::parse(std::string_view(text, len), spec.param_names, &parsed, &why)) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": " + why);
  }
  for (size_t k = 0; k < spec.param_count; ++k) {
    const ParamSpec& ps = spec.params[k];
    v[k] = ps.def;
    if (!parsed.get_u64(ps.name, ps.lo, ps.hi, &v[k], &why)) {
      return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": " + why);
    }
  }
  if (!spec.check(v, &why)) return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": " + why);
  return TOWER_OK;
}

// A decimal as the PHC format writes it: digits only, no sign, no leading
// zero (except "0" itself), and small enough for uint64_t.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = x;
  return true;
}

// How the encoded parameters look, e.g. "ln=<n>,r=<n>,p=<n>" (for messages).
std::string EncodedShape(const AlgoSpec& spec) {
  std::string list;
  for (size_t k = 0; k < spec.encoded_count; ++k) {
    if (k > 0) list += ',';
    list += spec.params[k].name;
    list += "=<n>";
  }
  return list;
}

// An encoded hash taken apart.
struct Decoded {
  uint64_t v[kMaxParams] = {};
  uint8_t salt[kSaltMax] = {};
  size_t salt_len = 0;
  uint8_t hash[kHashMax] = {};
  size_t hash_len = 0;
};

// Parses `encoded` strictly into *d; TOWER_E_INVALID_ARGUMENT saying what
// is wrong otherwise.
int32_t ParseEncoded(const AlgoSpec& spec, const char* encoded, size_t encoded_len, Decoded* d,
                     tower_sink* err) {
  const std::string name = spec.name;
  auto bad = [&](const std::string& what) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": malformed encoded hash: " + what);
  };
  if (encoded == nullptr && encoded_len != 0) return bad("NULL string");
  if (encoded_len > kMaxEncoded) {
    return bad("longer than " + std::to_string(kMaxEncoded) + " characters");
  }
  std::string_view s(encoded, encoded_len);
  const std::string_view prefix = spec.prefix;
  if (s.substr(0, prefix.size()) != prefix) {
    return bad("does not start with \"" + std::string(prefix) + "\"");
  }
  s.remove_prefix(prefix.size());
  // <params>$<salt>$<hash>, nothing more.
  const size_t d1 = s.find('$');
  const size_t d2 = d1 == std::string_view::npos ? d1 : s.find('$', d1 + 1);
  if (d2 == std::string_view::npos || s.find('$', d2 + 1) != std::string_view::npos) {
    return bad("expected <params>$<salt>$<hash> after \"" + std::string(prefix) + "\"");
  }
  std::string_view params = s.substr(0, d1);
  const std::string_view salt = s.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view hash = s.substr(d2 + 1);

  // The parameters: exactly the leading encoded_count names, in order.
  for (size_t k = 0; k < spec.encoded_count; ++k) {
    const ParamSpec& ps = spec.params[k];
    const size_t comma = params.find(',');
    const bool last = k + 1 == spec.encoded_count;
    if (last != (comma == std::string_view::npos)) {
      return bad("parameters must be exactly " + EncodedShape(spec));
    }
    const std::string_view item = params.substr(0, comma);
    params = last ? std::string_view() : params.substr(comma + 1);
    const std::string_view want = ps.name;
    if (item.size() <= want.size() || item.substr(0, want.size()) != want ||
        item[want.size()] != '=') {
      return bad("parameter " + std::to_string(k + 1) + " is \"" + std::string(item) +
                 "\", expected " + std::string(want) + "=<n>");
    }
    uint64_t x = 0;
    if (!ParseDecimal(item.substr(want.size() + 1), &x)) {
      return bad("parameter " + std::string(item) + " is not a plain decimal integer");
    }
    if (x < ps.lo || x > ps.hi) {
      return bad("parameter " + std::string(item) + " is outside " + std::to_string(ps.lo) + ".." +
                 std::to_string(ps.hi));
    }
    d->v[k] = x;
  }

  std::string why;
  if (!B64Decode(salt, d->salt, kSaltMax, &d->salt_len, &why)) return bad("salt " + why);
  if (d->salt_len < kSaltMin) {
    return bad("salt is " + std::to_string(d->salt_len) + " bytes, accepted are " +
               std::to_string(kSaltMin) + ".." + std::to_string(kSaltMax));
  }
  if (!B64Decode(hash, d->hash, kHashMax, &d->hash_len, &why)) return bad("hash " + why);
  const size_t li = spec.l_index();
  const ParamSpec& lspec = spec.params[li];
  if (li < spec.encoded_count) {
    if (d->hash_len != d->v[li]) {
      return bad("hash is " + std::to_string(d->hash_len) +
                 " bytes but l=" + std::to_string(d->v[li]));
    }
  } else {
    if (d->hash_len < lspec.lo || d->hash_len > lspec.hi) {
      return bad("hash is " + std::to_string(d->hash_len) + " bytes, accepted are " +
                 std::to_string(lspec.lo) + ".." + std::to_string(lspec.hi));
    }
    d->v[li] = d->hash_len;
  }
  if (!spec.check(d->v, &why)) return bad(why);
  return TOWER_OK;
}

int32_t CheckPassword(const AlgoSpec& spec, const char* password, size_t password_len,
                      tower_sink* err) {
  if (password == nullptr && password_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, std::string(spec.name) + ": NULL password");
  }
  if (password_len > kMaxPassword) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       std::string(spec.name) + ": password is " + std::to_string(password_len) +
                           " bytes, at most " + std::to_string(kMaxPassword) + " accepted");
  }
  return TOWER_OK;
}

// ---- the tower_password_def entry points (user = the AlgoSpec) ----

int32_t Hash(const void* user, const char* password, size_t password_len, const uint8_t* salt,
             size_t salt_len, const char* params, size_t params_len, tower_sink* out,
             tower_sink* err) {
  const auto& spec = *static_cast<const AlgoSpec*>(user);
  const std::string name = spec.name;
  int32_t rc = CheckPassword(spec, password, password_len, err);
  if (rc != TOWER_OK) return rc;
  if (salt_len < kSaltMin || salt_len > kSaltMax) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       name + ": salt is " + std::to_string(salt_len) + " bytes, accepted are " +
                           std::to_string(kSaltMin) + ".." + std::to_string(kSaltMax));
  }
  if (salt == nullptr || out == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, name + ": NULL salt or output sink");
  }
  uint64_t v[kMaxParams] = {};
  rc = ParsePolicy(spec, params, params_len, v, err);
  if (rc != TOWER_OK) return rc;
  const size_t hash_len = v[spec.l_index()];
  uint8_t hash[kHashMax];
  rc = spec.derive(spec, v, password, password_len, salt, salt_len, hash, hash_len, err);
  if (rc != TOWER_OK) return rc;

  std::string encoded = spec.prefix;
  for (size_t k = 0; k < spec.encoded_count; ++k) {
    if (k > 0) encoded += ',';
    encoded += spec.params[k].name;
    encoded += '=';
    encoded += std::to_string(v[k]);
  }
  encoded += '$';
  B64Encode(salt, salt_len, &encoded);
  encoded += '$';
  B64Encode(hash, hash_len, &encoded);
  tower::sdk::wipe(hash, sizeof(hash));
  out->set(out->ctx, encoded.data(), encoded.size());
  return TOWER_OK;
}

int32_t Verify(const void* user, const char* password, size_t password_len, const char* encoded,
               size_t encoded_len, int32_t* match, tower_sink* err) {
  const auto& spec = *static_cast<const AlgoSpec*>(user);
  if (match == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, std::string(spec.name) + ": NULL match");
  }
  *match = 0;
  int32_t rc = CheckPassword(spec, password, password_len, err);
  if (rc != TOWER_OK) return rc;
  Decoded d;
  rc = ParseEncoded(spec, encoded, encoded_len, &d, err);
  if (rc != TOWER_OK) return rc;
  uint8_t hash[kHashMax];
  rc = spec.derive(spec, d.v, password, password_len, d.salt, d.salt_len, hash, d.hash_len, err);
  if (rc == TOWER_OK) *match = CRYPTO_memcmp(hash, d.hash, d.hash_len) == 0 ? 1 : 0;
  tower::sdk::wipe(hash, sizeof(hash));
  return rc;
}

int32_t NeedsRehash(const void* user, const char* encoded, size_t encoded_len, const char* params,
                    size_t params_len, int32_t* result, tower_sink* err) {
  const auto& spec = *static_cast<const AlgoSpec*>(user);
  if (result == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, std::string(spec.name) + ": NULL result");
  }
  uint64_t policy[kMaxParams] = {};
  int32_t rc = ParsePolicy(spec, params, params_len, policy, err);
  if (rc != TOWER_OK) return rc;
  const std::string_view prefix = spec.prefix;
  if (encoded == nullptr ||
      std::string_view(encoded, encoded_len).substr(0, prefix.size()) != prefix) {
    *result = 1;  // made by another algorithm (or not a hash at all)
    return TOWER_OK;
  }
  Decoded d;
  rc = ParseEncoded(spec, encoded, encoded_len, &d, err);
  if (rc != TOWER_OK) return rc;
  int32_t weaker = 0;
  for (size_t k = 0; k < spec.param_count; ++k) {
    if (k == spec.l_index() ? d.v[k] != policy[k] : d.v[k] < policy[k]) weaker = 1;
  }
  *result = weaker;
  return TOWER_OK;
}

const char* const kScryptPrefixes[] = {"$scrypt$", nullptr};
const char* const kPbkdf2Prefixes[] = {"$pbkdf2-sha256$", nullptr};

}  // namespace

const tower_password_def kPasswords[kPasswordCount] = {
    {sizeof(tower_password_def), 0, "scrypt", kScryptPrefixes, "ln,r,p,l", "ln=17,r=8,p=1,l=32",
     &kScrypt, &Hash, &Verify, &NeedsRehash},
    {sizeof(tower_password_def), 0, "pbkdf2-sha256", kPbkdf2Prefixes, "i,l", "i=600000,l=32",
     &kPbkdf2, &Hash, &Verify, &NeedsRehash},
};

}  // namespace tower::openssl
