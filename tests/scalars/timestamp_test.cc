// timestamp commands through Db::call, on every backend.
#include <limits>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class TimestampTest : public CommandTest {};

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kSec = 1000000000;
Value D(int64_t ns) { return Value(Duration{ns}); }
Value T(int64_t ns) { return Value(Timestamp{ns}); }

TEST_P(TimestampTest, EveryOperation) {
  const int64_t t0 = 1700000000 * kSec;
  EXPECT_TRUE(Ok("timestamp.set", "t", T(t0)).is_null());
  EXPECT_EQ(Ok("timestamp.get", "t"), T(t0));
  EXPECT_EQ(Ok("timestamp.add_duration", "t", D(60 * kSec)), T(t0 + 60 * kSec));
  EXPECT_EQ(Ok("timestamp.sub_duration", "t", D(90 * kSec)), T(t0 - 30 * kSec));
  EXPECT_EQ(Ok("timestamp.add_duration", "t", D(-1)), T(t0 - 30 * kSec - 1));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(t0 - 30 * kSec - 1));
  Ok("timestamp.set", "t", T(t0));
  EXPECT_EQ(Ok("timestamp.compare", "t", T(t0 - 1)), Value(1));
  EXPECT_EQ(Ok("timestamp.compare", "t", T(t0)), Value(0));
  EXPECT_EQ(Ok("timestamp.compare", "t", T(t0 + 1)), Value(-1));
  EXPECT_EQ(Ok("timestamp.before", "t", T(t0 + 1)), Value(true));
  EXPECT_EQ(Ok("timestamp.before", "t", T(t0)), Value(false));
  EXPECT_EQ(Ok("timestamp.after", "t", T(t0 - 1)), Value(true));
  EXPECT_EQ(Ok("timestamp.after", "t", T(t0)), Value(false));
  EXPECT_EQ(Ok("timestamp.diff", "t", T(t0 - 5 * kSec)), D(5 * kSec));
  EXPECT_EQ(Ok("timestamp.diff", "t", T(t0 + 5)), D(-5));
  EXPECT_EQ(Ok("timestamp.set_if_greater", "t", T(t0 - 1)), Value(false));
  EXPECT_EQ(Ok("timestamp.set_if_greater", "t", T(t0 + 10)), Value(true));
  EXPECT_EQ(Ok("timestamp.set_if_less", "t", T(t0 + 11)), Value(false));
  EXPECT_EQ(Ok("timestamp.set_if_less", "t", T(t0 + 2)), Value(true));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(t0 + 2));
  EXPECT_EQ(Ok("timestamp.set_if_equal", "t", T(t0), T(0)), Value(false));
  EXPECT_EQ(Ok("timestamp.set_if_equal", "t", T(t0 + 2), T(0)), Value(true));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(0));
  // Before 1970.
  EXPECT_EQ(Ok("timestamp.sub_duration", "t", D(86400 * kSec)), T(-86400 * kSec));
  EXPECT_EQ(Ok("timestamp.before", "t", T(0)), Value(true));
}

TEST_P(TimestampTest, Int64Limits) {
  Ok("timestamp.set", "t", T(kMax));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(kMax));
  std::string m = Fails(Code::kOverflow, "timestamp.add_duration", "t", D(1));
  EXPECT_NE(m.find("unchanged"), std::string::npos) << m;
  Fails(Code::kOverflow, "timestamp.sub_duration", "t", D(-1));
  Fails(Code::kOverflow, "timestamp.sub_duration", "t", D(kMin));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(kMax));
  Fails(Code::kOverflow, "timestamp.diff", "t", T(-1));
  EXPECT_EQ(Ok("timestamp.diff", "t", T(0)), D(kMax));
  Ok("timestamp.set", "t", T(kMin));
  Fails(Code::kOverflow, "timestamp.add_duration", "t", D(-1));
  Fails(Code::kOverflow, "timestamp.sub_duration", "t", D(1));
  Fails(Code::kOverflow, "timestamp.diff", "t", T(1));
  EXPECT_EQ(Ok("timestamp.diff", "t", T(-1)), D(kMin + 1));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(kMin));
  EXPECT_EQ(Ok("timestamp.add_duration", "t", D(kMax)), T(-1));
  EXPECT_EQ(Ok("timestamp.compare", "t", T(kMin)), Value(1));
}

TEST_P(TimestampTest, ErrorPaths) {
  Fails(Code::kNotFound, "timestamp.get", "missing");
  Fails(Code::kNotFound, "timestamp.add_duration", "missing", D(1));
  Fails(Code::kNotFound, "timestamp.before", "missing", T(1));
  Fails(Code::kNotFound, "timestamp.diff", "missing", T(1));
  Ok("timestamp.set", "t", T(10));
  std::string m = Fails(Code::kInvalidArgument, "timestamp.add_duration", "t", T(5));
  EXPECT_NE(m.find("argument 2 must be duration, got timestamp"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "timestamp.set", "t", 5);
  EXPECT_NE(m.find("argument 2 must be timestamp, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "timestamp.after", "t", D(5));
  EXPECT_NE(m.find("argument 2 must be timestamp, got duration"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "timestamp.set_if_equal", "t", T(10), "x");
  EXPECT_NE(m.find("argument 3 must be timestamp, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "timestamp.diff", "t");
  EXPECT_NE(m.find("usage: timestamp.diff KEY T:timestamp"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "timestamp.get", "t", T(1));
  EXPECT_EQ(Ok("timestamp.get", "t"), T(10));  // nothing changed
}

TEST_P(TimestampTest, TypeMismatch) {
  Ok("duration.set", "d", D(5));
  std::string m = Fails(Code::kTypeMismatch, "timestamp.get", "d");
  EXPECT_NE(m.find("holds a duration value, not timestamp"), std::string::npos) << m;
  Ok("timestamp.set", "d", T(7));  // set replaces a value of any type
  EXPECT_EQ(Ok("timestamp.get", "d"), T(7));
}

TOWER_COMMAND_TEST_BACKENDS(TimestampTest);

}  // namespace
}  // namespace tower
