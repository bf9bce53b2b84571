// The "bcrypt" crypto provider: the bcrypt password hash through libxcrypt
// (crypt_gensalt_rn / crypt_rn, thread-safe with a per-call crypt_data).
//
// Hashes are "$2b$<cost>$<22 salt chars><31 hash chars>" (bcrypt's own
// base64). The single parameter is "cost" (log2 of the rounds), 4..31,
// default 12. bcrypt reads at most 72 password bytes and crypt() takes C
// strings, so longer passwords and passwords holding a NUL byte are refused
// instead of being silently truncated. verify accepts $2a$, $2b$ and $2y$.
#include <crypt.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::constant_time_equal;
using tower::sdk::crypto_fail;
using tower::sdk::CryptoParams;
using tower::sdk::SecretString;
using tower::sdk::wipe;

constexpr char kParamNames[] = "cost";
constexpr char kDefaultParams[] = "cost=12";
constexpr uint64_t kDefaultCost = 12, kMinCost = 4, kMaxCost = 31;
constexpr size_t kSaltBytes = 16;
constexpr size_t kMaxPassword = 72;
// "$2b$12$" + 22 salt characters + 31 hash characters.
constexpr size_t kEncodedLen = 60;
// The salt and hash characters, after "$2b$12$".
constexpr size_t kSaltAndHashChars = 53;

int32_t Fail(int32_t code, std::string_view message, tower_sink* err) {
  return crypto_fail(err, code, "bcrypt: " + std::string(message));
}

// A zeroed struct crypt_data on the heap (about 32 KiB: too big for the
// stack of an arbitrary caller's thread), wiped when it dies.
class CryptData {
 public:
  CryptData() : data_(std::make_unique<crypt_data>()) {}
  ~CryptData() { wipe(data_.get(), sizeof(crypt_data)); }
  CryptData(const CryptData&) = delete;
  CryptData& operator=(const CryptData&) = delete;
  crypt_data* get() { return data_.get(); }
  int size() const { return static_cast<int>(sizeof(crypt_data)); }

 private:
  std::unique_ptr<crypt_data> data_;
};

// Refuses what bcrypt would silently truncate.
int32_t CheckPassword(const char* password, size_t len, tower_sink* err) {
  if (password == nullptr && len != 0) {
    return Fail(TOWER_E_INVALID_ARGUMENT, "password is NULL", err);
  }
  if (len > kMaxPassword) {
    return Fail(TOWER_E_INVALID_ARGUMENT,
                "bcrypt uses only the first 72 bytes; refusing a longer password (" +
                    std::to_string(len) + " bytes)",
                err);
  }
  if (len != 0 && std::memchr(password, '\0', len) != nullptr) {
    return Fail(TOWER_E_INVALID_ARGUMENT,
                "password holds a NUL byte, which bcrypt would truncate at; refusing it", err);
  }
  return TOWER_OK;
}

// Parses "cost=N" (missing = the default).
int32_t ParseCost(const char* text, size_t len, uint64_t* cost, tower_sink* err) {
  if (text == nullptr && len != 0) return Fail(TOWER_E_INVALID_ARGUMENT, "params is NULL", err);
  CryptoParams parsed;
  std::string why;
  *cost = kDefaultCost;
  std::string_view sv = text == nullptr ? std::string_view() : std::string_view(text, len);
  if (!CryptoParams::parse(sv, kParamNames, &parsed, &why) ||
      !parsed.get_u64("cost", kMinCost, kMaxCost, cost, &why)) {
    return Fail(TOWER_E_INVALID_ARGUMENT, why, err);
  }
  return TOWER_OK;
}

