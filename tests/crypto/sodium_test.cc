// Tests of the "sodium" crypto provider (libsodium): XChaCha20-Poly1305 and
// ChaCha20-Poly1305 (IETF) against Botan's known-answer file, round trips,
// tampering, wrong keys, bad lengths, concurrency and the random source.
#include <gtest/gtest.h>

#include <cstdint>
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

class SodiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p_.ok());
    x_ = p_.aead("xchacha20-poly1305");
    c_ = p_.aead("chacha20-poly1305");
    ASSERT_NE(x_, nullptr);
    ASSERT_NE(c_, nullptr);
  }
  Bytes Random(size_t n) {
    Bytes b(n);
    ErrSink err;
    EXPECT_EQ(p_.api()->random_bytes(b.data(), b.size(), &err.sink), TOWER_OK) << err.msg;
    return b;
  }
  Provider p_{"sodium"};
  const tower_aead_def* x_ = nullptr;
  const tower_aead_def* c_ = nullptr;
};

TEST_F(SodiumTest, Table) {
  EXPECT_EQ(p_.api()->aead_count, 2u);
  EXPECT_EQ(p_.api()->password_count, 0u);
  EXPECT_EQ(p_.api()->kdf_count, 0u);
  EXPECT_EQ(p_.api()->hash_count, 0u);
  ASSERT_NE(p_.api()->random_bytes, nullptr);
  EXPECT_EQ(x_->key_size, 32u);
  EXPECT_EQ(x_->nonce_size, 24u);
  EXPECT_EQ(x_->nonce_min, 24u);
  EXPECT_EQ(x_->nonce_max, 24u);
  EXPECT_EQ(x_->tag_size, 16u);
  EXPECT_EQ(c_->key_size, 32u);
  EXPECT_EQ(c_->nonce_size, 12u);
  EXPECT_EQ(c_->nonce_min, 12u);
  EXPECT_EQ(c_->nonce_max, 12u);
  EXPECT_EQ(c_->tag_size, 16u);
}

// Botan's ChaCha20Poly1305 known answers: 24-byte nonces are XChaCha20-
// Poly1305, 12-byte nonces the IETF construction; the one 8-byte-nonce
// record (the original, pre-IETF ChaCha20-Poly1305) is not offered here.
TEST_F(SodiumTest, BotanVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "aead/botan_chacha20poly1305.vec");
  const auto records = tower::test::ReadVec(file);
  size_t n24 = 0, n12 = 0, skipped8 = 0;
  for (const auto& r : records) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(r.line));
    ASSERT_EQ(r.section, "ChaCha20Poly1305");
    ASSERT_TRUE(r.has("Key") && r.has("Nonce") && r.has("In") && r.has("Out"));
    const Bytes key = Hex(r.at("Key")), nonce = Hex(r.at("Nonce")), in = Hex(r.at("In"));
    const Bytes out = Hex(r.at("Out"));
    const Bytes ad = r.has("AD") ? Hex(r.at("AD")) : Bytes{};
    const tower_aead_def* d = nullptr;
    switch (nonce.size()) {
      case 24: d = x_, ++n24; break;
      case 12: d = c_, ++n12; break;
      case 8: ++skipped8; continue;
      default: FAIL() << "unexpected nonce length " << nonce.size();
    }
    CheckKnownAnswer(d, key, nonce, ad, in, out);
    if (HasFatalFailure()) return;
  }
  // What the file holds: 1710 records, of which 1569 XChaCha, 140 IETF, 1
  // original ChaCha20-Poly1305 (8-byte nonce, skipped).
  EXPECT_EQ(records.size(), 1710u);
  EXPECT_EQ(n24, 1569u);
  EXPECT_EQ(n12, 140u);
  EXPECT_EQ(skipped8, 1u);
}

TEST_F(SodiumTest, RoundTripsAndTampering) {
  for (const tower_aead_def* d : {x_, c_}) {
    SCOPED_TRACE(d->name);
    for (size_t len : {0, 1, 15, 16, 17, 63, 64, 65, 1000, 65537}) {
      for (size_t ad_len : {0, 1, 33}) {
        SCOPED_TRACE("pt " + std::to_string(len) + " ad " + std::to_string(ad_len));
        const Bytes key = Random(d->key_size), nonce = Random(d->nonce_size);
        const Bytes pt = Random(len), ad = Random(ad_len);
        CheckRoundTripAndTampering(d, key, nonce, ad, pt);
      }
    }
  }
}

