// The "argon2" crypto provider: the Argon2id and Argon2i password hashes
// (RFC 9106, version 0x13) on the reference library libargon2.
//
// Hashes are PHC strings "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>"
// (unpadded standard base64), exactly what argon2_hash writes. Parameters are
// "t,m,p,l" (passes, memory in KiB, lanes/threads, hash length in bytes) with
// the defaults t=3, m=32768 (32 MiB), p=4, l=32. Verification parses the
// string itself (so absurd parameters are refused before anything is
// allocated), recomputes the raw hash with libargon2 and compares it in
// constant time.
#include <argon2.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/crypto.hpp"

namespace {

using tower::sdk::constant_time_equal;
using tower::sdk::crypto_fail;
using tower::sdk::CryptoParams;
using tower::sdk::wipe;

// One offered variant; a definition's `user` points at it.
struct Variant {
  argon2_type type;
  const char* name;    // "argon2id"
  const char* prefix;  // "$argon2id$"
};

constexpr Variant kArgon2id{Argon2_id, "argon2id", "$argon2id$"};
constexpr Variant kArgon2i{Argon2_i, "argon2i", "$argon2i$"};

constexpr char kParamNames[] = "t,m,p,l";
constexpr char kDefaultParams[] = "t=3,m=32768,p=4,l=32";

// Sanity limits. libargon2 itself allows far more (terabytes of memory,
// 2^32 passes); these keep a bad parameter or a hostile stored string from
// tying up the machine.
constexpr uint64_t kMinT = 1, kMaxT = uint64_t{1} << 16;
constexpr uint64_t kMinM = 8, kMaxM = uint64_t{4} << 20;  // KiB: 8 KiB .. 4 GiB
constexpr uint64_t kMinP = 1, kMaxP = 255;
constexpr uint64_t kMinL = 16, kMaxL = 1024;
// verify also accepts the shorter hashes other Argon2 implementations may
// have stored (libargon2's minimum); needs_rehash reports them as weak.
constexpr uint64_t kMinVerifyL = 4;
constexpr size_t kMinSalt = 8, kMaxSalt = 64;

// Argon2 cost parameters.
struct Params {
  uint64_t t = 3;
  uint64_t m = 32768;
  uint64_t p = 4;
  uint64_t l = 32;
};

std::string Prefixed(const Variant& v, std::string_view message) {
  return std::string(v.name) + ": " + std::string(message);
}

// Checks the relation libargon2 imposes between memory and lanes.
int32_t CheckMemoryPerLane(const Variant& v, uint64_t m, uint64_t p, tower_sink* err) {
  if (m < 8 * p) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       Prefixed(v, "parameter m=" + std::to_string(m) + " is below 8*p=" +
                                       std::to_string(8 * p) + " KiB (8 KiB per lane)"));
  }
  return TOWER_OK;
}

// Parses "t=..,m=..,p=..,l=.." (missing names keep the defaults).
int32_t ParseParams(const Variant& v, const char* text, size_t len, Params* out, tower_sink* err) {
  if (text == nullptr && len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "params is NULL"));
  }
  CryptoParams parsed;
  std::string why;
  std::string_view sv = text == nullptr ? std::string_view() : std::string_view(text, len);
  if (!CryptoParams::parse(sv, kParamNames, &parsed, &why) ||
      !parsed.get_u64("t", kMinT, kMaxT, &out->t, &why) ||
      !parsed.get_u64("m", kMinM, kMaxM, &out->m, &why) ||
      !parsed.get_u64("p", kMinP, kMaxP, &out->p, &why) ||
      !parsed.get_u64("l", kMinL, kMaxL, &out->l, &why)) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, why));
  }
  return CheckMemoryPerLane(v, out->m, out->p, err);
}

