// Tests of the hyperloglog plugin through an embedded Tower (tower::kernel).
//
// Every test opens its database from a TOML config file written into a temp
// directory, which names this build's plugin directory (HLL_PLUGIN_DIR) in
// [plugins] paths and loads the "hyperloglog" (and "scalars", for a key of
// another type) data types by name. Backends: memory, rocksdb and lmdb (on
// disk, so that sketches are also checked across a reopen).
//
// The accuracy tests add fixed item sets, so their results are exactly
// reproducible: they cannot flake, and they print the measured errors.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tower/db.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"

#ifndef HLL_PLUGIN_DIR
#error "HLL_PLUGIN_DIR (the directory holding tower-hyperloglog.so) must be defined"
#endif

namespace {

using tower::Binary;
using tower::Code;
using tower::Db;
using tower::Value;

// 1.04 / sqrt(m): the relative standard error of a sketch of m registers.
double StandardError(int precision) { return 1.04 / std::sqrt(std::ldexp(1.0, precision)); }

// Parameter: backend name.
class HllTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tower-hll-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_ = dir_ + "/tower.toml";
    std::ofstream out(config_);
    out << "[storage]\n"
        << "backend = \"" << GetParam() << "\"\n"
        << (GetParam() == "memory" ? "in_memory = true\n" : "path = \"data\"\n") << "\n[plugins]\n"
        << "paths = ['" << HLL_PLUGIN_DIR << "']\n"
        << "datatypes = [\"hyperloglog\", \"scalars\"]\n";
    out.close();
    ASSERT_TRUE(out) << config_;
    Open();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open() {
    auto d = Db::open_config(config_);
    ASSERT_TRUE(d.ok()) << d.status();
    db_ = std::move(*d);
  }
  bool Persistent() const { return GetParam() != "memory"; }

  template <class... A>
  Value Ok(std::string_view name, A&&... args) {
    auto r = db_->call(name, std::forward<A>(args)...);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status();
    return r.ok() ? *r : Value();
  }
  // Runs a command that must fail with `code`; returns the message.
  template <class... A>
  std::string Fails(Code code, std::string_view name, A&&... args) {
    auto r = db_->call(name, std::forward<A>(args)...);
    EXPECT_FALSE(r.ok()) << name << " succeeded with " << (r.ok() ? r->ToString() : "");
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), code) << name << ": " << r.status();
    return r.status().message();
  }
  template <class... A>
  int64_t Count(A&&... keys) {
    Value v = Ok("hll.count", std::forward<A>(keys)...);
    EXPECT_EQ(v.type(), Value::Type::kInt) << v;
    return v.type() == Value::Type::kInt ? v.as_int() : -1;
  }
  std::string Info(std::string_view key) {
    Value v = Ok("hll.info", key);
    return v.type() == Value::Type::kString ? v.as_string() : "";
  }
  bool Exists(std::string_view key) {
    auto r = db_->exists(key);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && *r;
  }

  // Adds items make(begin)..make(end - 1) to `key`, `batch` per hll.add;
  // returns how many calls reported a change.
  template <class Make>
  int64_t AddRange(std::string_view key, int64_t begin, int64_t end, Make make,
                   int64_t batch = 1000) {
    int64_t changed = 0;
    std::vector<Value> args;
    for (int64_t i = begin; i < end; i += batch) {
      args.clear();
      args.emplace_back(std::string(key));
      for (int64_t j = i; j < std::min(end, i + batch); ++j) args.push_back(make(j));
      auto r = db_->call("hll.add", std::span<const Value>(args));
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) return -1;
      changed += r->as_int();
    }
    return changed;
  }
  static Value Str(int64_t i) { return Value("item-" + std::to_string(i)); }

  std::string dir_, config_;
  std::unique_ptr<Db> db_;
};

TEST_P(HllTest, IsLoadedFromTheConfiguredPluginDirectory) {
  bool loaded = false;
  for (const auto& p : db_->plugins().Loaded()) {
    if (p.name != "hyperloglog") continue;
    loaded = true;
    EXPECT_EQ(std::filesystem::canonical(p.file.parent_path()),
              std::filesystem::canonical(HLL_PLUGIN_DIR));
    EXPECT_EQ(p.version, "1.0.0");
  }
  EXPECT_TRUE(loaded);
  std::vector<std::string> commands;
  for (const auto& c : db_->commands()) {
    if (c.plugin == "hyperloglog") commands.push_back(c.name);
  }
  EXPECT_EQ(commands, (std::vector<std::string>{"hll.add", "hll.count", "hll.create", "hll.info",
                                                "hll.merge"}));
}

