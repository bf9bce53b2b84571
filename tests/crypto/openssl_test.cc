// Tests of the "openssl" crypto provider (crypto/openssl), loaded through
// the kernel's PluginManager: the Botan GCM, ChaCha20-Poly1305, scrypt and
// PBKDF2 vectors (read from the shared vectors folder, never copied into
// the repository), AEAD round trips and tampering, bad lengths, the PHC
// password strings (hash, verify, needs_rehash, malformed input, unknown
// parameters), the SHA-2 hashes and the random source.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto_calls.hpp"
#include "provider.hpp"
#include "vectors.hpp"

namespace tower::test {
namespace {

// Prints one informational line in gtest's style.
void Log(const std::string& line) { std::cout << "[   INFO   ] " << line << std::endl; }

Bytes Str(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes Pseudorandom(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(gen());
  return b;
}

// Independent unpadded standard base64 (the PHC encoding), for checking
// the provider's strings.
std::string B64(const Bytes& b) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    for (int k = 18; k >= 0; k -= 6) s += a[(v >> k) & 63];
  }
  if (b.size() - i == 1) {
    uint32_t v = uint32_t{b[i]} << 16;
    s += a[(v >> 18) & 63];
    s += a[(v >> 12) & 63];
  } else if (b.size() - i == 2) {
    uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8);
    s += a[(v >> 18) & 63];
    s += a[(v >> 12) & 63];
    s += a[(v >> 6) & 63];
  }
  return s;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t a = 0;
  while (true) {
    size_t b = s.find(sep, a);
    parts.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) return parts;
    a = b + 1;
  }
}

// Counts, per section, the lines "<field> = ..." of a .vec file, reading
// the raw text (independently of ReadVec) so that records a parser drops
// cannot go unnoticed.
std::map<std::string, int> CountFieldLines(const std::filesystem::path& file,
                                           const std::string& field) {
  std::ifstream in(file);
  std::map<std::string, int> count;
  std::string line, section;
  while (std::getline(in, line)) {
    size_t a = line.find_first_not_of(" \t");
    if (a == std::string::npos) continue;
    line = line.substr(a);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    if (line.compare(0, field.size(), field) != 0) continue;
    size_t b = line.find_first_not_of(" \t", field.size());
    if (b != std::string::npos && line[b] == '=') ++count[section];
  }
  return count;
}

// ---- AEAD call wrappers ----

struct Result {
  int32_t rc = -1;
  Bytes out;
  std::string err;
};

Result Seal(const tower_aead_def* d, const Bytes& key, const Bytes& nonce, const Bytes& ad,
            const Bytes& pt) {
  Result r;
  r.rc = tower::test::Seal(d, key, nonce, ad, pt, &r.out, &r.err);
  return r;
}

Result Open(const tower_aead_def* d, const Bytes& key, const Bytes& nonce, const Bytes& ad,
            const Bytes& ct) {
  Result r;
  r.rc = tower::test::Open(d, key, nonce, ad, ct, &r.out, &r.err);
  return r;
}

// Checks one known-answer record: seal gives `expected` (ciphertext ||
// the first tag_len bytes of the tag), open gives the plaintext back, and
// tampering fails. False (with a failure recorded) when the record itself
// does not fit the algorithm.
bool CheckAeadRecord(const tower_aead_def* d, const Bytes& key, const Bytes& nonce, const Bytes& ad,
                     const Bytes& pt, const Bytes& expected, size_t tag_len) {
  if (expected.size() != pt.size() + tag_len || key.size() != d->key_size) {
    ADD_FAILURE() << d->name << ": record does not fit: key " << key.size() << ", in " << pt.size()
                  << ", out " << expected.size() << ", tag " << tag_len;
    return false;
  }
  Result s = Seal(d, key, nonce, ad, pt);
  EXPECT_EQ(s.rc, TOWER_OK) << s.err;
  if (s.rc != TOWER_OK) return true;
  EXPECT_EQ(ToHex(Bytes(s.out.begin(), s.out.begin() + static_cast<long>(expected.size()))),
            ToHex(expected));
  Result o = Open(d, key, nonce, ad, s.out);
  EXPECT_EQ(o.rc, TOWER_OK) << o.err;
  EXPECT_EQ(ToHex(o.out), ToHex(pt));
  if (tag_len == d->tag_size) {  // the vector's own bytes open too
    Result o2 = Open(d, key, nonce, ad, expected);
    EXPECT_EQ(o2.rc, TOWER_OK) << o2.err;
    EXPECT_EQ(ToHex(o2.out), ToHex(pt));
  }
  Bytes bad = s.out;
  bad.back() ^= 0x01;
  ExpectAuthFailure(d, key, nonce, ad, bad, "a flipped tag bit");
  if (!pt.empty()) {
    bad = s.out;
    bad[pt.size() / 2] ^= 0x80;
    ExpectAuthFailure(d, key, nonce, ad, bad, "a flipped ciphertext bit");
  }
  Bytes bad_ad = ad;
  if (bad_ad.empty()) {
    bad_ad.push_back(0);
  } else {
    bad_ad[0] ^= 0x01;
  }
  ExpectAuthFailure(d, key, nonce, bad_ad, s.out, "changed associated data");
  return true;
}

// ---- password call wrappers ----

Result PwHash(const tower_password_def* d, const std::string& pw, const Bytes& salt,
              const std::string& params) {
  Result r;
  std::string encoded;
  r.rc = Hash(d, pw, salt, params, &encoded, &r.err);
  r.out = Str(encoded);
  return r;
}

std::string Text(const Result& r) { return std::string(r.out.begin(), r.out.end()); }

struct Verdict {
  int32_t rc = -1;
  int32_t value = -1;
  std::string err;
};

Verdict PwVerify(const tower_password_def* d, const std::string& pw, const std::string& encoded) {
  Verdict v;
  v.rc = Verify(d, pw, encoded, &v.value, &v.err);
  return v;
}

