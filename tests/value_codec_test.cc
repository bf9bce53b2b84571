// tower/sdk/value_codec.hpp: every primitive round-trips exactly, equal
// encodings mean equal values, numbers of one type sort numerically, and
// damaged encodings are Corruption, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tower/sdk/value_codec.hpp"
#include "tower/value.hpp"

namespace tower {
namespace {

std::string Encode(const Value& v) {
  std::string scratch, out;
  tower_value abi = ToAbiValue(v, &scratch);
  EXPECT_TRUE(sdk::encode_value(abi, &out).ok()) << v;
  return out;
}

Value Decode(const std::string& bytes) {
  tower_value abi;
  sdk::Error e = sdk::decode_value(bytes, &abi);
  EXPECT_TRUE(e.ok()) << e.message;
  auto v = FromAbiValue(abi);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : Value();
}

TEST(ValueCodec, EveryPrimitiveRoundTrips) {
  Time t;
  t.seconds = 1700000000;
  t.nanos = 123456789;
  t.offset_seconds = -5 * 3600;
  const std::vector<Value> values = {
      Value(),
      Value("text"),
      Value(std::string("\0\xff", 2)),
      Value(int64_t{-42}),
      Value(std::numeric_limits<int64_t>::min()),
      Value(1.5),
      Value(-0.0),
      Value(true),
      Value(Binary{"\x01\x02"}),
      Value(Timestamp{-5}),
      Value(Duration{90}),
      Value(*Uuid::Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")),
      Value(BigInt("-123456789012345678901234567890")),
      Value(*Decimal::Parse("-19.99")),
      Value(t),
  };
  for (const auto& v : values) {
    Value back = Decode(Encode(v));
    EXPECT_EQ(back, v) << v;
    if (v.type() == Value::Type::kFloat) {
      EXPECT_EQ(std::signbit(back.as_float()), std::signbit(v.as_float()));
    }
  }
  Value nan = Decode(Encode(Value(std::nan(""))));
  EXPECT_TRUE(std::isnan(nan.as_float()));
}

TEST(ValueCodec, TypesNeverShareAnEncoding) {
  EXPECT_NE(Encode(Value(int64_t{42})), Encode(Value("42")));
  EXPECT_NE(Encode(Value("ab")), Encode(Value(Binary{"ab"})));
  EXPECT_NE(Encode(Value(Timestamp{1})), Encode(Value(Duration{1})));
}

TEST(ValueCodec, NumbersOfOneTypeSortNumerically) {
  const std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(), -5, -1, 0, 1, 7,
                                     std::numeric_limits<int64_t>::max()};
  for (size_t i = 1; i < ints.size(); ++i)
    EXPECT_LT(Encode(Value(ints[i - 1])), Encode(Value(ints[i])));
  const std::vector<double> floats = {-INFINITY, -2.5, -0.0, 0.0, 1e-300, 3.0, INFINITY};
  for (size_t i = 1; i < floats.size(); ++i)
    EXPECT_LT(Encode(Value(floats[i - 1])), Encode(Value(floats[i])));
}

TEST(ValueCodec, DamagedEncodingsAreCorruption) {
  for (std::string bad : {std::string(), std::string(1, '\x02'), std::string("\x02\x00", 2),
                          std::string("\x04\x07", 2), std::string("\x08\x01", 2),
                          std::string("\x63"), std::string("\x00x", 2)}) {
    tower_value v;
    EXPECT_EQ(sdk::decode_value(bad, &v).code, TOWER_E_CORRUPTION) << bad.size();
  }
  tower_value array{};
  array.type = TOWER_VALUE_ARRAY;
  std::string out;
  EXPECT_EQ(sdk::encode_value(array, &out).code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace tower
