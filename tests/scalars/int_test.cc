// int commands through Db::call: every operation, checked arithmetic, a
// randomized model test against 128-bit arithmetic, and concurrency.
#include <limits>
#include <random>
#include <thread>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class IntTest : public CommandTest {};

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST_P(IntTest, Arithmetic) {
  EXPECT_TRUE(Ok("int.set", "n", 10).is_null());
  EXPECT_EQ(Ok("int.get", "n"), Value(10));
  EXPECT_EQ(Ok("int.add", "n", 5), Value(15));
  EXPECT_EQ(Ok("int.sub", "n", 20), Value(-5));
  EXPECT_EQ(Ok("int.mul", "n", -4), Value(20));
  EXPECT_EQ(Ok("int.div", "n", 3), Value(6));
  EXPECT_EQ(Ok("int.mod", "n", 4), Value(2));
  EXPECT_EQ(Ok("int.inc", "n"), Value(3));
  EXPECT_EQ(Ok("int.dec", "n"), Value(2));
  EXPECT_EQ(Ok("int.neg", "n"), Value(-2));
  EXPECT_EQ(Ok("int.abs", "n"), Value(2));
  EXPECT_EQ(Ok("int.swap", "n", 7), Value(2));
  EXPECT_EQ(Ok("int.get", "n"), Value(7));
  Ok("int.set", "m", -7);
  EXPECT_EQ(Ok("int.div", "m", 2), Value(-3));  // truncates toward zero
  EXPECT_EQ(Ok("int.mod", "m", 2), Value(-1));  // sign of the dividend
}

TEST_P(IntTest, BitwiseAndShifts) {
  Ok("int.set", "b", 0b1100);
  EXPECT_EQ(Ok("int.and", "b", 0b1010), Value(0b1000));
  EXPECT_EQ(Ok("int.or", "b", 0b0011), Value(0b1011));
  EXPECT_EQ(Ok("int.xor", "b", 0b1111), Value(0b0100));
  EXPECT_EQ(Ok("int.not", "b"), Value(~int64_t{0b0100}));
  Ok("int.set", "b", 3);
  EXPECT_EQ(Ok("int.shift_left", "b", 4), Value(48));
  EXPECT_EQ(Ok("int.shift_right", "b", 2), Value(12));
  Ok("int.set", "b", -16);
  EXPECT_EQ(Ok("int.shift_right", "b", 2), Value(-4));  // arithmetic
  EXPECT_EQ(Ok("int.shift_left", "b", 0), Value(-4));
  Fails(Code::kInvalidArgument, "int.shift_left", "b", 64);
  Fails(Code::kInvalidArgument, "int.shift_right", "b", -1);
  Ok("int.set", "b", int64_t{1} << 62);
  Fails(Code::kOverflow, "int.shift_left", "b", 1);
  EXPECT_EQ(Ok("int.get", "b"), Value(int64_t{1} << 62));
}

TEST_P(IntTest, ComparisonsAndConditionals) {
  Ok("int.set", "c", 50);
  EXPECT_EQ(Ok("int.compare", "c", 49), Value(1));
  EXPECT_EQ(Ok("int.compare", "c", 50), Value(0));
  EXPECT_EQ(Ok("int.compare", "c", 51), Value(-1));
  EXPECT_EQ(Ok("int.set_if_greater", "c", 40), Value(false));
  EXPECT_EQ(Ok("int.set_if_greater", "c", 60), Value(true));
  EXPECT_EQ(Ok("int.set_if_less", "c", 70), Value(false));
  EXPECT_EQ(Ok("int.set_if_less", "c", 30), Value(true));
  EXPECT_EQ(Ok("int.set_if_equal", "c", 31, 1), Value(false));
  EXPECT_EQ(Ok("int.set_if_equal", "c", 30, 1), Value(true));
  EXPECT_EQ(Ok("int.get", "c"), Value(1));
  EXPECT_EQ(Ok("int.clamp", "c", 5, 10), Value(5));
  EXPECT_EQ(Ok("int.clamp", "c", -3, 3), Value(3));
  Fails(Code::kInvalidArgument, "int.clamp", "c", 10, 5);
  EXPECT_EQ(Ok("int.max", "c", 9), Value(9));
  EXPECT_EQ(Ok("int.min", "c", 4), Value(4));
}

TEST_P(IntTest, OverflowIsAnErrorAndChangesNothing) {
  Ok("int.set", "o", kMax);
  EXPECT_NE(Fails(Code::kOverflow, "int.add", "o", 1).find("unchanged"), std::string::npos);
  Fails(Code::kOverflow, "int.inc", "o");
  Fails(Code::kOverflow, "int.mul", "o", 2);
  EXPECT_EQ(Ok("int.get", "o"), Value(kMax));
  Ok("int.set", "o", kMin);
  Fails(Code::kOverflow, "int.sub", "o", 1);
  Fails(Code::kOverflow, "int.dec", "o");
  Fails(Code::kOverflow, "int.neg", "o");
  Fails(Code::kOverflow, "int.abs", "o");
  Fails(Code::kOverflow, "int.div", "o", -1);
  EXPECT_EQ(Ok("int.get", "o"), Value(kMin));
  Fails(Code::kInvalidArgument, "int.div", "o", 0);
  Fails(Code::kInvalidArgument, "int.mod", "o", 0);
  EXPECT_EQ(Ok("int.get", "o"), Value(kMin));
  EXPECT_EQ(Ok("int.mod", "o", -1), Value(0));  // INT64_MIN % -1 is 0, not a trap
}

