// tower::Db: manifests, directory checks, locking, and the raw value path.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tower/db.hpp"
#include "tower/frame.hpp"
#include "tower/keys.hpp"

namespace tower {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = TOWER_TEST_PLUGIN_DIR;

class DbTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tower-db-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string Dir(const std::string& name) { return (root_ / name).string(); }
  fs::path root_;
};

bool Contains(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST_F(DbTest, StoresAndReadsOnEveryBackend) {
  for (const char* backend : {"memory", "rocksdb", "lmdb"}) {
    for (bool mem : {false, true}) {
      if (mem && std::string(backend) == "lmdb") continue;
      Options o = mem ? Options::InMemory(backend) : Options::OnDisk(Dir(backend), backend);
      auto db = Db::open(o);
      ASSERT_TRUE(db.ok()) << backend << ": " << db.status();
      ASSERT_TRUE((*db)->put("greeting", "Hello").ok());
      EXPECT_EQ(*(*db)->get("greeting"), "Hello");
      EXPECT_TRUE(*(*db)->exists("greeting"));
      ASSERT_TRUE((*db)->del("greeting").ok());
      auto gone = (*db)->get("greeting");
      EXPECT_EQ(gone.status().code(), Code::kNotFound);
      EXPECT_TRUE(Contains(gone.status(), "'greeting'")) << gone.status();
      EXPECT_FALSE(*(*db)->exists("greeting"));
      EXPECT_EQ((*db)->manifest().backend, backend);
    }
  }
}

TEST_F(DbTest, ReopensWithTheRecordedBackend) {
  {
    auto db = Db::open(Options::OnDisk(Dir("d"), "lmdb"));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->put("k", "v").ok());
  }
  Options o = Options::OnDisk(Dir("d"), "");  // backend from the manifest
  auto db = Db::open(o);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->manifest().backend, "lmdb");
  EXPECT_EQ(*(*db)->get("k"), "v");
}

TEST_F(DbTest, ABackendMismatchIsAnError) {
  { ASSERT_TRUE(Db::open(Options::OnDisk(Dir("d"), "lmdb")).ok()); }
  auto db = Db::open(Options::OnDisk(Dir("d"), "rocksdb"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(db.status(), "'lmdb'")) << db.status();
  EXPECT_TRUE(Contains(db.status(), "'rocksdb'")) << db.status();
}

TEST_F(DbTest, RocksdbWriteThreadYieldIsAnOption) {
  Options o = Options::OnDisk(Dir("y"), "rocksdb");
  o.backend_options["rocksdb.write_thread_adaptive_yield"] = "sometimes";
  auto bad = Db::open(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(bad.status(), "rocksdb.write_thread_adaptive_yield")) << bad.status();
  o.backend_options["rocksdb.write_thread_adaptive_yield"] = "true";
  auto db = Db::open(o);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)->put("k", "v").ok());
}

TEST_F(DbTest, UnknownBackendListsTheAvailableOnes) {
  auto db = Db::open(Options::OnDisk(Dir("d"), "cassandra"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kNotFound);
  EXPECT_TRUE(Contains(db.status(), "cassandra")) << db.status();
  EXPECT_TRUE(Contains(db.status(), "available: ")) << db.status();
  EXPECT_TRUE(Contains(db.status(), "lmdb")) << db.status();
}

TEST_F(DbTest, AMissingBackendPluginIsNamed) {
  // Create a database with a backend found only in the fixtures directory,
  // then reopen without that directory.
  Options o = Options::OnDisk(Dir("d"), "fixturemem");
  o.plugin_paths = {kFixtures};
  { ASSERT_TRUE(Db::open(o).ok()); }
  o.plugin_paths.clear();
  o.backend = "";
  auto db = Db::open(o);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kNotFound);
  EXPECT_TRUE(Contains(db.status(), "written by backend plugin 'fixturemem'")) << db.status();
}