TEST_P(HllTest, SmallCardinalitiesAreExactOrNearly) {
  EXPECT_EQ(Count("missing"), 0);
  EXPECT_FALSE(Exists("missing"));  // counting writes nothing
  EXPECT_TRUE(Ok("hll.create", "empty").is_null());
  EXPECT_EQ(Count("empty"), 0);
  EXPECT_EQ(Ok("hll.add", "one", "alpha"), Value(1));
  EXPECT_EQ(Count("one"), 1);
  for (int precision : {4, 10, 14, 18}) {
    std::string key = "hundred-" + std::to_string(precision);
    ASSERT_TRUE(Ok("hll.create", key, precision).is_null());
    EXPECT_EQ(Ok("hll.add", key, "first"), Value(1));
    EXPECT_EQ(Count(key), 1) << "precision " << precision;
    AddRange(key, 0, 99, Str, 10);
    int64_t n = Count(key);
    std::printf("  precision %2d: 100 distinct items -> %lld\n", precision,
                static_cast<long long>(n));
    // Linear counting is exact-ish while m >> n; p = 4 (16 registers) is
    // the roughest sketch, with a 26% standard error.
    if (precision >= 10) {
      EXPECT_NEAR(n, 100, 2) << "precision " << precision;
    } else {
      EXPECT_NEAR(n, 100, 3 * 0.26 * 100) << "precision " << precision;
    }
  }
}

TEST_P(HllTest, DuplicatesDoNotChangeTheCount) {
  EXPECT_EQ(Ok("hll.add", "k", "x"), Value(1));
  EXPECT_EQ(Ok("hll.add", "k", "x"), Value(0));
  EXPECT_EQ(Ok("hll.add", "k", "x", "x", "x"), Value(0));
  EXPECT_EQ(Count("k"), 1);
  EXPECT_GT(AddRange("k", 0, 5000, Str), 0);
  int64_t before = Count("k");
  EXPECT_NEAR(before, 5001, 5001 * 3 * StandardError(14));
  // The same items again, in other batches and orders: no register moves.
  EXPECT_EQ(AddRange("k", 0, 5000, Str, 7), 0);
  EXPECT_EQ(AddRange(
                "k", 0, 5000, [](int64_t i) { return Str(4999 - i); }, 333),
            0);
  EXPECT_EQ(Ok("hll.add", "k", "x", "item-0", "item-4999"), Value(0));
  EXPECT_EQ(Count("k"), before);
}

TEST_P(HllTest, ItemsAreTypedValues) {
  // The same text as string, binary and int: three items.
  EXPECT_EQ(Ok("hll.add", "t", "42"), Value(1));
  EXPECT_EQ(Ok("hll.add", "t", Binary{"42"}), Value(1));
  EXPECT_EQ(Ok("hll.add", "t", 42), Value(1));
  EXPECT_EQ(Count("t"), 3);
  EXPECT_EQ(Ok("hll.add", "t", 42, "42", Binary{"42"}), Value(0));
  // Every kind of value can be added; equal values are one item.
  tower::Uuid u;
  u.bytes[6] = 0x40;
  u.bytes[8] = 0x80;
  std::vector<Value> all = {Value(),
                            Value(true),
                            Value(false),
                            Value(1.5),
                            Value(0.0),
                            Value(tower::Timestamp{1000}),
                            Value(tower::Duration{1000}),
                            Value(u),
                            Value(tower::BigInt("123456789012345678901234567890")),
                            Value(tower::Decimal{tower::BigInt(1999), 2}),
                            Value(tower::Decimal{tower::BigInt(19990), 3}),
                            Value(tower::Time{0, 0, 3600}),
                            Value(tower::Time{0, 0, 0}),
                            Value(""),
                            Value(Binary{""})};
  std::vector<Value> args = {Value("all")};
  args.insert(args.end(), all.begin(), all.end());
  EXPECT_EQ(*db_->call("hll.add", args), Value(1));
  EXPECT_EQ(Count("all"), static_cast<int64_t>(all.size()));
  EXPECT_EQ(*db_->call("hll.add", args), Value(0));
  EXPECT_EQ(Ok("hll.add", "all", -0.0), Value(0));  // -0.0 == 0.0
  EXPECT_EQ(Count("all"), static_cast<int64_t>(all.size()));
}

