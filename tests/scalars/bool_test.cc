// bool commands through Db::call, on every backend.
#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class BoolTest : public CommandTest {};

TEST_P(BoolTest, EveryOperation) {
  EXPECT_TRUE(Ok("bool.set", "b", true).is_null());
  EXPECT_EQ(Ok("bool.get", "b"), Value(true));
  EXPECT_EQ(Ok("bool.and", "b", true), Value(true));
  EXPECT_EQ(Ok("bool.and", "b", false), Value(false));
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
  EXPECT_EQ(Ok("bool.or", "b", false), Value(false));
  EXPECT_EQ(Ok("bool.or", "b", true), Value(true));
  EXPECT_EQ(Ok("bool.xor", "b", true), Value(false));
  EXPECT_EQ(Ok("bool.xor", "b", true), Value(true));
  EXPECT_EQ(Ok("bool.xor", "b", false), Value(true));
  EXPECT_EQ(Ok("bool.not", "b"), Value(false));
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
  EXPECT_EQ(Ok("bool.toggle", "b"), Value(true));
  EXPECT_EQ(Ok("bool.toggle", "b"), Value(false));
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
  EXPECT_EQ(Ok("bool.equal", "b", false), Value(true));
  EXPECT_EQ(Ok("bool.equal", "b", true), Value(false));
  // Conditional stores.
  EXPECT_EQ(Ok("bool.set_if_true", "b", true), Value(false));  // it is false
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
  EXPECT_EQ(Ok("bool.set_if_false", "b", true), Value(true));
  EXPECT_EQ(Ok("bool.get", "b"), Value(true));
  EXPECT_EQ(Ok("bool.set_if_false", "b", false), Value(false));
  EXPECT_EQ(Ok("bool.set_if_true", "b", false), Value(true));
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
  EXPECT_EQ(Ok("bool.set_if_equal", "b", true, true), Value(false));
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
  EXPECT_EQ(Ok("bool.set_if_equal", "b", false, true), Value(true));
  EXPECT_EQ(Ok("bool.get", "b"), Value(true));
  EXPECT_EQ(Ok("bool.set_if_equal", "b", true, false), Value(true));
  EXPECT_EQ(Ok("bool.get", "b"), Value(false));
}

TEST_P(BoolTest, ErrorPaths) {
  Fails(Code::kNotFound, "bool.get", "missing");
  Fails(Code::kNotFound, "bool.and", "missing", true);
  Fails(Code::kNotFound, "bool.toggle", "missing");
  Fails(Code::kNotFound, "bool.not", "missing");
  Fails(Code::kNotFound, "bool.equal", "missing", true);
  Fails(Code::kNotFound, "bool.set_if_true", "missing", true);
  Ok("bool.set", "b", true);
  std::string m = Fails(Code::kInvalidArgument, "bool.and", "b", 1);
  EXPECT_NE(m.find("argument 2 must be bool, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bool.set", "b", "true");
  EXPECT_NE(m.find("argument 2 must be bool, got string"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bool.set_if_equal", "b", true, 0);
  EXPECT_NE(m.find("argument 3 must be bool, got int"), std::string::npos) << m;
  m = Fails(Code::kInvalidArgument, "bool.set_if_equal", "b", true);
  EXPECT_NE(m.find("usage: bool.set_if_equal KEY EXPECTED:bool NEW:bool"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "bool.toggle", "b", true);
  Fails(Code::kInvalidArgument, "bool.xor", "b");
  EXPECT_EQ(Ok("bool.get", "b"), Value(true));  // nothing changed
}

TEST_P(BoolTest, TypeMismatch) {
  Ok("string.set", "s", "true");
  std::string m = Fails(Code::kTypeMismatch, "bool.toggle", "s");
  EXPECT_NE(m.find("holds a string value, not bool"), std::string::npos) << m;
  Ok("bool.set", "b", false);
  Fails(Code::kTypeMismatch, "int.get", "b");
  Ok("bool.set", "s", true);
  EXPECT_EQ(Ok("bool.get", "s"), Value(true));
}

TOWER_COMMAND_TEST_BACKENDS(BoolTest);

}  // namespace
}  // namespace tower
