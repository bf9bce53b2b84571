// The crypto-provider conformance suite (see crypto_conformance.hpp). The
// providers are loaded through the kernel's PluginManager, as Tower loads
// them; every algorithm of every family becomes one test instance
// ("<provider>_<algorithm>") checked against tower/sdk/crypto.h:
//
//  - Providers: the table (sizes, names, prefixes, parameters) and the
//    random source.
//  - AEAD: round trips over many lengths with and without associated data,
//    determinism, nonce and key sensitivity, every tamper (ciphertext, tag,
//    associated data, nonce, key, length) failing with TOWER_E_AUTH_FAILED
//    and a zeroed output, refused key, nonce and ciphertext lengths,
//    unaligned buffers, concurrent use. The ABI forbids overlapping input
//    and output, so in-place use is not tested.
//  - Password hashes: hash/verify, salts, tampered strings never verifying,
//    needs_rehash against weaker, equal and stronger policies, bad
//    parameters and strings, empty and long passwords, concurrent use.
//  - KDFs and hashes: determinism, output lengths, input sensitivity, bad
//    lengths and keys, extendable output, unaligned buffers, concurrency.
//    (The ABI has one-shot hashing only: no incremental interface to test.)
//
// Every call goes through the wrappers of tests/crypto/crypto_calls.hpp,
// which also catch writes past the end of an output buffer.
#include "crypto_conformance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "crypto_calls.hpp"
#include "provider.hpp"
#include "tower/sdk/crypto.h"
#include "tower/sdk/crypto.hpp"

