// Type mismatches across every pair of scalar types: a key holding type A,
// read with type B's get, is TypeMismatch naming both — and is unchanged.
#include "fixture.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class MismatchTest : public CommandTest {};

struct Sample {
  const char* type;
  Value value;
};

std::vector<Sample> Samples() {
  Uuid u;
  u.bytes[6] = 0x40;
  u.bytes[8] = 0x80;
  return {{"string", Value("text")},
          {"int", Value(42)},
          {"float", Value(1.5)},
          {"bool", Value(true)},
          {"binary", Value(Binary{"\x01\x02"})},
          {"timestamp", Value(Timestamp{1000})},
          {"duration", Value(Duration{2000})},
          {"uuid", Value(u)},
          {"bigint", Value(BigInt("123456789012345678901234567890"))},
          {"decimal", Value(Decimal{BigInt(1999), 2})},
          {"time", Value(Time{0, 0, 3600})}};
}

TEST_P(MismatchTest, EveryPairOfTypes) {
  auto samples = Samples();
  for (const auto& a : samples) {
    std::string key = std::string("key-") + a.type;
    auto set = db_->call(std::string(a.type) + ".set", key, a.value);
    ASSERT_TRUE(set.ok()) << a.type << ": " << set.status();
  }
  for (const auto& a : samples) {
    std::string key = std::string("key-") + a.type;
    for (const auto& b : samples) {
      auto r = db_->call(std::string(b.type) + ".get", key);
      if (a.type == b.type) {
        ASSERT_TRUE(r.ok()) << a.type << ": " << r.status();
        EXPECT_EQ(*r, a.value) << a.type;
        continue;
      }
      ASSERT_EQ(r.status().code(), Code::kTypeMismatch) << a.type << " read as " << b.type;
      EXPECT_NE(
          r.status().message().find(std::string("holds a ") + a.type + " value, not " + b.type),
          std::string::npos)
          << r.status();
    }
  }
}

// A stored payload that is truncated or malformed reads as Corruption naming
// the key, never as a crash or a wrong value.
TEST_P(MismatchTest, CorruptPayloadsReadAsCorruption) {
  for (const auto& a : Samples()) {
    if (std::string(a.type) == "string" || std::string(a.type) == "binary") continue;  // any bytes
    std::string key = std::string("bad-") + a.type;
    ASSERT_TRUE(db_->call(std::string(a.type) + ".set", key, a.value).ok()) << a.type;
    uint8_t id = 0;
    for (const auto& t : db_->manifest().types) {
      if (t.name == a.type) id = t.id;
    }
    ASSERT_NE(id, 0) << a.type;
    for (std::string payload : {std::string(), std::string("\x02\x03\x04", 3)}) {
      std::string frame;
      EncodeFrame(&frame, id, 1, std::nullopt, payload);
      ASSERT_TRUE(db_->backend().Put({}, keys::Meta(key), frame).ok());
      auto r = db_->call(std::string(a.type) + ".get", key);
      ASSERT_EQ(r.status().code(), Code::kCorruption)
          << a.type << " payload of " << payload.size()
          << " bytes: " << (r.ok() ? r->ToString() : r.status().ToString());
      EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status();
    }
  }
}

TOWER_COMMAND_TEST_BACKENDS(MismatchTest);

}  // namespace
}  // namespace tower
