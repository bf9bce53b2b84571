// Tests of the "argon2" crypto provider (Argon2id and Argon2i on libargon2):
// Botan's Argon2 and Argon2 pass-hash vectors, round trips with the default
// parameters, tampering, needs_rehash, parameter limits and malformed
// strings.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto_calls.hpp"
#include "provider.hpp"
#include "vectors.hpp"

namespace {

using tower::test::DecodeBase64;
using tower::test::Hash;
using tower::test::Hex;
using tower::test::NeedsRehash;
using tower::test::Provider;
using tower::test::ReadVec;
using tower::test::Verify;

// The raw hash (last '$' field) of a PHC string.
std::vector<uint8_t> RawHash(const std::string& encoded) {
  return DecodeBase64(encoded.substr(encoded.rfind('$') + 1));
}

std::string Str(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

class Argon2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(provider_.ok());
    id_ = provider_.password("argon2id");
    i_ = provider_.password("argon2i");
    ASSERT_NE(id_, nullptr);
    ASSERT_NE(i_, nullptr);
  }
  Provider provider_{"argon2"};
  const tower_password_def* id_ = nullptr;
  const tower_password_def* i_ = nullptr;
  const std::vector<uint8_t> salt_ = Hex("000102030405060708090a0b0c0d0e0f");
};

TEST_F(Argon2Test, Table) {
  EXPECT_EQ(provider_.api()->password_count, 2u);
  EXPECT_EQ(provider_.api()->aead_count, 0u);
  EXPECT_EQ(provider_.password("argon2d"), nullptr);
  for (const auto* d : {id_, i_}) {
    EXPECT_STREQ(d->param_names, "t,m,p,l");
    EXPECT_STREQ(d->default_params, "t=3,m=32768,p=4,l=32");
    ASSERT_NE(d->prefixes, nullptr);
    EXPECT_EQ(d->prefixes[1], nullptr);
  }
  EXPECT_STREQ(id_->prefixes[0], "$argon2id$");
  EXPECT_STREQ(i_->prefixes[0], "$argon2i$");
}

// botan_argon2.vec: raw Argon2 outputs. Each record goes through the def's
// hash with l = len(Output) and the raw hash is decoded from the string.
TEST_F(Argon2Test, BotanArgon2Vectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "password/botan_argon2.vec");
  int checked_i = 0, checked_id = 0, skipped_d = 0, skipped_secret_ad = 0, skipped_short = 0;
  for (const auto& r : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(r.line));
    if (r.section == "Argon2d") {
      ++skipped_d;  // Argon2d is not offered
      continue;
    }
    const tower_password_def* d = r.section == "Argon2id"  ? id_
                                  : r.section == "Argon2i" ? i_
                                                           : nullptr;
    ASSERT_NE(d, nullptr) << "unexpected section " << r.section;
    if ((r.has("Secret") && !r.at("Secret").empty()) || (r.has("AD") && !r.at("AD").empty())) {
      ++skipped_secret_ad;  // the PHC string API has no secret key or associated data
      continue;
    }
    std::vector<uint8_t> want = Hex(r.at("Output"));
    if (want.size() < 16) {
      ++skipped_short;  // l is limited to 16..1024 bytes
      continue;
    }
    std::string params = "t=" + r.at("T") + ",m=" + r.at("M") + ",p=" + r.at("P") +
                         ",l=" + std::to_string(want.size());
    std::string encoded, err;
    std::string pw = Str(Hex(r.at("Passphrase")));
    ASSERT_EQ(Hash(d, pw, Hex(r.at("Salt")), params, &encoded, &err), TOWER_OK) << err;
    std::string head = std::string(d->prefixes[0]) + "v=19$m=" + r.at("M") + ",t=" + r.at("T") +
                       ",p=" + r.at("P") + "$";
    EXPECT_EQ(encoded.substr(0, head.size()), head);
    EXPECT_EQ(RawHash(encoded), want);
    int32_t match = -1;
    ASSERT_EQ(Verify(d, pw, encoded, &match, &err), TOWER_OK) << err;
    EXPECT_EQ(match, 1);
    ++(d == id_ ? checked_id : checked_i);
  }
  EXPECT_EQ(checked_i, 2);
  EXPECT_EQ(checked_id, 305);
  EXPECT_EQ(skipped_d, 12);
  EXPECT_EQ(skipped_secret_ad, 26);
  EXPECT_EQ(skipped_short, 12);
}

