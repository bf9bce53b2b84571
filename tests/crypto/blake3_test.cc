// Tests of the "blake3" crypto provider: the official BLAKE3 test vectors
// (hash, keyed_hash and derive_key, full 131-byte extended output and the
// 32-byte default) read with a small JSON reader written for that file,
// plus extendable-output consistency, bad keys and lengths, concurrency.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "crypto_calls.hpp"
#include "provider.hpp"
#include "tower/sdk/crypto.h"
#include "vectors.hpp"

namespace {

using tower::test::Bytes;
using tower::test::ErrSink;
using tower::test::Hex;
using tower::test::Provider;
using tower::test::ToHex;

// A parsed JSON value: just enough of JSON for test_vectors.json (objects,
// arrays, strings with escapes, numbers kept as text, true/false/null).
struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  std::string text;                // kString: the value; kNumber: as written; kBool
  std::vector<Json> items;         // kArray elements, or kObject values
  std::vector<std::string> names;  // kObject keys, parallel to items

  // The member named `name`; throws when absent or not an object.
  const Json& at(const std::string& name) const {
    if (kind != kObject) throw std::runtime_error("not an object looking up " + name);
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return items[i];
    }
    throw std::runtime_error("missing member " + name);
  }
  const std::string& str() const {
    if (kind != kString) throw std::runtime_error("not a string");
    return text;
  }
  // A non-negative integer number.
  uint64_t u64() const {
    if (kind != kNumber || text.empty() ||
        text.find_first_not_of("0123456789") != std::string::npos) {
      throw std::runtime_error("not a non-negative integer: " + text);
    }
    return std::stoull(text);
  }
};

// Recursive-descent JSON reader; throws std::runtime_error with the offset
// on malformed input.
class JsonReader {
 public:
  explicit JsonReader(std::string s) : s_(std::move(s)) {}
  Json Parse() {
    Json v = Value();
    Space();
    if (p_ != s_.size()) Fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const {
    throw std::runtime_error("JSON: " + why + " at offset " + std::to_string(p_));
  }
  void Space() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r'))
      ++p_;
  }
  char Peek() {
    Space();
    if (p_ >= s_.size()) Fail("unexpected end");
    return s_[p_];
  }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++p_;
  }
  bool Literal(const char* word) {
    const std::string w = word;
    if (s_.compare(p_, w.size(), w) != 0) return false;
    p_ += w.size();
    return true;
  }
  Json Value() {
    Json v;
    const char c = Peek();
    if (c == '{') {
      v.kind = Json::kObject;
      ++p_;
      if (Peek() == '}') {
        ++p_;
        return v;
      }
      for (;;) {
        v.names.push_back(String());
        Expect(':');
        v.items.push_back(Value());
        if (Peek() == ',') {
          ++p_;
          continue;
        }
        Expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::kArray;
      ++p_;
      if (Peek() == ']') {
        ++p_;
        return v;
      }
      for (;;) {
        v.items.push_back(Value());
        if (Peek() == ',') {
          ++p_;
          continue;
        }
        Expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::kString;
      v.text = String();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Json::kNumber;
      const size_t start = p_;
      while (p_ < s_.size() &&
             std::string_view("+-0123456789.eE").find(s_[p_]) != std::string_view::npos)
        ++p_;
      v.text = s_.substr(start, p_ - start);
      return v;
    }
    for (const char* word : {"true", "false"}) {
      if (Literal(word)) {
        v.kind = Json::kBool;
        v.text = word;
        return v;
      }
    }
    if (Literal("null")) return v;
    Fail(std::string("unexpected character '") + c + "'");
  }
  std::string String() {
    Expect('"');
    std::string out;
    for (;;) {
      if (p_ >= s_.size()) Fail("unterminated string");
      const char c = s_[p_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ >= s_.size()) Fail("unterminated escape");
      const char e = s_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (p_ + 4 > s_.size()) Fail("short \\u escape");
          const unsigned long cp = std::stoul(s_.substr(p_, 4), nullptr, 16);
          p_ += 4;
          if (cp >= 0x80) Fail("non-ASCII \\u escape not supported by this reader");
          out += static_cast<char>(cp);
          break;
        }
        default: Fail(std::string("bad escape \\") + e);
      }
    }
  }

  std::string s_;
  size_t p_ = 0;
};

// The vectors' input: `n` bytes of 0, 1, ..., 250, 0, 1, ...
Bytes Input(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i % 251);
  return b;
}

int32_t RunHash(const tower_hash_def* d, const Bytes& key, const Bytes& data, size_t out_len,
                Bytes* out, ErrSink* err) {
  out->assign(out_len, 0xA5);
  return d->hash(d->user, key.data(), key.size(), data.data(), data.size(), out->data(), out_len,
                 err->get());
}

