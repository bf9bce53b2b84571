// bigint commands through Db::call, on every backend.
#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class BigIntTest : public CommandTest {
 protected:
  // Reopens the database (a fresh one) with a small number-size limit.
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

BigInt Big(const char* s) { return BigInt(s); }

TEST_P(BigIntTest, EveryOperation) {
  EXPECT_TRUE(Ok("bigint.set", "n", Big("123456789012345678901234567890")).is_null());
  EXPECT_EQ(Ok("bigint.get", "n"), Value(Big("123456789012345678901234567890")));
  EXPECT_EQ(Ok("bigint.add", "n", 10), Value(Big("123456789012345678901234567900")));
  EXPECT_EQ(Ok("bigint.sub", "n", Big("123456789012345678901234567800")), Value(BigInt(100)));
  EXPECT_EQ(Ok("bigint.mul", "n", Big("-100000000000000000000")),
            Value(Big("-10000000000000000000000")));
  EXPECT_EQ(Ok("bigint.div", "n", 7), Value(Big("-1428571428571428571428")));  // toward zero
  EXPECT_EQ(Ok("bigint.mod", "n", 1000), Value(BigInt(-428)));  // sign of the dividend
  EXPECT_EQ(Ok("bigint.neg", "n"), Value(BigInt(428)));
  EXPECT_EQ(Ok("bigint.mod", "n", -100), Value(BigInt(28)));
  EXPECT_EQ(Ok("bigint.neg", "n"), Value(BigInt(-28)));
  EXPECT_EQ(Ok("bigint.abs", "n"), Value(BigInt(28)));
  EXPECT_EQ(Ok("bigint.cmp", "n", 27), Value(1));
  EXPECT_EQ(Ok("bigint.cmp", "n", BigInt(28)), Value(0));
  EXPECT_EQ(Ok("bigint.cmp", "n", Big("100000000000000000000000")), Value(-1));
  EXPECT_EQ(Ok("bigint.to_text", "n", 2), Value("11100"));
  EXPECT_EQ(Ok("bigint.to_text", "n", 16), Value("1c"));
  EXPECT_EQ(Ok("bigint.to_text", "n", 36), Value("s"));
  EXPECT_EQ(Ok("bigint.from_text", "n", "-ZZ", 36), Value(BigInt(-1295)));
  EXPECT_EQ(Ok("bigint.to_text", "n", 10), Value("-1295"));
  EXPECT_EQ(Ok("bigint.from_text", "n", "+ff", 16), Value(BigInt(255)));
  EXPECT_EQ(Ok("bigint.from_text", "fresh", "1010", 2), Value(BigInt(10)));
  EXPECT_EQ(Ok("bigint.get", "fresh"), Value(BigInt(10)));
  // int and string arguments to set.
  Ok("bigint.set", "i", 42);
  EXPECT_EQ(Ok("bigint.get", "i"), Value(BigInt(42)));
  Ok("bigint.set", "i", "-98765432109876543210");
  EXPECT_EQ(Ok("bigint.get", "i"), Value(Big("-98765432109876543210")));
  Ok("bigint.set", "i", "+7");
  EXPECT_EQ(Ok("bigint.get", "i"), Value(BigInt(7)));
  // Zero, and results that become zero (never negative zero).
  Ok("bigint.set", "z", BigInt(0));
  EXPECT_EQ(Ok("bigint.neg", "z"), Value(BigInt(0)));
  EXPECT_EQ(Ok("bigint.to_text", "z", 2), Value("0"));
  Ok("bigint.set", "z", -5);
  EXPECT_EQ(Ok("bigint.mod", "z", 5), Value(BigInt(0)));
  EXPECT_EQ(Ok("bigint.get", "z"), Value(BigInt(0)));
}

TEST_P(BigIntTest, TextInEveryBaseRoundTrips) {
  BigInt v = (BigInt(1) << 200) - 12345;
  v = -v;
  Ok("bigint.set", "n", v);
  for (int base = 2; base <= 36; ++base) {
    Value t = Ok("bigint.to_text", "n", base);
    ASSERT_EQ(t.type(), Value::Type::kString);
    EXPECT_EQ(t.as_string()[0], '-');
    EXPECT_EQ(t.as_string().find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos);
    EXPECT_EQ(Ok("bigint.from_text", "m", t.as_string(), base), Value(v)) << base;
  }
  EXPECT_EQ(Ok("bigint.to_text", "n", 10), Value(v.str()));
}

TEST_P(BigIntTest, BigValues) {
  BigInt p = BigInt(1) << 4096;
  Ok("bigint.set", "n", p);
  EXPECT_EQ(Ok("bigint.get", "n"), Value(p));
  EXPECT_EQ(Ok("bigint.mul", "n", p), Value(BigInt(p * p)));
  EXPECT_EQ(Ok("bigint.div", "n", p), Value(p));
  EXPECT_EQ(Ok("bigint.sub", "n", 1), Value(BigInt(p - 1)));
  std::string hex = Ok("bigint.to_text", "n", 16).as_string();
  EXPECT_EQ(hex, std::string(1024, 'f'));
  EXPECT_EQ(Ok("bigint.add", "n", 1), Value(p));
  EXPECT_EQ(Ok("bigint.mod", "n", BigInt(p - 1)), Value(BigInt(1)));
  EXPECT_EQ(Ok("bigint.to_text", "n", 10), Value("1"));
}

