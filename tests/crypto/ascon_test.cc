// Tests of the "ascon" crypto provider: every entry of the four official
// LWC KAT files (Ascon-128, Ascon-128a, Ascon-80pq v1.2 and SP 800-232
// Ascon-AEAD128) sealed, opened and tampered with; argument checks; a
// 1 MiB round trip on unaligned buffers; concurrent use.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "crypto_calls.hpp"
#include "provider.hpp"
#include "tower/sdk/crypto.h"
#include "vectors.hpp"

namespace tower::test {
namespace {

constexpr size_t kTag = 16;
constexpr size_t kNonce = 16;
constexpr size_t kEntriesPerFile = 1089;  // every KAT file: PT 0..32 x AD 0..32 bytes

// The loaded plugin, shared by all tests of this program.
const Provider& Ascon() {
  static const Provider p("ascon");
  return p;
}

// The definition `name` of the loaded plugin (null, with a failure, if absent).
const tower_aead_def* Def(const char* name) {
  const tower_aead_def* d = Ascon().aead(name);
  EXPECT_NE(d, nullptr) << "the ascon provider does not offer " << name;
  return d;
}

// One KAT file and the algorithm it tests.
struct KatCase {
  const char* file;
  const char* algorithm;
  uint32_t key_size;
};

class AsconKat : public ::testing::TestWithParam<KatCase> {};

TEST_P(AsconKat, AllEntries) {
  const KatCase& kc = GetParam();
  TOWER_VECTOR_FILE_OR_SKIP(path, std::string("ascon/") + kc.file);
  ASSERT_TRUE(Ascon().ok());
  const tower_aead_def* d = Def(kc.algorithm);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->key_size, kc.key_size);
  EXPECT_EQ(d->nonce_size, kNonce);
  EXPECT_EQ(d->nonce_min, kNonce);
  EXPECT_EQ(d->nonce_max, kNonce);
  EXPECT_EQ(d->tag_size, kTag);

  const std::vector<VecRecord> records = ReadVec(path);
  ASSERT_EQ(records.size(), kEntriesPerFile) << "entries parsed from " << path;

  size_t checked = 0, ct_tampered = 0, ad_tampered = 0, failing = 0;
  for (const VecRecord& r : records) {
    SCOPED_TRACE(std::string(kc.file) + " line " + std::to_string(r.line) +
                 " Count = " + (r.has("Count") ? r.at("Count") : "?"));
    for (const char* f : {"Count", "Key", "Nonce", "PT", "AD", "CT"}) {
      ASSERT_TRUE(r.has(f)) << "record lacks " << f;
    }
    EXPECT_EQ(r.at("Count"), std::to_string(checked + 1)) << "entries out of order";
    const auto key = Hex(r.at("Key"));
    const auto nonce = Hex(r.at("Nonce"));
    const auto pt = Hex(r.at("PT"));
    const auto ad = Hex(r.at("AD"));
    const auto ct = Hex(r.at("CT"));
    ASSERT_EQ(key.size(), kc.key_size);
    ASSERT_EQ(nonce.size(), kNonce);
    ASSERT_EQ(ct.size(), pt.size() + kTag);

    const bool before = HasFailure();
    std::vector<uint8_t> sealed, opened;
    std::string err;
    ASSERT_EQ(Seal(d, key, nonce, ad, pt, &sealed, &err), TOWER_OK) << err;
    EXPECT_EQ(sealed, ct) << "seal does not reproduce CT";
    EXPECT_EQ(Open(d, key, nonce, ad, ct, &opened, &err), TOWER_OK) << err;
    EXPECT_EQ(opened, pt) << "open does not give PT";

    // One flipped bit of the tag, of the ciphertext and of the AD.
    auto bad = ct;
    bad[pt.size() + (checked % kTag)] ^= static_cast<uint8_t>(1u << (checked % 8));
    ExpectAuthFailure(d, key, nonce, ad, bad, "tag bit flipped");
    if (!pt.empty()) {
      bad = ct;
      bad[checked % pt.size()] ^= static_cast<uint8_t>(0x80u >> (checked % 8));
      ExpectAuthFailure(d, key, nonce, ad, bad, "ciphertext bit flipped");
      ++ct_tampered;
    }
    if (!ad.empty()) {
      auto bad_ad = ad;
      bad_ad[(checked * 7) % ad.size()] ^= 0x01;
      ExpectAuthFailure(d, key, nonce, bad_ad, ct, "AD bit flipped");
      ++ad_tampered;
    }
    ++checked;
    if (!before && HasFailure() && ++failing >= 5) {
      FAIL() << "stopping after 5 failing entries";
    }
  }
  EXPECT_EQ(checked, kEntriesPerFile);
  // PT and AD each run over 0..32 bytes: 33 entries have an empty PT, 33
  // an empty AD.
  EXPECT_EQ(ct_tampered, kEntriesPerFile - 33);
  EXPECT_EQ(ad_tampered, kEntriesPerFile - 33);
  RecordProperty("entries", static_cast<int>(checked));
}

INSTANTIATE_TEST_SUITE_P(
    Files, AsconKat,
    ::testing::Values(KatCase{"ascon128v12_LWC_AEAD_KAT_128_128.txt", "ascon-128", 16},
                      KatCase{"ascon128av12_LWC_AEAD_KAT_128_128.txt", "ascon-128a", 16},
                      KatCase{"ascon80pqv12_LWC_AEAD_KAT_160_128.txt", "ascon-80pq", 20},
                      KatCase{"asconaead128_sp800_232_LWC_AEAD_KAT_128_128.txt", "ascon-aead128",
                              16}),
    [](const ::testing::TestParamInfo<KatCase>& info) {
      std::string n = info.param.algorithm;
      for (char& c : n) {
        if (c == '-') c = '_';
      }
      return n;
    });

const char* const kAlgorithms[] = {"ascon-aead128", "ascon-128", "ascon-128a", "ascon-80pq"};

TEST(Ascon, PluginLoads) {
  ASSERT_TRUE(Ascon().ok());
  const tower_crypto_api* api = Ascon().api();
  EXPECT_GE(api->struct_size, sizeof(tower_crypto_api));
  EXPECT_EQ(api->aead_count, 4u);
  EXPECT_EQ(api->password_count, 0u);
  EXPECT_EQ(api->kdf_count, 0u);
  EXPECT_EQ(api->hash_count, 0u);
  for (const char* name : kAlgorithms) {
    const tower_aead_def* d = Def(name);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->struct_size, sizeof(tower_aead_def));
    EXPECT_STREQ(d->name, name);
    EXPECT_NE(d->seal, nullptr);
    EXPECT_NE(d->open, nullptr);
  }
}

TEST(Ascon, BadArgumentsAreRefusedWithAMessage) {
  ASSERT_TRUE(Ascon().ok());
  for (const char* name : kAlgorithms) {
    SCOPED_TRACE(name);
    const tower_aead_def* d = Def(name);
    ASSERT_NE(d, nullptr);
    const std::vector<uint8_t> key(d->key_size, 0x42), nonce(kNonce, 0x24), ad(5, 1), pt(40, 2);
    std::vector<uint8_t> out, ct;
    std::string err;
    ASSERT_EQ(Seal(d, key, nonce, ad, pt, &ct, &err), TOWER_OK) << err;

    auto expect_invalid = [&](int32_t rc, const char* what, const char* mentions) {
      EXPECT_EQ(rc, TOWER_E_INVALID_ARGUMENT) << what;
      EXPECT_NE(err.find(name), std::string::npos) << what << ": " << err;
      EXPECT_NE(err.find(mentions), std::string::npos) << what << ": " << err;
    };
    for (size_t len : {size_t{0}, size_t{1}, size_t{15}, size_t{17}, size_t{20}, size_t{32}}) {
      if (len == d->key_size) continue;
      const std::vector<uint8_t> k(len, 0x42);
      expect_invalid(Seal(d, k, nonce, ad, pt, &out, &err), "seal, bad key length", "key");
      expect_invalid(Open(d, k, nonce, ad, ct, &out, &err), "open, bad key length", "key");
    }
    for (size_t len : {size_t{0}, size_t{8}, size_t{12}, size_t{15}, size_t{17}, size_t{24}}) {
      const std::vector<uint8_t> n(len, 0x24);
      expect_invalid(Seal(d, key, n, ad, pt, &out, &err), "seal, bad nonce length", "nonce");
      expect_invalid(Open(d, key, n, ad, ct, &out, &err), "open, bad nonce length", "nonce");
    }
    for (size_t len : {size_t{0}, size_t{1}, size_t{15}}) {
      const std::vector<uint8_t> short_ct(ct.begin(), ct.begin() + static_cast<ptrdiff_t>(len));
      expect_invalid(Open(d, key, nonce, ad, short_ct, &out, &err), "open, short ciphertext",
                     "shorter than");
    }
    // A null pointer with a non-zero length.
    ErrSink e;
    out.assign(pt.size() + kTag, 0);
    int32_t rc = d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 3,
                         pt.data(), pt.size(), out.data(), e.get());
    err = e.msg;
    expect_invalid(rc, "seal, null AD with length 3", "associated data");
    // The output may not overlap the input.
    std::vector<uint8_t> buf(pt.size() + kTag, 7);
    rc = d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), nullptr, 0,
                 buf.data(), pt.size(), buf.data(), e.get());
    err = e.msg;
    expect_invalid(rc, "seal in place", "overlaps");
    // A null err sink is allowed.
    EXPECT_EQ(d->open(d->user, key.data(), 3, nonce.data(), nonce.size(), nullptr, 0, ct.data(),
                      ct.size(), out.data(), nullptr),
              TOWER_E_INVALID_ARGUMENT);
  }
}

