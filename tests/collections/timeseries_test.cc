// Tests of the "timeseries" data type (datatypes/timeseries): every command,
// duplicate policies, retention, aggregation, errors, expiry, delete and
// persistence, on every backend.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;

constexpr int64_t kSec = 1000000000;
constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

Value Ts(int64_t ns) { return Value(Timestamp{ns}); }
Value Dur(int64_t ns) { return Value(Duration{ns}); }
Value I(int64_t i) { return Value(i); }
Value Arr(std::vector<Value> v) { return Value(std::move(v)); }

class TimeSeriesTest : public CommandTest {
 protected:
  // The flattened [t, v, ...] result of ts.range as pairs of (ns, value).
  std::vector<std::pair<int64_t, Value>> Pairs(const Value& r) {
    std::vector<std::pair<int64_t, Value>> out;
    EXPECT_EQ(r.type(), Value::Type::kArray) << r.ToString();
    if (r.type() != Value::Type::kArray) return out;
    const auto& a = r.as_array();
    EXPECT_EQ(a.size() % 2, 0u);
    for (size_t i = 0; i + 1 < a.size(); i += 2) {
      EXPECT_EQ(a[i].type(), Value::Type::kTimestamp);
      if (a[i].type() != Value::Type::kTimestamp) break;
      out.emplace_back(a[i].as_timestamp().ns, a[i + 1]);
    }
    return out;
  }
  int64_t Count(const std::string& key) { return Ok("ts.info", key).as_array()[0].as_int(); }

  std::atomic<int64_t> now_{1000 * kSec};  // outlives db_ (reset in TearDown)
};

TEST_P(TimeSeriesTest, CreateAddGetKeepsTheValueType) {
  EXPECT_EQ(Ok("ts.exists", "s"), Value(false));
  EXPECT_TRUE(Ok("ts.create", "s").is_null());
  EXPECT_EQ(Ok("ts.exists", "s"), Value(true));
  EXPECT_EQ(Ok("ts.add", "s", Ts(10), I(7)), I(7));
  EXPECT_EQ(Ok("ts.add", "s", Ts(20), 2.5), Value(2.5));
  EXPECT_EQ(Ok("ts.add", "s", Ts(-5), -1.25), Value(-1.25));
  EXPECT_EQ(Ok("ts.get", "s", Ts(10)), I(7));
  EXPECT_EQ(Ok("ts.get", "s", Ts(20)), Value(2.5));
  EXPECT_EQ(Ok("ts.get", "s", Ts(-5)), Value(-1.25));
  std::string msg = Fails(Code::kNotFound, "ts.get", "s", Ts(11));
  EXPECT_NE(msg.find("no point at 11"), std::string::npos) << msg;
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(3), Ts(-5), Ts(20), Dur(0), Value("block")}));
  EXPECT_EQ(Ok("ts.latest", "s"), Arr({Ts(20), Value(2.5)}));
  // Extreme timestamps order correctly.
  Ok("ts.add", "s", Ts(kMin64), I(1));
  Ok("ts.add", "s", Ts(kMax64), I(2));
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)),
            Arr({Ts(kMin64), I(1), Ts(-5), Value(-1.25), Ts(10), I(7), Ts(20), Value(2.5),
                 Ts(kMax64), I(2)}));
  EXPECT_EQ(Ok("ts.latest", "s"), Arr({Ts(kMax64), I(2)}));
}

TEST_P(TimeSeriesTest, EmptySeries) {
  Ok("ts.create", "s");
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)), Arr({}));
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64), "sum", Dur(10)), Arr({}));
  EXPECT_TRUE(Ok("ts.latest", "s").is_null());
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(0), Value(), Value(), Dur(0), Value("block")}));
  EXPECT_EQ(Ok("ts.remove", "s", Ts(1)), Value(false));
  EXPECT_EQ(Ok("ts.remove_range", "s", Ts(kMin64), Ts(kMax64)), I(0));
  Fails(Code::kNotFound, "ts.get", "s", Ts(0));
}

TEST_P(TimeSeriesTest, DuplicatePolicies) {
  Ok("ts.create", "block");
  Ok("ts.add", "block", Ts(1), I(5));
  std::string msg = Fails(Code::kAlreadyExists, "ts.add", "block", Ts(1), I(6));
  EXPECT_NE(msg.find("block"), std::string::npos) << msg;
  EXPECT_EQ(Ok("ts.get", "block", Ts(1)), I(5));
  EXPECT_EQ(Count("block"), 1);

  struct Case {
    const char* policy;
    Value after_3, after_1, after_2_5;  // adding 3, then 1, then 2.5 to 2
  };
  std::vector<Case> cases = {
      {"first", I(2), I(2), I(2)}, {"last", I(3), I(1), Value(2.5)}, {"min", I(2), I(1), I(1)},
      {"max", I(3), I(3), I(3)},   {"sum", I(5), I(6), Value(8.5)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.policy);
    Ok("ts.create", c.policy, Dur(0), c.policy);
    Ok("ts.add", c.policy, Ts(100), I(2));
    EXPECT_EQ(Ok("ts.add", c.policy, Ts(100), I(3)), c.after_3);
    EXPECT_EQ(Ok("ts.add", c.policy, Ts(100), I(1)), c.after_1);
    EXPECT_EQ(Ok("ts.add", c.policy, Ts(100), 2.5), c.after_2_5);
    EXPECT_EQ(Ok("ts.get", c.policy, Ts(100)), c.after_2_5);
    EXPECT_EQ(Count(c.policy), 1);
    EXPECT_EQ(Ok("ts.info", c.policy).as_array()[4], Value(c.policy));
  }
  // sum of ints that overflows int64 is refused and stores nothing.
  Ok("ts.add", "sum", Ts(7), I(kMax64));
  Fails(Code::kOverflow, "ts.add", "sum", Ts(7), I(1));
  EXPECT_EQ(Ok("ts.get", "sum", Ts(7)), I(kMax64));
  // min across int and float compares numerically.
  Ok("ts.add", "min", Ts(8), I(3));
  EXPECT_EQ(Ok("ts.add", "min", Ts(8), 2.75), Value(2.75));
  EXPECT_EQ(Ok("ts.add", "min", Ts(8), I(3)), Value(2.75));
}

TEST_P(TimeSeriesTest, RetentionDropsOldPointsOnAdd) {
  Ok("ts.create", "s", Dur(10 * kSec));
  for (int i = 0; i < 10; ++i) Ok("ts.add", "s", Ts(i * kSec), I(i));
  EXPECT_EQ(Count("s"), 10);
  // Newest 25s: keep [15s, 25s]; every earlier point goes.
  Ok("ts.add", "s", Ts(25 * kSec), I(25));
  EXPECT_EQ(Ok("ts.info", "s"),
            Arr({I(1), Ts(25 * kSec), Ts(25 * kSec), Dur(10 * kSec), Value("block")}));
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)), Arr({Ts(25 * kSec), I(25)}));
  Fails(Code::kNotFound, "ts.get", "s", Ts(5 * kSec));
  // The window edge is kept; older than it is refused (nothing written).
  EXPECT_EQ(Ok("ts.add", "s", Ts(15 * kSec), I(15)), I(15));
  std::string msg = Fails(Code::kInvalidArgument, "ts.add", "s", Ts(15 * kSec - 1), I(0));
  EXPECT_NE(msg.find("retention"), std::string::npos) << msg;
  EXPECT_EQ(Count("s"), 2);
  // A newer point pushes the window: 15s goes, 20s stays.
  Ok("ts.add", "s", Ts(20 * kSec), I(20));
  Ok("ts.add", "s", Ts(30 * kSec), I(30));
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)),
            Arr({Ts(20 * kSec), I(20), Ts(25 * kSec), I(25), Ts(30 * kSec), I(30)}));
  EXPECT_EQ(Ok("ts.info", "s").as_array()[1], Ts(20 * kSec));
  // A retention near the int64 edge never overflows.
  Ok("ts.create", "wide", Dur(kMax64));
  Ok("ts.add", "wide", Ts(kMin64), I(1));
  Ok("ts.add", "wide", Ts(kMax64), I(2));
  EXPECT_EQ(Count("wide"), 1);  // kMax64 - kMax64 = 0 > kMin64: the first one went
  Ok("ts.create", "keep", Dur(kMax64));
  Ok("ts.add", "keep", Ts(kMin64), I(1));
  Ok("ts.add", "keep", Ts(-1), I(2));  // -1 - kMax64 = kMin64: kept
  EXPECT_EQ(Count("keep"), 2);
}

TEST_P(TimeSeriesTest, RetentionAtScale) {
  Ok("ts.create", "s", Dur(999));
  for (int64_t i = 0; i < 3000; ++i) Ok("ts.add", "s", Ts(i), 0.5 * static_cast<double>(i));
  EXPECT_EQ(Count("s"), 1000);
  auto p = Pairs(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)));
  ASSERT_EQ(p.size(), 1000u);
  EXPECT_EQ(p.front().first, 2000);
  EXPECT_EQ(p.back().first, 2999);
  EXPECT_EQ(p.back().second, Value(1499.5));
}

TEST_P(TimeSeriesTest, RemoveAndRemoveRangeKeepFirstAndLast) {
  Ok("ts.create", "s");
  for (int64_t t = 1; t <= 10; ++t) Ok("ts.add", "s", Ts(t), I(t * 10));
  EXPECT_EQ(Ok("ts.remove", "s", Ts(1)), Value(true));
  EXPECT_EQ(Ok("ts.remove", "s", Ts(1)), Value(false));
  EXPECT_EQ(Ok("ts.remove", "s", Ts(10)), Value(true));
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(8), Ts(2), Ts(9), Dur(0), Value("block")}));
  EXPECT_EQ(Ok("ts.latest", "s"), Arr({Ts(9), I(90)}));
  EXPECT_EQ(Ok("ts.remove_range", "s", Ts(4), Ts(6)), I(3));  // inclusive
  EXPECT_EQ(Ok("ts.range", "s", Ts(0), Ts(100)),
            Arr({Ts(2), I(20), Ts(3), I(30), Ts(7), I(70), Ts(8), I(80), Ts(9), I(90)}));
  EXPECT_EQ(Ok("ts.remove_range", "s", Ts(6), Ts(4)), I(0));  // FROM > TO: nothing
  EXPECT_EQ(Ok("ts.remove_range", "s", Ts(8), Ts(kMax64)), I(2));
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(3), Ts(2), Ts(7), Dur(0), Value("block")}));
  EXPECT_EQ(Ok("ts.remove_range", "s", Ts(kMin64), Ts(kMax64)), I(3));
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(0), Value(), Value(), Dur(0), Value("block")}));
  EXPECT_TRUE(Ok("ts.latest", "s").is_null());
  // Re-adding after emptying works.
  Ok("ts.add", "s", Ts(-3), I(1));
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(1), Ts(-3), Ts(-3), Dur(0), Value("block")}));
}

TEST_P(TimeSeriesTest, RangeBounds) {
  Ok("ts.create", "s");
  for (int64_t t = 0; t < 100; ++t) Ok("ts.add", "s", Ts(t * 10), I(t));
  EXPECT_EQ(Pairs(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64))).size(), 100u);
  auto p = Pairs(Ok("ts.range", "s", Ts(15), Ts(50)));  // inclusive of 50
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].first, 20);
  EXPECT_EQ(p[3].first, 50);
  EXPECT_EQ(Ok("ts.range", "s", Ts(990), Ts(990)), Arr({Ts(990), I(99)}));
  EXPECT_EQ(Ok("ts.range", "s", Ts(991), Ts(kMax64)), Arr({}));
  EXPECT_EQ(Ok("ts.range", "s", Ts(50), Ts(10)), Arr({}));
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(-1)), Arr({}));
}

TEST_P(TimeSeriesTest, Aggregation) {
  Ok("ts.create", "s");
  // Buckets of 10 aligned to the epoch: [-10,0) [0,10) [20,30).
  Ok("ts.add", "s", Ts(-7), I(4));
  Ok("ts.add", "s", Ts(-1), I(2));
  Ok("ts.add", "s", Ts(0), I(1));
  Ok("ts.add", "s", Ts(3), 2.5);
  Ok("ts.add", "s", Ts(9), I(-4));
  Ok("ts.add", "s", Ts(25), I(8));
  auto run = [&](const char* agg) {
    return Ok("ts.range", "s", Ts(kMin64), Ts(kMax64), agg, Dur(10));
  };
  EXPECT_EQ(run("count"), Arr({Ts(-10), I(2), Ts(0), I(3), Ts(20), I(1)}));
  EXPECT_EQ(run("sum"), Arr({Ts(-10), I(6), Ts(0), Value(-0.5), Ts(20), I(8)}));
  EXPECT_EQ(run("avg"), Arr({Ts(-10), Value(3.0), Ts(0), Value(-0.5 / 3), Ts(20), Value(8.0)}));
  EXPECT_EQ(run("min"), Arr({Ts(-10), I(2), Ts(0), I(-4), Ts(20), I(8)}));
  EXPECT_EQ(run("max"), Arr({Ts(-10), I(4), Ts(0), Value(2.5), Ts(20), I(8)}));
  EXPECT_EQ(run("first"), Arr({Ts(-10), I(4), Ts(0), I(1), Ts(20), I(8)}));
  EXPECT_EQ(run("last"), Arr({Ts(-10), I(2), Ts(0), I(-4), Ts(20), I(8)}));
  // The range bounds cut inside buckets; the bucket start stays aligned.
  EXPECT_EQ(Ok("ts.range", "s", Ts(3), Ts(30), "count", Dur(10)), Arr({Ts(0), I(2), Ts(20), I(1)}));
  // One bucket covering everything.
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64), "count", Dur(kMax64)),
            Arr({Ts(-kMax64), I(2), Ts(0), I(4)}));
  // An int sum that overflows int64 falls back to float.
  Ok("ts.create", "big");
  Ok("ts.add", "big", Ts(1), I(kMax64));
  Ok("ts.add", "big", Ts(2), I(kMax64));
  auto r = Ok("ts.range", "big", Ts(0), Ts(5), "sum", Dur(10)).as_array();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].type(), Value::Type::kFloat);
  EXPECT_DOUBLE_EQ(r[1].as_float(), 2.0 * static_cast<double>(kMax64));
  // Many points into hourly buckets.
  Ok("ts.create", "m");
  for (int64_t i = 0; i < 600; ++i) Ok("ts.add", "m", Ts(i * 30 * kSec), I(1));
  auto h = Pairs(Ok("ts.range", "m", Ts(0), Ts(kMax64), "sum", Dur(3600 * kSec)));
  ASSERT_EQ(h.size(), 5u);
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].first, static_cast<int64_t>(i) * 3600 * kSec);
    EXPECT_EQ(h[i].second, I(120));
  }
}

TEST_P(TimeSeriesTest, BadArguments) {
  Ok("ts.create", "s");
  Fails(Code::kInvalidArgument, "ts.create", "x", I(5));     // retention not a duration
  Fails(Code::kInvalidArgument, "ts.create", "x", Dur(-1));  // negative retention
  std::string msg = Fails(Code::kInvalidArgument, "ts.create", "x", Dur(0), "newest");
  EXPECT_NE(msg.find("POLICY"), std::string::npos) << msg;
  Fails(Code::kInvalidArgument, "ts.create", "x", Dur(0), I(1));  // policy not a string
  Fails(Code::kNotFound, "ts.info", "x");                         // nothing written
  Fails(Code::kAlreadyExists, "ts.create", "s");
  Fails(Code::kInvalidArgument, "ts.add", "s", I(1), I(1));  // timestamp as int
  Fails(Code::kInvalidArgument, "ts.add", "s", Dur(1), I(1));
  msg = Fails(Code::kInvalidArgument, "ts.add", "s", Ts(1), "12");
  EXPECT_NE(msg.find("VALUE"), std::string::npos) << msg;
  Fails(Code::kInvalidArgument, "ts.add", "s", Ts(1), true);
  Fails(Code::kInvalidArgument, "ts.add", "s", Ts(1), Value());
  Fails(Code::kInvalidArgument, "ts.add", "s", Ts(1), std::nan(""));
  Fails(Code::kInvalidArgument, "ts.get", "s", "1");
  Fails(Code::kInvalidArgument, "ts.remove", "s", I(1));
  Fails(Code::kInvalidArgument, "ts.remove_range", "s", Ts(0), I(1));
  Fails(Code::kInvalidArgument, "ts.range", "s", I(0), Ts(1));
  Fails(Code::kInvalidArgument, "ts.range", "s", Ts(0), Ts(1), "avg");
  msg = Fails(Code::kInvalidArgument, "ts.range", "s", Ts(0), Ts(1), "median", Dur(1));
  EXPECT_NE(msg.find("AGG"), std::string::npos) << msg;
  Fails(Code::kInvalidArgument, "ts.range", "s", Ts(0), Ts(1), "avg", Dur(0));
  Fails(Code::kInvalidArgument, "ts.range", "s", Ts(0), Ts(1), "avg", I(10));
  Fails(Code::kInvalidArgument, "ts.add", "s", Ts(1));  // argument count
  EXPECT_EQ(Count("s"), 0);
}

