// Tests of the "gcrypt" crypto provider (libgcrypt): Camellia-128/192/256-
// GCM against the draft-kato-ipsec-camellia-gcm known answers, round trips
// over the whole nonce range, tampering, wrong keys, bad lengths and
// concurrency.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "crypto_calls.hpp"
#include "provider.hpp"
#include "tower/sdk/crypto.h"
#include "vectors.hpp"

namespace {

using tower::test::AllZero;
using tower::test::Bytes;
using tower::test::CheckKnownAnswer;
using tower::test::CheckRoundTripAndTampering;
using tower::test::ErrSink;
using tower::test::ExpectAuthFailure;
using tower::test::Hex;
using tower::test::Open;
using tower::test::Provider;
using tower::test::Seal;
using tower::test::ToHex;

// Deterministic test bytes (the provider has no random source).
Bytes Pattern(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<uint8_t>(x);
  }
  return b;
}

class GcryptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p_.ok());
    for (const char* n : {"camellia-128-gcm", "camellia-192-gcm", "camellia-256-gcm"}) {
      const tower_aead_def* d = p_.aead(n);
      ASSERT_NE(d, nullptr) << n;
      defs_.push_back(d);
    }
  }
  Provider p_{"gcrypt"};
  std::vector<const tower_aead_def*> defs_;
};

TEST_F(GcryptTest, Table) {
  EXPECT_EQ(p_.api()->aead_count, 3u);
  EXPECT_EQ(p_.api()->password_count, 0u);
  EXPECT_EQ(p_.api()->kdf_count, 0u);
  EXPECT_EQ(p_.api()->hash_count, 0u);
  EXPECT_EQ(p_.api()->random_bytes, nullptr);
  const uint32_t keys[] = {16, 24, 32};
  for (size_t i = 0; i < defs_.size(); ++i) {
    SCOPED_TRACE(defs_[i]->name);
    EXPECT_EQ(defs_[i]->key_size, keys[i]);
    EXPECT_EQ(defs_[i]->nonce_size, 12u);
    EXPECT_EQ(defs_[i]->nonce_min, 1u);
    EXPECT_EQ(defs_[i]->nonce_max, 128u);
    EXPECT_EQ(defs_[i]->tag_size, 16u);
  }
}

// The file's sections are "Camellia-128/GCM" etc.; fields Key, Nonce, AD,
// PT, CT (without tag), Tag.
TEST_F(GcryptTest, KatoVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "aead/camellia_gcm.vec");
  const std::map<std::string, const tower_aead_def*> by_section = {{"Camellia-128/GCM", defs_[0]},
                                                                   {"Camellia-192/GCM", defs_[1]},
                                                                   {"Camellia-256/GCM", defs_[2]}};
  std::map<std::string, size_t> counts;
  const auto records = tower::test::ReadVec(file);
  for (const auto& r : records) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(r.line));
    auto it = by_section.find(r.section);
    ASSERT_NE(it, by_section.end()) << "unknown section " << r.section;
    for (const char* f : {"Key", "Nonce", "AD", "PT", "CT", "Tag"}) ASSERT_TRUE(r.has(f)) << f;
    Bytes expected = Hex(r.at("CT"));
    const Bytes tag = Hex(r.at("Tag"));
    expected.insert(expected.end(), tag.begin(), tag.end());
    CheckKnownAnswer(it->second, Hex(r.at("Key")), Hex(r.at("Nonce")), Hex(r.at("AD")),
                     Hex(r.at("PT")), expected);
    if (HasFatalFailure()) return;
    ++counts[r.section];
  }
  // What the file holds: test cases #1, #3, #4 (and their 192/256 twins).
  EXPECT_EQ(records.size(), 9u);
  EXPECT_EQ(counts["Camellia-128/GCM"], 3u);
  EXPECT_EQ(counts["Camellia-192/GCM"], 3u);
  EXPECT_EQ(counts["Camellia-256/GCM"], 3u);
}

TEST_F(GcryptTest, RoundTripsAndTampering) {
  uint32_t seed = 1;
  for (const tower_aead_def* d : defs_) {
    SCOPED_TRACE(d->name);
    for (size_t nonce_len : {1, 8, 12, 16, 60, 128}) {
      for (size_t len : {0, 1, 15, 16, 17, 64, 1000, 65537}) {
        for (size_t ad_len : {0, 1, 20}) {
          SCOPED_TRACE("nonce " + std::to_string(nonce_len) + " pt " + std::to_string(len) +
                       " ad " + std::to_string(ad_len));
          const Bytes key = Pattern(d->key_size, ++seed), nonce = Pattern(nonce_len, ++seed);
          const Bytes pt = Pattern(len, ++seed), ad = Pattern(ad_len, ++seed);
          CheckRoundTripAndTampering(d, key, nonce, ad, pt);
        }
      }
    }
  }
}

// A 12-byte nonce and the same bytes zero-padded to 16 go through different
// GCM paths (counter block vs GHASH of the nonce) and must not collide; the
// three key sizes must not agree either.
TEST_F(GcryptTest, NonceAndKeySizesAreDistinct) {
  const Bytes pt = Pattern(48, 7), key = Pattern(32, 8), n12 = Pattern(12, 9);
  Bytes n16 = n12;
  n16.resize(16, 0);
  Bytes a, b, c;
  std::string err;
  ASSERT_EQ(Seal(defs_[2], key, n12, {}, pt, &a, &err), TOWER_OK) << err;
  ASSERT_EQ(Seal(defs_[2], key, n16, {}, pt, &b, &err), TOWER_OK) << err;
  EXPECT_NE(a, b);
  ExpectAuthFailure(defs_[2], key, n16, {}, a, "12-byte nonce ciphertext opened with 16");
  ASSERT_EQ(Seal(defs_[0], Bytes(key.begin(), key.begin() + 16), n12, {}, pt, &b, &err), TOWER_OK);
  ASSERT_EQ(Seal(defs_[1], Bytes(key.begin(), key.begin() + 24), n12, {}, pt, &c, &err), TOWER_OK);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(b, c);
}

