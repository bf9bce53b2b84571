// The "map" data type (datatypes/map): every command on every backend, typed
// fields, exact lengths, errors, expiry, and a model test against std::map.
#include <atomic>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;

class MapTest : public CommandTest {
 protected:
  static Value Arr(std::vector<Value> v) { return Value(std::move(v)); }
};

TEST_P(MapTest, EveryOperation) {
  EXPECT_EQ(Ok("map.exists", "m"), Value(false));
  EXPECT_EQ(Ok("map.create", "m"), Value());
  EXPECT_EQ(Ok("map.exists", "m"), Value(true));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{0}));
  EXPECT_EQ(Ok("map.keys", "m"), Arr({}));
  EXPECT_EQ(Ok("map.values", "m"), Arr({}));
  EXPECT_EQ(Ok("map.get_all", "m"), Arr({}));

  EXPECT_EQ(Ok("map.set", "m", "name", "John"), Value(true));
  EXPECT_EQ(Ok("map.set", "m", "age", 30), Value(true));
  EXPECT_EQ(Ok("map.set", "m", 42, "answer"), Value(true));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{3}));
  EXPECT_EQ(Ok("map.get", "m", "name"), Value("John"));
  EXPECT_EQ(Ok("map.get", "m", "age"), Value(int64_t{30}));
  EXPECT_EQ(Ok("map.get", "m", 42), Value("answer"));
  EXPECT_EQ(Ok("map.has_field", "m", "age"), Value(true));
  EXPECT_EQ(Ok("map.has_field", "m", "nope"), Value(false));

  // Subkey order: the type byte first (string 1 < int 2), then the value.
  EXPECT_EQ(Ok("map.keys", "m"), Arr({"age", "name", 42}));
  EXPECT_EQ(Ok("map.values", "m"), Arr({30, "John", "answer"}));
  EXPECT_EQ(Ok("map.get_all", "m"), Arr({"age", 30, "name", "John", 42, "answer"}));

  // Overwriting keeps the length and reports "not new".
  EXPECT_EQ(Ok("map.set", "m", "age", 31), Value(false));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{3}));
  EXPECT_EQ(Ok("map.get", "m", "age"), Value(int64_t{31}));

  EXPECT_EQ(Ok("map.delete_field", "m", "age", "missing", "age", 42), Value(int64_t{2}));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{1}));
  EXPECT_EQ(Ok("map.delete_field", "m", "missing"), Value(int64_t{0}));
  EXPECT_EQ(Ok("map.keys", "m"), Arr({"name"}));

  EXPECT_EQ(Ok("map.clear", "m"), Value(int64_t{1}));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{0}));
  EXPECT_EQ(Ok("map.keys", "m"), Arr({}));
  EXPECT_EQ(Ok("map.exists", "m"), Value(true));
  EXPECT_EQ(Ok("map.set", "m", "x", 1.5), Value(true));
  EXPECT_EQ(Ok("map.get_all", "m"), Arr({"x", 1.5}));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{1}));

  EXPECT_EQ(Ok("map.delete", "m"), Value(true));
  EXPECT_EQ(Ok("map.exists", "m"), Value(false));
  EXPECT_EQ(Ok("key.exists", "m"), Value(int64_t{0}));
}

TEST_P(MapTest, FieldsAndValuesKeepTheirExactType) {
  Ok("map.create", "m");
  const std::string raw("\x00\xff\x01", 3);
  std::vector<Value> fields = {
      Value(int64_t{42}),
      Value("42"),
      Value(0.0),
      Value(-0.0),
      Value(true),
      Value(false),
      Value(Binary{raw}),
      Value(std::string(raw)),
      Value(BigInt("123456789012345678901234567890")),
      Value(BigInt(-5)),
      Value(Duration{42}),
      Value(Timestamp{42}),
      Value(),
      Value(Decimal{BigInt(1999), 2}),
      Value(std::string()),
      Value(Binary{""}),
  };
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(Ok("map.set", "m", fields[i], static_cast<int64_t>(i)), Value(true))
        << fields[i].ToString();
  }
  EXPECT_EQ(Ok("map.length", "m"), Value(static_cast<int64_t>(fields.size())));
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(Ok("map.get", "m", fields[i]), Value(static_cast<int64_t>(i)))
        << fields[i].ToString();
  }
  // -0.0 and 0.0 are distinct fields (their bits differ); both come back.
  auto keys = Ok("map.keys", "m").as_array();
  ASSERT_EQ(keys.size(), fields.size());
  int zeros = 0, negzeros = 0;
  for (const auto& k : keys) {
    if (k.type() == Value::Type::kFloat) (std::signbit(k.as_float()) ? negzeros : zeros)++;
  }
  EXPECT_EQ(zeros, 1);
  EXPECT_EQ(negzeros, 1);
  // Every key comes back with its type, and values in the same order.
  auto values = Ok("map.values", "m").as_array();
  ASSERT_EQ(values.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(Ok("map.get", "m", keys[i]), values[i]);
  }
  // Values of every type round-trip.
  Ok("map.create", "v");
  for (size_t i = 0; i < fields.size(); ++i) {
    Ok("map.set", "v", static_cast<int64_t>(i), fields[i]);
  }
  EXPECT_EQ(Ok("map.values", "v"), Arr(fields));
}