TEST_P(TimeSeriesTest, MissingAndWrongType) {
  Ok("string.set", "str", "hello");
  for (const char* key : {"missing", "str"}) {
    SCOPED_TRACE(key);
    Code code = std::string(key) == "missing" ? Code::kNotFound : Code::kTypeMismatch;
    std::string msg = Fails(code, "ts.add", key, Ts(1), I(1));
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    Fails(code, "ts.get", key, Ts(1));
    Fails(code, "ts.remove", key, Ts(1));
    Fails(code, "ts.remove_range", key, Ts(0), Ts(1));
    Fails(code, "ts.range", key, Ts(0), Ts(1));
    Fails(code, "ts.range", key, Ts(0), Ts(1), "avg", Dur(1));
    Fails(code, "ts.latest", key);
    Fails(code, "ts.info", key);
    Fails(code, "ts.delete", key);
  }
  EXPECT_EQ(Ok("ts.exists", "missing"), Value(false));
  Fails(Code::kTypeMismatch, "ts.exists", "str");
  Fails(Code::kAlreadyExists, "ts.create", "str");
  EXPECT_EQ(Ok("string.get", "str"), Value("hello"));
}

TEST_P(TimeSeriesTest, DeleteDropsEveryPointAndRecreateStartsEmpty) {
  Ok("ts.create", "s", Dur(0), "sum");
  for (int64_t t = 0; t < 200; ++t) Ok("ts.add", "s", Ts(t), I(t));
  EXPECT_EQ(Ok("ts.delete", "s"), Value(true));
  EXPECT_EQ(Ok("ts.exists", "s"), Value(false));
  Fails(Code::kNotFound, "ts.get", "s", Ts(5));
  Ok("ts.create", "s");
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(0), Value(), Value(), Dur(0), Value("block")}));
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)), Arr({}));
  Fails(Code::kNotFound, "ts.get", "s", Ts(5));
  Ok("ts.add", "s", Ts(5), I(1));
  Fails(Code::kAlreadyExists, "ts.add", "s", Ts(5), I(1));  // the new policy (block)
  ASSERT_TRUE(db_->collect_garbage().ok());
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)), Arr({Ts(5), I(1)}));
  // key.delete (the kernel's) drops it too.
  Ok("key.delete", "s");
  Fails(Code::kNotFound, "ts.info", "s");
}

TEST_P(TimeSeriesTest, ExpiryOfTheWholeSeries) {
  db_->set_clock([this] { return now_.load(); });
  Ok("ts.create", "s");
  Ok("ts.add", "s", Ts(1), I(1));
  Ok("key.expire", "s", Dur(10 * kSec));
  Ok("ts.add", "s", Ts(2), I(2));  // updates keep the expiry
  Ok("ts.remove", "s", Ts(1));
  now_ += 5 * kSec;
  EXPECT_EQ(Count("s"), 1);
  now_ += 6 * kSec;
  Fails(Code::kNotFound, "ts.info", "s");
  Fails(Code::kNotFound, "ts.add", "s", Ts(3), I(3));
  EXPECT_EQ(Ok("ts.exists", "s"), Value(false));
  Ok("ts.create", "s");
  EXPECT_EQ(Ok("ts.range", "s", Ts(kMin64), Ts(kMax64)), Arr({}));
}

TEST_P(TimeSeriesTest, PersistsAcrossReopen) {
  if (GetParam() == "memory") GTEST_SKIP() << "in-memory";
  Ok("ts.create", "s", Dur(100), "max");
  for (int64_t t = 0; t < 50; ++t) Ok("ts.add", "s", Ts(t), I(t));
  db_.reset();
  auto d = Db::open(Options::OnDisk(dir_ + "/db", GetParam()));
  ASSERT_TRUE(d.ok()) << d.status();
  db_ = std::move(*d);
  EXPECT_EQ(Ok("ts.info", "s"), Arr({I(50), Ts(0), Ts(49), Dur(100), Value("max")}));
  EXPECT_EQ(Ok("ts.add", "s", Ts(10), I(3)), I(10));
  EXPECT_EQ(Ok("ts.range", "s", Ts(40), Ts(41), "sum", Dur(5)), Arr({Ts(40), I(81)}));
}

TOWER_COMMAND_TEST_BACKENDS(TimeSeriesTest);

}  // namespace
}  // namespace tower
