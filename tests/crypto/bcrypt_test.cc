// Tests of the "bcrypt" crypto provider (libxcrypt): Botan's bcrypt vectors
// (verify and, from the decoded salt, reproduce), round trips at cost 4 and
// at the default cost 12, the 72-byte and NUL refusals, salt lengths,
// malformed strings and needs_rehash.
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

// The 16 salt bytes of a bcrypt string (22 characters of bcrypt's base64 at
// offset 7; same bit order as standard base64, another alphabet).
std::vector<uint8_t> BcryptSalt(const std::string& encoded) {
  return DecodeBase64(std::string_view(encoded).substr(7, 22),
                      "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

std::string Str(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

class BcryptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(provider_.ok());
    d_ = provider_.password("bcrypt");
    ASSERT_NE(d_, nullptr);
  }
  Provider provider_{"bcrypt"};
  const tower_password_def* d_ = nullptr;
  const std::vector<uint8_t> salt_ = Hex("71d79f8218a39259a7a29aabb2dbafc3");
};

TEST_F(BcryptTest, Table) {
  EXPECT_EQ(provider_.api()->password_count, 1u);
  EXPECT_STREQ(d_->param_names, "cost");
  EXPECT_STREQ(d_->default_params, "cost=12");
  std::vector<std::string> prefixes;
  for (const char* const* p = d_->prefixes; *p != nullptr; ++p) prefixes.emplace_back(*p);
  EXPECT_EQ(prefixes, (std::vector<std::string>{"$2b$", "$2a$", "$2y$"}));
}

// botan_bcrypt.vec: every usable entry verifies, a modified password does
// not, and hashing the password with the entry's decoded salt and cost
// reproduces the hash (as $2b$).
TEST_F(BcryptTest, BotanVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "password/botan_bcrypt.vec");
  int checked = 0, skipped_long = 0, skipped_nul = 0, refused = 0;
  for (const auto& r : ReadVec(file)) {
    SCOPED_TRACE(file.string() + ":" + std::to_string(r.line));
    std::string pw = Str(Hex(r.at("Password")));
    const std::string& want = r.at("Passhash");
    int32_t match = -1;
    std::string err;
    if (pw.size() > 72 || pw.find('\0') != std::string::npos) {
      // bcrypt would read only the first 72 bytes (or stop at the NUL); the
      // provider refuses such passwords instead, so these cannot verify.
      ++(pw.size() > 72 ? skipped_long : skipped_nul);
      EXPECT_EQ(Verify(d_, pw, want, &match, &err), TOWER_E_INVALID_ARGUMENT);
      EXPECT_EQ(match, 0);
      refused += err.find("72") != std::string::npos || err.find("NUL") != std::string::npos;
      continue;
    }
    ASSERT_EQ(Verify(d_, pw, want, &match, &err), TOWER_OK) << err;
    EXPECT_EQ(match, 1) << want;
    std::string wrong = pw.empty() ? "x" : pw;
    if (!pw.empty()) wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
    ASSERT_EQ(Verify(d_, wrong, want, &match, &err), TOWER_OK) << err;
    EXPECT_EQ(match, 0) << want;
    // Reproduce with the same salt and cost (cheap costs only).
    std::string cost = want.substr(4, 2);
    if (cost <= "05") {
      std::string encoded;
      ASSERT_EQ(Hash(d_, pw, BcryptSalt(want), "cost=" + cost, &encoded, &err), TOWER_OK) << err;
      EXPECT_EQ(encoded.substr(0, 4), "$2b$");
      EXPECT_EQ(encoded.substr(4), want.substr(4))
          << "(a $2a$ hash of a password with 8-bit bytes may be crypt_blowfish's reading)";
    }
    ++checked;
  }
  EXPECT_EQ(checked, 88);
  EXPECT_EQ(skipped_long, 5);
  EXPECT_EQ(skipped_nul, 0);
  EXPECT_EQ(refused, skipped_long + skipped_nul);
}

// Both readings of "$2a$" for 8-bit passwords: OpenBSD's (the Botan vectors)
// and crypt_blowfish's (libxcrypt's own $2a$ output).
TEST_F(BcryptTest, TwoAReadings) {
  const std::string pw = "\xff\xff\xa3";
  int32_t match = -1;
  ASSERT_EQ(Verify(d_, pw, "$2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", &match),
            TOWER_OK);
  EXPECT_EQ(match, 1);
  ASSERT_EQ(Verify(d_, pw, "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.", &match),
            TOWER_OK);
  EXPECT_EQ(match, 1);
  // $2b$ and $2y$ have only the one reading.
  ASSERT_EQ(Verify(d_, pw, "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", &match),
            TOWER_OK);
  EXPECT_EQ(match, 1);
  ASSERT_EQ(Verify(d_, pw, "$2b$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.", &match),
            TOWER_OK);
  EXPECT_EQ(match, 0);
  ASSERT_EQ(Verify(d_, "\xff\xff\xa4",
                   "$2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", &match),
            TOWER_OK);
  EXPECT_EQ(match, 0);
}