TEST_P(IntTest, MissingKeysAndBadArguments) {
  for (const char* cmd : {"int.get", "int.inc", "int.neg"}) Fails(Code::kNotFound, cmd, "none");
  Fails(Code::kNotFound, "int.add", "none", 1);
  Fails(Code::kNotFound, "int.set_if_equal", "none", 0, 1);
  Ok("int.set", "n", 1);
  std::string m = Fails(Code::kInvalidArgument, "int.add", "n", "1");
  EXPECT_NE(m.find("argument 2 must be int, got string"), std::string::npos) << m;
  Fails(Code::kInvalidArgument, "int.add", "n", 1.5);
  Fails(Code::kInvalidArgument, "int.add", "n");
  Fails(Code::kInvalidArgument, "int.add", "n", 1, 2);
}

TEST_P(IntTest, TypeMismatchNamesBothTypes) {
  Ok("string.set", "k-string", "x");
  std::string m = Fails(Code::kTypeMismatch, "int.inc", "k-string");
  EXPECT_NE(m.find("k-string"), std::string::npos);
  EXPECT_NE(m.find("string"), std::string::npos);
  EXPECT_NE(m.find("int"), std::string::npos);
  ASSERT_TRUE(db_->put("k-bytes", "raw").ok());
  m = Fails(Code::kTypeMismatch, "int.get", "k-bytes");
  EXPECT_NE(m.find("holds a bytes value, not int"), std::string::npos) << m;
  Ok("int.set", "k-int", 1);
  EXPECT_EQ(db_->get("k-int").status().code(), Code::kTypeMismatch);
}

// Random operation sequences against a reference in 128-bit arithmetic: the
// stored value always equals the model, and every overflow is reported.
TEST_P(IntTest, RandomizedModelAgainst128BitArithmetic) {
  std::mt19937_64 rng(GetParam().size());
  auto pick = [&]() -> int64_t {
    switch (rng() % 4) {
      case 0: return static_cast<int64_t>(rng() % 200) - 100;
      case 1: return static_cast<int64_t>(rng());
      case 2:
        return rng() % 2 ? kMax - static_cast<int64_t>(rng() % 3)
                         : kMin + static_cast<int64_t>(rng() % 3);
      default: return static_cast<int64_t>(rng() % 2000000) - 1000000;
    }
  };
  int64_t model = pick();
  Ok("int.set", "r", model);
  const char* ops[] = {"int.add", "int.sub", "int.mul", "int.div", "int.mod", "int.inc",
                       "int.dec", "int.neg", "int.abs", "int.min", "int.max"};
  int overflows = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string op = ops[rng() % std::size(ops)];
    int64_t x = pick();
    __int128 want = 0;
    bool invalid = false;
    if (op == "int.add")
      want = __int128{model} + x;
    else if (op == "int.sub")
      want = __int128{model} - x;
    else if (op == "int.mul")
      want = __int128{model} * x;
    else if (op == "int.div") {
      invalid = x == 0;
      if (!invalid) want = __int128{model} / x;
    } else if (op == "int.mod") {
      invalid = x == 0;
      if (!invalid) want = __int128{model} % x;
    } else if (op == "int.inc")
      want = __int128{model} + 1;
    else if (op == "int.dec")
      want = __int128{model} - 1;
    else if (op == "int.neg")
      want = -__int128{model};
    else if (op == "int.abs")
      want = model < 0 ? -__int128{model} : __int128{model};
    else if (op == "int.min")
      want = std::min(model, x);
    else
      want = std::max(model, x);
    bool unary = op == "int.inc" || op == "int.dec" || op == "int.neg" || op == "int.abs";
    auto r = unary ? db_->call(op, "r") : db_->call(op, "r", x);
    if (invalid) {
      ASSERT_EQ(r.status().code(), Code::kInvalidArgument) << op;
    } else if (want > kMax || want < kMin) {
      ASSERT_EQ(r.status().code(), Code::kOverflow) << op << " " << model << " " << x;
      ++overflows;
    } else {
      ASSERT_TRUE(r.ok()) << op << ": " << r.status();
      model = static_cast<int64_t>(want);
      ASSERT_EQ(*r, Value(model)) << op << " " << x;
    }
    if (i % 100 == 0) {
      ASSERT_EQ(Ok("int.get", "r"), Value(model));
    }
  }
  EXPECT_EQ(Ok("int.get", "r"), Value(model));
  EXPECT_GT(overflows, 0);  // the generator does reach the edges
}

TEST_P(IntTest, EightThreadsIncrementExactly) {
  Ok("int.set", "counter", 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) ASSERT_TRUE(db_->call("int.inc", "counter").ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Ok("int.get", "counter"), Value(80000));
}

TEST_P(IntTest, CompareAndSwapNeverLosesAnUpdate) {
  Ok("int.set", "cas", 0);
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        for (;;) {
          auto cur = db_->call("int.get", "cas");
          ASSERT_TRUE(cur.ok());
          auto ok = db_->call("int.set_if_equal", "cas", cur->as_int(), cur->as_int() + 1);
          ASSERT_TRUE(ok.ok());
          if (ok->as_bool()) break;
          ++retries;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Ok("int.get", "cas"), Value(4000));
}

TOWER_COMMAND_TEST_BACKENDS(IntTest);

}  // namespace
}  // namespace tower
