// Tests of the "bloom" data type (datatypes/bloom): measured false-positive
// rates against the target, no false negatives, scaling, create_slots, bad
// parameters, clear/delete/expiry/persistence, on every backend. Item sets
// are fixed, so every run is deterministic.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "../../datatypes/bloom/xxhash64.hpp"
#include "fixture.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;

constexpr int64_t kSec = 1000000000;

class BloomTest : public CommandTest {
 protected:
  // Adds prefix0..prefix<n-1> in batches; returns the sum of "new" counts.
  int64_t AddRange(const std::string& key, const std::string& prefix, int n) {
    int64_t added = 0;
    for (int lo = 0; lo < n; lo += kBatch) {
      std::vector<Value> args{Value(key)};
      for (int i = lo; i < std::min(n, lo + kBatch); ++i)
        args.emplace_back(prefix + std::to_string(i));
      auto r = db_->call("bloom.add", std::move(args));
      EXPECT_TRUE(r.ok()) << r.status();
      if (r.ok()) added += r->as_int();
    }
    return added;
  }
  // How many of prefix0..prefix<n-1> the filter says it may contain.
  int Hits(const std::string& key, const std::string& prefix, int n) {
    int hits = 0;
    for (int lo = 0; lo < n; lo += kBatch) {
      std::vector<Value> args{Value(key)};
      for (int i = lo; i < std::min(n, lo + kBatch); ++i)
        args.emplace_back(prefix + std::to_string(i));
      size_t want = args.size() - 1;
      auto r = db_->call("bloom.contains_many", std::move(args));
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) return -1;
      EXPECT_EQ(r->as_array().size(), want);
      for (const Value& v : r->as_array()) hits += v.as_bool() ? 1 : 0;
    }
    return hits;
  }
  std::vector<Value> Info(const std::string& key) { return Ok("bloom.info", key).as_array(); }
  bool Written(const std::string& key) { return Ok("key.exists", key).as_int() != 0; }

  static constexpr int kBatch = 5000;
  std::atomic<int64_t> now_{1000 * kSec};  // outlives db_
};