// botan_passhash_argon2.vec: [Verify] strings verify, [Generate] records
// reproduce the string exactly.
TEST_F(Argon2Test, BotanPasshashVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "password/botan_passhash_argon2.vec");
  int verified = 0, generated = 0, skipped_d = 0;
  for (const auto& r : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(r.line));
    const std::string& want = r.at("Passhash");
    const std::string& pw = r.at("Password");
    if (r.section == "Verify") {
      if (want.starts_with("$argon2d$")) {
        ++skipped_d;  // Argon2d is not offered; the provider says so
        int32_t match = -1;
        EXPECT_EQ(Verify(id_, pw, want, &match), TOWER_E_NOT_SUPPORTED);
        EXPECT_EQ(match, 0);
        continue;
      }
      const tower_password_def* d = want.starts_with("$argon2id$") ? id_ : i_;
      int32_t match = -1;
      std::string err;
      ASSERT_EQ(Verify(d, pw, want, &match, &err), TOWER_OK) << err;
      EXPECT_EQ(match, 1);
      ASSERT_EQ(Verify(d, pw + "x", want, &match, &err), TOWER_OK) << err;
      EXPECT_EQ(match, 0);
      ASSERT_EQ(Verify(d, "", want, &match, &err), TOWER_OK) << err;
      EXPECT_EQ(match, 0);
      ++verified;
    } else if (r.section == "Generate") {
      const std::string& mode = r.at("Mode");
      if (mode == "0") {
        ++skipped_d;
        continue;
      }
      ASSERT_TRUE(mode == "1" || mode == "2") << mode;
      const tower_password_def* d = mode == "2" ? id_ : i_;
      std::string params =
          "t=" + r.at("T") + ",m=" + r.at("M") + ",p=" + r.at("P") + ",l=" + r.at("OutLen");
      std::string encoded, err;
      ASSERT_EQ(Hash(d, pw, Hex(r.at("Salt")), params, &encoded, &err), TOWER_OK) << err;
      EXPECT_EQ(encoded, want);
      ++generated;
    } else {
      ADD_FAILURE() << "unexpected section " << r.section;
    }
  }
  EXPECT_EQ(verified, 2);
  EXPECT_EQ(generated, 2);
  EXPECT_EQ(skipped_d, 2);
}

// Both variants with the default parameters (p=4: libargon2 runs 4 threads).
TEST_F(Argon2Test, RoundTripDefaults) {
  for (const auto* d : {id_, i_}) {
    SCOPED_TRACE(d->name);
    std::string encoded, err;
    ASSERT_EQ(Hash(d, "correct horse battery staple", salt_, "", &encoded, &err), TOWER_OK) << err;
    EXPECT_EQ(encoded.rfind(std::string(d->prefixes[0]) + "v=19$m=32768,t=3,p=4$", 0), 0u)
        << encoded;
    EXPECT_EQ(RawHash(encoded).size(), 32u);
    int32_t match = -1;
    ASSERT_EQ(Verify(d, "correct horse battery staple", encoded, &match, &err), TOWER_OK) << err;
    EXPECT_EQ(match, 1);
    ASSERT_EQ(Verify(d, "correct horse battery stapler", encoded, &match, &err), TOWER_OK);
    EXPECT_EQ(match, 0);
    int32_t rehash = -1;
    ASSERT_EQ(NeedsRehash(d, encoded, "", &rehash, &err), TOWER_OK) << err;
    EXPECT_EQ(rehash, 0);
    // The default params spelled out give the same string.
    std::string again;
    ASSERT_EQ(Hash(d, "correct horse battery staple", salt_, d->default_params, &again), TOWER_OK);
    EXPECT_EQ(again, encoded);
  }
}

