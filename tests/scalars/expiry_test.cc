// The kernel's key commands and expiry: key.exists / delete / type /
// expire / expire_at / persist / ttl, the Db methods over them, the expiry
// index and truncate_expired(), on every backend, with an injected clock.
#include <atomic>
#include <chrono>
#include <thread>

#include "fixture.hpp"
#include "tower/keys.hpp"

namespace tower::testing_support {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kStart = 1800000000 * kSecond;  // 2027-01-15, a fixed "now"

class ExpiryTest : public CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    if (HasFailure()) return;
    db_->set_clock([this] { return now_.load(); });
  }
  void Advance(int64_t ns) { now_ += ns; }
  // Index entries currently in the store.
  size_t IndexEntries() { return CountNamespace(*db_, keys::kExpiry); }
  // True when the key's metadata is still physically in the store.
  bool Stored(std::string_view key) {
    std::string v;
    return db_->backend().Get({}, keys::Meta(key), &v).ok();
  }
  std::atomic<int64_t> now_{kStart};
};

TEST_P(ExpiryTest, KeyCommandsWorkOnEveryType) {
  Ok("string.set", "s", "hello");
  Ok("int.set", "i", 5);
  EXPECT_EQ(Ok("key.exists", "s", "i", "missing"), Value(int64_t{2}));
  EXPECT_EQ(Ok("key.type", "s"), Value("string"));
  EXPECT_EQ(Ok("key.type", "i"), Value("int"));
  Fails(Code::kNotFound, "key.type", "missing");
  EXPECT_EQ(Ok("key.delete", "s", "missing"), Value(int64_t{1}));
  EXPECT_FALSE(*db_->exists("s"));
  EXPECT_TRUE(*db_->exists("i"));
  EXPECT_EQ(*db_->type_of("i"), "int");
  EXPECT_TRUE(*db_->delete_key("i"));
  EXPECT_FALSE(*db_->delete_key("i"));
}

TEST_P(ExpiryTest, AnExpiredKeyReadsAsAbsentAtOnce) {
  Ok("string.set", "session", "token");
  ASSERT_TRUE(db_->set_ttl("session", Timestamp{kStart + 10 * kSecond}).ok());
  auto t = db_->ttl("session");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->ns, kStart + 10 * kSecond);
  Advance(10 * kSecond - 1);
  EXPECT_EQ(Ok("string.get", "session"), Value("token"));
  Advance(1);
  Fails(Code::kNotFound, "string.get", "session");
  EXPECT_FALSE(*db_->exists("session"));
  // Still physically there until the sweep; then gone with its index entry.
  EXPECT_TRUE(Stored("session"));
  EXPECT_EQ(IndexEntries(), 1u);
  EXPECT_EQ(*db_->truncate_expired(), 1u);
  EXPECT_FALSE(Stored("session"));
  EXPECT_EQ(IndexEntries(), 0u);
}

TEST_P(ExpiryTest, RelativeTtlAndPersist) {
  Ok("int.set", "n", 1);
  EXPECT_EQ(Ok("key.expire", "n", Duration{30 * kSecond}), Value(true));
  EXPECT_EQ(Ok("key.ttl", "n"), Value(Timestamp{kStart + 30 * kSecond}));
  EXPECT_TRUE(*db_->remove_ttl("n"));
  EXPECT_FALSE(*db_->remove_ttl("n"));
  EXPECT_TRUE(Ok("key.ttl", "n").is_null());
  EXPECT_EQ(IndexEntries(), 0u);  // persist removed the index entry
  Advance(60 * kSecond);
  EXPECT_EQ(*db_->truncate_expired(), 0u);
  EXPECT_EQ(Ok("int.get", "n"), Value(int64_t{1}));
}

TEST_P(ExpiryTest, ReadModifyWriteKeepsTheTtlAndSetClearsIt) {
  Ok("int.set", "counter", 1);
  ASSERT_TRUE(db_->set_ttl("counter", Timestamp{kStart + 5 * kSecond}).ok());
  Ok("int.add", "counter", 2);  // keeps the expiry (Redis INCR semantics)
  EXPECT_EQ(Ok("key.ttl", "counter"), Value(Timestamp{kStart + 5 * kSecond}));
  Ok("int.set", "counter", 10);  // a plain set clears it (Redis SET)
  EXPECT_TRUE(Ok("key.ttl", "counter").is_null());
  // The index entry is now stale: the sweep drops it and keeps the key.
  Advance(10 * kSecond);
  EXPECT_EQ(*db_->truncate_expired(), 0u);
  EXPECT_EQ(IndexEntries(), 0u);
  EXPECT_EQ(Ok("int.get", "counter"), Value(int64_t{10}));
}