Verdict PwRehash(const tower_password_def* d, const std::string& encoded,
                 const std::string& params) {
  Verdict v;
  v.rc = NeedsRehash(d, encoded, params, &v.value, &v.err);
  return v;
}

// The fixture: one provider for the whole suite.
class OpensslTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = new Provider("openssl"); }
  static void TearDownTestSuite() {
    delete provider_;
    provider_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(provider_ != nullptr && provider_->ok()); }

  static const tower_aead_def* Aead(const std::string& name) {
    const tower_aead_def* d = provider_->aead(name);
    EXPECT_NE(d, nullptr) << "no aead " << name;
    return d;
  }
  static const tower_password_def* Password(const std::string& name) {
    const tower_password_def* d = provider_->password(name);
    EXPECT_NE(d, nullptr) << "no password hash " << name;
    return d;
  }

  static Provider* provider_;
};
Provider* OpensslTest::provider_ = nullptr;

struct AeadShape {
  const char* name;
  uint32_t key, nonce, nonce_min, nonce_max, tag;
};
const AeadShape kAeadShapes[] = {
    {"aes-128-gcm", 16, 12, 1, 128, 16},       {"aes-192-gcm", 24, 12, 1, 128, 16},
    {"aes-256-gcm", 32, 12, 1, 128, 16},       {"aria-128-gcm", 16, 12, 1, 128, 16},
    {"aria-192-gcm", 24, 12, 1, 128, 16},      {"aria-256-gcm", 32, 12, 1, 128, 16},
    {"chacha20-poly1305", 32, 12, 12, 12, 16},
};

// ---- the table ----

TEST_F(OpensslTest, OffersTheExpectedAlgorithms) {
  const tower_crypto_api* api = provider_->api();
  EXPECT_EQ(api->aead_count, std::size(kAeadShapes));
  for (const auto& s : kAeadShapes) {
    const tower_aead_def* d = Aead(s.name);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->struct_size, sizeof(tower_aead_def));
    EXPECT_EQ(d->key_size, s.key) << s.name;
    EXPECT_EQ(d->nonce_size, s.nonce) << s.name;
    EXPECT_EQ(d->nonce_min, s.nonce_min) << s.name;
    EXPECT_EQ(d->nonce_max, s.nonce_max) << s.name;
    EXPECT_EQ(d->tag_size, s.tag) << s.name;
  }
  EXPECT_EQ(api->password_count, 2u);
  const tower_password_def* sc = Password("scrypt");
  ASSERT_NE(sc, nullptr);
  EXPECT_STREQ(sc->param_names, "ln,r,p,l");
  EXPECT_STREQ(sc->default_params, "ln=17,r=8,p=1,l=32");
  EXPECT_STREQ(sc->prefixes[0], "$scrypt$");
  EXPECT_EQ(sc->prefixes[1], nullptr);
  const tower_password_def* pb = Password("pbkdf2-sha256");
  ASSERT_NE(pb, nullptr);
  EXPECT_STREQ(pb->param_names, "i,l");
  EXPECT_STREQ(pb->default_params, "i=600000,l=32");
  EXPECT_STREQ(pb->prefixes[0], "$pbkdf2-sha256$");
  EXPECT_EQ(pb->prefixes[1], nullptr);
  EXPECT_EQ(api->kdf_count, 0u);
  EXPECT_EQ(api->hash_count, 2u);
  ASSERT_NE(provider_->hash("sha256"), nullptr);
  EXPECT_EQ(provider_->hash("sha256")->digest_size, 32u);
  ASSERT_NE(provider_->hash("sha512"), nullptr);
  EXPECT_EQ(provider_->hash("sha512")->digest_size, 64u);
  EXPECT_NE(api->random_bytes, nullptr);
}

// ---- known-answer vectors ----

TEST_F(OpensslTest, BotanGcmVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "aead/botan_gcm.vec");
  const std::map<std::string, int> present = CountFieldLines(file, "Key");
  static const std::regex kSection(R"((AES|ARIA)-(128|192|256)/GCM(?:\((\d+)\))?)");
  std::map<std::string, int> checked, skipped;
  for (const VecRecord& rec : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(rec.line) + " [" + rec.section + "]");
    if (rec.section == "SM4/GCM") {  // not offered by this provider
      ++skipped[rec.section];
      continue;
    }
    std::smatch m;
    if (!std::regex_match(rec.section, m, kSection)) {
      ADD_FAILURE() << "unexpected section";
      continue;
    }
    if (!rec.has("Key") || !rec.has("Nonce") || !rec.has("In") || !rec.has("Out")) {
      ADD_FAILURE() << "record lacks Key, Nonce, In or Out";
      continue;
    }
    std::string alg = m[1].str() == "AES" ? "aes" : "aria";
    alg += "-" + m[2].str() + "-gcm";
    const size_t tag_len = m[3].matched ? std::stoul(m[3].str()) : 16;
    const tower_aead_def* d = Aead(alg);
    if (d == nullptr) continue;
    if (CheckAeadRecord(d, Hex(rec.at("Key")), Hex(rec.at("Nonce")),
                        rec.has("AD") ? Hex(rec.at("AD")) : Bytes{}, Hex(rec.at("In")),
                        Hex(rec.at("Out")), tag_len)) {
      ++checked[rec.section];
    }
  }
  static const char* const kExpected[] = {"AES-128/GCM",  "AES-192/GCM",  "AES-256/GCM",
                                          "ARIA-128/GCM", "ARIA-192/GCM", "ARIA-256/GCM"};
  for (const char* s : kExpected) {
    EXPECT_GT(present.count(s) ? present.at(s) : 0, 0) << "no records in section " << s;
  }
  int total = 0;
  for (const auto& [section, n] : present) {
    if (section == "SM4/GCM") {
      EXPECT_EQ(skipped[section], n) << section;
      Log("botan_gcm.vec [" + section + "]: " + std::to_string(n) +
          " records skipped (SM4-GCM is not offered by this provider)");
      continue;
    }
    EXPECT_EQ(checked[section], n) << "records checked in section " << section;
    Log("botan_gcm.vec [" + section + "]: " + std::to_string(checked[section]) + " of " +
        std::to_string(n) + " records checked");
    total += checked[section];
  }
  RecordProperty("gcm_records_checked", total);
}

