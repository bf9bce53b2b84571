// roaring.* and roaring64.*: compressed bitmaps stored as chunk items, on
// every backend. Checked against std::set models, CRoaring's own portable
// format (export/import round trips through the library directly), and the
// usual bad-input and type checks.
#include <roaring/roaring.hh>
#include <roaring/roaring64map.hh>

#include <random>
#include <set>

#include "fixture.hpp"
#include "tower/keys.hpp"

namespace tower::testing_support {
namespace {

class RoaringTest : public CommandTest {
 protected:
  std::vector<int64_t> Members(std::string_view key) {
    std::vector<int64_t> out;
    const Value all = Ok("roaring.members", key);
    for (const auto& v : all.as_array()) out.push_back(v.as_int());
    return out;
  }
  Value Ints(std::initializer_list<int64_t> xs) {
    std::vector<Value> v;
    for (int64_t x : xs) v.emplace_back(x);
    return Value(std::move(v));
  }
};

TEST_P(RoaringTest, AddRemoveContainsCardinality) {
  EXPECT_EQ(Ok("roaring.add", "b", 1, 5, 70000, 5), Value(int64_t{3}));  // 5 twice: 3 new
  EXPECT_EQ(Ok("roaring.cardinality", "b"), Value(int64_t{3}));
  EXPECT_EQ(Ok("roaring.contains", "b", 70000), Value(true));
  EXPECT_EQ(Ok("roaring.contains", "b", 2), Value(false));
  EXPECT_EQ(Ok("roaring.contains", "b", int64_t{4294967295}), Value(false));
  EXPECT_EQ(Ok("roaring.remove", "b", 5, 6), Value(int64_t{1}));
  EXPECT_EQ(Ok("roaring.members", "b"), Ints({1, 70000}));
  EXPECT_EQ(Ok("roaring.members", "b", 1), Ints({70000}));
  EXPECT_EQ(Ok("roaring.members", "b", 0, 1), Ints({1}));
  EXPECT_EQ(Ok("roaring.remove", "b", 1, 70000), Value(int64_t{2}));
  EXPECT_EQ(Ok("roaring.cardinality", "b"), Value(int64_t{0}));  // an empty bitmap stays
  EXPECT_EQ(Ok("roaring.members", "b"), Value(std::vector<Value>{}));
}

TEST_P(RoaringTest, BadInputIsRefusedAndWritesNothing) {
  Fails(Code::kInvalidArgument, "roaring.add", "b", -1);
  Fails(Code::kInvalidArgument, "roaring.add", "b", int64_t{4294967296});
  Fails(Code::kInvalidArgument, "roaring.add", "b", "seven");
  Fails(Code::kInvalidArgument, "roaring.add", "b", 1, 2.5);  // the bad one is second
  Fails(Code::kNotFound, "roaring.cardinality", "b");
  Fails(Code::kNotFound, "roaring.remove", "missing", 1);
  Fails(Code::kNotFound, "roaring.contains", "missing", 1);
  Ok("string.set", "s", "text");
  std::string m = Fails(Code::kTypeMismatch, "roaring.add", "s", 1);
  EXPECT_NE(m.find("string"), std::string::npos) << m;
  Fails(Code::kTypeMismatch, "roaring64.add", "s", 1);
  Ok("roaring.add", "r32", 1);
  Fails(Code::kTypeMismatch, "roaring64.cardinality", "r32");  // the two widths are types
  Fails(Code::kInvalidArgument, "roaring.import", "b", Binary{"not a bitmap"});
  Fails(Code::kNotFound, "roaring.cardinality", "b");
  Fails(Code::kInvalidArgument, "roaring.members", "r32", -1);
}

TEST_P(RoaringTest, SetOperationsAcrossKeys) {
  Ok("roaring.add", "a", 1, 2, 3, 100000);
  Ok("roaring.add", "b", 3, 4, 100000, 200000);
  EXPECT_EQ(Ok("roaring.union", "u", "a", "b", "missing"), Value(int64_t{6}));
  EXPECT_EQ(Ok("roaring.members", "u"), Ints({1, 2, 3, 4, 100000, 200000}));
  EXPECT_EQ(Ok("roaring.intersection", "i", "a", "b"), Value(int64_t{2}));
  EXPECT_EQ(Ok("roaring.members", "i"), Ints({3, 100000}));
  EXPECT_EQ(Ok("roaring.intersection", "i2", "a", "missing"), Value(int64_t{0}));
  EXPECT_EQ(Ok("roaring.difference", "d", "a", "b"), Value(int64_t{2}));
  EXPECT_EQ(Ok("roaring.members", "d"), Ints({1, 2}));
  EXPECT_EQ(Ok("roaring.xor", "x", "a", "b"), Value(int64_t{4}));
  EXPECT_EQ(Ok("roaring.members", "x"), Ints({1, 2, 4, 200000}));
  // DEST among the sources, and DEST of another type replaced.
  EXPECT_EQ(Ok("roaring.union", "a", "a", "b"), Value(int64_t{6}));
  Ok("string.set", "s", "old");
  EXPECT_EQ(Ok("roaring.difference", "s", "b", "a"), Value(int64_t{0}));
  EXPECT_EQ(Ok("key.type", "s"), Value("roaring"));
}

TEST_P(RoaringTest, ExportIsTheStandardPortableFormatBothWays) {
  std::vector<uint32_t> vals = {0, 1, 65535, 65536, 1u << 20, 4294967295u};
  for (uint32_t v : vals) Ok("roaring.add", "b", int64_t{v});
  Value blob = Ok("roaring.export", "b");
  ASSERT_EQ(blob.type(), Value::Type::kBinary);
  const std::string& bytes = blob.as_binary().bytes;
  Roaring r = Roaring::readSafe(bytes.data(), bytes.size());  // CRoaring reads it
  EXPECT_EQ(r.cardinality(), vals.size());
  for (uint32_t v : vals) EXPECT_TRUE(r.contains(v)) << v;
  // A bitmap made by CRoaring imports exactly.
  Roaring mine;
  mine.addRange(1000, 50000);
  mine.add(3000000000u);
  mine.runOptimize();
  std::string out(mine.getSizeInBytes(true), '\0');
  mine.write(out.data(), true);
  EXPECT_EQ(Ok("roaring.import", "imp", Binary{out}), Value(int64_t{49001}));
  EXPECT_EQ(Ok("roaring.contains", "imp", int64_t{3000000000}), Value(true));
  EXPECT_EQ(Ok("roaring.contains", "imp", 999), Value(false));
  Value again = Ok("roaring.export", "imp");
  Roaring back = Roaring::readSafe(again.as_binary().bytes.data(), again.as_binary().bytes.size());
  EXPECT_TRUE(back == mine);
}

TEST_P(RoaringTest, SixtyFourBitMembersAndTheirFormat) {
  const int64_t big = int64_t{1} << 40;
  Ok("roaring64.add", "b", 7, big, big + 1);
  // 2^64 - 1 as a bigint.
  EXPECT_EQ(Ok("roaring64.add", "b", BigInt("18446744073709551615")), Value(int64_t{1}));
  EXPECT_EQ(Ok("roaring64.cardinality", "b"), Value(int64_t{4}));
  EXPECT_EQ(Ok("roaring64.contains", "b", big + 1), Value(true));
  auto members = Ok("roaring64.members", "b").as_array();
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[3], Value(BigInt("18446744073709551615")));
  Fails(Code::kInvalidArgument, "roaring64.add", "b", BigInt("18446744073709551616"));
  Fails(Code::kInvalidArgument, "roaring64.add", "b", BigInt("-1"));
  Value blob = Ok("roaring64.export", "b");
  const std::string& bytes = blob.as_binary().bytes;
  Roaring64Map r = Roaring64Map::readSafe(bytes.data(), bytes.size());
  EXPECT_EQ(r.cardinality(), 4u);
  EXPECT_TRUE(r.contains(uint64_t{18446744073709551615ull}));
  EXPECT_EQ(Ok("roaring64.import", "c", Binary{bytes}), Value(int64_t{4}));
  EXPECT_EQ(Ok("roaring64.xor", "x", "b", "c"), Value(int64_t{0}));
}

TEST_P(RoaringTest, MatchesAModelUnderRandomOperations) {
  std::mt19937_64 rng(42);
  std::set<int64_t> model;
  for (int step = 0; step < 400; ++step) {
    // Values cluster in a few chunks so chunks fill, empty and refill.
    int64_t v = static_cast<int64_t>((rng() % 4) * 65536 + rng() % 300);
    if (rng() % 3 == 0) {
      bool had = model.erase(v) > 0;
      auto r = db_->call("roaring.remove", "m", v);
      if (model.empty() && !had && !r.ok()) continue;  // never created yet
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->as_int(), had ? 1 : 0);
    } else {
      bool fresh = model.insert(v).second;
      EXPECT_EQ(Ok("roaring.add", "m", v), Value(int64_t{fresh ? 1 : 0}));
    }
  }
  std::vector<int64_t> want(model.begin(), model.end());
  EXPECT_EQ(Members("m"), want);
  EXPECT_EQ(Ok("roaring.cardinality", "m"), Value(static_cast<int64_t>(model.size())));
}

TEST_P(RoaringTest, ClearDeleteAndExpiry) {
  for (int i = 0; i < 10; ++i) Ok("roaring.add", "b", i * 100000);
  Ok("roaring.clear", "b");
  EXPECT_EQ(Ok("roaring.cardinality", "b"), Value(int64_t{0}));
  Ok("roaring.add", "b", 1);
  EXPECT_EQ(Ok("roaring.members", "b"), Ints({1}));
  Ok("key.delete", "b");
  Fails(Code::kNotFound, "roaring.cardinality", "b");
  Ok("roaring.add", "b", 2);
  EXPECT_EQ(Ok("roaring.members", "b"), Ints({2}));  // recreated empty, then 2
  ASSERT_TRUE(db_->collect_garbage(true).ok());
  int64_t now = int64_t{2000000000} * 1000000000;
  db_->set_clock([&] { return now; });
  Ok("key.expire", "b", Duration{1000000000});
  now += 2000000000;
  Fails(Code::kNotFound, "roaring.contains", "b", 2);
  EXPECT_EQ(*db_->truncate_expired(), 1u);
  EXPECT_EQ(*db_->collect_garbage(false), 1u);
}

TOWER_COMMAND_TEST_BACKENDS(RoaringTest);

}  // namespace
}  // namespace tower::testing_support
