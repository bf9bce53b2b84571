// uuid commands through Db::call, on every backend.
#include <set>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class UuidTest : public CommandTest {};

Uuid U(const char* text) {
  auto u = Uuid::Parse(text);
  EXPECT_TRUE(u.ok()) << text;
  return u.ok() ? *u : Uuid{};
}

constexpr const char* kText = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

TEST_P(UuidTest, EveryOperation) {
  EXPECT_TRUE(Ok("uuid.set", "u", U(kText)).is_null());
  EXPECT_EQ(Ok("uuid.get", "u"), Value(U(kText)));
  EXPECT_EQ(Ok("uuid.to_string", "u"), Value(kText));
  EXPECT_EQ(Ok("uuid.version", "u"), Value(1));
  EXPECT_EQ(Ok("uuid.variant", "u"), Value("rfc4122"));
  EXPECT_EQ(Ok("uuid.is_nil", "u"), Value(false));
  EXPECT_EQ(Ok("uuid.equal", "u", U(kText)), Value(true));
  EXPECT_EQ(Ok("uuid.equal", "u", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8"), Value(true));
  EXPECT_EQ(Ok("uuid.equal", "u", Uuid{}), Value(false));
  EXPECT_EQ(Ok("uuid.compare", "u", U(kText)), Value(0));
  EXPECT_EQ(Ok("uuid.compare", "u", "6ba7b810-9dad-11d1-80b4-00c04fd430c9"), Value(-1));
  EXPECT_EQ(Ok("uuid.compare", "u", "00000000-0000-0000-0000-000000000000"), Value(1));
  EXPECT_EQ(Ok("uuid.compare", "u", "ffffffff-0000-0000-0000-000000000000"), Value(-1));
  // Text forms accepted by set.
  Ok("uuid.set", "t", std::string("{") + kText + "}");
  EXPECT_EQ(Ok("uuid.get", "t"), Value(U(kText)));
  Ok("uuid.set", "t", std::string("urn:uuid:") + kText);
  EXPECT_EQ(Ok("uuid.get", "t"), Value(U(kText)));
  // validate / from_string take no key.
  EXPECT_EQ(Ok("uuid.validate", kText), Value(true));
  EXPECT_EQ(Ok("uuid.validate", std::string("{") + kText + "}"), Value(true));
  EXPECT_EQ(Ok("uuid.validate", std::string("urn:uuid:") + kText), Value(true));
  EXPECT_EQ(Ok("uuid.validate", "6ba7b810-9dad-11d1-80b4-00c04fd430c"), Value(false));
  EXPECT_EQ(Ok("uuid.validate", "6ba7b810x9dad-11d1-80b4-00c04fd430c8"), Value(false));
  EXPECT_EQ(Ok("uuid.validate", "6ba7b810-9dad-11d1-80b4-00c04fd430cg"), Value(false));
  EXPECT_EQ(Ok("uuid.validate", std::string("{") + kText), Value(false));
  EXPECT_EQ(Ok("uuid.validate", ""), Value(false));
  EXPECT_EQ(Ok("uuid.from_string", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8"), Value(U(kText)));
  // Nil and the conditional stores.
  Ok("uuid.set", "n", Uuid{});
  EXPECT_EQ(Ok("uuid.is_nil", "n"), Value(true));
  EXPECT_EQ(Ok("uuid.to_string", "n"), Value("00000000-0000-0000-0000-000000000000"));
  EXPECT_EQ(Ok("uuid.set_if_nil", "n", kText), Value(true));
  EXPECT_EQ(Ok("uuid.get", "n"), Value(U(kText)));
  EXPECT_EQ(Ok("uuid.set_if_nil", "n", Uuid{}), Value(false));
  EXPECT_EQ(Ok("uuid.get", "n"), Value(U(kText)));
  EXPECT_EQ(Ok("uuid.set_if_equal", "n", Uuid{}, kText), Value(false));
  EXPECT_EQ(Ok("uuid.set_if_equal", "n", kText, Uuid{}), Value(true));
  EXPECT_EQ(Ok("uuid.is_nil", "n"), Value(true));
}

TEST_P(UuidTest, Variants) {
  Uuid u = U(kText);
  const std::pair<uint8_t, const char*> cases[] = {
      {0x00, "ncs"},       {0x7f, "ncs"},       {0x80, "rfc4122"}, {0xbf, "rfc4122"},
      {0xc0, "microsoft"}, {0xdf, "microsoft"}, {0xe0, "future"},  {0xff, "future"}};
  for (auto [byte, name] : cases) {
    u.bytes[8] = byte;
    Ok("uuid.set", "u", u);
    EXPECT_EQ(Ok("uuid.variant", "u"), Value(name)) << int{byte};
  }
}

TEST_P(UuidTest, GenerateV4) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    Value v = i % 2 ? Ok("uuid.generate", "g") : Ok("uuid.generate", "g", 4);
    ASSERT_EQ(v.type(), Value::Type::kUuid);
    const Uuid& u = v.as_uuid();
    EXPECT_EQ(u.bytes[6] >> 4, 4);
    EXPECT_EQ(u.bytes[8] & 0xc0, 0x80);
    EXPECT_EQ(Ok("uuid.get", "g"), v);  // stored
    EXPECT_EQ(Ok("uuid.version", "g"), Value(4));
    EXPECT_EQ(Ok("uuid.variant", "g"), Value("rfc4122"));
    EXPECT_TRUE(seen.insert(u.ToString()).second);
  }
}

TEST_P(UuidTest, GenerateV7IsTimeOrdered) {
  int64_t before_ms = db_->now_ns() / 1000000;
  std::vector<Uuid> all;
  for (int i = 0; i < 200; ++i) {
    Value v = Ok("uuid.generate", "g", 7);
    ASSERT_EQ(v.type(), Value::Type::kUuid);
    all.push_back(v.as_uuid());
  }
  int64_t after_ms = db_->now_ns() / 1000000;
  for (size_t i = 0; i < all.size(); ++i) {
    const Uuid& u = all[i];
    EXPECT_EQ(u.version(), 7);
    EXPECT_EQ(u.bytes[8] & 0xc0, 0x80);
    int64_t ms = 0;
    for (int k = 0; k < 6; ++k) ms = (ms << 8) | u.bytes[k];
    EXPECT_GE(ms, before_ms);
    EXPECT_LE(ms, after_ms + 1);  // may borrow ahead when many fall in one tick
    if (i > 0) {
      EXPECT_LT(all[i - 1], u) << i;  // strictly increasing, bytewise
    }
  }
  EXPECT_EQ(Ok("uuid.version", "g"), Value(7));
  EXPECT_EQ(Ok("uuid.compare", "g", all.front()), Value(1));
}

TEST_P(UuidTest, ErrorPaths) {
  Fails(Code::kNotFound, "uuid.get", "missing");
  Fails(Code::kNotFound, "uuid.to_string", "missing");
  Fails(Code::kNotFound, "uuid.set_if_nil", "missing", kText);
  Fails(Code::kNotFound, "uuid.set_if_equal", "missing", kText, kText);
  Fails(Code::kNotFound, "uuid.version", "missing");
  Ok("uuid.set", "u", kText);
  std::string m = Fails(Code::kInvalidArgument, "uuid.set", "u", "not-a-uuid");
  EXPECT_NE(m.find("'not-a-uuid'"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "uuid.set", "u", 5);
  EXPECT_NE(m.find("argument 2 must be uuid or string, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "uuid.from_string", "zzz");
  EXPECT_NE(m.find("'zzz'"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "uuid.from_string", U(kText));
  EXPECT_NE(m.find("argument 1 must be string, got uuid"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "uuid.validate", 5);
  EXPECT_NE(m.find("argument 1 must be string, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "uuid.generate", "u", 1);
  EXPECT_NE(m.find("version 1"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "uuid.generate", "u", 5);
  m = Fails(Code::kInvalidArgument, "uuid.generate", "u", "7");
  EXPECT_NE(m.find("argument 2 must be int"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "uuid.generate", "u", 7, 1);
  m = Fails(Code::kInvalidArgument, "uuid.set_if_equal", "u", kText);
  EXPECT_NE(m.find("usage: uuid.set_if_equal"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "uuid.set_if_equal", "u", "bad", kText);
  Fails(Code::kInvalidArgument, "uuid.validate");
  Fails(Code::kInvalidArgument, "uuid.equal", "u", 1.5);
  EXPECT_EQ(Ok("uuid.get", "u"), Value(U(kText)));  // nothing changed
}

TEST_P(UuidTest, TypeMismatch) {
  Ok("string.set", "s", kText);
  std::string m = Fails(Code::kTypeMismatch, "uuid.get", "s");
  EXPECT_NE(m.find("holds a string value, not uuid"), std::string::npos) << m;
  Fails(Code::kTypeMismatch, "uuid.set_if_nil", "s", kText);
  EXPECT_EQ(Ok("string.get", "s"), Value(kText));
}

TOWER_COMMAND_TEST_BACKENDS(UuidTest);

}  // namespace
}  // namespace tower
