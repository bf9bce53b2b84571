// The "secrets" data-type plugin: stored password hashes ("password") and
// encrypted values ("safebox"). It holds no cryptography of its own: every
// algorithm comes from the crypto provider the kernel chose for it
// (tower_cmd_api.find_crypto), so algorithms are picked at runtime.
//
// password payload (encoding 1): the self-describing hash string, e.g.
//   "$argon2id$v=19$m=32768,t=3,p=4$<salt>$<hash>".
// safebox payload (encoding 1):
//   u8 len(algorithm) | algorithm | u8 len(nonce) | nonce | ciphertext || tag
// The AEAD key is BLAKE3 derive_key(context, key material) with the context
// "tower safebox v1 <algorithm> <key bytes>", so two algorithms never share
// a key; the associated data is "tower safebox v1" 0x00 <algorithm> 0x00
// <tower key>, so a ciphertext copied to another key or relabelled with
// another algorithm fails to open. See docs/crypto.md.
#include <cstring>
#include <string>
#include <string_view>

#include "tower/sdk/crypto.h"
#include "tower/sdk/crypto.hpp"
#include "tower/sdk/datatype.hpp"
#include "tower/sdk/host.hpp"
#include "tower/sdk/text.hpp"

namespace {

using tower::sdk::Call;
using tower::sdk::Error;
using tower::sdk::SecretString;

constexpr uint32_t kRead = TOWER_CMD_READ_ONLY;
constexpr uint32_t kWrite = TOWER_CMD_WRITE;
constexpr char kNone[] = "none";
constexpr char kKdf[] = "blake3";
constexpr int64_t kDefaultSaltLength = 16;

// A string or binary argument.
Error Bytes(const Call& c, size_t i, std::string_view* out) {
  uint32_t t = c.arg(i).type;
  if (t != TOWER_VALUE_STRING && t != TOWER_VALUE_BINARY) return c.want(i, TOWER_VALUE_BINARY);
  *out = c.key(i);  // the bytes of argument i
  return Error::Ok();
}

Error FromCode(int32_t code, std::string message) { return Error::Make(code, std::move(message)); }

// ---- passwords ----

Error HashPassword(const Call& c, uint32_t type) {
  std::string_view password, algorithm, params;
  Error e = Bytes(c, 1, &password);
  if (e.ok()) e = c.get_bytes(2, TOWER_VALUE_STRING, &algorithm);
  int64_t salt_len = kDefaultSaltLength;
  if (e.ok() && c.size() > 3) e = c.get_int(3, &salt_len);
  if (e.ok() && c.size() > 4) e = c.get_bytes(4, TOWER_VALUE_STRING, &params);
  if (!e.ok()) return e;
  if (salt_len == 0) salt_len = kDefaultSaltLength;
  if (salt_len < 8 || salt_len > 64) {
    return c.invalid("salt length " + std::to_string(salt_len) + " is outside 8..64 bytes");
  }
  const tower_password_def* def = nullptr;
  e = c.find_crypto(TOWER_CRYPTO_PASSWORD, algorithm, &def);
  if (!e.ok()) return e;
  std::string salt(static_cast<size_t>(salt_len), '\0');
  e = c.random_bytes(salt.data(), salt.size());
  if (!e.ok()) return e;
  std::string encoded;
  tower::sdk::StringSink out(&encoded);
  tower::sdk::ErrorSink err;
  int32_t code = def->hash(def->user, password.data(), password.size(),
                           reinterpret_cast<const uint8_t*>(salt.data()), salt.size(),
                           params.data(), params.size(), &out.sink, &err.sink);
  if (code != TOWER_OK) return FromCode(code, std::move(err.message));
  e = c.write(c.key(), type, encoded);
  if (e.ok()) c.set_null();
  return e;
}

// Reads the stored hash and the definition that verifies it.
Error StoredPassword(const Call& c, uint32_t type, std::string* encoded,
                     const tower_password_def** def) {
  Error e = c.read(c.key(), type, encoded);
  if (!e.ok()) return e;
  return c.find_crypto(TOWER_CRYPTO_PASSWORD_ENCODED, *encoded, def);
}

void DefinePassword(tower::sdk::DatatypeBuilder& b) {
  const uint32_t kType = b.type("password", 1);
  b.command({"password.set", "KEY PASSWORD ALGORITHM:string [SALT_LENGTH:int] [PARAMS:string]",
             "hashes PASSWORD with a fresh random salt (default 16 bytes) and stores the hash; "
             "PARAMS like \"t=3,m=32768,p=4\" override the algorithm's defaults",
             kWrite, 3, 5},
            [kType](Call& c) { return HashPassword(c, kType); });
  b.command({"password.verify", "KEY PASSWORD", "true when PASSWORD matches the stored hash", kRead,
             2, 2},
            [kType](Call& c) {
              std::string_view password;
              Error e = Bytes(c, 1, &password);
              std::string encoded;
              const tower_password_def* def = nullptr;
              if (e.ok()) e = StoredPassword(c, kType, &encoded, &def);
              if (!e.ok()) return e;
              int32_t match = 0;
              tower::sdk::ErrorSink err;
              int32_t code = def->verify(def->user, password.data(), password.size(),
                                         encoded.data(), encoded.size(), &match, &err.sink);
              if (code != TOWER_OK) return FromCode(code, std::move(err.message));
              c.set_bool(match == 1);
              return Error::Ok();
            });
  b.command({"password.needs_rehash", "KEY ALGORITHM:string [PARAMS:string]",
             "true when the stored hash was made by another algorithm or with weaker "
             "parameters than ALGORITHM with PARAMS (default: its defaults)",
             kRead, 2, 3},
            [kType](Call& c) {
              std::string_view algorithm, params;
              Error e = c.get_bytes(1, TOWER_VALUE_STRING, &algorithm);
              if (e.ok() && c.size() > 2) e = c.get_bytes(2, TOWER_VALUE_STRING, &params);
              std::string encoded;
              const tower_password_def* want = nullptr;
              if (e.ok()) e = c.find_crypto(TOWER_CRYPTO_PASSWORD, algorithm, &want);
              if (e.ok()) e = c.read(c.key(), kType, &encoded);
              if (!e.ok()) return e;
              int32_t result = 0;
              tower::sdk::ErrorSink err;
              int32_t code = want->needs_rehash(want->user, encoded.data(), encoded.size(),
                                                params.data(), params.size(), &result, &err.sink);
              if (code != TOWER_OK) return FromCode(code, std::move(err.message));
              c.set_bool(result == 1);
              return Error::Ok();
            });
  b.command(
      {"password.get", "KEY", "the stored hash string (self-describing, no secret)", kRead, 1, 1},
      [kType](Call& c) {
        std::string encoded;
        Error e = c.read(c.key(), kType, &encoded);
        if (e.ok()) c.set_string(encoded);
        return e;
      });
  b.command({"password.algorithm", "KEY", "the algorithm of the stored hash", kRead, 1, 1},
            [kType](Call& c) {
              std::string encoded;
              const tower_password_def* def = nullptr;
              Error e = StoredPassword(c, kType, &encoded, &def);
              if (e.ok()) c.set_string(def->name);
              return e;
            });
}

// ---- SafeBox ----

struct Box {
  std::string_view algorithm, nonce, sealed;  // sealed = ciphertext || tag
};

Error ParseBox(const Call& c, std::string_view payload, Box* box) {
  auto corrupt = [&](const char* why) {
    return Error::Make(TOWER_E_CORRUPTION, std::string(c.name()) + ": safe box of key " +
                                               tower::sdk::quote(c.key()) + " is corrupt: " + why);
  };
  if (payload.empty()) return corrupt("empty");
  size_t alen = static_cast<uint8_t>(payload[0]);
  if (alen == 0 || payload.size() < 2 + alen) return corrupt("truncated algorithm");
  box->algorithm = payload.substr(1, alen);
  size_t nlen = static_cast<uint8_t>(payload[1 + alen]);
  if (payload.size() < 2 + alen + nlen) return corrupt("truncated nonce");
  box->nonce = payload.substr(2 + alen, nlen);
  box->sealed = payload.substr(2 + alen + nlen);
  return Error::Ok();
}

std::string AssociatedData(std::string_view algorithm, std::string_view key) {
  std::string ad = "tower safebox v1";
  ad.push_back('\0');
  ad.append(algorithm);
  ad.push_back('\0');
  ad.append(key);
  return ad;
}

// Derives the AEAD key for `def` from the caller's key material.
Error DeriveKey(const Call& c, const tower_aead_def* def, std::string_view material,
                SecretString* key) {
  if (material.empty()) return c.invalid("key material must not be empty");
  const tower_kdf_def* kdf = nullptr;
  Error e = c.find_crypto(TOWER_CRYPTO_KDF, kKdf, &kdf);
  if (!e.ok()) return e;
  std::string context =
      "tower safebox v1 " + std::string(def->name) + " " + std::to_string(def->key_size);
  key->str().assign(def->key_size, '\0');
  tower::sdk::ErrorSink err;
  int32_t code = kdf->derive(
      kdf->user, context.data(), context.size(), reinterpret_cast<const uint8_t*>(material.data()),
      material.size(), reinterpret_cast<uint8_t*>(key->str().data()), key->str().size(), &err.sink);
  return FromCode(code, std::move(err.message));
}

const uint8_t* U8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Per-thread buffers reused across commands: a fresh megabyte-sized buffer
// costs a page fault per 4 KiB, more than sealing it. Each use leaves the
// buffer empty (wiped where it held plaintext) and gives back buffers that
// one huge value blew up.
enum Scratch { kSealed, kPlain, kScratchCount };
class ScratchBuffer {
 public:
  explicit ScratchBuffer(Scratch which) : s_(Buffers()[which]) { s_.clear(); }
  ~ScratchBuffer() {
    tower::sdk::wipe(s_.data(), s_.size());
    s_.clear();
    if (s_.capacity() > (16u << 20)) std::string().swap(s_);
  }
  std::string& str() { return s_; }