int32_t RunKdf(const tower_kdf_def* d, const std::string& context, const Bytes& material,
               size_t out_len, Bytes* out, ErrSink* err) {
  out->assign(out_len, 0xA5);
  return d->derive(d->user, context.data(), context.size(), material.data(), material.size(),
                   out->data(), out_len, err->get());
}

class Blake3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p_.ok());
    hash_ = p_.hash("blake3");
    keyed_ = p_.hash("blake3-keyed");
    kdf_ = p_.kdf("blake3");
    ASSERT_NE(hash_, nullptr);
    ASSERT_NE(keyed_, nullptr);
    ASSERT_NE(kdf_, nullptr);
  }
  Provider p_{"blake3"};
  const tower_hash_def* hash_ = nullptr;
  const tower_hash_def* keyed_ = nullptr;
  const tower_kdf_def* kdf_ = nullptr;
};

TEST_F(Blake3Test, Table) {
  EXPECT_EQ(p_.api()->aead_count, 0u);
  EXPECT_EQ(p_.api()->password_count, 0u);
  EXPECT_EQ(p_.api()->kdf_count, 1u);
  EXPECT_EQ(p_.api()->hash_count, 2u);
  EXPECT_EQ(p_.api()->random_bytes, nullptr);
  EXPECT_EQ(hash_->digest_size, 32u);
  EXPECT_EQ(hash_->key_size, 0u);
  EXPECT_EQ(hash_->xof, 1u);
  EXPECT_EQ(keyed_->digest_size, 32u);
  EXPECT_EQ(keyed_->key_size, 32u);
  EXPECT_EQ(keyed_->xof, 1u);
}

TEST_F(Blake3Test, OfficialVectors) {
  TOWER_VECTOR_FILE_OR_SKIP(file, "blake3/test_vectors.json");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  Json doc;
  try {
    doc = JsonReader(text.str()).Parse();
  } catch (const std::exception& e) {
    FAIL() << file << ": " << e.what();
  }
  const std::string key_text = doc.at("key").str();
  const std::string context = doc.at("context_string").str();
  ASSERT_EQ(key_text.size(), 32u);
  const Bytes key(key_text.begin(), key_text.end());
  const Json& cases = doc.at("cases");
  ASSERT_EQ(cases.kind, Json::kArray);
  size_t checked = 0;
  for (const Json& c : cases.items) {
    const uint64_t n = c.at("input_len").u64();
    SCOPED_TRACE("input_len " + std::to_string(n));
    const Bytes input = Input(n);
    const Bytes want_hash = Hex(c.at("hash").str());
    const Bytes want_keyed = Hex(c.at("keyed_hash").str());
    const Bytes want_derive = Hex(c.at("derive_key").str());
    for (const Bytes* w : {&want_hash, &want_keyed, &want_derive}) ASSERT_EQ(w->size(), 131u);
    for (size_t len : {size_t{131}, size_t{32}}) {
      SCOPED_TRACE("output " + std::to_string(len));
      Bytes out;
      ErrSink err;
      ASSERT_EQ(RunHash(hash_, {}, input, len, &out, &err), TOWER_OK) << err.msg;
      EXPECT_EQ(ToHex(out), ToHex(Bytes(want_hash.begin(), want_hash.begin() + len))) << "hash";
      ASSERT_EQ(RunHash(keyed_, key, input, len, &out, &err), TOWER_OK) << err.msg;
      EXPECT_EQ(ToHex(out), ToHex(Bytes(want_keyed.begin(), want_keyed.begin() + len)))
          << "keyed_hash";
      ASSERT_EQ(RunKdf(kdf_, context, input, len, &out, &err), TOWER_OK) << err.msg;
      EXPECT_EQ(ToHex(out), ToHex(Bytes(want_derive.begin(), want_derive.begin() + len)))
          << "derive_key";
    }
    ++checked;
  }
  // What the file holds: 35 input lengths, 0 .. 102400.
  EXPECT_EQ(checked, 35u);
}