TEST_F(Argon2Test, EmptyPasswordAndOtherSalt) {
  std::string a, b;
  ASSERT_EQ(Hash(id_, "", salt_, "t=1,m=64,p=2", &a), TOWER_OK);
  ASSERT_EQ(Hash(id_, "", Hex("0f0e0d0c0b0a0908"), "t=1,m=64,p=2", &b), TOWER_OK);
  EXPECT_NE(RawHash(a), RawHash(b));
  int32_t match = -1;
  ASSERT_EQ(Verify(id_, "", a, &match), TOWER_OK);
  EXPECT_EQ(match, 1);
  ASSERT_EQ(Verify(id_, "", b, &match), TOWER_OK);
  EXPECT_EQ(match, 1);
  ASSERT_EQ(Verify(id_, "\x01", a, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
}

// Changing any part of a string breaks the match (or the parse).
TEST_F(Argon2Test, Tamper) {
  std::string encoded;
  ASSERT_EQ(Hash(id_, "pw", salt_, "t=1,m=64,p=1", &encoded), TOWER_OK);
  int32_t match = -1;
  // The hash field: flip a character in the middle.
  std::string bad = encoded;
  char& c = bad[bad.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  ASSERT_EQ(Verify(id_, "pw", bad, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
  // The salt field.
  bad = encoded;
  size_t salt_at = bad.rfind('$', bad.rfind('$') - 1) + 2;
  bad[salt_at] = bad[salt_at] == 'A' ? 'B' : 'A';
  ASSERT_EQ(Verify(id_, "pw", bad, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
  // The cost parameters.
  bad = encoded;
  bad.replace(bad.find("t=1"), 3, "t=2");
  ASSERT_EQ(Verify(id_, "pw", bad, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
  // The variant: the same bytes under $argon2i$ are a different hash.
  bad = "$argon2i$" + encoded.substr(10);
  ASSERT_EQ(Verify(i_, "pw", bad, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
  // The prefix decides the variant, whichever definition is asked.
  ASSERT_EQ(Verify(i_, "pw", encoded, &match), TOWER_OK);
  EXPECT_EQ(match, 1);
}

TEST_F(Argon2Test, NeedsRehash) {
  std::string weak, err;
  ASSERT_EQ(Hash(id_, "pw", salt_, "t=1,m=64,p=1,l=16", &weak, &err), TOWER_OK) << err;
  int32_t r = -1;
  ASSERT_EQ(NeedsRehash(id_, weak, "", &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 1);
  ASSERT_EQ(NeedsRehash(id_, weak, "t=1,m=64,p=1,l=16", &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 0);
  ASSERT_EQ(NeedsRehash(id_, weak, "t=1,m=32,p=1,l=16", &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 0);  // stronger than the policy is fine
  ASSERT_EQ(NeedsRehash(id_, weak, "t=2,m=64,p=1,l=16", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  ASSERT_EQ(NeedsRehash(id_, weak, "t=1,m=128,p=1,l=16", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  ASSERT_EQ(NeedsRehash(id_, weak, "t=1,m=64,p=2,l=16", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  ASSERT_EQ(NeedsRehash(id_, weak, "t=1,m=64,p=1,l=17", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  // Another variant or another algorithm.
  ASSERT_EQ(NeedsRehash(i_, weak, "t=1,m=64,p=1,l=16", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  ASSERT_EQ(
      NeedsRehash(
          id_, "$argon2d$v=19$m=8,t=1,p=1$YWFhYWFhYWE$0WM+IC/fpCF2boiNXmu0lnBXDAKes/BHiYuq9abKsWQ",
          "t=1,m=8,p=1,l=16", &r),
      TOWER_OK);
  EXPECT_EQ(r, 1);
  ASSERT_EQ(
      NeedsRehash(id_, "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "", &r),
      TOWER_OK);
  EXPECT_EQ(r, 1);
  // Errors: a bad policy, a malformed string.
  EXPECT_EQ(NeedsRehash(id_, weak, "x=1", &r, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.find("'x'"), std::string::npos) << err;
  EXPECT_EQ(NeedsRehash(id_, "not a hash", "", &r), TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(NeedsRehash(id_, "$argon2id$v=19$m=64,t=1,p=1$garbage", "", &r),
            TOWER_E_INVALID_ARGUMENT);
}

// Unknown names and out-of-range values are refused, naming the parameter.
TEST_F(Argon2Test, ParameterErrors) {
  struct Case {
    const char* params;
    const char* mention;
  };
  const Case cases[] = {
      {"x=1", "'x'"},      {"t=0", "t=0"},     {"t=65537", "t=65537"},
      {"m=4194305", "m="}, {"m=7", "m=7"},     {"p=0", "p=0"},
      {"p=256", "p=256"},  {"l=15", "l=15"},   {"l=1025", "l=1025"},
      {"t=abc", "t=abc"},  {"t=-1", "t=-1"},   {"m=16,p=4", "m=16"},
      {"t", "'t'"},        {"t=1,q=2", "'q'"}, {"m=99999999999999999999", "m="},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.params);
    std::string out, err;
    EXPECT_EQ(Hash(id_, "pw", salt_, c.params, &out, &err), TOWER_E_INVALID_ARGUMENT);
    EXPECT_NE(err.find("argon2id"), std::string::npos) << err;
    EXPECT_NE(err.find(c.mention), std::string::npos) << err;
    EXPECT_TRUE(out.empty());
  }
  // The limits themselves are accepted (cheap corners only).
  std::string out, err;
  EXPECT_EQ(Hash(id_, "pw", salt_, "t=1,m=8,p=1,l=16", &out, &err), TOWER_OK) << err;
  EXPECT_EQ(Hash(id_, "pw", salt_, "t=1,m=2040,p=255,l=1024", &out, &err), TOWER_OK) << err;
  int32_t match = -1;
  ASSERT_EQ(Verify(id_, "pw", out, &match, &err), TOWER_OK) << err;
  EXPECT_EQ(match, 1);
  // Salt length.
  for (size_t n : {size_t{0}, size_t{7}, size_t{65}}) {
    std::vector<uint8_t> salt(n, 0x5a);
    EXPECT_EQ(Hash(i_, "pw", salt, "t=1,m=64,p=1", &out, &err), TOWER_E_INVALID_ARGUMENT) << n;
    EXPECT_NE(err.find("argon2i: salt"), std::string::npos) << err;
  }
  for (size_t n : {size_t{8}, size_t{64}}) {
    std::vector<uint8_t> salt(n, 0x5a);
    EXPECT_EQ(Hash(i_, "pw", salt, "t=1,m=64,p=1", &out, &err), TOWER_OK) << err;
  }
}

TEST_F(Argon2Test, MalformedStrings) {
  const std::string good =
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s";
  int32_t match = -1;
  ASSERT_EQ(Verify(id_, "pass", good, &match), TOWER_OK);
  ASSERT_EQ(match, 1);
  const std::string bad[] = {
      "",
      "$argon2id$",
      "$argon2x$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=16$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=019$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$t=1,m=8,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=08,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=1,x=2$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE=$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s=",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185t",
      "$argon2id$v=19$m=8,t=1,p=1$YWFh*WFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s$x",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYQ$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla",
      // Absurd costs are refused before anything is allocated.
      "$argon2id$v=19$m=4294967295,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=99999999999999,t=1,p=1$YWFhYWFhYWE$tPAla38/"
      "iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=4294967295,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=0,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=0$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      "$argon2id$v=19$m=8,t=1,p=2$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
      good + std::string(1, '\0'),
      std::string(1, '\0') + good,
  };
  for (const auto& s : bad) {
    SCOPED_TRACE(s);
    std::string err;
    EXPECT_EQ(Verify(id_, "pass", s, &match, &err), TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(match, 0);
    EXPECT_NE(err.find("argon2id"), std::string::npos) << err;
  }
}

// Concurrent verifies on both variants agree (no shared mutable state).
TEST_F(Argon2Test, Concurrent) {
  std::string a, b;
  ASSERT_EQ(Hash(id_, "one", salt_, "t=1,m=256,p=2", &a), TOWER_OK);
  ASSERT_EQ(Hash(i_, "two", salt_, "t=1,m=256,p=2", &b), TOWER_OK);
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int k = 0; k < 8; ++k) {
    threads.emplace_back([&, k] {
      int good = 0;
      for (int j = 0; j < 5; ++j) {
        int32_t m1 = -1, m2 = -1, m3 = -1;
        good += Verify(id_, "one", a, &m1) == TOWER_OK && m1 == 1;
        good += Verify(i_, "two", b, &m2) == TOWER_OK && m2 == 1;
        good += Verify(i_, "one", b, &m3) == TOWER_OK && m3 == 0;
      }
      ok[k] = good;
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 8; ++k) EXPECT_EQ(ok[k], 15) << k;
}

}  // namespace