TEST_F(OpensslTest, BotanChacha20Poly1305Vectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "aead/botan_chacha20poly1305.vec");
  const tower_aead_def* d = Aead("chacha20-poly1305");
  ASSERT_NE(d, nullptr);
  const std::map<std::string, int> present = CountFieldLines(file, "Key");
  int checked = 0, xchacha = 0, original = 0;
  for (const VecRecord& rec : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(rec.line));
    EXPECT_EQ(rec.section, "ChaCha20Poly1305");
    if (!rec.has("Key") || !rec.has("Nonce") || !rec.has("In") || !rec.has("Out")) {
      ADD_FAILURE() << "record lacks Key, Nonce, In or Out";
      continue;
    }
    const Bytes nonce = Hex(rec.at("Nonce"));
    if (nonce.size() == 24) {  // XChaCha20-Poly1305: another provider's
      ++xchacha;
      continue;
    }
    if (nonce.size() == 8) {  // the original 64-bit-nonce ChaCha20-Poly1305
      ++original;
      continue;
    }
    if (nonce.size() != 12) {
      ADD_FAILURE() << "unexpected nonce length " << nonce.size();
      continue;
    }
    if (CheckAeadRecord(d, Hex(rec.at("Key")), nonce, rec.has("AD") ? Hex(rec.at("AD")) : Bytes{},
                        Hex(rec.at("In")), Hex(rec.at("Out")), 16)) {
      ++checked;
    }
  }
  int total = 0;
  for (const auto& [section, n] : present) total += n;
  EXPECT_GT(checked, 0);
  EXPECT_EQ(checked + xchacha + original, total) << "records present in the file";
  Log("botan_chacha20poly1305.vec: " + std::to_string(checked) +
      " records with 12-byte nonces checked; skipped by design: " + std::to_string(xchacha) +
      " XChaCha20-Poly1305 (24-byte nonce) and " + std::to_string(original) +
      " original ChaCha20-Poly1305 (8-byte nonce) records, which belong to another provider");
  RecordProperty("chacha_records_checked", checked);
}

// Splits "$id$params$salt$hash", checking the id and params text, and
// returns the decoded salt and hash.
void TakeApart(const std::string& encoded, const std::string& id, const std::string& params,
               Bytes* salt, Bytes* hash) {
  std::vector<std::string> parts = Split(encoded, '$');
  ASSERT_EQ(parts.size(), 5u) << encoded;
  EXPECT_EQ(parts[0], "");
  EXPECT_EQ(parts[1], id);
  EXPECT_EQ(parts[2], params);
  *salt = DecodeBase64(parts[3]);
  *hash = DecodeBase64(parts[4]);
}

TEST_F(OpensslTest, BotanScryptVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "password/botan_scrypt.vec");
  const tower_password_def* d = Password("scrypt");
  ASSERT_NE(d, nullptr);
  const std::map<std::string, int> present = CountFieldLines(file, "Passphrase");
  int checked = 0, skipped = 0;
  for (const VecRecord& rec : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(rec.line));
    if (!rec.has("Passphrase") || !rec.has("Salt") || !rec.has("N") || !rec.has("R") ||
        !rec.has("P") || !rec.has("Output")) {
      ADD_FAILURE() << "record lacks a field";
      continue;
    }
    const uint64_t n = std::stoull(rec.at("N")), r = std::stoull(rec.at("R")),
                   p = std::stoull(rec.at("P"));
    ASSERT_TRUE(n >= 2 && (n & (n - 1)) == 0) << "N is not a power of two";
    int ln = 0;
    while ((uint64_t{1} << ln) < n) ++ln;
    const Bytes salt = Hex(rec.at("Salt"));
    const Bytes expected = Hex(rec.at("Output"));
    const uint64_t memory = 128 * r * n * p;
    if (memory > (uint64_t{256} << 20)) {
      ++skipped;
      Log("botan_scrypt.vec:" + std::to_string(rec.line) + " skipped: N=" + rec.at("N") +
          ",r=" + rec.at("R") + ",p=" + rec.at("P") + " needs " + std::to_string(memory >> 20) +
          " MiB, more than the 256 MiB this test allows");
      continue;
    }
    if (salt.size() < 8 || salt.size() > 64) {
      ++skipped;
      Log("botan_scrypt.vec:" + std::to_string(rec.line) + " skipped: its " +
          std::to_string(salt.size()) +
          "-byte salt is outside the 8..64 bytes the password hash accepts");
      continue;
    }
    const std::string params =
        "ln=" + std::to_string(ln) + ",r=" + rec.at("R") + ",p=" + rec.at("P");
    const std::string pw = rec.at("Passphrase");
    Result h = PwHash(d, pw, salt, params + ",l=" + std::to_string(expected.size()));
    ASSERT_EQ(h.rc, TOWER_OK) << h.err;
    Bytes got_salt, got_hash;
    TakeApart(Text(h), "scrypt", params, &got_salt, &got_hash);
    EXPECT_EQ(ToHex(got_salt), ToHex(salt));
    EXPECT_EQ(ToHex(got_hash), ToHex(expected));
    Verdict v = PwVerify(d, pw, Text(h));
    EXPECT_EQ(v.rc, TOWER_OK) << v.err;
    EXPECT_EQ(v.value, 1);
    v = PwVerify(d, pw + "x", Text(h));
    EXPECT_EQ(v.rc, TOWER_OK) << v.err;
    EXPECT_EQ(v.value, 0);
    ++checked;
  }
  EXPECT_GT(checked, 0);
  EXPECT_EQ(checked + skipped, present.count("") ? present.at("") : -1)
      << "records present in the file";
  Log("botan_scrypt.vec: " + std::to_string(checked) + " records checked, " +
      std::to_string(skipped) + " skipped (reasons above)");
  RecordProperty("scrypt_records_checked", checked);
}