namespace tower::conformance {

namespace fs = std::filesystem;

namespace {

std::vector<std::string>& ProviderList() {
  static std::vector<std::string> v;
  return v;
}
std::vector<fs::path>& DirList() {
  static std::vector<fs::path> v;
  return v;
}
std::map<std::string, std::string>& ParamOverrides() {
  static std::map<std::string, std::string> m;
  return m;
}

// Cheap parameters for the password algorithms the suite knows; the output
// length stays at its default so that a hash at the defaults is never
// "another length" than one made with these.
const std::map<std::string, std::string>& CheapParams() {
  static const std::map<std::string, std::string> m = {
      {"argon2id", "t=1,m=16,p=1"}, {"argon2i", "t=1,m=16,p=1"}, {"argon2d", "t=1,m=16,p=1"},
      {"bcrypt", "cost=4"},         {"scrypt", "ln=10,r=8,p=1"}, {"pbkdf2-sha256", "i=1000"},
      {"pbkdf2-sha512", "i=1000"},
  };
  return m;
}

// Splits "a,b,c" on commas.
std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(',', pos);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// The provider `name`, loaded once (from the suite's plugin directories)
// and kept loaded for the whole run.
const test::Provider& Loaded(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<test::Provider>> loaded;
  std::lock_guard<std::mutex> lock(mu);
  auto& p = loaded[name];
  if (p == nullptr) p = std::make_unique<test::Provider>(name, DirList(), false);
  return *p;
}

}  // namespace

void SetCryptoProviders(std::vector<std::string> providers) {
  std::vector<std::string> unique;
  for (auto& p : providers) {
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(std::move(p));
  }
  ProviderList() = std::move(unique);
}
const std::vector<std::string>& CryptoProviders() { return ProviderList(); }

std::vector<std::string> BuiltinCryptoProviders() {
#ifdef TOWER_BUILTIN_CRYPTO_PROVIDERS
  const std::string_view all = TOWER_BUILTIN_CRYPTO_PROVIDERS;
#else
  const std::string_view all = "openssl,sodium,gcrypt,ascon,argon2,bcrypt,blake3";
#endif
  std::vector<std::string> out = SplitCommas(all);
  std::erase(out, std::string());
  return out;
}

void SetCryptoPluginDirs(std::vector<fs::path> dirs) { DirList() = std::move(dirs); }
const std::vector<fs::path>& CryptoPluginDirs() { return DirList(); }

void SetPasswordTestParams(const std::string& algorithm, std::string params) {
  ParamOverrides()[algorithm] = std::move(params);
}
std::string PasswordTestParams(const std::string& algorithm) {
  if (auto it = ParamOverrides().find(algorithm); it != ParamOverrides().end()) return it->second;
  if (auto it = CheapParams().find(algorithm); it != CheapParams().end()) return it->second;
  return "";
}

namespace {

using test::AllZero;
using test::Bytes;
using test::ErrSink;
using test::Pattern;
using test::ToHex;

// A copy of `b` with the bits of `mask` flipped in byte `i`.
Bytes Flipped(Bytes b, size_t i, uint8_t mask) {
  b[i] ^= mask;
  return b;
}

// ---- what a test instance is about ----

// One provider (family 0) or one algorithm of a provider.
struct Subject {
  std::string provider;
  uint32_t family = 0;  // TOWER_CRYPTO_AEAD ... TOWER_CRYPTO_HASH, or 0
  size_t index = 0;     // in the family's table
  std::string name;     // the algorithm's name
  std::string label;    // gtest-safe, unique: "openssl_aes_256_gcm"
};

void PrintTo(const Subject& s, std::ostream* os) {
  *os << s.provider;
  if (s.family != 0) *os << " " << s.name;
}

// `s` with every character outside [A-Za-z0-9] turned into '_'.
std::string GtestSafe(std::string s) {
  for (char& c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  }
  return s.empty() ? "_" : s;
}

// The number of definitions of `family` in `api`, and the i-th of them.
size_t FamilyCount(const tower_crypto_api* api, uint32_t family) {
  switch (family) {
    case TOWER_CRYPTO_AEAD: return api->aeads == nullptr ? 0 : api->aead_count;
    case TOWER_CRYPTO_PASSWORD: return api->passwords == nullptr ? 0 : api->password_count;
    case TOWER_CRYPTO_KDF: return api->kdfs == nullptr ? 0 : api->kdf_count;
    case TOWER_CRYPTO_HASH: return api->hashes == nullptr ? 0 : api->hash_count;
    default: return 0;
  }
}
const void* FamilyDef(const tower_crypto_api* api, uint32_t family, size_t i) {
  switch (family) {
    case TOWER_CRYPTO_AEAD: return &api->aeads[i];
    case TOWER_CRYPTO_PASSWORD: return &api->passwords[i];
    case TOWER_CRYPTO_KDF: return &api->kdfs[i];
    case TOWER_CRYPTO_HASH: return &api->hashes[i];
    default: return nullptr;
  }
}
const char* FamilyDefName(const tower_crypto_api* api, uint32_t family, size_t i) {
  switch (family) {
    case TOWER_CRYPTO_AEAD: return api->aeads[i].name;
    case TOWER_CRYPTO_PASSWORD: return api->passwords[i].name;
    case TOWER_CRYPTO_KDF: return api->kdfs[i].name;
    case TOWER_CRYPTO_HASH: return api->hashes[i].name;
    default: return nullptr;
  }
}

// The providers under test (a provider that fails to load still gets its
// instance: its table test reports why).
std::vector<Subject> ProviderSubjects() {
  std::vector<Subject> out;
  std::set<std::string> labels;
  for (const auto& p : CryptoProviders()) {
    Subject s;
    s.provider = s.name = p;
    s.label = GtestSafe(p);
    while (!labels.insert(s.label).second) s.label += "_";
    out.push_back(std::move(s));
  }
  return out;
}

// Every algorithm of `family` offered by the providers under test. Called
// by gtest while it registers the tests, after the runner chose them.
std::vector<Subject> AlgorithmSubjects(uint32_t family) {
  std::vector<Subject> out;
  std::set<std::string> labels;
  for (const auto& p : CryptoProviders()) {
    const test::Provider& provider = Loaded(p);
    if (!provider.ok()) continue;
    const size_t n = FamilyCount(provider.api(), family);
    for (size_t i = 0; i < n; ++i) {
      Subject s;
      s.provider = p;
      s.family = family;
      s.index = i;
      const char* name = FamilyDefName(provider.api(), family, i);
      s.name = name == nullptr ? "" : name;
      s.label = GtestSafe(p + "_" + (s.name.empty() ? "unnamed_" + std::to_string(i) : s.name));
      if (!labels.insert(s.label).second) {
        s.label += "_" + std::to_string(i);
        labels.insert(s.label);
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string SubjectLabel(const testing::TestParamInfo<Subject>& info) { return info.param.label; }

// ---- checks shared by the families ----

// True when `word` occurs in `text` delimited by characters that cannot be
// part of a parameter name.
bool ContainsWord(std::string_view text, std::string_view word) {
  auto part = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (size_t pos = text.find(word); pos != std::string_view::npos;
       pos = text.find(word, pos + 1)) {
    const size_t end = pos + word.size();
    if ((pos == 0 || !part(text[pos - 1])) && (end == text.size() || !part(text[end]))) {
      return true;
    }
  }
  return false;
}

// Success when `rc` is TOWER_E_INVALID_ARGUMENT and `message` names the
// algorithm `alg` and, when given, the parameter `param` (as a word).
testing::AssertionResult IsInvalidArgument(int32_t rc, const std::string& message,
                                           std::string_view alg, std::string_view param = {}) {
  if (rc != TOWER_E_INVALID_ARGUMENT) {
    return testing::AssertionFailure()
           << "status " << rc << ", want TOWER_E_INVALID_ARGUMENT (" << TOWER_E_INVALID_ARGUMENT
           << "); message: \"" << message << "\"";
  }
  if (message.find(alg) == std::string::npos) {
    return testing::AssertionFailure()
           << "the message does not name the algorithm " << alg << ": \"" << message << "\"";
  }
  if (!param.empty() && !ContainsWord(message, param)) {
    return testing::AssertionFailure()
           << "the message does not name the parameter " << param << ": \"" << message << "\"";
  }
  return testing::AssertionSuccess();
}

// The name rule the kernel applies to algorithm names: [a-z0-9_-]{1,64}.
bool ValidAlgorithmName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// Runs fn(thread) on `threads` threads at once and waits for them.
template <class Fn>
void RunConcurrently(int threads, Fn fn) {
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back([&fn, t] { fn(t); });
  for (auto& th : pool) th.join();
}

constexpr int kThreads = 4;

// ---- providers: the table and the random source ----

class CryptoProviderTest : public testing::TestWithParam<Subject> {
 protected:
  void SetUp() override {
    const test::Provider& p = Loaded(GetParam().provider);
    ASSERT_TRUE(p.ok()) << "cannot load crypto provider '" << GetParam().provider
                        << "': " << p.error();
    api_ = p.api();
  }
  const tower_crypto_api* api_ = nullptr;
};

// Checks the fields every definition has: struct_size and a valid name
// that no other definition of the family in this provider uses.
template <class Def>
void CheckNames(const char* family, const Def* defs, size_t count) {
  std::set<std::string> seen;
  for (size_t i = 0; i < count; ++i) {
    const Def& d = defs[i];
    SCOPED_TRACE(std::string(family) + " #" + std::to_string(i));
    EXPECT_GE(d.struct_size, sizeof(Def)) << "struct_size does not cover the definition";
    ASSERT_NE(d.name, nullptr);
    EXPECT_TRUE(ValidAlgorithmName(d.name)) << "'" << d.name << "' is not [a-z0-9_-]{1,64}";
    EXPECT_TRUE(seen.insert(d.name).second) << family << " '" << d.name << "' listed twice";
  }
}

TEST_P(CryptoProviderTest, TableIsSane) {
  EXPECT_GE(api_->struct_size, sizeof(tower_crypto_api));
  const std::pair<size_t, const void*> lists[] = {{api_->aead_count, api_->aeads},
                                                  {api_->password_count, api_->passwords},
                                                  {api_->kdf_count, api_->kdfs},
                                                  {api_->hash_count, api_->hashes}};
  for (const auto& [count, defs] : lists) {
    if (count > 0) {
      ASSERT_NE(defs, nullptr) << count << " definitions but no list";
    }
  }
  EXPECT_TRUE(api_->aead_count + api_->password_count + api_->kdf_count + api_->hash_count > 0 ||
              api_->random_bytes != nullptr)
      << "the provider offers nothing";

  CheckNames("aead", api_->aeads, api_->aead_count);
  for (size_t i = 0; i < api_->aead_count; ++i) {
    const tower_aead_def& d = api_->aeads[i];
    SCOPED_TRACE(d.name == nullptr ? "aead" : d.name);
    EXPECT_NE(d.seal, nullptr);
    EXPECT_NE(d.open, nullptr);
    EXPECT_GT(d.key_size, 0u);
    EXPECT_LE(d.key_size, 1024u) << "implausible key size";
    EXPECT_GT(d.tag_size, 0u);
    EXPECT_LE(d.tag_size, 1024u) << "implausible tag size";
    EXPECT_GT(d.nonce_size, 0u);
    EXPECT_LE(d.nonce_size, 4096u) << "implausible nonce size";
    EXPECT_LE(d.nonce_min, d.nonce_size);
    EXPECT_LE(d.nonce_size, d.nonce_max);
  }

  CheckNames("password hash", api_->passwords, api_->password_count);
  std::set<std::string> all_prefixes;
  for (size_t i = 0; i < api_->password_count; ++i) {
    const tower_password_def& d = api_->passwords[i];
    SCOPED_TRACE(d.name == nullptr ? "password" : d.name);
    EXPECT_NE(d.hash, nullptr);
    EXPECT_NE(d.verify, nullptr);
    EXPECT_NE(d.needs_rehash, nullptr);
    ASSERT_NE(d.prefixes, nullptr);
    ASSERT_NE(d.prefixes[0], nullptr) << "no prefix listed";
    for (const char* const* p = d.prefixes; *p != nullptr; ++p) {
      const std::string_view prefix = *p;
      EXPECT_TRUE(prefix.size() >= 3 && prefix.front() == '$' && prefix.back() == '$' &&
                  prefix.find('$', 1) == prefix.size() - 1)
          << "prefix \"" << prefix << "\" is not of the form \"$id$\"";
      EXPECT_TRUE(all_prefixes.insert(std::string(prefix)).second)
          << "prefix \"" << prefix << "\" is listed by two definitions of this provider";
    }
    ASSERT_NE(d.param_names, nullptr);
    ASSERT_NE(d.default_params, nullptr);
    std::set<std::string> names;
    if (*d.param_names != '\0') {
      for (const std::string& n : SplitCommas(d.param_names)) {
        EXPECT_TRUE(!n.empty() && n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") ==
                                      std::string::npos)
            << "bad parameter name '" << n << "' in \"" << d.param_names << "\"";
        EXPECT_TRUE(names.insert(n).second) << "parameter '" << n << "' listed twice";
      }
    }
    sdk::CryptoParams defaults;
    std::string why;
    EXPECT_TRUE(sdk::CryptoParams::parse(d.default_params, d.param_names, &defaults, &why))
        << "default_params \"" << d.default_params << "\" do not parse: " << why;
    std::map<std::string, int> spelled;
    for (const auto& [n, v] : defaults.items) {
      ++spelled[n];
      EXPECT_FALSE(v.empty()) << "default parameter " << n << " has no value";
    }
    for (const std::string& n : names) {
      EXPECT_EQ(spelled[n], 1) << "default_params \"" << d.default_params
                               << "\" must spell parameter " << n << " exactly once";
    }
  }

  CheckNames("kdf", api_->kdfs, api_->kdf_count);
  for (size_t i = 0; i < api_->kdf_count; ++i) {
    EXPECT_NE(api_->kdfs[i].derive, nullptr) << api_->kdfs[i].name;
  }

  CheckNames("hash", api_->hashes, api_->hash_count);
  for (size_t i = 0; i < api_->hash_count; ++i) {
    const tower_hash_def& d = api_->hashes[i];
    SCOPED_TRACE(d.name == nullptr ? "hash" : d.name);
    EXPECT_NE(d.hash, nullptr);
    EXPECT_GT(d.digest_size, 0u);
    EXPECT_LE(d.digest_size, 1024u) << "implausible digest size";
    EXPECT_LE(d.key_size, 1024u) << "implausible key size";
    EXPECT_TRUE(d.xof == 0 || d.xof == 1) << "xof is " << d.xof << ", want 0 or 1";
  }
}

TEST_P(CryptoProviderTest, RandomSource) {
  if (api_->random_bytes == nullptr) GTEST_SKIP() << "the provider has no random source";
  auto fill = [&](size_t n, uint8_t prefill, Bytes* out) {
    ErrSink e;
    test::GuardedBuffer(out, n, prefill);
    const int32_t rc = api_->random_bytes(out->data(), n, e.get());
    test::CheckGuard(out, n, "random_bytes");
    EXPECT_EQ(rc, TOWER_OK) << e.msg;
    return rc;
  };
  Bytes b;
  EXPECT_EQ(fill(0, 0x00, &b), TOWER_OK);
  for (size_t n : {size_t{1}, size_t{16}, size_t{32}, size_t{1000}, size_t{65536}}) {
    SCOPED_TRACE("length " + std::to_string(n));
    for (uint8_t prefill : {uint8_t{0x00}, uint8_t{0xFF}}) {
      ASSERT_EQ(fill(n, prefill, &b), TOWER_OK);
      if (n < 16) continue;
      // Unfilled bytes keep the prefill; random ones equal it 1 time in 256.
      const auto same = static_cast<size_t>(std::count(b.begin(), b.end(), prefill));
      EXPECT_LE(same, n / 32 + 4) << "bytes left unwritten? "
                                  << ToHex(Bytes(b.begin(), b.begin() + 16));
    }
  }
  // A gross bias shows in the byte histogram (256 expected per value).
  ASSERT_EQ(fill(65536, 0x00, &b), TOWER_OK);
  size_t counts[256] = {};
  for (uint8_t c : b) ++counts[c];
  const auto [lo, hi] = std::minmax_element(std::begin(counts), std::end(counts));
  EXPECT_GE(*lo, 128u) << "byte value " << (lo - counts) << " is rare";
  EXPECT_LE(*hi, 400u) << "byte value " << (hi - counts) << " is frequent";

  // Calls differ, also when made at the same time.
  std::mutex mu;
  std::set<Bytes> seen;
  std::atomic<int> failures{0};
  RunConcurrently(kThreads, [&](int) {
    for (int i = 0; i < 100; ++i) {
      Bytes r(32);
      if (api_->random_bytes(r.data(), r.size(), nullptr) != TOWER_OK) ++failures;
      std::lock_guard<std::mutex> lock(mu);
      seen.insert(std::move(r));
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads) * 100) << "repeated random output";
}

// ---- a fixture per family ----

template <class Def>
class AlgorithmTest : public testing::TestWithParam<Subject> {
 protected:
  void SetUp() override {
    const Subject& s = GetParam();
    const test::Provider& p = Loaded(s.provider);
    ASSERT_TRUE(p.ok()) << p.error();
    ASSERT_LT(s.index, FamilyCount(p.api(), s.family));
    d_ = static_cast<const Def*>(FamilyDef(p.api(), s.family, s.index));
    ASSERT_NE(d_->name, nullptr);
  }
  const Def* d_ = nullptr;
};

// ---- AEAD ----

class AeadTest : public AlgorithmTest<tower_aead_def> {
 protected:
  void SetUp() override {
    AlgorithmTest::SetUp();
    if (HasFatalFailure()) return;
    // What the tests below build buffers from (TableIsSane says more).
    ASSERT_TRUE(d_->key_size > 0 && d_->key_size <= 1024) << "key_size " << d_->key_size;
    ASSERT_TRUE(d_->tag_size > 0 && d_->tag_size <= 1024) << "tag_size " << d_->tag_size;
    ASSERT_TRUE(d_->nonce_min <= d_->nonce_size && d_->nonce_size <= d_->nonce_max &&
                d_->nonce_size > 0 && d_->nonce_size <= 4096)
        << "nonce sizes " << d_->nonce_min << " <= " << d_->nonce_size << " <= " << d_->nonce_max;
  }
  Bytes Key(uint32_t seed = 1) const { return Pattern(d_->key_size, seed); }
  Bytes Nonce(uint32_t seed = 2) const { return Pattern(d_->nonce_size, seed); }
};

constexpr size_t kAeadLengths[] = {0, 1, 15, 16, 17, 64, 1000, 65536};

TEST_P(AeadTest, RoundTrips) {
  const Bytes key = Key(), nonce = Nonce();
  for (size_t len : kAeadLengths) {
    for (size_t ad_len : {size_t{0}, size_t{13}}) {
      SCOPED_TRACE("plaintext " + std::to_string(len) + " bytes, associated data " +
                   std::to_string(ad_len) + " bytes");
      const Bytes pt = Pattern(len, 100 + static_cast<uint32_t>(len));
      const Bytes ad = Pattern(ad_len, 200);
      Bytes ct, again, back;
      std::string err;
      ASSERT_EQ(test::Seal(d_, key, nonce, ad, pt, &ct, &err), TOWER_OK) << err;
      ASSERT_EQ(ct.size(), len + d_->tag_size);
      ASSERT_EQ(test::Seal(d_, key, nonce, ad, pt, &again, &err), TOWER_OK) << err;
      EXPECT_TRUE(ct == again) << "the same inputs sealed differently";
      ASSERT_EQ(test::Open(d_, key, nonce, ad, ct, &back, &err), TOWER_OK) << err;
      EXPECT_TRUE(back == pt) << "opened " << back.size()
                              << " bytes that differ from the plaintext";
      if (len == 0) continue;
      // The ciphertext hides the plaintext. A short one may match it by
      // chance (1 in 256 per byte): then it must not under other nonces.
      bool hidden = !std::equal(pt.begin(), pt.end(), ct.begin());
      for (uint32_t seed = 3; !hidden && len < 8 && seed < 7; ++seed) {
        ASSERT_EQ(test::Seal(d_, key, Pattern(d_->nonce_size, seed), ad, pt, &again), TOWER_OK);
        hidden = !std::equal(pt.begin(), pt.end(), again.begin());
      }
      EXPECT_TRUE(hidden) << "the ciphertext equals the plaintext";
    }
  }
}

TEST_P(AeadTest, EveryTamperFailsAuthentication) {
  const Bytes key = Key(), nonce = Nonce();
  for (size_t len : {size_t{0}, size_t{1}, size_t{16}, size_t{17}, size_t{1000}}) {
    for (size_t ad_len : {size_t{0}, size_t{13}}) {
      SCOPED_TRACE("plaintext " + std::to_string(len) + " bytes, associated data " +
                   std::to_string(ad_len) + " bytes");
      const Bytes pt = Pattern(len, 300 + static_cast<uint32_t>(len));
      const Bytes ad = Pattern(ad_len, 400);
      Bytes ct;
      std::string err;
      ASSERT_EQ(test::Seal(d_, key, nonce, ad, pt, &ct, &err), TOWER_OK) << err;
      ASSERT_EQ(ct.size(), len + d_->tag_size);
      auto expect_fail = [&](const Bytes& k, const Bytes& n, const Bytes& a, const Bytes& c,
                             const std::string& what) {
        test::ExpectAuthFailure(d_, k, n, a, c, what.c_str());
      };
      for (size_t pos : std::set<size_t>{0, len / 2, len == 0 ? 0 : len - 1}) {
        if (len == 0) break;
        Bytes t = ct;
        t[pos] ^= 0x01;
        expect_fail(key, nonce, ad, t, "ciphertext bit flipped at " + std::to_string(pos));
      }
      for (size_t pos : std::set<size_t>{len, len + d_->tag_size - 1}) {
        Bytes t = ct;
        t[pos] ^= 0x80;
        expect_fail(key, nonce, ad, t, "tag bit flipped at " + std::to_string(pos));
      }
      Bytes zero_tag = ct;
      std::fill(zero_tag.begin() + static_cast<std::ptrdiff_t>(len), zero_tag.end(), 0);
      if (zero_tag != ct) expect_fail(key, nonce, ad, zero_tag, "tag zeroed");
      if (ad.empty()) {
        expect_fail(key, nonce, Bytes{0x00}, ct, "associated data added");
      } else {
        expect_fail(key, nonce, Flipped(ad, 0, 0x01), ct, "associated data first bit flipped");
        expect_fail(key, nonce, Flipped(ad, ad.size() - 1, 0x80), ct,
                    "associated data last bit flipped");
        expect_fail(key, nonce, {}, ct, "associated data dropped");
        expect_fail(key, nonce, Bytes(ad.begin(), ad.end() - 1), ct, "associated data truncated");
      }
      expect_fail(key, Flipped(nonce, 0, 0x01), ad, ct, "nonce first bit flipped");
      expect_fail(key, Flipped(nonce, nonce.size() - 1, 0x80), ad, ct, "nonce last bit flipped");
      expect_fail(Flipped(key, 0, 0x01), nonce, ad, ct, "key first bit flipped");
      expect_fail(Key(99), nonce, ad, ct, "another key");
      if (len > 0) {
        expect_fail(key, nonce, ad, Bytes(ct.begin(), ct.end() - 1), "last byte dropped");
      }
      Bytes longer = ct;
      longer.push_back(0);
      expect_fail(key, nonce, ad, longer, "a byte appended");
    }
  }
}

TEST_P(AeadTest, NoncesAndKeysChangeTheCiphertext) {
  const Bytes pt = Pattern(64, 500), ad = Pattern(7, 501);
  std::set<Bytes> seen;
  std::vector<std::pair<Bytes, Bytes>> inputs;  // key, nonce
  for (uint32_t seed = 0; seed < 4; ++seed) inputs.emplace_back(Key(), Nonce(10 + seed));
  for (uint32_t seed = 0; seed < 4; ++seed) inputs.emplace_back(Key(20 + seed), Nonce());
  Bytes nonce = Nonce();
  nonce.back() ^= 0x01;  // nonces one bit apart
  inputs.emplace_back(Key(), nonce);
  for (const auto& [key, n] : inputs) {
    Bytes ct;
    std::string err;
    ASSERT_EQ(test::Seal(d_, key, n, ad, pt, &ct, &err), TOWER_OK) << err;
    EXPECT_TRUE(seen.insert(ct).second) << "two (key, nonce) pairs gave the same ciphertext: key "
                                        << ToHex(key) << " nonce " << ToHex(n);
  }
  // Every accepted nonce length round-trips (a zero-padded nonce of another
  // length is another nonce).
  std::set<size_t> lengths = {d_->nonce_min, d_->nonce_size, d_->nonce_max};
  for (size_t len : lengths) {
    if (len > 4096) continue;
    SCOPED_TRACE("nonce of " + std::to_string(len) + " bytes");
    const Bytes n = Pattern(len, 600);
    Bytes ct, back;
    std::string err;
    ASSERT_EQ(test::Seal(d_, Key(), n, ad, pt, &ct, &err), TOWER_OK) << err;
    ASSERT_EQ(test::Open(d_, Key(), n, ad, ct, &back, &err), TOWER_OK) << err;
    EXPECT_TRUE(back == pt);
  }
}

TEST_P(AeadTest, RefusesBadLengths) {
  const Bytes pt = Pattern(32, 700), ad = Pattern(5, 701);
  Bytes ct;
  std::string err;
  ASSERT_EQ(test::Seal(d_, Key(), Nonce(), ad, pt, &ct, &err), TOWER_OK) << err;
  auto both = [&](const Bytes& key, const Bytes& nonce, const std::string& what) {
    SCOPED_TRACE(what);
    Bytes out;
    std::string e;
    EXPECT_TRUE(IsInvalidArgument(test::Seal(d_, key, nonce, ad, pt, &out, &e), e, d_->name))
        << "seal";
    EXPECT_TRUE(IsInvalidArgument(test::Open(d_, key, nonce, ad, ct, &out, &e), e, d_->name))
        << "open";
  };
  both(Bytes(d_->key_size - 1, 7), Nonce(), "key one byte short");
  both(Bytes(d_->key_size + 1, 7), Nonce(), "key one byte long");
  both({}, Nonce(), "no key");
  if (d_->nonce_min > 0) {
    both(Key(), Bytes(d_->nonce_min - 1, 7), "nonce one byte below nonce_min");
    both(Key(), {}, "no nonce");
  }
  if (d_->nonce_max < 4096) {
    both(Key(), Bytes(d_->nonce_max + 1, 7), "nonce one byte above nonce_max");
  }
  // Failures without an error sink (err may be NULL).
  const Bytes short_key(d_->key_size - 1, 7), nonce = Nonce();
  Bytes sink(ct.size());
  EXPECT_EQ(d_->seal(d_->user, short_key.data(), short_key.size(), nonce.data(), nonce.size(),
                     ad.data(), ad.size(), pt.data(), pt.size(), sink.data(), nullptr),
            TOWER_E_INVALID_ARGUMENT);
  Bytes tampered = ct;
  tampered.back() ^= 0x01;
  const Bytes key = Key();
  EXPECT_EQ(d_->open(d_->user, key.data(), key.size(), nonce.data(), nonce.size(), ad.data(),
                     ad.size(), tampered.data(), tampered.size(), sink.data(), nullptr),
            TOWER_E_AUTH_FAILED);
  // A ciphertext shorter than the tag cannot be opened.
  for (size_t len : {size_t{0}, size_t{d_->tag_size - 1}}) {
    Bytes out;
    std::string e;
    EXPECT_TRUE(IsInvalidArgument(
        test::Open(d_, Key(), Nonce(), ad,
                   Bytes(ct.begin(), ct.begin() + static_cast<std::ptrdiff_t>(len)), &out, &e),
        e, d_->name))
        << "open of a " << len << "-byte ciphertext";
  }
}

TEST_P(AeadTest, UnalignedBuffers) {
  const Bytes key = Key(), nonce = Nonce(), ad = Pattern(21, 800), pt = Pattern(1000, 801);
  Bytes ct, back;
  std::string err;
  ASSERT_EQ(test::Seal(d_, key, nonce, ad, pt, &ct, &err), TOWER_OK) << err;
  for (size_t off : {size_t{1}, size_t{3}}) {
    SCOPED_TRACE("offset " + std::to_string(off));
    auto at = [off](const Bytes& b) {
      Bytes s(off, 0xEE);
      s.insert(s.end(), b.begin(), b.end());
      return s;
    };
    const Bytes k = at(key), n = at(nonce), a = at(ad), p = at(pt), c = at(ct);
    Bytes out(off + ct.size());
    ErrSink e;
    ASSERT_EQ(
        d_->seal(d_->user, k.data() + off, key.size(), n.data() + off, nonce.size(), a.data() + off,
                 ad.size(), p.data() + off, pt.size(), out.data() + off, e.get()),
        TOWER_OK)
        << e.msg;
    EXPECT_TRUE(std::equal(ct.begin(), ct.end(), out.begin() + static_cast<std::ptrdiff_t>(off)));
    Bytes plain(off + pt.size());
    ASSERT_EQ(
        d_->open(d_->user, k.data() + off, key.size(), n.data() + off, nonce.size(), a.data() + off,
                 ad.size(), c.data() + off, ct.size(), plain.data() + off, e.get()),
        TOWER_OK)
        << e.msg;
    EXPECT_TRUE(std::equal(pt.begin(), pt.end(), plain.begin() + static_cast<std::ptrdiff_t>(off)));
  }
}

TEST_P(AeadTest, ConcurrentUse) {
  constexpr int kRounds = 50;
  const Bytes key = Key(), ad = Pattern(9, 900);
  std::vector<Bytes> pts, cts;
  for (int i = 0; i < kRounds; ++i) {
    pts.push_back(Pattern(100 + static_cast<size_t>(i) * 10, 1000 + static_cast<uint32_t>(i)));
    Bytes ct;
    ASSERT_EQ(test::Seal(d_, key, Nonce(static_cast<uint32_t>(i)), ad, pts.back(), &ct), TOWER_OK);
    cts.push_back(std::move(ct));
  }
  std::atomic<int> failures{0};
  RunConcurrently(kThreads, [&](int t) {
    for (int r = 0; r < kRounds; ++r) {
      const int i = (r + t * 7) % kRounds;
      const Bytes nonce = Nonce(static_cast<uint32_t>(i));
      Bytes out(cts[static_cast<size_t>(i)].size()), back(pts[static_cast<size_t>(i)].size());
      const Bytes& pt = pts[static_cast<size_t>(i)];
      if (d_->seal(d_->user, key.data(), key.size(), nonce.data(), nonce.size(), ad.data(),
                   ad.size(), pt.data(), pt.size(), out.data(), nullptr) != TOWER_OK ||
          out != cts[static_cast<size_t>(i)] ||
          d_->open(d_->user, key.data(), key.size(), nonce.data(), nonce.size(), ad.data(),
                   ad.size(), out.data(), out.size(), back.data(), nullptr) != TOWER_OK ||
          back != pt) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0) << "seal/open gave other results on concurrent threads";
}

// ---- password hashes ----

// Ordered "name=value" parameters.
using ParamList = std::vector<std::pair<std::string, std::string>>;

std::string ParamText(const ParamList& params) {
  std::string s;
  for (const auto& [n, v] : params) s += (s.empty() ? "" : ",") + n + "=" + v;
  return s;
}

std::optional<uint64_t> Number(const std::string& v) {
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return x;
}

// What needs_rehash must answer for a hash made with `made` under the
// policy `policy` (both spelling every parameter): 1 when a cost (any
// numeric parameter but the output length "l") is below the policy's or
// the output length differs, else 0; nullopt when a non-numeric parameter
// differs (the suite cannot tell).
std::optional<int32_t> ExpectedRehash(const ParamList& made, const ParamList& policy) {
  int32_t result = 0;
  for (const auto& [name, want] : policy) {
    auto it =
        std::find_if(made.begin(), made.end(), [&](const auto& p) { return p.first == name; });
    if (it == made.end()) return std::nullopt;
    const auto a = Number(it->second), b = Number(want);
    if (!a || !b) {
      if (it->second != want) return std::nullopt;
      continue;
    }
    if (name == "l" ? *a != *b : *a < *b) result = 1;
  }
  return result;
}

// `c` replaced by another character of the same kind (letters and digits
// stay letters and digits, so the string still looks well-formed).
char OtherChar(char c) {
  if (c >= 'a' && c <= 'z') return c == 'z' ? 'a' : static_cast<char>(c + 1);
  if (c >= 'A' && c <= 'Z') return c == 'Z' ? 'A' : static_cast<char>(c + 1);
  if (c >= '0' && c <= '9') return c == '9' ? '0' : static_cast<char>(c + 1);
  if (c == '+') return '/';
  if (c == '/') return '.';
  if (c == '.') return '/';
  return c == 'A' ? 'B' : 'A';
}

class PasswordTest : public AlgorithmTest<tower_password_def> {
 protected:
  void SetUp() override {
    AlgorithmTest::SetUp();
    if (HasFatalFailure()) return;
    sdk::CryptoParams parsed;
    std::string why;
    ASSERT_TRUE(sdk::CryptoParams::parse(d_->default_params, d_->param_names, &parsed, &why))
        << why;
    defaults_ = parsed.items;
    // The parameters set for this algorithm must parse; the suite's own
    // cheap ones are dropped when another provider's algorithm of the same
    // name takes other parameters.
    const std::string test_params = PasswordTestParams(d_->name);
    const bool set = ParamOverrides().contains(d_->name);
    if (!sdk::CryptoParams::parse(test_params, d_->param_names, &parsed, &why)) {
      if (set) {
        FAIL() << "the test parameters \"" << test_params << "\" given: " << why;
      }
      parsed.items.clear();
    }
    cheap_ = !parsed.items.empty();
    params_ = defaults_;
    for (const auto& [n, v] : parsed.items) {
      auto it = std::find_if(params_.begin(), params_.end(), [&](auto& p) { return p.first == n; });
      if (it == params_.end()) {
        params_.emplace_back(n, v);
      } else {
        it->second = v;
      }
    }
    text_ = ParamText(params_);
  }

  // Hashes `pw` with the test parameters (or `params`); fails the test on error.
  std::string MustHash(std::string_view pw, const Bytes& salt,
                       const std::string* params = nullptr) {
    std::string out, err;
    const int32_t rc = test::Hash(d_, pw, salt, params ? *params : text_, &out, &err);
    EXPECT_EQ(rc, TOWER_OK) << "hash with \"" << (params ? *params : text_) << "\": " << err;
    return rc == TOWER_OK ? out : std::string();
  }
  // The verify result (1, 0), or -2 after an error (message in *err).
  int32_t VerifyResult(std::string_view pw, std::string_view encoded, std::string* err = nullptr) {
    int32_t match = -1;
    const int32_t rc = test::Verify(d_, pw, encoded, &match, err);
    return rc == TOWER_OK ? match : -2;
  }
  bool HasPrefix(std::string_view encoded) const {
    for (const char* const* p = d_->prefixes; *p != nullptr; ++p) {
      if (encoded.starts_with(*p)) return true;
    }
    return false;
  }
  // Checks needs_rehash(encoded, policy) for a hash made with `made`, the
  // policy being `made` with one numeric parameter moved by `delta`. Returns
  // the answer, or nullopt when the policy is refused (then hash() must
  // refuse it too).
  std::optional<int32_t> CheckMovedPolicy(const std::string& encoded, const ParamList& made,
                                          size_t k, int delta) {
    const auto v = Number(made[k].second);
    if (!v || (delta < 0 && *v == 0)) return std::nullopt;
    ParamList policy = made;
    policy[k].second = std::to_string(delta < 0 ? *v - 1 : *v + 1);
    const std::string text = ParamText(policy);
    SCOPED_TRACE("policy \"" + text + "\"");
    int32_t result = -1;
    std::string err;
    const int32_t rc = test::NeedsRehash(d_, encoded, text, &result, &err);
    if (rc == TOWER_E_INVALID_ARGUMENT) {
      // Out of range: hash must refuse the same parameters.
      std::string out, herr;
      EXPECT_TRUE(IsInvalidArgument(test::Hash(d_, "pw", Pattern(16, 1), text, &out, &herr), herr,
                                    d_->name))
          << "needs_rehash refused the policy (" << err << ") but hash did not";
      return std::nullopt;
    }
    EXPECT_EQ(rc, TOWER_OK) << err;
    if (rc != TOWER_OK) return std::nullopt;
    if (auto want = ExpectedRehash(made, policy)) {
      EXPECT_EQ(result, *want) << "needs_rehash of a hash made with \"" << ParamText(made) << "\"";
    }
    return result;
  }

  ParamList defaults_;  // default_params, parsed
  ParamList params_;    // the test parameters, every name spelled
  std::string text_;    // params_ as text
  bool cheap_ = false;  // params_ are not just the defaults
};

constexpr std::string_view kPassword = "correct horse battery staple";

TEST_P(PasswordTest, HashAndVerify) {
  const Bytes salt = Pattern(16, 1100);
  const std::string h = MustHash(kPassword, salt);
  ASSERT_FALSE(h.empty());
  EXPECT_TRUE(HasPrefix(h)) << h << " starts with none of the prefixes";
  std::string err;
  EXPECT_EQ(VerifyResult(kPassword, h, &err), 1) << h << ": " << err;
  for (std::string_view wrong :
       {"correct horse battery stapl", "correct horse battery staplf",
        "Correct horse battery staple", "correct horse battery staple ", "", "x"}) {
    EXPECT_EQ(VerifyResult(wrong, h, &err), 0) << "\"" << wrong << "\": " << err;
  }
  EXPECT_EQ(MustHash(kPassword, salt), h) << "the same password, salt and parameters hashed "
                                             "differently";
  const std::string h2 = MustHash(kPassword, Pattern(16, 1101));
  EXPECT_NE(h2, h) << "another salt gave the same hash";
  EXPECT_EQ(VerifyResult(kPassword, h2, &err), 1) << h2 << ": " << err;
  EXPECT_NE(MustHash("correct horse battery staplf", salt), h);
}

// The positions a tampering test changes in the encoded hash `h`: every
// character of the '$'-separated fields after the `prefix_len`-character
// prefix that hold no parameters (no '=', not all digits): the salt and the
// hash. With `all` false (costly parameters) only the last 16 of them and 8
// spread over the others.
std::vector<size_t> TamperPositions(std::string_view h, size_t prefix_len, bool all) {
  std::vector<size_t> positions;
  for (size_t start = prefix_len; start < h.size();) {
    size_t end = h.find('$', start);
    if (end == std::string_view::npos) end = h.size();
    const std::string_view field = h.substr(start, end - start);
    const bool params = field.find('=') != std::string_view::npos ||
                        field.find_first_not_of("0123456789") == std::string_view::npos;
    for (size_t i = start; !params && i < end; ++i) positions.push_back(i);
    start = end + 1;
  }
  if (all || positions.size() <= 24) return positions;
  std::vector<size_t> some(positions.end() - 16, positions.end());
  const size_t rest = positions.size() - 16;
  for (size_t k = 0; k < 8; ++k) some.push_back(positions[k * rest / 8]);
  return some;
}

TEST_P(PasswordTest, TamperedHashesNeverVerify) {
  const std::string h = MustHash(kPassword, Pattern(16, 1200));
  ASSERT_GT(h.size(), 16u);
  size_t prefix_len = 0;
  for (const char* const* p = d_->prefixes; *p != nullptr; ++p) {
    if (h.starts_with(*p)) prefix_len = std::max(prefix_len, std::strlen(*p));
  }
  // Every salt and hash character when the test parameters are cheap.
  const std::vector<size_t> positions = TamperPositions(h, prefix_len, cheap_);
  EXPECT_GE(positions.size(), 16u) << h << ": where are the salt and the hash?";
  std::vector<std::pair<std::string, std::string>> tampered;  // what, string
  for (size_t pos : positions) {
    std::string t = h;
    t[pos] = OtherChar(t[pos]);
    tampered.emplace_back("character " + std::to_string(pos) + " changed", t);
  }
  tampered.emplace_back("last character dropped", h.substr(0, h.size() - 1));
  tampered.emplace_back("a character appended", h + "A");
  for (const auto& [what, t] : tampered) {
    std::string err;
    const int32_t r = VerifyResult(kPassword, t, &err);
    EXPECT_NE(r, 1) << what << ": " << t << " verified";
    EXPECT_TRUE(r == 0 || r == -2) << what << ": verify set match to " << r;
    if (r == -2) {
      EXPECT_FALSE(err.empty()) << what << ": an error without a message";
    }
  }
}

TEST_P(PasswordTest, NeedsRehash) {
  const std::string h = MustHash(kPassword, Pattern(16, 1300));
  ASSERT_FALSE(h.empty());
  int32_t r = -1;
  std::string err;
  ASSERT_EQ(test::NeedsRehash(d_, h, text_, &r, &err), TOWER_OK) << err;
  EXPECT_EQ(r, 0) << "a fresh hash needs a rehash under the parameters it was made with";

  // One parameter at a time, raised and lowered.
  int raised = 0;
  for (size_t k = 0; k < params_.size(); ++k) {
    if (auto up = CheckMovedPolicy(h, params_, k, +1); up && *up == 1) ++raised;
    CheckMovedPolicy(h, params_, k, -1);
  }
  if (std::any_of(params_.begin(), params_.end(),
                  [](auto& p) { return Number(p.second).has_value(); })) {
    EXPECT_GT(raised, 0) << "no stronger policy made a hash need a rehash";
  }

  // The defaults (empty policy) against the test parameters.
  if (auto want = ExpectedRehash(params_, defaults_)) {
    ASSERT_EQ(test::NeedsRehash(d_, h, "", &r, &err), TOWER_OK) << err;
    EXPECT_EQ(r, *want) << "needs_rehash of a hash made with \"" << text_
                        << "\" under the defaults \"" << d_->default_params << "\"";
  }

  // Another algorithm's string needs a rehash; one of this algorithm's
  // prefixes with garbage after it is malformed.
  ASSERT_EQ(
      test::NeedsRehash(d_, "$tower-conformance-other$v=1$c2FsdHNhbHQ$aGFzaGhhc2g", "", &r, &err),
      TOWER_OK)
      << err;
  EXPECT_EQ(r, 1) << "a hash of another algorithm";
  for (const char* const* p = d_->prefixes; *p != nullptr; ++p) {
    const std::string prefix = *p;
    EXPECT_TRUE(IsInvalidArgument(test::NeedsRehash(d_, prefix + "x", "", &r, &err), err, d_->name))
        << "needs_rehash of \"" << prefix << "x\"";
    // The fresh hash relabelled with another of the prefixes: another
    // prefix than hash() writes needs a rehash (or is malformed).
    if (h.starts_with(prefix)) continue;
    for (const char* const* q = d_->prefixes; *q != nullptr; ++q) {
      if (!h.starts_with(*q)) continue;
      const std::string other = prefix + h.substr(std::strlen(*q));
      const int32_t rc = test::NeedsRehash(d_, other, text_, &r, &err);
      if (rc == TOWER_OK) {
        EXPECT_EQ(r, 1) << other << " (prefix " << prefix << ") does not need a rehash";
      } else {
        EXPECT_TRUE(IsInvalidArgument(rc, err, d_->name)) << other;
      }
    }
  }
}

TEST_P(PasswordTest, DefaultParameters) {
  // One hash and one verify at the (costly) defaults.
  const std::string defaults;  // empty: the provider's defaults
  const std::string h = MustHash(kPassword, Pattern(16, 1400), &defaults);
  ASSERT_FALSE(h.empty());
  EXPECT_TRUE(HasPrefix(h)) << h;
  std::string err;
  EXPECT_EQ(VerifyResult(kPassword, h, &err), 1) << h << ": " << err;
  int32_t r = -1;
  for (const std::string& policy : {std::string(), std::string(d_->default_params)}) {
    ASSERT_EQ(test::NeedsRehash(d_, h, policy, &r, &err), TOWER_OK) << err;
    EXPECT_EQ(r, 0) << "a fresh hash at the defaults needs a rehash under \"" << policy << "\"";
  }
  // Raising any default makes it weak; lowering a cost does not.
  for (size_t k = 0; k < defaults_.size(); ++k) {
    CheckMovedPolicy(h, defaults_, k, +1);
    CheckMovedPolicy(h, defaults_, k, -1);
  }
  // The (cheaper) test parameters as the policy.
  if (auto want = ExpectedRehash(defaults_, params_)) {
    ASSERT_EQ(test::NeedsRehash(d_, h, text_, &r, &err), TOWER_OK) << err;
    EXPECT_EQ(r, *want) << "needs_rehash of a hash at the defaults under \"" << text_ << "\"";
  }
}

TEST_P(PasswordTest, RefusesBadParameters) {
  const std::string h = MustHash(kPassword, Pattern(16, 1500));
  ASSERT_FALSE(h.empty());
  std::vector<std::pair<std::string, std::string>> bad = {
      // params, the word to name
      {"tower_no_such_param=1", "tower_no_such_param"},
      {"garbage", "garbage"}};
  for (const auto& [n, v] : defaults_) {
    if (!Number(v)) continue;
    bad.emplace_back(n + "=999999999999999999999999", n);
    bad.emplace_back(n + "=x", n);
    bad.emplace_back(n + "=-1", n);
  }
  for (const auto& [params, word] : bad) {
    SCOPED_TRACE("params \"" + params + "\"");
    int32_t r = -1;
    std::string err;
    const int32_t rc = test::NeedsRehash(d_, h, params, &r, &err);
    EXPECT_TRUE(IsInvalidArgument(rc, err, d_->name, word)) << "needs_rehash";
    // hash only when needs_rehash refused: absurd parameters that were
    // accepted could take forever.
    if (rc != TOWER_E_INVALID_ARGUMENT) continue;
    std::string out;
    EXPECT_TRUE(IsInvalidArgument(test::Hash(d_, kPassword, Pattern(16, 1), params, &out, &err),
                                  err, d_->name, word))
        << "hash";
  }
}

TEST_P(PasswordTest, RefusesMalformedStringsAndSalts) {
  std::vector<std::string> malformed = {"", "not a hash"};
  for (const char* const* p = d_->prefixes; *p != nullptr; ++p)
    malformed.push_back(*p + std::string("x"));
  for (const std::string& s : malformed) {
    int32_t match = -1;
    std::string err;
    EXPECT_TRUE(IsInvalidArgument(test::Verify(d_, kPassword, s, &match, &err), err, d_->name))
        << "verify of \"" << s << "\"";
    EXPECT_NE(match, 1);
  }
  // Failures without an error sink (err may be NULL).
  int32_t match = -1;
  EXPECT_EQ(d_->verify(d_->user, kPassword.data(), kPassword.size(), "x", 1, &match, nullptr),
            TOWER_E_INVALID_ARGUMENT);
  const std::string bogus = "tower_no_such_param=1";
  ErrSink sink;
  EXPECT_EQ(d_->hash(d_->user, kPassword.data(), kPassword.size(), Pattern(16, 1).data(), 16,
                     bogus.data(), bogus.size(), sink.get(), nullptr),
            TOWER_E_INVALID_ARGUMENT);

  std::string out, err;
  EXPECT_TRUE(IsInvalidArgument(test::Hash(d_, kPassword, {}, text_, &out, &err), err, d_->name))
      << "hash without a salt";
  EXPECT_TRUE(
      IsInvalidArgument(test::Hash(d_, kPassword, Pattern(4, 1), text_, &out, &err), err, d_->name))
      << "hash with a 4-byte salt";
}

TEST_P(PasswordTest, EmptyAndLongPasswords) {
  const Bytes salt = Pattern(16, 1600);
  std::string h, err;
  int32_t rc = test::Hash(d_, "", salt, text_, &h, &err);
  if (rc == TOWER_OK) {
    EXPECT_EQ(VerifyResult("", h, &err), 1) << h << ": " << err;
    EXPECT_EQ(VerifyResult(" ", h, &err), 0) << err;
    EXPECT_EQ(VerifyResult(kPassword, h, &err), 0) << err;
  } else {
    EXPECT_TRUE(IsInvalidArgument(rc, err, d_->name)) << "hash of the empty password";
  }
  // Never truncated silently: refused, or every byte counts.
  for (size_t len : {size_t{73}, size_t{200}, size_t{1024}}) {
    SCOPED_TRACE(std::to_string(len) + "-byte password");
    std::string pw(len, 'a');
    for (size_t i = 0; i < len; ++i) pw[i] = static_cast<char>('a' + i % 26);
    std::string other = pw;
    other.back() = other.back() == 'z' ? 'y' : 'z';
    rc = test::Hash(d_, pw, salt, text_, &h, &err);
    if (rc != TOWER_OK) {
      EXPECT_TRUE(IsInvalidArgument(rc, err, d_->name));
      continue;
    }
    EXPECT_EQ(VerifyResult(pw, h, &err), 1) << err;
    EXPECT_EQ(VerifyResult(other, h, &err), 0) << "the last byte is ignored; " << err;
    EXPECT_EQ(VerifyResult(std::string_view(pw).substr(0, 72), h, &err), 0) << err;
  }
}

TEST_P(PasswordTest, ConcurrentUse) {
  std::vector<std::string> expected;
  for (uint32_t i = 0; i < static_cast<uint32_t>(kThreads); ++i) {
    expected.push_back(MustHash(kPassword, Pattern(16, 1700 + i)));
  }
  std::atomic<int> failures{0};
  RunConcurrently(kThreads, [&](int t) {
    for (int round = 0; round < 2; ++round) {
      const auto i = static_cast<uint32_t>((t + round) % kThreads);
      std::string h;
      int32_t match = -1;
      if (test::Hash(d_, kPassword, Pattern(16, 1700 + i), text_, &h) != TOWER_OK ||
          h != expected[i] || test::Verify(d_, kPassword, h, &match) != TOWER_OK || match != 1) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0) << "hash/verify gave other results on concurrent threads";
}

// ---- KDFs ----

class KdfTest : public AlgorithmTest<tower_kdf_def> {};

constexpr std::string_view kContext = "tower conformance 2026 kdf test";

TEST_P(KdfTest, DeterministicWithTheRequestedLength) {
  const Bytes material = Pattern(32, 2000);
  for (size_t len : {size_t{1}, size_t{16}, size_t{32}, size_t{33}, size_t{64}, size_t{1000}}) {
    SCOPED_TRACE("output of " + std::to_string(len) + " bytes");
    Bytes a, b;
    std::string err;
    ASSERT_EQ(test::DeriveKey(d_, kContext, material, len, &a, &err), TOWER_OK) << err;
    ASSERT_EQ(test::DeriveKey(d_, kContext, material, len, &b, &err), TOWER_OK) << err;
    EXPECT_TRUE(a == b) << "the same inputs derived differently";
    if (len >= 16) {
      EXPECT_FALSE(AllZero(a));
      EXPECT_FALSE(std::equal(a.begin(), a.begin() + 16, material.begin())) << "output = input";
    }
  }
}

TEST_P(KdfTest, EveryInputChangesTheOutput) {
  const Bytes material = Pattern(32, 2100);
  Bytes flipped = material;
  flipped.back() ^= 0x01;
  const std::vector<std::pair<std::string, Bytes>> inputs = {
      {std::string(kContext), material},
      {std::string(kContext) + "!", material},
      {"tower conformance 2026 kdf tesT", material},
      {std::string(kContext), flipped},
      {std::string(kContext), Pattern(32, 2101)},
      {std::string(kContext), Pattern(31, 2100)},
      {std::string(kContext), Pattern(100, 2102)},
  };
  std::set<Bytes> seen;
  for (const auto& [context, m] : inputs) {
    Bytes out;
    std::string err;
    ASSERT_EQ(test::DeriveKey(d_, context, m, 32, &out, &err), TOWER_OK) << err;
    EXPECT_TRUE(seen.insert(out).second)
        << "context \"" << context << "\" material " << ToHex(m) << ": output seen before";
  }
}

TEST_P(KdfTest, RefusesAnEmptyOutput) {
  Bytes out;
  std::string err;
  EXPECT_TRUE(IsInvalidArgument(test::DeriveKey(d_, kContext, Pattern(32, 1), 0, &out, &err), err,
                                d_->name));
  // Also without an error sink (err may be NULL).
  const Bytes m = Pattern(32, 1);
  EXPECT_EQ(d_->derive(d_->user, kContext.data(), kContext.size(), m.data(), m.size(), nullptr, 0,
                       nullptr),
            TOWER_E_INVALID_ARGUMENT);
}

TEST_P(KdfTest, ConcurrentUse) {
  std::vector<Bytes> expected;
  for (uint32_t i = 0; i < 20; ++i) {
    Bytes out;
    ASSERT_EQ(test::DeriveKey(d_, kContext, Pattern(32, 2200 + i), 48, &out), TOWER_OK);
    expected.push_back(std::move(out));
  }
  std::atomic<int> failures{0};
  RunConcurrently(kThreads, [&](int t) {
    for (uint32_t r = 0; r < 20; ++r) {
      const uint32_t i = (r + static_cast<uint32_t>(t) * 3) % 20;
      const Bytes m = Pattern(32, 2200 + i);
      Bytes out(48);
      if (d_->derive(d_->user, kContext.data(), kContext.size(), m.data(), m.size(), out.data(),
                     out.size(), nullptr) != TOWER_OK ||
          out != expected[i]) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0) << "derive gave other results on concurrent threads";
}

// ---- hashes ----

class HashTest : public AlgorithmTest<tower_hash_def> {
 protected:
  void SetUp() override {
    AlgorithmTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(d_->digest_size > 0 && d_->digest_size <= 1024)
        << "digest_size " << d_->digest_size;
    ASSERT_LE(d_->key_size, 1024u);
  }
  Bytes Key(uint32_t seed = 3000) const { return Pattern(d_->key_size, seed); }
};

TEST_P(HashTest, DeterministicDigestsThatDependOnTheData) {
  std::set<Bytes> seen;
  for (size_t len :
       {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{1000}, size_t{65536}}) {
    SCOPED_TRACE("data of " + std::to_string(len) + " bytes");
    const Bytes data = Pattern(len, 3100);
    Bytes a, b;
    std::string err;
    ASSERT_EQ(test::HashData(d_, Key(), data, d_->digest_size, &a, &err), TOWER_OK) << err;
    ASSERT_EQ(test::HashData(d_, Key(), data, d_->digest_size, &b, &err), TOWER_OK) << err;
    EXPECT_TRUE(a == b) << "the same data hashed differently";
    EXPECT_FALSE(AllZero(a));
    EXPECT_TRUE(seen.insert(a).second) << "digest seen for other data: " << ToHex(a);
    if (len > 0) {
      Bytes flipped = data;
      flipped[len / 2] ^= 0x04;
      ASSERT_EQ(test::HashData(d_, Key(), flipped, d_->digest_size, &b, &err), TOWER_OK) << err;
      EXPECT_FALSE(a == b) << "a flipped bit did not change the digest";
    }
  }
}

TEST_P(HashTest, Keys) {
  const Bytes data = Pattern(100, 3200);
  Bytes out;
  std::string err;
  if (d_->key_size == 0) {
    EXPECT_TRUE(IsInvalidArgument(
        test::HashData(d_, Pattern(16, 1), data, d_->digest_size, &out, &err), err, d_->name))
        << "an unkeyed hash given a key";
    return;
  }
  Bytes a, b;
  ASSERT_EQ(test::HashData(d_, Key(), data, d_->digest_size, &a, &err), TOWER_OK) << err;
  Bytes k = Key();
  k.back() ^= 0x01;
  ASSERT_EQ(test::HashData(d_, k, data, d_->digest_size, &b, &err), TOWER_OK) << err;
  EXPECT_FALSE(a == b) << "another key gave the same digest";
  for (size_t len : {size_t{0}, size_t{d_->key_size - 1}, size_t{d_->key_size + 1}}) {
    EXPECT_TRUE(IsInvalidArgument(
        test::HashData(d_, Pattern(len, 1), data, d_->digest_size, &out, &err), err, d_->name))
        << "a " << len << "-byte key (key_size is " << d_->key_size << ")";
  }
}

TEST_P(HashTest, OutputLengths) {
  const Bytes data = Pattern(500, 3300);
  Bytes out;
  std::string err;
  if (d_->xof == 0) {
    // Also without an error sink (err may be NULL).
    const Bytes key = Key();
    Bytes longer(d_->digest_size + 1);
    EXPECT_EQ(d_->hash(d_->user, key.empty() ? nullptr : key.data(), key.size(), data.data(),
                       data.size(), longer.data(), longer.size(), nullptr),
              TOWER_E_INVALID_ARGUMENT);
    for (size_t len : {size_t{0}, size_t{d_->digest_size - 1}, size_t{d_->digest_size + 1}}) {
      EXPECT_TRUE(
          IsInvalidArgument(test::HashData(d_, Key(), data, len, &out, &err), err, d_->name))
          << "out_len " << len << " of a " << d_->digest_size << "-byte digest without xof";
    }
    return;
  }
  // Extendable output: every length is a prefix of a longer one.
  Bytes longest;
  ASSERT_EQ(test::HashData(d_, Key(), data, 1000, &longest, &err), TOWER_OK) << err;
  for (size_t len : {size_t{1}, size_t{16}, size_t{d_->digest_size},
                     size_t{2 * d_->digest_size + 1}, size_t{999}}) {
    ASSERT_EQ(test::HashData(d_, Key(), data, len, &out, &err), TOWER_OK) << err;
    EXPECT_TRUE(std::equal(out.begin(), out.end(), longest.begin()))
        << "the " << len << "-byte output is not a prefix of the 1000-byte one";
  }
}

TEST_P(HashTest, UnalignedData) {
  const Bytes data = Pattern(1001, 3400), key = Key();
  Bytes want;
  std::string err;
  ASSERT_EQ(
      test::HashData(d_, key, Bytes(data.begin() + 1, data.end()), d_->digest_size, &want, &err),
      TOWER_OK)
      << err;
  Bytes k(key.size() + 1, 0);
  std::copy(key.begin(), key.end(), k.begin() + 1);
  Bytes out(d_->digest_size + 3);
  ErrSink e;
  ASSERT_EQ(d_->hash(d_->user, key.empty() ? nullptr : k.data() + 1, key.size(), data.data() + 1,
                     data.size() - 1, out.data() + 3, d_->digest_size, e.get()),
            TOWER_OK)
      << e.msg;
  EXPECT_TRUE(std::equal(want.begin(), want.end(), out.begin() + 3));
}

TEST_P(HashTest, ConcurrentUse) {
  std::vector<Bytes> expected;
  for (uint32_t i = 0; i < 20; ++i) {
    Bytes out;
    ASSERT_EQ(test::HashData(d_, Key(), Pattern(100 + i, 3500 + i), d_->digest_size, &out),
              TOWER_OK);
    expected.push_back(std::move(out));
  }
  const Bytes key = Key();
  std::atomic<int> failures{0};
  RunConcurrently(kThreads, [&](int t) {
    for (uint32_t r = 0; r < 20; ++r) {
      const uint32_t i = (r + static_cast<uint32_t>(t) * 3) % 20;
      const Bytes data = Pattern(100 + i, 3500 + i);
      Bytes out(d_->digest_size);
      if (d_->hash(d_->user, key.empty() ? nullptr : key.data(), key.size(), data.data(),
                   data.size(), out.data(), out.size(), nullptr) != TOWER_OK ||
          out != expected[i]) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0) << "hash gave other results on concurrent threads";
}

// ---- the instances: generated after the runner chose the providers ----

INSTANTIATE_TEST_SUITE_P(Crypto, CryptoProviderTest, testing::ValuesIn(ProviderSubjects()),
                         SubjectLabel);
INSTANTIATE_TEST_SUITE_P(Crypto, AeadTest, testing::ValuesIn(AlgorithmSubjects(TOWER_CRYPTO_AEAD)),
                         SubjectLabel);
INSTANTIATE_TEST_SUITE_P(Crypto, PasswordTest,
                         testing::ValuesIn(AlgorithmSubjects(TOWER_CRYPTO_PASSWORD)), SubjectLabel);
INSTANTIATE_TEST_SUITE_P(Crypto, KdfTest, testing::ValuesIn(AlgorithmSubjects(TOWER_CRYPTO_KDF)),
                         SubjectLabel);
INSTANTIATE_TEST_SUITE_P(Crypto, HashTest, testing::ValuesIn(AlgorithmSubjects(TOWER_CRYPTO_HASH)),
                         SubjectLabel);
// A selection without, say, any KDF leaves that suite empty: not an error.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CryptoProviderTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AeadTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PasswordTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KdfTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HashTest);

}  // namespace
}  // namespace tower::conformance
