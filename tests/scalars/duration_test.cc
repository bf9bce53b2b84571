// duration commands through Db::call, on every backend.
#include <limits>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class DurationTest : public CommandTest {};

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kSec = 1000000000;
Value D(int64_t ns) { return Value(Duration{ns}); }

TEST_P(DurationTest, EveryOperation) {
  EXPECT_TRUE(Ok("duration.set", "d", D(90 * kSec)).is_null());
  EXPECT_EQ(Ok("duration.get", "d"), D(90 * kSec));
  EXPECT_EQ(Ok("duration.add", "d", D(30 * kSec)), D(120 * kSec));
  EXPECT_EQ(Ok("duration.sub", "d", D(150 * kSec)), D(-30 * kSec));
  EXPECT_EQ(Ok("duration.mul", "d", -4), D(120 * kSec));
  EXPECT_EQ(Ok("duration.div", "d", 7), D(120 * kSec / 7));
  EXPECT_EQ(Ok("duration.div", "d", -1), D(-(120 * kSec / 7)));
  EXPECT_EQ(Ok("duration.abs", "d"), D(120 * kSec / 7));
  EXPECT_EQ(Ok("duration.neg", "d"), D(-(120 * kSec / 7)));
  EXPECT_EQ(Ok("duration.swap", "d", D(5 * kSec)), D(-(120 * kSec / 7)));
  EXPECT_EQ(Ok("duration.get", "d"), D(5 * kSec));
  EXPECT_EQ(Ok("duration.compare", "d", D(4 * kSec)), Value(1));
  EXPECT_EQ(Ok("duration.compare", "d", D(5 * kSec)), Value(0));
  EXPECT_EQ(Ok("duration.compare", "d", D(6 * kSec)), Value(-1));
  EXPECT_EQ(Ok("duration.set_if_greater", "d", D(4 * kSec)), Value(false));
  EXPECT_EQ(Ok("duration.set_if_greater", "d", D(8 * kSec)), Value(true));
  EXPECT_EQ(Ok("duration.set_if_less", "d", D(9 * kSec)), Value(false));
  EXPECT_EQ(Ok("duration.set_if_less", "d", D(2 * kSec)), Value(true));
  EXPECT_EQ(Ok("duration.get", "d"), D(2 * kSec));
  EXPECT_EQ(Ok("duration.set_if_equal", "d", D(3 * kSec), D(1)), Value(false));
  EXPECT_EQ(Ok("duration.set_if_equal", "d", D(2 * kSec), D(7 * kSec)), Value(true));
  EXPECT_EQ(Ok("duration.get", "d"), D(7 * kSec));
  EXPECT_EQ(Ok("duration.clamp", "d", D(0), D(3 * kSec)), D(3 * kSec));
  EXPECT_EQ(Ok("duration.clamp", "d", D(4 * kSec), D(9 * kSec)), D(4 * kSec));
  EXPECT_EQ(Ok("duration.clamp", "d", D(0), D(9 * kSec)), D(4 * kSec));
  EXPECT_EQ(Ok("duration.min", "d", D(6 * kSec)), D(4 * kSec));
  EXPECT_EQ(Ok("duration.min", "d", D(-1)), D(-1));
  EXPECT_EQ(Ok("duration.max", "d", D(-2)), D(-1));
  EXPECT_EQ(Ok("duration.max", "d", D(kSec)), D(kSec));
  EXPECT_EQ(Ok("duration.get", "d"), D(kSec));
}

TEST_P(DurationTest, Int64Limits) {
  Ok("duration.set", "d", D(kMax));
  EXPECT_EQ(Ok("duration.get", "d"), D(kMax));
  std::string m = Fails(Code::kOverflow, "duration.add", "d", D(1));
  EXPECT_NE(m.find("unchanged"), std::string::npos) << m;
  Fails(Code::kOverflow, "duration.sub", "d", D(-1));
  Fails(Code::kOverflow, "duration.mul", "d", 2);
  EXPECT_EQ(Ok("duration.get", "d"), D(kMax));
  EXPECT_EQ(Ok("duration.neg", "d"), D(-kMax));
  EXPECT_EQ(Ok("duration.sub", "d", D(1)), D(kMin));
  Fails(Code::kOverflow, "duration.neg", "d");
  Fails(Code::kOverflow, "duration.abs", "d");
  Fails(Code::kOverflow, "duration.div", "d", -1);
  Fails(Code::kOverflow, "duration.sub", "d", D(1));
  Fails(Code::kOverflow, "duration.mul", "d", -1);
  EXPECT_EQ(Ok("duration.get", "d"), D(kMin));
  EXPECT_EQ(Ok("duration.div", "d", 1), D(kMin));
  EXPECT_EQ(Ok("duration.compare", "d", D(kMax)), Value(-1));
  EXPECT_EQ(Ok("duration.set_if_greater", "d", D(kMax)), Value(true));
  EXPECT_EQ(Ok("duration.clamp", "d", D(kMin), D(kMax)), D(kMax));
  EXPECT_EQ(Ok("duration.mul", "d", 0), D(0));
}

TEST_P(DurationTest, ErrorPaths) {
  Fails(Code::kNotFound, "duration.get", "missing");
  Fails(Code::kNotFound, "duration.add", "missing", D(1));
  Fails(Code::kNotFound, "duration.neg", "missing");
  Fails(Code::kNotFound, "duration.compare", "missing", D(1));
  Ok("duration.set", "d", D(10));
  std::string m = Fails(Code::kInvalidArgument, "duration.div", "d", 0);
  EXPECT_NE(m.find("division by zero"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "duration.add", "d", 5);
  EXPECT_NE(m.find("argument 2 must be duration, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "duration.mul", "d", D(2));
  EXPECT_NE(m.find("argument 2 must be int, got duration"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "duration.set", "d", Timestamp{1});
  EXPECT_NE(m.find("argument 2 must be duration, got timestamp"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "duration.set_if_equal", "d", D(10), 3);
  EXPECT_NE(m.find("argument 3 must be duration, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "duration.clamp", "d", D(2), D(1));
  EXPECT_NE(m.find("MIN"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "duration.clamp", "d", D(1));
  EXPECT_NE(m.find("usage: duration.clamp KEY MIN:duration MAX:duration"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "duration.abs", "d", D(1));
  EXPECT_EQ(Ok("duration.get", "d"), D(10));  // nothing changed
}

TEST_P(DurationTest, TypeMismatch) {
  Ok("int.set", "n", 5);
  std::string m = Fails(Code::kTypeMismatch, "duration.add", "n", D(1));
  EXPECT_NE(m.find("holds a int value, not duration"), std::string::npos) << m;
  Ok("timestamp.set", "t", Timestamp{5});
  m = Fails(Code::kTypeMismatch, "duration.get", "t");
  EXPECT_NE(m.find("holds a timestamp value, not duration"), std::string::npos) << m;
  EXPECT_EQ(Ok("int.get", "n"), Value(5));
}

TOWER_COMMAND_TEST_BACKENDS(DurationTest);

}  // namespace
}  // namespace tower