TEST_P(BigIntTest, SizeLimitIsOverflowAndChangesNothing) {
  ReopenWithLimit(33);  // sign byte + 32 bytes: up to 2^256 - 1
  BigInt max = (BigInt(1) << 256) - 1;
  Ok("bigint.set", "n", max);
  std::string m = Fails(Code::kOverflow, "bigint.add", "n", 1);
  EXPECT_NE(m.find("limit of 33 bytes"), std::string::npos) << m;
  EXPECT_EQ(Ok("bigint.get", "n"), Value(max));
  Fails(Code::kOverflow, "bigint.mul", "n", max);  // refused before multiplying
  Fails(Code::kOverflow, "bigint.mul", "n", 2);
  Fails(Code::kOverflow, "bigint.sub", "n", BigInt(-max));
  EXPECT_EQ(Ok("bigint.get", "n"), Value(max));
  EXPECT_EQ(Ok("bigint.sub", "n", 1), Value(BigInt(max - 1)));
  EXPECT_EQ(Ok("bigint.mul", "n", -1), Value(BigInt(1 - max)));  // the limit is on magnitude
}

TEST_P(BigIntTest, SizeLimitOnArgumentsAndText) {
  ReopenWithLimit(33);
  BigInt too_big = BigInt(1) << 256;  // 33 magnitude bytes
  Ok("bigint.set", "n", 5);
  std::string m = Fails(Code::kOverflow, "bigint.set", "n", too_big);
  EXPECT_NE(m.find("limit of 33 bytes"), std::string::npos) << m;
  Fails(Code::kOverflow, "bigint.add", "n", too_big);
  Fails(Code::kOverflow, "bigint.set", "n", too_big.str());
  Fails(Code::kOverflow, "bigint.from_text", "n", std::string(1000000, '9'), 10);  // early
  Fails(Code::kOverflow, "bigint.from_text", "n", "1" + std::string(256, '0'), 2);
  EXPECT_EQ(Ok("bigint.get", "n"), Value(BigInt(5)));
  EXPECT_EQ(Ok("bigint.from_text", "n", std::string(256, '1'), 2),
            Value(BigInt((BigInt(1) << 256) - 1)));
}

TEST_P(BigIntTest, DefaultLimitRefusesAHugeProduct) {
  // The default limit is 1 MiB; (2^(8×600000))^2 needs 1.2 MB.
  BigInt half = BigInt(1) << (8 * 600000);
  Ok("bigint.set", "n", half);
  std::string m = Fails(Code::kOverflow, "bigint.mul", "n", half);
  EXPECT_NE(m.find("limit of 1048576 bytes"), std::string::npos) << m;
  EXPECT_EQ(Ok("bigint.get", "n"), Value(half));
}

TEST_P(BigIntTest, ErrorPaths) {
  Fails(Code::kNotFound, "bigint.get", "missing");
  Fails(Code::kNotFound, "bigint.add", "missing", 1);
  Fails(Code::kNotFound, "bigint.neg", "missing");
  Fails(Code::kNotFound, "bigint.cmp", "missing", 1);
  Fails(Code::kNotFound, "bigint.to_text", "missing", 10);
  Ok("bigint.set", "n", 100);
  std::string m = Fails(Code::kInvalidArgument, "bigint.div", "n", 0);
  EXPECT_NE(m.find("division by zero"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bigint.mod", "n", BigInt(0));
  EXPECT_NE(m.find("modulo by zero"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bigint.add", "n", "5");
  EXPECT_NE(m.find("argument 2 must be bigint or int, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bigint.set", "n", 1.5);
  EXPECT_NE(m.find("argument 2 must be bigint or int or string, got float"), std::string::npos)
      << m;
  m = Fails(Code::kInvalidArgument, "bigint.set", "n", "12x");
  EXPECT_NE(m.find("'12x'"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "bigint.set", "n", "");
  Fails(Code::kInvalidArgument, "bigint.set", "n", "-");
  m = Fails(Code::kInvalidArgument, "bigint.from_text", "n", "129", 8);
  EXPECT_NE(m.find("'129'"), std::string::npos) << m;
  EXPECT_NE(m.find("base-8"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "bigint.from_text", "n", "1 2", 10);
  m = Fails(Code::kInvalidArgument, "bigint.from_text", "n", "10", 37);
  EXPECT_NE(m.find("outside 2..36"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "bigint.to_text", "n", 1);
  m = Fails(Code::kInvalidArgument, "bigint.to_text", "n", "16");
  EXPECT_NE(m.find("argument 2 must be int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bigint.from_text", "n", 5, 10);
  EXPECT_NE(m.find("argument 2 must be string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bigint.add", "n");
  EXPECT_NE(m.find("usage: bigint.add KEY X:bigint|int"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "bigint.neg", "n", 1);
  Fails(Code::kInvalidArgument, "bigint.cmp", "n", 1, 2);
  EXPECT_EQ(Ok("bigint.get", "n"), Value(BigInt(100)));  // nothing changed
}

TEST_P(BigIntTest, TypeMismatch) {
  Ok("int.set", "i", 5);
  std::string m = Fails(Code::kTypeMismatch, "bigint.add", "i", 1);
  EXPECT_NE(m.find("holds a int value, not bigint"), std::string::npos) << m;
  Ok("bigint.set", "b", 5);
  m = Fails(Code::kTypeMismatch, "decimal.get", "b");
  EXPECT_NE(m.find("holds a bigint value, not decimal"), std::string::npos) << m;
}

TOWER_COMMAND_TEST_BACKENDS(BigIntTest);

}  // namespace
}  // namespace tower