TEST_F(DbTest, AMissingDataTypePluginIsNamed) {
  {
    auto db = Db::open(Options::OnDisk(Dir("d"), "rocksdb"));
    ASSERT_TRUE(db.ok());
    auto id = (*db)->register_type("hyperloglog", "hll", 1);
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(*id, 2);
    EXPECT_EQ(*(*db)->register_type("hyperloglog", "hll", 1), 2);  // idempotent
    auto other = (*db)->register_type("hyperloglog", "other", 1);
    EXPECT_EQ(other.status().code(), Code::kAlreadyExists);
  }
  auto db = Db::open(Options::OnDisk(Dir("d"), "rocksdb"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kNotFound);
  EXPECT_TRUE(Contains(db.status(), "'hll'")) << db.status();
  EXPECT_TRUE(Contains(db.status(), "hyperloglog")) << db.status();
}

TEST_F(DbTest, AValueOfAnotherTypeIsATypeMismatch) {
  auto db = Db::open(Options::InMemory("memory"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->register_type("counter", "", 1).ok());  // kernel-owned, no plugin
  std::string frame;
  EncodeFrame(&frame, 2, 1, std::nullopt, "12345678");
  ASSERT_TRUE((*db)->backend().Put({}, keys::Meta("n"), frame).ok());
  auto v = (*db)->get("n");
  EXPECT_EQ(v.status().code(), Code::kTypeMismatch);
  EXPECT_TRUE(Contains(v.status(), "counter")) << v.status();
  ASSERT_TRUE((*db)->backend().Put({}, keys::Meta("bad"), "\x01").ok());
  EXPECT_EQ((*db)->get("bad").status().code(), Code::kCorruption);
}

TEST_F(DbTest, KeysAreValidated) {
  auto db = Db::open(Options::OnDisk(Dir("d"), "lmdb"));
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->put("", "v").code(), Code::kInvalidArgument);
  std::string longest((*db)->max_user_key_size(), 'k');
  EXPECT_TRUE((*db)->put(longest, "v").ok());
  Status s = (*db)->put(longest + "k", "v");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(s, "lmdb")) << s;
  // Binary keys with 0x00 and 0xFF are ordinary keys.
  std::string bin("\x00\xff\x00", 3);
  ASSERT_TRUE((*db)->put(bin, "b").ok());
  EXPECT_EQ(*(*db)->get(bin), "b");
}

TEST_F(DbTest, UnusableDataDirectories) {
  std::string file = Dir("plain-file");
  std::ofstream(file) << "x";
  auto a = Db::open(Options::OnDisk(file));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kIOError);
  EXPECT_TRUE(Contains(a.status(), "not a directory")) << a.status();

  auto b = Db::open(Options::OnDisk(file + "/below"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::kIOError) << b.status();
  EXPECT_TRUE(Contains(b.status(), file)) << b.status();

  Options missing = Options::OnDisk(Dir("nope"));
  missing.create_if_missing = false;
  EXPECT_EQ(Db::open(missing).status().code(), Code::kNotFound);

  std::string foreign = Dir("foreign");
  fs::create_directories(foreign);
  std::ofstream(foreign + "/somebody-elses-file") << "x";
  auto c = Db::open(Options::OnDisk(foreign));
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(Contains(c.status(), "holds no Tower manifest")) << c.status();

  EXPECT_EQ(Db::open(Options::OnDisk("")).status().code(), Code::kInvalidArgument);

  if (geteuid() != 0) {  // root ignores permission bits
    std::string locked = Dir("locked");
    fs::create_directories(locked);
    fs::permissions(locked, fs::perms::none);
    auto d = Db::open(Options::OnDisk(locked));
    EXPECT_EQ(d.status().code(), Code::kIOError) << d.status();
    fs::permissions(locked, fs::perms::owner_all);
  }
}

TEST_F(DbTest, ASecondOpenOfOneDirectoryIsRefused) {
  auto first = Db::open(Options::OnDisk(Dir("d"), "lmdb"));
  ASSERT_TRUE(first.ok());
  auto second = Db::open(Options::OnDisk(Dir("d"), "lmdb"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBusy);
  EXPECT_TRUE(Contains(second.status(), Dir("d"))) << second.status();
  first->reset();
  EXPECT_TRUE(Db::open(Options::OnDisk(Dir("d"), "lmdb")).ok());
}

TEST_F(DbTest, CheckpointOpensAsADatabase) {
  for (bool mem : {false, true}) {
    std::string cp = Dir(mem ? "cp-mem" : "cp-disk");
    {
      auto db = Db::open(mem ? Options::InMemory("rocksdb") : Options::OnDisk(Dir("src")));
      ASSERT_TRUE(db.ok());
      ASSERT_TRUE((*db)->put("k", "v").ok());
      ASSERT_TRUE((*db)->checkpoint(cp).ok());
    }
    auto copy = Db::open(Options::OnDisk(cp, ""));
    ASSERT_TRUE(copy.ok()) << copy.status();
    EXPECT_EQ(*(*copy)->get("k"), "v");
  }
}

TEST_F(DbTest, OpensFromAConfigFile) {
  std::string file = Dir("tower.toml");
  std::ofstream(file) << "[storage]\nbackend = \"lmdb\"\npath = \"data\"\n"
                         "[storage.options]\n\"lmdb.map_size\" = 4194304\n";
  auto db = Db::open_config(file);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->options().path, Dir("data"));
  ASSERT_TRUE((*db)->put("k", "v").ok());
  auto stats = (*db)->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_FALSE(stats->empty());
}

}  // namespace
}  // namespace tower