// Shorter outputs are prefixes of longer ones, in all three modes.
TEST_F(Blake3Test, ExtendableOutputIsConsistent) {
  const Bytes data = Input(3000), key = Input(32);
  Bytes full_h, full_k, full_d, out;
  ErrSink err;
  ASSERT_EQ(RunHash(hash_, {}, data, 4096, &full_h, &err), TOWER_OK) << err.msg;
  ASSERT_EQ(RunHash(keyed_, key, data, 4096, &full_k, &err), TOWER_OK) << err.msg;
  ASSERT_EQ(RunKdf(kdf_, "tower test", data, 4096, &full_d, &err), TOWER_OK) << err.msg;
  EXPECT_NE(full_h, full_k);
  EXPECT_NE(full_h, full_d);
  for (size_t len : {1, 31, 33, 64, 65, 200, 1024, 1025, 4095}) {
    SCOPED_TRACE(len);
    ASSERT_EQ(RunHash(hash_, {}, data, len, &out, &err), TOWER_OK) << err.msg;
    EXPECT_EQ(out, Bytes(full_h.begin(), full_h.begin() + len));
    ASSERT_EQ(RunHash(keyed_, key, data, len, &out, &err), TOWER_OK) << err.msg;
    EXPECT_EQ(out, Bytes(full_k.begin(), full_k.begin() + len));
    ASSERT_EQ(RunKdf(kdf_, "tower test", data, len, &out, &err), TOWER_OK) << err.msg;
    EXPECT_EQ(out, Bytes(full_d.begin(), full_d.begin() + len));
  }
  // A different context derives a different key.
  ASSERT_EQ(RunKdf(kdf_, "tower test 2", data, 4096, &out, &err), TOWER_OK) << err.msg;
  EXPECT_NE(out, full_d);
}

TEST_F(Blake3Test, BadArguments) {
  const Bytes data = Input(10);
  Bytes out;
  for (size_t kl : {0, 1, 16, 31, 33, 64}) {
    ErrSink err;
    EXPECT_EQ(RunHash(keyed_, Input(kl), data, 32, &out, &err), TOWER_E_INVALID_ARGUMENT) << kl;
    EXPECT_NE(err.msg.find("blake3-keyed"), std::string::npos) << err.msg;
    EXPECT_NE(err.msg.find("key"), std::string::npos) << err.msg;
  }
  ErrSink err;
  uint8_t buf[32];
  EXPECT_EQ(keyed_->hash(keyed_->user, nullptr, 32, data.data(), data.size(), buf, 32, &err.sink),
            TOWER_E_INVALID_ARGUMENT);
  // The unkeyed hash takes no key.
  EXPECT_EQ(RunHash(hash_, Input(32), data, 32, &out, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.msg.find("blake3"), std::string::npos) << err.msg;
  // Zero-length output, null buffers with lengths.
  EXPECT_EQ(RunHash(hash_, {}, data, 0, &out, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(hash_->hash(hash_->user, nullptr, 0, nullptr, 5, buf, 32, &err.sink),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(hash_->hash(hash_->user, nullptr, 0, data.data(), data.size(), nullptr, 32, nullptr),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(hash_->hash(hash_->user, nullptr, 0, nullptr, 0, buf, 32, nullptr), TOWER_OK);
  // KDF: empty context, zero output, null buffers.
  EXPECT_EQ(RunKdf(kdf_, "", data, 32, &out, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(err.msg.find("context"), std::string::npos) << err.msg;
  EXPECT_EQ(RunKdf(kdf_, "ctx", data, 0, &out, &err), TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(kdf_->derive(kdf_->user, nullptr, 3, data.data(), data.size(), buf, 32, nullptr),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(kdf_->derive(kdf_->user, "ctx", 3, nullptr, 4, buf, 32, nullptr),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(kdf_->derive(kdf_->user, "ctx", 3, nullptr, 0, nullptr, 32, nullptr),
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(kdf_->derive(kdf_->user, "ctx", 3, nullptr, 0, buf, 32, nullptr), TOWER_OK);
}

// All three modes from several threads at once, each checked against a
// single-threaded reference.
TEST_F(Blake3Test, Concurrent) {
  const Bytes data = Input(20000), key = Input(32);
  Bytes ref_h, ref_k, ref_d;
  ErrSink err;
  ASSERT_EQ(RunHash(hash_, {}, data, 64, &ref_h, &err), TOWER_OK);
  ASSERT_EQ(RunHash(keyed_, key, data, 64, &ref_k, &err), TOWER_OK);
  ASSERT_EQ(RunKdf(kdf_, "tower concurrent", data, 64, &ref_d, &err), TOWER_OK);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        Bytes out;
        ErrSink e;
        ASSERT_EQ(RunHash(hash_, {}, data, 64, &out, &e), TOWER_OK);
        ASSERT_EQ(out, ref_h);
        ASSERT_EQ(RunHash(keyed_, key, data, 64, &out, &e), TOWER_OK);
        ASSERT_EQ(out, ref_k);
        ASSERT_EQ(RunKdf(kdf_, "tower concurrent", data, 64, &out, &e), TOWER_OK);
        ASSERT_EQ(out, ref_d);
      }
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace
