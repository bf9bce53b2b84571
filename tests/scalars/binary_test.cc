// binary commands through Db::call, on every backend.
#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class BinaryTest : public CommandTest {};

Value B(std::string s) { return Value(Binary{std::move(s)}); }

TEST_P(BinaryTest, EveryOperation) {
  EXPECT_TRUE(Ok("binary.set", "b", B(std::string("\x01\x02\x00", 3))).is_null());
  EXPECT_EQ(Ok("binary.get", "b"), B(std::string("\x01\x02\x00", 3)));
  EXPECT_EQ(Ok("binary.length", "b"), Value(3));
  EXPECT_EQ(Ok("binary.append", "b", B("\xff")), B(std::string("\x01\x02\x00\xff", 4)));
  EXPECT_EQ(Ok("binary.prepend", "b", B("\x10")), B(std::string("\x10\x01\x02\x00\xff", 5)));
  EXPECT_EQ(Ok("binary.slice", "b", 1, 3), B(std::string("\x01\x02\x00", 3)));
  EXPECT_EQ(Ok("binary.slice", "b", 5, 0), B(""));
  EXPECT_EQ(Ok("binary.contains", "b", B(std::string("\x02\x00", 2))), Value(true));
  EXPECT_EQ(Ok("binary.contains", "b", B("\x03")), Value(false));
  EXPECT_EQ(Ok("binary.index_of", "b", B(std::string("\x00\xff", 2))), Value(3));
  EXPECT_EQ(Ok("binary.index_of", "b", B("\x03")), Value(-1));
  EXPECT_EQ(Ok("binary.index_of", "b", B("")), Value(0));
  EXPECT_EQ(Ok("binary.equal", "b", B(std::string("\x10\x01\x02\x00\xff", 5))), Value(true));
  EXPECT_EQ(Ok("binary.equal", "b", B("\x10")), Value(false));
  EXPECT_EQ(Ok("binary.compare", "b", B(std::string("\x10\x01\x02\x00\xff", 5))), Value(0));
  EXPECT_EQ(Ok("binary.compare", "b", B("\x10")), Value(1));   // longer
  EXPECT_EQ(Ok("binary.compare", "b", B("\x80")), Value(-1));  // bytes are unsigned
  EXPECT_EQ(Ok("binary.compare", "b", B("\x0f\xff")), Value(1));
  EXPECT_EQ(Ok("binary.reverse", "b"), B(std::string("\xff\x00\x02\x01\x10", 5)));
  EXPECT_EQ(Ok("binary.get", "b"), B(std::string("\xff\x00\x02\x01\x10", 5)));
  // Bitwise operations on equal lengths.
  Ok("binary.set", "x", B("\xf0\x0f\xaa"));
  EXPECT_EQ(Ok("binary.and", "x", B("\xff\x01\x0f")), B(std::string("\xf0\x01\x0a", 3)));
  EXPECT_EQ(Ok("binary.or", "x", B(std::string("\x0f\x00\xa0", 3))), B("\xff\x01\xaa"));
  EXPECT_EQ(Ok("binary.xor", "x", B("\xff\x01\xaa")), B(std::string("\x00\x00\x00", 3)));
  EXPECT_EQ(Ok("binary.get", "x"), B(std::string("\x00\x00\x00", 3)));
  // Empty values.
  Ok("binary.set", "e", B(""));
  EXPECT_EQ(Ok("binary.length", "e"), Value(0));
  EXPECT_EQ(Ok("binary.reverse", "e"), B(""));
  EXPECT_EQ(Ok("binary.xor", "e", B("")), B(""));
  EXPECT_EQ(Ok("binary.append", "e", B("a")), B("a"));
}

TEST_P(BinaryTest, ErrorPaths) {
  Fails(Code::kNotFound, "binary.get", "missing");
  Fails(Code::kNotFound, "binary.append", "missing", B("x"));
  Fails(Code::kNotFound, "binary.reverse", "missing");
  Fails(Code::kNotFound, "binary.index_of", "missing", B("x"));
  Ok("binary.set", "b", B("abc"));
  std::string m = Fails(Code::kInvalidArgument, "binary.slice", "b", 2, 5);
  EXPECT_NE(m.find("outside"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "binary.slice", "b", -1, 1);
  Fails(Code::kInvalidArgument, "binary.slice", "b", 4, 0);
  Fails(Code::kInvalidArgument, "binary.slice", "b", 0, -1);
  m = Fails(Code::kInvalidArgument, "binary.xor", "b", B("ab"));
  EXPECT_NE(m.find("3 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("2"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "binary.and", "b", B("abcd"));
  Fails(Code::kInvalidArgument, "binary.or", "b", B(""));
  m = Fails(Code::kInvalidArgument, "binary.append", "b", "text");
  EXPECT_NE(m.find("argument 2 must be binary, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "binary.slice", "b", "0", 1);
  EXPECT_NE(m.find("argument 2 must be int, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "binary.set", "b");
  EXPECT_NE(m.find("usage: binary.set KEY B:binary"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "binary.reverse", "b", B("x"));
  EXPECT_EQ(Ok("binary.get", "b"), B("abc"));  // nothing changed
}

TEST_P(BinaryTest, TypeMismatch) {
  Ok("string.set", "s", "abc");
  std::string m = Fails(Code::kTypeMismatch, "binary.get", "s");
  EXPECT_NE(m.find("holds a string value, not binary"), std::string::npos) << m;
  Fails(Code::kTypeMismatch, "binary.xor", "s", B("abc"));
  Ok("binary.set", "b", B("abc"));
  m = Fails(Code::kTypeMismatch, "string.get", "b");
  EXPECT_NE(m.find("holds a binary value, not string"), std::string::npos) << m;
  EXPECT_EQ(Ok("string.get", "s"), Value("abc"));
}

TOWER_COMMAND_TEST_BACKENDS(BinaryTest);

}  // namespace
}  // namespace tower
