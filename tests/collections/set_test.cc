// The "set" data type (datatypes/set): every command on every backend,
// multi-key algebra with missing keys and stores over their own sources,
// glob matching, refused member types, expiry, and a model test against
// std::set.
#include <algorithm>
#include <atomic>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace tower {
namespace {

using testing_support::CommandTest;

class SetTest : public CommandTest {
 protected:
  static Value Arr(std::vector<Value> v) { return Value(std::move(v)); }
  static Value Strs(const std::set<std::string>& s) {
    std::vector<Value> v;
    for (const auto& x : s) v.emplace_back(x);
    return Value(std::move(v));
  }
  void Make(const std::string& key, std::vector<Value> members) {
    Ok("set.create", key);
    for (auto& m : members) Ok("set.add", key, m);
  }
};

TEST_P(SetTest, EveryOperation) {
  EXPECT_EQ(Ok("set.exists", "s"), Value(false));
  EXPECT_EQ(Ok("set.create", "s"), Value());
  EXPECT_EQ(Ok("set.exists", "s"), Value(true));
  EXPECT_EQ(Ok("set.cardinality", "s"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.members", "s"), Arr({}));
  EXPECT_EQ(Ok("set.add", "s", "member1"), Value(int64_t{1}));
  EXPECT_EQ(Ok("set.add", "s", "member1"), Value(int64_t{1}));  // duplicate: same size
  EXPECT_EQ(Ok("set.add", "s", "b", "a", "b", "c"), Value(int64_t{4}));
  EXPECT_EQ(Ok("set.cardinality", "s"), Value(int64_t{4}));
  EXPECT_EQ(Ok("set.is_member", "s", "a"), Value(true));
  EXPECT_EQ(Ok("set.is_member", "s", "z"), Value(false));
  EXPECT_EQ(Ok("set.members", "s"), Arr({"a", "b", "c", "member1"}));
  EXPECT_EQ(Ok("set.remove", "s", "member1"), Value(int64_t{3}));
  EXPECT_EQ(Ok("set.remove", "s", "a", "zz", "a"), Value(int64_t{2}));
  EXPECT_EQ(Ok("set.remove", "s", "missing"), Value(int64_t{2}));
  EXPECT_EQ(Ok("set.members", "s"), Arr({"b", "c"}));
  EXPECT_EQ(Ok("set.clear", "s"), Value(int64_t{2}));
  EXPECT_EQ(Ok("set.cardinality", "s"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.members", "s"), Arr({}));
  EXPECT_EQ(Ok("set.exists", "s"), Value(true));
  EXPECT_EQ(Ok("set.add", "s", "x"), Value(int64_t{1}));
  EXPECT_EQ(Ok("set.members", "s"), Arr({"x"}));
  EXPECT_EQ(Ok("set.delete", "s"), Value(true));
  EXPECT_EQ(Ok("set.exists", "s"), Value(false));
  EXPECT_EQ(Ok("key.exists", "s"), Value(int64_t{0}));
}

TEST_P(SetTest, StringsAndBinariesAreDistinctMembers) {
  Ok("set.create", "s");
  const std::string raw("\x00\xff", 2);
  EXPECT_EQ(Ok("set.add", "s", "a", Binary{"a"}, Binary{raw}, std::string(raw), ""),
            Value(int64_t{5}));
  EXPECT_EQ(Ok("set.is_member", "s", Binary{"a"}), Value(true));
  EXPECT_EQ(Ok("set.is_member", "s", Binary{""}), Value(false));
  EXPECT_EQ(Ok("set.is_member", "s", ""), Value(true));
  // Strings (bytewise) first, then binaries.
  EXPECT_EQ(Ok("set.members", "s"), Arr({"", std::string(raw), "a", Binary{raw}, Binary{"a"}}));
  EXPECT_EQ(Ok("set.remove", "s", "a"), Value(int64_t{4}));
  EXPECT_EQ(Ok("set.is_member", "s", Binary{"a"}), Value(true));
}

TEST_P(SetTest, MembersOfOtherTypesAreRefused) {
  Ok("set.create", "s");
  Ok("set.add", "s", "keep");
  for (const Value& bad : {Value(int64_t{1}), Value(1.5), Value(true), Value(), Value(BigInt(7)),
                           Value(Duration{1}), Value(Arr({"a"}))}) {
    std::string msg = Fails(Code::kInvalidArgument, "set.add", "s", "ok", bad);
    EXPECT_NE(msg.find("MEMBER (argument 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string("got ") + bad.type_name()), std::string::npos) << msg;
    Fails(Code::kInvalidArgument, "set.remove", "s", "keep", bad);
    Fails(Code::kInvalidArgument, "set.is_member", "s", bad);
  }
  // Nothing was written by the failed commands.
  EXPECT_EQ(Ok("set.members", "s"), Arr({"keep"}));
  Fails(Code::kInvalidArgument, "set.members_matching", "s", 5);
  Fails(Code::kInvalidArgument, "set.members_matching", "s", Binary{"*"});
  Fails(Code::kInvalidArgument, "set.add", "s");
  Fails(Code::kInvalidArgument, "set.union");
  Fails(Code::kInvalidArgument, "set.union_store", "d");
  Fails(Code::kInvalidArgument, "set.union", "s", 5);  // keys are strings or binary
}

TEST_P(SetTest, MissingAndWronglyTypedKeys) {
  for (const char* cmd : {"set.cardinality", "set.members", "set.clear", "set.delete"}) {
    EXPECT_NE(Fails(Code::kNotFound, cmd, "nos").find("nos"), std::string::npos) << cmd;
  }
  Fails(Code::kNotFound, "set.add", "nos", "a");
  Fails(Code::kNotFound, "set.remove", "nos", "a");
  Fails(Code::kNotFound, "set.is_member", "nos", "a");
  Fails(Code::kNotFound, "set.members_matching", "nos", "*");
  EXPECT_EQ(Ok("key.exists", "nos"), Value(int64_t{0}));

  Ok("string.set", "str", "hello");
  for (const char* cmd : {"set.cardinality", "set.members", "set.clear", "set.delete", "set.exists",
                          "set.create", "set.union", "set.intersection", "set.difference"}) {
    Fails(Code::kTypeMismatch, cmd, "str");
  }
  Fails(Code::kTypeMismatch, "set.add", "str", "a");
  Fails(Code::kTypeMismatch, "set.is_member", "str", "a");
  Make("s", {"a"});
  Fails(Code::kTypeMismatch, "set.union", "s", "str");
  Fails(Code::kTypeMismatch, "set.union_store", "str", "s");  // DEST of another type
  Fails(Code::kTypeMismatch, "set.union_store", "d", "s", "str");
  EXPECT_EQ(Ok("key.exists", "d"), Value(int64_t{0}));
  EXPECT_EQ(Ok("string.get", "str"), Value("hello"));
  Fails(Code::kAlreadyExists, "set.create", "s");
}

TEST_P(SetTest, UnionIntersectionDifference) {
  Make("a", {"1", "2", "3", "4"});
  Make("b", {"3", "4", "5"});
  Make("c", {"4", "5", "6"});
  Ok("set.create", "empty");
  EXPECT_EQ(Ok("set.union", "a", "b", "c"), Arr({"1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(Ok("set.union", "a"), Arr({"1", "2", "3", "4"}));
  EXPECT_EQ(Ok("set.union", "missing", "b", "nope"), Arr({"3", "4", "5"}));
  EXPECT_EQ(Ok("set.union", "missing"), Arr({}));
  EXPECT_EQ(Ok("set.intersection", "a", "b"), Arr({"3", "4"}));
  EXPECT_EQ(Ok("set.intersection", "a", "b", "c"), Arr({"4"}));
  EXPECT_EQ(Ok("set.intersection", "c", "a", "b"), Arr({"4"}));
  EXPECT_EQ(Ok("set.intersection", "a", "missing"), Arr({}));
  EXPECT_EQ(Ok("set.intersection", "a", "empty"), Arr({}));
  EXPECT_EQ(Ok("set.intersection", "a", "a"), Arr({"1", "2", "3", "4"}));
  EXPECT_EQ(Ok("set.difference", "a", "b"), Arr({"1", "2"}));
  EXPECT_EQ(Ok("set.difference", "a", "b", "c"), Arr({"1", "2"}));
  EXPECT_EQ(Ok("set.difference", "c", "a"), Arr({"5", "6"}));
  EXPECT_EQ(Ok("set.difference", "a", "missing"), Arr({"1", "2", "3", "4"}));
  EXPECT_EQ(Ok("set.difference", "missing", "a"), Arr({}));
  EXPECT_EQ(Ok("set.difference", "a", "a"), Arr({}));
  // Read-only: nothing was created.
  EXPECT_EQ(Ok("key.exists", "missing", "nope"), Value(int64_t{0}));
}

TEST_P(SetTest, StoresReplaceDestEvenWhenItIsASource) {
  Make("a", {"1", "2", "3"});
  Make("b", {"2", "3", "4"});
  EXPECT_EQ(Ok("set.union_store", "u", "a", "b"), Value(int64_t{4}));
  EXPECT_EQ(Ok("set.members", "u"), Arr({"1", "2", "3", "4"}));
  EXPECT_EQ(Ok("set.cardinality", "u"), Value(int64_t{4}));
  // DEST among the sources.
  EXPECT_EQ(Ok("set.intersection_store", "a", "a", "b"), Value(int64_t{2}));
  EXPECT_EQ(Ok("set.members", "a"), Arr({"2", "3"}));
  EXPECT_EQ(Ok("set.cardinality", "a"), Value(int64_t{2}));
  EXPECT_EQ(Ok("set.difference_store", "b", "b", "a"), Value(int64_t{1}));
  EXPECT_EQ(Ok("set.members", "b"), Arr({"4"}));
  EXPECT_EQ(Ok("set.union_store", "b", "b", "u"), Value(int64_t{4}));
  EXPECT_EQ(Ok("set.members", "b"), Arr({"1", "2", "3", "4"}));
  // An existing DEST loses its old members; an empty result leaves an empty set.
  EXPECT_EQ(Ok("set.difference_store", "u", "a", "b"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.exists", "u"), Value(true));
  EXPECT_EQ(Ok("set.members", "u"), Arr({}));
  EXPECT_EQ(Ok("set.cardinality", "u"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.intersection_store", "x", "a", "missing"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.members", "x"), Arr({}));
  EXPECT_EQ(Ok("set.union_store", "y", "missing"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.union_store", "a", "missing"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.members", "a"), Arr({}));
  // The stored set works as any other.
  EXPECT_EQ(Ok("set.add", "u", "z"), Value(int64_t{1}));
  EXPECT_EQ(Ok("set.members", "u"), Arr({"z"}));
}

TEST_P(SetTest, MembersMatchingGlobs) {
  Make("s", {"apple", "apricot", "banana", "cherry", "a", "", "a*b", "a?b", "axb", "[x]"});
  Ok("set.add", "s", Binary{"apple"}, Binary{std::string("a\x00\xff", 3)});
  auto m = [&](const char* p) { return Ok("set.members_matching", "s", p); };
  EXPECT_EQ(m("ap*"), Arr({"apple", "apricot", Binary{"apple"}}));
  EXPECT_EQ(m("*"), Ok("set.members", "s"));
  EXPECT_EQ(m(""), Arr({""}));
  EXPECT_EQ(m("?"), Arr({"a"}));
  EXPECT_EQ(m("*an*"), Arr({"banana"}));
  EXPECT_EQ(m("*a"), Arr({"a", "banana"}));
  EXPECT_EQ(m("[bc]*"), Arr({"banana", "cherry"}));
  EXPECT_EQ(m("[a-b]?????"), Arr({"banana"}));
  EXPECT_EQ(m("[!a]*"), Arr({"[x]", "banana", "cherry"}));
  EXPECT_EQ(m("[^ab]*"), Arr({"[x]", "cherry"}));
  EXPECT_EQ(m("a\\*b"), Arr({"a*b"}));
  EXPECT_EQ(m("a\\?b"), Arr({"a?b"}));
  EXPECT_EQ(m("a?b"), Arr({"a*b", "a?b", "axb"}));
  EXPECT_EQ(m("\\[x]"), Arr({"[x]"}));
  EXPECT_EQ(m("[[]x]"), Arr({"[x]"}));
  EXPECT_EQ(m("a[x"), Arr({}));  // an unclosed class is a literal '['
  EXPECT_EQ(m("a?\xff"), Arr({Binary{std::string("a\x00\xff", 3)}}));
  EXPECT_EQ(m("nothing*"), Arr({}));
  EXPECT_EQ(m("*p*p*"), Arr({"apple", Binary{"apple"}}));
  EXPECT_EQ(m("**y"), Arr({"cherry"}));
}

TEST_P(SetTest, ExpiryDeleteAndRecreate) {
  std::atomic<int64_t> now{1'000'000'000'000};
  db_->set_clock([&now] { return now.load(); });
  Make("s", {"a", "b"});
  EXPECT_EQ(Ok("key.expire", "s", Duration{10'000'000'000}), Value(true));
  Ok("set.add", "s", "c");  // updates keep the expiry
  Ok("set.remove", "s", "a");
  Ok("set.clear", "s");
  Ok("set.add", "s", "d");
  now += 9'000'000'000;
  EXPECT_EQ(Ok("set.members", "s"), Arr({"d"}));
  now += 2'000'000'000;
  Fails(Code::kNotFound, "set.members", "s");
  EXPECT_EQ(Ok("set.union", "s"), Arr({}));  // expired = missing
  Ok("set.create", "s");
  EXPECT_EQ(Ok("set.members", "s"), Arr({}));
  now += 100'000'000'000;
  EXPECT_EQ(Ok("set.cardinality", "s"), Value(int64_t{0}));

  for (int i = 0; i < 30; ++i) Ok("set.add", "s", "m" + std::to_string(i));
  EXPECT_EQ(Ok("key.delete", "s"), Value(int64_t{1}));
  Ok("set.create", "s");
  EXPECT_EQ(Ok("set.cardinality", "s"), Value(int64_t{0}));
  EXPECT_EQ(Ok("set.is_member", "s", "m3"), Value(false));
  ASSERT_TRUE(db_->collect_garbage(true).ok());
  EXPECT_EQ(Ok("set.members", "s"), Arr({}));

  // A *_store drops DEST's expiry (the result is a new value).
  Make("t", {"q"});
  Ok("key.expire", "t", Duration{1'000'000'000});
  EXPECT_EQ(Ok("set.union_store", "t", "t"), Value(int64_t{1}));
  now += 5'000'000'000;
  EXPECT_EQ(Ok("set.members", "t"), Arr({"q"}));
  // A store into an expired DEST does not bring its old members back.
  Make("old", {"o1", "o2"});
  Ok("key.expire", "old", Duration{1'000'000'000});
  now += 2'000'000'000;
  EXPECT_EQ(Ok("set.union_store", "old", "t"), Value(int64_t{1}));
  EXPECT_EQ(Ok("set.members", "old"), Arr({"q"}));
  db_->set_clock(nullptr);
}

TEST_P(SetTest, ModelOfRandomOps) {
  std::mt19937 rng(7130);
  const std::vector<std::string> keys = {"k0", "k1", "k2"};
  std::vector<std::set<std::string>> model(3);
  for (const auto& k : keys) Ok("set.create", k);
  auto member = [&] { return "m" + std::to_string(rng() % 30); };
  for (int step = 0; step < 1500; ++step) {
    size_t k = rng() % 3, j = rng() % 3;
    switch (rng() % 7) {
      case 0:
      case 1: {
        std::string x = member(), y = member();
        model[k].insert(x);
        model[k].insert(y);
        EXPECT_EQ(Ok("set.add", keys[k], x, y), Value(static_cast<int64_t>(model[k].size())));
        break;
      }
      case 2: {
        std::string x = member();
        model[k].erase(x);
        EXPECT_EQ(Ok("set.remove", keys[k], x), Value(static_cast<int64_t>(model[k].size())));
        break;
      }
      case 3: {
        std::string x = member();
        EXPECT_EQ(Ok("set.is_member", keys[k], x), Value(model[k].count(x) == 1));
        break;
      }
      case 4: {
        std::set<std::string> u, i, d;
        std::set_union(model[k].begin(), model[k].end(), model[j].begin(), model[j].end(),
                       std::inserter(u, u.end()));
        std::set_intersection(model[k].begin(), model[k].end(), model[j].begin(), model[j].end(),
                              std::inserter(i, i.end()));
        std::set_difference(model[k].begin(), model[k].end(), model[j].begin(), model[j].end(),
                            std::inserter(d, d.end()));
        EXPECT_EQ(Ok("set.union", keys[k], keys[j]), Strs(u));
        EXPECT_EQ(Ok("set.intersection", keys[k], keys[j]), Strs(i));
        EXPECT_EQ(Ok("set.difference", keys[k], keys[j]), Strs(d));
        break;
      }
      case 5: {
        // Store into one of the keys (often one of the sources).
        size_t dest = rng() % 3;
        std::set<std::string> r;
        const char* cmd;
        switch (rng() % 3) {
          case 0:
            cmd = "set.union_store";
            std::set_union(model[k].begin(), model[k].end(), model[j].begin(), model[j].end(),
                           std::inserter(r, r.end()));
            break;
          case 1:
            cmd = "set.intersection_store";
            std::set_intersection(model[k].begin(), model[k].end(), model[j].begin(),
                                  model[j].end(), std::inserter(r, r.end()));
            break;
          default:
            cmd = "set.difference_store";
            std::set_difference(model[k].begin(), model[k].end(), model[j].begin(), model[j].end(),
                                std::inserter(r, r.end()));
        }
        EXPECT_EQ(Ok(cmd, keys[dest], keys[k], keys[j]), Value(static_cast<int64_t>(r.size())));
        model[dest] = r;
        break;
      }
      case 6:
        if (rng() % 10 == 0) {
          EXPECT_EQ(Ok("set.clear", keys[k]), Value(static_cast<int64_t>(model[k].size())));
          model[k].clear();
        }
        break;
    }
    if (step % 100 == 99) {
      for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(Ok("set.members", keys[i]), Strs(model[i])) << "step " << step;
        EXPECT_EQ(Ok("set.cardinality", keys[i]), Value(static_cast<int64_t>(model[i].size())));
      }
    }
  }
}

TEST_P(SetTest, PersistsAcrossReopen) {
  if (GetParam() == "memory") GTEST_SKIP() << "in-memory databases do not reopen";
  Make("s", {"a", Binary{std::string("\x00\xff", 2)}});
  Make("gone", {"x", "y"});
  Ok("set.clear", "gone");
  db_.reset();
  auto d = Db::open(Options::OnDisk(dir_ + "/db", GetParam()));
  ASSERT_TRUE(d.ok()) << d.status();
  db_ = std::move(*d);
  EXPECT_EQ(Ok("set.members", "s"), Arr({"a", Binary{std::string("\x00\xff", 2)}}));
  EXPECT_EQ(Ok("set.cardinality", "s"), Value(int64_t{2}));
  auto collected = db_->collect_garbage(true);
  ASSERT_TRUE(collected.ok()) << collected.status();
  EXPECT_EQ(Ok("set.members", "gone"), Arr({}));
  EXPECT_EQ(Ok("set.members", "s"), Arr({"a", Binary{std::string("\x00\xff", 2)}}));
}

TEST_P(SetTest, ManyMembersInOneCommand) {
  Ok("set.create", "big");
  std::vector<Value> args = {Value("big")};
  for (int i = 0; i < 5000; ++i) args.emplace_back("m" + std::to_string(i));
  auto r = db_->call("set.add", args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, Value(int64_t{5000}));
  EXPECT_EQ(Ok("set.cardinality", "big"), Value(int64_t{5000}));
  EXPECT_EQ(Ok("set.members", "big").as_array().size(), 5000u);
  EXPECT_EQ(Ok("set.members_matching", "big", "m49??").as_array().size(), 100u);
  EXPECT_EQ(Ok("set.intersection_store", "copy", "big", "big"), Value(int64_t{5000}));
  EXPECT_EQ(Ok("set.clear", "big"), Value(int64_t{5000}));
  EXPECT_EQ(Ok("set.members", "big"), Arr({}));
  EXPECT_EQ(Ok("set.difference", "copy", "big").as_array().size(), 5000u);
}

TEST_P(SetTest, ConcurrentStoresInOppositeKeyOrders) {
  Make("a", {"1", "2"});
  Make("b", {"2", "3"});
  Make("c", {"3", "4"});
  std::vector<std::thread> ts;
  const std::vector<std::vector<Value>> orders = {
      {"a", "b", "c"}, {"c", "b", "a"}, {"b", "a", "c"}, {"c", "a", "b"}};
  for (const auto& keys : orders) {
    ts.emplace_back([this, keys] {
      for (int i = 0; i < 100; ++i) {
        auto r = db_->call("set.union_store", keys);
        ASSERT_TRUE(r.ok()) << r.status();
      }
    });
  }
  for (auto& t : ts) t.join();
  // Every store wrote a union of two of the sets into the third: sizes stay
  // consistent with the members.
  for (const char* k : {"a", "b", "c"}) {
    EXPECT_EQ(Ok("set.cardinality", k),
              Value(static_cast<int64_t>(Ok("set.members", k).as_array().size())));
  }
}

TOWER_COMMAND_TEST_BACKENDS(SetTest);

}  // namespace
}  // namespace tower
