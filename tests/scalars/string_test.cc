// string commands through Db::call, on every backend.
#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class StringTest : public CommandTest {};

TEST_P(StringTest, EveryOperation) {
  EXPECT_TRUE(Ok("string.set", "s", "Hello").is_null());
  EXPECT_EQ(Ok("string.get", "s"), Value("Hello"));
  EXPECT_EQ(Ok("string.append", "s", ", World"), Value("Hello, World"));
  EXPECT_EQ(Ok("string.prepend", "s", ">> "), Value(">> Hello, World"));
  EXPECT_EQ(Ok("string.replace", "s", "l", "L"), Value(">> HeLLo, WorLd"));
  EXPECT_EQ(Ok("string.contains", "s", "LLo"), Value(true));
  EXPECT_EQ(Ok("string.contains", "s", "xyz"), Value(false));
  EXPECT_EQ(Ok("string.starts_with", "s", ">> "), Value(true));
  EXPECT_EQ(Ok("string.ends_with", "s", "Ld"), Value(true));
  EXPECT_EQ(Ok("string.length", "s"), Value(15));
  EXPECT_EQ(Ok("string.substring", "s", 3, 5), Value("HeLLo"));
  EXPECT_EQ(Ok("string.substring", "s", 15, 0), Value(""));
  EXPECT_EQ(Ok("string.compare", "s", ">> A"), Value(1));
  EXPECT_EQ(Ok("string.compare", "s", ">> HeLLo, WorLd"), Value(0));
  EXPECT_EQ(Ok("string.compare", "s", "z"), Value(-1));
  EXPECT_EQ(Ok("string.equal", "s", ">> HeLLo, WorLd"), Value(true));
  EXPECT_EQ(Ok("string.upper", "s"), Value(">> HELLO, WORLD"));
  EXPECT_EQ(Ok("string.lower", "s"), Value(">> hello, world"));
  EXPECT_EQ(Ok("string.get", "s"), Value(">> hello, world"));
  // Empty strings are values.
  Ok("string.set", "e", "");
  EXPECT_EQ(Ok("string.length", "e"), Value(0));
}

TEST_P(StringTest, ErrorPaths) {
  Fails(Code::kNotFound, "string.get", "missing");
  Fails(Code::kNotFound, "string.append", "missing", "x");
  Ok("string.set", "s", "abc");
  std::string m = Fails(Code::kInvalidArgument, "string.substring", "s", 2, 5);
  EXPECT_NE(m.find("outside"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "string.substring", "s", -1, 1);
  Fails(Code::kInvalidArgument, "string.replace", "s", "", "x");
  m = Fails(Code::kInvalidArgument, "string.append", "s", 5);
  EXPECT_NE(m.find("argument 2 must be string, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "string.set", "s");
  EXPECT_NE(m.find("usage: string.set KEY VALUE:string"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "string.set", 5, "x");   // a key must be a string
  Fails(Code::kInvalidArgument, "string.set", "", "x");  // empty key
  Fails(Code::kInvalidArgument, "string.nosuch", "s");
  EXPECT_EQ(Ok("string.get", "s"), Value("abc"));  // nothing changed
}

TEST_P(StringTest, TypeMismatchNamesBothTypes) {
  Ok("int.set", "n", 5);
  std::string m = Fails(Code::kTypeMismatch, "string.get", "n");
  EXPECT_NE(m.find("'n' holds a int value, not string"), std::string::npos) << m;
  Ok("string.set", "s", "x");
  m = Fails(Code::kTypeMismatch, "int.add", "s", 1);
  EXPECT_NE(m.find("holds a string value, not int"), std::string::npos) << m;
  // set replaces a value of any type.
  Ok("string.set", "n", "now a string");
  EXPECT_EQ(Ok("string.get", "n"), Value("now a string"));
}

TOWER_COMMAND_TEST_BACKENDS(StringTest);

}  // namespace
}  // namespace tower