TEST_F(BcryptTest, RoundTripCost4) {
  std::string encoded, err;
  ASSERT_EQ(Hash(d_, "hunter2", salt_, "cost=4", &encoded, &err), TOWER_OK) << err;
  ASSERT_EQ(encoded.size(), 60u);
  EXPECT_EQ(encoded.substr(0, 7), "$2b$04$");
  EXPECT_EQ(BcryptSalt(encoded), salt_);
  int32_t match = -1;
  ASSERT_EQ(Verify(d_, "hunter2", encoded, &match, &err), TOWER_OK) << err;
  EXPECT_EQ(match, 1);
  ASSERT_EQ(Verify(d_, "hunter3", encoded, &match, &err), TOWER_OK) << err;
  EXPECT_EQ(match, 0);
  ASSERT_EQ(Verify(d_, "", encoded, &match, &err), TOWER_OK) << err;
  EXPECT_EQ(match, 0);
  // Deterministic for a given salt; another salt gives another hash.
  std::string again, other;
  ASSERT_EQ(Hash(d_, "hunter2", salt_, "cost=4", &again), TOWER_OK);
  EXPECT_EQ(again, encoded);
  std::vector<uint8_t> salt2 = salt_;
  salt2[15] ^= 1;
  ASSERT_EQ(Hash(d_, "hunter2", salt2, "cost=4", &other), TOWER_OK);
  EXPECT_NE(other.substr(29), encoded.substr(29));
  // Tampering with the hash characters breaks the match.
  std::string bad = encoded;
  bad[40] = bad[40] == 'a' ? 'b' : 'a';
  ASSERT_EQ(Verify(d_, "hunter2", bad, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
  // And with the cost.
  bad = encoded;
  bad[5] = '5';
  ASSERT_EQ(Verify(d_, "hunter2", bad, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
  // 72 bytes is the most that is accepted, and every byte counts.
  std::string pw72(72, 'p'), encoded72;
  ASSERT_EQ(Hash(d_, pw72, salt_, "cost=4", &encoded72, &err), TOWER_OK) << err;
  ASSERT_EQ(Verify(d_, pw72, encoded72, &match), TOWER_OK);
  EXPECT_EQ(match, 1);
  std::string pw72b = pw72;
  pw72b[71] = 'q';
  ASSERT_EQ(Verify(d_, pw72b, encoded72, &match), TOWER_OK);
  EXPECT_EQ(match, 0);
}

TEST_F(BcryptTest, RoundTripDefaultCost) {
  std::string encoded, err;
  ASSERT_EQ(Hash(d_, "correct horse battery staple", salt_, "", &encoded, &err), TOWER_OK) << err;
  EXPECT_EQ(encoded.substr(0, 7), "$2b$12$");
  int32_t match = -1;
  ASSERT_EQ(Verify(d_, "correct horse battery staple", encoded, &match, &err), TOWER_OK) << err;
  EXPECT_EQ(match, 1);
  int32_t r = -1;
  ASSERT_EQ(NeedsRehash(d_, encoded, "", &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 0);
}

TEST_F(BcryptTest, PasswordRefusals) {
  std::string out, err;
  EXPECT_EQ(Hash(d_, std::string(73, 'p'), salt_, "cost=4", &out, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.find("bcrypt uses only the first 72 bytes; refusing a longer password"),
            std::string::npos)
      << err;
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(Hash(d_, std::string("ab\0cd", 5), salt_, "cost=4", &out, &err),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.find("NUL"), std::string::npos) << err;
  // verify refuses them too.
  std::string encoded;
  ASSERT_EQ(Hash(d_, "ab", salt_, "cost=4", &encoded), TOWER_OK);
  int32_t match = -1;
  EXPECT_EQ(Verify(d_, std::string("ab\0cd", 5), encoded, &match, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(match, 0);
  EXPECT_EQ(Verify(d_, std::string(73, 'p'), encoded, &match, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(match, 0);
}

TEST_F(BcryptTest, SaltAndParameterErrors) {
  std::string out, err;
  for (size_t n : {size_t{0}, size_t{8}, size_t{15}, size_t{17}, size_t{32}}) {
    std::vector<uint8_t> salt(n, 0x11);
    EXPECT_EQ(Hash(d_, "pw", salt, "cost=4", &out, &err), TOWER_E_INVALID_ARGUMENT) << n;
    EXPECT_NE(err.find("bcrypt needs exactly 16"), std::string::npos) << err;
  }
  const char* bad_params[] = {"cost=3", "cost=32", "cost=abc", "cost=", "rounds=10", "cost"};
  for (const char* p : bad_params) {
    SCOPED_TRACE(p);
    EXPECT_EQ(Hash(d_, "pw", salt_, p, &out, &err), TOWER_E_INVALID_ARGUMENT);
    EXPECT_NE(err.find("bcrypt"), std::string::npos) << err;
    EXPECT_TRUE(err.find("cost") != std::string::npos || err.find("rounds") != std::string::npos)
        << err;
  }
}

TEST_F(BcryptTest, MalformedStrings) {
  const std::string good = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
  const std::string bad[] = {
      "",
      "$2b$",
      "$2x$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2c$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2b$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2b$4$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
      "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
      "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",
      "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe*",
      "$2b$04$CCCCCCCCCCCCCCCCCCCCC",
      std::string("$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe\0", 60),
      "*0",
      "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
  };
  int32_t match = -1;
  ASSERT_EQ(Verify(d_, "U*U", good, &match), TOWER_OK);
  ASSERT_EQ(match, 1);
  for (const auto& s : bad) {
    SCOPED_TRACE(s);
    std::string err;
    EXPECT_EQ(Verify(d_, "U*U", s, &match, &err), TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(match, 0);
    EXPECT_NE(err.find("bcrypt"), std::string::npos) << err;
  }
}

TEST_F(BcryptTest, NeedsRehash) {
  std::string c4, err;
  ASSERT_EQ(Hash(d_, "pw", salt_, "cost=4", &c4), TOWER_OK);
  int32_t r = -1;
  ASSERT_EQ(NeedsRehash(d_, c4, "", &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 1);  // 4 < the default 12
  ASSERT_EQ(NeedsRehash(d_, c4, "cost=4", &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 0);
  ASSERT_EQ(NeedsRehash(d_, c4, "cost=5", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  // Old prefixes need a rehash even at the policy's cost.
  std::string a = "$2a$" + c4.substr(4), y = "$2y$" + c4.substr(4);
  ASSERT_EQ(NeedsRehash(d_, a, "cost=4", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  ASSERT_EQ(NeedsRehash(d_, y, "cost=4", &r), TOWER_OK);
  EXPECT_EQ(r, 1);
  // Another algorithm's string.
  ASSERT_EQ(
      NeedsRehash(
          d_, "$argon2id$v=19$m=8,t=1,p=1$YWFhYWFhYWE$tPAla38/iYe0rtvQKVaPv04WYar67QEGlc4fhxU185s",
          "", &r),
      TOWER_OK);
  EXPECT_EQ(r, 1);
  // Errors.
  EXPECT_EQ(NeedsRehash(d_, c4, "cost=99", &r, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.find("cost=99"), std::string::npos) << err;
  EXPECT_EQ(NeedsRehash(d_, c4, "t=3", &r, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.find("'t'"), std::string::npos) << err;
  EXPECT_EQ(NeedsRehash(d_, "garbage", "", &r), TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(NeedsRehash(d_, "$2b$04$short", "", &r), TOWER_E_INVALID_ARGUMENT);
}

// Concurrent hashes and verifies (each call has its own crypt_data).
TEST_F(BcryptTest, Concurrent) {
  std::vector<std::thread> threads;
  std::vector<int> ok(6, 0);
  for (int k = 0; k < 6; ++k) {
    threads.emplace_back([&, k] {
      std::string pw = "password" + std::to_string(k), encoded;
      int good = 0;
      for (int j = 0; j < 4; ++j) {
        int32_t m1 = -1, m2 = -1;
        good += Hash(d_, pw, salt_, "cost=4", &encoded) == TOWER_OK;
        good += Verify(d_, pw, encoded, &m1) == TOWER_OK && m1 == 1;
        good += Verify(d_, pw + "!", encoded, &m2) == TOWER_OK && m2 == 0;
      }
      ok[k] = good;
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 6; ++k) EXPECT_EQ(ok[k], 12) << k;
}

}  // namespace