// Value of a standard base64 character, or -1.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes unpadded standard base64 (the PHC form). Rejects padding, stray
// characters, impossible lengths and non-zero trailing bits.
bool Base64Decode(std::string_view in, std::vector<uint8_t>* out) {
  out->clear();
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64Value(c);
    if (v < 0) return false;
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xFFFFu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return bits < 6 && (acc & ((1u << bits) - 1)) == 0;
}

// A decoded PHC string.
struct Decoded {
  argon2_type type = Argon2_id;
  uint64_t m = 0, t = 0, p = 0;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> hash;
};

// Reads "<name>=<decimal>" at the front of *s (no sign, no leading zeros).
bool TakeNumber(std::string_view* s, std::string_view name, uint64_t* value) {
  if (s->substr(0, name.size()) != name || s->size() <= name.size() || (*s)[name.size()] != '=') {
    return false;
  }
  s->remove_prefix(name.size() + 1);
  size_t n = 0;
  uint64_t x = 0;
  while (n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9') {
    if (n == 10) return false;  // more than any limit here
    x = x * 10 + static_cast<uint64_t>((*s)[n] - '0');
    ++n;
  }
  if (n == 0 || (n > 1 && (*s)[0] == '0')) return false;
  s->remove_prefix(n);
  *value = x;
  return true;
}

// Parses and range-checks "$argon2{i,d,id}$v=19$m=M,t=T,p=P$salt$hash".
// `v` only names the algorithm in messages.
int32_t Decode(const Variant& v, std::string_view s, Decoded* d, tower_sink* err) {
  auto malformed = [&](std::string_view what) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                       Prefixed(v, "malformed encoded hash: " + std::string(what)));
  };
  if (s.starts_with("$argon2id$")) {
    d->type = Argon2_id;
    s.remove_prefix(10);
  } else if (s.starts_with("$argon2i$")) {
    d->type = Argon2_i;
    s.remove_prefix(9);
  } else if (s.starts_with("$argon2d$")) {
    d->type = Argon2_d;
    s.remove_prefix(9);
  } else {
    return malformed("expected a $argon2id$, $argon2i$ or $argon2d$ prefix");
  }
  if (!s.starts_with("v=")) return malformed("missing the version field v=19");
  uint64_t version = 0;
  if (!TakeNumber(&s, "v", &version) || version != ARGON2_VERSION_13 || !s.starts_with('$')) {
    return malformed("version must be v=19 (Argon2 1.3)");
  }
  s.remove_prefix(1);
  if (!TakeNumber(&s, "m", &d->m) || !s.starts_with(',')) {
    return malformed("expected m=<KiB>,t=<passes>,p=<lanes>");
  }
  s.remove_prefix(1);
  if (!TakeNumber(&s, "t", &d->t) || !s.starts_with(',')) {
    return malformed("expected m=<KiB>,t=<passes>,p=<lanes>");
  }
  s.remove_prefix(1);
  if (!TakeNumber(&s, "p", &d->p) || !s.starts_with('$')) {
    return malformed("expected m=<KiB>,t=<passes>,p=<lanes>");
  }
  s.remove_prefix(1);
  size_t dollar = s.find('$');
  if (dollar == std::string_view::npos) return malformed("missing the hash field");
  if (!Base64Decode(s.substr(0, dollar), &d->salt)) return malformed("salt is not base64");
  if (!Base64Decode(s.substr(dollar + 1), &d->hash)) return malformed("hash is not base64");

  auto range = [&](const char* what, uint64_t x, uint64_t lo, uint64_t hi) {
    return crypto_fail(
        err, TOWER_E_INVALID_ARGUMENT,
        Prefixed(v, std::string("encoded hash has ") + what + "=" + std::to_string(x) +
                        ", outside " + std::to_string(lo) + ".." + std::to_string(hi)));
  };
  if (d->m < kMinM || d->m > kMaxM) return range("m", d->m, kMinM, kMaxM);
  if (d->t < kMinT || d->t > kMaxT) return range("t", d->t, kMinT, kMaxT);
  if (d->p < kMinP || d->p > kMaxP) return range("p", d->p, kMinP, kMaxP);
  if (d->salt.size() < kMinSalt || d->salt.size() > kMaxSalt) {
    return range("salt length", d->salt.size(), kMinSalt, kMaxSalt);
  }
  if (d->hash.size() < kMinVerifyL || d->hash.size() > kMaxL) {
    return range("hash length", d->hash.size(), kMinVerifyL, kMaxL);
  }
  return CheckMemoryPerLane(v, d->m, d->p, err);
}

