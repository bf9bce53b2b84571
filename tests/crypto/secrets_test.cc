// Passwords and SafeBox through tower::Db: the "secrets" data-type plugin on
// the real crypto providers, provider selection and pinning, and the
// tamper checks that make a SafeBox worth having.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tower/db.hpp"
#include "tower/keys.hpp"

namespace tower {
namespace {

std::unique_ptr<Db> Open(Options o = Options::InMemory("memory")) {
  auto d = Db::open(o);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? std::move(*d) : nullptr;
}

// Cheap parameters so the suite stays fast; the defaults are tested once.
struct PasswordCase {
  const char* algorithm;
  std::string cheap, stronger;
};
std::vector<PasswordCase> PasswordCases() {
  return {{"argon2id", PasswordParams::Argon2(1, 64, 1), PasswordParams::Argon2(2, 64, 1)},
          {"argon2i", PasswordParams::Argon2(1, 64, 1), PasswordParams::Argon2(1, 128, 1)},
          {"bcrypt", PasswordParams::Bcrypt(4), PasswordParams::Bcrypt(5)},
          {"scrypt", PasswordParams::Scrypt(4, 8, 1), PasswordParams::Scrypt(5, 8, 1)},
          {"pbkdf2-sha256", PasswordParams::Pbkdf2(1000), PasswordParams::Pbkdf2(2000)}};
}

TEST(Password, EveryAlgorithmHashesVerifiesAndKnowsWhenToRehash) {
  auto db = Open();
  for (const auto& c : PasswordCases()) {
    SCOPED_TRACE(c.algorithm);
    std::string key = std::string("user:") + c.algorithm;
    ASSERT_TRUE(db->upsert_password(key, "correct horse", c.algorithm, 16, c.cheap).ok());
    EXPECT_EQ(*db->verify_password(key, "correct horse"), true);
    EXPECT_EQ(*db->verify_password(key, "correct hors"), false);
    EXPECT_EQ(*db->verify_password(key, ""), false);
    EXPECT_EQ(*db->password_needs_rehash(key, c.algorithm, c.cheap), false);
    EXPECT_EQ(*db->password_needs_rehash(key, c.algorithm, c.stronger), true);
    std::string other = std::string(c.algorithm) == "bcrypt" ? "argon2id" : "bcrypt";
    EXPECT_EQ(*db->password_needs_rehash(key, other), true);
    auto hash = db->get_password_hash(key);
    ASSERT_TRUE(hash.ok());
    EXPECT_EQ(hash->find("correct"), std::string::npos);
    EXPECT_EQ((*hash)[0], '$');
    // The same password hashes differently each time (fresh salt).
    ASSERT_TRUE(db->upsert_password(key + "2", "correct horse", c.algorithm, 16, c.cheap).ok());
    EXPECT_NE(*db->get_password_hash(key + "2"), *hash);
  }
}

TEST(Password, DefaultsFollowOwaspAndOldHashesStillVerify) {
  auto db = Open();
  ASSERT_TRUE(db->upsert_password("u", "pw").ok());  // argon2id at the defaults
  auto h = db->get_password_hash("u");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=32768,t=3,p=4$")) << *h;
  EXPECT_EQ(*db->verify_password("u", "pw"), true);
  EXPECT_EQ(*db->password_needs_rehash("u", "argon2id"), false);
  // A hash made under weaker parameters keeps verifying; policy flags it.
  ASSERT_TRUE(
      db->upsert_password("old", "pw", "pbkdf2-sha256", 16, PasswordParams::Pbkdf2(10000)).ok());
  EXPECT_EQ(*db->verify_password("old", "pw"), true);
  EXPECT_EQ(*db->password_needs_rehash("old", "pbkdf2-sha256"), true);  // default 600,000
  EXPECT_TRUE(db->get_password_hash("old")->starts_with("$pbkdf2-sha256$i=10000,"));
}

TEST(Password, BadInputIsAClearError) {
  auto db = Open();
  auto s = db->upsert_password("u", "pw", "md5");
  EXPECT_EQ(s.code(), Code::kNotSupported) << s;
  EXPECT_NE(s.message().find("md5"), std::string::npos) << s;
  s = db->upsert_password("u", std::string(73, 'a'), "bcrypt", 16, PasswordParams::Bcrypt(4));
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("72"), std::string::npos) << s;
  s = db->upsert_password("u", "pw", "argon2id", 4);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  s = db->upsert_password("u", "pw", "argon2id", 16, "t=1,q=2");
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("q"), std::string::npos) << s;
  EXPECT_EQ(db->verify_password("nobody", "pw").status().code(), Code::kNotFound);
  ASSERT_TRUE(db->set_string("s", "text").ok());
  EXPECT_EQ(db->verify_password("s", "pw").status().code(), Code::kTypeMismatch);
  // A stored hash nobody can verify names its form.
  EXPECT_TRUE(
      db->call("password.set", "p", "pw", "argon2id", int64_t{16}, PasswordParams::Argon2(1, 64, 1))
          .ok());
  EXPECT_EQ(*db->call("password.algorithm", "p"), Value("argon2id"));
}