TEST_F(OpensslTest, BotanPbkdf2Vectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "password/botan_pbkdf2.vec");
  const tower_password_def* d = Password("pbkdf2-sha256");
  ASSERT_NE(d, nullptr);
  const std::string kOurs = "PBKDF2(HMAC(SHA-256))";
  const std::map<std::string, int> present = CountFieldLines(file, "Output");
  std::map<std::string, int> checked, skipped;
  for (const VecRecord& rec : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(rec.line) + " [" + rec.section + "]");
    if (rec.section != kOurs) {  // other PRFs are not offered
      ++skipped[rec.section];
      continue;
    }
    if (!rec.has("Passphrase") || !rec.has("Salt") || !rec.has("Iterations") ||
        !rec.has("Output")) {
      ADD_FAILURE() << "record lacks a field";
      continue;
    }
    const Bytes salt = Hex(rec.at("Salt"));
    const Bytes expected = Hex(rec.at("Output"));
    const uint64_t iterations = std::stoull(rec.at("Iterations"));
    if (salt.size() < 8 || salt.size() > 64 || iterations < 1000 || expected.size() < 16 ||
        expected.size() > 64) {
      ++skipped[rec.section];
      Log("botan_pbkdf2.vec:" + std::to_string(rec.line) +
          " skipped: salt, iterations or output length outside what the password hash accepts");
      continue;
    }
    const std::string params =
        "i=" + rec.at("Iterations") + ",l=" + std::to_string(expected.size());
    const std::string pw = rec.at("Passphrase");
    Result h = PwHash(d, pw, salt, params);
    ASSERT_EQ(h.rc, TOWER_OK) << h.err;
    Bytes got_salt, got_hash;
    TakeApart(Text(h), "pbkdf2-sha256", params, &got_salt, &got_hash);
    EXPECT_EQ(ToHex(got_salt), ToHex(salt));
    EXPECT_EQ(ToHex(got_hash), ToHex(expected));
    Verdict v = PwVerify(d, pw, Text(h));
    EXPECT_EQ(v.rc, TOWER_OK) << v.err;
    EXPECT_EQ(v.value, 1);
    v = PwVerify(d, pw + "x", Text(h));
    EXPECT_EQ(v.rc, TOWER_OK) << v.err;
    EXPECT_EQ(v.value, 0);
    ++checked[rec.section];
  }
  EXPECT_GT(checked[kOurs], 0);
  for (const auto& [section, n] : present) {
    EXPECT_EQ(checked[section] + skipped[section], n) << "records in section " << section;
    if (section == kOurs) {
      Log("botan_pbkdf2.vec [" + section + "]: " + std::to_string(checked[section]) + " of " +
          std::to_string(n) + " records checked");
    } else {
      Log("botan_pbkdf2.vec [" + section + "]: " + std::to_string(n) +
          " records skipped (this PRF is not offered)");
    }
  }
}

// ---- AEAD behaviour ----

TEST_F(OpensslTest, AeadRoundTripsAndTampering) {
  uint32_t seed = 1;
  for (const auto& shape : kAeadShapes) {
    const tower_aead_def* d = Aead(shape.name);
    ASSERT_NE(d, nullptr);
    for (size_t pt_len : {size_t{0}, size_t{1}, size_t{16}, size_t{33}, size_t{1} << 20}) {
      for (size_t ad_len : {size_t{0}, size_t{21}}) {
        SCOPED_TRACE(std::string(shape.name) + " pt " + std::to_string(pt_len) + " ad " +
                     std::to_string(ad_len));
        const Bytes key = Pseudorandom(d->key_size, ++seed);
        const Bytes nonce = Pseudorandom(d->nonce_size, ++seed);
        const Bytes ad = Pseudorandom(ad_len, ++seed);
        const Bytes pt = Pseudorandom(pt_len, ++seed);
        Result s = Seal(d, key, nonce, ad, pt);
        ASSERT_EQ(s.rc, TOWER_OK) << s.err;
        ASSERT_EQ(s.out.size(), pt_len + 16);
        if (pt_len >= 16) {
          EXPECT_FALSE(std::equal(pt.begin(), pt.end(), s.out.begin())) << "not encrypted";
        }
        Result o = Open(d, key, nonce, ad, s.out);
        ASSERT_EQ(o.rc, TOWER_OK) << o.err;
        EXPECT_TRUE(o.out == pt);

        Bytes bad = s.out;
        bad[bad.size() - 16] ^= 0x40;
        ExpectAuthFailure(d, key, nonce, ad, bad, "a flipped tag bit");
        if (pt_len > 0) {
          bad = s.out;
          bad[pt_len - 1] ^= 0x01;
          ExpectAuthFailure(d, key, nonce, ad, bad, "a flipped ciphertext bit");
          bad = s.out;
          bad.erase(bad.begin());
          ExpectAuthFailure(d, key, nonce, ad, bad, "a truncated ciphertext");
        }
        Bytes other_ad = ad;
        other_ad.push_back(0);
        ExpectAuthFailure(d, key, nonce, other_ad, s.out, "extended associated data");
        Bytes other_nonce = nonce;
        other_nonce[0] ^= 0x01;
        ExpectAuthFailure(d, key, other_nonce, ad, s.out, "a different nonce");
        Bytes other_key = key;
        other_key.back() ^= 0x01;
        ExpectAuthFailure(d, other_key, nonce, ad, s.out, "a wrong key");
      }
    }
  }
}