TEST(BloomHash, Xxh64MatchesTheReferenceVectors) {
  using bloom::XXH64;
  EXPECT_EQ(XXH64("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(XXH64("a", 0), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(XXH64("abc", 0), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(XXH64("Nobody inspects the spammish repetition", 0), 0xFBCEA83C8A378BF1ULL);
}

TEST_P(BloomTest, FalsePositiveRateMeetsTheTarget) {
  constexpr int kCapacity = 10000, kProbes = 100000;
  struct Case {
    double p;
    int64_t k, bits;
  };
  // m = ceil(-n ln p / ln(2)^2), k = round(m / n * ln 2)
  for (const Case& c : {Case{0.01, 7, 95851}, Case{0.001, 10, 143776}}) {
    SCOPED_TRACE(c.p);
    std::string key = "f" + std::to_string(c.k);
    Ok("bloom.create", key, int64_t{kCapacity}, c.p);
    auto info = Info(key);
    ASSERT_EQ(info.size(), 7u);
    EXPECT_EQ(info[0], Value(int64_t{kCapacity}));
    EXPECT_EQ(info[1], Value(c.p));
    EXPECT_EQ(info[2], Value(c.k));
    EXPECT_EQ(info[3], Value(c.bits));
    EXPECT_EQ(info[4], Value(int64_t{1}));
    EXPECT_EQ(info[5], Value(int64_t{0}));
    EXPECT_EQ(info[6], Value(int64_t{2}));
    int64_t added = AddRange(key, "member-", kCapacity);
    // An add that finds every bit set is not counted (a false positive).
    EXPECT_LE(added, kCapacity);
    EXPECT_GE(added, kCapacity - static_cast<int64_t>(kCapacity * c.p * 3) - 1);
    EXPECT_EQ(Ok("bloom.count", key), Value(added));
    EXPECT_EQ(Info(key)[4], Value(int64_t{1}));  // capacity reached, not passed: no scaling
    EXPECT_EQ(Hits(key, "member-", kCapacity), kCapacity);  // no false negatives
    int fp = Hits(key, "other-", kProbes);
    double rate = static_cast<double>(fp) / kProbes;
    EXPECT_LE(rate, 1.5 * c.p) << fp << " false positives";
    std::cout << "[ bloom    ] p=" << c.p << ": " << fp << " false positives in " << kProbes
              << " (rate " << rate << ")\n";
    EXPECT_GT(fp, 0);  // a real filter of this size does have some
  }
}

TEST_P(BloomTest, ScalingKeepsMembersAndTheCompoundedBound) {
  constexpr int kCapacity = 10000, kProbes = 100000;
  const double p = 0.01;
  Ok("bloom.create", "s", int64_t{kCapacity}, p);
  AddRange("s", "member-", 4 * kCapacity);
  auto info = Info("s");
  // Sub-filters of 10,000, 20,000 and 40,000 items at 1%, 0.5%, 0.25%.
  EXPECT_EQ(info[0], Value(int64_t{70000}));
  EXPECT_EQ(info[4], Value(int64_t{3}));
  EXPECT_EQ(info[1], Value(p));
  EXPECT_EQ(Hits("s", "member-", 4 * kCapacity), 4 * kCapacity);
  double bound = 1 - (1 - p) * (1 - p / 2) * (1 - p / 4);
  int fp = Hits("s", "other-", kProbes);
  EXPECT_LE(static_cast<double>(fp) / kProbes, 1.5 * bound) << fp << " false positives";
  std::cout << "[ bloom    ] scaled x4: " << fp << " false positives in " << kProbes << " (bound "
            << bound << ")\n";
  // expansion 1: equal sizes, tighter error rates.
  Ok("bloom.create", "e1", int64_t{100}, 0.05, int64_t{1});
  AddRange("e1", "x", 450);
  info = Info("e1");
  EXPECT_EQ(info[0], Value(int64_t{500}));
  EXPECT_EQ(info[4], Value(int64_t{5}));
  EXPECT_EQ(Hits("e1", "x", 450), 450);
}

TEST_P(BloomTest, NonScalingKeepsOneFilterAndNoFalseNegatives) {
  Ok("bloom.create", "a", int64_t{100}, 0.01, "nonscaling");
  Ok("bloom.create", "b", int64_t{100}, 0.01, int64_t{0});
  for (const char* key : {"a", "b"}) {
    SCOPED_TRACE(key);
    AddRange(key, "m", 2000);  // 20x the capacity: accepted, the FP rate grows
    auto info = Info(key);
    EXPECT_EQ(info[0], Value(int64_t{100}));
    EXPECT_EQ(info[4], Value(int64_t{1}));
    EXPECT_EQ(info[6], Value(int64_t{0}));
    EXPECT_EQ(Hits(key, "m", 2000), 2000);
    EXPECT_GT(Hits(key, "z", 2000), 200);  // saturated: far above 1%
  }
}

TEST_P(BloomTest, AddReturnsNewItemsAndContainsChecksMembership) {
  Ok("bloom.create", "f", int64_t{1000}, 0.001);
  EXPECT_EQ(Ok("bloom.contains", "f", "apple"), Value(false));
  EXPECT_EQ(Ok("bloom.add", "f", "apple"), Value(int64_t{1}));
  EXPECT_EQ(Ok("bloom.add", "f", "apple"), Value(int64_t{0}));
  EXPECT_EQ(Ok("bloom.add", "f", "pear", "plum", "pear"), Value(int64_t{2}));
  EXPECT_EQ(Ok("bloom.count", "f"), Value(int64_t{3}));
  EXPECT_EQ(Ok("bloom.contains", "f", "apple"), Value(true));
  EXPECT_EQ(Ok("bloom.contains", "f", "plum"), Value(true));
  EXPECT_EQ(Ok("bloom.contains", "f", "kiwi"), Value(false));
  EXPECT_EQ(Ok("bloom.contains_many", "f", "pear", "kiwi", "apple"),
            Value(std::vector<Value>{true, false, true}));
  // Any primitive is an item; its type is part of it (int 42 is not "42").
  EXPECT_EQ(Ok("bloom.add", "f", int64_t{42}, 1.5, Binary{std::string("\x00\x01", 2)}, Timestamp{7},
               true, Value()),
            Value(int64_t{6}));
  EXPECT_EQ(Ok("bloom.contains", "f", int64_t{42}), Value(true));
  EXPECT_EQ(Ok("bloom.contains", "f", Timestamp{7}), Value(true));
  EXPECT_EQ(Ok("bloom.contains", "f", Value()), Value(true));
  EXPECT_EQ(Ok("bloom.contains", "f", "42"), Value(false));
  EXPECT_EQ(Ok("bloom.contains", "f", int64_t{7}), Value(false));
  EXPECT_EQ(Ok("bloom.contains", "f", Binary{std::string("\x00\x02", 2)}), Value(false));
  EXPECT_EQ(Ok("bloom.count", "f"), Value(int64_t{9}));
  // An array is not an item; the whole batch is refused.
  std::string msg =
      Fails(Code::kInvalidArgument, "bloom.add", "f", "new", Value(std::vector<Value>{int64_t{1}}));
  EXPECT_NE(msg.find("ITEM"), std::string::npos) << msg;
  EXPECT_EQ(Ok("bloom.contains", "f", "new"), Value(false));
  Fails(Code::kInvalidArgument, "bloom.contains", "f", Value(std::vector<Value>{}));
  Fails(Code::kInvalidArgument, "bloom.add", "f");  // no items
  Fails(Code::kInvalidArgument, "bloom.contains", "f", "a", "b");
}

TEST_P(BloomTest, AHugeFilterIsSparse) {
  // 1e9 items at 1%: 9.6e9 bits (1.2 GB) if stored whole; only the blocks
  // an add touches are written, so this is fast and small.
  Ok("bloom.create", "huge", int64_t{1000000000}, 0.01);
  EXPECT_EQ(Info("huge")[3], Value(int64_t{9585058378}));
  EXPECT_EQ(AddRange("huge", "m", 200), 200);
  EXPECT_EQ(Hits("huge", "m", 200), 200);
  EXPECT_EQ(Hits("huge", "z", 2000), 0);
}

TEST_P(BloomTest, CreateSlots) {
  for (int64_t slots : {3, 4, 5}) {
    SCOPED_TRACE(slots);
    std::string key = "s" + std::to_string(slots);
    Ok("bloom.create_slots", key, slots);
    auto info = Info(key);
    EXPECT_EQ(info[0], Value(int64_t{100000}));
    EXPECT_EQ(info[1], Value(std::ldexp(1.0, -static_cast<int>(slots))));
    EXPECT_EQ(info[2], Value(slots));
    EXPECT_EQ(info[3], Value(static_cast<int64_t>(std::ceil(100000.0 * slots / std::log(2.0)))));
    EXPECT_EQ(info[6], Value(int64_t{2}));
    AddRange(key, "m", 3000);
    EXPECT_EQ(Hits(key, "m", 3000), 3000);
  }
  Ok("bloom.create_slots", "default", int64_t{0});
  EXPECT_EQ(Info("default")[2], Value(int64_t{3}));
  // FP rate of a full slots=4 filter (target 1/16).
  AddRange("s4", "m", 100000);
  EXPECT_EQ(Info("s4")[4], Value(int64_t{1}));
  int fp = Hits("s4", "other-", 20000);
  EXPECT_LE(fp / 20000.0, 1.5 / 16) << fp;
  for (int64_t bad : {-1, 1, 2, 6, 100}) {
    std::string msg = Fails(Code::kInvalidArgument, "bloom.create_slots", "bad", bad);
    EXPECT_NE(msg.find("SLOTS"), std::string::npos) << msg;
  }
  Fails(Code::kInvalidArgument, "bloom.create_slots", "bad", "3");
  EXPECT_FALSE(Written("bad"));
}

TEST_P(BloomTest, BadParametersWriteNothing) {
  struct Case {
    Value capacity, error;
    const char* names;
  };
  std::vector<Case> cases = {
      {int64_t{0}, 0.01, "CAPACITY"},
      {int64_t{-5}, 0.01, "CAPACITY"},
      {int64_t{100}, 0.0, "ERROR_RATE"},
      {int64_t{100}, 1.0, "ERROR_RATE"},
      {int64_t{100}, -0.1, "ERROR_RATE"},
      {int64_t{100}, 1.5, "ERROR_RATE"},
      {int64_t{100}, std::nan(""), "ERROR_RATE"},
      {"100", 0.01, "argument 2"},
      {int64_t{100}, int64_t{0}, "argument 3"},
      {int64_t{1} << 50, 1e-10, "CAPACITY"},  // more than 2^40 bits
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.capacity.ToString() + " " + c.error.ToString());
    std::string msg = Fails(Code::kInvalidArgument, "bloom.create", "bad", c.capacity, c.error);
    EXPECT_NE(msg.find(c.names), std::string::npos) << msg;
    EXPECT_FALSE(Written("bad"));
  }
  for (const Value& x : {Value(int64_t{-1}), Value("fixed"), Value(1.5), Value(int64_t{5000})}) {
    std::string msg = Fails(Code::kInvalidArgument, "bloom.create", "bad", int64_t{100}, 0.01, x);
    EXPECT_NE(msg.find("EXPANSION"), std::string::npos) << msg;
    EXPECT_FALSE(Written("bad"));
  }
  Fails(Code::kInvalidArgument, "bloom.create", "bad", int64_t{100});
  EXPECT_FALSE(Written("bad"));
  // Smallest filter: capacity 1.
  Ok("bloom.create", "one", int64_t{1}, 0.5);
  EXPECT_EQ(Info("one")[3], Value(int64_t{2}));
  EXPECT_EQ(Info("one")[2], Value(int64_t{1}));
  AddRange("one", "i", 100);
  EXPECT_EQ(Hits("one", "i", 100), 100);
  // Existing keys are not overwritten.
  Fails(Code::kAlreadyExists, "bloom.create", "one", int64_t{10}, 0.1);
  Ok("string.set", "str", "x");
  Fails(Code::kAlreadyExists, "bloom.create_slots", "str", int64_t{3});
  EXPECT_EQ(Ok("string.get", "str"), Value("x"));
}

TEST_P(BloomTest, MissingAndWrongType) {
  Ok("string.set", "str", "hello");
  for (const char* key : {"missing", "str"}) {
    SCOPED_TRACE(key);
    Code code = std::string(key) == "missing" ? Code::kNotFound : Code::kTypeMismatch;
    std::string msg = Fails(code, "bloom.add", key, "a");
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    Fails(code, "bloom.contains", key, "a");
    Fails(code, "bloom.contains_many", key, "a", "b");
    Fails(code, "bloom.count", key);
    Fails(code, "bloom.clear", key);
    Fails(code, "bloom.delete", key);
    Fails(code, "bloom.info", key);
  }
  EXPECT_EQ(Ok("bloom.exists", "missing"), Value(false));
  Fails(Code::kTypeMismatch, "bloom.exists", "str");
  EXPECT_FALSE(Written("missing"));
  EXPECT_EQ(Ok("string.get", "str"), Value("hello"));
}

TEST_P(BloomTest, ClearEmptiesAndShrinksBackToOneFilter) {
  Ok("bloom.create", "f", int64_t{100}, 0.01);
  AddRange("f", "m", 500);
  EXPECT_GT(Info("f")[4].as_int(), 1);
  EXPECT_TRUE(Ok("bloom.clear", "f").is_null());
  auto info = Info("f");
  EXPECT_EQ(info[0], Value(int64_t{100}));
  EXPECT_EQ(info[4], Value(int64_t{1}));
  EXPECT_EQ(info[5], Value(int64_t{0}));
  EXPECT_EQ(Hits("f", "m", 500), 0);
  int64_t added = AddRange("f", "m", 50);  // an insert may hit a false positive
  EXPECT_GE(added, 48);
  EXPECT_EQ(Hits("f", "m", 50), 50);
  EXPECT_EQ(Ok("bloom.count", "f"), Value(added));
}

TEST_P(BloomTest, DeleteThenRecreateStartsEmpty) {
  Ok("bloom.create", "f", int64_t{1000}, 0.01);
  AddRange("f", "m", 1000);
  EXPECT_EQ(Ok("bloom.exists", "f"), Value(true));
  EXPECT_EQ(Ok("bloom.delete", "f"), Value(true));
  EXPECT_EQ(Ok("bloom.exists", "f"), Value(false));
  Fails(Code::kNotFound, "bloom.contains", "f", "m1");
  Ok("bloom.create", "f", int64_t{1000}, 0.01);
  EXPECT_EQ(Hits("f", "m", 1000), 0);
  EXPECT_EQ(Ok("bloom.count", "f"), Value(int64_t{0}));
  ASSERT_TRUE(db_->collect_garbage().ok());
  EXPECT_EQ(Hits("f", "m", 1000), 0);
  AddRange("f", "m", 10);
  Ok("key.delete", "f");
  Fails(Code::kNotFound, "bloom.count", "f");
}

TEST_P(BloomTest, ExpiryOfTheWholeFilter) {
  db_->set_clock([this] { return now_.load(); });
  Ok("bloom.create", "f", int64_t{1000}, 0.01);
  Ok("key.expire", "f", Duration{10 * kSec});
  AddRange("f", "m", 100);  // writes keep the expiry
  now_ += 5 * kSec;
  EXPECT_EQ(Hits("f", "m", 100), 100);
  now_ += 6 * kSec;
  Fails(Code::kNotFound, "bloom.contains", "f", "m1");
  Fails(Code::kNotFound, "bloom.add", "f", "m1");
  EXPECT_EQ(Ok("bloom.exists", "f"), Value(false));
  Ok("bloom.create", "f", int64_t{1000}, 0.01);
  EXPECT_EQ(Hits("f", "m", 100), 0);  // the expired filter's bits are gone
}

// A bit block of the wrong size reads as Corruption naming the key, both
// where contains looks at a block in place and where add copies it.
TEST_P(BloomTest, ADamagedBlockReadsAsCorruption) {
  Ok("bloom.create", "f", int64_t{100}, 0.01, int64_t{0});  // one block of 120 bytes
  Ok("bloom.add", "f", "a");
  std::string stored;
  ASSERT_TRUE(db_->backend().Get({}, keys::Meta("f"), &stored).ok());
  auto frame = DecodeFrame("f", stored);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_TRUE(frame->items_version.has_value());
  const std::string prefix = keys::SubPrefix("f", *frame->items_version);
  const std::string end = keys::PrefixEnd(prefix);  // ReadOptions holds views
  ReadOptions ro;
  ro.lower_bound = prefix;
  ro.upper_bound = end;
  std::vector<std::string> blocks;
  {
    auto it = db_->backend().NewIterator(ro);
    ASSERT_TRUE(it.ok()) << it.status();
    for (bool v = (*it)->SeekToFirst(); v; v = (*it)->Next()) blocks.emplace_back((*it)->key());
  }
  ASSERT_EQ(blocks.size(), 1u);
  for (const std::string& cut : {std::string(), std::string(119, '\xff'), std::string(121, '\0')}) {
    SCOPED_TRACE("a block of " + std::to_string(cut.size()) + " bytes");
    ASSERT_TRUE(db_->backend().Put({}, blocks[0], cut).ok());
    for (const char* cmd : {"bloom.contains", "bloom.add"}) {
      std::string m = Fails(Code::kCorruption, cmd, "f", "a");
      EXPECT_NE(m.find("'f'"), std::string::npos) << m;
      EXPECT_NE(m.find("bytes, want 120"), std::string::npos) << m;
    }
  }
}

TEST_P(BloomTest, PersistsAcrossReopen) {
  if (GetParam() == "memory") GTEST_SKIP() << "in-memory";
  Ok("bloom.create", "f", int64_t{1000}, 0.01);
  AddRange("f", "m", 3000);
  auto before = Info("f");
  db_.reset();
  auto d = Db::open(Options::OnDisk(dir_ + "/db", GetParam()));
  ASSERT_TRUE(d.ok()) << d.status();
  db_ = std::move(*d);
  EXPECT_EQ(Info("f"), before);
  EXPECT_EQ(Hits("f", "m", 3000), 3000);
}

TOWER_COMMAND_TEST_BACKENDS(BloomTest);

}  // namespace
}  // namespace tower