const char* kAeads[] = {"aes-128-gcm",       "aes-192-gcm",        "aes-256-gcm",
                        "chacha20-poly1305", "xchacha20-poly1305", "ascon-128",
                        "ascon-128a",        "ascon-80pq",         "ascon-aead128",
                        "camellia-128-gcm",  "camellia-192-gcm",   "camellia-256-gcm",
                        "aria-128-gcm",      "aria-192-gcm",       "aria-256-gcm"};

// Reads and rewrites the raw stored frame of a key.
std::string RawFrame(Db& db, std::string_view key) {
  std::string v;
  EXPECT_TRUE(db.backend().Get({}, keys::Meta(key), &v).ok());
  return v;
}
void PutRawFrame(Db& db, std::string_view key, const std::string& frame) {
  ASSERT_TRUE(db.backend().Put({}, keys::Meta(key), frame).ok());
}

TEST(SafeBox, EveryAlgorithmRoundTripsAndRejectsTampering) {
  auto db = Open();
  const std::string data = "the launch codes \x00\x01\xff";
  for (const char* alg : kAeads) {
    SCOPED_TRACE(alg);
    std::string key = std::string("box:") + alg;
    ASSERT_TRUE(db->upsert_safe_box(key, data, "key material", alg).ok());
    auto box = db->get_safe_box(key);
    ASSERT_TRUE(box.ok()) << box.status();
    EXPECT_EQ(box->algorithm, alg);
    EXPECT_EQ(box->ciphertext.size(), data.size() + 16);
    EXPECT_EQ(box->ciphertext.find("launch"), std::string::npos);
    auto plain = db->extract_safe_box(key, "key material");
    ASSERT_TRUE(plain.ok()) << plain.status();
    EXPECT_EQ(plain->bytes, data);
    // Wrong key material.
    EXPECT_EQ(db->extract_safe_box(key, "key materiaL").status().code(), Code::kAuthFailed);
    // Fresh nonce per write.
    ASSERT_TRUE(db->upsert_safe_box(key, data, "key material", alg).ok());
    auto box2 = db->get_safe_box(key);
    EXPECT_NE(box2->nonce, box->nonce);
    EXPECT_NE(box2->ciphertext, box->ciphertext);
    // Flip one bit anywhere after the algorithm name: nonce, ciphertext, tag.
    std::string frame = RawFrame(*db, key);
    size_t payload_start =
        frame.size() - (1 + strlen(alg) + 1 + box2->nonce.size() + box2->ciphertext.size());
    size_t nonce_at = payload_start + 1 + strlen(alg) + 1;
    for (size_t at : {nonce_at, nonce_at + box2->nonce.size(), frame.size() - 1}) {
      std::string bad = frame;
      bad[at] ^= 0x01;
      PutRawFrame(*db, key, bad);
      auto r = db->extract_safe_box(key, "key material");
      EXPECT_EQ(r.status().code(), Code::kAuthFailed) << "flipped byte " << at;
    }
    // A box copied to another key does not open there.
    PutRawFrame(*db, key + ":copy", frame);
    EXPECT_EQ(db->extract_safe_box(key + ":copy", "key material").status().code(),
              Code::kAuthFailed);
    PutRawFrame(*db, key, frame);
    EXPECT_EQ(db->extract_safe_box(key, "key material")->bytes, data);
  }
}

TEST(SafeBox, RelabellingTheAlgorithmFails) {
  auto db = Open();
  ASSERT_TRUE(db->upsert_safe_box("k", "data", "km", "aes-128-gcm").ok());
  std::string frame = RawFrame(*db, "k");
  size_t at = frame.find("aes-128-gcm");
  ASSERT_NE(at, std::string::npos);
  frame.replace(at, 11, "aria-128-gcm");
  frame[at - 1] = 12;  // the name's length byte
  PutRawFrame(*db, "k", frame);
  EXPECT_EQ(db->extract_safe_box("k", "km").status().code(), Code::kAuthFailed);
}

TEST(SafeBox, NoneOnlyOnRequestAndNeverAsADowngrade) {
  auto db = Open();
  ASSERT_TRUE(db->upsert_safe_box("plain", "visible", "", "none").ok());
  EXPECT_EQ(db->get_safe_box("plain")->algorithm, "none");
  EXPECT_EQ(db->extract_safe_box("plain", "anything")->bytes, "visible");
  ASSERT_TRUE(db->upsert_safe_box("secret", "hidden", "km", "aes-256-gcm").ok());
  auto s = db->upsert_safe_box("secret", "hidden", "km", "none");
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("delete the key first"), std::string::npos) << s;
  EXPECT_EQ(db->get_safe_box("secret")->algorithm, "aes-256-gcm");
  ASSERT_TRUE(db->del("secret").ok());
  EXPECT_TRUE(db->upsert_safe_box("secret", "now public", "", "none").ok());
}

TEST(SafeBox, BadInputIsAClearError) {
  auto db = Open();
  auto s = db->upsert_safe_box("k", "d", "km", "rot13");
  EXPECT_EQ(s.code(), Code::kNotSupported) << s;
  EXPECT_NE(s.message().find("rot13"), std::string::npos) << s;
  s = db->upsert_safe_box("k", "d", "", "aes-256-gcm");
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_EQ(db->extract_safe_box("missing", "km").status().code(), Code::kNotFound);
  ASSERT_TRUE(db->set_int("n", 1).ok());
  EXPECT_EQ(db->extract_safe_box("n", "km").status().code(), Code::kTypeMismatch);
  // A corrupt payload is Corruption, not a crash.
  ASSERT_TRUE(db->upsert_safe_box("c", "d", "km", "aes-256-gcm").ok());
  std::string frame = RawFrame(*db, "c");
  PutRawFrame(*db, "c", frame.substr(0, 8));
  EXPECT_EQ(db->extract_safe_box("c", "km").status().code(), Code::kCorruption);
  // Large values: 1 MiB.
  std::string big(1 << 20, 'x');
  ASSERT_TRUE(db->upsert_safe_box("big", big, "km", "aes-256-gcm").ok());
  EXPECT_EQ(db->extract_safe_box("big", "km")->bytes, big);
}

TEST(CryptoProviders, SelectionAndPinning) {
  {
    auto db = Open();
    std::set<std::string> providers;
    bool chacha_seen = false;
    for (const auto& a : db->crypto().algorithms()) {
      providers.insert(a.provider);
      if (a.family == CryptoFamily::kAead && a.name == "chacha20-poly1305") {
        chacha_seen = true;
        EXPECT_EQ(a.provider, "openssl");  // first by name
        EXPECT_EQ(a.offered_by.size(), 2u);
        EXPECT_FALSE(a.pinned);
      }
    }
    EXPECT_TRUE(chacha_seen);
    for (const char* p : {"openssl", "sodium", "gcrypt", "ascon", "argon2", "bcrypt", "blake3"})
      EXPECT_TRUE(providers.count(p)) << p;
  }
  {
    Options o = Options::InMemory("memory");
    o.crypto_pins["chacha20-poly1305"] = "sodium";
    auto db = Open(o);
    for (const auto& a : db->crypto().algorithms()) {
      if (a.name == "chacha20-poly1305") {
        EXPECT_EQ(a.provider, "sodium");
        EXPECT_TRUE(a.pinned);
      }
    }
    ASSERT_TRUE(db->upsert_safe_box("k", "d", "km", "chacha20-poly1305").ok());
    EXPECT_EQ(db->extract_safe_box("k", "km")->bytes, "d");
  }
  {
    Options o = Options::InMemory("memory");
    o.crypto_pins["xchacha20-poly1305"] = "openssl";
    auto d = Db::open(o);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
    EXPECT_NE(d.status().message().find("does not offer"), std::string::npos) << d.status();
  }
  {
    Options o = Options::InMemory("memory");
    o.crypto_pins["rot13"] = "openssl";
    auto d = Db::open(o);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find("rot13"), std::string::npos) << d.status();
  }
  {
    Options o = Options::InMemory("memory");
    o.crypto_providers = {"openssl"};
    auto db = Open(o);
    auto s = db->upsert_safe_box("k", "d", "km", "xchacha20-poly1305");
    EXPECT_EQ(s.code(), Code::kNotSupported) << s;
    EXPECT_NE(s.message().find("xchacha20-poly1305"), std::string::npos) << s;
    s = db->upsert_safe_box("k", "d", "km", "aes-256-gcm");  // no blake3 for the key
    EXPECT_EQ(s.code(), Code::kNotSupported) << s;
    EXPECT_NE(s.message().find("blake3"), std::string::npos) << s;
  }
  {
    auto o = Options::FromTomlString(
        "[crypto]\nproviders = [\"sodium\", \"openssl\", \"blake3\"]\n"
        "[crypto.pins]\n\"aes-256-gcm\" = \"openssl\"\n");
    ASSERT_TRUE(o.ok()) << o.status();
    o->in_memory = true;
    o->backend = "memory";
    auto db = Open(*o);
    for (const auto& a : db->crypto().algorithms()) {
      if (a.name == "chacha20-poly1305") {
        EXPECT_EQ(a.provider, "sodium");
      }
    }
    EXPECT_EQ(db->crypto().providers(), (std::vector<std::string>{"sodium", "openssl", "blake3"}));
    auto bad = Options::FromTomlString("[crypto]\nprovider = [\"x\"]\n");
    EXPECT_FALSE(bad.ok());
    EXPECT_NE(bad.status().message().find("provider"), std::string::npos);
  }
}

}  // namespace
}  // namespace tower
