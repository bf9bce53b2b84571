// decimal commands through Db::call, on every backend, with a randomized
// model test against exact rational arithmetic.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "fixture.hpp"

namespace tower {
namespace {

using boost::multiprecision::cpp_rational;
using testing_support::CommandTest;

class DecimalTest : public CommandTest {
 protected:
  void ReopenWithLimit(int64_t bytes) {
    db_.reset();
    Options o = GetParam() == "memory" ? Options::InMemory("memory")
                                       : Options::OnDisk(dir_ + "/small", GetParam());
    o.max_number_size = Size::FromBytes(bytes);
    auto d = Db::open(o);
    ASSERT_TRUE(d.ok()) << d.status();
    db_ = std::move(*d);
  }
};

Value DS(const char* coefficient, int32_t scale) {
  return Value(Decimal{BigInt(coefficient), scale});
}
Value D(int64_t coefficient, int32_t scale) { return Value(Decimal{BigInt(coefficient), scale}); }

TEST_P(DecimalTest, EveryOperation) {
  EXPECT_TRUE(Ok("decimal.set", "d", D(1999, 2)).is_null());
  EXPECT_EQ(Ok("decimal.get", "d"), D(1999, 2));
  EXPECT_EQ(Ok("decimal.to_text", "d"), Value("19.99"));
  EXPECT_EQ(Ok("decimal.add", "d", D(1, 3)), D(19991, 3));  // scale: the larger
  EXPECT_EQ(Ok("decimal.sub", "d", D(20, 0)), D(-9, 3));    // 19.991 - 20
  EXPECT_EQ(Ok("decimal.to_text", "d"), Value("-0.009"));
  EXPECT_EQ(Ok("decimal.mul", "d", D(-25, 1)), D(225, 4));   // scale: the sum
  EXPECT_EQ(Ok("decimal.div", "d", D(3, 0), 5), D(750, 5));  // 0.0225 / 3 = 0.0075
  EXPECT_EQ(Ok("decimal.div", "d", D(7, 0), 3), D(1, 3));    // 0.001071... -> 0.001
  EXPECT_EQ(Ok("decimal.cmp", "d", D(1, 3)), Value(0));
  EXPECT_EQ(Ok("decimal.cmp", "d", D(10, 4)), Value(0));  // 0.0010 == 0.001
  EXPECT_EQ(Ok("decimal.cmp", "d", D(2, 3)), Value(-1));
  EXPECT_EQ(Ok("decimal.cmp", "d", D(-5, 0)), Value(1));
  EXPECT_EQ(Ok("decimal.get_as_float", "d"), Value(0.001));
  EXPECT_EQ(Ok("decimal.from_text", "d", "-0.05"), D(-5, 2));
  EXPECT_EQ(Ok("decimal.to_text", "d"), Value("-0.05"));
  EXPECT_EQ(Ok("decimal.set_from_float", "d", 2.5, 0), D(2, 0));
  EXPECT_EQ(Ok("decimal.get", "d"), D(2, 0));
  // Text forms.
  Ok("decimal.set", "t", "19.99");
  EXPECT_EQ(Ok("decimal.get", "t"), D(1999, 2));
  Ok("decimal.set", "t", "-0.5");
  EXPECT_EQ(Ok("decimal.get", "t"), D(-5, 1));
  Ok("decimal.set", "t", "+12");
  EXPECT_EQ(Ok("decimal.get", "t"), D(12, 0));
  Ok("decimal.set", "t", ".25");
  EXPECT_EQ(Ok("decimal.get", "t"), D(25, 2));
  Ok("decimal.set", "t", D(0, 0));
  EXPECT_EQ(Ok("decimal.to_text", "t"), Value("0"));
  Ok("decimal.set", "t", D(0, 2));
  EXPECT_EQ(Ok("decimal.to_text", "t"), Value("0.00"));
  Ok("decimal.set", "t", D(-15, -2));  // negative scale: -15 × 10^2
  EXPECT_EQ(Ok("decimal.to_text", "t"), Value("-1500"));
  EXPECT_EQ(Ok("decimal.cmp", "t", D(-1500, 0)), Value(0));
  EXPECT_EQ(Ok("decimal.get_as_float", "t"), Value(-1500.0));
  EXPECT_EQ(Ok("decimal.from_text", "t", "-0"), D(0, 0));  // no negative zero
  EXPECT_EQ(Ok("decimal.to_text", "t"), Value("0"));
}

TEST_P(DecimalTest, BankersRounding) {
  // Division: ties go to the even neighbour.
  Ok("decimal.set", "d", "2.5");
  EXPECT_EQ(Ok("decimal.div", "d", D(1, 0), 0), D(2, 0));
  Ok("decimal.set", "d", "3.5");
  EXPECT_EQ(Ok("decimal.div", "d", D(1, 0), 0), D(4, 0));
  Ok("decimal.set", "d", "-2.5");
  EXPECT_EQ(Ok("decimal.div", "d", D(1, 0), 0), D(-2, 0));
  Ok("decimal.set", "d", "-3.5");
  EXPECT_EQ(Ok("decimal.div", "d", D(1, 0), 0), D(-4, 0));
  Ok("decimal.set", "d", "2.51");
  EXPECT_EQ(Ok("decimal.div", "d", D(1, 0), 0), D(3, 0));
  Ok("decimal.set", "d", "1");
  EXPECT_EQ(Ok("decimal.div", "d", D(3, 0), 4), D(3333, 4));
  Ok("decimal.set", "d", "2");
  EXPECT_EQ(Ok("decimal.div", "d", D(3, 0), 4), D(6667, 4));
  Ok("decimal.set", "d", "-2");
  EXPECT_EQ(Ok("decimal.div", "d", D(-3, 0), 2), D(67, 2));
  Ok("decimal.set", "d", "1");
  EXPECT_EQ(Ok("decimal.div", "d", D(8, 0), 2), D(12, 2));  // 0.125 -> 0.12
  // set_from_float rounds the double's exact binary value.
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 0.125, 2), D(12, 2));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 0.375, 2), D(38, 2));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 2.675, 2), D(267, 2));  // 2.67499999...
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 1.005, 2), D(100, 2));  // 1.00499999...
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 0.1, 1), D(1, 1));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", -0.5, 0), D(0, 0));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", -1.5, 0), D(-2, 0));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 0.0, 3), D(0, 3));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 1e20, 0), DS("100000000000000000000", 0));
  // 0.1 exactly is 0.1000000000000000055511151231257827021181583404541015625.
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 0.1, 55),
            DS("1000000000000000055511151231257827021181583404541015625", 55));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", 0.1, 54),
            DS("100000000000000005551115123125782702118158340454101562", 54));
  // The smallest subnormal survives at scale 1000 and rounds to 0 below it.
  Value tiny = Ok("decimal.set_from_float", "f", std::numeric_limits<double>::denorm_min(), 1000);
  EXPECT_NE(tiny.as_decimal().coefficient, 0);
  EXPECT_EQ(Ok("decimal.get_as_float", "f"), Value(std::numeric_limits<double>::denorm_min()));
  EXPECT_EQ(Ok("decimal.set_from_float", "f", std::numeric_limits<double>::denorm_min(), 300),
            D(0, 300));
}

TEST_P(DecimalTest, FloatRoundTrips) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> bits;
  for (int i = 0; i < 200; ++i) {
    double f;
    uint64_t b = bits(rng);
    std::memcpy(&f, &b, 8);
    if (!std::isfinite(f)) continue;
    // 1000 places are far finer than half an ulp of any double (>= 2^-1075).
    Ok("decimal.set_from_float", "f", f, 1000);
    EXPECT_EQ(Ok("decimal.get_as_float", "f"), Value(f)) << f;
  }
  // Correct rounding of text that is not a double.
  for (const char* t : {"0.1", "0.3", "1.7976931348623157e308", "123456789.123456789",
                        "2.2250738585072011e-308", "4.9406564584124654e-324", "9007199254740993"}) {
    std::string s = t;
    // Expand an exponent into plain decimal text for from_text.
    size_t e = s.find('e');
    if (e != std::string::npos) {
      int exp = std::stoi(s.substr(e + 1));
      std::string mant = s.substr(0, e);
      size_t dot = mant.find('.');
      std::string digits = mant.substr(0, dot) + mant.substr(dot + 1);
      int frac = static_cast<int>(mant.size() - dot - 1) - exp;
      Ok("decimal.set", "x", Value(Decimal{BigInt(digits), frac}));
    } else {
      Ok("decimal.from_text", "x", s);
    }
    EXPECT_EQ(Ok("decimal.get_as_float", "x"), Value(std::strtod(t, nullptr))) << t;
  }
  // Ties in get_as_float go to even: 2^53 + 1 is halfway between 2^53 and 2^53 + 2.
  Ok("decimal.set", "x", "9007199254740993");
  EXPECT_EQ(Ok("decimal.get_as_float", "x"), Value(9007199254740992.0));
  Ok("decimal.set", "x", "9007199254740995");
  EXPECT_EQ(Ok("decimal.get_as_float", "x"), Value(9007199254740996.0));
  Ok("decimal.set", "x", "-9007199254740993.0000000001");
  EXPECT_EQ(Ok("decimal.get_as_float", "x"), Value(-9007199254740994.0));
  // Out of range: Overflow; far below the range: 0.
  Ok("decimal.set", "x", D(2, -308));
  EXPECT_EQ(Fails(Code::kOverflow, "decimal.get_as_float", "x").find("range of a float") !=
                std::string::npos,
            true);
  Ok("decimal.set", "x", D(1, 400));
  EXPECT_EQ(Ok("decimal.get_as_float", "x"), Value(0.0));
  Ok("decimal.set", "x", D(1, 2147483647));
  EXPECT_EQ(Ok("decimal.get_as_float", "x"), Value(0.0));
  Ok("decimal.set", "x", D(1, -2147483647 - 1));
  Fails(Code::kOverflow, "decimal.get_as_float", "x");
}

TEST_P(DecimalTest, ExtremeScales) {
  // Comparisons across enormous scale differences do not build 10^2^31.
  Ok("decimal.set", "d", D(1, 2147483647));
  EXPECT_EQ(Ok("decimal.cmp", "d", D(1, -2147483647 - 1)), Value(-1));
  EXPECT_EQ(Ok("decimal.cmp", "d", D(0, 0)), Value(1));
  EXPECT_EQ(Ok("decimal.cmp", "d", D(-1, 0)), Value(1));
  // Aligning for add would need a 2^31-digit number: Overflow, nothing stored.
  Fails(Code::kOverflow, "decimal.add", "d", D(1, 0));
  Fails(Code::kOverflow, "decimal.to_text", "d");
  EXPECT_EQ(Ok("decimal.get", "d"), D(1, 2147483647));
  // The scale of a product must stay within int32.
  std::string m = Fails(Code::kOverflow, "decimal.mul", "d", D(1, 1));
  EXPECT_NE(m.find("int32"), std::string::npos) << m;
  // Dividing by a huge number at a small result scale is 0, quickly.
  Ok("decimal.set", "q", D(7, 0));
  EXPECT_EQ(Ok("decimal.div", "q", D(1, -2147483647 - 1), 1000), D(0, 1000));
  Ok("decimal.set", "q", D(7, 0));
  Fails(Code::kOverflow, "decimal.div", "q", D(1, 2147483647), 0);
  EXPECT_EQ(Ok("decimal.get", "q"), D(7, 0));
  // Adding zero at a far scale is fine (zero needs no digits).
  Ok("decimal.set", "z", D(0, -2147483647 - 1));
  EXPECT_EQ(Ok("decimal.add", "z", D(5, 2147483647)), D(5, 2147483647));
}

TEST_P(DecimalTest, BigValues) {
  BigInt p = BigInt(1) << 4096;
  Ok("decimal.set", "d", Value(Decimal{p, 10}));
  EXPECT_EQ(Ok("decimal.mul", "d", Value(Decimal{p, 5})), Value(Decimal{p * p, 15}));
  EXPECT_EQ(Ok("decimal.div", "d", Value(Decimal{p, 10}), 5), Value(Decimal{p, 5}));
  EXPECT_EQ(Ok("decimal.sub", "d", Value(Decimal{p, 5})), D(0, 5));
  Ok("decimal.set", "d", Value(Decimal{p, 0}));
  EXPECT_EQ(Ok("decimal.to_text", "d"), Value(p.str()));
  EXPECT_EQ(Ok("decimal.cmp", "d", Value(Decimal{p * 10, 1})), Value(0));
  EXPECT_EQ(Ok("decimal.cmp", "d", Value(Decimal{p * 10 + 1, 1})), Value(-1));
}

TEST_P(DecimalTest, SizeLimitIsOverflowAndChangesNothing) {
  ReopenWithLimit(33);
  BigInt max = (BigInt(1) << 256) - 1;
  Ok("decimal.set", "d", Value(Decimal{max, 2}));
  std::string m = Fails(Code::kOverflow, "decimal.add", "d", D(1, 2));
  EXPECT_NE(m.find("limit of 33 bytes"), std::string::npos) << m;
  Fails(Code::kOverflow, "decimal.mul", "d", D(2, 0));
  Fails(Code::kOverflow, "decimal.mul", "d", Value(Decimal{max, 0}));
  Fails(Code::kOverflow, "decimal.add", "d", D(1, 3));  // aligning to scale 3
  Fails(Code::kOverflow, "decimal.div", "d", D(1, 0), 3);
  Fails(Code::kOverflow, "decimal.set", "d", Value(Decimal{max + 1, 0}));
  Fails(Code::kOverflow, "decimal.set", "d", "1" + std::string(100, '0'));
  Fails(Code::kOverflow, "decimal.from_text", "d", std::string(1000000, '7') + ".5");
  Fails(Code::kOverflow, "decimal.set_from_float", "d", 1e300, 0);
  EXPECT_EQ(Ok("decimal.get", "d"), Value(Decimal{max, 2}));
  EXPECT_EQ(Ok("decimal.div", "d", D(1, 0), 1), Value(Decimal{max / 10 + 1, 1}));  // ...5 -> even
}