// The same bytes seal to different results under different algorithms,
// keys and nonces, and a ciphertext does not open under another algorithm.
TEST(Ascon, AlgorithmsKeysAndNoncesAreSeparated) {
  ASSERT_TRUE(Ascon().ok());
  const tower_aead_def* a = Def("ascon-aead128");
  const tower_aead_def* b = Def("ascon-128a");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<uint8_t> key(16, 9), nonce(kNonce, 3), ad{1, 2, 3}, pt(50, 0x5c);
  std::vector<uint8_t> ca, cb, out;
  ASSERT_EQ(Seal(a, key, nonce, ad, pt, &ca, nullptr), TOWER_OK);
  ASSERT_EQ(Seal(b, key, nonce, ad, pt, &cb, nullptr), TOWER_OK);
  EXPECT_NE(ca, cb);
  ExpectAuthFailure(b, key, nonce, ad, ca, "ascon-aead128 output opened as ascon-128a");
  auto key2 = key;
  key2[15] ^= 1;
  ExpectAuthFailure(a, key2, nonce, ad, ca, "wrong key");
  auto nonce2 = nonce;
  nonce2[0] ^= 0x80;
  ExpectAuthFailure(a, key, nonce2, ad, ca, "wrong nonce");
  auto truncated = ca;
  truncated.pop_back();
  ExpectAuthFailure(a, key, nonce, ad, truncated, "truncated by one byte");
}

// A 1 MiB message (plus odd sizes around the block boundaries) through
// seal and open, on deliberately misaligned buffers.
TEST(Ascon, LargeRoundTrip) {
  ASSERT_TRUE(Ascon().ok());
  constexpr size_t kMiB = size_t{1} << 20;
  for (const char* name : kAlgorithms) {
    SCOPED_TRACE(name);
    const tower_aead_def* d = Def(name);
    ASSERT_NE(d, nullptr);
    std::vector<uint8_t> key(d->key_size), nonce(kNonce);
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 29 + 1);
    for (size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(i * 13 + 7);
    for (size_t len : {kMiB, kMiB + 7, size_t{4095}, size_t{17}}) {
      SCOPED_TRACE(len);
      // Buffers one byte past an 8-byte boundary.
      std::vector<uint8_t> pt_buf(len + 1), ad_buf(1000 + 1), ct_buf(len + kTag + 1),
          out_buf(len + 1);
      uint32_t x = 0x12345678u;
      for (auto& b : pt_buf) {
        x = x * 1664525u + 1013904223u;
        b = static_cast<uint8_t>(x >> 24);
      }
      for (size_t i = 0; i < ad_buf.size(); ++i) ad_buf[i] = static_cast<uint8_t>(i);
      const uint8_t* pt = pt_buf.data() + 1;
      const uint8_t* ad = ad_buf.data() + 1;
      uint8_t* ct = ct_buf.data() + 1;
      uint8_t* out = out_buf.data() + 1;
      ErrSink e;
      ASSERT_EQ(d->seal(d->user, key.data(), key.size(), nonce.data(), nonce.size(), ad, 1000, pt,
                        len, ct, e.get()),
                TOWER_OK)
          << e.msg;
      EXPECT_NE(0, std::memcmp(ct, pt, std::min<size_t>(len, 64))) << "ciphertext equals plaintext";
      ASSERT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), nonce.size(), ad, 1000, ct,
                        len + kTag, out, e.get()),
                TOWER_OK)
          << e.msg;
      EXPECT_EQ(0, std::memcmp(out, pt, len)) << "round trip differs";
      // Tampering with the last ciphertext byte is caught and zeroes all.
      ct[len - 1] ^= 0x10;
      EXPECT_EQ(d->open(d->user, key.data(), key.size(), nonce.data(), nonce.size(), ad, 1000, ct,
                        len + kTag, out, e.get()),
                TOWER_E_AUTH_FAILED);
      bool zero = true;
      for (size_t i = 0; i < len; ++i) zero = zero && out[i] == 0;
      EXPECT_TRUE(zero) << "output not zeroed after a failed open";
    }
  }
}

// Concurrent seals and opens give the same results as sequential ones
// (no shared mutable state in the provider).
TEST(Ascon, ConcurrentUse) {
  ASSERT_TRUE(Ascon().ok());
  const tower_aead_def* d = Def("ascon-aead128");
  ASSERT_NE(d, nullptr);
  const std::vector<uint8_t> key(16, 0x11), ad(33, 0x22);
  constexpr int kThreads = 4, kIterations = 200;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint8_t> nonce(kNonce, static_cast<uint8_t>(t)), ct, out;
      for (int i = 0; i < kIterations; ++i) {
        std::vector<uint8_t> pt(static_cast<size_t>(i + t), static_cast<uint8_t>(i));
        nonce[15] = static_cast<uint8_t>(i);
        if (Seal(d, key, nonce, ad, pt, &ct, nullptr) != TOWER_OK ||
            Open(d, key, nonce, ad, ct, &out, nullptr) != TOWER_OK || out != pt) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[static_cast<size_t>(t)], 0) << t;
}

}  // namespace
}  // namespace tower::test