TEST_P(MapTest, NumericFieldsComeBackInNumericOrder) {
  Ok("map.create", "m");
  for (int64_t i : {5, -3, 100, 0, -1000, 7}) Ok("map.set", "m", i, i * 2);
  EXPECT_EQ(Ok("map.keys", "m"), Arr({-1000, -3, 0, 5, 7, 100}));
  EXPECT_EQ(Ok("map.values", "m"), Arr({-2000, -6, 0, 10, 14, 200}));
}

TEST_P(MapTest, Errors) {
  // Missing map.
  for (const char* cmd :
       {"map.length", "map.keys", "map.values", "map.get_all", "map.clear", "map.delete"}) {
    EXPECT_NE(Fails(Code::kNotFound, cmd, "nomap").find("nomap"), std::string::npos) << cmd;
  }
  Fails(Code::kNotFound, "map.set", "nomap", "f", "v");
  Fails(Code::kNotFound, "map.get", "nomap", "f");
  Fails(Code::kNotFound, "map.has_field", "nomap", "f");
  Fails(Code::kNotFound, "map.delete_field", "nomap", "f");
  EXPECT_EQ(Ok("key.exists", "nomap"), Value(int64_t{0}));  // set did not create it

  // A missing field names the field and the key.
  Ok("map.create", "m");
  std::string msg = Fails(Code::kNotFound, "map.get", "m", "ghost");
  EXPECT_NE(msg.find("ghost"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'m'"), std::string::npos) << msg;
  msg = Fails(Code::kNotFound, "map.get", "m", 42);
  EXPECT_NE(msg.find("int 42"), std::string::npos) << msg;

  // Another type under the key.
  Ok("string.set", "s", "hello");
  for (const char* cmd : {"map.length", "map.keys", "map.values", "map.get_all", "map.clear",
                          "map.delete", "map.exists", "map.create"}) {
    Fails(Code::kTypeMismatch, cmd, "s");
  }
  Fails(Code::kTypeMismatch, "map.set", "s", "f", "v");
  Fails(Code::kTypeMismatch, "map.get", "s", "f");
  Fails(Code::kTypeMismatch, "map.delete_field", "s", "f");
  EXPECT_EQ(Ok("string.get", "s"), Value("hello"));

  // Wrong argument types and counts; nothing is written.
  Value arr = Arr({1, 2});
  msg = Fails(Code::kInvalidArgument, "map.set", "m", arr, "v");
  EXPECT_NE(msg.find("FIELD"), std::string::npos) << msg;
  msg = Fails(Code::kInvalidArgument, "map.set", "m", "f", arr);
  EXPECT_NE(msg.find("VALUE"), std::string::npos) << msg;
  Fails(Code::kInvalidArgument, "map.get", "m", arr);
  Fails(Code::kInvalidArgument, "map.has_field", "m", arr);
  Ok("map.set", "m", "keep", 1);
  Fails(Code::kInvalidArgument, "map.delete_field", "m", "keep", arr);
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{1}));  // "keep" was not deleted
  Fails(Code::kInvalidArgument, "map.set", "m", "f");
  Fails(Code::kInvalidArgument, "map.delete_field", "m");
  Fails(Code::kInvalidArgument, "map.create", 5);  // keys are strings or binary
  EXPECT_EQ(Ok("map.keys", "m"), Arr({"keep"}));

  // Creating twice.
  Fails(Code::kAlreadyExists, "map.create", "m");
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{1}));
}

TEST_P(MapTest, ExpiryRemovesTheWholeMap) {
  std::atomic<int64_t> now{1'000'000'000'000};
  db_->set_clock([&now] { return now.load(); });
  Ok("map.create", "m");
  Ok("map.set", "m", "a", 1);
  EXPECT_EQ(Ok("key.expire", "m", Duration{10'000'000'000}), Value(true));
  // Updates keep the expiry.
  Ok("map.set", "m", "b", 2);
  Ok("map.delete_field", "m", "a");
  Ok("map.set", "m", "b", 3);
  Ok("map.clear", "m");
  Ok("map.set", "m", "c", 4);
  now += 9'000'000'000;
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{1}));
  now += 2'000'000'000;
  Fails(Code::kNotFound, "map.length", "m");
  EXPECT_EQ(Ok("map.exists", "m"), Value(false));
  // Recreated empty, without the old fields or expiry.
  Ok("map.create", "m");
  EXPECT_EQ(Ok("map.keys", "m"), Arr({}));
  now += 100'000'000'000;
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{0}));
  db_->set_clock(nullptr);
}