bool IsBcryptBase64(char c) {
  return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

// A parsed "$2?$NN$..." string.
struct Parsed {
  char variant = 0;  // 'a', 'b' or 'y'
  uint64_t cost = 0;
};

// Checks the shape of a bcrypt string: $2a$/$2b$/$2y$, a two-digit cost in
// 4..31, then 53 characters of bcrypt's base64.
int32_t Parse(std::string_view s, Parsed* p, tower_sink* err) {
  if (s.size() < 4 || s[0] != '$' || s[1] != '2' || s[3] != '$' ||
      (s[2] != 'a' && s[2] != 'b' && s[2] != 'y')) {
    return Fail(TOWER_E_INVALID_ARGUMENT,
                "malformed encoded hash: expected a $2a$, $2b$ or $2y$ prefix", err);
  }
  if (s.size() != kEncodedLen) {
    return Fail(TOWER_E_INVALID_ARGUMENT,
                "malformed encoded hash: expected " + std::to_string(kEncodedLen) +
                    " characters, got " + std::to_string(s.size()),
                err);
  }
  if (s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' || s[6] != '$') {
    return Fail(TOWER_E_INVALID_ARGUMENT, "malformed encoded hash: expected a two-digit cost", err);
  }
  p->variant = s[2];
  p->cost = static_cast<uint64_t>((s[4] - '0') * 10 + (s[5] - '0'));
  if (p->cost < kMinCost || p->cost > kMaxCost) {
    return Fail(TOWER_E_INVALID_ARGUMENT,
                "encoded hash has cost=" + std::to_string(p->cost) + ", outside 4..31", err);
  }
  for (size_t i = 7; i < s.size(); ++i) {
    if (!IsBcryptBase64(s[i])) {
      return Fail(TOWER_E_INVALID_ARGUMENT,
                  "malformed encoded hash: bad character at offset " + std::to_string(i), err);
    }
  }
  return TOWER_OK;
}

// Runs crypt_rn; true with the 60-character result in *out, false when
// crypt rejects the setting (NULL or a "*0"/"*1" failure token).
bool Crypt(const SecretString& password, const std::string& setting, CryptData* data,
           std::string* out) {
  const char* r = crypt_rn(password.str().c_str(), setting.c_str(), data->get(), data->size());
  if (r == nullptr || r[0] == '*' || std::strlen(r) != kEncodedLen) return false;
  out->assign(r, kEncodedLen);
  return true;
}

// tower_password_def.hash: "$2b$<cost>$..." of `password` with the 16-byte
// `salt`.
int32_t Hash(const void*, const char* password, size_t password_len, const uint8_t* salt,
             size_t salt_len, const char* params, size_t params_len, tower_sink* out,
             tower_sink* err) {
  if (out == nullptr) return Fail(TOWER_E_INVALID_ARGUMENT, "no output sink", err);
  if (int32_t rc = CheckPassword(password, password_len, err); rc != TOWER_OK) return rc;
  if (salt == nullptr || salt_len != kSaltBytes) {
    return Fail(
        TOWER_E_INVALID_ARGUMENT,
        "bcrypt needs exactly 16 salt bytes, got " + std::to_string(salt == nullptr ? 0 : salt_len),
        err);
  }
  uint64_t cost = 0;
  if (int32_t rc = ParseCost(params, params_len, &cost, err); rc != TOWER_OK) return rc;
  char setting[CRYPT_GENSALT_OUTPUT_SIZE] = {};
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost),
                       reinterpret_cast<const char*>(salt), static_cast<int>(salt_len), setting,
                       static_cast<int>(sizeof(setting))) == nullptr) {
    return Fail(TOWER_E_INTERNAL, std::string("crypt_gensalt_rn failed: ") + std::strerror(errno),
                err);
  }
  SecretString pw(std::string_view(password == nullptr ? "" : password, password_len));
  CryptData data;
  std::string result;
  if (!Crypt(pw, setting, &data, &result)) {
    return Fail(TOWER_E_INTERNAL, "crypt_rn failed on its own setting", err);
  }
  out->set(out->ctx, result.data(), result.size());
  return TOWER_OK;
}