 private:
  static std::string* Buffers() {
    thread_local std::string buffers[kScratchCount];
    return buffers;
  }
  std::string& s_;
};

Error SealBox(Call& c, uint32_t type) {
  std::string_view data, material, algorithm;
  Error e = Bytes(c, 1, &data);
  if (e.ok()) e = Bytes(c, 2, &material);
  if (e.ok()) e = c.get_bytes(3, TOWER_VALUE_STRING, &algorithm);
  if (!e.ok()) return e;
  if (algorithm.empty() || algorithm.size() > 255) return c.invalid("bad algorithm name");
  ScratchBuffer buffer(kSealed);
  std::string& payload = buffer.str();
  payload.push_back(static_cast<char>(algorithm.size()));
  payload.append(algorithm);
  if (algorithm == kNone) {
    // Only on request, and never over an encrypted box.
    std::string old;
    if (c.read(c.key(), type, &old).ok()) {
      Box box;
      if (ParseBox(c, old, &box).ok() && box.algorithm != kNone) {
        return c.invalid("refusing to replace the encrypted safe box of key " +
                         tower::sdk::quote(c.key()) + " (" + std::string(box.algorithm) +
                         ") with an unencrypted one; delete the key first");
      }
    }
    payload.push_back('\0');
    payload.append(data);
    e = c.write(c.key(), type, payload);
    if (e.ok()) c.set_null();
    return e;
  }
  const tower_aead_def* def = nullptr;
  e = c.find_crypto(TOWER_CRYPTO_AEAD, algorithm, &def);
  if (!e.ok()) return e;
  SecretString key;
  e = DeriveKey(c, def, material, &key);
  if (!e.ok()) return e;
  payload.push_back(static_cast<char>(def->nonce_size));
  size_t nonce_at = payload.size();
  size_t total = nonce_at + def->nonce_size + data.size() + def->tag_size;
  // Seal straight into the staged value where the host allows it.
  char* out = nullptr;
  e = c.write_reserve(c.key(), type, total, &out);
  if (e.code == TOWER_E_NOT_SUPPORTED) {
    payload.resize(total);
    out = payload.data();
  } else if (!e.ok()) {
    return e;
  } else {
    std::memcpy(out, payload.data(), nonce_at);
  }
  e = c.random_bytes(out + nonce_at, def->nonce_size);
  if (!e.ok()) return e;
  std::string ad = AssociatedData(algorithm, c.key());
  tower::sdk::ErrorSink err;
  auto* o = reinterpret_cast<uint8_t*>(out);
  int32_t code =
      def->seal(def->user, U8(key.str()), key.str().size(), o + nonce_at, def->nonce_size, U8(ad),
                ad.size(), U8(data), data.size(), o + nonce_at + def->nonce_size, &err.sink);
  if (code != TOWER_OK) return FromCode(code, std::move(err.message));
  if (out == payload.data()) e = c.write(c.key(), type, payload);
  if (e.ok()) c.set_null();
  return e;
}

Error OpenBox(Call& c, uint32_t type) {
  std::string_view material;
  Error e = Bytes(c, 1, &material);
  ScratchBuffer sealed(kSealed);  // used only by hosts older than ABI 1.2
  std::string_view payload;
  if (e.ok()) e = c.read_view(c.key(), type, &payload, &sealed.str());
  Box box;
  if (e.ok()) e = ParseBox(c, payload, &box);
  if (!e.ok()) return e;
  if (box.algorithm == kNone) {
    c.set_bytes(TOWER_VALUE_BINARY, box.sealed);
    return Error::Ok();
  }
  const tower_aead_def* def = nullptr;
  e = c.find_crypto(TOWER_CRYPTO_AEAD, box.algorithm, &def);
  if (!e.ok()) return e;
  if (box.sealed.size() < def->tag_size) {
    return Error::Make(TOWER_E_CORRUPTION, std::string(c.name()) + ": safe box of key " +
                                               tower::sdk::quote(c.key()) +
                                               " is corrupt: shorter than a tag");
  }
  SecretString key;
  e = DeriveKey(c, def, material, &key);
  if (!e.ok()) return e;
  ScratchBuffer plain(kPlain);  // wiped when it goes
  plain.str().resize(box.sealed.size() - def->tag_size);
  std::string ad = AssociatedData(box.algorithm, c.key());
  tower::sdk::ErrorSink err;
  int32_t code = def->open(def->user, U8(key.str()), key.str().size(), U8(box.nonce),
                           box.nonce.size(), U8(ad), ad.size(), U8(box.sealed), box.sealed.size(),
                           reinterpret_cast<uint8_t*>(plain.str().data()), &err.sink);
  if (code == TOWER_E_AUTH_FAILED) {
    return Error::Make(code, std::string(c.name()) + ": safe box of key " +
                                 tower::sdk::quote(c.key()) +
                                 " did not authenticate: wrong key material, or the data was "
                                 "tampered with");
  }
  if (code != TOWER_OK) return FromCode(code, std::move(err.message));
  c.set_bytes(TOWER_VALUE_BINARY, plain.str());
  return Error::Ok();
}

void DefineSafeBox(tower::sdk::DatatypeBuilder& b) {
  const uint32_t kType = b.type("safebox", 1);
  b.command({"safebox.set", "KEY DATA KEY_MATERIAL ALGORITHM:string",
             "encrypts DATA with a key derived from KEY_MATERIAL (a fresh nonce per write); "
             "ALGORITHM \"none\" stores it unencrypted, never over an encrypted box",
             kWrite, 4, 4},
            [kType](Call& c) { return SealBox(c, kType); });
  b.command({"safebox.get", "KEY", "[algorithm, ciphertext (with tag), nonce]", kRead, 1, 1},
            [kType](Call& c) {
              std::string payload;
              Error e = c.read(c.key(), kType, &payload);
              Box box;
              if (e.ok()) e = ParseBox(c, payload, &box);
              if (!e.ok()) return e;
              tower_value v = Call::make(TOWER_VALUE_ARRAY);
              c.set(v);
              auto push = [&](uint32_t t, std::string_view s) {
                tower_value x = Call::make(t);
                x.bytes = {s.data(), s.size()};
                c.push(x);
              };
              push(TOWER_VALUE_STRING, box.algorithm);
              push(TOWER_VALUE_BINARY, box.sealed);
              push(TOWER_VALUE_BINARY, box.nonce);
              return Error::Ok();
            });
  b.command({"safebox.extract", "KEY KEY_MATERIAL",
             "decrypts the box; AuthFailed on a wrong key or tampering", kRead, 2, 2},
            [kType](Call& c) { return OpenBox(c, kType); });
}

void Define(tower::sdk::DatatypeBuilder& b) {
  DefinePassword(b);
  DefineSafeBox(b);
}

}  // namespace

TOWER_DATATYPE_PLUGIN("secrets", "1.0.0", "password hashes and SafeBox encrypted values", Define)