TEST_P(MapTest, DeleteThenRecreateStartsEmpty) {
  Ok("map.create", "m");
  for (int i = 0; i < 50; ++i) Ok("map.set", "m", i, "v");
  EXPECT_EQ(Ok("key.delete", "m"), Value(int64_t{1}));
  Ok("map.create", "m");
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{0}));
  EXPECT_EQ(Ok("map.keys", "m"), Arr({}));
  Fails(Code::kNotFound, "map.get", "m", 3);
  ASSERT_TRUE(db_->collect_garbage(true).ok());
  Ok("map.set", "m", 3, "new");
  EXPECT_EQ(Ok("map.get_all", "m"), Arr({3, "new"}));
  // Replaced by a string: the map's fields are gone with it.
  Ok("string.set", "m", "x");
  Fails(Code::kTypeMismatch, "map.keys", "m");
  Ok("key.delete", "m");
  Ok("map.create", "m");
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{0}));
}

TEST_P(MapTest, ModelOf2000RandomOps) {
  std::mt19937 rng(20261126);
  std::map<int64_t, std::string> model;  // field i <-> int field i or string "s<i>"
  Ok("map.create", "m");
  auto field = [](int64_t i) { return i % 2 == 0 ? Value(i) : Value("s" + std::to_string(i)); };
  for (int step = 0; step < 2000; ++step) {
    int64_t f = static_cast<int64_t>(rng() % 40);
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string v = "v" + std::to_string(rng() % 1000);
        EXPECT_EQ(Ok("map.set", "m", field(f), v), Value(model.count(f) == 0));
        model[f] = v;
        break;
      }
      case 2: {
        int64_t g = static_cast<int64_t>(rng() % 40);
        int64_t want = static_cast<int64_t>(model.erase(f) + model.erase(g));
        EXPECT_EQ(Ok("map.delete_field", "m", field(f), field(g)), Value(want));
        break;
      }
      case 3:
        if (model.count(f)) {
          EXPECT_EQ(Ok("map.get", "m", field(f)), Value(model[f]));
        } else {
          Fails(Code::kNotFound, "map.get", "m", field(f));
        }
        EXPECT_EQ(Ok("map.has_field", "m", field(f)), Value(model.count(f) == 1));
        break;
      case 4: EXPECT_EQ(Ok("map.length", "m"), Value(static_cast<int64_t>(model.size()))); break;
      case 5:
        if (rng() % 20 == 0) {
          EXPECT_EQ(Ok("map.clear", "m"), Value(static_cast<int64_t>(model.size())));
          model.clear();
        }
        break;
    }
    if (step % 250 == 249) {
      // Full comparison: strings sort before ints (type byte), ints numerically.
      std::vector<Value> keys, values;
      std::map<std::string, std::pair<Value, std::string>> strs;
      for (const auto& [k, v] : model) {
        if (k % 2 == 1) strs["s" + std::to_string(k)] = {field(k), v};
      }
      for (const auto& [s, kv] : strs) keys.push_back(kv.first), values.push_back(kv.second);
      for (const auto& [k, v] : model) {
        if (k % 2 == 0) keys.push_back(field(k)), values.push_back(v);
      }
      EXPECT_EQ(Ok("map.keys", "m"), Arr(keys)) << "step " << step;
      EXPECT_EQ(Ok("map.values", "m"), Arr(values)) << "step " << step;
    }
  }
  EXPECT_EQ(Ok("map.length", "m"), Value(static_cast<int64_t>(model.size())));
}

TEST_P(MapTest, PersistsAcrossReopen) {
  if (GetParam() == "memory") GTEST_SKIP() << "in-memory databases do not reopen";
  Ok("map.create", "m");
  Ok("map.set", "m", "a", Binary{std::string("\x00\xff", 2)});
  Ok("map.set", "m", 7, 7.5);
  db_.reset();
  auto d = Db::open(Options::OnDisk(dir_ + "/db", GetParam()));
  ASSERT_TRUE(d.ok()) << d.status();
  db_ = std::move(*d);
  EXPECT_EQ(Ok("map.get_all", "m"), Arr({"a", Binary{std::string("\x00\xff", 2)}, 7, 7.5}));
  EXPECT_EQ(Ok("map.length", "m"), Value(int64_t{2}));
}

TOWER_COMMAND_TEST_BACKENDS(MapTest);

}  // namespace
}  // namespace tower