// Maps a libargon2 failure to a status.
int32_t Argon2Fail(const Variant& v, int rc, tower_sink* err) {
  int32_t code = rc == ARGON2_MEMORY_ALLOCATION_ERROR ? TOWER_E_INTERNAL : TOWER_E_INVALID_ARGUMENT;
  if (rc == ARGON2_THREAD_FAIL) code = TOWER_E_INTERNAL;
  return crypto_fail(err, code, Prefixed(v, std::string("libargon2: ") + argon2_error_message(rc)));
}

// Checks the password slice shared by hash and verify.
int32_t CheckPassword(const Variant& v, const char* password, size_t len, tower_sink* err) {
  if (password == nullptr && len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "password is NULL"));
  }
  if (len > ARGON2_MAX_PWD_LENGTH) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "password is too long"));
  }
  return TOWER_OK;
}

// tower_password_def.hash: the PHC string of `password` under `salt`.
int32_t Hash(const void* user, const char* password, size_t password_len, const uint8_t* salt,
             size_t salt_len, const char* params, size_t params_len, tower_sink* out,
             tower_sink* err) {
  const Variant& v = *static_cast<const Variant*>(user);
  if (out == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "no output sink"));
  }
  if (int32_t rc = CheckPassword(v, password, password_len, err); rc != TOWER_OK) return rc;
  if (salt == nullptr || salt_len < kMinSalt || salt_len > kMaxSalt) {
    return crypto_fail(
        err, TOWER_E_INVALID_ARGUMENT,
        Prefixed(v, "salt must be " + std::to_string(kMinSalt) + ".." + std::to_string(kMaxSalt) +
                        " bytes, got " + std::to_string(salt == nullptr ? 0 : salt_len)));
  }
  Params p;
  if (int32_t rc = ParseParams(v, params, params_len, &p, err); rc != TOWER_OK) return rc;
  const auto t = static_cast<uint32_t>(p.t), m = static_cast<uint32_t>(p.m),
             lanes = static_cast<uint32_t>(p.p), l = static_cast<uint32_t>(p.l);
  size_t encoded_len = argon2_encodedlen(t, m, lanes, static_cast<uint32_t>(salt_len), l, v.type);
  std::string encoded(encoded_len, '\0');
  // hash = NULL: only the encoded form is wanted; libargon2 wipes its own
  // copy of the raw output.
  int rc = argon2_hash(t, m, lanes, password, password_len, salt, salt_len, nullptr, l,
                       encoded.data(), encoded.size(), v.type, ARGON2_VERSION_13);
  if (rc != ARGON2_OK) return Argon2Fail(v, rc, err);
  encoded.resize(std::strlen(encoded.c_str()));
  out->set(out->ctx, encoded.data(), encoded.size());
  return TOWER_OK;
}