TEST_P(HllTest, OneMillionItemsAtPrecision14) {
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Ok("hll.create", "big", 14).is_null());
  ASSERT_GT(AddRange("big", 0, 1000000, Str), 0);
  int64_t n = Count("big");
  double error = std::abs(static_cast<double>(n) - 1e6) / 1e6;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "  1,000,000 distinct items, p = 14: estimate %lld, error %.3f%% (limit %.3f%%), "
      "%.2f s\n",
      static_cast<long long>(n), 100 * error, 300 * StandardError(14), seconds);
  EXPECT_LE(error, 3 * StandardError(14));
  if (Persistent()) {
    db_.reset();
    Open();
    EXPECT_EQ(Count("big"), n);
  }
}

// 50 sketches of 1024 registers, 20,000 distinct ints each: the RMS of the
// relative errors estimates the standard error, 1.04/sqrt(1024) = 3.25%.
TEST_P(HllTest, StandardErrorMatchesTheory) {
  constexpr int kKeys = 50;
  constexpr int64_t kItems = 20000;
  double sum_sq = 0, sum = 0, worst = 0;
  for (int k = 0; k < kKeys; ++k) {
    std::string key = "se-" + std::to_string(k);
    ASSERT_TRUE(Ok("hll.create", key, 10).is_null());
    int64_t base = int64_t{k} * kItems * 7919;  // disjoint, irregular ranges
    ASSERT_GE(AddRange(key, 0, kItems, [base](int64_t i) { return Value(base + i * 7919); }), 0);
    double rel = (static_cast<double>(Count(key)) - kItems) / kItems;
    sum_sq += rel * rel;
    sum += rel;
    worst = std::max(worst, std::abs(rel));
  }
  double rms = std::sqrt(sum_sq / kKeys), bias = sum / kKeys, se = StandardError(10);
  std::printf(
      "  %d keys x %lld items, p = 10: RMS error %.3f%% = %.2f x theory (%.3f%%), mean "
      "%+.3f%%, worst %.3f%%\n",
      kKeys, static_cast<long long>(kItems), 100 * rms, rms / se, 100 * se, 100 * bias,
      100 * worst);
  EXPECT_GE(rms, 0.5 * se);
  EXPECT_LE(rms, 1.5 * se);
  // The estimator is unbiased: the mean of 50 errors is within 4 standard
  // errors of that mean (se / sqrt(50)).
  EXPECT_LE(std::abs(bias), 4 * se / std::sqrt(double{kKeys}));
}

TEST_P(HllTest, MergeIsTheUnion) {
  // A = items 0..29,999, B = items 20,000..49,999: |A u B| = 50,000.
  AddRange("a", 0, 30000, Str);
  AddRange("b", 20000, 50000, Str);
  int64_t a = Count("a"), b = Count("b"), both = Count("a", "b");
  EXPECT_EQ(Count("b", "a"), both);
  EXPECT_EQ(Count("a", "b", "missing"), both);  // missing keys are empty
  EXPECT_EQ(Count("a", "a"), a);
  std::printf("  |A| = |B| = 30,000, |A u B| = 50,000: estimates %lld, %lld, %lld\n",
              static_cast<long long>(a), static_cast<long long>(b), static_cast<long long>(both));
  EXPECT_NEAR(both, 50000, 50000 * 3 * StandardError(14));
  EXPECT_FALSE(Exists("u"));  // count wrote nothing

  EXPECT_TRUE(Ok("hll.merge", "u", "a", "b").is_null());
  EXPECT_EQ(Count("u"), both);
  EXPECT_EQ(Count("a"), a);  // sources unchanged
  EXPECT_EQ(Count("b"), b);
  EXPECT_TRUE(Ok("hll.merge", "v", "b", "missing", "a").is_null());
  EXPECT_EQ(Info("v"), Info("u"));
  // Into an existing destination: dest := dest u sources.
  EXPECT_TRUE(Ok("hll.merge", "a", "b").is_null());
  EXPECT_EQ(Count("a"), both);
  EXPECT_TRUE(Ok("hll.merge", "a", "a", "u").is_null());  // idempotent
  EXPECT_EQ(Count("a"), both);
  // Nothing to merge: an empty sketch (like PFMERGE).
  EXPECT_TRUE(Ok("hll.merge", "nothing", "missing").is_null());
  EXPECT_EQ(Count("nothing"), 0);
  EXPECT_NE(Info("nothing").find("precision=14 "), std::string::npos);
  // The union of sketches of precision 10 keeps precision 10.
  ASSERT_TRUE(Ok("hll.create", "s10", 10).is_null());
  AddRange("s10", 0, 1000, Str);
  EXPECT_TRUE(Ok("hll.merge", "d10", "s10").is_null());
  EXPECT_EQ(Info("d10"), Info("s10"));

  if (Persistent()) {
    db_.reset();
    Open();
    EXPECT_EQ(Count("u"), both);
    EXPECT_EQ(Count("a", "b"), both);
  }
}