// tower_password_def.verify: recomputes with `encoded` as the setting and
// compares the salt and hash characters in constant time. crypt writes the
// salt back canonically (the last salt character carries 4 unused bits), so
// a string whose salt differs only in those bits does not verify: one hash
// has one spelling.
//
// "$2a$" has two readings: OpenBSD's (and Botan's, jBCrypt's, Go's), which
// is the same computation as "$2b$" for passwords under 256 bytes, and
// crypt_blowfish's (libxcrypt's, PHP's), which differs for rare passwords
// with 8-bit characters (its countermeasure against the old sign-extension
// bug). A "$2a$" hash of a password with such bytes is accepted when it
// matches either reading.
int32_t Verify(const void*, const char* password, size_t password_len, const char* encoded,
               size_t encoded_len, int32_t* match, tower_sink* err) {
  if (match == nullptr) return Fail(TOWER_E_INVALID_ARGUMENT, "match is NULL", err);
  *match = 0;
  if (encoded == nullptr && encoded_len != 0) {
    return Fail(TOWER_E_INVALID_ARGUMENT, "encoded hash is NULL", err);
  }
  std::string_view s =
      encoded == nullptr ? std::string_view() : std::string_view(encoded, encoded_len);
  Parsed parsed;
  if (int32_t rc = Parse(s, &parsed, err); rc != TOWER_OK) return rc;
  if (int32_t rc = CheckPassword(password, password_len, err); rc != TOWER_OK) return rc;

  SecretString pw(std::string_view(password == nullptr ? "" : password, password_len));
  std::string_view stored = s.substr(kEncodedLen - kSaltAndHashChars);
  CryptData data;
  std::string setting(s);
  std::string computed;
  if (!Crypt(pw, setting, &data, &computed)) {
    return Fail(TOWER_E_INVALID_ARGUMENT, "malformed encoded hash: crypt rejected it", err);
  }
  bool ok = constant_time_equal(computed.data() + kEncodedLen - kSaltAndHashChars,
                                kSaltAndHashChars, stored.data(), kSaltAndHashChars);
  bool eight_bit = false;
  for (char c : pw.str()) eight_bit = eight_bit || (static_cast<unsigned char>(c) & 0x80) != 0;
  if (!ok && parsed.variant == 'a' && eight_bit) {
    setting[2] = 'b';  // the OpenBSD reading of $2a$
    if (!Crypt(pw, setting, &data, &computed)) {
      return Fail(TOWER_E_INVALID_ARGUMENT, "malformed encoded hash: crypt rejected it", err);
    }
    ok = constant_time_equal(computed.data() + kEncodedLen - kSaltAndHashChars, kSaltAndHashChars,
                             stored.data(), kSaltAndHashChars);
  }
  wipe(computed.data(), computed.size());
  *match = ok ? 1 : 0;
  return TOWER_OK;
}

// tower_password_def.needs_rehash: 1 when the cost is below the policy's,
// the prefix is not $2b$, or the string is another algorithm's "$id$...".
int32_t NeedsRehash(const void*, const char* encoded, size_t encoded_len, const char* params,
                    size_t params_len, int32_t* result, tower_sink* err) {
  if (result == nullptr) return Fail(TOWER_E_INVALID_ARGUMENT, "result is NULL", err);
  *result = 0;
  uint64_t policy = 0;
  if (int32_t rc = ParseCost(params, params_len, &policy, err); rc != TOWER_OK) return rc;
  if (encoded == nullptr && encoded_len != 0) {
    return Fail(TOWER_E_INVALID_ARGUMENT, "encoded hash is NULL", err);
  }
  std::string_view s =
      encoded == nullptr ? std::string_view() : std::string_view(encoded, encoded_len);
  bool ours = s.starts_with("$2a$") || s.starts_with("$2b$") || s.starts_with("$2y$");
  if (!ours) {
    // Another algorithm's "$id$..." string needs a rehash into bcrypt.
    size_t end = s.size() > 1 ? s.find('$', 1) : std::string_view::npos;
    bool id_ok = s.starts_with('$') && end != std::string_view::npos && end > 1;
    for (size_t i = 1; id_ok && i < end; ++i) {
      char c = s[i];
      id_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    }
    if (!id_ok) {
      return Fail(TOWER_E_INVALID_ARGUMENT, "encoded hash is not a \"$id$...\" string", err);
    }
    *result = 1;
    return TOWER_OK;
  }
  Parsed parsed;
  if (int32_t rc = Parse(s, &parsed, err); rc != TOWER_OK) return rc;
  *result = (parsed.variant != 'b' || parsed.cost < policy) ? 1 : 0;
  return TOWER_OK;
}

constexpr const char* kPrefixes[] = {"$2b$", "$2a$", "$2y$", nullptr};

const tower_password_def kPasswords[] = {
    {sizeof(tower_password_def), 0, "bcrypt", kPrefixes, kParamNames, kDefaultParams, nullptr, Hash,
     Verify, NeedsRehash},
};

const tower_crypto_api kApi = {
    sizeof(tower_crypto_api),
    0,
    0,
    nullptr,
    sizeof(kPasswords) / sizeof(kPasswords[0]),
    kPasswords,
    0,
    nullptr,
    0,
    nullptr,
    nullptr,
};

}  // namespace

TOWER_CRYPTO_PLUGIN("bcrypt", "1.0.0", "bcrypt password hash ($2b$) through libxcrypt", kApi)
