// The typed facade (Db::set_string, Db::add_int, ...) is a thin layer over
// Db::call: results convert, errors pass through unchanged.
#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;
class TypedTest : public CommandTest {};

TEST_P(TypedTest, StringMethods) {
  Db& db = *db_;
  ASSERT_TRUE(db.set_string("greeting", "Hello, Operator!").ok());
  EXPECT_EQ(*db.get_string("greeting"), "Hello, Operator!");
  EXPECT_EQ(*db.append_string("greeting", "!"), "Hello, Operator!!");
  EXPECT_EQ(*db.prepend_string("greeting", "> "), "> Hello, Operator!!");
  EXPECT_EQ(*db.replace_string("greeting", "!", "?"), "> Hello, Operator??");
  EXPECT_TRUE(*db.contains_string("greeting", "Oper"));
  EXPECT_TRUE(*db.starts_with_string("greeting", ">"));
  EXPECT_TRUE(*db.ends_with_string("greeting", "??"));
  EXPECT_EQ(*db.length_string("greeting"), 19);
  EXPECT_EQ(*db.substring_string("greeting", 2, 5), "Hello");
  EXPECT_EQ(*db.compare_string("greeting", "> A"), 1);
  EXPECT_FALSE(*db.equal_string("greeting", "x"));
  EXPECT_EQ(*db.upper_string("greeting"), "> HELLO, OPERATOR??");
  EXPECT_EQ(*db.lower_string("greeting"), "> hello, operator??");
  EXPECT_EQ(db.get_string("missing").status().code(), Code::kNotFound);
}

TEST_P(TypedTest, IntMethods) {
  Db& db = *db_;
  ASSERT_TRUE(db.set_int("n", 40).ok());
  EXPECT_EQ(*db.add_int("n", 2), 42);
  EXPECT_EQ(*db.sub_int("n", 2), 40);
  EXPECT_EQ(*db.mul_int("n", 2), 80);
  EXPECT_EQ(*db.div_int("n", 3), 26);
  EXPECT_EQ(*db.mod_int("n", 7), 5);
  EXPECT_EQ(*db.inc_int("n"), 6);
  EXPECT_EQ(*db.dec_int("n"), 5);
  EXPECT_EQ(*db.neg_int("n"), -5);
  EXPECT_EQ(*db.abs_int("n"), 5);
  EXPECT_EQ(*db.swap_int("n", 9), 5);
  EXPECT_EQ(*db.compare_int("n", 10), -1);
  EXPECT_TRUE(*db.set_int_if_greater("n", 12));
  EXPECT_TRUE(*db.set_int_if_less("n", 11));
  EXPECT_TRUE(*db.set_int_if_equal("n", 11, 100));
  EXPECT_EQ(*db.clamp_int("n", 0, 50), 50);
  EXPECT_EQ(*db.min_int("n", 20), 20);
  EXPECT_EQ(*db.max_int("n", 30), 30);
  EXPECT_EQ(*db.and_int("n", 0xF), 0xE);
  EXPECT_EQ(*db.or_int("n", 1), 0xF);
  EXPECT_EQ(*db.xor_int("n", 0xF), 0);
  EXPECT_EQ(*db.not_int("n"), -1);
  ASSERT_TRUE(db.set_int("n", 1).ok());
  EXPECT_EQ(*db.shift_left_int("n", 10), 1024);
  EXPECT_EQ(*db.shift_right_int("n", 3), 128);
  EXPECT_EQ(*db.get_int("n"), 128);
  ASSERT_TRUE(db.set_int("n", INT64_MAX).ok());
  EXPECT_EQ(db.inc_int("n").status().code(), Code::kOverflow);
}