TEST_P(HllTest, PrecisionsMustMatch) {
  ASSERT_TRUE(Ok("hll.create", "p12", 12).is_null());
  ASSERT_TRUE(Ok("hll.create", "p14", 14).is_null());
  AddRange("p12", 0, 100, Str);
  std::string before = Info("p14");
  std::string m = Fails(Code::kInvalidArgument, "hll.merge", "p14", "p12");
  EXPECT_NE(m.find("'p12' has precision 12"), std::string::npos) << m;
  EXPECT_NE(m.find("'p14' has precision 14"), std::string::npos) << m;
  EXPECT_EQ(Info("p14"), before);  // unchanged
  m = Fails(Code::kInvalidArgument, "hll.merge", "new", "p12", "p14");
  EXPECT_NE(m.find("'p14' has precision 14"), std::string::npos) << m;
  EXPECT_FALSE(Exists("new"));  // nothing written
  m = Fails(Code::kInvalidArgument, "hll.count", "p14", "p12");
  EXPECT_NE(m.find("'p12' has precision 12"), std::string::npos) << m;
}

TEST_P(HllTest, RejectsBadInput) {
  for (int precision : {3, 19, -1, 0}) {
    std::string m = Fails(Code::kInvalidArgument, "hll.create", "bad", precision);
    EXPECT_NE(m.find("precision " + std::to_string(precision)), std::string::npos) << m;
    EXPECT_NE(m.find("4..18"), std::string::npos) << m;
    EXPECT_FALSE(Exists("bad"));
  }
  Fails(Code::kInvalidArgument, "hll.create", "bad", "14");  // an int, not text
  Fails(Code::kInvalidArgument, "hll.create", "bad", 14.0);
  EXPECT_FALSE(Exists("bad"));
  ASSERT_TRUE(Ok("hll.create", "h", 4).is_null());
  std::string m = Fails(Code::kAlreadyExists, "hll.create", "h", 4);
  EXPECT_NE(m.find("'h'"), std::string::npos) << m;

  // Wrong argument counts (checked by the kernel against the declarations).
  Fails(Code::kInvalidArgument, "hll.create");
  Fails(Code::kInvalidArgument, "hll.create", "x", 10, 1);
  Fails(Code::kInvalidArgument, "hll.add", "x");
  Fails(Code::kInvalidArgument, "hll.count");
  Fails(Code::kInvalidArgument, "hll.merge", "x");
  Fails(Code::kInvalidArgument, "hll.info");
  Fails(Code::kInvalidArgument, "hll.info", "h", "h");
  Fails(Code::kInvalidArgument, "hll.count", "h", 5);  // every argument is a key
  EXPECT_FALSE(Exists("x"));

  // An item that is not a value (an array) fails the whole add.
  std::vector<Value> args = {Value("arr"), Value("fine"), Value(std::vector<Value>{Value(1)})};
  auto r = db_->call("hll.add", args);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find("argument 3 (an item) has type array"), std::string::npos)
      << r.status();
  EXPECT_FALSE(Exists("arr"));
}

TEST_P(HllTest, KeysOfAnotherTypeAreTypeMismatch) {
  ASSERT_TRUE(Ok("string.set", "s", "text").is_null());
  ASSERT_EQ(Ok("hll.add", "h", "x"), Value(1));
  std::string m = Fails(Code::kTypeMismatch, "hll.add", "s", "item");
  EXPECT_NE(m.find("'s'"), std::string::npos) << m;
  EXPECT_NE(m.find("hll"), std::string::npos) << m;
  Fails(Code::kTypeMismatch, "hll.count", "s");
  Fails(Code::kTypeMismatch, "hll.count", "h", "s");
  Fails(Code::kTypeMismatch, "hll.merge", "s", "h");
  Fails(Code::kTypeMismatch, "hll.merge", "h", "s");
  Fails(Code::kTypeMismatch, "hll.info", "s");
  m = Fails(Code::kAlreadyExists, "hll.create", "s");
  EXPECT_NE(m.find("another type"), std::string::npos) << m;
  Fails(Code::kTypeMismatch, "string.get", "h");
  EXPECT_EQ(Ok("string.get", "s"), Value("text"));  // untouched
  EXPECT_EQ(Count("h"), 1);
}

TEST_P(HllTest, CorruptPayloadsAreCorruption) {
  ASSERT_TRUE(Ok("hll.create", "c", 4).is_null());
  ASSERT_EQ(Ok("hll.add", "good", "x"), Value(1));
  uint8_t id = 0, encoding = 0;
  for (const auto& t : db_->manifest().types) {
    if (t.name == "hll") {
      id = t.id;
      encoding = t.encoding;
      EXPECT_EQ(t.plugin, "hyperloglog");
    }
  }
  ASSERT_NE(id, 0);
  std::string good(2 + 16, '\0');
  good[0] = 1;
  good[1] = 4;
  std::string bad_register = good;
  bad_register[5] = 62;  // 64 - 4 + 1 = 61 is the largest rank at p = 4
  struct Case {
    std::string payload, says;
  } cases[] = {{"", "truncated"},
               {good.substr(0, 10), "10 bytes where precision 4 needs 18"},
               {good + "x", "19 bytes"},
               {"\x02" + good.substr(1), "format version 2"},
               {"\x01\x13" + good.substr(2), "precision 19"},
               {bad_register, "register value 62"}};
  for (const auto& c : cases) {
    std::string frame;
    tower::EncodeFrame(&frame, id, encoding, std::nullopt, c.payload);
    ASSERT_TRUE(db_->backend().Put({}, tower::keys::Meta("c"), frame).ok());
    for (auto m : {Fails(Code::kCorruption, "hll.count", "c"),
                   Fails(Code::kCorruption, "hll.count", "good", "c"),
                   Fails(Code::kCorruption, "hll.add", "c", "y"),
                   Fails(Code::kCorruption, "hll.merge", "good", "c"),
                   Fails(Code::kCorruption, "hll.merge", "c", "good"),
                   Fails(Code::kCorruption, "hll.info", "c")}) {
      EXPECT_NE(m.find("key 'c' is corrupt"), std::string::npos) << m;
      EXPECT_NE(m.find(c.says), std::string::npos) << m;
    }
  }
  EXPECT_EQ(Count("good"), 1);
}

TEST_P(HllTest, InfoDescribesTheSketch) {
  ASSERT_TRUE(Ok("hll.create", "i", 10).is_null());
  EXPECT_EQ(Info("i"),
            "precision=10 registers=1024 standard_error=0.0325 empty_registers=1024 format=1 "
            "bytes=1026");
  EXPECT_EQ(Ok("hll.add", "i", "x"), Value(1));
  EXPECT_NE(Info("i").find(" empty_registers=1023 "), std::string::npos) << Info("i");
  EXPECT_EQ(Ok("hll.add", "d", "x"), Value(1));  // created with the default precision
  EXPECT_EQ(Info("d"),
            "precision=14 registers=16384 standard_error=0.008125 empty_registers=16383 "
            "format=1 bytes=16386");
  Fails(Code::kNotFound, "hll.info", "missing");
}

TEST_P(HllTest, SketchesSurviveAReopen) {
  if (!Persistent()) GTEST_SKIP() << "the memory backend keeps nothing across a reopen";
  ASSERT_TRUE(Ok("hll.create", "p", 12).is_null());
  AddRange("p", 0, 10000, Str);
  AddRange("q", 5000, 15000, Str);
  int64_t p = Count("p"), q = Count("q");
  std::string info = Info("p");
  db_.reset();
  Open();
  EXPECT_EQ(Count("p"), p);
  EXPECT_EQ(Info("p"), info);
  EXPECT_EQ(AddRange("p", 0, 10000, Str), 0);            // still the same registers
  Fails(Code::kInvalidArgument, "hll.count", "p", "q");  // 12 vs 14, still
  EXPECT_EQ(Ok("hll.add", "p", "new item"), Value(1));
  EXPECT_GE(Count("p"), p);
  EXPECT_EQ(Count("q"), q);
}

INSTANTIATE_TEST_SUITE_P(Backends, HllTest, ::testing::Values("memory", "rocksdb", "lmdb"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