TEST_P(ExpiryTest, ANewDeadlineReplacesTheOldIndexEntry) {
  Ok("string.set", "k", "v");
  ASSERT_TRUE(db_->set_ttl("k", Timestamp{kStart + 5 * kSecond}).ok());
  ASSERT_TRUE(db_->set_ttl("k", Timestamp{kStart + 50 * kSecond}).ok());
  EXPECT_EQ(IndexEntries(), 1u);
  Advance(20 * kSecond);
  EXPECT_EQ(*db_->truncate_expired(), 0u);
  EXPECT_EQ(Ok("string.get", "k"), Value("v"));
  Advance(30 * kSecond);
  EXPECT_EQ(*db_->truncate_expired(), 1u);
}

TEST_P(ExpiryTest, APastDeadlineExpiresAtOnceAndMissingKeysAreNotFound) {
  Ok("string.set", "old", "v");
  ASSERT_TRUE(db_->set_ttl("old", Timestamp{kStart - kSecond}).ok());
  Fails(Code::kNotFound, "string.get", "old");
  EXPECT_EQ(db_->set_ttl("missing", Timestamp{kStart}).code(), Code::kNotFound);
  EXPECT_EQ(db_->ttl("missing").status().code(), Code::kNotFound);
  Fails(Code::kInvalidArgument, "key.expire_at", "old", 5);  // not a timestamp
  Fails(Code::kInvalidArgument, "key.expire", "old", "1s");  // not a duration
  Ok("string.set", "x", "v");
  Fails(Code::kOverflow, "key.expire", "x", Duration{INT64_MAX});
}

TEST_P(ExpiryTest, TruncateExpiredHandlesManyKeysInDeadlineOrder) {
  constexpr int kKeys = 1000;
  for (int i = 0; i < kKeys; ++i) {
    std::string k = "k" + std::to_string(i);
    Ok("int.set", k, i);
    ASSERT_TRUE(db_->set_ttl(k, Timestamp{kStart + (i % 10 + 1) * kSecond}).ok());
  }
  Advance(5 * kSecond);  // deadlines 1..5 s are due: half the keys
  EXPECT_EQ(*db_->truncate_expired(), uint64_t{kKeys / 2});
  EXPECT_EQ(IndexEntries(), size_t{kKeys / 2});
  EXPECT_EQ(Ok("int.get", "k5"), Value(int64_t{5}));  // deadline 6 s
  Fails(Code::kNotFound, "int.get", "k4");
  Advance(5 * kSecond);
  EXPECT_EQ(*db_->truncate_expired(), uint64_t{kKeys / 2});
  EXPECT_EQ(IndexEntries(), 0u);
}

TEST_P(ExpiryTest, UserKeysThatLookLikeIndexEntriesAreJustKeys) {
  // A user key spelling an index entry ('x' + be64 + key) is stored under
  // the metadata namespace and never taken for one.
  std::string fake = keys::Expiry(1, "victim");
  Ok("string.set", "victim", "v");
  Ok("string.set", fake, "looks internal");
  Advance(365LL * 24 * 3600 * kSecond);
  EXPECT_EQ(*db_->truncate_expired(), 0u);
  EXPECT_EQ(Ok("string.get", "victim"), Value("v"));
  EXPECT_EQ(Ok("string.get", fake), Value("looks internal"));
}

TOWER_COMMAND_TEST_BACKENDS(ExpiryTest);

// The background sweeper on the real clock.
TEST(ExpirySweeper, DeletesDueKeysInTheBackground) {
  Options o = Options::InMemory("memory");
  o.expiry_sweep_interval = std::chrono::milliseconds(20);
  auto db = Db::open(o);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->call("string.set", "soon", "v").ok());
  ASSERT_TRUE((*db)->call("key.expire", "soon", Duration{50 * 1000000}).ok());
  std::string v;
  auto stored = [&] { return (*db)->backend().Get({}, keys::Meta("soon"), &v).ok(); };
  EXPECT_TRUE(stored());
  for (int i = 0; i < 200 && stored(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(stored()) << "the sweeper did not delete the expired key within 2 s";
}

TEST(ExpirySweeper, ConfigFileSetsTheInterval) {
  auto o =
      Options::FromTomlString("[storage]\nin_memory = true\nexpiry_sweep_interval = \"250ms\"\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->expiry_sweep_interval, std::chrono::milliseconds(250));
  auto bad = Options::FromTomlString("[storage]\nexpiry_sweep_interval = \"soon\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expiry_sweep_interval"), std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace tower::testing_support