TEST_F(OpensslTest, GcmAcceptsEveryNonceLength) {
  for (const char* name : {"aes-128-gcm", "aes-256-gcm", "aria-192-gcm"}) {
    const tower_aead_def* d = Aead(name);
    ASSERT_NE(d, nullptr);
    const Bytes key = Pseudorandom(d->key_size, 7);
    const Bytes pt = Str("nonce lengths other than 12 are hashed with GHASH");
    std::set<std::string> seen;
    for (size_t n :
         {size_t{1}, size_t{8}, size_t{12}, size_t{13}, size_t{16}, size_t{60}, size_t{128}}) {
      SCOPED_TRACE(std::string(name) + " nonce " + std::to_string(n));
      const Bytes nonce(n, 0x5c);
      Result s = Seal(d, key, nonce, {}, pt);
      ASSERT_EQ(s.rc, TOWER_OK) << s.err;
      Result o = Open(d, key, nonce, {}, s.out);
      ASSERT_EQ(o.rc, TOWER_OK) << o.err;
      EXPECT_TRUE(o.out == pt);
      EXPECT_TRUE(seen.insert(ToHex(s.out)).second) << "same output for two nonce lengths";
    }
  }
}

TEST_F(OpensslTest, AeadRefusesBadLengths) {
  for (const auto& shape : kAeadShapes) {
    const tower_aead_def* d = Aead(shape.name);
    ASSERT_NE(d, nullptr);
    SCOPED_TRACE(shape.name);
    const Bytes key = Pseudorandom(d->key_size, 3);
    const Bytes nonce = Pseudorandom(d->nonce_size, 4);
    const Bytes pt = Str("payload");
    Result good = Seal(d, key, nonce, {}, pt);
    ASSERT_EQ(good.rc, TOWER_OK) << good.err;

    for (size_t klen : {size_t{0}, size_t{d->key_size - 1}, size_t{d->key_size + 1}, size_t{64}}) {
      if (klen == d->key_size) continue;
      const Bytes k = Pseudorandom(klen, 5);
      Result s = Seal(d, k, nonce, {}, pt);
      EXPECT_EQ(s.rc, TOWER_E_INVALID_ARGUMENT) << "key " << klen;
      EXPECT_NE(s.err.find(shape.name), std::string::npos) << s.err;
      EXPECT_NE(s.err.find("key"), std::string::npos) << s.err;
      Result o = Open(d, k, nonce, {}, good.out);
      EXPECT_EQ(o.rc, TOWER_E_INVALID_ARGUMENT) << "key " << klen;
    }
    std::vector<size_t> bad_nonces = {0, size_t{d->nonce_max} + 1};
    if (d->nonce_min > 1) bad_nonces.push_back(d->nonce_min - 1);
    for (size_t nlen : bad_nonces) {
      const Bytes n(nlen, 1);
      Result s = Seal(d, key, n, {}, pt);
      EXPECT_EQ(s.rc, TOWER_E_INVALID_ARGUMENT) << "nonce " << nlen;
      EXPECT_NE(s.err.find(shape.name), std::string::npos) << s.err;
      EXPECT_NE(s.err.find("nonce"), std::string::npos) << s.err;
      Result o = Open(d, key, n, {}, good.out);
      EXPECT_EQ(o.rc, TOWER_E_INVALID_ARGUMENT) << "nonce " << nlen;
    }
    for (size_t clen : {size_t{0}, size_t{1}, size_t{15}}) {
      Result o = Open(d, key, nonce, {}, Bytes(clen, 0));
      EXPECT_EQ(o.rc, TOWER_E_INVALID_ARGUMENT) << "ciphertext " << clen;
      EXPECT_NE(o.err.find("ciphertext"), std::string::npos) << o.err;
    }
    // A 16-byte ciphertext is an empty plaintext and a tag: it must not
    // open with random bytes.
    ExpectAuthFailure(d, key, nonce, {}, Bytes(16, 0), "an all-zero tag");
    // NULL buffers with non-zero lengths.
    ErrSink e;
    uint8_t out[64];
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 5,
                      pt.data(), pt.size(), out, e.get()),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                      nullptr, 3, out, e.get()),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                      pt.data(), pt.size(), nullptr, e.get()),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->open(d->user, nullptr, key.size(), nonce.data(), nonce.size(), nullptr, 0,
                      good.out.data(), good.out.size(), out, nullptr),
              TOWER_E_INVALID_ARGUMENT);
  }
}