// tower_password_def.verify: recomputes the hash `encoded` describes (its
// prefix picks Argon2id or Argon2i) and compares in constant time.
int32_t Verify(const void* user, const char* password, size_t password_len, const char* encoded,
               size_t encoded_len, int32_t* match, tower_sink* err) {
  const Variant& v = *static_cast<const Variant*>(user);
  if (match == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "match is NULL"));
  }
  *match = 0;
  if (int32_t rc = CheckPassword(v, password, password_len, err); rc != TOWER_OK) return rc;
  if (encoded == nullptr && encoded_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "encoded hash is NULL"));
  }
  Decoded d;
  std::string_view s =
      encoded == nullptr ? std::string_view() : std::string_view(encoded, encoded_len);
  if (int32_t rc = Decode(v, s, &d, err); rc != TOWER_OK) return rc;
  if (d.type == Argon2_d) {
    return crypto_fail(err, TOWER_E_NOT_SUPPORTED,
                       Prefixed(v, "Argon2d hashes are not offered (only argon2id and argon2i)"));
  }
  std::vector<uint8_t> computed(d.hash.size());
  int rc =
      argon2_hash(static_cast<uint32_t>(d.t), static_cast<uint32_t>(d.m),
                  static_cast<uint32_t>(d.p), password, password_len, d.salt.data(), d.salt.size(),
                  computed.data(), computed.size(), nullptr, 0, d.type, ARGON2_VERSION_13);
  if (rc != ARGON2_OK) {
    wipe(computed.data(), computed.size());
    return Argon2Fail(v, rc, err);
  }
  *match =
      constant_time_equal(computed.data(), computed.size(), d.hash.data(), d.hash.size()) ? 1 : 0;
  wipe(computed.data(), computed.size());
  return TOWER_OK;
}

// tower_password_def.needs_rehash: 1 when `encoded` is another variant or
// another algorithm's "$id$..." string, when its t, m or p is below the
// policy's, or when its hash length is not the policy's (crypto.h: "another
// output length", longer or shorter).
int32_t NeedsRehash(const void* user, const char* encoded, size_t encoded_len, const char* params,
                    size_t params_len, int32_t* result, tower_sink* err) {
  const Variant& v = *static_cast<const Variant*>(user);
  if (result == nullptr) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "result is NULL"));
  }
  *result = 0;
  Params policy;
  if (int32_t rc = ParseParams(v, params, params_len, &policy, err); rc != TOWER_OK) return rc;
  if (encoded == nullptr && encoded_len != 0) {
    return crypto_fail(err, TOWER_E_INVALID_ARGUMENT, Prefixed(v, "encoded hash is NULL"));
  }
  std::string_view s =
      encoded == nullptr ? std::string_view() : std::string_view(encoded, encoded_len);
  if (!s.starts_with("$argon2")) {
    // Another algorithm's "$id$..." string: it needs a rehash into this one.
    size_t end = s.size() > 1 ? s.find('$', 1) : std::string_view::npos;
    bool id_ok = end != std::string_view::npos && end > 1;
    for (size_t i = 1; id_ok && i < end; ++i) {
      char c = s[i];
      id_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    }
    if (!s.starts_with('$') || !id_ok) {
      return crypto_fail(err, TOWER_E_INVALID_ARGUMENT,
                         Prefixed(v, "encoded hash is not a \"$id$...\" string"));
    }
    *result = 1;
    return TOWER_OK;
  }
  Decoded d;
  if (int32_t rc = Decode(v, s, &d, err); rc != TOWER_OK) return rc;
  *result = (d.type != v.type || d.t < policy.t || d.m < policy.m || d.p < policy.p ||
             d.hash.size() != policy.l)
                ? 1
                : 0;
  return TOWER_OK;
}

constexpr const char* kArgon2idPrefixes[] = {"$argon2id$", nullptr};
constexpr const char* kArgon2iPrefixes[] = {"$argon2i$", nullptr};

const tower_password_def kPasswords[] = {
    {sizeof(tower_password_def), 0, "argon2id", kArgon2idPrefixes, kParamNames, kDefaultParams,
     &kArgon2id, Hash, Verify, NeedsRehash},
    {sizeof(tower_password_def), 0, "argon2i", kArgon2iPrefixes, kParamNames, kDefaultParams,
     &kArgon2i, Hash, Verify, NeedsRehash},
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

TOWER_CRYPTO_PLUGIN("argon2", "1.0.0", "Argon2id and Argon2i password hashes on libargon2", kApi)