TEST_F(SodiumTest, BadLengths) {
  for (const tower_aead_def* d : {x_, c_}) {
    SCOPED_TRACE(d->name);
    const Bytes key = Random(32), nonce = Random(d->nonce_size), pt = Random(40);
    Bytes ct, out;
    std::string err;
    ASSERT_EQ(Seal(d, key, nonce, {}, pt, &ct, &err), TOWER_OK) << err;
    for (size_t kl : {0, 16, 31, 33, 64}) {
      std::string e1, e2;
      EXPECT_EQ(Seal(d, Random(kl), nonce, {}, pt, &out, &e1), TOWER_E_INVALID_ARGUMENT) << kl;
      EXPECT_EQ(Open(d, Random(kl), nonce, {}, ct, &out, &e2), TOWER_E_INVALID_ARGUMENT) << kl;
      EXPECT_NE(e1.find(d->name), std::string::npos) << e1;
      EXPECT_NE(e1.find("key"), std::string::npos) << e1;
      EXPECT_NE(e2.find("key"), std::string::npos) << e2;
    }
    for (size_t nl : {0, 8, 11, 13, 23, 25, 32}) {
      if (nl == d->nonce_size) continue;
      std::string e1, e2;
      EXPECT_EQ(Seal(d, key, Random(nl), {}, pt, &out, &e1), TOWER_E_INVALID_ARGUMENT) << nl;
      EXPECT_EQ(Open(d, key, Random(nl), {}, ct, &out, &e2), TOWER_E_INVALID_ARGUMENT) << nl;
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
    EXPECT_EQ(d->seal(d->user, nullptr, 32, nonce.data(), nonce.size(), nullptr, 0, pt.data(),
                      pt.size(), buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), 32, nonce.data(), nonce.size(), nullptr, 5, pt.data(),
                      pt.size(), buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), 32, nonce.data(), nonce.size(), nullptr, 0, nullptr, 3,
                      buf, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(d->seal(d->user, key.data(), 32, nonce.data(), nonce.size(), nullptr, 0, nullptr, 0,
                      nullptr, nullptr),
              TOWER_E_INVALID_ARGUMENT);
    // Lengths beyond the cipher's limit (chacha20-poly1305: 256 GiB;
    // xchacha20-poly1305: SIZE_MAX - 16) are refused before any byte is read.
    const bool ietf = d == c_;
    std::vector<size_t> absurd_seal = {SIZE_MAX - 4, SIZE_MAX};
    std::vector<size_t> absurd_open;
    if (ietf) {
      absurd_seal.push_back(size_t{1} << 40);
      absurd_open = {size_t{1} << 40, SIZE_MAX};
    }
    for (size_t absurd : absurd_seal) {
      ErrSink e;
      EXPECT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                        pt.data(), absurd, buf, &e.sink),
                TOWER_E_INVALID_ARGUMENT)
          << absurd;
      EXPECT_NE(e.msg.find(d->name), std::string::npos) << e.msg;
    }
    for (size_t absurd : absurd_open) {
      ErrSink e;
      EXPECT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                        ct.data(), absurd, buf, &e.sink),
                TOWER_E_INVALID_ARGUMENT)
          << absurd;
      EXPECT_NE(e.msg.find(d->name), std::string::npos) << e.msg;
    }
    // An empty plaintext opens into a null output.
    Bytes tag_only;
    ASSERT_EQ(Seal(d, key, nonce, {}, {}, &tag_only, &err), TOWER_OK);
    EXPECT_EQ(d->open(d->user, key.data(), 32, nonce.data(), nonce.size(), nullptr, 0,
                      tag_only.data(), tag_only.size(), nullptr, nullptr),
              TOWER_OK);
    tag_only[0] ^= 1;
    EXPECT_EQ(d->open(d->user, key.data(), 32, nonce.data(), nonce.size(), nullptr, 0,
                      tag_only.data(), tag_only.size(), nullptr, nullptr),
              TOWER_E_AUTH_FAILED);
  }
}

TEST_F(SodiumTest, RandomBytes) {
  ErrSink err;
  EXPECT_EQ(p_.api()->random_bytes(nullptr, 0, &err.sink), TOWER_OK);
  EXPECT_EQ(p_.api()->random_bytes(nullptr, 8, &err.sink), TOWER_E_INVALID_ARGUMENT);
  const Bytes a = Random(32), b = Random(32);
  EXPECT_NE(a, b);
  EXPECT_FALSE(AllZero(a));
  // Every byte value shows up in 64 KiB of output (fails with odds ~2^-360).
  const Bytes big = Random(65536);
  std::vector<int> seen(256, 0);
  for (uint8_t c : big) seen[c] = 1;
  for (int v = 0; v < 256; ++v) EXPECT_TRUE(seen[v]) << v;
}

// Both ciphers from several threads at once (the provider keeps no shared
// mutable state).
TEST_F(SodiumTest, Concurrent) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 200; ++i) {
        const tower_aead_def* d = (i + t) % 2 == 0 ? x_ : c_;
        const Bytes key = Random(32), nonce = Random(d->nonce_size);
        const Bytes pt = Random(static_cast<size_t>(i * 7 + t)), ad = Random(i % 5);
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