TEST_F(OpensslTest, AeadIsThreadSafe) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const char* names[] = {"aes-256-gcm", "chacha20-poly1305", "aria-128-gcm"};
      for (int i = 0; i < 150; ++i) {
        const tower_aead_def* d = provider_->aead(names[(t + i) % 3]);
        const Bytes key = Pseudorandom(d->key_size, static_cast<uint32_t>(t * 1000 + i));
        const Bytes nonce = Pseudorandom(12, static_cast<uint32_t>(t * 1000 + i + 1));
        const Bytes pt = Pseudorandom(static_cast<size_t>(i * 7), static_cast<uint32_t>(i));
        Result s = Seal(d, key, nonce, nonce, pt);
        Result o = Open(d, key, nonce, nonce, s.out);
        if (s.rc != TOWER_OK || o.rc != TOWER_OK || o.out != pt) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- hashes and random bytes ----

Result Digest(const tower_hash_def* d, const Bytes& data, size_t out_len) {
  Result r;
  r.out.assign(out_len, 0);
  ErrSink e;
  r.rc = d->hash(d->user, nullptr, 0, data.data(), data.size(), r.out.data(), out_len, e.get());
  r.err = e.msg;
  return r;
}

TEST_F(OpensslTest, Sha2KnownAnswers) {
  const tower_hash_def* sha256 = provider_->hash("sha256");
  const tower_hash_def* sha512 = provider_->hash("sha512");
  ASSERT_NE(sha256, nullptr);
  ASSERT_NE(sha512, nullptr);
  EXPECT_EQ(sha256->key_size, 0u);
  EXPECT_EQ(sha256->xof, 0u);
  // FIPS 180-2, appendix B.1 and C.1; the empty message; B.2's two blocks.
  EXPECT_EQ(ToHex(Digest(sha256, Str("abc"), 32).out),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Digest(sha512, Str("abc"), 64).out),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(ToHex(Digest(sha256, {}, 32).out),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      ToHex(
          Digest(sha256, Str("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), 32).out),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

  Result r = Digest(sha256, Str("abc"), 31);
  EXPECT_EQ(r.rc, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(r.err.find("sha256"), std::string::npos) << r.err;
  r = Digest(sha512, Str("abc"), 128);
  EXPECT_EQ(r.rc, TOWER_E_INVALID_ARGUMENT);
  const uint8_t key[32] = {};
  uint8_t out[32];
  ErrSink e;
  EXPECT_EQ(sha256->hash(sha256->user, key, sizeof(key), nullptr, 0, out, 32, e.get()),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(e.msg.find("key"), std::string::npos) << e.msg;
}

TEST_F(OpensslTest, RandomBytes) {
  auto rnd = provider_->api()->random_bytes;
  ASSERT_NE(rnd, nullptr);
  Bytes a(64, 0), b(64, 0);
  ASSERT_EQ(rnd(a.data(), a.size(), nullptr), TOWER_OK);
  ASSERT_EQ(rnd(b.data(), b.size(), nullptr), TOWER_OK);
  EXPECT_FALSE(AllZero(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(rnd(nullptr, 0, nullptr), TOWER_OK);
  EXPECT_EQ(rnd(nullptr, 1, nullptr), TOWER_E_INVALID_ARGUMENT);
}

// ---- password hashes ----

const Bytes kSalt16 = Pseudorandom(16, 99);

TEST_F(OpensslTest, PasswordHashAndVerify) {
  struct Case {
    const char* name;
    const char* params;
    const char* shape;  // the encoded string, as a regex
  };
  const Case cases[] = {
      {"scrypt", "ln=10,r=8,p=1",
       R"(\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})"},
      {"scrypt", "ln=4,r=1,p=2,l=64",
       R"(\$scrypt\$ln=4,r=1,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{86})"},
      {"pbkdf2-sha256", "i=1000",
       R"(\$pbkdf2-sha256\$i=1000,l=32\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})"},
      {"pbkdf2-sha256", "l=16,i=2000",
       R"(\$pbkdf2-sha256\$i=2000,l=16\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{22})"},
  };
  const std::string binary("pa\0ss\xff\x01w", 8);  // any bytes, length-delimited
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.name) + " " + c.params);
    const tower_password_def* d = Password(c.name);
    ASSERT_NE(d, nullptr);
    for (const std::string& pw :
         {std::string("correct horse battery staple"), binary, std::string()}) {
      Result h = PwHash(d, pw, kSalt16, c.params);
      ASSERT_EQ(h.rc, TOWER_OK) << h.err;
      EXPECT_TRUE(std::regex_match(Text(h), std::regex(c.shape))) << Text(h);
      Verdict v = PwVerify(d, pw, Text(h));
      EXPECT_EQ(v.rc, TOWER_OK) << v.err;
      EXPECT_EQ(v.value, 1);
      for (const std::string& wrong :
           {pw + "!", std::string("pa"), std::string("correct horse battery stapl"),
            std::string("x")}) {
        if (wrong == pw) continue;
        v = PwVerify(d, wrong, Text(h));
        EXPECT_EQ(v.rc, TOWER_OK) << v.err;
        EXPECT_EQ(v.value, 0) << "accepted a wrong password";
      }
      // Deterministic for a given salt; another salt gives another hash.
      EXPECT_EQ(Text(PwHash(d, pw, kSalt16, c.params)), Text(h));
      EXPECT_NE(Text(PwHash(d, pw, Pseudorandom(16, 100), c.params)), Text(h));
    }
  }
}

TEST_F(OpensslTest, PasswordDefaults) {
  const tower_password_def* sc = Password("scrypt");
  const tower_password_def* pb = Password("pbkdf2-sha256");
  ASSERT_NE(sc, nullptr);
  ASSERT_NE(pb, nullptr);
  Result h = PwHash(sc, "pw", kSalt16, "");
  ASSERT_EQ(h.rc, TOWER_OK) << h.err;
  EXPECT_EQ(Text(h).rfind("$scrypt$ln=17,r=8,p=1$", 0), 0u) << Text(h);
  EXPECT_EQ(DecodeBase64(Split(Text(h), '$').back()).size(), 32u);
  Verdict v = PwVerify(sc, "pw", Text(h));
  EXPECT_EQ(v.rc, TOWER_OK) << v.err;
  EXPECT_EQ(v.value, 1);
  EXPECT_EQ(PwRehash(sc, Text(h), "").value, 0);
  EXPECT_EQ(PwRehash(sc, Text(h), sc->default_params).value, 0);

  h = PwHash(pb, "pw", kSalt16, "");
  ASSERT_EQ(h.rc, TOWER_OK) << h.err;
  EXPECT_EQ(Text(h).rfind("$pbkdf2-sha256$i=600000,l=32$", 0), 0u) << Text(h);
  v = PwVerify(pb, "pw", Text(h));
  EXPECT_EQ(v.rc, TOWER_OK) << v.err;
  EXPECT_EQ(v.value, 1);
  EXPECT_EQ(PwRehash(pb, Text(h), "").value, 0);
}

TEST_F(OpensslTest, PasswordNeedsRehash) {
  const tower_password_def* sc = Password("scrypt");
  const tower_password_def* pb = Password("pbkdf2-sha256");
  ASSERT_NE(sc, nullptr);
  ASSERT_NE(pb, nullptr);
  const std::string s = Text(PwHash(sc, "pw", kSalt16, "ln=10,r=8,p=2"));
  ASSERT_FALSE(s.empty());
  const std::pair<const char*, int> scrypt_cases[] = {
      {"", 1},                    // defaults: ln=17
      {"ln=10,r=8,p=2,l=32", 0},  // exactly the same
      {"ln=10,p=2", 0},           // r and l at their defaults
      {"ln=9,r=4,p=1", 0},        // a weaker policy
      {"ln=11,p=2", 1},           // stronger N
      {"ln=10,r=16,p=2", 1},      // stronger r
      {"ln=10,p=3", 1},           // stronger p
      {"ln=10,p=2,l=64", 1},      // another length
      {"ln=10,p=2,l=16", 1},      // another length, even a shorter one
  };
  for (const auto& [policy, want] : scrypt_cases) {
    Verdict v = PwRehash(sc, s, policy);
    EXPECT_EQ(v.rc, TOWER_OK) << policy << ": " << v.err;
    EXPECT_EQ(v.value, want) << "policy " << policy;
  }
  const std::string p = Text(PwHash(pb, "pw", kSalt16, "i=5000"));
  ASSERT_FALSE(p.empty());
  const std::pair<const char*, int> pbkdf2_cases[] = {
      {"", 1}, {"i=5000", 0}, {"i=4999", 0}, {"i=5001", 1}, {"i=5000,l=48", 1}, {"l=32,i=1000", 0},
  };
  for (const auto& [policy, want] : pbkdf2_cases) {
    Verdict v = PwRehash(pb, p, policy);
    EXPECT_EQ(v.rc, TOWER_OK) << policy << ": " << v.err;
    EXPECT_EQ(v.value, want) << "policy " << policy;
  }
  // Another algorithm's string always needs a rehash.
  for (const std::string& other :
       {p, std::string("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
        std::string("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")}) {
    Verdict v = PwRehash(sc, other, "");
    EXPECT_EQ(v.rc, TOWER_OK) << v.err;
    EXPECT_EQ(v.value, 1) << other;
  }
  Verdict v = PwRehash(pb, s, "");
  EXPECT_EQ(v.rc, TOWER_OK) << v.err;
  EXPECT_EQ(v.value, 1);
  // A bad policy is an error, not an answer.
  v = PwRehash(sc, s, "ln=10,bogus=1");
  EXPECT_EQ(v.rc, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(v.err.find("bogus"), std::string::npos) << v.err;
  EXPECT_EQ(PwRehash(pb, p, "i=10").rc, TOWER_E_INVALID_ARGUMENT);
}

// Flips the lowest bit of the last base64 character (which must be unused
// padding bits when the length is not a multiple of 4).
std::string NonCanonical(const std::string& b64) {
  static const std::string a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s = b64;
  s.back() = a[a.find(s.back()) ^ 1];
  return s;
}

TEST_F(OpensslTest, PasswordMalformedStrings) {
  const tower_password_def* sc = Password("scrypt");
  const tower_password_def* pb = Password("pbkdf2-sha256");
  ASSERT_NE(sc, nullptr);
  ASSERT_NE(pb, nullptr);
  const std::string good = Text(PwHash(sc, "pw", kSalt16, "ln=6,r=8,p=1"));
  ASSERT_EQ(PwVerify(sc, "pw", good).value, 1);
  const std::vector<std::string> parts = Split(good, '$');
  ASSERT_EQ(parts.size(), 5u);
  const std::string S = parts[3], H = parts[4];
  auto make = [](const std::string& params, const std::string& salt, const std::string& hash) {
    return "$scrypt$" + params + "$" + salt + "$" + hash;
  };
  const std::string P = "ln=6,r=8,p=1";
  std::vector<std::string> bad_scrypt = {
      "",
      "$scrypt$",
      "$scrypt$" + P,
      "$scrypt$" + P + "$" + S,
      good + "$",
      good + "$" + H,
      "$SCRYPT$" + P + "$" + S + "$" + H,
      "$scrypt" + P + "$" + S + "$" + H,
      "$pbkdf2-sha256$i=1000,l=32$" + S + "$" + H,
      make("ln=6,r=8", S, H),                            // missing p
      make("r=8,ln=6,p=1", S, H),                        // wrong order
      make("ln=6,r=8,p=1,l=32", S, H),                   // l is implied by the hash
      make("ln=6,r=8,p=1,", S, H),                       // trailing comma
      make("ln=6,,r=8,p=1", S, H),                       // empty item
      make("ln=06,r=8,p=1", S, H),                       // leading zero
      make("ln=+6,r=8,p=1", S, H),                       // sign
      make("ln=6a,r=8,p=1", S, H),                       // not a number
      make("ln=,r=8,p=1", S, H),                         // empty value
      make("ln 6,r=8,p=1", S, H),                        // no '='
      make("ln=99999999999999999999999,r=8,p=1", S, H),  // overflow
      make("ln=0,r=8,p=1", S, H),                        // out of range
      make("ln=33,r=8,p=1", S, H),                       // out of range
      make("ln=6,r=0,p=1", S, H),                        // out of range
      make("ln=6,r=8,p=0", S, H),                        // out of range
      make("ln=16,r=1,p=1", S, H),                       // N >= 2^(16 r)
      make("ln=25,r=1024,p=1024", S, H),                 // terabytes
      make("ln=23,r=8,p=1", S, H),                       // 8 GiB, above the cap
      make(P, S + "==", H),                              // padding
      make(P, S, H + "="),                               // padding
      make(P, S.substr(0, S.size() - 1) + "-", H),       // URL-safe alphabet
      make(P, S.substr(0, S.size() - 1) + "_", H),
      make(P, S.substr(0, 5), H),     // impossible length (5 % 4 == 1)
      make(P, B64(Bytes(7, 1)), H),   // salt too short
      make(P, B64(Bytes(65, 1)), H),  // salt too long
      make(P, "", H),                 // no salt
      make(P, S, ""),                 // no hash
      make(P, S, B64(Bytes(15, 1))),  // hash too short
      make(P, S, B64(Bytes(65, 1))),  // hash too long
      make(P, NonCanonical(S), H),    // non-canonical base64
      make(P, S, NonCanonical(H)),
      make(P, S, H) + std::string(1, '\0'),  // embedded NUL
      make(P, S, H + " "),
      make(P, S, std::string(600, 'A')),  // too long
  };
  for (const std::string& e : bad_scrypt) {
    Verdict v = PwVerify(sc, "pw", e);
    EXPECT_EQ(v.rc, TOWER_E_INVALID_ARGUMENT) << "accepted: " << e;
    EXPECT_EQ(v.value, 0) << e;
    EXPECT_NE(v.err.find("scrypt"), std::string::npos) << e << " -> " << v.err;
    if (e.rfind("$scrypt$", 0) == 0) {
      EXPECT_EQ(PwRehash(sc, e, "").rc, TOWER_E_INVALID_ARGUMENT) << e;
    }
  }
  {
    Verdict v = PwVerify(sc, "pw", make("ln=25,r=1024,p=1024", S, H));
    EXPECT_NE(v.err.find("MiB"), std::string::npos) << v.err;
  }

  const std::string pgood = Text(PwHash(pb, "pw", kSalt16, "i=1000"));
  ASSERT_EQ(PwVerify(pb, "pw", pgood).value, 1);
  const std::vector<std::string> pparts = Split(pgood, '$');
  ASSERT_EQ(pparts.size(), 5u);
  const std::string PS = pparts[3], PH = pparts[4];
  auto pmake = [](const std::string& params, const std::string& salt, const std::string& hash) {
    return "$pbkdf2-sha256$" + params + "$" + salt + "$" + hash;
  };
  std::vector<std::string> bad_pbkdf2 = {
      "$pbkdf2-sha256$",
      "$pbkdf2-sha256$i=1000,l=32$" + PS,
      pgood + "$",
      "$pbkdf2-sha512$i=1000,l=32$" + PS + "$" + PH,
      "$scrypt$ln=6,r=8,p=1$" + PS + "$" + PH,
      pmake("i=1000", PS, PH),                     // missing l
      pmake("l=32,i=1000", PS, PH),                // wrong order
      pmake("i=1000,l=48", PS, PH),                // l disagrees with the hash
      pmake("i=1000,l=32,x=1", PS, PH),            // extra parameter
      pmake("i=999,l=32", PS, PH),                 // out of range
      pmake("i=10000001,l=32", PS, PH),            // out of range
      pmake("i=01000,l=32", PS, PH),               // leading zero
      pmake("rounds=1000,l=32", PS, PH),           // passlib's spelling
      pmake("i=1000,l=32", PS + "=", PH),          // padding
      pmake("i=1000,l=32", B64(Bytes(4, 9)), PH),  // salt too short
      pmake("i=1000,l=32", PS, NonCanonical(PH)),
  };
  for (const std::string& e : bad_pbkdf2) {
    Verdict v = PwVerify(pb, "pw", e);
    EXPECT_EQ(v.rc, TOWER_E_INVALID_ARGUMENT) << "accepted: " << e;
    EXPECT_EQ(v.value, 0) << e;
    EXPECT_NE(v.err.find("pbkdf2-sha256"), std::string::npos) << e << " -> " << v.err;
  }
}

TEST_F(OpensslTest, PasswordRefusesBadParametersAndSalts) {
  const tower_password_def* sc = Password("scrypt");
  const tower_password_def* pb = Password("pbkdf2-sha256");
  ASSERT_NE(sc, nullptr);
  ASSERT_NE(pb, nullptr);
  const std::pair<const tower_password_def*, const char*> bad[] = {
      {sc, "t=3"},
      {sc, "ln=10,x=3"},
      {sc, "ln"},
      {sc, "ln=abc"},
      {sc, "ln=0"},
      {sc, "ln=33"},
      {sc, "r=0"},
      {sc, "p=1025"},
      {sc, "l=15"},
      {sc, "l=65"},
      {sc, "ln=-1"},
      {sc, "ln=16,r=1"},
      {sc, "ln=22,r=8,p=2"},
      {sc, "ln=32,r=1024,p=1024"},
      {sc, "i=1000"},
      {pb, "ln=10"},
      {pb, "i=1000,r=8"},
      {pb, "i=999"},
      {pb, "i=10000001"},
      {pb, "l=8"},
      {pb, "i=1e6"},
  };
  for (const auto& [d, params] : bad) {
    Result h = PwHash(d, "pw", kSalt16, params);
    EXPECT_EQ(h.rc, TOWER_E_INVALID_ARGUMENT) << d->name << " accepted " << params;
    EXPECT_TRUE(h.out.empty());
    EXPECT_NE(h.err.find(d->name), std::string::npos) << h.err;
  }
  // Unknown names are named in the message.
  Result h = PwHash(sc, "pw", kSalt16, "ln=10,bogus=3");
  EXPECT_NE(h.err.find("bogus"), std::string::npos) << h.err;
  h = PwHash(sc, "pw", kSalt16, "ln=22,r=8,p=2");
  EXPECT_NE(h.err.find("MiB"), std::string::npos) << h.err;

  for (const tower_password_def* d : {sc, pb}) {
    const std::string params = d == sc ? "ln=4,r=1,p=1" : "i=1000";
    for (size_t n : {size_t{0}, size_t{7}, size_t{65}, size_t{100}}) {
      Result r = PwHash(d, "pw", Bytes(n, 1), params);
      EXPECT_EQ(r.rc, TOWER_E_INVALID_ARGUMENT) << d->name << " salt " << n;
      EXPECT_NE(r.err.find("8..64"), std::string::npos) << r.err;
    }
    for (size_t n : {size_t{8}, size_t{64}}) {
      Result r = PwHash(d, "pw", Bytes(n, 1), params);
      EXPECT_EQ(r.rc, TOWER_OK) << d->name << " salt " << n << ": " << r.err;
      EXPECT_EQ(PwVerify(d, "pw", Text(r)).value, 1);
    }
    // NULL sink / result pointers are refused, not dereferenced.
    ErrSink e;
    EXPECT_EQ(d->hash(d->user, "pw", 2, kSalt16.data(), kSalt16.size(), params.data(),
                      params.size(), nullptr, e.get()),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->verify(d->user, "pw", 2, "x", 1, nullptr, e.get()), TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->needs_rehash(d->user, "x", 1, nullptr, 0, nullptr, e.get()),
              TOWER_E_INVALID_ARGUMENT);
  }
}

}  // namespace
}  // namespace tower::test
