// The kernel's collection items (ABI 1.4), through the "bag" fixture plugin
// (tests/fixtures/bag_plugin.cc), on every backend: staging and
// read-your-writes, scans merged with the store, O(1) drops and the garbage
// collector, expiry of collections, and keys that look internal.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "fixture.hpp"
#include "tower/db.hpp"
#include "tower/keys.hpp"

namespace tower {
namespace {

namespace fs = std::filesystem;

class ItemsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tower-items-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(Open().ok());
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }
  Status Open() {
    db_.reset();
    Options o = GetParam() == "memory" ? Options::InMemory("memory")
                                       : Options::OnDisk(dir_ + "/db", GetParam());
    o.plugin_paths = {TOWER_TEST_PLUGIN_DIR};
    o.datatypes = {"bag", "scalars"};
    o.expiry_sweep_interval = std::chrono::milliseconds(0);  // tests sweep by hand
    auto d = Db::open(o);
    if (!d.ok()) {
      ADD_FAILURE() << d.status();
      return d.status();
    }
    db_ = std::move(*d);
    db_->set_clock([this] { return now_.load(); });
    return Status::OK();
  }
  bool Persistent() const { return GetParam() != "memory"; }

  template <class... A>
  Value Ok(std::string_view name, A&&... args) {
    auto r = db_->call(name, std::forward<A>(args)...);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status();
    return r.ok() ? *r : Value();
  }
  template <class... A>
  Status Err(std::string_view name, A&&... args) {
    auto r = db_->call(name, std::forward<A>(args)...);
    EXPECT_FALSE(r.ok()) << name << " succeeded";
    return r.status();
  }
  // "a=1,b=2" from a bag.scan result.
  static std::string Joined(const Value& v) {
    std::string s;
    for (const auto& e : v.as_array()) s += (s.empty() ? "" : ",") + e.as_string();
    return s;
  }
  // Every key physically in one namespace.
  size_t Count(char ns) { return testing_support::CountNamespace(*db_, ns); }

  std::string dir_;
  std::unique_ptr<Db> db_;
  std::atomic<int64_t> now_{1800000000LL * 1000000000};
};

TEST_P(ItemsTest, ItemsNeedAValueOfThePluginsType) {
  Status s = Err("bag.put", "nobag", "a", "1");
  EXPECT_EQ(s.code(), Code::kNotFound) << s;
  Ok("string.set", "str", "text");
  s = Err("bag.put", "str", "a", "1");
  EXPECT_EQ(s.code(), Code::kTypeMismatch) << s;
  EXPECT_NE(s.message().find("string"), std::string::npos) << s;
  EXPECT_EQ(Count(keys::kSub), 0u);  // nothing written
}

TEST_P(ItemsTest, PutGetDeleteAndScanBothWays) {
  Ok("bag.create", "b");
  for (const char* k : {"c", "a", "e", "b", "d"}) Ok("bag.put", "b", k, std::string("v") + k);
  EXPECT_EQ(Ok("bag.count", "b"), Value(int64_t{5}));
  EXPECT_EQ(Ok("bag.get", "b", "c"), Value("vc"));
  EXPECT_EQ(Err("bag.get", "b", "zz").code(), Code::kNotFound);
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "a=va,b=vb,c=vc,d=vd,e=ve");
  EXPECT_EQ(Joined(Ok("bag.scan", "b", "b", "d")), "b=vb,c=vc");
  EXPECT_EQ(Joined(Ok("bag.scan", "b", "b", "d", true)), "c=vc,b=vb");
  EXPECT_EQ(Joined(Ok("bag.scan", "b", Value(), Value(), true)), "e=ve,d=vd,c=vc,b=vb,a=va");
  EXPECT_EQ(Joined(Ok("bag.scan", "b", "x", "y")), "");
  Ok("bag.del", "b", "c");
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "a=va,b=vb,d=vd,e=ve");
  EXPECT_EQ(Ok("bag.count", "b"), Value(int64_t{4}));
  if (Persistent()) {
    ASSERT_TRUE(Open().ok());
    EXPECT_EQ(Joined(Ok("bag.scan", "b")), "a=va,b=vb,d=vd,e=ve");
  }
}

TEST_P(ItemsTest, ACommandSeesItsOwnStagedItems) {
  Ok("bag.create", "b");
  for (const char* k : {"a", "b", "c"}) Ok("bag.put", "b", k, std::string("stored-") + k);
  // Staged: a overwritten, b deleted, bb added; stored c untouched.
  EXPECT_EQ(Ok("bag.restage_and_scan", "b"), Value("a=staged-a,bb=staged-bb,c=stored-c,|c,bb,a,"));
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "a=staged-a,bb=staged-bb,c=stored-c");
}

TEST_P(ItemsTest, AFailedCommandWritesNoItems) {
  Status s = Err("bag.fill", "b", int64_t{-100});  // stages 100 items, then fails
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_EQ(Count(keys::kSub), 0u);
  EXPECT_EQ(Err("bag.count", "b").code(), Code::kNotFound);
}

TEST_P(ItemsTest, DeletingABigCollectionIsOneWriteAndTheSpaceComesBack) {
  constexpr int64_t kItems = 200000;
  Ok("bag.fill", "big", kItems);
  EXPECT_EQ(Count(keys::kSub), size_t{kItems});
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Ok("key.delete", "big"), Value(int64_t{1}));
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  EXPECT_LT(ms.count(), 10.0) << "deleting a " << kItems << "-item collection took " << ms.count()
                              << " ms";
  EXPECT_EQ(Err("bag.count", "big").code(), Code::kNotFound);
  EXPECT_EQ(Count(keys::kGarbage), 1u);
  // A new collection under the same key starts empty at once.
  Ok("bag.create", "big");
  EXPECT_EQ(Joined(Ok("bag.scan", "big")), "");
  auto groups = db_->collect_garbage(false);
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_EQ(*groups, 1u);
  EXPECT_EQ(Count(keys::kSub), 0u);
  EXPECT_EQ(Count(keys::kGarbage), 0u);
}