TEST_P(TypedTest, EveryOtherTypeRoundTrips) {
  Db& db = *db_;
  ASSERT_TRUE(db.set_float("f", 1.25).ok());
  EXPECT_EQ(*db.add_float("f", 0.5), 1.75);
  EXPECT_TRUE(*db.set_float_if_greater("f", 2.0));
  EXPECT_EQ(*db.clamp_float("f", 0.0, 1.5), 1.5);
  ASSERT_TRUE(db.set_bool("b", true).ok());
  EXPECT_FALSE(*db.toggle_bool("b"));
  EXPECT_TRUE(*db.set_bool_if_false("b", true));
  ASSERT_TRUE(db.set_duration("d", Duration{1000}).ok());
  EXPECT_EQ(db.mul_duration("d", 3)->ns, 3000);
  EXPECT_EQ(db.mul_duration("d", INT64_MAX).status().code(), Code::kOverflow);
  ASSERT_TRUE(db.set_timestamp("t", Timestamp{1000000000}).ok());
  EXPECT_EQ(db.add_duration_to_timestamp("t", Duration{5})->ns, 1000000005);
  EXPECT_TRUE(*db.after_timestamp("t", Timestamp{0}));
  auto when = Time::Parse("2024-02-29T23:30:00.5-05:00");
  ASSERT_TRUE(when.ok());
  ASSERT_TRUE(db.set_time("c", *when).ok());
  EXPECT_EQ(*db.year_time("c"), 2024);
  EXPECT_EQ(*db.day_time("c"), 29);
  EXPECT_EQ(db.add_duration_to_time("c", Duration{3600LL * 1000000000})->ToString(),
            "2024-03-01T00:30:00.5-05:00");
  EXPECT_FALSE(*db.is_zero_time("c"));
  auto u = db.generate_uuid("u", 7);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->version(), 7);
  EXPECT_EQ(*db.uuid_to_string("u"), u->ToString());
  EXPECT_EQ(*db.version_uuid("u"), 7);
  ASSERT_TRUE(db.set_binary("bin", std::string("\x00\xff", 2)).ok());
  EXPECT_EQ(db.append_binary("bin", "A")->bytes, std::string("\x00\xff"
                                                             "A",
                                                             3));
  EXPECT_EQ(db.reverse_binary("bin")->bytes, std::string("A\xff\x00", 3));
  ASSERT_TRUE(db.set_bigint("big", BigInt("99999999999999999999999999")).ok());
  EXPECT_EQ(*db.add_bigint("big", BigInt(1)), BigInt("100000000000000000000000000"));
  EXPECT_EQ(*db.bigint_to_text("big", 16), "52b7d2dcc80cd2e4000000");
  ASSERT_TRUE(db.set_decimal("price", Decimal{BigInt(1999), 2}).ok());
  EXPECT_EQ(db.add_decimal("price", Decimal{BigInt(550), 2})->ToString(), "25.49");
  EXPECT_EQ(db.mul_decimal("price", Decimal{BigInt(110), 2})->ToString(), "28.0390");
  EXPECT_EQ(db.div_decimal("price", Decimal{BigInt(20), 1}, 4)->ToString(), "14.0195");
  ASSERT_TRUE(db.set_decimal_from_float("rate", 0.123456789, 8).ok());
  EXPECT_EQ(*db.decimal_to_text("rate"), "0.12345679");
  EXPECT_DOUBLE_EQ(*db.get_decimal_as_float("rate"), 0.12345679);
}

TEST_P(TypedTest, ValuesSurviveAReopen) {
  if (GetParam() == "memory") GTEST_SKIP() << "the memory backend keeps nothing across a reopen";
  ASSERT_TRUE(db_->set_string("s", "kept").ok());
  ASSERT_TRUE(db_->set_int("i", -7).ok());
  db_.reset();
  auto d = Db::open(Options::OnDisk(dir_ + "/db", ""));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*(*d)->get_string("s"), "kept");
  EXPECT_EQ(*(*d)->get_int("i"), -7);
  // The manifest records the scalars plugin for both types.
  int recorded = 0;
  for (const auto& t : (*d)->manifest().types) recorded += t.plugin == "scalars";
  EXPECT_EQ(recorded, 2);
}

TOWER_COMMAND_TEST_BACKENDS(TypedTest);

}  // namespace
}  // namespace tower