TEST_P(DecimalTest, ErrorPaths) {
  Fails(Code::kNotFound, "decimal.get", "missing");
  Fails(Code::kNotFound, "decimal.add", "missing", D(1, 0));
  Fails(Code::kNotFound, "decimal.div", "missing", D(1, 0), 2);
  Fails(Code::kNotFound, "decimal.to_text", "missing");
  Fails(Code::kNotFound, "decimal.get_as_float", "missing");
  Fails(Code::kNotFound, "decimal.cmp", "missing", D(1, 0));
  Ok("decimal.set", "d", "1.5");
  std::string m = Fails(Code::kInvalidArgument, "decimal.div", "d", D(0, 3), 2);
  EXPECT_NE(m.find("division by zero"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "decimal.div", "d", D(1, 0), 1001);
  EXPECT_NE(m.find("outside 0..1000"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "decimal.div", "d", D(1, 0), -1);
  m = Fails(Code::kInvalidArgument, "decimal.div", "d", D(1, 0), "2");
  EXPECT_NE(m.find("argument 3 must be int, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "decimal.add", "d", "1.5");
  EXPECT_NE(m.find("argument 2 must be decimal, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "decimal.set", "d", 15);
  EXPECT_NE(m.find("argument 2 must be decimal or string, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "decimal.set", "d", "1.2.3");
  EXPECT_NE(m.find("'1.2.3'"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "decimal.set", "d", "");
  Fails(Code::kInvalidArgument, "decimal.set", "d", ".");
  Fails(Code::kInvalidArgument, "decimal.set", "d", "1e5");
  m = Fails(Code::kInvalidArgument, "decimal.from_text", "d", "abc");
  EXPECT_NE(m.find("'abc'"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "decimal.set_from_float", "d",
            std::numeric_limits<double>::quiet_NaN(), 2);
  EXPECT_NE(m.find("NaN"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "decimal.set_from_float", "d",
        std::numeric_limits<double>::infinity(), 2);
  Fails(Code::kInvalidArgument, "decimal.set_from_float", "d", 1.5, 1001);
  m = Fails(Code::kInvalidArgument, "decimal.set_from_float", "d", 1, 2);
  EXPECT_NE(m.find("argument 2 must be float, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "decimal.div", "d", D(1, 0));
  EXPECT_NE(m.find("usage: decimal.div KEY X:decimal RESULT_SCALE:int"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "decimal.get", "d", 1);
  EXPECT_EQ(Ok("decimal.get", "d"), D(15, 1));  // nothing changed
}

TEST_P(DecimalTest, TypeMismatch) {
  Ok("string.set", "s", "1.5");
  std::string m = Fails(Code::kTypeMismatch, "decimal.add", "s", D(1, 0));
  EXPECT_NE(m.find("holds a string value, not decimal"), std::string::npos) << m;
  Ok("decimal.set", "d", "1.5");
  m = Fails(Code::kTypeMismatch, "bigint.get", "d");
  EXPECT_NE(m.find("holds a decimal value, not bigint"), std::string::npos) << m;
}

// --- randomized model test ----------------------------------------------------

struct Ref {
  BigInt c;
  int32_t s;
};
cpp_rational Rat(const Ref& d) {
  cpp_rational r(d.c);
  BigInt p = boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(d.s));
  return r / cpp_rational(p);
}
// Round half to even of a rational to an integer, by floor and the fraction.
BigInt RoundRat(const cpp_rational& x) {
  BigInt n = numerator(x), d = denominator(x);  // d > 0
  BigInt fl = n / d;
  if (n % d != 0 && n < 0) fl -= 1;  // floor
  cpp_rational frac = x - cpp_rational(fl);
  cpp_rational half(1, 2);
  if (frac > half || (frac == half && fl % 2 != 0)) return fl + 1;
  return fl;
}

TEST_P(DecimalTest, RandomizedModelAgainstRationals) {
  std::mt19937_64 rng(20240601);
  auto rand_dec = [&] {
    int digits = std::uniform_int_distribution<int>(1, 30)(rng);
    std::string s;
    // No leading zero: cpp_int reads "0..." as octal.
    s.push_back(static_cast<char>('1' + rng() % 9));
    for (int i = 1; i < digits; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
    Ref r{BigInt(s), std::uniform_int_distribution<int32_t>(0, 12)(rng)};
    if (rng() % 2) r.c = -r.c;
    if (rng() % 20 == 0) r.c = 0;
    return r;
  };
  Ref cur = rand_dec();
  Ok("decimal.set", "m", Value(Decimal{cur.c, cur.s}));
  for (int i = 0; i < 2000; ++i) {
    Ref x = rand_dec();
    Value xv(Decimal{x.c, x.s});
    int op = static_cast<int>(rng() % 4);
    Ref want{};
    Value got;
    if (op == 0 || op == 1) {
      want.s = std::max(cur.s, x.s);
      cpp_rational r = op == 0 ? Rat(cur) + Rat(x) : Rat(cur) - Rat(x);
      cpp_rational scaled =
          r * cpp_rational(boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(want.s)));
      ASSERT_EQ(denominator(scaled), 1);
      want.c = numerator(scaled);
      got = Ok(op == 0 ? "decimal.add" : "decimal.sub", "m", xv);
    } else if (op == 2) {
      want.s = cur.s + x.s;
      want.c = cur.c * x.c;
      got = Ok("decimal.mul", "m", xv);
    } else {
      if (x.c == 0) {
        Fails(Code::kInvalidArgument, "decimal.div", "m", xv, 3);
        continue;
      }
      want.s = std::uniform_int_distribution<int32_t>(0, 20)(rng);
      cpp_rational q =
          Rat(cur) / Rat(x) *
          cpp_rational(boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(want.s)));
      want.c = RoundRat(q);
      got = Ok("decimal.div", "m", xv, want.s);
    }
    ASSERT_EQ(got, Value(Decimal{want.c, want.s}))
        << "op " << op << " step " << i << ": " << Decimal{cur.c, cur.s}.ToString() << " with "
        << Decimal{x.c, x.s}.ToString() << " got " << got.ToString();
    // cmp agrees with the rationals.
    int want_cmp = Rat(want) < Rat(x) ? -1 : (Rat(want) > Rat(x) ? 1 : 0);
    ASSERT_EQ(Ok("decimal.cmp", "m", xv), Value(want_cmp));
    cur = want;
    // Keep the numbers from growing without bound.
    if (cur.s > 40 || (cur.c != 0 && msb(boost::multiprecision::abs(cur.c)) > 300)) {
      cur = rand_dec();
      Ok("decimal.set", "m", Value(Decimal{cur.c, cur.s}));
    }
  }
  EXPECT_EQ(Ok("decimal.get", "m"), Value(Decimal{cur.c, cur.s}));
}

TOWER_COMMAND_TEST_BACKENDS(DecimalTest);

}  // namespace
}  // namespace tower
