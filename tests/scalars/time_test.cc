// time commands through Db::call, on every backend.
#include <limits>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class TimeTest : public CommandTest {};

constexpr int64_t kSec = 1000000000;
Value D(int64_t ns) { return Value(Duration{ns}); }
Value Tm(std::string_view rfc3339) {
  auto t = Time::Parse(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? Value(*t) : Value();
}

TEST_P(TimeTest, EveryOperation) {
  // Set from a TIME value and from RFC 3339 text.
  EXPECT_TRUE(Ok("time.set", "t", Tm("2024-02-29T12:34:56.789-05:00")).is_null());
  EXPECT_EQ(Ok("time.get", "t"), Tm("2024-02-29T12:34:56.789-05:00"));
  EXPECT_TRUE(Ok("time.set", "s", "2024-02-29T12:34:56.789-05:00").is_null());
  Value got = Ok("time.get", "s");
  EXPECT_EQ(got, Tm("2024-02-29T12:34:56.789-05:00"));
  EXPECT_EQ(got.ToString(), "2024-02-29T12:34:56.789-05:00");
  // Fields in the value's own offset (the leap day).
  EXPECT_EQ(Ok("time.year", "t"), Value(2024));
  EXPECT_EQ(Ok("time.month", "t"), Value(2));
  EXPECT_EQ(Ok("time.day", "t"), Value(29));
  EXPECT_EQ(Ok("time.hour", "t"), Value(12));
  EXPECT_EQ(Ok("time.minute", "t"), Value(34));
  EXPECT_EQ(Ok("time.second", "t"), Value(56));
  EXPECT_EQ(Ok("time.nanosecond", "t"), Value(789000000));
  // Arithmetic keeps the offset.
  EXPECT_EQ(Ok("time.add_duration", "t", D(24 * 3600 * kSec)), Tm("2024-03-01T12:34:56.789-05:00"));
  EXPECT_EQ(Ok("time.sub_duration", "t", D(48 * 3600 * kSec)), Tm("2024-02-28T12:34:56.789-05:00"));
  EXPECT_EQ(Ok("time.add_duration", "t", D(211 * 1000000)), Tm("2024-02-28T12:34:57-05:00"));
  EXPECT_EQ(Ok("time.sub_duration", "t", D(-(12 * 3600 + 3) * kSec)),
            Tm("2024-02-29T00:35:00-05:00"));
  EXPECT_EQ(Ok("time.get", "t"), Tm("2024-02-29T00:35:00-05:00"));
  EXPECT_EQ(Ok("time.day", "t"), Value(29));  // 05:35 UTC, still the 29th locally
  EXPECT_EQ(Ok("time.hour", "t"), Value(0));
  // Comparisons are of instants: the same instant in another offset is equal.
  EXPECT_EQ(Ok("time.equal", "t", Tm("2024-02-29T05:35:00Z")), Value(true));
  EXPECT_EQ(Ok("time.equal", "t", "2024-02-29T14:35:00+09:00"), Value(true));
  EXPECT_EQ(Ok("time.equal", "t", Tm("2024-02-29T00:35:00Z")), Value(false));
  EXPECT_EQ(Ok("time.before", "t", Tm("2024-02-29T05:35:00.000000001Z")), Value(true));
  EXPECT_EQ(Ok("time.before", "t", Tm("2024-02-29T05:35:00Z")), Value(false));
  EXPECT_EQ(Ok("time.after", "t", Tm("2024-02-29T05:34:59.999999999Z")), Value(true));
  EXPECT_EQ(Ok("time.after", "t", Tm("2024-02-29T05:35:00Z")), Value(false));
  EXPECT_EQ(Ok("time.diff", "t", Tm("2024-02-29T05:34:00Z")), D(60 * kSec));
  EXPECT_EQ(Ok("time.diff", "t", Tm("2024-02-29T05:35:00.5Z")), D(-kSec / 2));
  EXPECT_EQ(Ok("time.is_zero", "t"), Value(false));
  // Conditional stores (instants).
  EXPECT_EQ(Ok("time.set_if_greater", "t", Tm("2024-02-29T05:34:00Z")), Value(false));
  EXPECT_EQ(Ok("time.set_if_greater", "t", Tm("2024-02-29T05:35:00Z")), Value(false));
  EXPECT_EQ(Ok("time.set_if_greater", "t", Tm("2025-01-01T00:00:00+01:00")), Value(true));
  EXPECT_EQ(Ok("time.get", "t"), Tm("2025-01-01T00:00:00+01:00"));
  EXPECT_EQ(Ok("time.set_if_less", "t", Tm("2026-01-01T00:00:00Z")), Value(false));
  EXPECT_EQ(Ok("time.set_if_less", "t", "2024-12-31T22:59:59Z"), Value(true));
  EXPECT_EQ(Ok("time.get", "t"), Tm("2024-12-31T22:59:59Z"));
  EXPECT_EQ(Ok("time.set_if_equal", "t", Tm("2024-12-31T23:00:00Z"), Tm("2000-01-01T00:00:00Z")),
            Value(false));
  EXPECT_EQ(Ok("time.set_if_equal", "t", Tm("2024-12-31T18:59:59-04:00"),
               Tm("2000-01-01T00:00:00+02:00")),
            Value(true));
  EXPECT_EQ(Ok("time.get", "t"), Tm("2000-01-01T00:00:00+02:00"));
  EXPECT_EQ(Ok("time.year", "t"), Value(2000));
  EXPECT_EQ(Ok("time.day", "t"), Value(1));
}

TEST_P(TimeTest, ZeroAndBefore1970) {
  Ok("time.set", "z", Time{});
  EXPECT_EQ(Ok("time.is_zero", "z"), Value(true));
  EXPECT_EQ(Ok("time.year", "z"), Value(1));
  EXPECT_EQ(Ok("time.month", "z"), Value(1));
  EXPECT_EQ(Ok("time.day", "z"), Value(1));
  Ok("time.set", "z", "0001-01-01T00:00:00Z");
  EXPECT_EQ(Ok("time.is_zero", "z"), Value(true));
  Ok("time.set", "z", "0001-01-01T00:00:00.000000001Z");
  EXPECT_EQ(Ok("time.is_zero", "z"), Value(false));
  // The zero instant shown in a positive offset is still zero.
  Ok("time.set", "z", "0001-01-01T01:00:00+01:00");
  EXPECT_EQ(Ok("time.is_zero", "z"), Value(true));

  Ok("time.set", "t", "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(Ok("time.get", "t"), Value(Time{-1, 500000000, 0}));
  EXPECT_EQ(Ok("time.year", "t"), Value(1969));
  EXPECT_EQ(Ok("time.month", "t"), Value(12));
  EXPECT_EQ(Ok("time.day", "t"), Value(31));
  EXPECT_EQ(Ok("time.hour", "t"), Value(23));
  EXPECT_EQ(Ok("time.minute", "t"), Value(59));
  EXPECT_EQ(Ok("time.second", "t"), Value(59));
  EXPECT_EQ(Ok("time.nanosecond", "t"), Value(500000000));
  EXPECT_EQ(Ok("time.add_duration", "t", D(kSec / 2)), Value(Time{0, 0, 0}));
  EXPECT_EQ(Ok("time.sub_duration", "t", D(1)), Tm("1969-12-31T23:59:59.999999999Z"));
  EXPECT_EQ(Ok("time.diff", "t", Tm("1970-01-01T00:00:00Z")), D(-1));
  // Negative offset across a date boundary, before 1970.
  Ok("time.set", "n", "1900-03-01T00:30:00-07:30");
  EXPECT_EQ(Ok("time.day", "n"), Value(1));
  EXPECT_EQ(Ok("time.month", "n"), Value(3));
  EXPECT_EQ(Ok("time.sub_duration", "n", D(3600 * kSec)), Tm("1900-02-28T23:30:00-07:30"));
  EXPECT_EQ(Ok("time.equal", "n", "1900-02-28T23:30:00-07:30"), Value(true));
  EXPECT_EQ(Ok("time.equal", "n", "1900-03-01T07:00:00Z"), Value(true));
  EXPECT_EQ(Ok("time.day", "n"), Value(28));  // 1900 is not a leap year
}

TEST_P(TimeTest, RangeAndOverflow) {
  Ok("time.set", "t", "9999-12-31T23:59:59.999999999Z");
  std::string m = Fails(Code::kOverflow, "time.add_duration", "t", D(1));
  EXPECT_NE(m.find("outside years 1..9999"), std::string::npos) << m;
  EXPECT_NE(m.find("unchanged"), std::string::npos) << m;
  Fails(Code::kOverflow, "time.sub_duration", "t", D(-1));
  Fails(Code::kOverflow, "time.add_duration", "t", D(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(Ok("time.get", "t"), Tm("9999-12-31T23:59:59.999999999Z"));
  // The year is checked in the value's own offset.
  Ok("time.set", "o", "9999-12-31T23:00:00-01:00");
  Fails(Code::kOverflow, "time.add_duration", "o", D(3600 * kSec));
  EXPECT_EQ(Ok("time.get", "o"), Tm("9999-12-31T23:00:00-01:00"));

  Ok("time.set", "z", Time{});
  Fails(Code::kOverflow, "time.sub_duration", "z", D(1));
  Fails(Code::kOverflow, "time.add_duration", "z", D(-1));
  Fails(Code::kOverflow, "time.sub_duration", "z", D(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(Ok("time.is_zero", "z"), Value(true));
  // Durations at the int64 limits move times within range fine.
  Ok("time.set", "m", "2000-01-01T00:00:00Z");
  EXPECT_EQ(Ok("time.sub_duration", "m", D(std::numeric_limits<int64_t>::min())),
            Tm("2292-04-10T23:47:16.854775808Z"));
  EXPECT_EQ(Ok("time.add_duration", "m", D(std::numeric_limits<int64_t>::min())),
            Tm("2000-01-01T00:00:00Z"));
  // diff must fit int64 nanoseconds (about 292 years).
  m = Fails(Code::kOverflow, "time.diff", "t", Time{});
  EXPECT_NE(m.find("does not fit"), std::string::npos) << m;
  Fails(Code::kOverflow, "time.diff", "z", Tm("9999-12-31T23:59:59Z"));
  EXPECT_EQ(Ok("time.diff", "m", Tm("1707-09-22T00:12:43.145224193Z")),
            D(std::numeric_limits<int64_t>::max()));
  Fails(Code::kOverflow, "time.diff", "m", Tm("1707-09-22T00:12:43.145224192Z"));
  // And the other way round: T - m = INT64_MIN fits; one ns more does not.
  Ok("time.set", "p", "1707-09-22T00:12:43.145224192Z");
  EXPECT_EQ(Ok("time.diff", "p", Tm("2000-01-01T00:00:00Z")),
            D(std::numeric_limits<int64_t>::min()));
  Fails(Code::kOverflow, "time.diff", "p", Tm("2000-01-01T00:00:00.000000001Z"));
}

TEST_P(TimeTest, InvalidArguments) {
  Ok("time.set", "t", "2024-01-01T00:00:00Z");
  std::string m = Fails(Code::kInvalidArgument, "time.set", "t", 5);
  EXPECT_NE(m.find("argument 2 must be time, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set", "t", Timestamp{5});
  EXPECT_NE(m.find("argument 2 must be time, got timestamp"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set", "t", "yesterday");
  EXPECT_NE(m.find("'yesterday'"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set", "t", "2023-02-29T00:00:00Z");
  EXPECT_NE(m.find("2023-02-29T00:00:00Z"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "time.set", "t", "2024-01-01T00:00:00");  // no zone
  Fails(Code::kInvalidArgument, "time.set", "t", "2024-01-01T00:00:00+19:00");
  Fails(Code::kInvalidArgument, "time.set", "t", "0000-12-31T00:00:00Z");
  Fails(Code::kInvalidArgument, "time.set", "t", "2024-01-01T00:00:00.Z");
  Fails(Code::kInvalidArgument, "time.set", "t", "2024-01-01T00:00:00Zx");
  m = Fails(Code::kInvalidArgument, "time.set", "t", Time{0, 1000000000, 0});
  EXPECT_NE(m.find("nanoseconds"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set", "t", Time{0, 0, 18 * 3600 + 1});
  EXPECT_NE(m.find("offset"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "time.set", "t", Time{0, 0, -18 * 3600 - 1});
  Ok("time.set", "u", Time{0, 0, -18 * 3600});  // exactly -18h is fine
  m = Fails(Code::kInvalidArgument, "time.set", "t", Time{253402300800, 0, 0});  // year 10000
  EXPECT_NE(m.find("years 1..9999"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "time.set", "t", Time{Time::kZeroSeconds - 1, 0, 0});
  Fails(Code::kInvalidArgument, "time.set", "t", Time{std::numeric_limits<int64_t>::max(), 0, 0});
  Fails(Code::kInvalidArgument, "time.set", "t", Time{std::numeric_limits<int64_t>::min(), 0, 0});
  m = Fails(Code::kInvalidArgument, "time.before", "t", Time{0, 2000000000, 0});
  EXPECT_NE(m.find("argument 2"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set_if_equal", "t", Time{}, "nope");
  EXPECT_NE(m.find("argument 3"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set_if_equal", "t", Time{}, 1);
  EXPECT_NE(m.find("argument 3 must be time, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.add_duration", "t", 5);
  EXPECT_NE(m.find("argument 2 must be duration, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.diff", "t", D(1));
  EXPECT_NE(m.find("argument 2 must be time, got duration"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "time.set_if_equal", "t", Time{});
  EXPECT_NE(m.find("usage: time.set_if_equal KEY EXPECTED:time NEW:time"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "time.year", "t", 1);
  Fails(Code::kInvalidArgument, "time.get", "t", Time{});
  EXPECT_EQ(Ok("time.get", "t"), Tm("2024-01-01T00:00:00Z"));  // nothing changed
}

TEST_P(TimeTest, MissingAndMismatch) {
  for (const char* cmd : {"time.get", "time.is_zero", "time.year", "time.month", "time.day",
                          "time.hour", "time.minute", "time.second", "time.nanosecond"}) {
    Fails(Code::kNotFound, cmd, "missing");
  }
  Fails(Code::kNotFound, "time.add_duration", "missing", D(1));
  Fails(Code::kNotFound, "time.before", "missing", Time{});
  Fails(Code::kNotFound, "time.diff", "missing", Time{});
  Fails(Code::kNotFound, "time.set_if_greater", "missing", Time{});
  Ok("timestamp.set", "ts", Timestamp{0});
  std::string m = Fails(Code::kTypeMismatch, "time.get", "ts");
  EXPECT_NE(m.find("holds a timestamp value, not time"), std::string::npos) << m;
  Ok("time.set", "tm", Time{});
  m = Fails(Code::kTypeMismatch, "timestamp.get", "tm");
  EXPECT_NE(m.find("holds a time value, not timestamp"), std::string::npos) << m;
  Ok("time.set", "ts", "2024-02-29T00:00:00Z");  // set replaces a value of any type
  EXPECT_EQ(Ok("time.day", "ts"), Value(29));
}

TOWER_COMMAND_TEST_BACKENDS(TimeTest);

}  // namespace
}  // namespace tower