TEST_F(GcryptTest, BadLengths) {
  for (const tower_aead_def* d : defs_) {
    SCOPED_TRACE(d->name);
    const Bytes key = Pattern(d->key_size, 1), nonce = Pattern(12, 2), pt = Pattern(40, 3);
    Bytes ct, out;
    std::string err;
    ASSERT_EQ(Seal(d, key, nonce, {}, pt, &ct, &err), TOWER_OK) << err;
    for (size_t kl : {0, 8, 15, 16, 17, 24, 31, 32, 33, 64}) {
      if (kl == d->key_size) continue;
      std::string e1, e2;
      EXPECT_EQ(Seal(d, Pattern(kl, 4), nonce, {}, pt, &out, &e1), TOWER_E_INVALID_ARGUMENT) << kl;
      EXPECT_EQ(Open(d, Pattern(kl, 4), nonce, {}, ct, &out, &e2), TOWER_E_INVALID_ARGUMENT) << kl;
      EXPECT_NE(e1.find(d->name), std::string::npos) << e1;
      EXPECT_NE(e1.find("key"), std::string::npos) << e1;
      EXPECT_NE(e2.find("key"), std::string::npos) << e2;
    }
    for (size_t nl : {0, 129, 1000}) {
      std::string e1, e2;
      EXPECT_EQ(Seal(d, key, Pattern(nl, 5), {}, pt, &out, &e1), TOWER_E_INVALID_ARGUMENT) << nl;
      EXPECT_EQ(Open(d, key, Pattern(nl, 5), {}, ct, &out, &e2), TOWER_E_INVALID_ARGUMENT) << nl;
      EXPECT_NE(e1.find(d->name), std::string::npos) << e1;
      EXPECT_NE(e1.find("nonce"), std::string::npos) << e1;
      EXPECT_NE(e2.find("nonce"), std::string::npos) << e2;
    }
    // Shorter than the tag.
    for (size_t cl : {0, 1, 15}) {
      ErrSink e;
      uint8_t buf[16] = {};
      EXPECT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                        ct.data(), cl, buf, &e.sink),
                TOWER_E_INVALID_ARGUMENT)
          << cl;
      EXPECT_NE(e.msg.find("tag"), std::string::npos) << e.msg;
    }
    // Null pointers for non-empty buffers, and a null err sink.
    uint8_t buf[64] = {};
    EXPECT_EQ(d->seal(d->user, nullptr, key.size(), nonce.data(), 12, nullptr, 0, pt.data(),
                      pt.size(), buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nullptr, 12, nullptr, 0, pt.data(),
                      pt.size(), buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), 12, nullptr, 5, pt.data(),
                      pt.size(), buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), 12, nullptr, 0, nullptr, 3,
                      buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), 12, nullptr, 0, nullptr, 0,
                      nullptr, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    // Lengths beyond GCM's limit (64 GiB) are refused before any byte is read.
    for (size_t absurd : {size_t{1} << 40, SIZE_MAX - 4, SIZE_MAX}) {
      ErrSink e1, e2;
      EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                        pt.data(), absurd, buf, &e1.sink),
                TOWER_E_INVALID_ARGUMENT)
          << absurd;
      EXPECT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                        ct.data(), absurd, buf, &e2.sink),
                TOWER_E_INVALID_ARGUMENT)
          << absurd;
      EXPECT_NE(e1.msg.find(d->name), std::string::npos) << e1.msg;
      EXPECT_NE(e2.msg.find(d->name), std::string::npos) << e2.msg;
    }
    // An empty plaintext opens into a null output.
    Bytes tag_only;
    ASSERT_EQ(Seal(d, key, nonce, {}, {}, &tag_only, &err), TOWER_OK);
    EXPECT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), 12, nullptr, 0,
                      tag_only.data(), tag_only.size(), nullptr, nullptr),
              TOWER_OK);
    tag_only[0] ^= 1;
    EXPECT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), 12, nullptr, 0,
                      tag_only.data(), tag_only.size(), nullptr, nullptr),
              TOWER_E_AUTH_FAILED);
  }
}

// All three ciphers from several threads at once (run on its own, with
// --gtest_filter, this also races the library's first-use initialisation).
TEST(GcryptConcurrent, RoundTrips) {
  Provider p("gcrypt");
  ASSERT_TRUE(p.ok());
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&p, t] {
      for (uint32_t i = 0; i < 150; ++i) {
        const tower_aead_def* d = &p.api()->aeads[(i + t) % 3];
        const Bytes key = Pattern(d->key_size, t * 1000 + i), nonce = Pattern(1 + i % 40, i);
        const Bytes pt = Pattern(i * 7 + t, i + 5), ad = Pattern(i % 5, i + 9);
        Bytes ct, back;
        std::string err;
        ASSERT_EQ(Seal(d, key, nonce, ad, pt, &ct, &err), TOWER_OK) << err;
        ASSERT_EQ(Open(d, key, nonce, ad, ct, &back, &err), TOWER_OK) << err;
        ASSERT_EQ(back, pt);
      }
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace
