// The "list" data-type plugin (datatypes/list): every list.* command on
// every backend — lifecycle, both ends, indices and Redis-style ranges and
// trims, typed elements, argument and type errors, expiry, deletion and
// recreation, persistence, and a randomized model test against std::deque.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fixture.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"

namespace tower::testing_support {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kStart = 1800000000 * kSecond;  // a fixed "now"
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Value Arr(std::vector<Value> v) { return Value(std::move(v)); }
Value I(int64_t i) { return Value(i); }

class ListTest : public CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    if (HasFailure()) return;
    db_->set_clock([this] { return now_; });
  }
  // Physically stored items (of every collection), after collecting garbage.
  size_t StoredItems() {
    auto g = db_->collect_garbage(true);
    EXPECT_TRUE(g.ok()) << g.status();
    return CountNamespace(*db_, keys::kSub);
  }
  Value All(std::string_view key) { return Ok("list.range", key, I(0), I(-1)); }
  // A list "k" holding the strings given.
  void Make(std::string_view key, const std::vector<Value>& items) {
    Ok("list.create", key);
    for (const auto& v : items) Ok("list.push_right", key, v);
  }

  int64_t now_ = kStart;
};

TEST_P(ListTest, CreateExistsLengthDelete) {
  EXPECT_EQ(Ok("list.exists", "l"), Value(false));
  EXPECT_EQ(Ok("list.create", "l"), Value());
  EXPECT_EQ(Ok("list.exists", "l"), Value(true));
  EXPECT_EQ(Ok("list.length", "l"), I(0));
  EXPECT_EQ(All("l"), Arr({}));
  EXPECT_EQ(Ok("key.type", "l"), Value("list"));
  std::string m = Fails(Code::kAlreadyExists, "list.create", "l");
  EXPECT_NE(m.find("'l'"), std::string::npos) << m;
  EXPECT_EQ(Ok("list.delete", "l"), Value(true));
  EXPECT_EQ(Ok("list.delete", "l"), Value(false));
  EXPECT_EQ(Ok("list.exists", "l"), Value(false));
  Fails(Code::kNotFound, "list.length", "l");
}

TEST_P(ListTest, CreateRefusesAnyExistingKey) {
  Ok("string.set", "s", "text");
  Fails(Code::kAlreadyExists, "list.create", "s");
  EXPECT_EQ(Ok("string.get", "s"), Value("text"));
}

TEST_P(ListTest, PushBothEndsKeepsOrder) {
  Ok("list.create", "l");
  EXPECT_EQ(Ok("list.push_right", "l", "a"), I(1));
  EXPECT_EQ(Ok("list.push_right", "l", "b", "c"), I(3));
  EXPECT_EQ(Ok("list.push_left", "l", "z"), I(4));
  // Like Redis LPUSH: each item is prepended in turn, the last ends up first.
  EXPECT_EQ(Ok("list.push_left", "l", "y", "x"), I(6));
  EXPECT_EQ(All("l"), Arr({"x", "y", "z", "a", "b", "c"}));
  EXPECT_EQ(Ok("list.length", "l"), I(6));
  EXPECT_EQ(Ok("list.index", "l", I(0)), Value("x"));
  EXPECT_EQ(Ok("list.index", "l", I(5)), Value("c"));
  EXPECT_EQ(Ok("list.index", "l", I(-1)), Value("c"));
  EXPECT_EQ(Ok("list.index", "l", I(-6)), Value("x"));
}

TEST_P(ListTest, SingleItem) {
  Make("l", {"only"});
  EXPECT_EQ(Ok("list.index", "l", I(0)), Value("only"));
  EXPECT_EQ(Ok("list.index", "l", I(-1)), Value("only"));
  Fails(Code::kNotFound, "list.index", "l", I(1));
  Fails(Code::kNotFound, "list.index", "l", I(-2));
  EXPECT_EQ(Ok("list.range", "l", I(0), I(0)), Arr({"only"}));
  EXPECT_EQ(Ok("list.range", "l", I(-1), I(-1)), Arr({"only"}));
  EXPECT_EQ(Ok("list.range", "l", I(1), I(1)), Arr({}));
  EXPECT_EQ(Ok("list.pop_right", "l"), Value("only"));
  EXPECT_EQ(Ok("list.length", "l"), I(0));
}

TEST_P(ListTest, PushOnAMissingListIsNotFoundAndCreatesNothing) {
  std::string m = Fails(Code::kNotFound, "list.push_right", "nope", "a");
  EXPECT_NE(m.find("'nope'"), std::string::npos) << m;
  EXPECT_NE(m.find("list.push_right"), std::string::npos) << m;
  Fails(Code::kNotFound, "list.push_left", "nope", "a", "b");
  EXPECT_EQ(Ok("list.exists", "nope"), Value(false));
  EXPECT_EQ(Ok("key.exists", "nope"), I(0));
}

TEST_P(ListTest, PopUntilEmptyThenTheListStays) {
  Make("l", {I(1), I(2), I(3), I(4)});
  EXPECT_EQ(Ok("list.pop_left", "l"), I(1));
  EXPECT_EQ(Ok("list.pop_right", "l"), I(4));
  EXPECT_EQ(Ok("list.pop_right", "l"), I(3));
  EXPECT_EQ(Ok("list.pop_left", "l"), I(2));
  std::string m = Fails(Code::kNotFound, "list.pop_left", "l");
  EXPECT_NE(m.find("empty"), std::string::npos) << m;
  EXPECT_NE(m.find("'l'"), std::string::npos) << m;
  Fails(Code::kNotFound, "list.pop_right", "l");
  EXPECT_EQ(Ok("list.exists", "l"), Value(true));
  EXPECT_EQ(Ok("list.length", "l"), I(0));
  EXPECT_EQ(All("l"), Arr({}));
  EXPECT_EQ(StoredItems(), 0u);  // pops delete their items
  EXPECT_EQ(Ok("list.push_left", "l", "again"), I(1));
  EXPECT_EQ(All("l"), Arr({"again"}));
  EXPECT_EQ(StoredItems(), 1u);
}

TEST_P(ListTest, IndexOutOfRangeIsNotFound) {
  Make("l", {"a", "b", "c"});
  std::string m = Fails(Code::kNotFound, "list.index", "l", I(3));
  EXPECT_NE(m.find("index 3"), std::string::npos) << m;
  EXPECT_NE(m.find("length 3"), std::string::npos) << m;
  Fails(Code::kNotFound, "list.index", "l", I(-4));
  Fails(Code::kNotFound, "list.index", "l", I(kMax));
  Fails(Code::kNotFound, "list.index", "l", I(kMin));
  EXPECT_EQ(Ok("list.index", "l", I(-3)), Value("a"));
  EXPECT_EQ(Ok("list.index", "l", I(1)), Value("b"));
  Ok("list.create", "empty");
  Fails(Code::kNotFound, "list.index", "empty", I(0));
  Fails(Code::kNotFound, "list.index", "empty", I(-1));
}

TEST_P(ListTest, RangeFollowsRedisLrange) {
  Make("l", {"one", "two", "three"});
  EXPECT_EQ(Ok("list.range", "l", I(0), I(0)), Arr({"one"}));
  EXPECT_EQ(Ok("list.range", "l", I(-3), I(2)), Arr({"one", "two", "three"}));
  EXPECT_EQ(Ok("list.range", "l", I(-100), I(100)), Arr({"one", "two", "three"}));
  EXPECT_EQ(Ok("list.range", "l", I(5), I(10)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(0), I(-1)), Arr({"one", "two", "three"}));
  EXPECT_EQ(Ok("list.range", "l", I(1), I(-1)), Arr({"two", "three"}));
  EXPECT_EQ(Ok("list.range", "l", I(-2), I(-1)), Arr({"two", "three"}));
  EXPECT_EQ(Ok("list.range", "l", I(5), I(2)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(2), I(1)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(-1), I(-2)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(-100), I(-4)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(-100), I(-3)), Arr({"one"}));
  EXPECT_EQ(Ok("list.range", "l", I(2), I(kMax)), Arr({"three"}));
  EXPECT_EQ(Ok("list.range", "l", I(kMin), I(kMax)), Arr({"one", "two", "three"}));
  EXPECT_EQ(Ok("list.range", "l", I(kMax), I(kMin)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(kMin), I(kMin)), Arr({}));
  EXPECT_EQ(Ok("list.range", "l", I(kMax), I(kMax)), Arr({}));
  Ok("list.create", "empty");
  EXPECT_EQ(Ok("list.range", "empty", I(0), I(-1)), Arr({}));
  EXPECT_EQ(Ok("list.range", "empty", I(kMin), I(kMax)), Arr({}));
}

TEST_P(ListTest, SetReplacesOneElement) {
  Make("l", {"a", "b", "c"});
  EXPECT_EQ(Ok("list.set", "l", I(0), I(1)), Value());
  EXPECT_EQ(Ok("list.set", "l", I(-1), Value(true)), Value());
  EXPECT_EQ(Ok("list.set", "l", I(-2), "B"), Value());
  EXPECT_EQ(All("l"), Arr({I(1), "B", Value(true)}));
  std::string m = Fails(Code::kInvalidArgument, "list.set", "l", I(3), "x");
  EXPECT_NE(m.find("index 3"), std::string::npos) << m;
  EXPECT_NE(m.find("length 3"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "list.set", "l", I(-4), "x");
  EXPECT_NE(m.find("index -4"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "list.set", "l", I(kMin), "x");
  Fails(Code::kInvalidArgument, "list.set", "l", I(kMax), "x");
  EXPECT_EQ(All("l"), Arr({I(1), "B", Value(true)}));
  EXPECT_EQ(Ok("list.length", "l"), I(3));
  Ok("list.create", "empty");
  Fails(Code::kInvalidArgument, "list.set", "empty", I(0), "x");
  EXPECT_EQ(Ok("list.length", "empty"), I(0));
}

TEST_P(ListTest, TrimFollowsRedisLtrim) {
  // The Redis documentation's example: RPUSH one two three; LTRIM 1 -1.
  Make("l", {"one", "two", "three"});
  EXPECT_EQ(Ok("list.trim", "l", I(1), I(-1)), Value());
  EXPECT_EQ(All("l"), Arr({"two", "three"}));
  EXPECT_EQ(StoredItems(), 2u);

  Make("a", {"0", "1", "2", "3", "4", "5"});
  Ok("list.trim", "a", I(0), I(-1));  // keeps everything
  EXPECT_EQ(All("a"), Arr({"0", "1", "2", "3", "4", "5"}));
  Ok("list.trim", "a", I(-100), I(100));  // clamped: keeps everything
  EXPECT_EQ(All("a"), Arr({"0", "1", "2", "3", "4", "5"}));
  Ok("list.trim", "a", I(1), I(4));
  EXPECT_EQ(All("a"), Arr({"1", "2", "3", "4"}));
  Ok("list.trim", "a", I(-2), I(-1));  // the last two
  EXPECT_EQ(All("a"), Arr({"3", "4"}));
  EXPECT_EQ(Ok("list.index", "a", I(0)), Value("3"));
  Ok("list.push_left", "a", "2");
  Ok("list.push_right", "a", "5");
  EXPECT_EQ(All("a"), Arr({"2", "3", "4", "5"}));
  Ok("list.trim", "a", I(0), I(0));
  EXPECT_EQ(All("a"), Arr({"2"}));

  // An empty range empties the list, which stays (as in the Go original).
  Make("b", {"x", "y", "z"});
  Ok("list.trim", "b", I(5), I(10));
  EXPECT_EQ(Ok("list.exists", "b"), Value(true));
  EXPECT_EQ(Ok("list.length", "b"), I(0));
  EXPECT_EQ(All("b"), Arr({}));
  Make("c", {"x", "y", "z"});
  Ok("list.trim", "c", I(2), I(1));
  EXPECT_EQ(Ok("list.length", "c"), I(0));
  Make("d", {"x", "y", "z"});
  Ok("list.trim", "d", I(kMin), I(kMin));
  EXPECT_EQ(Ok("list.length", "d"), I(0));
  Ok("list.trim", "d", I(0), I(-1));  // trimming an empty list is fine
  EXPECT_EQ(Ok("list.push_right", "d", "new"), I(1));
  EXPECT_EQ(All("d"), Arr({"new"}));
  // Only the kept elements remain stored: l 2, a 1, d 1.
  EXPECT_EQ(StoredItems(), 4u);
}

TEST_P(ListTest, TakeAllReturnsEverythingAndDeletes) {
  Make("l", {"a", I(2), Value(3.5)});
  Ok("list.push_left", "l", "first");
  EXPECT_EQ(Ok("list.take_all", "l"), Arr({"first", "a", I(2), Value(3.5)}));
  EXPECT_EQ(Ok("list.exists", "l"), Value(false));
  Fails(Code::kNotFound, "list.take_all", "l");
  EXPECT_EQ(StoredItems(), 0u);
  Ok("list.create", "e");
  EXPECT_EQ(Ok("list.take_all", "e"), Arr({}));
  EXPECT_EQ(Ok("list.exists", "e"), Value(false));
}

TEST_P(ListTest, ElementsKeepTheirExactType) {
  auto big = BigInt("-123456789012345678901234567890123456789");
  Time t;
  t.seconds = 1709253000;
  t.nanos = 500000000;
  t.offset_seconds = -5 * 3600;
  Uuid u;
  for (int i = 0; i < 16; ++i) u.bytes[i] = static_cast<uint8_t>(i * 17);
  std::vector<Value> items = {I(42),
                              Value("42"),
                              Value(Binary{std::string("\x00\xff\x00", 3)}),
                              Value(std::string("nul\0in text", 11)),
                              Value(big),
                              Value(t),
                              Value(Decimal{BigInt(1999), 2}),
                              Value(-0.0),
                              Value(std::numeric_limits<double>::infinity()),
                              Value(false),
                              Value(),
                              Value(Timestamp{kStart}),
                              Value(Duration{-5}),
                              Value(u),
                              Value(""),
                              I(kMin)};
  Ok("list.create", "l");
  for (const auto& v : items) Ok("list.push_right", "l", v);
  Value all = All("l");
  ASSERT_EQ(all.as_array().size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const Value& got = all.as_array()[i];
    EXPECT_EQ(got.type(), items[i].type()) << i;
    EXPECT_EQ(got, items[i]) << i;
    EXPECT_EQ(Ok("list.index", "l", I(static_cast<int64_t>(i))), items[i]) << i;
  }
  EXPECT_NE(all.as_array()[0], all.as_array()[1]);  // int 42 and string "42" differ
  EXPECT_EQ(all.as_array()[5].as_time().offset_seconds, -5 * 3600);
  EXPECT_TRUE(std::signbit(all.as_array()[7].as_float()));
  EXPECT_EQ(all.as_array()[2].as_binary().bytes, std::string("\x00\xff\x00", 3));
  EXPECT_EQ(Ok("list.pop_left", "l"), I(42));
  EXPECT_EQ(Ok("list.pop_left", "l"), Value("42"));
  EXPECT_EQ(Ok("list.pop_right", "l"), I(kMin));
  Ok("list.set", "l", I(0), Value(big));
  EXPECT_EQ(Ok("list.index", "l", I(0)), Value(big));
}

TEST_P(ListTest, WrongArgumentTypesAreInvalidAndWriteNothing) {
  Make("l", {"a", "b"});
  std::string m = Fails(Code::kInvalidArgument, "list.index", "l", "0");
  EXPECT_NE(m.find("argument 2 must be int, got string"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "list.index", "l", Value(0.0));
  m = Fails(Code::kInvalidArgument, "list.range", "l", Value(0.0), I(1));
  EXPECT_NE(m.find("argument 2 must be int, got float"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "list.range", "l", I(0), Value(true));
  EXPECT_NE(m.find("argument 3 must be int, got bool"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "list.trim", "l", "0", I(1));
  m = Fails(Code::kInvalidArgument, "list.trim", "l", I(0), Value());
  EXPECT_NE(m.find("argument 3 must be int, got null"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "list.set", "l", Value(Duration{0}), "x");
  // Arrays are not elements; a bad item anywhere writes nothing.
  m = Fails(Code::kInvalidArgument, "list.push_right", "l", "ok", Arr({I(1)}));
  EXPECT_NE(m.find("argument 3"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "list.push_left", "l", Arr({}), "ok");
  Fails(Code::kInvalidArgument, "list.set", "l", I(0), Arr({"x"}));
  // Keys must be strings or binaries; argument counts are checked.
  Fails(Code::kInvalidArgument, "list.length", I(1));
  Fails(Code::kInvalidArgument, "list.push_left", "l");
  Fails(Code::kInvalidArgument, "list.index", "l");
  Fails(Code::kInvalidArgument, "list.index", "l", I(0), I(1));
  Fails(Code::kInvalidArgument, "list.range", "l", I(0));
  Fails(Code::kInvalidArgument, "list.pop_left", "l", I(1));
  Fails(Code::kInvalidArgument, "list.create");
  EXPECT_EQ(All("l"), Arr({"a", "b"}));
  EXPECT_EQ(Ok("list.length", "l"), I(2));
}

TEST_P(ListTest, MissingListIsNotFoundNamingTheKey) {
  for (const char* cmd : {"list.length", "list.pop_left", "list.pop_right", "list.take_all"}) {
    std::string m = Fails(Code::kNotFound, cmd, "ghost");
    EXPECT_NE(m.find("'ghost'"), std::string::npos) << cmd << ": " << m;
  }
  Fails(Code::kNotFound, "list.index", "ghost", I(0));
  Fails(Code::kNotFound, "list.range", "ghost", I(0), I(-1));
  Fails(Code::kNotFound, "list.set", "ghost", I(0), "x");
  Fails(Code::kNotFound, "list.trim", "ghost", I(0), I(-1));
  Fails(Code::kNotFound, "list.push_left", "ghost", "x");
  EXPECT_EQ(Ok("list.exists", "ghost"), Value(false));
  EXPECT_EQ(Ok("list.delete", "ghost"), Value(false));
  EXPECT_EQ(Ok("key.exists", "ghost"), I(0));
}

TEST_P(ListTest, AnotherTypeIsTypeMismatch) {
  Ok("string.set", "s", "text");
  for (const char* cmd : {"list.length", "list.pop_left", "list.pop_right", "list.take_all"}) {
    std::string m = Fails(Code::kTypeMismatch, cmd, "s");
    EXPECT_NE(m.find("'s'"), std::string::npos) << cmd << ": " << m;
    EXPECT_NE(m.find("list"), std::string::npos) << cmd << ": " << m;
  }
  Fails(Code::kTypeMismatch, "list.push_right", "s", "x");
  Fails(Code::kTypeMismatch, "list.push_left", "s", "x");
  Fails(Code::kTypeMismatch, "list.index", "s", I(0));
  Fails(Code::kTypeMismatch, "list.range", "s", I(0), I(-1));
  Fails(Code::kTypeMismatch, "list.set", "s", I(0), "x");
  Fails(Code::kTypeMismatch, "list.trim", "s", I(0), I(-1));
  Fails(Code::kTypeMismatch, "list.delete", "s");  // never deletes another type
  EXPECT_EQ(Ok("list.exists", "s"), Value(false));
  EXPECT_EQ(Ok("string.get", "s"), Value("text"));
  // And the other way round.
  Make("l", {"a"});
  Fails(Code::kTypeMismatch, "string.get", "l");
  Fails(Code::kTypeMismatch, "int.add", "l", I(1));
}

TEST_P(ListTest, DeleteThenRecreateStartsEmpty) {
  Make("l", {"a", "b", "c"});
  EXPECT_EQ(Ok("list.delete", "l"), Value(true));
  Ok("list.create", "l");
  EXPECT_EQ(Ok("list.length", "l"), I(0));
  EXPECT_EQ(All("l"), Arr({}));
  Fails(Code::kNotFound, "list.index", "l", I(0));
  Ok("list.push_right", "l", "new");
  EXPECT_EQ(All("l"), Arr({"new"}));
  // The same through the kernel's key.delete, and over another type.
  EXPECT_EQ(Ok("key.delete", "l"), I(1));
  Ok("list.create", "l");
  EXPECT_EQ(All("l"), Arr({}));
  Ok("list.push_left", "l", "x");
  Ok("string.set", "l", "replaced");
  Ok("key.delete", "l");
  Ok("list.create", "l");
  EXPECT_EQ(All("l"), Arr({}));
  EXPECT_EQ(StoredItems(), 0u);
}

TEST_P(ListTest, ExpiryRemovesTheWholeList) {
  Make("l", {"a", "b"});
  Ok("key.expire", "l", Value(Duration{10 * kSecond}));
  // Every write keeps the expiry.
  Ok("list.push_right", "l", "c");
  Ok("list.push_left", "l", "z");
  Ok("list.pop_left", "l");
  Ok("list.set", "l", I(0), "A");
  Ok("list.trim", "l", I(0), I(1));
  auto ttl = db_->ttl("l");
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  ASSERT_TRUE(ttl->has_value());
  EXPECT_EQ((*ttl)->ns, kStart + 10 * kSecond);
  EXPECT_EQ(All("l"), Arr({"A", "b"}));
  now_ += 9 * kSecond;
  EXPECT_EQ(Ok("list.length", "l"), I(2));
  now_ += 2 * kSecond;
  EXPECT_EQ(Ok("list.exists", "l"), Value(false));
  Fails(Code::kNotFound, "list.length", "l");
  Fails(Code::kNotFound, "list.range", "l", I(0), I(-1));
  Fails(Code::kNotFound, "list.push_right", "l", "x");
  // A new list under the key starts empty, without the old expiry.
  Ok("list.create", "l");
  EXPECT_EQ(All("l"), Arr({}));
  ttl = db_->ttl("l");
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_FALSE(ttl->has_value());
  auto n = db_->truncate_expired();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(StoredItems(), 0u);
}

TEST_P(ListTest, ReadsOfOneListAreConsistentAfterManyPushes) {
  Ok("list.create", "big");
  std::deque<int64_t> model;
  constexpr int64_t kN = 10000;
  for (int64_t i = 0; i < kN;) {
    // Alternate batches of 50 on each side, and single pushes.
    bool left = (i / 50) % 2 == 1;
    std::vector<Value> args = {"big"};
    int64_t batch = (i % 1000 == 0) ? 1 : 50;
    for (int64_t j = 0; j < batch && i < kN; ++j, ++i) {
      args.push_back(I(i));
      if (left) {
        model.push_front(i);
      } else {
        model.push_back(i);
      }
    }
    auto r = db_->call(left ? "list.push_left" : "list.push_right", args);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(*r, I(static_cast<int64_t>(model.size())));
  }
  EXPECT_EQ(Ok("list.length", "big"), I(kN));
  Value all = All("big");
  ASSERT_EQ(all.as_array().size(), size_t{kN});
  for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(all.as_array()[i], I(model[i])) << i;
  for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{4999}, kN - 1}) {
    EXPECT_EQ(Ok("list.index", "big", I(i)), I(model[i])) << i;
    EXPECT_EQ(Ok("list.index", "big", I(i - kN)), I(model[i])) << i;
  }
  Value mid = Ok("list.range", "big", I(4000), I(4009));
  ASSERT_EQ(mid.as_array().size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(mid.as_array()[i], I(model[4000 + i]));
  EXPECT_EQ(StoredItems(), size_t{kN});
  EXPECT_EQ(Ok("list.delete", "big"), Value(true));
  EXPECT_EQ(StoredItems(), 0u);
}

// Metadata that is malformed, or that names items which are not there,
// reads as Corruption naming the key, never as a crash or a wrong value;
// such a list can still be deleted.
TEST_P(ListTest, CorruptListsReadAsCorruption) {
  Make("l", {"a"});
  std::string stored;
  ASSERT_TRUE(db_->backend().Get({}, keys::Meta("l"), &stored).ok());
  auto f = DecodeFrame("l", stored);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE(f->items_version.has_value());
  const uint8_t type = f->type;
  const uint64_t version = *f->items_version;
  auto meta = [](uint8_t format, int64_t head, int64_t length) {
    std::string s(1, static_cast<char>(format));
    for (int64_t v : {head, length}) {
      for (int i = 7; i >= 0; --i)
        s.push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * i)));
    }
    return s;
  };
  const std::vector<std::string> bad = {
      std::string(),  meta(1, 0, 1).substr(0, 16), meta(2, 0, 1), meta(1, 0, -1), meta(1, kMax, 1),
      meta(1, 0, 2),   // item 1 missing
      meta(1, -1, 1),  // item -1 missing
  };
  for (const auto& payload : bad) {
    std::string frame;
    EncodeFrame(&frame, type, 1, std::nullopt, payload, version);
    ASSERT_TRUE(db_->backend().Put({}, keys::Meta("l"), frame).ok());
    const bool meta_ok = payload.size() == 17 && payload[0] == 1 && payload[9] == 0;
    SCOPED_TRACE("payload of " + std::to_string(payload.size()) + " bytes");
    if (!meta_ok || payload == meta(1, kMax, 1)) {
      std::string m = Fails(Code::kCorruption, "list.length", "l");
      EXPECT_NE(m.find("'l'"), std::string::npos) << m;
    }
    Fails(Code::kCorruption, "list.range", "l", I(0), I(-1));
    Fails(Code::kCorruption, "list.take_all", "l");
    if (payload == meta(1, 0, 2)) {
      EXPECT_EQ(Ok("list.index", "l", I(0)), Value("a"));
      Fails(Code::kCorruption, "list.index", "l", I(1));
      Fails(Code::kCorruption, "list.pop_right", "l");
    }
  }
  // Positions at the ends of int64: pushing past them is Overflow and writes
  // nothing; the other end still has room.
  const std::pair<std::string, const char*> edges[] = {{meta(1, kMax - 1, 1), "list.push_right"},
                                                       {meta(1, kMin, 1), "list.push_left"}};
  for (const auto& [payload, cmd] : edges) {
    std::string frame;
    EncodeFrame(&frame, type, 1, std::nullopt, payload, version);
    ASSERT_TRUE(db_->backend().Put({}, keys::Meta("l"), frame).ok());
    std::string m = Fails(Code::kOverflow, cmd, "l", "x");
    EXPECT_NE(m.find("'l'"), std::string::npos) << m;
    EXPECT_EQ(Ok("list.length", "l"), I(1));
    const char* other = std::string(cmd) == "list.push_left" ? "list.push_right" : "list.push_left";
    EXPECT_EQ(Ok(other, "l", "y"), I(2));
  }
  EXPECT_EQ(Ok("list.delete", "l"), Value(true));
  EXPECT_EQ(Ok("list.exists", "l"), Value(false));
}

TEST_P(ListTest, ConcurrentPushesAndPopsStayConsistent) {
  Ok("list.create", "q");
  constexpr int kThreads = 4, kEach = 200;
  std::atomic<int64_t> popped{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = db_->call(t % 2 ? "list.push_left" : "list.push_right", "q", I(t * kEach + i));
        ASSERT_TRUE(r.ok()) << r.status();
        if (i % 4 == 0) {
          auto p = db_->call(t % 2 ? "list.pop_right" : "list.pop_left", "q");
          ASSERT_TRUE(p.ok()) << p.status();  // this thread pushed first
          ++popped;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  const int64_t want = kThreads * kEach - popped.load();
  EXPECT_EQ(Ok("list.length", "q"), I(want));
  Value all = All("q");
  ASSERT_EQ(static_cast<int64_t>(all.as_array().size()), want);
  std::set<int64_t> seen;
  for (const auto& v : all.as_array()) EXPECT_TRUE(seen.insert(v.as_int()).second) << v;
  EXPECT_EQ(StoredItems(), static_cast<size_t>(want));
}

TEST_P(ListTest, SurvivesReopen) {
  if (GetParam() == "memory") GTEST_SKIP() << "in-memory databases do not reopen";
  Make("l", {"a", I(1)});
  Ok("list.push_left", "l", Value(Binary{std::string("\xff", 1)}));
  Ok("list.pop_right", "l");
  db_.reset();
  auto d = Db::open(Options::OnDisk(dir_ + "/db", GetParam()));
  ASSERT_TRUE(d.ok()) << d.status();
  db_ = std::move(*d);
  EXPECT_EQ(All("l"), Arr({Value(Binary{std::string("\xff", 1)}), "a"}));
  EXPECT_EQ(Ok("list.length", "l"), I(2));
  EXPECT_EQ(Ok("list.push_right", "l", "b"), I(3));
  EXPECT_EQ(Ok("list.index", "l", I(-1)), Value("b"));
}

// 2,000 random operations mirrored in a std::deque, compared after each.
TEST_P(ListTest, MatchesADequeModel) {
  std::mt19937_64 rng(20261126);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  auto random_value = [&]() -> Value {
    switch (pick(0, 5)) {
      case 0: return I(pick(-1000, 1000));
      case 1: return Value("s" + std::to_string(pick(0, 1000)));
      case 2: return Value(pick(0, 1) == 1);
      case 3: return Value(static_cast<double>(pick(-100, 100)) / 4);
      case 4: return Value(Binary{std::string(static_cast<size_t>(pick(0, 3)), '\xff')});
      default: return Value();
    }
  };
  // A random index, sometimes outside the list or extreme.
  auto random_index = [&](int64_t n) -> int64_t {
    switch (pick(0, 9)) {
      case 0: return pick(0, 1) ? kMin : kMax;
      case 1: return pick(-n - 5, n + 5);
      default: return pick(-n - 1, n);
    }
  };
  // Redis range semantics, stated independently of the plugin's clamping.
  auto model_range = [](const std::deque<Value>& d, int64_t start, int64_t stop) {
    const auto n = static_cast<int64_t>(d.size());
    long double s = start < 0 ? static_cast<long double>(start) + n : start;
    long double e = stop < 0 ? static_cast<long double>(stop) + n : stop;
    std::vector<Value> out;
    for (int64_t i = 0; i < n; ++i) {
      if (i >= s && i <= e) out.push_back(d[static_cast<size_t>(i)]);
    }
    return out;
  };
  auto in_range = [](int64_t i, int64_t n) { return (i >= 0 && i < n) || (i < 0 && i >= -n); };
  auto at = [](int64_t i, int64_t n) { return static_cast<size_t>(i < 0 ? i + n : i); };

  std::deque<Value> model;
  Ok("list.create", "m");
  for (int step = 0; step < 2000; ++step) {
    const auto n = static_cast<int64_t>(model.size());
    const int64_t op = pick(0, 99);
    SCOPED_TRACE("step " + std::to_string(step) + " op " + std::to_string(op));
    if (op < 25) {  // push_right
      std::vector<Value> args = {"m"};
      for (int64_t k = pick(1, 3); k > 0; --k) {
        args.push_back(random_value());
        model.push_back(args.back());
      }
      ASSERT_EQ(Ok("list.push_right", args), I(static_cast<int64_t>(model.size())));
    } else if (op < 50) {  // push_left
      std::vector<Value> args = {"m"};
      for (int64_t k = pick(1, 3); k > 0; --k) {
        args.push_back(random_value());
        model.push_front(args.back());
      }
      ASSERT_EQ(Ok("list.push_left", args), I(static_cast<int64_t>(model.size())));
    } else if (op < 60) {  // pop_left
      if (model.empty()) {
        Fails(Code::kNotFound, "list.pop_left", "m");
      } else {
        ASSERT_EQ(Ok("list.pop_left", "m"), model.front());
        model.pop_front();
      }
    } else if (op < 70) {  // pop_right
      if (model.empty()) {
        Fails(Code::kNotFound, "list.pop_right", "m");
      } else {
        ASSERT_EQ(Ok("list.pop_right", "m"), model.back());
        model.pop_back();
      }
    } else if (op < 78) {  // index
      int64_t i = random_index(n);
      if (in_range(i, n)) {
        ASSERT_EQ(Ok("list.index", "m", I(i)), model[at(i, n)]) << i;
      } else {
        Fails(Code::kNotFound, "list.index", "m", I(i));
      }
    } else if (op < 86) {  // set
      int64_t i = random_index(n);
      Value v = random_value();
      if (in_range(i, n)) {
        Ok("list.set", "m", I(i), v);
        model[at(i, n)] = v;
      } else {
        Fails(Code::kInvalidArgument, "list.set", "m", I(i), v);
      }
    } else if (op < 94) {  // range
      int64_t a = random_index(n), b = random_index(n);
      ASSERT_EQ(Ok("list.range", "m", I(a), I(b)), Arr(model_range(model, a, b))) << a << ".." << b;
    } else if (op < 98) {  // trim, mostly keeping most of the list
      int64_t a = pick(0, 3) == 0 ? random_index(n) : pick(0, 2);
      int64_t b = pick(0, 3) == 0 ? random_index(n) : pick(-3, -1);
      std::vector<Value> kept = model_range(model, a, b);
      Ok("list.trim", "m", I(a), I(b));
      model.assign(kept.begin(), kept.end());
    } else {  // take_all, then start again
      ASSERT_EQ(Ok("list.take_all", "m"), Arr(std::vector<Value>(model.begin(), model.end())));
      model.clear();
      EXPECT_EQ(Ok("list.exists", "m"), Value(false));
      Ok("list.create", "m");
    }
    ASSERT_EQ(Ok("list.length", "m"), I(static_cast<int64_t>(model.size())));
    ASSERT_EQ(All("m"), Arr(std::vector<Value>(model.begin(), model.end())));
  }
  EXPECT_EQ(StoredItems(), model.size());
}

TOWER_COMMAND_TEST_BACKENDS(ListTest);

}  // namespace
}  // namespace tower::testing_support