TEST_P(ItemsTest, ClearDropsItemsAndKeepsTheValue) {
  Ok("bag.create", "b");
  Ok("bag.put", "b", "a", "1");
  Ok("bag.clear", "b");
  EXPECT_EQ(Ok("bag.count", "b"), Value(int64_t{0}));
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "");
  Ok("bag.put", "b", "z", "2");
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "z=2");
  EXPECT_EQ(*db_->collect_garbage(false), 1u);
  EXPECT_EQ(Count(keys::kSub), 1u);
}

TEST_P(ItemsTest, ABlindOverwriteLeavesOrphansThatTheOrphanPassFinds) {
  Ok("bag.fill", "b", int64_t{100});
  Ok("string.set", "b", "now a string");  // never looked at the bag
  EXPECT_EQ(Ok("string.get", "b"), Value("now a string"));
  EXPECT_EQ(Count(keys::kSub), 100u);
  EXPECT_EQ(*db_->collect_garbage(false), 0u);  // no record for a blind write
  EXPECT_EQ(*db_->collect_garbage(true), 1u);   // the orphan pass
  EXPECT_EQ(Count(keys::kSub), 0u);
  // Live collections are left alone by the orphan pass.
  Ok("bag.fill", "live", int64_t{10});
  EXPECT_EQ(*db_->collect_garbage(true), 0u);
  EXPECT_EQ(Count(keys::kSub), 10u);
}

TEST_P(ItemsTest, AnExpiredCollectionIsGoneAndItsItemsAreCollected) {
  Ok("bag.fill", "b", int64_t{50});
  ASSERT_TRUE(db_->set_ttl("b", Timestamp{now_ + 1000000000}).ok());
  Ok("bag.put", "b", "extra", "x");  // writes keep the expiry and the items
  EXPECT_EQ(Ok("bag.count", "b"), Value(int64_t{51}));
  now_ += 2000000000LL;
  EXPECT_EQ(Err("bag.count", "b").code(), Code::kNotFound);
  EXPECT_EQ(Err("bag.put", "b", "a", "1").code(), Code::kNotFound);
  EXPECT_EQ(*db_->truncate_expired(), 1u);
  EXPECT_EQ(*db_->collect_garbage(false), 1u);
  EXPECT_EQ(Count(keys::kSub), 0u);
}

TEST_P(ItemsTest, ACollectionRecreatedOverAnExpiredOneStartsEmpty) {
  Ok("bag.fill", "b", int64_t{5});
  ASSERT_TRUE(db_->set_ttl("b", Timestamp{now_ + 1000000000}).ok());
  now_ += 2000000000LL;
  // Not swept yet: bag.create writes a new bag value over the expired one.
  Ok("bag.create", "b");
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "");
  EXPECT_EQ(Ok("bag.count", "b"), Value(int64_t{0}));
  EXPECT_EQ(*db_->collect_garbage(false), 1u);  // the old items were recorded
  EXPECT_EQ(Count(keys::kSub), 0u);
}

TEST_P(ItemsTest, UserKeysShapedLikeInternalKeysNeverTouchItems) {
  Ok("bag.create", "b");
  Ok("bag.put", "b", "sub", "item");
  // User keys spelling item, garbage and expiry keys of "b", with 0x00/0xFF.
  std::vector<std::string> fakes = {keys::Sub("b", 1, "sub"),   keys::Garbage("b", 1),
                                    keys::Expiry(1, "b"),       std::string("b\0\xff", 3),
                                    std::string("\xff\xff", 2), std::string(1, keys::kSub)};
  for (const auto& f : fakes) Ok("string.set", f, "user value");
  EXPECT_EQ(*db_->collect_garbage(true), 0u);
  EXPECT_EQ(*db_->truncate_expired(), 0u);
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "sub=item");
  for (const auto& f : fakes) EXPECT_EQ(Ok("string.get", f), Value("user value"));
  // And deleting them touches no item.
  for (const auto& f : fakes) Ok("key.delete", f);
  EXPECT_EQ(*db_->collect_garbage(true), 0u);
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "sub=item");
}

TEST_P(ItemsTest, VersionsAreNeverReusedAcrossReopen) {
  if (!Persistent()) GTEST_SKIP() << "in-memory databases do not reopen";
  Ok("bag.fill", "b", int64_t{3});
  Ok("key.delete", "b");  // garbage record left for the collector
  ASSERT_TRUE(Open().ok());
  Ok("bag.fill", "b", int64_t{2});  // a new version: the old items stay dead
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "i000000=v,i000001=v");
  EXPECT_EQ(*db_->collect_garbage(false), 1u);
  EXPECT_EQ(Joined(Ok("bag.scan", "b")), "i000000=v,i000001=v");
}

TEST_P(ItemsTest, ConcurrentWritersKeepCountsAndItemsInStep) {
  Ok("bag.create", "b");
  constexpr int kThreads = 4, kEach = 250;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = db_->call("bag.put", "b", "t" + std::to_string(t) + "-" + std::to_string(i), "v");
        ASSERT_TRUE(r.ok()) << r.status();
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(Ok("bag.count", "b"), Value(int64_t{kThreads * kEach}));
  EXPECT_EQ(Ok("bag.scan", "b").as_array().size(), size_t{kThreads * kEach});
}

INSTANTIATE_TEST_SUITE_P(Backends, ItemsTest, ::testing::Values("memory", "rocksdb", "lmdb"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace tower
