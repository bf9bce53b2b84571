// float commands through Db::call, on every backend.
#include <cmath>
#include <limits>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class FloatTest : public CommandTest {
 protected:
  double Get(const char* key) {
    Value v = Ok("float.get", key);
    EXPECT_EQ(v.type(), Value::Type::kFloat) << v.ToString();
    return v.type() == Value::Type::kFloat ? v.as_float() : 0.0;
  }
};

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST_P(FloatTest, EveryOperation) {
  EXPECT_TRUE(Ok("float.set", "f", 1.5).is_null());
  EXPECT_EQ(Ok("float.get", "f"), Value(1.5));
  EXPECT_EQ(Ok("float.add", "f", 2.25), Value(3.75));
  EXPECT_EQ(Ok("float.sub", "f", 0.75), Value(3.0));
  EXPECT_EQ(Ok("float.mul", "f", -2.0), Value(-6.0));
  EXPECT_EQ(Ok("float.div", "f", 4.0), Value(-1.5));
  EXPECT_EQ(Ok("float.abs", "f"), Value(1.5));
  EXPECT_EQ(Ok("float.neg", "f"), Value(-1.5));
  EXPECT_EQ(Ok("float.swap", "f", 10.0), Value(-1.5));
  EXPECT_EQ(Ok("float.get", "f"), Value(10.0));
  EXPECT_EQ(Ok("float.compare", "f", 5.0), Value(1));
  EXPECT_EQ(Ok("float.compare", "f", 10.0), Value(0));
  EXPECT_EQ(Ok("float.compare", "f", 11.0), Value(-1));
  EXPECT_EQ(Ok("float.set_if_greater", "f", 9.0), Value(false));
  EXPECT_EQ(Ok("float.set_if_greater", "f", 12.0), Value(true));
  EXPECT_EQ(Ok("float.set_if_less", "f", 13.0), Value(false));
  EXPECT_EQ(Ok("float.set_if_less", "f", 2.0), Value(true));
  EXPECT_EQ(Ok("float.get", "f"), Value(2.0));
  EXPECT_EQ(Ok("float.set_if_equal", "f", 3.0, 4.0), Value(false));
  EXPECT_EQ(Ok("float.set_if_equal", "f", 2.0, 4.0), Value(true));
  EXPECT_EQ(Ok("float.get", "f"), Value(4.0));
  EXPECT_EQ(Ok("float.clamp", "f", 5.0, 6.0), Value(5.0));
  EXPECT_EQ(Ok("float.clamp", "f", 1.0, 2.0), Value(2.0));
  EXPECT_EQ(Ok("float.clamp", "f", 0.0, 3.0), Value(2.0));
  EXPECT_EQ(Ok("float.min", "f", 7.0), Value(2.0));
  EXPECT_EQ(Ok("float.min", "f", -7.0), Value(-7.0));
  EXPECT_EQ(Ok("float.max", "f", -8.0), Value(-7.0));
  EXPECT_EQ(Ok("float.max", "f", 8.5), Value(8.5));
  EXPECT_EQ(Ok("float.get", "f"), Value(8.5));
  // Non-integral values round-trip exactly.
  Ok("float.set", "g", 0.1);
  EXPECT_EQ(Ok("float.add", "g", 0.2), Value(0.1 + 0.2));
  Ok("float.set", "g", std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(Get("g"), std::numeric_limits<double>::denorm_min());
  Ok("float.set", "g", std::numeric_limits<double>::max());
  EXPECT_EQ(Get("g"), std::numeric_limits<double>::max());
}

TEST_P(FloatTest, NegativeZero) {
  Ok("float.set", "z", -0.0);
  double z = Get("z");
  EXPECT_EQ(z, 0.0);
  EXPECT_TRUE(std::signbit(z));  // the sign bit is stored
  EXPECT_EQ(Ok("float.compare", "z", 0.0), Value(0));
  EXPECT_EQ(Ok("float.set_if_less", "z", 0.0), Value(false));
  EXPECT_EQ(Ok("float.set_if_greater", "z", 0.0), Value(false));
  EXPECT_TRUE(std::signbit(Get("z")));
  // min/max order the zeros.
  EXPECT_FALSE(std::signbit(Ok("float.max", "z", 0.0).as_float()));
  EXPECT_TRUE(std::signbit(Ok("float.min", "z", -0.0).as_float()));
  EXPECT_FALSE(std::signbit(Ok("float.abs", "z").as_float()));
  EXPECT_TRUE(std::signbit(Ok("float.neg", "z").as_float()));
  EXPECT_FALSE(std::signbit(Ok("float.neg", "z").as_float()));
  EXPECT_TRUE(std::signbit(Ok("float.mul", "z", -1.0).as_float()));
  // IEEE ==: -0.0 equals +0.0 for compare-and-swap.
  EXPECT_EQ(Ok("float.set_if_equal", "z", 0.0, 1.0), Value(true));
  EXPECT_EQ(Get("z"), 1.0);
  // Division by either zero is refused.
  std::string m = Fails(Code::kInvalidArgument, "float.div", "z", -0.0);
  EXPECT_NE(m.find("division by zero"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "float.div", "z", 0.0);
  EXPECT_EQ(Get("z"), 1.0);
}

TEST_P(FloatTest, Infinities) {
  Ok("float.set", "i", kInf);
  EXPECT_EQ(Get("i"), kInf);
  EXPECT_EQ(Ok("float.add", "i", 1.0), Value(kInf));  // a non-finite operand: IEEE
  EXPECT_EQ(Ok("float.compare", "i", std::numeric_limits<double>::max()), Value(1));
  EXPECT_EQ(Ok("float.compare", "i", kInf), Value(0));
  EXPECT_EQ(Ok("float.neg", "i"), Value(-kInf));
  EXPECT_EQ(Ok("float.compare", "i", -1e308), Value(-1));
  EXPECT_EQ(Ok("float.abs", "i"), Value(kInf));
  EXPECT_EQ(Ok("float.clamp", "i", -kInf, 5.0), Value(5.0));
  Ok("float.set", "i", kInf);
  EXPECT_EQ(Ok("float.div", "i", -2.0), Value(-kInf));
  EXPECT_EQ(Ok("float.set_if_greater", "i", -1e300), Value(true));
  Ok("float.set", "i", 5.0);
  EXPECT_EQ(Ok("float.div", "i", kInf), Value(0.0));
  // inf - inf is NaN (IEEE; an operand is infinite, so no Overflow).
  Ok("float.set", "i", kInf);
  EXPECT_TRUE(std::isnan(Ok("float.sub", "i", kInf).as_float()));
  EXPECT_TRUE(std::isnan(Get("i")));
}

TEST_P(FloatTest, OverflowLeavesValueUnchanged) {
  Ok("float.set", "f", 1e308);
  std::string m = Fails(Code::kOverflow, "float.mul", "f", 10.0);
  EXPECT_NE(m.find("overflows"), std::string::npos) << m;
  EXPECT_EQ(Get("f"), 1e308);
  Fails(Code::kOverflow, "float.add", "f", std::numeric_limits<double>::max());
  Fails(Code::kOverflow, "float.div", "f", 1e-308);
  Ok("float.set", "f", -1e308);
  Fails(Code::kOverflow, "float.sub", "f", 1e308);
  EXPECT_EQ(Get("f"), -1e308);
}

TEST_P(FloatTest, NaN) {
  Ok("float.set", "n", kNaN);  // allowed, stored as is
  EXPECT_TRUE(std::isnan(Get("n")));
  std::string m = Fails(Code::kInvalidArgument, "float.compare", "n", 1.0);
  EXPECT_NE(m.find("NaN is unordered"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "float.set_if_greater", "n", 1.0);
  Fails(Code::kInvalidArgument, "float.set_if_less", "n", 1.0);
  // NaN never equals anything, not even NaN.
  EXPECT_EQ(Ok("float.set_if_equal", "n", kNaN, 1.0), Value(false));
  EXPECT_TRUE(std::isnan(Ok("float.add", "n", 1.0).as_float()));
  EXPECT_TRUE(std::isnan(Ok("float.neg", "n").as_float()));
  EXPECT_TRUE(std::isnan(Ok("float.abs", "n").as_float()));
  EXPECT_TRUE(std::isnan(Ok("float.clamp", "n", 0.0, 1.0).as_float()));
  EXPECT_EQ(Ok("float.min", "n", 3.0), Value(3.0));  // NaN operands are ignored
  EXPECT_EQ(Ok("float.max", "n", kNaN), Value(3.0));
  EXPECT_EQ(Ok("float.swap", "n", kNaN), Value(3.0));
  EXPECT_TRUE(std::isnan(Get("n")));

  Ok("float.set", "f", 1.0);
  m = Fails(Code::kInvalidArgument, "float.compare", "f", kNaN);
  EXPECT_NE(m.find("NaN is unordered"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "float.set_if_greater", "f", kNaN);
  Fails(Code::kInvalidArgument, "float.set_if_less", "f", kNaN);
  Fails(Code::kInvalidArgument, "float.clamp", "f", kNaN, 1.0);
  Fails(Code::kInvalidArgument, "float.clamp", "f", 0.0, kNaN);
  EXPECT_EQ(Ok("float.set_if_equal", "f", 1.0, kNaN), Value(true));  // NEW may be NaN
  EXPECT_TRUE(std::isnan(Get("f")));
}

TEST_P(FloatTest, ErrorPaths) {
  Fails(Code::kNotFound, "float.get", "missing");
  Fails(Code::kNotFound, "float.add", "missing", 1.0);
  Fails(Code::kNotFound, "float.neg", "missing");
  Fails(Code::kNotFound, "float.compare", "missing", 1.0);
  Fails(Code::kNotFound, "float.set_if_equal", "missing", 1.0, 2.0);
  Ok("float.set", "f", 2.0);
  std::string m = Fails(Code::kInvalidArgument, "float.add", "f", 1);
  EXPECT_NE(m.find("argument 2 must be float, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "float.set", "f", "1.0");
  EXPECT_NE(m.find("argument 2 must be float, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "float.set_if_equal", "f", 2.0, true);
  EXPECT_NE(m.find("argument 3 must be float, got bool"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "float.clamp", "f", 3.0, 1.0);
  EXPECT_NE(m.find("MIN"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "float.add", "f");
  EXPECT_NE(m.find("usage: float.add KEY X:float"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "float.get", "f", 1.0);
  Fails(Code::kInvalidArgument, "float.clamp", "f", 1.0);
  m = Fails(Code::kInvalidArgument, "float.div", "f", 0.0);
  EXPECT_NE(m.find("division by zero"), std::string::npos) << m;
  EXPECT_EQ(Get("f"), 2.0);  // nothing changed
}

TEST_P(FloatTest, TypeMismatch) {
  Ok("int.set", "n", 5);
  std::string m = Fails(Code::kTypeMismatch, "float.add", "n", 1.0);
  EXPECT_NE(m.find("holds a int value, not float"), std::string::npos) << m;
  Ok("float.set", "f", 1.0);
  Fails(Code::kTypeMismatch, "int.get", "f");
  Ok("float.set", "n", 2.5);  // set replaces a value of any type
  EXPECT_EQ(Get("n"), 2.5);
}

TOWER_COMMAND_TEST_BACKENDS(FloatTest);

}  // namespace
}  // namespace tower
